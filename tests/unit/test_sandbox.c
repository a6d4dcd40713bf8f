/*
 * test_sandbox: the least-privilege steps of src/runtime, each in a forked child (they
 * cannot be undone), with the parent judging how the child ended.
 *
 * - a child that entered the sandbox through runtime_enter() and then makes a syscall
 *   outside the allowlist (personality, mount, a packet socket, and in builds without
 *   a sanitizer a fork) is killed by SIGSYS;
 * - inside the sandbox the child's /proc/self/status shows no capabilities,
 *   NoNewPrivs 1 and Seccomp 2 (and, started as root, the uid of nobody), and what plumb
 *   does in steady state (reading files, threads, loopback sockets) still works;
 * - Landlock alone: a read-only folder can be read but not written, a read-write one
 *   can be created in, written, renamed in and emptied, and anything else is refused;
 * - the paths runtime_enter allows are what the parts declared from their flags
 *   (core/resources.h), as main has them declare: --push.queue.dir is writable, the
 *   roots are not, and a rotated --health.kernel-log file can be opened again;
 * - priv_lookup resolves names and uids with their groups, rejects unknown users, and
 *   leaves no NSS module mapped in the caller (it asks in a child).
 * Run as root (as the suite does) it also covers the uid switch; as another user the
 * switch is skipped, as plumb does.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/config.h"
#include "health/health.h"
#include "lib/log.h"
#include "push/push.h"
#include "runtime/runtime.h"
#include "t.h"

/* How a child ends: its wait status. fn runs in the child, which exits with fn's value
 * (0 for success); a signal shows in the status. */
