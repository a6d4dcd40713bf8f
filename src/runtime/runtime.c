/*
 * runtime: the order of the least-privilege steps, the paths Landlock allows, and the
 * self-metrics that report the outcome (see runtime.h).
 *
 * The Landlock paths are what the parts of plumb declared (core/resources.h): the
 * roots (--path.*), each collector's paths beyond them, the kernel log the health
 * checks read, and the push queue's folder (read-write). Beyond those, plumb itself
 * reads /proc (its own threads and limits), the CPU list in sysfs (glibc's CPU count),
 * and what the resolver and TLS need: /etc's name-service files, the CA stores, the
 * time zone data, the shared libraries the name service loads, and the random
 * devices (for a TLS library that reads them rather than calling getrandom).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/privop.h"
#include "runtime/broker.h"
#include "runtime/runtime.h"

const struct flag_def runtime_flags[] = {
	{ "runtime.user", FLAG_STRING, "nobody",
	  "User (name or uid) to switch to after start-up when started as root. Every "
	  "capability is dropped in any case; root keeps uid 0 without capabilities.",
	  false },
	{ "runtime.broker", FLAG_BOOL, "true",
	  "Started as root, keep a privilege broker: a small process with only "
	  "CAP_DAC_READ_SEARCH that opens read only and statfs's, for plumb, what only root may "
	  "reach beneath the paths the collectors declared. Needs the sandbox.",
	  false },
	{ "runtime.sandbox", FLAG_BOOL, "true",
	  "Confine plumb after start-up: no_new_privs, Landlock filesystem rules and a "
	  "seccomp syscall allowlist. Turn off only to debug (strace, gdb).",
	  false },
	{ NULL, 0, NULL, NULL, false },
};

/* Paths read outside the configured roots (see the top of this file). */
static const char *const system_ro[] = {
	"/proc", "/sys/devices/system/cpu", "/etc/hosts", "/etc/resolv.conf",
	"/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/services",
	"/etc/protocols", "/etc/localtime", "/etc/ssl", "/etc/pki", "/etc/ca-certificates",
	"/etc/gnutls", "/usr/share/ca-certificates", "/usr/share/zoneinfo", "/usr/lib",
	"/lib", "/lib64", "/usr/lib64", "/run/systemd/resolve", "/dev/urandom", "/dev/random",
	"/dev/null",
};

/* Fill p from the declarations in res and plumb's own system paths. Returns 0 or
 * -E2BIG. */
static int collect_paths(const struct resources *res, struct ll_paths *p)
{
	int r = 0;
	for (size_t i = 0; i < res->npaths; i++) {
		unsigned flags;
		const char *path = res_path_at(res, i, &flags);
		r |= ll_paths_add(p, path, (flags & RES_WRITE) != 0);
	}
	for (size_t i = 0; i < sizeof(system_ro) / sizeof(*system_ro); i++)
		r |= ll_paths_add(p, system_ro[i], false);
	return r ? -E2BIG : 0;
}

/* Count this process's threads from /proc/self/task. Returns the count or -errno. */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	if (!d)
		return -errno;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The sandbox proper: no_new_privs, Landlock, seccomp. Returns 0 or -errno. */
static int enter_sandbox(const struct resources *res, struct runtime *rt)
{
	struct ll_paths paths = { 0 };
	int r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		plog(LOG_ERROR, "sandbox: could not set no_new_privs", "err", strerror(-r),
		     PLOG_END);
		return r;
	}
	rt->no_new_privs = true;
	if ((r = collect_paths(res, &paths)) < 0) {
		plog(LOG_ERROR, "sandbox: too many paths for Landlock", PLOG_END);
		return r;
	}
	r = landlock_apply(&paths, &rt->landlock_abi);
	if (r < 0 && r != -EOPNOTSUPP)
		return r;
	rt->landlock = r == 0;
	if ((r = seccomp_apply()) < 0)
		return r;
	rt->seccomp = true;
	return 0;
}

/* Threads allowed at runtime_enter: this one, and TSan's own if it has started it. */
#ifdef PLUMB_TSAN
#define MAX_THREADS 2
#else
#define MAX_THREADS 1
#endif

/* Log an error if a thread other than this one exists: Landlock would not confine it. */
static void check_single_thread(void)
{
	char num[16];
	int threads = count_threads();
	if (threads >= 1 && threads <= MAX_THREADS)
		return;
	snprintf(num, sizeof(num), "%d", threads);
	plog(LOG_ERROR, "threads exist before the sandbox is entered; Landlock does not "
			"confine them (a bug: threads must start after runtime_enter)",
	     "threads", threads > 0 ? num : strerror(-threads), PLOG_END);
}

