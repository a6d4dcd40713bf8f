/*
 * runtime: least privilege and the sandbox, entered once at start-up.
 *
 * main calls runtime_enter() after every privileged step (collectors' held fds, bound
 * listen sockets, /dev/kmsg, the push queue's folder, the web config's files) and
 * before any other thread starts, so that what it applies to the main thread is
 * inherited by every thread made later. In order, it:
 *   1. switches to --runtime.user when started as root (priv.c) and drops every
 *      capability, whoever started it; start-up fails if one is left; just before,
 *      it configures the privilege broker (broker.h), forked early in main by
 *      runtime_fork_broker;
 *   2. sets PR_SET_NO_NEW_PRIVS;
 *   3. restricts the filesystem with Landlock (landlock.c): read-only on the paths
 *      plumb reads, read-write on its queue folder, best effort by ABI version;
 *   4. installs a seccomp filter (seccomp.c) that kills the process on any syscall
 *      outside plumb's allowlist.
 * Steps 2 to 4 are the sandbox; --runtime.sandbox=false skips them (and says so), for
 * debugging with strace or gdb. The outcome is reported as plumb_runtime_* self-metrics.
 * docs/sandbox.md says what each feature needs and how to diagnose a killed process.
 */
#ifndef PLUMB_RUNTIME_H
#define PLUMB_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/resources.h"
#include "expo/sink.h"

extern const struct flag_def runtime_flags[];

/* PLUMB_SANITIZED: built with ASan (LeakSanitizer) or TSan, whose runtimes need more
 * of the kernel than plumb does: seccomp.c and landlock.c allow it (see there).
 * PLUMB_TSAN: TSan, whose runtime runs a thread of its own from before main. */
#if defined(__SANITIZE_THREAD__)
#define PLUMB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PLUMB_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(PLUMB_TSAN)
#define PLUMB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PLUMB_SANITIZED 1
#endif
#endif

/* What runtime_enter did, for logs and self-metrics. */
struct runtime {
	bool user_switched; /* uid/gid changed to --runtime.user */
	bool no_new_privs;
	bool landlock;      /* a Landlock domain is in force */
	int landlock_abi;   /* the kernel's Landlock ABI version; 0 when unavailable */
	bool seccomp;       /* the seccomp filter is in force */
	uid_t uid;          /* after the switch */
	gid_t gid;
	struct broker *broker; /* the privilege broker (broker.h), or NULL when none runs */
};

/* Files made as root at start-up that the runtime user must own afterwards (the push
 * queue): fn(ctx, uid, gid) gives them away. It runs as root, after --runtime.user is
 * resolved and just before the switch, and only when the uid changes; it returns 0 or
 * -errno (start-up then fails). */
struct runtime_handover {
	int (*fn)(void *ctx, uid_t uid, gid_t gid);
	void *ctx;
};

struct broker;

/* Fork the privilege broker (broker.h) now when one is to run: started as root, with
 * --runtime.broker and --runtime.sandbox on, and a --runtime.user other than "root" or
 * "0". Call it as early as possible (right after the configuration is parsed), from
 * the only thread: the broker then shares only the few pages plumb has written so far,
 * and waits for runtime_enter to send its configuration. *early gets the broker (the
 * caller's, to pass to runtime_enter, or to end with broker_discard if start-up fails
 * before that) or NULL: none is wanted, or the fork failed (a warning; runtime_enter
 * then forks one itself). */
void runtime_fork_broker(const struct plumb_config *cfg, struct broker **early);

/* Enter least privilege and (unless --runtime.sandbox=false) the sandbox, as described
 * above; fills *rt. handover may be NULL. early (may be NULL) is the broker from
 * runtime_fork_broker: runtime_enter takes it (*early is NULL on return), configures it
 * with the roots the parts declared, or ends it if it is not to run; with none, it forks
 * one itself when one is wanted. Logs what it did. Returns 0, or -errno after logging a
 * clear error: plumb must not start then (an unknown user, a capability that could not
 * be dropped, a filter the kernel refused). Not reversible; call once, from the only
 * thread. */
int runtime_enter(const struct plumb_config *cfg, const struct resources *res,
		  const struct runtime_handover *handover, struct broker **early,
		  struct runtime *rt);

/* agent_source collect callback: plumb_runtime_sandbox{feature} and
 * plumb_runtime_landlock_abi from the struct runtime in ctx. Returns 0 or -errno. */
int runtime_collect(void *ctx, struct metric_sink *out);

/* ---- the steps, for runtime.c and the unit tests --------------------------------- */

/* Most groups a --runtime.user may be in (its primary group included). */
#define PRIV_MAX_GROUPS 1024

/* A user as the user database gives it. */
struct priv_user {
	uid_t uid;
	gid_t gid;                       /* primary group */
	int ngroups;                     /* entries in groups */
	gid_t groups[PRIV_MAX_GROUPS];   /* every group, the primary one included */
};

/* Resolve user to *u (getpwnam_r; a number is taken as a uid, getpwuid_r; its groups
 * by getgrouplist), in a forked child so that no NSS module stays loaded in plumb.
 * Call it while plumb has one thread. Returns 0, -ENOENT for an unknown user, -E2BIG
 * for a user in more than PRIV_MAX_GROUPS groups, -EIO if the child died, or -errno. */
int priv_lookup(const char *user, struct priv_user *u);

/* As root: switch to u's uid, gid and groups, dropping the capability bounding set
 * first (user names it in logs). As anyone: clear the ambient, inheritable,
 * permitted and effective capability sets, then check with capget that none remains.
 * Returns 0 or -errno (-EPERM if a capability is still held). */
int priv_drop(const char *user, const struct priv_user *u, bool *switched);

/* Paths Landlock allows: read-only ones (read files, list folders) and read-write ones
 * (create, write, rename, truncate, delete inside). Pointers are borrowed. */
#define LL_MAX_PATHS 64
struct ll_paths {
	const char *ro[LL_MAX_PATHS];
	size_t nro;
	const char *rw[LL_MAX_PATHS];
	size_t nrw;
};

/* Add path to the read-only (rw false) or read-write list; NULL or "" is ignored.
 * Returns 0 or -E2BIG when the list is full. */
int ll_paths_add(struct ll_paths *p, const char *path, bool rw);

/* Restrict this thread, and the threads it creates later, to the paths in p with
 * Landlock, handling the access rights of the kernel's ABI. NO_NEW_PRIVS must be set.
 * Paths that do not exist are skipped (debug log). *abi gets the ABI version, 0 when
 * Landlock is unavailable: that returns -EOPNOTSUPP after one warning, and the caller
 * goes on without it. Returns 0 or -errno. */
int landlock_apply(const struct ll_paths *p, int *abi);

/* Install the seccomp allowlist (SCMP_ACT_KILL_PROCESS for anything else) on every
 * thread of the process. NO_NEW_PRIVS must be set. Returns 0 or -errno. */
int seccomp_apply(void);

#endif