static int in_child(int (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Enter the sandbox as plumb does, with flags (NULL-terminated) after argv[0].
 * Returns 0, or 100 + the error if something failed (so it shows in the exit code). */
static int enter(const char *const *flags)
{
	char *argv[16] = { "plumb" };
	int argc = 1;
	for (; flags && flags[argc - 1] && argc < 15; argc++)
		argv[argc] = (char *)flags[argc - 1];
	struct plumb_config *cfg;
	struct runtime rt;
	struct agent a;
	static struct resources res;
	if (cfg_parse(argc, argv, &cfg) != 0)
		return 101;
	res_init(&res);
	int r = agent_declare(&a, cfg, &res);
	if (r == 0)
		r = health_declare(cfg, &res);
	if (r == 0)
		r = push_declare(cfg, &res);
	if (r == 0)
		r = runtime_enter(cfg, &res, NULL, NULL, &rt);
	agent_fini(&a);
	cfg_free(cfg);
	return r < 0 ? 100 + (-r & 0x1f) : 0;
}

enum forbidden { F_PERSONALITY, F_MOUNT, F_PACKET_SOCKET, F_FORK };

static int make_forbidden(void *arg)
{
	int r = enter(NULL);
	if (r)
		return r;
	switch (*(enum forbidden *)arg) {
	case F_PERSONALITY:
		syscall(SYS_personality, 0xffffffffUL); /* only a query, yet not on the list */
		break;
	case F_MOUNT:
		mount("none", "/mnt", "tmpfs", 0, NULL);
		break;
	case F_PACKET_SOCKET:
		socket(AF_PACKET, SOCK_RAW, 0); /* socket is allowed, this family is not */
		break;
	case F_FORK:
		/* no new processes: glibc's fork is a clone without CLONE_THREAD */
		if (fork() == 0)
			_exit(0);
		break;
	}
	return 0; /* still alive: the filter let it through */
}

static void check_killed(enum forbidden what)
{
	int st = in_child(make_forbidden, &what);
	CHECK(WIFSIGNALED(st));
	if (WIFSIGNALED(st))
		CHECK_INT(WTERMSIG(st), SIGSYS);
	else
		fprintf(stderr, "forbidden call %d: child exited with %d\n", what, WEXITSTATUS(st));
}

static void test_forbidden_syscalls_kill(void)
{
	check_killed(F_PERSONALITY);
	check_killed(F_MOUNT);
	check_killed(F_PACKET_SOCKET);
#ifndef PLUMB_SANITIZED
	check_killed(F_FORK); /* sanitizer builds allow fork for the symbolizer */
#endif
}

/* The value of field `key` in /proc/self/status into out (cap bytes). 0 or -1. */
static int status_field(const char *key, char *out, size_t cap)
{
	char buf[8192];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
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

static void *thread_fn(void *arg)
{
	return arg;
}

/* Inside the sandbox: the status fields, and a thread, a file read and a socket work.
 * arg: the struct priv_user expected afterwards (uid (uid_t)-1: unchanged, and then
 * its groups are not checked). Returns the number of failed checks (printed). */
static int confined_status(void *arg)
{
	int r = enter((const char *const[]){ "--runtime.user=nobody", NULL });
	if (r)
		return r;
	int bad = 0;
	char v[256];
	static const struct {
		const char *key, *want;
	} want[] = {
		{ "CapEff", "0000000000000000" }, { "CapPrm", "0000000000000000" },
		{ "CapInh", "0000000000000000" }, { "CapBnd", NULL },
		{ "NoNewPrivs", "1" },            { "Seccomp", "2" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		if (status_field(want[i].key, v, sizeof(v)) < 0) {
			fprintf(stderr, "confined: no %s in /proc/self/status\n", want[i].key);
			bad++;
		} else if (want[i].want && strcmp(v, want[i].want) != 0) {
			fprintf(stderr, "confined: %s is %s\n", want[i].key, v);
			bad++;
		}
	}
	const struct priv_user *u = arg;
	if (u->uid != (uid_t)-1 && getuid() != u->uid) {
		fprintf(stderr, "confined: uid %u, expected nobody's %u\n", (unsigned)getuid(),
			(unsigned)u->uid);
		bad++;
	}
	gid_t groups[PRIV_MAX_GROUPS];
	int n = getgroups(PRIV_MAX_GROUPS, groups);
	for (int i = 0; u->uid != (uid_t)-1 && i < u->ngroups; i++) {
		int j = 0;
		while (j < n && groups[j] != u->groups[i])
			j++;
		if (j == n) {
			fprintf(stderr, "confined: not in nobody's group %u\n",
				(unsigned)u->groups[i]);
			bad++;
		}
	}
	if (u->uid != (uid_t)-1 && n != u->ngroups) {
		fprintf(stderr, "confined: in %d groups, nobody is in %d\n", n, u->ngroups);
		bad++;
	}
	pthread_t t;
	void *ret = NULL;
	if (pthread_create(&t, NULL, thread_fn, &bad) != 0 || pthread_join(t, &ret) != 0 ||
	    ret != &bad) {
		fprintf(stderr, "confined: a thread could not be started\n");
		bad++;
	}
	if (status_field("Name", v, sizeof(v)) < 0) {
		fprintf(stderr, "confined: /proc/self/status unreadable\n");
		bad++;
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		fprintf(stderr, "confined: socket(AF_INET): %s\n", strerror(errno));
		bad++;
	} else {
		close(s);
	}
	return bad;
}

static void test_confined_status(void)
{
	static struct priv_user want = { .uid = (uid_t)-1 };
	if (geteuid() == 0)
		CHECK_INT(priv_lookup("nobody", &want), 0);
	int st = in_child(confined_status, &want);
	CHECK(WIFEXITED(st));
	if (WIFEXITED(st))
		CHECK_INT(WEXITSTATUS(st), 0);
	else
		fprintf(stderr, "confined child killed by signal %d\n", WTERMSIG(st));
}

/* ---- Landlock alone --------------------------------------------------------------- */

/* Landlock needs no_new_privs (or CAP_SYS_ADMIN). 0 or -errno. */
static int prctl_nnp(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

struct ll_case {
	char ro[64], rw[64], out[64]; /* three world-writable folders */
};

/* Whether open(path, flags) succeeds (the fd is closed); errno tells why not. */
static bool can_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int landlock_child(void *arg)
{
	struct ll_case *c = arg;
	struct ll_paths p = { 0 };
	char a[128], b[128];
	int abi = 0, bad = 0;
	ll_paths_add(&p, c->ro, false);
	ll_paths_add(&p, c->rw, true);
	ll_paths_add(&p, "/no/such/folder", false); /* skipped, not an error */
	ll_paths_add(&p, "/proc", false);
	if (prctl_nnp() < 0)
		return 90;
	int r = landlock_apply(&p, &abi);
	if (r == -EOPNOTSUPP)
		return 77; /* no Landlock in this kernel: the parent skips */
	if (r < 0)
		return 91;
#define EXPECT(cond)                                                                       \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "landlock: %s failed (%s)\n", #cond, strerror(errno));    \
			bad++;                                                             \
		}                                                                          \
	} while (0)
	snprintf(a, sizeof(a), "%s/existing", c->ro);
	EXPECT(can_open(a, O_RDONLY));
	EXPECT(!can_open(a, O_WRONLY) && errno == EACCES);
	EXPECT(truncate(a, 0) < 0 && errno == EACCES);
	/* a read-only rule on procfs also grants truncate (moot there), so that the
	 * kernel's check of each open ends at the rule: still no writing */
	EXPECT(can_open("/proc/self/stat", O_RDONLY));
	EXPECT(truncate("/proc/self/comm", 0) == 0);
	EXPECT(!can_open("/proc/self/comm", O_WRONLY) && errno == EACCES);
	snprintf(a, sizeof(a), "%s/new", c->ro);
	EXPECT(!can_open(a, O_WRONLY | O_CREAT) && errno == EACCES);
	snprintf(a, sizeof(a), "%s/existing", c->out);
	EXPECT(!can_open(a, O_RDONLY) && errno == EACCES);
	snprintf(a, sizeof(a), "%s/new", c->out);
	EXPECT(!can_open(a, O_WRONLY | O_CREAT) && errno == EACCES);
	/* the queue's life cycle in the read-write folder */
	snprintf(a, sizeof(a), "%s/seg.tmp", c->rw);
	snprintf(b, sizeof(b), "%s/seg", c->rw);
	int fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	EXPECT(fd >= 0);
	if (fd >= 0) {
		EXPECT(write(fd, "x", 1) == 1);
		EXPECT(fdatasync(fd) == 0);
		EXPECT(ftruncate(fd, 0) == 0);
		close(fd);
	}
	EXPECT(rename(a, b) == 0);
	snprintf(a, sizeof(a), "%s/sub", c->rw);
	EXPECT(mkdir(a, 0700) == 0);
	EXPECT(rmdir(a) == 0);
	EXPECT(unlink(b) == 0);
#undef EXPECT
	return bad;
}

/* Put a world-readable, empty file "existing" in folder dir. 0 or -1. */
static int add_existing(const char *dir)
{
	char f[160];
	snprintf(f, sizeof(f), "%s/existing", dir);
	int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* A world-writable folder made for the test, holding "existing". 0 or -1. */
static int make_dir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "/tmp/plumb-ll-%s-XXXXXX", name);
	if (!mkdtemp(out) || chmod(out, 0777) < 0)
		return -1;
	return add_existing(out);
}

static void remove_dir(const char *d)
{
	char f[128];
	snprintf(f, sizeof(f), "%s/existing", d);
	unlink(f);
	rmdir(d);
}

static void test_landlock_rules(void)
{
	struct ll_case c;
	CHECK_INT(make_dir(c.ro, sizeof(c.ro), "ro"), 0);
	CHECK_INT(make_dir(c.rw, sizeof(c.rw), "rw"), 0);
	CHECK_INT(make_dir(c.out, sizeof(c.out), "out"), 0);
	int st = in_child(landlock_child, &c);
	CHECK(WIFEXITED(st));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		printf("SKIP test_landlock_rules: Landlock unavailable\n");
	else if (WIFEXITED(st))
		CHECK_INT(WEXITSTATUS(st), 0);
	remove_dir(c.ro);
	remove_dir(c.rw);
	remove_dir(c.out);
}

/* ---- paths from the flags --------------------------------------------------------- */

struct flags_case {
	char base[64];    /* 0755, holds the folders below */
	char root[96];    /* --path.rootfs: readable, not writable */
	char queue[96];   /* --push.queue.dir: 0777 */
	char logdir[96];  /* holds kern.log, rotated by the parent */
	int ready[2], go[2]; /* pipes: child -> parent, parent -> child */
};

static int flags_child(void *arg)
{
	struct flags_case *c = arg;
	char f_root[160], f_queue[160], f_klog[160], path[160];
	snprintf(f_root, sizeof(f_root), "--path.rootfs=%s", c->root);
	snprintf(f_queue, sizeof(f_queue), "--push.queue.dir=%s", c->queue);
	snprintf(f_klog, sizeof(f_klog), "--health.kernel-log=%s/kern.log", c->logdir);
	int r = enter((const char *const[]){ "--runtime.user=nobody", f_root, f_queue, f_klog,
					     "--push.remote-write.url=http://127.0.0.1:9/", NULL });
	if (r)
		return r;
	int bad = 0;
	snprintf(path, sizeof(path), "%s/seg", c->queue);
	if (!can_open(path, O_WRONLY | O_CREAT)) {
		fprintf(stderr, "flags: cannot create in the queue: %s\n", strerror(errno));
		bad++;
	}
	snprintf(path, sizeof(path), "%s/existing", c->root);
	if (!can_open(path, O_RDONLY)) {
		fprintf(stderr, "flags: cannot read the rootfs: %s\n", strerror(errno));
		bad++;
	}
	if (can_open(path, O_WRONLY)) {
		fprintf(stderr, "flags: the rootfs is writable\n");
		bad++;
	}
	/* let the parent rotate the log, then open the new file by the same path */
	char b = 0;
	if (write(c->ready[1], "r", 1) != 1 || read(c->go[0], &b, 1) != 1)
		return 92;
	snprintf(path, sizeof(path), "%s/kern.log", c->logdir);
	if (!can_open(path, O_RDONLY)) {
		fprintf(stderr, "flags: cannot open the rotated kernel log: %s\n", strerror(errno));
		bad++;
	}
	return bad;
}

/* Make folder path (mode) holding "existing". 0 or -1. */
static int make_tree_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 || chmod(path, mode) < 0)
		return -1;
	return add_existing(path);
}

