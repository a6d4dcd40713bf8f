/*
 * filesystem: the mountinfo parser and label helpers of the filesystem collector,
 * exposed for the unit tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_FILESYSTEM_H
#define PLUMB_COLLECTOR_FILESYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/procfile.h"
#include "lib/strparse.h"

/* One mount as the kernel lists it. Strings are decoded (the kernel's \040, \011, \012
 * and \134 escapes undone) and stored NUL-terminated in mount_table.strs at these
 * offsets; they may hold any byte except NUL. */
struct mount_entry {
	uint32_t dev_off, dev_len;  /* mount source: "/dev/sda1", "tmpfs", "server:/export" */
	uint32_t mp_off, mp_len;    /* mount point */
	uint32_t fs_off, fs_len;    /* filesystem type */
	int64_t major, minor;
	bool ro;                    /* "ro" among the mount or the superblock options */
};

/* A parsed mountinfo file. Grow-only: parsing again reuses the memory. */
struct mount_table {
	struct mount_entry *v;
	uint32_t n, cap;
	struct buf strs;
	uint64_t gen; /* bumped by every mountinfo_parse: equal means the same table */
};

/* Parse the text of a /proc/<pid>/mountinfo file (buf[0..len), need not be
 * NUL-terminated) into t, replacing what t held. Like node_exporter's procfs library,
 * a malformed line (fewer than 10 space-separated fields, no "-" separator before the
 * last three, a non-numeric mount or parent ID, a major:minor that is not two numbers)
 * rejects the whole file. Bumps t->gen. Returns 0, -EINVAL (t is then empty), or
 * -ENOMEM/-E2BIG. */
int mountinfo_parse(const char *buf, size_t len, struct mount_table *t);

/* Free t's memory; accepts a zeroed table. */
void mount_table_fini(struct mount_table *t);

/* The mount table's source: pid 1's mountinfo, or plumb's own when pid 1's is hidden
 * (hidepid), as node_exporter reads it; both held open, and the table parsed again only
 * when the kernel flags a change (procfile_mounts_changed). Owned by one collector. */
struct mountinfo_src {
	struct procfile init, self;
	struct procfile *last; /* the one the table was last parsed from; NULL: read again */
};

/* Set m up for the mountinfo files under procfs (not opened yet). Returns 0 or
 * -ENAMETOOLONG; mountinfo_src_fini applies either way. */
int mountinfo_src_init(struct mountinfo_src *m, const char *procfs);
/* Bring t up to date from m: read and parse again unless the table last parsed is
 * unchanged. Returns 0 or -errno (then the next call reads again). */
int mountinfo_src_read(struct mountinfo_src *m, struct mount_table *t);
/* Close m's files; accepts a zeroed or half-initialised m. */
void mountinfo_src_fini(struct mountinfo_src *m);

/* Accessors for an entry's strings. */
static inline const char *mount_str(const struct mount_table *t, uint32_t off)
{
	return t->strs.p + off;
}

/* Undo the kernel's mountinfo escapes (\040 space, \011 tab, \012 newline, \134
 * backslash) in src[0..len) into out (appended, then NUL-terminated). Any other
 * backslash is kept as it is. Returns 0 or -errno from the buffer. */
int mount_unescape(const char *src, size_t len, struct buf *out);

/* Strip the --path.rootfs prefix from a mount point as node_exporter does: when rootfs
 * is neither "/" nor empty and mp starts with it (as text, not as a path), drop it; "/"
 * if nothing is left. Returns a tail of mp, or a static "/". */
struct span rootfs_strip(const char *rootfs, struct span mp);

/* The text node_exporter puts in the device_error label for statfs errno e (Go's error
 * string: the C library's message, first letter lowercased), in out[cap]. */
void errno_label(int e, char *out, size_t cap);

#endif
