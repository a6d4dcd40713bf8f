/*
 * tmptree.h: scratch file trees under /tmp for unit tests that need files the shared
 * fixture does not have (missing, garbled or hostile ones, symlinks, a file that
 * changes between scrapes). tmptree_make() makes a fresh empty directory; put, write,
 * mkdir and link add entries by path relative to it, making parent directories on the
 * way, and del removes one; tmptree_run() runs collectors with --path.procfs,
 * --path.sysfs and --path.rootfs pointing at its proc/, sys/ and the tree itself;
 * tmptree_rm() removes it all. Every function that takes a tree refuses (returns -1)
 * when the tree was not made, so a failed tmptree_make() can never turn into writes
 * under / . tmptree_unreadable() runs a check as someone who may not read a file.
 */
#ifndef PLUMB_TMPTREE_H
#define PLUMB_TMPTREE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "t.h"

struct tmptree {
	char root[PATH_MAX]; /* "/tmp/plumb-test-XXXXXX" once made; "" if not */
};

/* Make a fresh empty directory under /tmp. Returns 0, or -1 with t->root "". */
static inline int tmptree_make(struct tmptree *t)
{
	snprintf(t->root, sizeof(t->root), "/tmp/plumb-test-XXXXXX");
	if (mkdtemp(t->root))
		return 0;
	t->root[0] = '\0';
	return -1;
}

/* Write root/rel into buf[n]. Returns buf, or NULL (buf "") if the tree was not made
 * or the path does not fit. */
static inline char *tmptree_path(const struct tmptree *t, const char *rel, char *buf, size_t n)
{
	buf[0] = '\0';
	if (!t->root[0])
		return NULL;
	int len = snprintf(buf, n, "%s/%s", t->root, rel);
	if (len < 0 || (size_t)len >= n) {
		buf[0] = '\0';
		return NULL;
	}
	return buf;
}

/* Make the directory root/rel and every missing one above it (mkdir -p). Returns 0
 * (also when it exists already) or -1. */
static inline int tmptree_mkdir(const struct tmptree *t, const char *rel)
{
	char path[PATH_MAX];
	if (!tmptree_path(t, rel, path, sizeof(path)))
		return -1;
	for (char *p = path + strlen(t->root) + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		if (!c)
			return 0;
		*p = c;
	}
}

/* Make the parent directories of root/rel. Returns 0 or -1. */
static inline int tmptree_parents(const struct tmptree *t, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];
	if (!slash)
		return t->root[0] ? 0 : -1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	return tmptree_mkdir(t, dir);
}

/* Write n bytes of data (NULs and all) to root/rel, replacing what was there and
 * making parent directories. Returns 0, or -1 if anything failed. */
static inline int tmptree_write(const struct tmptree *t, const char *rel, const void *data,
				size_t n)
{
	char path[PATH_MAX];
	if (!tmptree_path(t, rel, path, sizeof(path)) || tmptree_parents(t, rel) != 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, n);
	int r = close(fd);
	return w == (ssize_t)n && r == 0 ? 0 : -1;
}

/* Write the string text over the existing file root/rel in place (same inode, as a
 * value changes under a descriptor held open). Returns 0, or -1 if it is not there or
 * the write failed. */
static inline int tmptree_rewrite(const struct tmptree *t, const char *rel, const char *text)
{
	char path[PATH_MAX];
	if (!tmptree_path(t, rel, path, sizeof(path)))
		return -1;
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, text, strlen(text));
	int r = close(fd);
	return w == (ssize_t)strlen(text) && r == 0 ? 0 : -1;
}

/* Write the string text to root/rel, as tmptree_write. Returns 0 or -1. */
static inline int tmptree_put(const struct tmptree *t, const char *rel, const char *text)
{
	return tmptree_write(t, rel, text, strlen(text));
}

/* Make root/rel a symlink to target (taken as is: relative to the link's directory,
 * or absolute), making parent directories. Returns 0, or -1 (also if rel exists). */
static inline int tmptree_link(const struct tmptree *t, const char *rel, const char *target)
{
	char path[PATH_MAX];
	if (!tmptree_path(t, rel, path, sizeof(path)) || tmptree_parents(t, rel) != 0)
		return -1;
	return symlink(target, path);
}

