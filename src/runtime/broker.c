/*
 * broker: plumb's side of the privilege broker (broker.h): starting it, and calls from
 * any thread.
 *
 * A call takes a free channel under the lock (none free: -EAGAIN at once, never a
 * wait), sends one request, waits for the reply on that channel alone and gives the
 * channel back. Requests carry a sequence number that the reply echoes. An open that
 * does not get its answer in time leaves its channel "stale": the late reply is read
 * and dropped (its descriptor closed) before the channel serves anyone again. A statfs
 * waits as long as the broker takes, as statfs itself would; the caller bounds it
 * (lib/deadline), and such calls may hold at most BROKER_STATFS_MAX channels.
 *
 * The broker is gone when a channel reads end-of-file or a send finds no reader; from
 * then on every call fails at once with -EPIPE, and the first to find out logs it. The
 * struct, its lock and its channels are made once in broker_fork: a call allocates
 * nothing and the request lives on the caller's stack (about 4 KiB).
 *
 * Start-up is in two steps so that the broker is forked while plumb is small:
 * broker_fork early in main, broker_configure (the user and the roots, one message on
 * channel 0, then the broker's report of its sandbox) at the privilege drop.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "runtime/broker.h"

#define START_TIMEOUT_MS 10000

struct broker_chan {
	int fd;             /* plumb's end */
	bool busy;          /* a call is using it */
	uint32_t stale_seq; /* not 0: the reply to this timed-out request is still due */
};

struct broker {
	pthread_mutex_t lock; /* guards everything below but pid and timeout_ms */
	struct broker_chan ch[BROKER_CHANNELS];
	unsigned busy, statfs_busy;
	uint32_t next_seq;
	bool up;
	pid_t pid;
	int timeout_ms; /* for opens */
};

/* Milliseconds on the monotonic clock. */
static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Mark b gone; the first caller to do so logs it. */
static void set_down(struct broker *b)
{
	char pid[16];
	pthread_mutex_lock(&b->lock);
	bool was_up = b->up;
	b->up = false;
	pthread_mutex_unlock(&b->lock);
	if (!was_up)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)b->pid);
	plog(LOG_ERROR, "privilege broker is gone; what only root may read is reported as "
			"permission denied again",
	     "pid", pid, PLOG_END);
}

/* Receive one reply on fd into a, without waiting. A descriptor that came with it
 * goes to *qfd (the caller's; -1 if none); *ctrunc tells that one was cut off (this
 * process is out of descriptors). Returns the bytes read (sizeof(*a) + 1 for a reply
 * too long), 0 at end of file, -EPROTO for a reply that brought more than one
 * descriptor (all closed), or -errno (-EAGAIN: nothing there yet). */
static ssize_t recv_reply(int fd, struct broker_rep *a, int *qfd, bool *ctrunc)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))]; /* room for two, with alignment */
	} ctl;
	struct iovec iov = { .iov_base = a, .iov_len = sizeof(*a) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	size_t got = 0;
	*qfd = -1;
	*ctrunc = false;
	ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++, got++) {
			int one;
			memcpy(&one, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (got == 0)
				*qfd = one;
			else
				close(one);
		}
	}
	if (got > 1) {
		close(*qfd);
		*qfd = -1;
		return -EPROTO;
	}
	*ctrunc = (m.msg_flags & MSG_CTRUNC) != 0;
	if (m.msg_flags & MSG_TRUNC)
		return (ssize_t)sizeof(*a) + 1;
	return n;
}

/* Read and drop what is waiting on a stale channel; clean it when the late reply is
 * among it. Called with the lock held (nothing here blocks). */
static void drain(struct broker_chan *ch)
{
	struct broker_rep a;
	int qfd;
	bool ctrunc;
	while (ch->stale_seq) {
		ssize_t n = recv_reply(ch->fd, &a, &qfd, &ctrunc);
		if (n == -EPROTO)
			continue;
		if (n <= 0)
			break;
		if (qfd >= 0)
			close(qfd);
		if (n == (ssize_t)sizeof(a) && a.seq == ch->stale_seq)
			ch->stale_seq = 0;
	}
}

