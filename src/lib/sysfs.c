/*
 * sysfs: symlinks and link files. See sysfs.h.
 */
#include "lib/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/regfile.h"

/* Whether buf[0..len) is one relative "../" path and nothing else. */
static int is_link_text(const char *buf, size_t len)
{
	if (len < 4 || memcmp(buf, "../", 3) != 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c <= ' ' || c == 0x7f)
			return 0;
	}
	return 1;
}

int sysfs_readlink(int dirfd, const char *name, char *buf, size_t cap)
{
	if (cap < 2)
		return -EINVAL;
	ssize_t n = readlinkat(dirfd, name, buf, cap - 1);
	if (n >= 0) {
		buf[n] = '\0';
		return (size_t)n < cap - 1 ? 0 : -ENAMETOOLONG;
	}
	if (errno != EINVAL)
		return -errno;
	/* not a symlink: maybe a link file */
	struct stat st;
	int fd = regfile_open(dirfd, name, &st);
	if (fd < 0)
		return fd == -REGFILE_ENOTREG || fd == -EISDIR ? -EINVAL : fd;
	int r = 0;
	if (st.st_size >= (off_t)cap) {
		r = -EINVAL;
		goto out_close;
	}
	n = read(fd, buf, cap - 1);
	if (n < 0) {
		r = -errno;
		goto out_close;
	}
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	if (!is_link_text(buf, (size_t)n))
		r = -EINVAL;
out_close:
	close(fd);
	return r;
}

int sysfs_open_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != ENOTDIR)
		return -errno;
	char target[4096];
	int r = sysfs_readlink(dirfd, name, target, sizeof(target));
	if (r < 0)
		return -ENOTDIR;
	fd = openat(dirfd, target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

int sysfs_read(int dirfd, const char *name, char *buf, size_t cap, size_t *len)
{
	int r = 0;
	ssize_t n;
	*len = 0;
	int fd = regfile_open(dirfd, name, NULL);
	if (fd < 0)
		return fd;
	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else
		*len = (size_t)n;
	close(fd);
	return r;
}

int sysfs_attr(int dirfd, const char *name, char *buf, size_t cap, struct span *val)
{
	size_t n;
	int r = sysfs_read(dirfd, name, buf, cap > SYSFS_ATTR_MAX ? SYSFS_ATTR_MAX : cap, &n);
	*val = span_trim((struct span){ buf, n });
	return r;
}
