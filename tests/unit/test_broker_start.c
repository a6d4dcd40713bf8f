/*
 * test_broker_start: the privilege broker's two-step start (broker_fork early in main,
 * broker_configure at the privilege drop) and its configuration message.
 *
 * - the message's pure checks: built and parsed back to the same user and roots;
 *   refused for a wrong size, magic, uid 0, too many groups or roots, a group or text
 *   byte past its count, text that does not split into exactly the roots counted, a
 *   relative or non-canonical root; roots that do not fit give -E2BIG;
 * - a forked broker that has no configuration yet has done nothing: one thread,
 *   blocked receiving on its first channel, holding only its channels and stdio, no
 *   sandbox yet, and it ignores SIGTERM;
 * - configured later, it reads a file in a folder only root may enter, as nobody;
 * - a configuration it refuses (wrong magic, uid 0, a short one, one with a
 *   descriptor attached) is reported on the channel with its error, and it exits;
 * - broker_configure refuses a root user without sending anything, and ends the child;
 * - plumb closing the channels, or exiting, before configuring it ends the broker.
 * Needs root for the process tests (the suite runs as root); as another user only the
 * pure checks run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brokerfix.h"
#include "lib/log.h"
#include "runtime/broker.h"
#include "t.h"

static struct priv_user nobody;
static char dir[64];   /* 0700, made with mkdtemp */
static char value[96]; /* dir/value, 0600, "7\n" */

/* ---- the configuration message ------------------------------------------------------ */

static struct broker_cfgmsg m, m2;

/* A user with two groups. */
static void some_user(struct priv_user *u, uid_t uid)
{
	memset(u, 0, sizeof(*u));
	u->uid = uid;
	u->gid = 100;
	u->ngroups = 2;
	u->groups[0] = 100;
	u->groups[1] = 27;
}

static void test_conf_messages(void)
{
	struct broker_conf c = { 0 }, got;
	static struct priv_user u, back;
	some_user(&u, 65534);
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_OPEN, "/var/lib/node"), 0);
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_OPEN, "/proc/slabinfo"), 0);
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_STATFS, "/"), 0);
	CHECK_INT(broker_cfg_build(&m, &c, &u), 0);
	CHECK_INT(m.text_len, 14 + 15 + 2);
	CHECK_INT(broker_cfg_parse(&m, sizeof(m), &got, &back), 0);
	CHECK_INT(got.nopen, 2);
	CHECK_INT(got.nstatfs, 1);
	if (got.nopen == 2 && got.nstatfs == 1) {
		CHECK_STR(got.open_roots[0], "/var/lib/node");
		CHECK_STR(got.open_roots[1], "/proc/slabinfo");
		CHECK_STR(got.statfs_roots[0], "/");
	}
	CHECK_INT(back.uid, 65534);
	CHECK_INT(back.gid, 100);
	CHECK_INT(back.ngroups, 2);
	CHECK_INT(back.groups[1], 27);

	/* wrong sizes, magic, user */
	CHECK_INT(broker_cfg_parse(&m, sizeof(m) - 1, &got, &back), -EMSGSIZE);
	CHECK_INT(broker_cfg_parse(&m, sizeof(m) + 1, &got, &back), -EMSGSIZE);
	CHECK_INT(broker_cfg_parse(&m, 0, &got, &back), -EMSGSIZE);
	m2 = m;
	m2.magic = BROKER_MAGIC; /* a request's magic */
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EPROTO);
	m2 = m;
	m2.uid = 0;
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EPERM);
	/* counts and bytes past them */
	m2 = m;
	m2.ngroups = PRIV_MAX_GROUPS + 1;
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	m2.groups[5] = 4;
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	m2.nopen = BROKER_MAX_ROOTS + 1;
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	m2.text_len = sizeof(m2.text) + 1;
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	m2.text[m2.text_len + 3] = 'x'; /* junk after the text */
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	m2.nstatfs = 2; /* one more root than the text holds */
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	CHECK_INT(got.nopen + got.nstatfs, 0); /* nothing half-filled is left */
	m2 = m;
	m2.nstatfs = 0; /* text left over after the roots counted */
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	m2.text_len--; /* the last root without its NUL */
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	memcpy(m2.text, "var", 3); /* "varr/lib/node": relative */
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);
	m2 = m;
	memcpy(m2.text, "/./", 3); /* "/./r/lib/node": not canonical */
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), -EINVAL);

	/* building */
	static struct priv_user root;
	some_user(&root, 0);
	CHECK_INT(broker_cfg_build(&m2, &c, &root), -EPERM);
	struct broker_conf bad = c;
	bad.open_roots[0] = "/a/../b";
	CHECK_INT(broker_cfg_build(&m2, &bad, &u), -EINVAL);
	bad.open_roots[0] = NULL;
	CHECK_INT(broker_cfg_build(&m2, &bad, &u), -EINVAL);
	static char longs[3][BROKER_PATH_MAX];
	struct broker_conf big = { 0 };
	for (int i = 0; i < 3; i++) {
		memset(longs[i], 'a' + i, BROKER_PATH_MAX - 1);
		longs[i][0] = '/';
		longs[i][BROKER_PATH_MAX - 1] = '\0';
		big.open_roots[big.nopen++] = longs[i];
	}
	CHECK_INT(broker_cfg_build(&m2, &big, &u), -E2BIG); /* two fit, three do not */
	big.nopen = 2;
	CHECK_INT(broker_cfg_build(&m2, &big, &u), 0);
	CHECK_INT(broker_cfg_parse(&m2, sizeof(m2), &got, &back), 0);
}

