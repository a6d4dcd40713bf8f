/*
 * privop: the registered hooks, and the path a relative open stands for (see privop.h).
 */
#include "lib/privop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct privop hooks; /* set once before threads start (privop.h) */

void privop_set(const struct privop *ops)
{
	if (ops)
		hooks = *ops;
	else
		memset(&hooks, 0, sizeof(hooks));
}

/* The absolute path that dirfd/path names, into out[cap]: path itself when absolute,
 * else the folder dirfd is open on (from /proc/self/fd, or the working directory for
 * AT_FDCWD) joined with path. Returns 0 or -errno. */
static int absolute(int dirfd, const char *path, char *out, size_t cap)
{
	char link[32], dir[PATH_MAX];
	ssize_t n;
	if (path[0] == '/')
		return snprintf(out, cap, "%s", path) < (int)cap ? 0 : -ENAMETOOLONG;
	if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof(dir)))
			return -errno;
		n = (ssize_t)strlen(dir);
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		n = readlink(link, dir, sizeof(dir) - 1);
		if (n < 0)
			return -errno;
		dir[n] = '\0';
	}
	int w = snprintf(out, cap, "%s/%s", n == 1 && dir[0] == '/' ? "" : dir, path);
	return w >= 0 && (size_t)w < cap ? 0 : -ENAMETOOLONG;
}

int privop_open(int dirfd, const char *path, bool dir)
{
	char abs[PATH_MAX];
	int fd = -1;
	if (!hooks.open)
		return -ENOSYS;
	int r = absolute(dirfd, path, abs, sizeof(abs));
	if (r == 0)
		r = hooks.open(hooks.ctx, abs, dir, &fd);
	return r < 0 ? r : fd;
}

int privop_statfs(const char *path, struct statfs *st)
{
	if (!hooks.statfs)
		return -ENOSYS;
	return hooks.statfs(hooks.ctx, path, st);
}
