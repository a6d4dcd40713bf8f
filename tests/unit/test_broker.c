/*
 * test_broker: the privilege broker (src/runtime/broker*.c) as a real process, started
 * as root and running as nobody, against a folder only root may enter (brokerfix.h).
 *
 * - the protocol's pure checks: canonical paths, request building and checking, roots;
 * - the broker opens a file and lists a folder in the 0700 folder, reads through
 *   symlinks that stay inside (and sysfs's relative ones), and statfs's a tmpfs below
 *   it, while nobody itself is refused all three;
 * - /proc/PID/status of the broker: CapEff, CapPrm and CapBnd exactly
 *   CAP_DAC_READ_SEARCH, nothing inheritable or ambient, NoNewPrivs 1, Seccomp 2 on
 *   every thread, nobody's uid and gid; it holds only its channels and stdio, and a
 *   SIGTERM does not end it;
 * - played as a compromised main process, raw requests on a channel: /etc/shadow, a
 *   look-alike root, "../" escapes, symlinks to /etc, up and out, looping, a FIFO, a
 *   folder opened as a file and back, write flags, unknown ops, wrong magic, bad
 *   lengths, NULs and bytes after the path, truncated, oversized and empty messages,
 *   descriptors sent to the broker, and a flood: each refused with its error, the
 *   broker still serving afterwards, holding no more descriptors than before;
 * - the broker's seccomp filter alone, in a child: reading opens work; openat with
 *   any writing flag, openat2, open_by_handle_at and a socket kill it;
 * - several threads calling at once all get their answers;
 * - a late reply to a request on a channel is skipped, and its descriptor closed;
 * - killing the broker makes calls fail with -EPIPE, broker_up false, logged once;
 * - the broker ends when its parent does, and when broker_stop closes its channels;
 * - no broker for uid 0 or when not started as root.
 * Needs root (the suite runs as root); as another user only the pure checks run.
 *
 * suite: alone (mounts a tmpfs on the host; tests/run-suite.sh)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "brokerfix.h"
#include "lib/log.h"
#include "runtime/broker.h"
#include "t.h"

static struct priv_user nobody;
static struct bfix fix;

/* ---- the protocol ------------------------------------------------------------------ */

static void test_paths(void)
{
	static const struct {
		const char *p;
		bool ok;
	} cases[] = {
		{ "/", true },      { "/a", true },      { "/a/b.c/..d", true }, { "", false },
		{ "a", false },     { "/a/", false },    { "//a", false },       { "/a//b", false },
		{ "/./a", false },  { "/a/.", false },   { "/a/../b", false },   { "/..", false },
		{ "/a/...", true }, { "/.hidden", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		CHECK_RESULT(broker_path_check(cases[i].p, strlen(cases[i].p)), cases[i].ok);

	static struct broker_req q;
	CHECK_INT(broker_req_build(&q, BROKER_OP_OPEN, 7, "//a/./b//c/"), 0);
	CHECK_STR(q.path, "/a/b/c");
	CHECK_INT(q.path_len, 6);
	CHECK_INT(broker_req_check(&q, sizeof(q)), 0);
	CHECK_INT(broker_req_build(&q, BROKER_OP_STATFS, 1, "/./"), 0);
	CHECK_STR(q.path, "/");
	CHECK_INT(broker_req_build(&q, BROKER_OP_OPEN, 1, "rel"), -EINVAL);
	CHECK_INT(broker_req_build(&q, BROKER_OP_OPEN, 1, "/a/../b"), -EINVAL);
	static char long_path[BROKER_PATH_MAX + 8];
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	CHECK_INT(broker_req_build(&q, BROKER_OP_OPEN, 1, long_path), -ENAMETOOLONG);
	long_path[BROKER_PATH_MAX - 1] = '\0'; /* the longest that fits */
	CHECK_INT(broker_req_build(&q, BROKER_OP_OPEN, 1, long_path), 0);
	CHECK_INT(broker_req_check(&q, sizeof(q)), 0);

	const char *roots[] = { "/sys/class", "/sys", "/tmp/a" };
	CHECK_STR(broker_root_of(roots, 3, "/sys/class/net"), "/sys"); /* the outermost */
	CHECK(broker_root_of(roots, 3, "/sysx") == NULL);
	CHECK(broker_root_of(roots, 3, "/tmp/ab") == NULL);
	CHECK_STR(broker_root_of(roots, 3, "/tmp/a"), "/tmp/a");
	const char *all[] = { "/" };
	CHECK_STR(broker_root_of(all, 1, "/etc/shadow"), "/");

	struct broker_conf c = { 0 };
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_OPEN, "/a/"), -EINVAL);
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_OPEN, "rel"), -EINVAL);
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_OPEN, NULL), 0);
	CHECK_INT(c.nopen, 0);
	for (int i = 0; i < BROKER_MAX_ROOTS; i++)
		CHECK_INT(broker_conf_add(&c, BROKER_ROOT_STATFS, "/"), 0);
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_STATFS, "/"), -E2BIG);
}

