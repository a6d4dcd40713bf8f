/*
 * test_broker_hang: the privilege broker against a statfs that hangs: tests/fuse/hangfs
 * mounted (allow_other, so nobody reaches it) in the fixture's root-only folder, whose
 * statfs blocks until it gets SIGUSR1. That a broker thread is stuck is read from
 * /proc/PID/task/TID/syscall (blocked in fstatfs), never guessed from time.
 *
 * - while a statfs hangs in the broker, opens and other statfs calls are answered;
 * - with BROKER_STATFS_MAX statfs calls hung, one more fails at once with -EAGAIN
 *   while opens are still answered on the channels left; once hangfs lets go, every
 *   hung call gets its answer;
 * - an open queued behind a hung request on its channel times out (-ETIMEDOUT), later
 *   calls use the other channels, and when the late replies come they are drained,
 *   the descriptor one carries closed, and the channel is clean again;
 * - a broker killed while a call hangs in it: that call returns -EPIPE once the broker
 *   is really gone (with FUSE, when the daemon answers), and broker_up is false.
 * Needs root, /dev/fuse and build/tests/hangfs (next to this binary); skips otherwise.
 *
 * suite: alone (mounts a hanging FUSE file system on the host; tests/run-suite.sh)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "brokerfix.h"
#include "lib/log.h"
#include "runtime/broker.h"
#include "t.h"

static struct priv_user nobody;
static struct bfix fix;
static char hangfs_bin[PATH_MAX];
static char hang[160]; /* secret/hang, the FUSE mount point */
static volatile pid_t hangfs_pid; /* the one mounted now, for on_alarm */

/* Sleep a little between looks at another process's state. */
static void nap(void)
{
	struct timespec ts = { 0, 5L * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

/* Whether path is a mount point in this process's mount table. */
static bool mounted(const char *path)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* the fifth field is the mount point */
		char *p = line;
		for (int i = 0; i < 4 && p; i++)
			p = strchr(p + 1, ' ');
		found = p && strncmp(p + 1, path, strlen(path)) == 0 && p[1 + strlen(path)] == ' ';
	}
	fclose(f);
	return found;
}

/* Mount a fresh hangfs on hang. Returns its pid, or -1. */
static pid_t hangfs_start(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(hangfs_bin, hangfs_bin, "-f", hang, "-o", "allow_other", (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && !mounted(hang)) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1; /* it gave up */
		nap();
	}
	hangfs_pid = pid;
	return pid;
}

/* Release, unmount and end hangfs pid. */
static void hangfs_stop(pid_t pid)
{
	kill(pid, SIGUSR1);
	umount2(hang, MNT_DETACH);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	hangfs_pid = 0;
}