/* Take a free channel for op, and a sequence number. Returns 0, -EPIPE when the broker
 * is gone, or -EAGAIN when no channel may be had now. */
static int take(struct broker *b, enum broker_op op, struct broker_chan **out, uint32_t *seq)
{
	int r = -EAGAIN;
	pthread_mutex_lock(&b->lock);
	if (!b->up) {
		r = -EPIPE;
		goto out_unlock;
	}
	if (op == BROKER_OP_STATFS && b->statfs_busy >= BROKER_STATFS_MAX)
		goto out_unlock;
	for (unsigned i = 0; i < BROKER_CHANNELS; i++) {
		struct broker_chan *ch = &b->ch[i];
		if (ch->busy)
			continue;
		drain(ch);
		if (ch->stale_seq)
			continue;
		ch->busy = true;
		b->busy++;
		b->statfs_busy += op == BROKER_OP_STATFS;
		if (++b->next_seq == 0)
			b->next_seq = 1;
		*seq = b->next_seq;
		*out = ch;
		r = 0;
		break;
	}
out_unlock:
	pthread_mutex_unlock(&b->lock);
	return r;
}

/* Give ch back; stale_seq is the request whose reply is still due, or 0. */
static void give(struct broker *b, enum broker_op op, struct broker_chan *ch, uint32_t stale_seq)
{
	pthread_mutex_lock(&b->lock);
	ch->busy = false;
	ch->stale_seq = stale_seq;
	b->busy--;
	b->statfs_busy -= op == BROKER_OP_STATFS;
	pthread_mutex_unlock(&b->lock);
}

/* Wait up to timeout_ms (-1: for ever) for the reply to q on fd, skipping late replies
 * to earlier requests. Returns 0 with *a filled (and *qfd, the caller's, when a
 * descriptor came), -ETIMEDOUT, -EPIPE when the broker is gone, -EPROTO, or -errno. */
static int await(int fd, const struct broker_req *q, int timeout_ms, struct broker_rep *a,
		 int *qfd)
{
	int64_t end = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
	bool ctrunc;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
		int64_t left = timeout_ms < 0 ? -1 : end - now_ms();
		int n = poll(&p, 1, left < 0 && timeout_ms >= 0 ? 0 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		ssize_t got = recv_reply(fd, a, qfd, &ctrunc);
		if (got == -EAGAIN || got == -EINTR)
			continue;
		if (got == 0 || got == -ECONNRESET)
			return -EPIPE;
		if (got < 0)
			return (int)got;
		if (got != (ssize_t)sizeof(*a) || a->magic != BROKER_MAGIC) {
			if (*qfd >= 0)
				close(*qfd);
			*qfd = -1;
			return -EPROTO;
		}
		if (a->seq == q->seq)
			return ctrunc && a->err == 0 && *qfd < 0 ? -EMFILE : 0;
		if (*qfd >= 0) /* a late reply to a request given up on */
			close(*qfd);
	}
}

/* One request and its reply on a channel of b's. On success an open's descriptor goes
 * to *fd and a statfs's result to *st. Returns 0 or -errno (broker.h). */
static int call(struct broker *b, enum broker_op op, const char *path, int *fd,
		struct statfs *st)
{
	struct broker_req q;
	struct broker_rep a;
	struct broker_chan *ch;
	int qfd = -1;
	uint32_t stale = 0;
	int r = broker_req_build(&q, op, 0, path);
	if (r < 0 || (r = take(b, op, &ch, &q.seq)) < 0)
		return r;
	for (;;) {
		if (send(ch->fd, &q, sizeof(q), MSG_NOSIGNAL) >= 0)
			break;
		if (errno != EINTR) {
			r = errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
			goto out_give;
		}
	}
	r = await(ch->fd, &q, op == BROKER_OP_STATFS ? -1 : b->timeout_ms, &a, &qfd);
	if (r == -ETIMEDOUT)
		stale = q.seq;
	if (r < 0)
		goto out_give;
	bool wants_fd = op != BROKER_OP_STATFS;
	if (a.err < 0 || a.err >= 4096 || (a.err == 0 && wants_fd != (qfd >= 0)))
		r = -EPROTO;
	else
		r = -a.err;
	if (r == 0 && wants_fd) {
		*fd = qfd;
		qfd = -1;
	} else if (r == 0) {
		*st = a.st;
	}
	if (qfd >= 0)
		close(qfd);
out_give:
	give(b, op, ch, stale);
	if (r == -EPIPE)
		set_down(b);
	return r;
}

