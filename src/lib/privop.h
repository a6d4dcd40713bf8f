/*
 * privop: asking someone with more privilege to open or statfs what plumb may not.
 *
 * Started as root, plumb keeps a broker (src/runtime/broker.h) that opens read only and
 * statfs's what only root may reach. The readers in src/lib do not know about it: when
 * their own open or statfs is refused (EACCES, EPERM), they ask here, and here asks
 * whatever runtime registered with privop_set, or answers -ENOSYS when nothing was.
 * So the common path costs what it always did, and a descriptor got this way is held
 * and re-read like any other. The hooks are set once at start-up, before any thread
 * exists, and only read afterwards.
 */
#ifndef PLUMB_PRIVOP_H
#define PLUMB_PRIVOP_H

#include <errno.h>
#include <stdbool.h>
#include <sys/statfs.h>

struct privop {
	/* Open the absolute path read only: a folder when dir, else a regular file.
	 * *fd is the caller's. Returns 0 or -errno. */
	int (*open)(void *ctx, const char *path, bool dir, int *fd);
	/* statfs the absolute path into *st. Returns 0 or -errno. */
	int (*statfs)(void *ctx, const char *path, struct statfs *st);
	void *ctx;
};

/* Register ops (copied), or none with NULL. Call before any thread starts. */
void privop_set(const struct privop *ops);

/* Whether err (negative errno) is a refusal worth asking about. */
static inline bool privop_refused(int err)
{
	return err == -EACCES || err == -EPERM;
}

/* Open path (relative to dirfd, or absolute) through the registered hook. Returns the
 * descriptor (the caller's), or -errno: -ENOSYS when no hook is set, -ENAMETOOLONG. */
int privop_open(int dirfd, const char *path, bool dir);

/* statfs the absolute path through the hook. Returns 0, -ENOSYS or -errno. */
int privop_statfs(const char *path, struct statfs *st);

#endif