static void test_paths_from_flags(void)
{
	struct flags_case c;
	char log_old[160], log_new[160];
	snprintf(c.base, sizeof(c.base), "/tmp/plumb-flags-XXXXXX");
	CHECK(mkdtemp(c.base) != NULL && chmod(c.base, 0755) == 0);
	snprintf(c.root, sizeof(c.root), "%s/root", c.base);
	snprintf(c.queue, sizeof(c.queue), "%s/queue", c.base);
	snprintf(c.logdir, sizeof(c.logdir), "%s/log", c.base);
	CHECK_INT(make_tree_dir(c.root, 0777), 0); /* writable by modes: Landlock must refuse */
	CHECK_INT(make_tree_dir(c.queue, 0777), 0);
	CHECK_INT(make_tree_dir(c.logdir, 0755), 0);
	snprintf(log_old, sizeof(log_old), "%s/kern.log", c.logdir);
	snprintf(log_new, sizeof(log_new), "%s/kern.log.new", c.logdir);
	int fd = open(log_old, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(pipe(c.ready) == 0 && pipe(c.go) == 0);

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(flags_child(&c));
	/* the parent keeps only its ends, so a child that dies early ends the read below */
	close(c.ready[1]);
	close(c.go[0]);
	c.ready[1] = c.go[0] = -1;
	char b = 0;
	if (read(c.ready[0], &b, 1) == 1) {
		/* rotate: a new file takes the old one's name */
		fd = open(log_new, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		CHECK(fd >= 0 && rename(log_new, log_old) == 0);
		if (fd >= 0)
			close(fd);
	}
	if (write(c.go[1], "g", 1) != 1)
		fprintf(stderr, "flags: the child is gone before the rotation\n");
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	CHECK(WIFEXITED(st));
	if (WIFEXITED(st))
		CHECK_INT(WEXITSTATUS(st), 0);
	close(c.ready[0]);
	close(c.go[1]);
	snprintf(log_new, sizeof(log_new), "%s/seg", c.queue);
	unlink(log_new);
	unlink(log_old);
	remove_dir(c.root);
	remove_dir(c.queue);
	remove_dir(c.logdir);
	rmdir(c.base);
}

/* Whether this process maps a file whose name contains what. */
static bool maps_file(const char *what)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

/* The control for test_lookup's NSS check: a lookup made here loads modules.
 * Returns 0 when one is mapped afterwards, 1 when none is. */
static int lookup_in_process(void *arg)
{
	gid_t groups[PRIV_MAX_GROUPS];
	int n = PRIV_MAX_GROUPS;
	(void)arg;
	getgrouplist("root", 0, groups, &n);
	return maps_file("libnss_") ? 0 : 1;
}

static void test_lookup(void)
{
	static struct priv_user u;
	CHECK_INT(priv_lookup("root", &u), 0);
	CHECK_INT(u.uid, 0);
	CHECK_INT(u.gid, 0);
	CHECK(u.ngroups >= 1);
	bool primary = false;
	for (int i = 0; i < u.ngroups; i++)
		primary |= u.groups[i] == 0;
	CHECK(primary); /* the primary group is in the list, as initgroups puts it */
	u.uid = 1;
	CHECK_INT(priv_lookup("0", &u), 0);
	CHECK_INT(u.uid, 0);
	CHECK_INT(priv_lookup("plumb-no-such-user", &u), -ENOENT);
	CHECK_INT(priv_lookup("4294967295", &u), -ENOENT); /* (uid_t)-1 is no uid */
	/* the lookups above ran in children: no NSS module is mapped here, where a lookup
	 * in this process (the control, in a child) maps one when nsswitch.conf names a
	 * module (Debian's names systemd when libnss-systemd is installed) */
	int st = in_child(lookup_in_process, NULL);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		CHECK(!maps_file("libnss_"));
	else
		fprintf(stderr, "test_lookup: NSS loads no module on this machine; the "
				"no-module-after-lookup check is moot here\n");
}

int main(void)
{
	log_setup("error", "logfmt");
	signal(SIGPIPE, SIG_IGN); /* a pipe to a child that died early: EPIPE, not death */
	RUN(test_lookup);
	RUN(test_landlock_rules);
	RUN(test_paths_from_flags);
	RUN(test_confined_status);
	RUN(test_forbidden_syscalls_kill);
	return T_DONE("test_sandbox");
}