int broker_open(struct broker *b, const char *path, int *fd)
{
	*fd = -1;
	return call(b, BROKER_OP_OPEN, path, fd, NULL);
}

int broker_opendir(struct broker *b, const char *path, int *fd)
{
	*fd = -1;
	return call(b, BROKER_OP_OPENDIR, path, fd, NULL);
}

int broker_statfs(struct broker *b, const char *path, struct statfs *st)
{
	return call(b, BROKER_OP_STATFS, path, NULL, st);
}

bool broker_up(struct broker *b)
{
	struct pollfd p[BROKER_CHANNELS];
	if (!b)
		return false;
	pthread_mutex_lock(&b->lock);
	bool up = b->up;
	pthread_mutex_unlock(&b->lock);
	if (!up)
		return false;
	/* the broker's ends all close when it dies: its channels hang up */
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		p[i] = (struct pollfd){ .fd = b->ch[i].fd, .events = 0, .revents = 0 };
	if (poll(p, BROKER_CHANNELS, 0) <= 0)
		return true;
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		if (p[i].revents & (POLLHUP | POLLERR)) {
			set_down(b);
			return false;
		}
	return true;
}

pid_t broker_pid(const struct broker *b)
{
	return b ? b->pid : -1;
}

int broker_channel_fd(const struct broker *b, unsigned i)
{
	return b && i < BROKER_CHANNELS ? b->ch[i].fd : -1;
}

void broker_counts(struct broker *b, unsigned *busy, unsigned *statfs_busy, unsigned *stale)
{
	pthread_mutex_lock(&b->lock);
	*busy = b->busy;
	*statfs_busy = b->statfs_busy;
	*stale = 0;
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		*stale += !b->ch[i].busy && b->ch[i].stale_seq != 0;
	pthread_mutex_unlock(&b->lock);
}