/* privop hooks (lib/privop.h) that ask the broker in ctx. */
static int broker_open_hook(void *ctx, const char *path, bool dir, int *fd)
{
	return dir ? broker_opendir(ctx, path, fd) : broker_open(ctx, path, fd);
}

static int broker_statfs_hook(void *ctx, const char *path, struct statfs *st)
{
	return broker_statfs(ctx, path, st);
}

/* Add path's canonical form to c as a root of kind; a path that does not exist now is
 * left out. room holds the text, which must outlive broker_start. Returns 0 or -errno. */
static int add_root(struct broker_conf *c, enum broker_root_kind kind, const char *path,
		    char *room)
{
	if (!realpath(path, room))
		return 0;
	return broker_conf_add(c, kind, room);
}

/* Whether a broker is to run: started as root, --runtime.broker and the sandbox on
 * (without it, a debugging run, none starts). The runtime user must not be root either:
 * runtime_fork_broker knows its name only, least_privilege its uid. */
static bool broker_wanted(const struct plumb_config *cfg)
{
	return geteuid() == 0 && cfg_bool(cfg, "runtime.broker") &&
	       cfg_bool(cfg, "runtime.sandbox");
}

void runtime_fork_broker(const struct plumb_config *cfg, struct broker **early)
{
	const char *user = cfg_str(cfg, "runtime.user");
	int r;
	*early = NULL;
	if (!broker_wanted(cfg) || !user || !*user || strcmp(user, "root") == 0 ||
	    strcmp(user, "0") == 0)
		return;
	if ((r = broker_fork(early)) < 0)
		plog(LOG_WARN, "could not fork the privilege broker; runtime_enter tries again",
		     "err", strerror(-r), PLOG_END);
}

/* Configure the broker in *early (or one forked now when there is none) for u (as root,
 * before the drop) with the roots the parts declared (RES_BROKER_OPEN,
 * RES_BROKER_STATFS), and hand it to the readers in src/lib. *early is taken. A broker
 * that cannot start is a warning: plumb goes on without it. */
static void start_broker(const struct resources *res, const struct priv_user *u,
			 struct broker **early, struct runtime *rt)
{
	struct broker *b = *early;
	enum { ROOTS = 2 * BROKER_MAX_ROOTS };
	static char room[ROOTS][PATH_MAX];
	struct broker_conf bc = { 0 };
	size_t used = 0;
	int r = 0;
	for (size_t i = 0; i < res->npaths && r == 0 && used < (size_t)ROOTS; i++) {
		unsigned flags;
		const char *path = res_path_at(res, i, &flags);
		if (flags & RES_BROKER_OPEN)
			r = add_root(&bc, BROKER_ROOT_OPEN, path, room[used++]);
		if (r == 0 && (flags & RES_BROKER_STATFS) && used < (size_t)ROOTS)
			r = add_root(&bc, BROKER_ROOT_STATFS, path, room[used++]);
	}
	*early = NULL;
	if (r == 0 && !b)
		r = broker_fork(&b);
	if (r == 0)
		r = broker_configure(b, &bc, u); /* b is freed on error */
	else
		broker_discard(b);
	if (r < 0) {
		plog(LOG_WARN, "the privilege broker did not start; files only root may read stay "
			       "unread", "err", strerror(-r), PLOG_END);
		return;
	}
	rt->broker = b;
	privop_set(&(struct privop){ broker_open_hook, broker_statfs_hook, rt->broker });
}

/* Step 1: the user switch (as root; handover first) and the capability drop.
 * Returns 0 or -errno. */
