/*
 * cpulist: the CPU directories of sysfs (devices/system/cpu/cpu[0-9]*), listed each
 * scrape in the order Go's filepath.Glob gives them (byte-wise sorted names), which is
 * the order node_exporter's cpu and cpufreq collectors visit them in. Also the
 * kernel's CPU range lists ("0-3,8,10-11") as in devices/system/cpu/{isolated,offline}.
 *
 * The directory is held open (lib/dirscan) and the names kept in a grow-only array, so
 * listing allocates only when the machine has more CPUs than ever seen before. The
 * order the last listing sorted into is kept (lib/sort.h's sort_memo): a directory
 * that lists the same names in the same order is checked, not sorted again.
 */
#ifndef PLUMB_CPULIST_H
#define PLUMB_CPULIST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/dirscan.h"
#include "lib/sort.h"

#define CPULIST_NAME_MAX 32 /* "cpu" + digits; longer names are not CPUs we list */

struct cpulist {
	struct dirscan ds;
	char (*names)[CPULIST_NAME_MAX]; /* owned; names[0..n) sorted after cpulist_scan */
	size_t n, cap;
	size_t max;                      /* hard limit on entries; 0 means 65536 */
	struct sort_memo memo;           /* the last listing's order */
};

/* Set cl up for <sysfs>/devices/system/cpu. Returns 0 or -ENAMETOOLONG. */
int cpulist_init(struct cpulist *cl, const char *sysfs);
/* List the cpu[0-9]* entries again, sorted. Returns 0 or -errno (-ENOENT when the
 * directory is missing: then n is 0). */
int cpulist_scan(struct cpulist *cl);
/* The directory's fd, for openat() on "<name>/..." after a successful scan. */
static inline int cpulist_fd(const struct cpulist *cl)
{
	return dirscan_fd(&cl->ds);
}
void cpulist_fini(struct cpulist *cl); /* accepts a zeroed cl */

/* Parse a CPU range list (buf[0..len), one trailing newline allowed) into out[0..cap),
 * setting *n. Empty items are skipped. Returns 0, -EINVAL on a malformed item or a
 * number above 65535, -E2BIG when more than cap CPUs are listed. */
int cpu_range_parse(const char *buf, size_t len, uint16_t *out, size_t cap, size_t *n);

#endif
