/*
 * regfile: non-blocking opens of regular files. See regfile.h.
 */
#include "lib/regfile.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/privop.h"

int regfile_open(int dirfd, const char *path, struct stat *st)
{
	struct stat own;
	int r;
	if (!st)
		st = &own;
	int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && privop_refused(-errno)) {
		/* not ours to read: the broker may (lib/privop.h); its refusal, if any, is
		 * reported as the permission error it stands in for */
		fd = privop_open(dirfd, path, false);
		if (fd < 0)
			return -EACCES;
	} else if (fd < 0) {
		/* ENXIO: a socket, or a device without a driver; neither is a file */
		return errno == ENXIO ? -REGFILE_ENOTREG : -errno;
	}
	if (fstat(fd, st) < 0) {
		r = -errno;
		goto out_close;
	}
	if (S_ISREG(st->st_mode))
		return fd;
	r = S_ISDIR(st->st_mode) ? -EISDIR : -REGFILE_ENOTREG;
out_close:
	close(fd);
	return r;
}

int regfile_open_shared(int dirfd, const char *path, struct stat *st)
{
	struct stat own;
	if (!st)
		st = &own;
	/* A path swapped between this look and the open is still caught by
	 * regfile_open's fstat, after the open; closing that window too would take an
	 * O_PATH open and a reopen through /proc/self/fd, two more calls per open. */
	if (fstatat(dirfd, path, st, 0) == 0 && !S_ISREG(st->st_mode))
		return S_ISDIR(st->st_mode) ? -EISDIR : -REGFILE_ENOTREG;
	return regfile_open(dirfd, path, st);
}

const char *regfile_strerror(int err)
{
	return err == REGFILE_ENOTREG ? "not a regular file" : strerror(err);
}
