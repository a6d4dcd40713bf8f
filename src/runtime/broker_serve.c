/*
 * broker_serve: the broker process's main and its serving threads (broker.h).
 *
 * The forked child enters its sandbox (broker_jail.c), starts one thread per channel
 * but the first (the main thread serves that one), waits until each has started (so
 * their start-up syscalls need no place in the filter), installs the seccomp filter
 * on all of them at once, reports the outcome on channel 0 and then serves. A thread answers
 * its channel's requests one at a time: receive one message into a fixed buffer, answer
 * it (broker_answer), send one fixed-size reply, with the descriptor when an open
 * worked, and close the broker's copy. A request that carries descriptors is refused
 * (the kernel drops them, as no room is given for them); a request too long is cut by
 * the kernel and refused by its length. A call that hangs (statfs on a dead NFS server)
 * holds that thread only. When plumb closes a channel (it exited, or broker_stop), the
 * broker exits.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/broker.h"

#define SERVE_STACK (256u << 10) /* a request, a reply and a walk: about 13 KiB */

struct serve_arg {
	const struct broker_conf *c;
	int fd;
	/* both waited on by every thread: started (each thread is past its start-up
	 * syscalls, so the filter need not allow them), go (the filter is in force) */
	pthread_barrier_t *started, *go;
};

/* Whether the other end of channel fd has closed. A zero-length message reads as 0
 * bytes just as the end of the channel does; only the latter hangs up. */
static bool peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP, .revents = 0 };
	return poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

/* Send a on fd, with descriptor qfd when >= 0. If the descriptor cannot be passed
 * (the receiver's limits), the reply goes without it, carrying that error. Returns 0,
 * or -EPIPE when plumb is gone. */
static int reply(int fd, struct broker_rep *a, int qfd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	for (;;) {
		struct iovec iov = { .iov_base = a, .iov_len = sizeof(*a) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (qfd >= 0) {
			memset(&ctl, 0, sizeof(ctl));
			m.msg_control = ctl.buf;
			m.msg_controllen = sizeof(ctl.buf);
			struct cmsghdr *h = CMSG_FIRSTHDR(&m);
			h->cmsg_level = SOL_SOCKET;
			h->cmsg_type = SCM_RIGHTS;
			h->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(h), &qfd, sizeof(int));
		}
		if (sendmsg(fd, &m, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
			return -EPIPE;
		if (qfd < 0)
			return 0; /* nothing else to try; plumb's wait times out or ends */
		a->err = errno;
		qfd = -1;
	}
}

/* Serve channel fd until plumb closes it; then end the broker. */
static _Noreturn void serve(const struct broker_conf *c, int fd)
{
	struct broker_req q;
	struct broker_rep a;
	for (;;) {
		struct iovec iov = { .iov_base = &q, .iov_len = sizeof(q) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		int qfd = -1, r;
		memset(&q, 0, sizeof(q));
		ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == 0 && peer_gone(fd)))
			_exit(0);
		memset(&a, 0, sizeof(a));
		if (m.msg_flags & MSG_CTRUNC)
			r = -EINVAL; /* it came with descriptors, which the kernel dropped */
		else
			r = broker_answer(c, &q,
					  (m.msg_flags & MSG_TRUNC) ? sizeof(q) + 1 : (size_t)n,
					  &qfd, &a.st);
		a.magic = BROKER_MAGIC;
		a.seq = q.seq;
		a.err = -r;
		r = reply(fd, &a, qfd);
		if (qfd >= 0)
			close(qfd);
		if (r < 0)
			_exit(0);
	}
}

static void *serve_thread(void *p)
{
	struct serve_arg *arg = p;
	pthread_barrier_wait(arg->started);
	pthread_barrier_wait(arg->go);
	serve(arg->c, arg->fd);
}

/* Start a thread for each channel fds[1..), held at go; wait until all have started.
 * Returns 0 or -errno. */
static int start_threads(const struct broker_conf *c, const int *fds,
			 pthread_barrier_t *started, pthread_barrier_t *go, struct serve_arg *args)
{
	pthread_attr_t attr;
	int r = pthread_attr_init(&attr);
	if (r)
		return -r;
	r = pthread_attr_setstacksize(&attr, SERVE_STACK);
	for (unsigned i = 1; i < BROKER_CHANNELS && r == 0; i++) {
		pthread_t t;
		args[i] = (struct serve_arg){ c, fds[i], started, go };
		r = pthread_create(&t, &attr, serve_thread, &args[i]);
	}
	pthread_attr_destroy(&attr);
	if (r == 0)
		pthread_barrier_wait(started);
	return -r;
}

_Noreturn void broker_main(const struct broker_conf *c, const struct priv_user *u,
			   pid_t parent, const int *fds_in)
{
	struct serve_arg args[BROKER_CHANNELS];
	struct broker_rep ready;
	pthread_barrier_t started, go;
	int fds[BROKER_CHANNELS];

	memcpy(fds, fds_in, sizeof(fds));
	prctl(PR_SET_NAME, "plumb-broker", 0, 0, 0);
	int r = broker_jail_enter(c, u, parent, fds, BROKER_CHANNELS);
	if (r == 0)
		r = -pthread_barrier_init(&started, NULL, BROKER_CHANNELS);
	if (r == 0)
		r = -pthread_barrier_init(&go, NULL, BROKER_CHANNELS);
	if (r == 0)
		r = start_threads(c, fds, &started, &go, args);
	if (r == 0)
		r = broker_seccomp_apply();
	memset(&ready, 0, sizeof(ready));
	ready.magic = BROKER_MAGIC;
	ready.err = -r;
	if (reply(fds[0], &ready, -1) < 0 || r < 0)
		_exit(1);
	pthread_barrier_wait(&go);
	serve(c, fds[0]);
}
