/*
 * inputs: eviction signals from a collection and procfs. See inputs.h.
 */
#include "health/inputs.h"

#include <errno.h>
#include <string.h>

/* Whether mount point mp (a span) covers path: equal, "/", or a parent directory. */
static bool covers(struct span mp, const char *path)
{
	size_t pl = strlen(path);
	if (span_eq(mp, "/"))
		return path[0] == '/';
	while (mp.len > 1 && mp.p[mp.len - 1] == '/')
		mp.len--;
	if (pl < mp.len || memcmp(path, mp.p, mp.len) != 0)
		return false;
	return pl == mp.len || path[mp.len] == '/';
}

/* Fill bytes signal sb and inode signal si from the filesystem at mount point mp. */
static void fs_signals(const struct metric_sink *s, const char *mp, struct health_inputs *in,
		       enum evict_signal sb, enum evict_signal si)
{
	double avail, size, ffree, files;
	if (sink_lookup(s, VIEW_METRICS, "node_filesystem_avail_bytes", "mountpoint", mp,
			&avail) == 0 &&
	    sink_lookup(s, VIEW_METRICS, "node_filesystem_size_bytes", "mountpoint", mp,
			&size) == 0) {
		in->have[sb] = true;
		in->available[sb] = avail;
		in->capacity[sb] = size;
	}
	if (sink_lookup(s, VIEW_METRICS, "node_filesystem_files_free", "mountpoint", mp,
			&ffree) == 0 &&
	    sink_lookup(s, VIEW_METRICS, "node_filesystem_files", "mountpoint", mp, &files) ==
		    0 &&
	    files > 0) {
		/* filesystems without inode accounting (btrfs, some FUSE) report 0 files */
		in->have[si] = true;
		in->available[si] = ffree;
		in->capacity[si] = files;
	}
}

/* The image filesystem's signals: the mount whose point is the longest prefix of path. */
static void imagefs_signals(const struct metric_sink *s, const char *path,
			    struct health_inputs *in)
{
	char best[4096];
	size_t best_len = 0;
	bool found = false;
	int fam = sink_find_family(s, "node_filesystem_avail_bytes",
				   strlen("node_filesystem_avail_bytes"));
	uint32_t pos = 0;
	const struct sink_series *se;
	struct span mp;
	while ((se = sink_family_next(s, fam, &pos))) {
		if (!sink_series_label(s, se, "mountpoint", &mp) || !covers(mp, path))
			continue;
		if (found && mp.len <= best_len)
			continue;
		if (span_copy(mp, best, sizeof(best)) < 0)
			continue;
		best_len = mp.len;
		found = true;
	}
	if (found)
		fs_signals(s, best, in, EVICT_IMAGEFS_AVAILABLE, EVICT_IMAGEFS_INODES_FREE);
}

void health_inputs_from_sink(const struct metric_sink *s, const char *imagefs_path,
			     struct health_inputs *in)
{
	double total, wset, mfree, inactive;
	if (sink_lookup(s, VIEW_METRICS, "node_memory_MemTotal_bytes", NULL, NULL, &total) == 0) {
		if (sink_lookup(s, VIEW_RESOURCE, "node_memory_working_set_bytes", NULL, NULL,
				&wset) == 0) {
			in->have[EVICT_MEMORY_AVAILABLE] = true;
			in->available[EVICT_MEMORY_AVAILABLE] = total - wset;
		} else if (sink_lookup(s, VIEW_METRICS, "node_memory_MemFree_bytes", NULL, NULL,
				       &mfree) == 0 &&
			   sink_lookup(s, VIEW_METRICS, "node_memory_Inactive_file_bytes", NULL,
				       NULL, &inactive) == 0) {
			in->have[EVICT_MEMORY_AVAILABLE] = true;
			in->available[EVICT_MEMORY_AVAILABLE] = mfree + inactive;
		}
		in->capacity[EVICT_MEMORY_AVAILABLE] = total;
	}
	fs_signals(s, "/", in, EVICT_NODEFS_AVAILABLE, EVICT_NODEFS_INODES_FREE);
	if (imagefs_path && imagefs_path[0] == '/')
		imagefs_signals(s, imagefs_path, in);
}

int pid_signal_parse(struct span pid_max, struct span threads_max, struct span loadavg,
		     double *available, double *capacity)
{
	uint64_t pm, tm, threads;
	struct span w, f;
	if (span_u64(pid_max, &pm) < 0 || span_u64(threads_max, &tm) < 0)
		return -EINVAL;
	/* loadavg: "0.00 0.01 0.05 1/123 4567": the fourth word is running/total */
	for (int i = 0; i < 4; i++)
		if (!span_word(&loadavg, &w))
			return -EINVAL;
	if (!span_field(&w, '/', &f) || !span_field(&w, '/', &f) || span_u64(f, &threads) < 0)
		return -EINVAL;
	double limit = (double)(pm < tm ? pm : tm);
	*capacity = limit;
	*available = limit - (double)threads;
	return 0;
}

int pid_files_init(struct pid_files *p, const char *procfs)
{
	int r;
	memset(p, 0, sizeof(*p));
	p->pid_max.fd = p->threads_max.fd = p->loadavg.fd = -1;
	if ((r = procfile_init(&p->pid_max, procfs, "sys/kernel/pid_max", 64)) < 0 ||
	    (r = procfile_init(&p->threads_max, procfs, "sys/kernel/threads-max", 64)) < 0 ||
	    (r = procfile_init(&p->loadavg, procfs, "loadavg", 256)) < 0)
		return r;
	procfile_set_whole(&p->pid_max); /* /proc/sys, and loadavg by single_open */
	procfile_set_whole(&p->threads_max);
	procfile_set_whole(&p->loadavg);
	return 0;
}

int pid_files_read(struct pid_files *p, struct health_inputs *in)
{
	int r;
	double avail, cap;
	if ((r = procfile_read(&p->pid_max)) < 0 || (r = procfile_read(&p->threads_max)) < 0 ||
	    (r = procfile_read(&p->loadavg)) < 0)
		return r;
	if ((r = pid_signal_parse(procfile_span(&p->pid_max), procfile_span(&p->threads_max),
				  procfile_span(&p->loadavg), &avail, &cap)) < 0)
		return r;
	in->have[EVICT_PID_AVAILABLE] = true;
	in->available[EVICT_PID_AVAILABLE] = avail;
	in->capacity[EVICT_PID_AVAILABLE] = cap;
	return 0;
}

void pid_files_fini(struct pid_files *p)
{
	procfile_fini(&p->pid_max);
	procfile_fini(&p->threads_max);
	procfile_fini(&p->loadavg);
}
