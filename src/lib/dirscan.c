/*
 * dirscan: allocation-free directory listing with getdents64. See dirscan.h.
 */
#include "lib/dirscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/procfile.h"

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int dirscan_init(struct dirscan *ds, const char *root, const char *rel)
{
	ds->fd = -1;
	ds->len = ds->pos = 0;
	ds->eof = true;
	return path_join(ds->path, sizeof(ds->path), root, rel);
}

int dirscan_rewind(struct dirscan *ds)
{
	ds->len = ds->pos = 0;
	ds->eof = false;
	if (ds->fd >= 0 && lseek(ds->fd, 0, SEEK_SET) == 0)
		return 0;
	if (ds->fd >= 0)
		close(ds->fd);
	ds->fd = open(ds->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ds->fd < 0) {
		ds->eof = true;
		return -errno;
	}
	return 0;
}

int dirscan_next(struct dirscan *ds, const char **name, unsigned char *type)
{
	for (;;) {
		if (ds->pos >= ds->len) {
			if (ds->eof || ds->fd < 0)
				return 0;
			long n = syscall(SYS_getdents64, ds->fd, ds->buf, sizeof(ds->buf));
			if (n < 0) {
				ds->eof = true;
				return -errno;
			}
			if (n == 0) {
				ds->eof = true;
				return 0;
			}
			ds->len = (size_t)n;
			ds->pos = 0;
		}
		struct linux_dirent64 *d = (struct linux_dirent64 *)(ds->buf + ds->pos);
		if (d->d_reclen == 0 || ds->pos + d->d_reclen > ds->len) {
			ds->eof = true;
			return -EIO;
		}
		ds->pos += d->d_reclen;
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		*name = d->d_name;
		*type = d->d_type;
		ds->ino = d->d_ino;
		return 1;
	}
}

void dirscan_fini(struct dirscan *ds)
{
	/* a zeroed, never-initialised ds has fd 0 but no path: do not close stdin */
	if (ds->fd >= 0 && ds->path[0])
		close(ds->fd);
	ds->fd = -1;
}
