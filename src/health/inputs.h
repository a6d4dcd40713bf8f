/*
 * inputs: the eviction signals, read out of a collection and out of procfs.
 *
 * Health checks run the same collection a scrape does (scraper_collect) and take the
 * figures kubelet's eviction signals need from its sink:
 *   memory.available   = MemTotal - working set, the working set being
 *                        node_memory_working_set_bytes of the container collector's
 *                        resource view (root cgroup usage minus inactive_file) when
 *                        present, else MemTotal - MemFree - Inactive(file) from meminfo;
 *                        capacity MemTotal.
 *   nodefs.*           = node_filesystem_{avail_bytes,size_bytes,files_free,files} of
 *                        mountpoint "/".
 *   imagefs.*          = the same for the filesystem whose mount point is the longest
 *                        prefix of the image filesystem path.
 * pid.available comes from procfs, which no collector reports: the limit is the smaller
 * of kernel/pid_max and kernel/threads-max, the use the number of threads (loadavg's
 * fourth field, "running/total").
 */
#ifndef PLUMB_HEALTH_INPUTS_H
#define PLUMB_HEALTH_INPUTS_H

#include "expo/sink.h"
#include "health/conditions.h"
#include "lib/procfile.h"

/* Fill the memory, nodefs and imagefs signals of *in from the collection in s;
 * imagefs_path is the image filesystem's path as the host sees it. Signals whose
 * figures are missing stay have=false. */
void health_inputs_from_sink(const struct metric_sink *s, const char *imagefs_path,
			     struct health_inputs *in);

/* The procfs files pid.available needs, held open between checks. */
struct pid_files {
	struct procfile pid_max, threads_max, loadavg;
};

/* Set up for procfs root. Returns 0 or -ENAMETOOLONG. */
int pid_files_init(struct pid_files *p, const char *procfs);
/* Read them and fill the pid.available signal of *in (have=false when a file is
 * missing or malformed). Returns 0 or -errno of the first failure. */
int pid_files_read(struct pid_files *p, struct health_inputs *in);
void pid_files_fini(struct pid_files *p); /* accepts a zeroed struct */

/* The pid signal from the three files' texts. Returns 0 or -EINVAL. */
int pid_signal_parse(struct span pid_max, struct span threads_max, struct span loadavg,
		     double *available, double *capacity);

#endif
