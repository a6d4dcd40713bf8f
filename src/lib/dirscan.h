/*
 * dirscan: list a directory every scrape without allocating.
 *
 * opendir() allocates a DIR on every call; a collector that lists /sys/class/net each
 * scrape would allocate each scrape. A dirscan owns the directory, opened by path and
 * held open, and lists it with an fdscan (getdents64 into a fixed buffer, rewinding
 * with lseek). Entries "." and ".." are
 * skipped. A directory that vanished is reopened on the next rewind.
 */
#ifndef PLUMB_DIRSCAN_H
#define PLUMB_DIRSCAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/fdscan.h"

struct dirscan {
	int fd;            /* -1 when closed */
	bool kernel;       /* fd is on sysfs, procfs or cgroupfs (fdscan_fill_ends) */
	char path[PATH_MAX];
	struct fdscan scan; /* reads fd */
};

/* Set ds up for root/rel (not opened yet). Returns 0 or -ENAMETOOLONG. */
int dirscan_init(struct dirscan *ds, const char *root, const char *rel);
/* Start listing from the first entry (opening the directory if needed).
 * Returns 0 or -errno (-ENOENT when the directory does not exist). */
int dirscan_rewind(struct dirscan *ds);
/* Next entry name (NUL-terminated, valid until the next call) and its d_type
 * (DT_DIR, DT_LNK, DT_REG, DT_UNKNOWN...). Returns 1, 0 at the end, or -errno. */
int dirscan_next(struct dirscan *ds, const char **name, unsigned char *type);
/* The inode number (d_ino) of the entry the last dirscan_next returned: it tells a
 * sysfs entry that was removed and made again under the same name from the old one. */
static inline unsigned long long dirscan_ino(const struct dirscan *ds)
{
	return ds->scan.ino;
}
/* The directory's fd for openat() on its entries (valid after a rewind), or -1. */
static inline int dirscan_fd(const struct dirscan *ds)
{
	return ds->fd;
}
void dirscan_fini(struct dirscan *ds); /* accepts a zeroed or closed ds */

#endif
