/*
 * fdscan: getdents64 over a borrowed directory descriptor. See fdscan.h.
 */
#include "lib/fdscan.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct fdscan_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* The largest record getdents64 makes: a name of NAME_MAX bytes and its NUL, aligned. */
#define FDSCAN_DIRENT_MAX \
	((offsetof(struct fdscan_dirent64, d_name) + NAME_MAX + 1 + 7) & ~(size_t)7)

int fdscan_start(struct fdscan *fs, int fd)
{
	fs->fd = fd;
	fs->len = fs->pos = 0;
	fs->eof = fs->fill_ends = false;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		fs->eof = true;
		return -errno;
	}
	return 0;
}

int fdscan_next(struct fdscan *fs, const char **name, unsigned char *type)
{
	for (;;) {
		if (fs->pos >= fs->len) {
			if (fs->eof || fs->fd < 0)
				return 0;
			long n = syscall(SYS_getdents64, fs->fd, fs->buf, sizeof(fs->buf));
			if (n <= 0) {
				fs->eof = true;
				return n < 0 ? -errno : 0;
			}
			fs->len = (size_t)n;
			fs->pos = 0;
			if (fs->fill_ends && fs->len + FDSCAN_DIRENT_MAX <= sizeof(fs->buf))
				fs->eof = true; /* room was left: the kernel had no more */
		}
		struct fdscan_dirent64 *d = (struct fdscan_dirent64 *)(fs->buf + fs->pos);
		if (d->d_reclen < offsetof(struct fdscan_dirent64, d_name) + 2 || fs->pos + d->d_reclen > fs->len) {
			fs->eof = true;
			return -EIO;
		}
		fs->pos += d->d_reclen;
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		*name = d->d_name;
		*type = d->d_type;
		fs->ino = d->d_ino;
		return 1;
	}
}