static inline int tmptree_rm_one(const char *path, const struct stat *st, int type,
				 struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove root/rel and, if it is a directory, everything below it, without following
 * symlinks. Returns 0, or -1 if it did not exist or anything stayed. */
static inline int tmptree_del(const struct tmptree *t, const char *rel)
{
	char path[PATH_MAX];
	if (!tmptree_path(t, rel, path, sizeof(path)))
		return -1;
	return nftw(path, tmptree_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Remove the tree and everything in it, as tmptree_del; t->root becomes "". Returns 0,
 * or -1 if the tree was not made or anything stayed. */
static inline int tmptree_rm(struct tmptree *t)
{
	if (strncmp(t->root, "/tmp/plumb-test-", 16) != 0)
		return -1;
	int r = nftw(t->root, tmptree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (r != 0)
		fprintf(stderr, "could not remove %s\n", t->root);
	t->root[0] = '\0';
	return r == 0 ? 0 : -1;
}

/* Fill flags[64] with --path.procfs=root/proc, --path.sysfs=root/sys, --path.rootfs=root
 * and --collector.disable-defaults, then extra (NULL-terminated), then NULL. The path
 * strings are static: valid until the next call. Returns -EINVAL if the tree was not
 * made, else 0. */
static inline int tmptree_flags(const struct tmptree *t, const char *const *extra,
				const char *flags[64])
{
	static char p[3][PATH_MAX + 32];
	if (!t->root[0])
		return -EINVAL;
	snprintf(p[0], sizeof(p[0]), "--path.procfs=%s/proc", t->root);
	snprintf(p[1], sizeof(p[1]), "--path.sysfs=%s/sys", t->root);
	snprintf(p[2], sizeof(p[2]), "--path.rootfs=%s", t->root);
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		flags[n++] = p[i];
	flags[n++] = "--collector.disable-defaults";
	for (size_t i = 0; extra[i] && n < 63; i++)
		flags[n++] = extra[i];
	flags[n] = NULL;
	return 0;
}

/* Run the collectors named in extra (NULL-terminated; e.g. "--collector.arp" and its
 * flags) once, as harness_run, on the tree (tmptree_flags). Returns harness_run's
 * result, or -EINVAL if the tree was not made. */
static inline int tmptree_run(const struct tmptree *t, const char *const *extra, struct buf *out)
{
	const char *flags[64];
	return tmptree_flags(t, extra, flags) < 0 ? -EINVAL : harness_run(flags, out);
}

/* harness_start on the tree (tmptree_flags): an agent that collects again and again
 * with harness_collect. Returns harness_start's result, or -EINVAL if the tree was not
 * made; ends as harness_start says. */
static inline int tmptree_start(const struct tmptree *t, const char *const *extra,
				struct agent *a, struct plumb_config **cfg)
{
	const char *flags[64];
	return tmptree_flags(t, extra, flags) < 0 ? -EINVAL : harness_start(flags, a, cfg);
}

/* Run the collector `name` (e.g. "arp") alone, as tmptree_run, on a fresh empty tree
 * made and removed here: the "its files are missing" case. Returns harness_run's
 * result, or -EINVAL if no tree could be made. */
static inline int tmptree_run_empty(const char *name, struct buf *out)
{
	struct tmptree t;
	char flag[128];
	snprintf(flag, sizeof(flag), "--collector.%.100s", name);
	const char *flags[] = { flag, NULL };
	int r = tmptree_make(&t) == 0 ? tmptree_run(&t, flags, out) : -EINVAL;
	tmptree_rm(&t);
	return r;
}

/* Put directory dir in the place of every descriptor of this process open on a path
 * containing part: reads of a held file then fail (EISDIR), as a held sysfs file whose
 * device went away fails with ENODEV (a tmpfs file keeps serving its text). Returns
 * how many descriptors were replaced. */
static inline int tmptree_break_held(const char *part, int dir)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[300], target[PATH_MAX];
	while (d && (e = readdir(d))) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end == '\0' && strstr(target, part) && fd != dir && fd != dirfd(d) &&
		    dup2(dir, (int)fd) == fd)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Make root/rel readable by its owner alone, as sysfs makes root's files (0400), and run
 * fn(t, ctx) as someone who may not read it: in a child that has become nobody
 * (65534) when the test runs as root, whom a mode does not stop, else here with the
 * mode 0. The tree's own folder is opened to others first (mkdtemp makes it 0700).
 * Returns 0 when fn's checks passed (t.h's counter), 1 when some failed, -1 when the
 * file or the child could not be set up. */
static inline int tmptree_unreadable(struct tmptree *t, const char *rel,
				     void (*fn)(struct tmptree *t, void *ctx), void *ctx)
{
	char path[PATH_MAX];
	int st, before = t_checks_failed;
	bool root = geteuid() == 0;
	if (!tmptree_path(t, rel, path, sizeof(path)) || chmod(t->root, 0755) != 0 ||
	    chmod(path, root ? 0400 : 0) != 0)
		return -1;
	if (!root) {
		fn(t, ctx);
		return t_checks_failed != before;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		fn(t, ctx);
		_exit(t_checks_failed != before);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) < 2 ? WEXITSTATUS(st) : -1;
}

#endif
