/*
 * linkfile: open a directory entry that is a directory, a symlink to one, or a
 * "flattened" symlink.
 *
 * sysfs class directories (/sys/class/net/eth0) are symlinks. Some archive unpackers,
 * like the one that turned node_exporter's sysfs fixture into a plain tree, store a
 * symlink as a regular file holding its target ("../../devices/.../net/eth0/"). To run
 * the same way on such trees, a regular file whose whole content is a relative path
 * starting with "../" is followed like the symlink it stands for. Any other regular
 * file stays a file. Nothing here allocates.
 */
#ifndef PLUMB_LINKFILE_H
#define PLUMB_LINKFILE_H

/* Open dirfd/name as a directory (O_RDONLY | O_DIRECTORY | O_CLOEXEC), following a real
 * or flattened symlink. Returns the fd (the caller closes it), -ENOTDIR for a plain
 * file, or another -errno. */
int open_dir_entry(int dirfd, const char *name);

#endif
