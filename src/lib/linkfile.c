/*
 * linkfile: see linkfile.h.
 */
#include "lib/linkfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* Read the target a flattened symlink file holds into buf[cap], NUL-terminated and
 * without trailing newline or '/'. Returns 0, or -ENOTDIR when the content is not a
 * relative "../" path. */
static int read_target(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do {
		n = read(fd, buf, cap - 1);
	} while (n < 0 && errno == EINTR);
	int r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '/'))
		n--;
	buf[n] = '\0';
	if (n < 4 || (size_t)n >= cap - 1 || strncmp(buf, "../", 3) != 0 ||
	    memchr(buf, '\n', (size_t)n) || strlen(buf) != (size_t)n)
		return -ENOTDIR;
	return 0;
}

int open_dir_entry(int dirfd, const char *name)
{
	char target[PATH_MAX];
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != ENOTDIR)
		return -errno;
	int r = read_target(dirfd, name, target, sizeof(target));
	if (r < 0)
		return r;
	fd = openat(dirfd, target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : -ENOTDIR;
}
