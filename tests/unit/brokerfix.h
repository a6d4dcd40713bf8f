/*
 * brokerfix.h: the fixture the privilege broker's tests share (test_broker.c,
 * test_broker_hang.c): a folder only root may enter, holding a file, a subfolder,
 * symlinks (inside, out to /etc, up and out, absolute inside, a loop), a FIFO and a
 * tmpfs, with a look-alike sibling folder and a file outside; the broker's roots over
 * it; and readers of another process's /proc entries (status fields, descriptors, the
 * syscall each thread is blocked in). Everything here needs root.
 */
#ifndef PLUMB_BROKERFIX_H
#define PLUMB_BROKERFIX_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/broker.h"

#define BFIX_TMPFS_BYTES (4u << 20) /* the tmpfs's size */

struct bfix {
	char base[64];   /* 0755, made with mkdtemp */
	char secret[96]; /* base/secret, 0700: the open and statfs root */
	char value[128]; /* secret/value, 0600, "42\n" */
	char sub[128];   /* secret/sub, 0700 */
	char mnt[128];   /* secret/mnt, a tmpfs when mounted */
	char fifo[128];  /* secret/fifo */
	char twin[128];  /* base/secretX/value: a root's name as a prefix */
	char outside[128]; /* base/outside */
	bool mounted;
};

/* Write s to path with mode. 0 or -1. */
static inline int bfix_put(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) && chmod(path, mode) == 0 ? 0 : -1;
}

/* Make secret/name a symlink to target. 0 or -1. */
static inline int bfix_link(const struct bfix *f, const char *name, const char *target)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/%s", f->secret, name);
	return symlink(target, p);
}

/* Build the fixture (see the top of this file). 0 or -1. */
static inline int bfix_make(struct bfix *f)
{
	char p[160];
	memset(f, 0, sizeof(*f));
	snprintf(f->base, sizeof(f->base), "/tmp/plumb-broker-XXXXXX");
	if (!mkdtemp(f->base) || chmod(f->base, 0755) < 0)
		return -1;
	snprintf(f->secret, sizeof(f->secret), "%s/secret", f->base);
	snprintf(f->value, sizeof(f->value), "%s/value", f->secret);
	snprintf(f->sub, sizeof(f->sub), "%s/sub", f->secret);
	snprintf(f->mnt, sizeof(f->mnt), "%s/mnt", f->secret);
	snprintf(f->fifo, sizeof(f->fifo), "%s/fifo", f->secret);
	snprintf(f->twin, sizeof(f->twin), "%s/secretX", f->base);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->base);
	if (mkdir(f->secret, 0700) < 0 || bfix_put(f->value, "42\n", 0600) < 0 ||
	    mkdir(f->sub, 0700) < 0 || mkdir(f->mnt, 0700) < 0 || mkfifo(f->fifo, 0600) < 0 ||
	    mkdir(f->twin, 0700) < 0 || bfix_put(f->outside, "outside\n", 0644) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/inner", f->sub);
	if (bfix_put(p, "inner\n", 0600) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/value", f->twin);
	if (bfix_put(p, "twin\n", 0600) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/value", f->secret);
	if (bfix_link(f, "link_in", "value") < 0 || bfix_link(f, "link_sub", "sub/../value") < 0 ||
	    bfix_link(f, "link_etc", "/etc") < 0 || bfix_link(f, "link_up", "../..") < 0 ||
	    bfix_link(f, "link_abs_in", p) < 0 || bfix_link(f, "link_loop", "link_loop") < 0 ||
	    bfix_link(f, "link_twin", "../secretX/value") < 0 ||
	    bfix_link(f, "link_dir", "sub") < 0)
		return -1;
	if (mount("plumb-broker-test", f->mnt, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4m,mode=0700") < 0)
		return -1;
	f->mounted = true;
	return 0;
}

/* Remove what bfix_make made (as far as it got). */
static inline void bfix_rm(struct bfix *f)
{
	static const char *const links[] = { "link_in", "link_sub", "link_etc", "link_up",
					     "link_abs_in", "link_loop", "link_twin", "link_dir",
					     "value", "fifo", NULL };
	char p[160];
	if (!f->base[0])
		return;
	if (f->mounted)
		umount2(f->mnt, MNT_DETACH);
	for (size_t i = 0; links[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->secret, links[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/inner", f->sub);
	unlink(p);
	snprintf(p, sizeof(p), "%s/value", f->twin);
	unlink(p);
	rmdir(f->sub);
	rmdir(f->mnt);
	rmdir(f->twin);
	rmdir(f->secret);
	unlink(f->outside);
	rmdir(f->base);
}

/* The broker's roots over f: open beneath secret and /sys, statfs beneath secret. */
static inline void bfix_conf(const struct bfix *f, struct broker_conf *c)
{
	memset(c, 0, sizeof(*c));
	broker_conf_add(c, BROKER_ROOT_OPEN, f->secret);
	broker_conf_add(c, BROKER_ROOT_OPEN, "/sys");
	broker_conf_add(c, BROKER_ROOT_STATFS, f->secret);
}

/* The value of field key in /proc/pid/status (or /proc/pid/task/tid/status when tid
 * is not 0) into out[cap]. 0 or -1. */
static inline int bfix_status(pid_t pid, pid_t tid, const char *key, char *out, size_t cap)
{
	char path[64], buf[8192];
	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	size_t klen = strlen(key);
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			const char *v = line + klen + 1;
			v += strspn(v, " \t");
			snprintf(out, cap, "%s", v);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

/* The thread ids of pid into tids[cap]. Returns the count, or -1. */
static inline int bfix_tasks(pid_t pid, pid_t *tids, int cap)
{
	char path[64];
	int n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d)) && n < cap;)
		if (e->d_name[0] != '.')
			tids[n++] = (pid_t)strtol(e->d_name, NULL, 10);
	closedir(d);
	return n;
}

/* Open descriptors of pid (0 for this process), or -1. */
static inline int bfix_fd_count(pid_t pid)
{
	char path[64];
	int n = 0;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/fd");
	DIR *d = opendir(path);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return pid ? n : n - 1; /* not the one opendir holds */
}

/* How many of pid's threads are blocked in syscall number nr (/proc/.../syscall). */
static inline int bfix_threads_in(pid_t pid, long nr)
{
	pid_t tids[64];
	int n = bfix_tasks(pid, tids, 64), in = 0;
	for (int i = 0; i < n; i++) {
		char path[64], buf[64];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tids[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (got <= 0)
			continue;
		buf[got] = '\0';
		in += strtol(buf, NULL, 10) == nr && buf[0] >= '0' && buf[0] <= '9';
	}
	return in;
}

/* Whether test's process tests can run: as root, with a user nobody (into *nobody).
 * Says why not (SKIP) when they cannot. */
static inline bool bfix_can_run(const char *test, struct priv_user *nobody)
{
	if (geteuid() != 0) {
		printf("SKIP %s: the broker's process tests need root\n", test);
		return false;
	}
	if (priv_lookup("nobody", nobody) < 0 || nobody->uid == 0) {
		printf("SKIP %s: the broker's process tests need a user nobody\n", test);
		return false;
	}
	return true;
}

/* Read the whole of fd (from offset 0) into buf[cap], NUL-terminated. Returns the
 * bytes read or -1. */
static inline ssize_t bfix_pread(int fd, char *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

#endif