/* The test hangs: fail, leaving no mount or hangfs behind (async-signal-safe calls). */
static void on_alarm(int sig)
{
	static const char msg[] = "test_broker_hang: hung; cleaning up and failing\n";
	(void)sig;
	if (hangfs_pid > 0)
		kill(hangfs_pid, SIGUSR1);
	// NOLINTNEXTLINE(bugprone-signal-handler,cert-sig30-c) a bare system call, safe here
	umount2(hang, MNT_DETACH);
	// NOLINTNEXTLINE(bugprone-signal-handler,cert-sig30-c) a bare system call, safe here
	umount2(fix.mnt, MNT_DETACH);
	if (hangfs_pid > 0)
		kill(hangfs_pid, SIGTERM);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* Wait until n of the broker's threads are blocked in fstatfs. */
static void wait_stuck(struct broker *b, int n)
{
	while (bfix_threads_in(broker_pid(b), SYS_fstatfs) < n)
		nap();
}

struct hung {
	struct broker *b;
	int r;
	struct statfs st;
};

static void *hung_statfs(void *p)
{
	struct hung *h = p;
	h->r = broker_statfs(h->b, hang, &h->st);
	return NULL;
}

/* Start a broker over the fixture; open_timeout_ms for its opens. NULL on failure. */
static struct broker *start(int open_timeout_ms)
{
	struct broker_conf c;
	struct broker *b = NULL;
	bfix_conf(&fix, &c);
	c.open_timeout_ms = open_timeout_ms;
	CHECK_INT(broker_start(&c, &nobody, &b), 0);
	return b;
}

/* Stop b and reap it. */
static void stop(struct broker *b)
{
	pid_t pid = broker_pid(b);
	broker_stop(b);
	waitpid(pid, NULL, 0);
}

/* Open value through b and check it reads "42\n". */
static void check_value(struct broker *b)
{
	char buf[16];
	int fd = -1;
	CHECK_INT(broker_open(b, fix.value, &fd), 0);
	CHECK(fd >= 0 && bfix_pread(fd, buf, sizeof(buf)) == 3 && strcmp(buf, "42\n") == 0);
	if (fd >= 0)
		close(fd);
}

static void test_hung_statfs_blocks_nothing_else(void)
{
	struct hung h[BROKER_STATFS_MAX];
	pthread_t t[BROKER_STATFS_MAX];
	struct statfs st;
	unsigned busy, statfs_busy, stale;
	pid_t fs = hangfs_start();
	CHECK(fs > 0);
	struct broker *b = fs > 0 ? start(0) : NULL;
	if (!b)
		goto out_fs;
	h[0] = (struct hung){ .b = b, .r = 1 };
	CHECK_INT(pthread_create(&t[0], NULL, hung_statfs, &h[0]), 0);
	wait_stuck(b, 1);
	check_value(b);
	CHECK_INT(broker_statfs(b, fix.mnt, &st), 0);
	CHECK_INT(st.f_type, TMPFS_MAGIC);

	for (int i = 1; i < BROKER_STATFS_MAX; i++) {
		h[i] = (struct hung){ .b = b, .r = 1 };
		CHECK_INT(pthread_create(&t[i], NULL, hung_statfs, &h[i]), 0);
	}
	wait_stuck(b, BROKER_STATFS_MAX);
	broker_counts(b, &busy, &statfs_busy, &stale);
	CHECK_INT(statfs_busy, BROKER_STATFS_MAX);
	CHECK_INT(broker_statfs(b, fix.mnt, &st), -EAGAIN); /* at once, not hung */
	check_value(b); /* opens keep their channels */
	check_value(b);

	kill(fs, SIGUSR1); /* every hung statfs returns now */
	for (int i = 0; i < BROKER_STATFS_MAX; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(h[i].r, 0);
		CHECK_INT(h[i].st.f_blocks, 100); /* hangfs's answer */
	}
	CHECK_INT(broker_statfs(b, fix.mnt, &st), 0);
	broker_counts(b, &busy, &statfs_busy, &stale);
	CHECK_INT(busy, 0);
	stop(b);
out_fs:
	if (fs > 0)
		hangfs_stop(fs);
}

static void test_open_timeout_and_late_reply(void)
{
	static struct broker_req q;
	unsigned busy, statfs_busy, stale;
	int fd = -1;
	pid_t fs = hangfs_start();
	CHECK(fs > 0);
	struct broker *b = fs > 0 ? start(200) : NULL;
	if (!b)
		goto out_fs;
	int before = bfix_fd_count(0);
	/* a statfs sent raw on channel 0, which the next call takes: its open must wait
	 * behind the statfs, which hangs */
	CHECK_INT(broker_req_build(&q, BROKER_OP_STATFS, 0xbeef, hang), 0);
	CHECK(send(broker_channel_fd(b, 0), &q, sizeof(q), MSG_NOSIGNAL) == (ssize_t)sizeof(q));
	wait_stuck(b, 1);
	CHECK_INT(broker_open(b, fix.value, &fd), -ETIMEDOUT);
	CHECK_INT(fd, -1);
	broker_counts(b, &busy, &statfs_busy, &stale);
	CHECK_INT(stale, 1);
	check_value(b); /* on another channel */

	kill(fs, SIGUSR1); /* the statfs, then the open, are answered late */
	do {
		check_value(b); /* each call first drains what came on the stale channel */
		broker_counts(b, &busy, &statfs_busy, &stale);
		if (stale)
			nap();
	} while (stale);
	CHECK_INT(bfix_fd_count(0), before); /* the late reply's descriptor was closed */
	stop(b);
out_fs:
	if (fs > 0)
		hangfs_stop(fs);
}

static void test_killed_while_hung(void)
{
	pthread_t t;
	pid_t fs = hangfs_start();
	CHECK(fs > 0);
	struct broker *b = fs > 0 ? start(0) : NULL;
	if (!b)
		goto out_fs;
	struct hung h = { .b = b, .r = 1 };
	CHECK_INT(pthread_create(&t, NULL, hung_statfs, &h), 0);
	wait_stuck(b, 1);
	/* a FUSE request already read by its daemon cannot be interrupted, so the killed
	 * broker ends (and its channels close) only once hangfs answers; it never sends
	 * that answer on */
	kill(broker_pid(b), SIGKILL);
	kill(fs, SIGUSR1);
	pthread_join(t, NULL);
	CHECK_INT(h.r, -EPIPE);
	CHECK(!broker_up(b));
	stop(b);
out_fs:
	if (fs > 0)
		hangfs_stop(fs);
}

/* Whether the tests can run here; prints why not. */
static bool can_run(void)
{
	char self[PATH_MAX];
	if (geteuid() != 0) {
		printf("SKIP test_broker_hang: needs root\n");
		return false;
	}
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP test_broker_hang: /dev/fuse: %s\n", strerror(errno));
		return false;
	}
	close(fd);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(hangfs_bin, sizeof(hangfs_bin), "%s/hangfs", dirname(self));
	if (access(hangfs_bin, X_OK) < 0) {
		printf("SKIP test_broker_hang: %s not built (make tests)\n", hangfs_bin);
		return false;
	}
	if (priv_lookup("nobody", &nobody) < 0 || nobody.uid == 0) {
		printf("SKIP test_broker_hang: no user nobody\n");
		return false;
	}
	return true;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	log_setup("error", "logfmt");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(120); /* a call that never returns fails the test instead of hanging it */
	if (!can_run())
		return T_DONE("test_broker_hang");
	if (bfix_make(&fix) < 0) {
		fprintf(stderr, "could not make the fixture: %s\n", strerror(errno));
		bfix_rm(&fix);
		return 1;
	}
	snprintf(hang, sizeof(hang), "%s/hang", fix.secret);
	if (mkdir(hang, 0700) < 0) {
		fprintf(stderr, "could not make %s: %s\n", hang, strerror(errno));
		bfix_rm(&fix);
		return 1;
	}
	RUN(test_hung_statfs_blocks_nothing_else);
	RUN(test_open_timeout_and_late_reply);
	RUN(test_killed_while_hung);
	rmdir(hang);
	bfix_rm(&fix);
	return T_DONE("test_broker_hang");
}
