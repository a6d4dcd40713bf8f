/*
 * procfile: held-open kernel files re-read with pread at offset 0. See procfile.h.
 */
#include "lib/procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/regfile.h"

int path_join(char *out, size_t cap, const char *root, const char *rel)
{
	size_t rl = root ? strlen(root) : 0;
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	while (rel[0] == '/' && rl > 0)
		rel++;
	size_t need = rl + (rl && !(rl == 1 && root[0] == '/') ? 1 : 0) + strlen(rel) + 1;
	if (need > cap)
		return -ENAMETOOLONG;
	size_t n = 0;
	if (rl) {
		memcpy(out, root, rl);
		n = rl;
		if (!(rl == 1 && root[0] == '/'))
			out[n++] = '/';
	}
	memcpy(out + n, rel, strlen(rel) + 1);
	return 0;
}

int procfile_init(struct procfile *pf, const char *root, const char *rel, size_t max)
{
	memset(pf, 0, sizeof(*pf));
	pf->fd = -1;
	pf->on_proc = -1;
	pf->max = max ? max : PROCFILE_DEFAULT_MAX;
	return path_join(pf->path, sizeof(pf->path), root, rel);
}

/* Grow pf->buf to at least want bytes (bounded by max + 1 for the NUL). */
static int grow(struct procfile *pf, size_t want)
{
	if (want <= pf->cap)
		return 0;
	size_t ncap = pf->cap ? pf->cap : 4096;
	while (ncap < want)
		ncap *= 2;
	if (ncap > pf->max + 1)
		ncap = pf->max + 1;
	if (ncap < want)
		return -EFBIG;
	char *p = realloc(pf->buf, ncap);
	if (!p)
		return -ENOMEM;
	pf->buf = p;
	pf->cap = ncap;
	return 0;
}

/* One pass of pread from 0 to EOF (or to the first short read of a whole file).
 * Returns 0 or -errno. */
static int read_all(struct procfile *pf)
{
	size_t len = 0;
	int r = grow(pf, pf->max + 1 < 4096 ? pf->max + 1 : 4096);
	if (r < 0)
		return r;
	for (;;) {
		if (len + 1 >= pf->cap) {
			if (pf->cap >= pf->max + 1)
				return -EFBIG;
			r = grow(pf, pf->cap * 2);
			if (r < 0)
				return r;
		}
		size_t want = pf->cap - 1 - len;
		ssize_t got = regfile_pread(pf->fd, pf->buf + len, want, (off_t)len);
		pf->preads++;
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (pf->whole && (size_t)got < want)
			break; /* handed out whole: this was the end */
	}
	pf->buf[len] = '\0';
	pf->len = len;
	return 0;
}

int procfile_read(struct procfile *pf)
{
	int r;
	pf->len = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (pf->fd < 0) {
			int fd = regfile_open(AT_FDCWD, pf->path, NULL);
			if (fd < 0)
				return fd;
			pf->fd = fd;
			pf->on_proc = -1; /* a new file: ask procfile_mounts_changed's question again */
		}
		r = read_all(pf);
		if (r == 0)
			return 0;
		pf->len = 0;
		/* a removed device, a deleted or replaced file: reopen once */
		if (r != -ENODEV && r != -ESTALE && r != -ENOENT && r != -EIO)
			return r;
		close(pf->fd);
		pf->fd = -1;
	}
	return r;
}

bool procfile_mounts_changed(struct procfile *pf)
{
	struct statfs sf;
	struct pollfd pfd = { .fd = pf->fd, .events = POLLPRI };
	if (pf->fd < 0 || pf->len == 0)
		return true;
	if (pf->on_proc < 0) /* asked once per open file: its filesystem cannot change */
		pf->on_proc = fstatfs(pf->fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
	if (!pf->on_proc)
		return true;
	/* the table's POLLIN is always set and not asked for; POLLPRI|POLLERR flag a change */
	return poll(&pfd, 1, 0) != 0;
}

void procfile_fini(struct procfile *pf)
{
	/* a zeroed, never-initialised pf has fd 0 but no path: do not close stdin */
	if (pf->fd >= 0 && pf->path[0])
		close(pf->fd);
	pf->fd = -1;
	free(pf->buf);
	pf->buf = NULL;
	pf->cap = pf->len = 0;
}

/* Read fd from its current offset to EOF into buf[cap] (NUL-terminated; cut at cap-1
 * bytes with -EFBIG if there is more), *len the byte count. Does not close fd.
 * Returns 0 or -errno. */
static int read_fd_into(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int r = 0;
	while (n + 1 < cap) {
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (got == 0)
			goto out;
		n += (size_t)got;
	}
	/* buffer full: is there more? */
	char extra;
	ssize_t more = read(fd, &extra, 1);
	if (more > 0)
		r = -EFBIG;
out:
	buf[n] = '\0';
	*len = n;
	return r;
}

int read_file_at(const char *root, const char *rel, char *buf, size_t cap, size_t *len)
{
	char path[PATH_MAX];
	int r = path_join(path, sizeof(path), root, rel);
	if (r < 0)
		return r;
	*len = 0;
	if (cap == 0)
		return -EINVAL;
	int fd = regfile_open(AT_FDCWD, path, NULL);
	if (fd < 0)
		return fd;
	r = read_fd_into(fd, buf, cap, len);
	close(fd);
	return r;
}

int read_file_dirfd(int dirfd, const char *rel, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	if (cap == 0)
		return -EINVAL;
	buf[0] = '\0';
	int fd = regfile_open(dirfd, rel, NULL);
	if (fd < 0)
		return fd;
	int r = read_fd_into(fd, buf, cap, len);
	close(fd);
	return r;
}

int read_attr(int dirfd, const char *name, char *buf, size_t cap)
{
	if (cap == 0)
		return -EINVAL;
	buf[0] = '\0';
	int fd = regfile_open(dirfd, name, NULL);
	if (fd < 0)
		return fd;
	int r = 0;
	ssize_t got;
	do {
		got = read(fd, buf, cap - 1);
	} while (got < 0 && errno == EINTR);
	if (got < 0) {
		r = -errno;
		goto out_close;
	}
	size_t n = (size_t)got;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
out_close:
	close(fd);
	return r;
}
