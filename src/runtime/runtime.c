/*
 * runtime: the order of the least-privilege steps, the paths Landlock allows, and the
 * self-metrics that report the outcome (see runtime.h).
 *
 * The Landlock paths come from the flags: the roots (--path.*), the textfile
 * collector's folders, the container collector's pod logs, the kernel log the health
 * checks read, and the push queue's folder (read-write). Flags that this build does
 * not have are looked up anyway (cfg_str gives NULL and they are skipped), so parts
 * added later are covered once their flags exist. Beyond the flags, plumb itself
 * reads /proc (its own threads and limits), the CPU list in sysfs (glibc's CPU count),
 * and what the resolver and TLS need: /etc's name-service files, the CA stores, the
 * time zone data, the shared libraries the name service loads, and the random
 * devices (for a TLS library that reads them rather than calling getrandom).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/container.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "runtime/runtime.h"

const struct flag_def runtime_flags[] = {
	{ "runtime.user", FLAG_STRING, "nobody",
	  "User (name or uid) to switch to after start-up when started as root. Every "
	  "capability is dropped in any case; root keeps uid 0 without capabilities.",
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

/* Room for paths made here (the cgroup root, the pod logs under the rootfs, folder parts of glob
 * patterns), which must outlive landlock_apply. */
#define ROOM_SLOTS 24
struct path_room {
	char bufs[ROOM_SLOTS][PATH_MAX];
	size_t used;
};

/* A free slot of room, or NULL when all are used. */
static char *room_slot(struct path_room *room)
{
	return room->used < ROOM_SLOTS ? room->bufs[room->used++] : NULL;
}

/* A textfile directory flag may be a glob: the folder part before the first wildcard
 * (the pattern itself when it has none). Returns NULL when room is full or the part
 * does not fit. */
static const char *glob_base(const char *pat, struct path_room *room)
{
	size_t n = strcspn(pat, "*?[");
	if (pat[n] == '\0')
		return pat;
	while (n > 0 && pat[n - 1] != '/')
		n--; /* back to the end of the last whole folder name */
	if (n == 0)
		return ".";
	char *buf = room_slot(room);
	if (!buf || n >= PATH_MAX)
		return NULL;
	memcpy(buf, pat, n);
	buf[n] = '\0';
	return buf;
}

/* The kernel log to allow: a log file is replaced when it is rotated, and a Landlock
 * rule on a file holds for that file only, so the folder of anything but a device is
 * allowed (the health checks open the path again after a rotation, and follow a file
 * that appears where a FIFO or nothing was at start-up); a device (/dev/kmsg) is
 * allowed alone. Returns the path to allow, or NULL when room is full. */
static const char *kernel_log_rule(const char *path, struct path_room *room)
{
	struct stat st;
	const char *slash = strrchr(path, '/');
	if ((stat(path, &st) == 0 && S_ISCHR(st.st_mode)) || !slash)
		return path;
	if (slash == path)
		return "/";
	char *buf = room_slot(room);
	size_t n = (size_t)(slash - path);
	if (!buf || n >= PATH_MAX)
		return NULL;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return buf;
}

/* Fill p from cfg. Returns 0 or -E2BIG. */
static int collect_paths(const struct plumb_config *cfg, struct ll_paths *p,
			 struct path_room *room)
{
	const char *const *dirs;
	int r = 0;
	r |= ll_paths_add(p, cfg_procfs(cfg), false);
	r |= ll_paths_add(p, cfg_sysfs(cfg), false);
	r |= ll_paths_add(p, cfg_rootfs(cfg), false);
	r |= ll_paths_add(p, cfg_udev(cfg), false);
	/* Also the cgroup mounts under sysfs, though sysfs covers them: Landlock checks an
	 * open by walking from the file up to the nearest rule that grants it, and the
	 * container collector opens thousands of cgroup files a scrape. A rule at each
	 * cgroup mount (v2's root, or v1's controllers) ends the walk there, not three
	 * levels and two mounts further up. Missing ones are skipped. */
	char *cg = room_slot(room);
	if (cg && path_join(cg, PATH_MAX, cfg_sysfs(cfg), "fs/cgroup") == 0) {
		r |= ll_paths_add(p, cg, false);
		for (size_t i = 0; container_v1_mounts[i]; i++) {
			char *v1 = room_slot(room);
			if (v1 && path_join(v1, PATH_MAX, cg, container_v1_mounts[i]) == 0)
				r |= ll_paths_add(p, v1, false);
		}
	}
	/* the container collector's pod logs lie under the rootfs (container.c) */
	const char *logs = cfg_str(cfg, "collector.container.pod-logs-path");
	char *slot = logs ? room_slot(room) : NULL;
	if (slot && path_join(slot, PATH_MAX, cfg_rootfs(cfg), logs) == 0)
		r |= ll_paths_add(p, slot, false);
	size_t n = cfg_all(cfg, "collector.textfile.directory", &dirs);
	for (size_t i = 0; i < n; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		const char *base = glob_base(dirs[i], room);
		r |= base ? ll_paths_add(p, base, false) : -E2BIG;
	}
	const char *klog = cfg_str(cfg, "health.kernel-log");
	if (klog && *klog) {
		const char *rule = kernel_log_rule(klog, room);
		r |= rule ? ll_paths_add(p, rule, false) : -E2BIG;
	}
	for (size_t i = 0; i < sizeof(system_ro) / sizeof(*system_ro); i++)
		r |= ll_paths_add(p, system_ro[i], false);
	r |= ll_paths_add(p, cfg_str(cfg, "push.queue.dir"), true);
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
static int enter_sandbox(const struct plumb_config *cfg, struct runtime *rt)
{
	struct ll_paths paths = { 0 };
	struct path_room room;
	room.used = 0;
	int r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		plog(LOG_ERROR, "sandbox: could not set no_new_privs", "err", strerror(-r),
		     PLOG_END);
		return r;
	}
	rt->no_new_privs = true;
	if ((r = collect_paths(cfg, &paths, &room)) < 0) {
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

/* Step 1: the user switch (as root; handover first) and the capability drop.
 * Returns 0 or -errno. */
static int least_privilege(const char *user, bool root, const struct runtime_handover *ho,
			   struct runtime *rt)
{
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

int runtime_enter(const struct plumb_config *cfg, const struct runtime_handover *handover,
		  struct runtime *rt)
{
	const char *user = cfg_str(cfg, "runtime.user");
	bool root = geteuid() == 0;
	const char *who = root ? user : "(unchanged)";
	char abi[16];
	int r;

	memset(rt, 0, sizeof(*rt));
	rt->uid = geteuid();
	rt->gid = getegid();
	check_single_thread();
	if ((r = least_privilege(user, root, handover, rt)) < 0)
		return r;
	if (!cfg_bool(cfg, "runtime.sandbox")) {
		plog(LOG_WARN, "sandbox is off (--runtime.sandbox=false): no seccomp filter, no "
			       "Landlock, no no_new_privs; use this only to debug",
		     PLOG_END);
		return 0;
	}
	if ((r = enter_sandbox(cfg, rt)) < 0)
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

int runtime_collect(void *ctx, struct metric_sink *out)
{
	const struct runtime *rt = ctx;
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
	return r;
}