static int least_privilege(const struct plumb_config *cfg, const struct resources *res,
			   bool root, const struct runtime_handover *ho, struct broker **early,
			   struct runtime *rt)
{
	const char *user = cfg_str(cfg, "runtime.user");
	struct priv_user u = { .uid = rt->uid, .gid = rt->gid };
	int r;
	if (root && (!user || !*user)) {
		plog(LOG_ERROR, "--runtime.user must name a user", PLOG_END);
		return -EINVAL;
	}
	if (root && (r = priv_lookup(user, &u)) < 0) {
		plog(LOG_ERROR, "cannot find the --runtime.user to switch to", "user", user, "err",
		     strerror(-r), PLOG_END);
		return r;
	}
	/* the broker is configured while plumb is root and has one thread; it never runs
	 * as root, and without the sandbox (a debugging run) it is not started */
	if (root && u.uid != 0 && broker_wanted(cfg))
		start_broker(res, &u, early, rt);
	if (root && u.uid != 0 && ho && ho->fn && (r = ho->fn(ho->ctx, u.uid, u.gid)) < 0) {
		plog(LOG_ERROR, "could not give the runtime user the files it needs", "user", user,
		     "err", strerror(-r), PLOG_END);
		return r;
	}
	if ((r = priv_drop(user, &u, &rt->user_switched)) < 0)
		return r;
	rt->uid = u.uid;
	rt->gid = u.gid;
	if (!root)
		plog(LOG_DEBUG, "not started as root: keeping the current user", PLOG_END);
	else if (!rt->user_switched)
		plog(LOG_INFO, "runtime user is root: staying uid 0, without capabilities",
		     PLOG_END);
	return 0;
}

int runtime_enter(const struct plumb_config *cfg, const struct resources *res,
		  const struct runtime_handover *handover, struct broker **early,
		  struct runtime *rt)
{
	struct broker *none = NULL;
	const char *user = cfg_str(cfg, "runtime.user");
	bool root = geteuid() == 0;
	const char *who = root ? user : "(unchanged)";
	char abi[16];
	int r;

	memset(rt, 0, sizeof(*rt));
	rt->uid = geteuid();
	rt->gid = getegid();
	if (!early)
		early = &none;
	check_single_thread();
	r = least_privilege(cfg, res, root, handover, early, rt);
	/* a broker forked early that is not to run (the user is uid 0 by another name, a
	 * failed step): ended while plumb may still wait for it */
	broker_discard(*early);
	*early = NULL;
	if (r < 0)
		return r;
	if (!cfg_bool(cfg, "runtime.sandbox")) {
		plog(LOG_WARN, "sandbox is off (--runtime.sandbox=false): no seccomp filter, no "
			       "Landlock, no no_new_privs; use this only to debug",
		     PLOG_END);
		return 0;
	}
	if ((r = enter_sandbox(res, rt)) < 0)
		return r;
	snprintf(abi, sizeof(abi), "%d", rt->landlock_abi);
	plog(LOG_INFO, "sandbox entered", "user", who, "no_new_privs", "true", "landlock",
	     rt->landlock ? "true" : "false", "landlock_abi", abi, "seccomp", "true", PLOG_END);
	return 0;
}

static const struct metric_desc sandbox_desc = {
	"plumb_runtime_sandbox",
	"1 when this confinement of plumb's process is in force, 0 when it is not "
	"(--runtime.sandbox=false, or Landlock missing from the kernel).",
	METRIC_GAUGE,
};
static const struct metric_desc abi_desc = {
	"plumb_runtime_landlock_abi",
	"Landlock ABI version of the running kernel; 0 when Landlock is unavailable or the "
	"sandbox is off.",
	METRIC_GAUGE,
};
static const struct metric_desc switched_desc = {
	"plumb_runtime_user_switched",
	"1 when plumb, started as root, switched to --runtime.user; 0 when it kept the user "
	"it was started as.",
	METRIC_GAUGE,
};

static const struct metric_desc broker_desc = {
	"plumb_runtime_broker_up",
	"1 while the privilege broker answers plumb's requests to open or statfs what only "
	"root may reach; 0 when none was started or it has gone.",
	METRIC_GAUGE,
};

int runtime_collect(void *ctx, struct metric_sink *out)
{
	struct runtime *rt = ctx;
	int r = sink_add(out, &sandbox_desc, rt->no_new_privs,
			 LABELS(L("feature", "no_new_privs")));
	if (r == 0)
		r = sink_add(out, &sandbox_desc, rt->landlock, LABELS(L("feature", "landlock")));
	if (r == 0)
		r = sink_add(out, &sandbox_desc, rt->seccomp, LABELS(L("feature", "seccomp")));
	if (r == 0)
		r = sink_add(out, &abi_desc, rt->landlock_abi, NULL, 0);
	if (r == 0)
		r = sink_add(out, &switched_desc, rt->user_switched, NULL, 0);
	if (r == 0)
		r = sink_add(out, &broker_desc, rt->broker && broker_up(rt->broker), NULL, 0);
	return r;
}