/* ---- the broker before and after its configuration ---------------------------------- */

/* The fixture: a 0700 folder holding a 0600 file. 0 or -1. */
static int make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/plumb-brkstart-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0700) < 0)
		return -1;
	snprintf(value, sizeof(value), "%s/value", dir);
	return bfix_put(value, "7\n", 0600);
}

/* Wait for pid; its wait status, or -1. */
static int reap(pid_t pid)
{
	int st = -1;
	while (pid > 0 && waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* The broker's report on fd after a configuration: its err, or -1 without one. */
static int report(int fd)
{
	struct broker_rep a = { 0 };
	ssize_t n = recv(fd, &a, sizeof(a), 0);
	if (n != (ssize_t)sizeof(a) || a.magic != BROKER_MAGIC || a.seq != 0)
		return -1;
	return a.err;
}

static void test_pending_broker_waits(void)
{
	struct broker *b = NULL;
	char v[64];
	CHECK_INT(broker_fork(&b), 0);
	if (!b)
		return;
	pid_t pid = broker_pid(b);
	pid_t tids[4];
	/* give it a moment to set itself apart, then look: it only waits */
	for (int i = 0; i < 200 && bfix_threads_in(pid, SYS_recvmsg) != 1; i++)
		usleep(10000);
	CHECK_INT(bfix_threads_in(pid, SYS_recvmsg), 1);
	CHECK_INT(bfix_tasks(pid, tids, 4), 1);
	int fds = bfix_fd_count(pid); /* its channels, and stdio as far as this test has it */
	CHECK(fds >= BROKER_CHANNELS && fds <= 3 + BROKER_CHANNELS);
	if (bfix_status(pid, 0, "Name", v, sizeof(v)) == 0)
		CHECK_STR(v, "plumb-broker");
	if (bfix_status(pid, 0, "Seccomp", v, sizeof(v)) == 0)
		CHECK_STR(v, "0"); /* no sandbox before the configuration says what it is */
	if (bfix_status(pid, 0, "NoNewPrivs", v, sizeof(v)) == 0)
		CHECK_STR(v, "0");
	CHECK_INT(kill(pid, SIGTERM), 0); /* ignored, as once configured */
	usleep(20000);
	CHECK_INT(waitpid(pid, NULL, WNOHANG), 0);

	/* configured now, it reads what nobody may not */
	struct broker_conf c = { 0 };
	CHECK_INT(broker_conf_add(&c, BROKER_ROOT_OPEN, dir), 0);
	CHECK_INT(broker_configure(b, &c, &nobody), 0);
	int fd = -1;
	char buf[16];
	CHECK_INT(broker_open(b, value, &fd), 0);
	CHECK(fd >= 0 && bfix_pread(fd, buf, sizeof(buf)) == 2);
	if (fd >= 0) {
		CHECK_STR(buf, "7\n");
		close(fd);
	}
	if (bfix_status(pid, 0, "Seccomp", v, sizeof(v)) == 0)
		CHECK_STR(v, "2");
	if (bfix_status(pid, 0, "Uid", v, sizeof(v)) == 0)
		CHECK(strtol(v, NULL, 10) == (long)nobody.uid);
	broker_stop(b);
	int st = reap(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Fork a broker, send it len bytes of msg raw (with descriptor pass when >= 0); check
 * its report is want (a positive errno) and that it then exits. */
static void refused_conf(const void *msg, size_t len, int pass, int want, int line)
{
	struct broker *b = NULL;
	if (broker_fork(&b) < 0 || !b) {
		CHECK(!"broker_fork");
		return;
	}
	pid_t pid = broker_pid(b);
	int fd = broker_channel_fd(b, 0);
	CHECK(broker_sendmsg(fd, msg, len, pass) == (ssize_t)len);
	int err = report(fd);
	int st = reap(pid);
	if (err != want || !WIFEXITED(st) || WEXITSTATUS(st) != 1) {
		fprintf(stderr, "test_broker_start.c:%d: report %d (expected %d), status %#x\n",
			line, err, want, st);
		t_checks_failed++;
	}
	broker_stop(b);
}
#define REFUSED_CONF(msg, len, pass, want) refused_conf(msg, len, pass, want, __LINE__)

static void test_refused_configurations(void)
{
	struct broker_conf c = { 0 };
	broker_conf_add(&c, BROKER_ROOT_OPEN, dir);
	CHECK_INT(broker_cfg_build(&m, &c, &nobody), 0);
	m2 = m;
	m2.magic ^= 1;
	REFUSED_CONF(&m2, sizeof(m2), -1, EPROTO);
	m2 = m;
	m2.uid = 0; /* a main process that would have the broker stay root */
	REFUSED_CONF(&m2, sizeof(m2), -1, EPERM);
	REFUSED_CONF(&m, sizeof(m) - 1, -1, EMSGSIZE);
	REFUSED_CONF(&m, sizeof(m), STDIN_FILENO, EINVAL); /* a descriptor along */
	m2 = m;
	memcpy(m2.text, "tmp", 3);
	REFUSED_CONF(&m2, sizeof(m2), -1, EINVAL);

	/* broker_configure refuses a root user itself, and ends the child */
	struct broker *b = NULL;
	static struct priv_user root;
	root = nobody;
	root.uid = 0;
	CHECK_INT(broker_fork(&b), 0);
	if (b)
		CHECK_INT(broker_configure(b, &c, &root), -EPERM); /* b is freed */
	CHECK_INT(waitpid(-1, NULL, WNOHANG), -1); /* reaped: no child left */
	CHECK_INT(errno, ECHILD);
}

static void test_closed_before_configured(void)
{
	struct broker *b = NULL;
	CHECK_INT(broker_fork(&b), 0);
	if (!b)
		return;
	pid_t pid = broker_pid(b);
	broker_stop(b); /* start-up failed before runtime_enter: the channels close */
	int st = reap(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* In a child that plays plumb: fork a broker, tell its pid on fd, then exit without
 * configuring it. */
static int parent_child(void *arg)
{
	int *p = arg;
	struct broker *b = NULL;
	if (broker_fork(&b) < 0)
		return 1;
	pid_t pid = broker_pid(b);
	return write(p[1], &pid, sizeof(pid)) == sizeof(pid) ? 0 : 2;
}

static void test_parent_exits_before_configuring(void)
{
	int p[2];
	if (pipe(p) < 0) {
		CHECK(!"pipe");
		return;
	}
	/* orphans come to this process, which can then wait for the broker */
	CHECK_INT(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	fflush(NULL);
	pid_t child = fork();
	if (child == 0)
		_exit(parent_child(p));
	close(p[1]);
	pid_t broker = 0;
	CHECK(read(p[0], &broker, sizeof(broker)) == sizeof(broker));
	int st = reap(child);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (broker > 0)
		CHECK_INT(waitpid(broker, &st, 0), broker); /* hangs (alarm) if it lives on */
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	close(p[0]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	log_setup("error", "logfmt");
	signal(SIGPIPE, SIG_IGN);
	alarm(60); /* a broker that never ends hangs a test: SIGALRM then fails it */
	RUN(test_conf_messages);
	if (!bfix_can_run("test_broker_start", &nobody))
		return T_DONE("test_broker_start");
	if (make_dir() < 0) {
		fprintf(stderr, "could not make the fixture: %s\n", strerror(errno));
		return 1;
	}
	RUN(test_pending_broker_waits);
	RUN(test_refused_configurations);
	RUN(test_closed_before_configured);
	RUN(test_parent_exits_before_configuring);
	unlink(value);
	rmdir(dir);
	return T_DONE("test_broker_start");
}
