/*
 * sysfs: following sysfs symlinks, including ones stored as plain files, and reading
 * attributes the way node_exporter does.
 *
 * Entries of /sys/class/<x>/ and many device attributes (device, subsystem, driver) are
 * symlinks. Trees copied by tools that cannot make symlinks (the node_exporter fixture
 * host in ../shared is one) keep each link as a small regular file holding its target,
 * "../../devices/...". These helpers treat such a file as the link it stands for, so a
 * collector walks a real sysfs and a flattened copy the same way. A regular file counts
 * as a link only if its whole content is one relative path starting with "../".
 * sysfs_attr() reads an attribute with prometheus/procfs's limits, for collectors that
 * must cut and trim values exactly as node_exporter does.
 */
#ifndef PLUMB_SYSFS_H
#define PLUMB_SYSFS_H

#include <stddef.h>

#include "lib/strparse.h"

/* Read the target of the link dirfd/name into buf[cap] (NUL-terminated): from a real
 * symlink, or from a link file as above. Returns 0, -EINVAL if name is neither, or
 * -errno. */
int sysfs_readlink(int dirfd, const char *name, char *buf, size_t cap);

/* Open dirfd/name as a directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC), following a link
 * file relative to dirfd if name is one. Returns the fd (caller closes) or -errno. */
int sysfs_open_dir(int dirfd, const char *name);

/* How much of an attribute prometheus/procfs reads (its SysReadFile: one read of 128
 * bytes). node_exporter's labels from such files are cut there, and so are plumb's. */
#define SYSFS_ATTR_MAX 128

/* Read attribute dirfd/name with one read of at most cap bytes into buf, as it is
 * (not trimmed, not NUL-terminated); *len gets the byte count. sysfs hands over a whole
 * attribute (at most a page) in one read. Returns 0 or -errno from open or read. */
int sysfs_read(int dirfd, const char *name, char *buf, size_t cap, size_t *len);

/* Read attribute dirfd/name the way prometheus/procfs does: one read of at most
 * SYSFS_ATTR_MAX bytes into buf[cap] (cap > SYSFS_ATTR_MAX for the whole of it), then
 * *val is that text without surrounding whitespace, pointing into buf (NUL bytes kept).
 * Returns 0 or -errno from open or read (-ENOENT for a missing attribute). */
int sysfs_attr(int dirfd, const char *name, char *buf, size_t cap, struct span *val);

#endif