/* ---- a broker at work ------------------------------------------------------------- */

/* As nobody, in a child: opening value, listing secret and statfs of mnt must all be
 * refused. Returns the number that were not. */
static int nobody_refused(void *arg)
{
	(void)arg;
	struct statfs st;
	if (setgroups(0, NULL) < 0 || setresgid(nobody.gid, nobody.gid, nobody.gid) < 0 ||
	    setresuid(nobody.uid, nobody.uid, nobody.uid) < 0)
		return 50;
	int bad = 0, fd = open(fix.value, O_RDONLY | O_CLOEXEC);
	bad += fd >= 0 || errno != EACCES;
	fd = open(fix.secret, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bad += fd >= 0 || errno != EACCES;
	bad += statfs(fix.mnt, &st) == 0 || errno != EACCES;
	return bad;
}

/* The wait status of fn(arg) run in a child. */
static int in_child(int (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	int st = -1;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Open path through b and check it reads want. */
static void check_reads(struct broker *b, const char *path, const char *want)
{
	char buf[64];
	int fd = -1;
	int r = broker_open(b, path, &fd);
	CHECK_INT(r, 0);
	if (r != 0) {
		fprintf(stderr, "  opening %s\n", path);
		return;
	}
	CHECK(bfix_pread(fd, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, want);
	CHECK_INT(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(write(fd, "x", 1) < 0 && errno == EBADF);
	close(fd);
}

/* Start a broker over the fixture as nobody. NULL after a failed check. */
static struct broker *start(void)
{
	struct broker_conf c;
	struct broker *b = NULL;
	bfix_conf(&fix, &c);
	CHECK_INT(broker_start(&c, &nobody, &b), 0);
	return b;
}

/* Stop b and reap its process. */
static void stop(struct broker *b)
{
	pid_t pid = broker_pid(b);
	broker_stop(b);
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	CHECK(WIFEXITED(st)); /* it saw its channels close and left */
}

static void test_reads_what_nobody_cannot(void)
{
	struct statfs st;
	char name[256];
	int fd = -1;
	int status = in_child(nobody_refused, NULL);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* the fixture needs the broker */
	struct broker *b = start();
	if (!b)
		return;
	CHECK(broker_up(b));
	check_reads(b, fix.value, "42\n");
	/* symlinks that stay beneath the root: relative, through "..", absolute */
	char p[192];
	snprintf(p, sizeof(p), "%s/link_in", fix.secret);
	check_reads(b, p, "42\n");
	snprintf(p, sizeof(p), "%s/link_sub", fix.secret);
	check_reads(b, p, "42\n");
	snprintf(p, sizeof(p), "%s/link_abs_in", fix.secret);
	check_reads(b, p, "42\n");
	snprintf(p, sizeof(p), "%s/link_dir/inner", fix.secret);
	check_reads(b, p, "inner\n");
	/* sysfs: /sys/class/net/lo is a relative link into /sys/devices */
	check_reads(b, "/sys/class/net/lo/type", "772\n");
	/* the client makes the path canonical before it asks */
	snprintf(p, sizeof(p), "%s//./value", fix.secret);
	check_reads(b, p, "42\n");

	CHECK_INT(broker_opendir(b, fix.secret, &fd), 0);
	bool found = false;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		snprintf(name, sizeof(name), "%s", e->d_name);
		found |= strcmp(name, "value") == 0;
	}
	CHECK(found);
	if (d)
		closedir(d);

	memset(&st, 0, sizeof(st));
	CHECK_INT(broker_statfs(b, fix.mnt, &st), 0);
	CHECK_INT(st.f_type, TMPFS_MAGIC);
	CHECK_INT((unsigned long long)st.f_blocks * (unsigned long long)st.f_bsize,
		  BFIX_TMPFS_BYTES);
	/* the refusals a correct client can meet through the API */
	CHECK_INT(broker_open(b, "/etc/shadow", &fd), -EPERM);
	CHECK_INT(fd, -1);
	CHECK_INT(broker_open(b, "etc/shadow", &fd), -EINVAL);
	snprintf(p, sizeof(p), "%s/../../etc/shadow", fix.secret);
	CHECK_INT(broker_open(b, p, &fd), -EINVAL);
	CHECK_INT(broker_statfs(b, "/", &st), -EPERM); /* not a statfs root */
	CHECK_INT(broker_open(b, fix.mnt, &fd), -EISDIR);
	CHECK_INT(broker_opendir(b, fix.value, &fd), -ENOTDIR);
	stop(b);
}

/* A root that is one file (/proc/slabinfo) opens that file and nothing else: not a
 * sibling, not a path beneath it, not through a symlink. */
static void test_file_root(void)
{
	char p[192], buf[16];
	struct statfs st;
	int fd = -1;
	CHECK_INT(broker_walk(fix.value, fix.value, BROKER_OP_OPEN, &fd, &st), 0);
	CHECK(fd >= 0 && bfix_pread(fd, buf, sizeof(buf)) > 0 && strcmp(buf, "42\n") == 0);
	if (fd >= 0)
		close(fd);
	fd = -1;
	snprintf(p, sizeof(p), "%s/x", fix.value);
	CHECK(broker_walk(fix.value, p, BROKER_OP_OPEN, &fd, &st) < 0);
	snprintf(p, sizeof(p), "%s/link_dir/inner", fix.secret);
	CHECK_INT(broker_walk(fix.value, p, BROKER_OP_OPEN, &fd, &st), -EPERM);
	/* link_in points at value, in the same folder: as a file root it is not followed */
	snprintf(p, sizeof(p), "%s/link_in", fix.secret);
	CHECK_INT(broker_walk(p, p, BROKER_OP_OPEN, &fd, &st), -ELOOP);
	CHECK_INT(fd, -1);
}

/* ---- what the broker process holds ------------------------------------------------- */

/* Check field key of pid's status (or its thread tid's) is want. */
static void check_field(pid_t pid, pid_t tid, const char *key, const char *want)
{
	char v[256];
	CHECK_INT(bfix_status(pid, tid, key, v, sizeof(v)), 0);
	if (strcmp(v, want) != 0) {
		fprintf(stderr, "broker %d/%d: %s is \"%s\", expected \"%s\"\n", (int)pid,
			(int)tid, key, v, want);
		t_checks_failed++;
	}
}

static void test_broker_status(void)
{
	/* a descriptor plumb holds without O_CLOEXEC must not reach the broker */
	int held = open(fix.outside, O_RDONLY);
	CHECK(held >= 0);
	struct broker *b = start();
	if (held >= 0)
		close(held);
	if (!b)
		return;
	pid_t pid = broker_pid(b), tids[64];
	char ids[64];
	int n = bfix_tasks(pid, tids, 64);
	CHECK_INT(n, BROKER_CHANNELS);
	for (int i = 0; i < n; i++) {
		check_field(pid, tids[i], "CapEff", "0000000000000004");
		check_field(pid, tids[i], "CapPrm", "0000000000000004");
		check_field(pid, tids[i], "CapBnd", "0000000000000004");
		check_field(pid, tids[i], "CapInh", "0000000000000000");
		check_field(pid, tids[i], "CapAmb", "0000000000000000");
		check_field(pid, tids[i], "NoNewPrivs", "1");
		check_field(pid, tids[i], "Seccomp", "2");
	}
	snprintf(ids, sizeof(ids), "%u\t%u\t%u\t%u", (unsigned)nobody.uid, (unsigned)nobody.uid,
		 (unsigned)nobody.uid, (unsigned)nobody.uid);
	check_field(pid, 0, "Uid", ids);
	snprintf(ids, sizeof(ids), "%u\t%u\t%u\t%u", (unsigned)nobody.gid, (unsigned)nobody.gid,
		 (unsigned)nobody.gid, (unsigned)nobody.gid);
	check_field(pid, 0, "Gid", ids);
	/* stdin, stdout, stderr and the channels, nothing else */
	CHECK_INT(bfix_fd_count(pid), 3 + BROKER_CHANNELS);
	for (int fd = 3; fd < 3 + BROKER_CHANNELS; fd++) {
		char link[64], target[64];
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		CHECK(strncmp(target, "socket:", 7) == 0);
	}
	/* a terminal's or an operator's SIGTERM does not end it: it lives as long as plumb */
	CHECK_INT(kill(pid, SIGTERM), 0);
	check_reads(b, fix.value, "42\n");
	CHECK(broker_up(b));
	stop(b);
}

/* ---- a compromised main process ----------------------------------------------------- */

/* Send len bytes of msg on fd (with descriptor pass when >= 0) and wait for the reply.
 * Returns the reply's err (a positive errno, or 0), or -1 when no proper reply came;
 * a descriptor that came with it goes to *got (or is closed when got is NULL). */
static int raw_ask(int fd, const void *msg, size_t len, int pass, int *got)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct broker_rep a = { 0 };
	if (broker_sendmsg(fd, msg, len, pass) < 0)
		return -1;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = { .iov_base = &a, .iov_len = sizeof(a) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	int qfd = -1;
	struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (h && h->cmsg_type == SCM_RIGHTS)
		memcpy(&qfd, CMSG_DATA(h), sizeof(int));
	if (got)
		*got = qfd;
	else if (qfd >= 0)
		close(qfd);
	if (n != (ssize_t)sizeof(a) || a.magic != BROKER_MAGIC)
		return -1;
	return a.err;
}

/* A request for op on path, built by hand (no canonical form imposed). */
static void raw_req(struct broker_req *q, uint32_t op, const char *path)
{
	memset(q, 0, sizeof(*q));
	q->magic = BROKER_MAGIC;
	q->op = op;
	q->seq = 99;
	q->path_len = (uint32_t)strlen(path);
	memcpy(q->path, path, q->path_len);
}

/* Send q raw on fd, expect error want (a positive errno) and no descriptor. */
static void refused(int fd, const struct broker_req *q, size_t len, int want, int line)
{
	int got = -1;
	int err = raw_ask(fd, q, len, -1, &got);
	if (err != want || got >= 0) {
		fprintf(stderr, "test_broker.c:%d: request \"%.80s\" op %u: err %d (%s), "
				"expected %d (%s), fd %d\n",
			line, q->path, q->op, err, err > 0 ? strerror(err) : "-", want,
			strerror(want), got);
		t_checks_failed++;
	}
	if (got >= 0)
		close(got);
}
#define REFUSED(fd, q, len, want) refused(fd, q, len, want, __LINE__)

/* Ask for op on secret/rel raw; expect want. */
static void refused_in(int fd, uint32_t op, const char *rel, int want, int line)
{
	static struct broker_req q;
	char p[BROKER_PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", fix.secret, rel);
	raw_req(&q, op, p);
	refused(fd, &q, sizeof(q), want, line);
}
#define REFUSED_IN(fd, op, rel, want) refused_in(fd, op, rel, want, __LINE__)

/* Make sure every broker thread has finished its last request, closing what it held:
 * a thread answers its channel in order, so a reply to one more (bad) request on each
 * channel proves it. */
static void settle(struct broker *b)
{
	static const char junk[8];
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		CHECK_INT(raw_ask(broker_channel_fd(b, i), junk, sizeof(junk), -1, NULL), EMSGSIZE);
}

static void test_hostile_requests(void)
{
	static struct broker_req q;
	static char big[sizeof(struct broker_req) * 2];
	struct broker *b = start();
	if (!b)
		return;
	pid_t pid = broker_pid(b);
	int before = bfix_fd_count(pid), fd = broker_channel_fd(b, BROKER_CHANNELS - 1);

	raw_req(&q, BROKER_OP_OPEN, "/etc/shadow");
	REFUSED(fd, &q, sizeof(q), EPERM);
	raw_req(&q, BROKER_OP_STATFS, "/etc");
	REFUSED(fd, &q, sizeof(q), EPERM);
	REFUSED_IN(fd, BROKER_OP_OPEN, "../../../etc/shadow", EINVAL);
	REFUSED_IN(fd, BROKER_OP_OPEN, "sub/../value", EINVAL);
	REFUSED_IN(fd, BROKER_OP_OPEN, "./value", EINVAL);
	REFUSED_IN(fd, BROKER_OP_OPEN, "value/", EINVAL);
	REFUSED_IN(fd, BROKER_OP_OPEN, "/value", EINVAL); /* "//" */
	raw_req(&q, BROKER_OP_OPEN, "/tmp/../etc/shadow");
	REFUSED(fd, &q, sizeof(q), EINVAL);
	raw_req(&q, BROKER_OP_OPEN, "etc/shadow");
	REFUSED(fd, &q, sizeof(q), EINVAL);
	raw_req(&q, BROKER_OP_OPEN, fix.twin); /* "secretX" starts with the root's name */
	REFUSED(fd, &q, sizeof(q), EPERM);
	raw_req(&q, BROKER_OP_OPEN, fix.outside);
	REFUSED(fd, &q, sizeof(q), EPERM);
	/* symlinks planted in the root */
	REFUSED_IN(fd, BROKER_OP_OPEN, "link_etc/shadow", EXDEV);
	REFUSED_IN(fd, BROKER_OP_OPENDIR, "link_etc", EXDEV);
	REFUSED_IN(fd, BROKER_OP_STATFS, "link_etc", EXDEV);
	REFUSED_IN(fd, BROKER_OP_OPEN, "link_up/etc/shadow", EXDEV);
	REFUSED_IN(fd, BROKER_OP_OPEN, "link_twin", EXDEV);
	REFUSED_IN(fd, BROKER_OP_OPEN, "link_loop", ELOOP);
	/* what may be opened, and how */
	REFUSED_IN(fd, BROKER_OP_OPEN, "fifo", EPERM);
	REFUSED_IN(fd, BROKER_OP_OPEN, "sub", EISDIR);
	REFUSED_IN(fd, BROKER_OP_OPENDIR, "value", ENOTDIR);
	REFUSED_IN(fd, BROKER_OP_OPEN, "value/x", ENOTDIR);
	REFUSED_IN(fd, BROKER_OP_OPEN, "nothing", ENOENT);
	REFUSED_IN(fd, 0, "value", EOPNOTSUPP);
	REFUSED_IN(fd, 4, "value", EOPNOTSUPP);
	REFUSED_IN(fd, 0x10001, "value", EOPNOTSUPP); /* an open with a write bit beside it */
	raw_req(&q, BROKER_OP_OPEN, fix.value);
	q.flags = O_WRONLY;
	REFUSED(fd, &q, sizeof(q), EINVAL);
	q.flags = O_RDWR | O_CREAT | O_TRUNC;
	REFUSED(fd, &q, sizeof(q), EINVAL);
	/* the message itself */
	raw_req(&q, BROKER_OP_OPEN, fix.value);
	q.magic ^= 1;
	REFUSED(fd, &q, sizeof(q), EPROTO);
	raw_req(&q, BROKER_OP_OPEN, fix.value);
	REFUSED(fd, &q, 8, EMSGSIZE);
	REFUSED(fd, &q, sizeof(q) - 1, EMSGSIZE);
	REFUSED(fd, &q, 0, EMSGSIZE);
	memcpy(big, &q, sizeof(q));
	memset(big + sizeof(q), 'A', sizeof(big) - sizeof(q));
	REFUSED(fd, (const struct broker_req *)big, sizeof(big), EMSGSIZE);
	REFUSED(fd, (const struct broker_req *)big, sizeof(q) + 1, EMSGSIZE);
	q.path_len = 0;
	REFUSED(fd, &q, sizeof(q), EINVAL);
	q.path_len = BROKER_PATH_MAX;
	REFUSED(fd, &q, sizeof(q), EINVAL);
	q.path_len = (uint32_t)strlen(fix.secret); /* bytes after the path */
	REFUSED(fd, &q, sizeof(q), EINVAL);
	raw_req(&q, BROKER_OP_OPEN, fix.value);
	q.path_len += 1; /* a NUL inside */
	REFUSED(fd, &q, sizeof(q), EINVAL);
	raw_req(&q, BROKER_OP_OPEN, fix.value);
	memset(q.path + q.path_len + 1, 'x', 8); /* hidden after the NUL */
	REFUSED(fd, &q, sizeof(q), EINVAL);
	/* a descriptor sent to the broker: refused, and not kept */
	raw_req(&q, BROKER_OP_OPEN, fix.value);
	int pass = open(fix.outside, O_RDONLY | O_CLOEXEC);
	int got = -1;
	CHECK_INT(raw_ask(fd, &q, sizeof(q), pass, &got), EINVAL);
	CHECK_INT(got, -1);
	close(pass);
	/* and a good request on the same channel is still answered */
	CHECK_INT(raw_ask(fd, &q, sizeof(q), -1, &got), 0);
	CHECK(got >= 0);
	if (got >= 0)
		close(got);

	/* a flood: as many bad requests as the channel takes without reading any reply,
	 * with the API answering on the other channels meanwhile, then every reply read */
	raw_req(&q, BROKER_OP_OPEN, "/etc/shadow");
	unsigned sent = 0, answered = 0, wrong = 0;
	for (int round = 0; round < 20; round++) {
		unsigned now = 0;
		while (send(fd, &q, sizeof(q), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(q))
			now++;
		CHECK(errno == EAGAIN && now > 0);
		sent += now;
		check_reads(b, fix.value, "42\n");
		for (; now > 0; now--) {
			struct broker_rep a;
			if (recv(fd, &a, sizeof(a), 0) != (ssize_t)sizeof(a))
				break;
			answered++;
			wrong += a.err != EPERM;
		}
	}
	CHECK_INT(answered, sent);
	CHECK_INT(wrong, 0);
	CHECK(broker_up(b));
	check_reads(b, fix.value, "42\n");
	settle(b);
	CHECK_INT(bfix_fd_count(pid), before);
	stop(b);
}

/* ---- the seccomp filter alone -------------------------------------------------------- */

enum forbidden { F_WRONLY, F_RDWR, F_CREAT, F_TRUNC, F_APPEND, F_TMPFILE, F_OPENAT2,
		 F_BY_HANDLE, F_SOCKET, F_WRITE, F_COUNT };

/* In a child: enter the broker's filter, check a reading open still works (exit 3 if
 * not), then make a forbidden call; exit 0 means it was let through. */
static int make_forbidden(void *arg)
{
	enum forbidden what = *(enum forbidden *)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || broker_seccomp_apply() < 0)
		return 2;
	int fd = openat(AT_FDCWD, fix.value, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return 3;
	close(fd);
	long r = 0;
	switch (what) {
	case F_WRONLY:
		r = openat(AT_FDCWD, fix.value, O_WRONLY | O_CLOEXEC);
		break;
	case F_RDWR:
		r = openat(AT_FDCWD, fix.value, O_RDWR | O_CLOEXEC);
		break;
	case F_CREAT:
		r = openat(AT_FDCWD, fix.outside, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
		break;
	case F_TRUNC:
		r = openat(AT_FDCWD, fix.value, O_RDONLY | O_TRUNC | O_CLOEXEC);
		break;
	case F_APPEND:
		r = openat(AT_FDCWD, fix.value, O_RDONLY | O_APPEND | O_CLOEXEC);
		break;
	case F_TMPFILE:
		r = openat(AT_FDCWD, fix.base, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		break;
	case F_OPENAT2: {
		uint64_t how[3] = { O_RDONLY, 0, 0 };
		r = syscall(SYS_openat2, AT_FDCWD, fix.value, how, sizeof(how));
		break;
	}
	case F_BY_HANDLE:
		r = syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, O_RDONLY);
		break;
	case F_SOCKET:
		r = socket(AF_INET, SOCK_STREAM, 0);
		break;
	case F_WRITE:
		r = write(STDERR_FILENO, "", 0);
		break;
	case F_COUNT:
		break;
	}
	return r >= 0 ? 0 : 5; /* let through, whether it worked or not */
}

static void test_seccomp_filter(void)
{
	for (enum forbidden what = 0; what < F_COUNT; what++) {
#ifdef PLUMB_SANITIZED
		if (what == F_WRITE)
			continue; /* sanitizer reports write */
#endif
		int st = in_child(make_forbidden, &what);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS) {
			fprintf(stderr, "forbidden call %d: not killed by SIGSYS (status 0x%x)\n",
				what, st);
			t_checks_failed++;
		}
	}
}

/* ---- threads ----------------------------------------------------------------------- */

struct worker {
	struct broker *b;
	int ok, bad;
};

static void *worker(void *p)
{
	struct worker *w = p;
	char buf[16];
	struct statfs st;
	for (int i = 0; i < 300; i++) {
		int fd = -1;
		bool good;
		if (i % 2 == 0)
			good = broker_open(w->b, fix.value, &fd) == 0 &&
			       bfix_pread(fd, buf, sizeof(buf)) == 3 && strcmp(buf, "42\n") == 0;
		else
			good = broker_statfs(w->b, fix.mnt, &st) == 0 && st.f_type == TMPFS_MAGIC;
		w->ok += good;
		w->bad += !good;
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static void test_threads(void)
{
	enum { N = BROKER_STATFS_MAX }; /* never more than the channels statfs may hold */
	struct worker w[N];
	pthread_t t[N];
	struct broker *b = start();
	if (!b)
		return;
	int before = bfix_fd_count(0);
	for (int i = 0; i < N; i++) {
		w[i] = (struct worker){ b, 0, 0 };
		CHECK_INT(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(w[i].ok, 300);
		CHECK_INT(w[i].bad, 0);
	}
	unsigned busy = 1, statfs_busy = 1, stale = 1;
	broker_counts(b, &busy, &statfs_busy, &stale);
	CHECK_INT(busy, 0);
	CHECK_INT(statfs_busy, 0);
	CHECK_INT(stale, 0);
	CHECK_INT(bfix_fd_count(0), before);
	stop(b);
}

/* A reply nobody waits for (sent raw on the channel the next call takes) is skipped by
 * that call, and the descriptor it carries closed. */
static void test_late_reply_skipped(void)
{
	static struct broker_req q;
	struct broker *b = start();
	if (!b)
		return;
	int before = bfix_fd_count(0);
	raw_req(&q, BROKER_OP_OPEN, fix.value);
	q.seq = 0xdead;
	CHECK(send(broker_channel_fd(b, 0), &q, sizeof(q), MSG_NOSIGNAL) == (ssize_t)sizeof(q));
	check_reads(b, fix.value, "42\n"); /* on channel 0: the stray reply comes first */
	CHECK_INT(bfix_fd_count(0), before);
	stop(b);
}

/* ---- death ---------------------------------------------------------------------------- */

static void test_broker_killed(void)
{
	char path[] = "/tmp/plumb-broker-log-XXXXXX", buf[4096];
	struct statfs st;
	int fd = -1;
	struct broker *b = start();
	if (!b)
		return;
	pid_t pid = broker_pid(b);
	CHECK_INT(kill(pid, SIGKILL), 0);
	int status = 0;
	CHECK_INT(waitpid(pid, &status, 0), pid);
	/* capture the log */
	int log = mkstemp(path), saved = dup(STDERR_FILENO);
	CHECK(log >= 0 && saved >= 0);
	dup2(log, STDERR_FILENO);
	bool up = broker_up(b);
	int r1 = broker_open(b, fix.value, &fd);
	int r2 = broker_statfs(b, fix.mnt, &st);
	int r3 = broker_opendir(b, fix.secret, &fd);
	dup2(saved, STDERR_FILENO);
	close(saved);
	CHECK(!up);
	CHECK_INT(r1, -EPIPE);
	CHECK_INT(r2, -EPIPE);
	CHECK_INT(r3, -EPIPE);
	CHECK_INT(fd, -1);
	ssize_t n = pread(log, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	int lines = 0;
	for (const char *s = buf; (s = strstr(s, "privilege broker is gone")); s++)
		lines++;
	CHECK_INT(lines, 1);
	close(log);
	unlink(path);
	broker_stop(b);

	/* found gone by a call rather than by broker_up */
	b = start();
	if (!b)
		return;
	pid = broker_pid(b);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK_INT(broker_open(b, fix.value, &fd), -EPIPE);
	CHECK(!broker_up(b));
	broker_stop(b);
}

/* In a child that plays plumb: start a broker, tell its pid on fd, wait for a byte on
 * go, then exit without stopping it. */
static int parent_child(void *arg)
{
	int *pipes = arg;
	struct broker *b = NULL;
	struct broker_conf c;
	bfix_conf(&fix, &c);
	if (broker_start(&c, &nobody, &b) < 0)
		return 1;
	pid_t pid = broker_pid(b);
	char x;
	if (write(pipes[1], &pid, sizeof(pid)) != sizeof(pid) || read(pipes[2], &x, 1) < 0)
		return 2;
	return 0;
}

static void test_dies_with_parent(void)
{
	int p1[2], p2[2];
	if (pipe(p1) < 0 || pipe(p2) < 0) {
		CHECK(!"pipe");
		return;
	}
	/* orphans come to this process, which can then wait for the broker */
	CHECK_INT(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	int pipes[3] = { p1[0], p1[1], p2[0] };
	fflush(NULL);
	pid_t child = fork();
	if (child == 0)
		_exit(parent_child(pipes));
	close(p1[1]);
	close(p2[0]);
	pid_t broker = 0;
	CHECK(read(p1[0], &broker, sizeof(broker)) == sizeof(broker));
	CHECK(broker > 0);
	CHECK(write(p2[1], "x", 1) == 1); /* the child exits now */
	int st = 0;
	CHECK_INT(waitpid(child, &st, 0), child);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (broker > 0) {
		CHECK_INT(waitpid(broker, &st, 0), broker); /* hangs (alarm) if it lives on */
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	close(p1[0]);
	close(p2[1]);
}

/* As nobody: broker_start refuses. */
static int start_as_nobody(void *arg)
{
	(void)arg;
	struct broker_conf c;
	struct broker *b = (struct broker *)1;
	bfix_conf(&fix, &c);
	if (setgroups(0, NULL) < 0 || setresgid(nobody.gid, nobody.gid, nobody.gid) < 0 ||
	    setresuid(nobody.uid, nobody.uid, nobody.uid) < 0)
		return 50;
	return broker_start(&c, &nobody, &b) == -EPERM && b == NULL ? 0 : 1;
}

static void test_no_broker(void)
{
	static struct priv_user root;
	struct broker_conf c;
	struct broker *b = (struct broker *)1;
	bfix_conf(&fix, &c);
	root = nobody;
	root.uid = 0;
	CHECK_INT(broker_start(&c, &root, &b), -EPERM);
	CHECK(b == NULL);
	CHECK_INT(waitpid(-1, NULL, WNOHANG), -1); /* and no child was made */
	int st = in_child(start_as_nobody, NULL);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	c.open_roots[0] = "/tmp/../etc";
	CHECK_INT(broker_start(&c, &nobody, &b), -EINVAL);
}

/* A test hangs (a broker that never ends): fail, without leaving the tmpfs mounted. */
static void on_alarm(int sig)
{
	static const char msg[] = "test_broker: hung; failing\n";
	(void)sig;
	// NOLINTNEXTLINE(bugprone-signal-handler,cert-sig30-c) a bare system call, safe here
	umount2(fix.mnt, MNT_DETACH);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	log_setup("error", "logfmt");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(120);
	RUN(test_paths);
	if (!bfix_can_run("test_broker", &nobody))
		return T_DONE("test_broker");
	if (bfix_make(&fix) < 0) {
		fprintf(stderr, "could not make the fixture: %s\n", strerror(errno));
		bfix_rm(&fix);
		return 1;
	}
	RUN(test_reads_what_nobody_cannot);
	RUN(test_file_root);
	RUN(test_broker_status);
	RUN(test_hostile_requests);
	RUN(test_seccomp_filter);
	RUN(test_threads);
	RUN(test_late_reply_skipped);
	RUN(test_broker_killed);
	RUN(test_dies_with_parent);
	RUN(test_no_broker);
	bfix_rm(&fix);
	return T_DONE("test_broker");
}