void broker_stop(struct broker *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		if (b->ch[i].fd >= 0)
			close(b->ch[i].fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* Whether every root in c is absolute, canonical and fits. */
static bool conf_ok(const struct broker_conf *c)
{
	if (c->nopen > BROKER_MAX_ROOTS || c->nstatfs > BROKER_MAX_ROOTS)
		return false;
	for (size_t i = 0; i < c->nopen + c->nstatfs; i++) {
		const char *p = i < c->nopen ? c->open_roots[i] : c->statfs_roots[i - c->nopen];
		size_t n = p ? strnlen(p, BROKER_PATH_MAX) : 0;
		if (n >= BROKER_PATH_MAX || broker_path_check(p, n) < 0)
			return false;
	}
	return true;
}

/* Wait for the broker's start-up report on fd. Returns its result, -ETIMEDOUT, -EPIPE
 * (it died first) or -EPROTO. */
static int await_ready(int fd)
{
	static const struct broker_req q0 = { .seq = 0 };
	struct broker_rep a = { 0 };
	int qfd = -1;
	int r = await(fd, &q0, START_TIMEOUT_MS, &a, &qfd);
	if (qfd >= 0) {
		close(qfd);
		r = -EPROTO;
	}
	if (r == 0)
		r = a.err > 0 && a.err < 4096 ? -a.err : (a.err == 0 ? 0 : -EPROTO);
	return r;
}

void broker_discard(struct broker *b)
{
	if (!b)
		return;
	if (b->pid > 0) {
		kill(b->pid, SIGKILL);
		while (waitpid(b->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	broker_stop(b);
}

/* A new broker struct, with no channel yet; the caller owns *out (broker_stop).
 * Returns 0 or -errno. */
static int broker_new(struct broker **out)
{
	struct broker *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	int r = -pthread_mutex_init(&b->lock, NULL);
	if (r < 0) {
		free(b);
		return r;
	}
	b->timeout_ms = BROKER_OPEN_TIMEOUT_MS;
	b->up = true;
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		b->ch[i].fd = -1;
	*out = b;
	return 0;
}

int broker_fork(struct broker **out)
{
	int theirs[BROKER_CHANNELS];
	struct broker *b;
	int r;

	*out = NULL;
	if (geteuid() != 0)
		return -EPERM;
	if ((r = broker_new(&b)) < 0)
		return r;
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		theirs[i] = -1;
	for (unsigned i = 0; i < BROKER_CHANNELS && r == 0; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			r = -errno;
			break;
		}
		b->ch[i].fd = sv[0];
		theirs[i] = sv[1];
	}
	/* the free pages of plumb's heap are given back first, so the broker never holds
	 * a copy of one that plumb fills after the fork */
	if (r == 0)
		malloc_trim(0);
	if (r == 0 && (b->pid = fork()) == 0)
		broker_main(getppid(), theirs);
	if (r == 0 && b->pid < 0)
		r = -errno;
	for (unsigned i = 0; i < BROKER_CHANNELS; i++)
		if (theirs[i] >= 0)
			close(theirs[i]);
	if (r < 0) {
		broker_stop(b);
		return r;
	}
	*out = b;
	return 0;
}

/* Send the configuration for c and u on channel 0. Returns 0 or -errno (-EPIPE when the
 * broker is gone). */
static int send_conf(struct broker *b, const struct broker_conf *c, const struct priv_user *u)
{
	/* 12 KiB, once: on the heap rather than on the main thread's stack for good */
	struct broker_cfgmsg *m = malloc(sizeof(*m));
	int r;
	if (!m)
		return -ENOMEM;
	if ((r = broker_cfg_build(m, c, u)) < 0)
		goto out_free;
	while (send(b->ch[0].fd, m, sizeof(*m), MSG_NOSIGNAL) < 0) {
		if (errno != EINTR) {
			r = errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
			break;
		}
	}
out_free:
	free(m);
	return r;
}

int broker_configure(struct broker *b, const struct broker_conf *c,
		     const struct priv_user *u)
{
	int r = -EPERM;
	if (u->uid == 0)
		goto out_fail;
	r = -EINVAL;
	if (!conf_ok(c))
		goto out_fail;
	b->timeout_ms = c->open_timeout_ms > 0 ? c->open_timeout_ms : BROKER_OPEN_TIMEOUT_MS;
	if ((r = send_conf(b, c, u)) < 0 || (r = await_ready(b->ch[0].fd)) < 0)
		goto out_fail;
	char pid[16], uid[16];
	snprintf(pid, sizeof(pid), "%d", (int)b->pid);
	snprintf(uid, sizeof(uid), "%u", (unsigned)u->uid);
	plog(LOG_INFO, "privilege broker started", "pid", pid, "uid", uid, PLOG_END);
	return 0;
out_fail:
	plog(LOG_WARN, "privilege broker did not start; files only root may read stay "
		       "unreadable",
	     "err", strerror(-r), PLOG_END);
	broker_discard(b);
	return r;
}

int broker_start(const struct broker_conf *c, const struct priv_user *u,
		 struct broker **out)
{
	struct broker *b;
	int r;
	*out = NULL;
	if (geteuid() != 0 || u->uid == 0)
		return -EPERM; /* before forking anything */
	if (!conf_ok(c))
		return -EINVAL;
	if ((r = broker_fork(&b)) < 0 || (r = broker_configure(b, c, u)) < 0)
		return r;
	*out = b;
	return 0;
}
