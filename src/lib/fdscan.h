/*
 * fdscan: list a directory the caller already holds open, without allocating.
 *
 * dirscan (dirscan.h) owns a directory it opens by path. Some directories are only
 * reachable through a file descriptor: a sysfs class entry opened through a link with
 * sysfs_open_dir(), or its "device" link. An fdscan borrows such a descriptor, rewinds
 * it with lseek and reads it with getdents64 into a fixed buffer. "." and ".." are
 * skipped. The fdscan never closes the descriptor.
 */
#ifndef PLUMB_FDSCAN_H
#define PLUMB_FDSCAN_H

#include <stdbool.h>
#include <stddef.h>

struct fdscan {
	int fd;            /* borrowed; -1 when not started */
	char buf[8192] __attribute__((aligned(8)));
	size_t len, pos;
	bool eof;
	bool fill_ends;    /* a read that leaves room for another entry was the last
			      (fdscan_fill_ends); fdscan_start clears it */
	unsigned long long ino; /* d_ino of the entry fdscan_next returned last */
};

/* Start listing directory fd (owned by the caller, who keeps it open while listing)
 * from its first entry. Returns 0 or -errno from lseek. */
int fdscan_start(struct fdscan *fs, int fd);
/* Tell fs, after fdscan_start, that its directory is the kernel's (sysfs, procfs,
 * cgroupfs): their readdir fills the buffer until the directory ends, so a getdents64
 * that leaves room for one more entry of the longest name has listed everything, and
 * the read that would return 0 is not made. (Only a signal cuts such a read short, and
 * plumb's scraping threads block the signals it takes.) */
static inline void fdscan_fill_ends(struct fdscan *fs)
{
	fs->fill_ends = true;
}

/* Next entry name (NUL-terminated, valid until the next call) and its d_type.
 * Returns 1, 0 at the end, or -errno (-EIO for a malformed record). */
int fdscan_next(struct fdscan *fs, const char **name, unsigned char *type);

#endif
