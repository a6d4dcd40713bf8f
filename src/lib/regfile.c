/*
 * regfile: non-blocking opens of regular files. See regfile.h.
 */
#include "lib/regfile.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
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

/* openat2 beneath dirfd, staying on its mount (openat2 refuses O_PATH with any flag but
 * O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC). Returns the descriptor or -errno. */
static int open_same_fs(int dirfd, const char *path, int flags)
{
	int more = flags & O_PATH ? O_CLOEXEC : O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	struct open_how how = {
		.flags = (uint64_t)(flags | more),
		.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

bool regfile_is_cgroupfs(int dirfd)
{
	struct statfs sf;
	if (fstatfs(dirfd, &sf) < 0 ||
	    (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC))
		return false;
	int fd = open_same_fs(dirfd, ".", O_PATH | O_DIRECTORY);
	if (fd < 0)
		return false; /* no openat2 here (an old kernel, a seccomp profile) */
	close(fd);
	return true;
}

int regfile_open_cgroup(int dirfd, const char *path, int flags)
{
	int fd = open_same_fs(dirfd, path, flags);
	/* a file behind a mount, or one only the broker may open: the checked way */
	if (flags == O_RDONLY && (fd == -EXDEV || privop_refused(fd)))
		return regfile_open(dirfd, path, NULL);
	return fd;
}

const char *regfile_strerror(int err)
{
	return err == REGFILE_ENOTREG ? "not a regular file" : strerror(err);
}
