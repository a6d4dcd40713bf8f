/*
 * procfile: bounded, cheap re-reads of kernel files.
 *
 * A collector opens a kernel file once and re-reads it every scrape with pread() at
 * offset 0, into a buffer that grows only when the file outgrows it, up to a hard
 * limit. This costs about a third of open/read/close per scrape, and once the buffer
 * has reached its working size a scrape allocates nothing. A file that vanished
 * (ENODEV from a removed device, ENOENT, ESTALE) is reopened on the next read. Every
 * open here goes through lib/regfile.h: a FIFO or device where a file should be is
 * refused (-REGFILE_ENOTREG), never waited on.
 *
 * A struct procfile is owned by one collector and used by one thread at a time.
 */
#ifndef PLUMB_PROCFILE_H
#define PLUMB_PROCFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/strparse.h"

#define PROCFILE_DEFAULT_MAX (4u << 20) /* 4 MiB: far above any sane /proc file */

struct procfile {
	int fd;            /* -1 when closed */
	char *buf;         /* owned; NUL-terminated after each successful read */
	size_t len;        /* bytes of the last read */
	size_t cap;        /* allocated size of buf */
	size_t max;        /* hard limit on a file's size */
	bool whole;        /* one short read is the whole file (procfile_set_whole) */
	signed char on_proc; /* fd lies on procfs: 1, 0, or -1 not yet asked (fstatfs) */
	unsigned long preads; /* pread calls made so far: for tests and debugging */
	char path[PATH_MAX];
};

/* Set pf up for the file at root/rel (root may be NULL or "" for rel alone) without
 * opening it yet. max == 0 means PROCFILE_DEFAULT_MAX.
 * Returns 0, or -ENAMETOOLONG if the joined path does not fit. */
int procfile_init(struct procfile *pf, const char *root, const char *rel, size_t max);

/* Read the whole file again into pf->buf (opening it if needed). On success pf->buf
 * holds pf->len bytes followed by a NUL. Returns 0, or -errno: -ENOENT/-EACCES from
 * open, -REGFILE_ENOTREG when the path is not a regular file, -EFBIG when the file
 * exceeds pf->max, -ENOMEM. On error pf->len is 0. */
int procfile_read(struct procfile *pf);

/* For a mount table (/proc/PID/mountinfo): whether it may differ from pf's last read.
 * The kernel flags every mount, unmount and remount in the file's mount namespace
 * with POLLPRI on each open copy of the table, so an unchanged table need not be
 * read and parsed again. Each change is reported once: read pf again after a true
 * answer. Returns true when pf holds nothing, on error, and for a file that is not on
 * procfs (a fixture), which gives no such signal. */
bool procfile_mounts_changed(struct procfile *pf);

/* Tell pf that the kernel hands its file out whole: a read that returns less than was
 * asked for has reached the end, so procfile_read stops there instead of making a second
 * read to see end of file (one system call a scrape instead of two). True of files the
 * kernel makes with single_open (meminfo, loadavg, stat, pressure/cpu, net/netstat,
 * net/snmp, net/sockstat, PID/stat), of /proc/sys, of sysfs attributes, and of regular
 * files such as a fixture's. Not true of files made record by record (vmstat,
 * diskstats, softnet_stat, schedstat, mountinfo): a read of those stops short at a page
 * boundary, so do not mark them. Call after procfile_init. */
static inline void procfile_set_whole(struct procfile *pf)
{
	pf->whole = true;
}

/* The last read's contents as a span. */
static inline struct span procfile_span(const struct procfile *pf)
{
	return (struct span){ pf->buf, pf->len };
}

/* Close the fd and free the buffer. Accepts a zeroed (calloc'd, never initialised) or
 * half-initialised pf; safe to call twice. */
void procfile_fini(struct procfile *pf);

/* One-shot: read root/rel into a caller buffer buf[cap] (NUL-terminated; the file is
 * cut at cap-1 bytes and -EFBIG returned if longer). *len gets the byte count.
 * For small sysfs attributes that are read rarely. Returns 0 or -errno
 * (-REGFILE_ENOTREG when root/rel is not a regular file). */
int read_file_at(const char *root, const char *rel, char *buf, size_t cap, size_t *len);

/* The same as read_file_at for dirfd/rel (openat), for files beneath a directory the
 * caller holds open (a dirscan's). Returns 0 or -errno (-ENOENT, -ENOTDIR, -EFBIG...). */
int read_file_dirfd(int dirfd, const char *rel, char *buf, size_t cap, size_t *len);

/* Read a small sysfs attribute at dirfd/name into buf[cap], trimming the trailing
 * newline. Returns 0 or -errno (-REGFILE_ENOTREG as read_file_at). */
int read_attr(int dirfd, const char *name, char *buf, size_t cap);

/* Join root and rel into out[cap] with exactly one '/' between them.
 * Returns 0 or -ENAMETOOLONG. */
int path_join(char *out, size_t cap, const char *root, const char *rel);

#endif
