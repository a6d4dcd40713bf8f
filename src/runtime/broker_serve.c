/*
 * broker_serve: the broker process's main and its serving threads (broker.h).
 *
 * The forked child sets itself apart (broker_jail_early) and waits on channel 0 for its
 * configuration: one message, checked by broker_cfg_parse, which it keeps on its main
 * thread's stack for good (the roots point into it). It has touched nothing else by
 * then. A configuration that is refused is reported on channel 0 and the broker exits;
 * so it does when plumb closes the channel (or exits) without sending one. Configured,
 * it enters its sandbox (broker_jail_enter), starts one thread per channel
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
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/memtrim.h"
#include "runtime/broker.h"

#define SERVE_STACK (256u << 10) /* a request, a reply and a walk: about 13 KiB */

struct serve_arg {
	const struct broker_conf *c;
	int fd;
	/* both waited on by every thread: started (each thread is past its start-up
	 * syscalls, so the filter need not allow them), go (the filter is in force) */
	pthread_barrier_t *started, *go;
	/* the channel's request buffer, on the main thread's stack rather than this
	 * thread's: not touched until a request comes, and the thread's stack stays two
	 * pages */
	struct broker_req *q;
};

/* Whether the other end of channel fd has closed. A zero-length message reads as 0
 * bytes just as the end of the channel does; only the latter hangs up. */
static bool peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP, .revents = 0 };
	return poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

ssize_t broker_sendmsg(int fd, const void *msg, size_t len, int pass)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (pass >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &pass, sizeof(int));
	}
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

/* Send a on fd, with descriptor qfd when >= 0. If the descriptor cannot be passed
 * (the receiver's limits), the reply goes without it, carrying that error. Returns 0,
 * or -EPIPE when plumb is gone. */
static int reply(int fd, struct broker_rep *a, int qfd)
{
	for (;;) {
		if (broker_sendmsg(fd, a, sizeof(*a), qfd) >= 0)
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

/* Serve channel fd until plumb closes it, receiving requests into *qp; then end the
 * broker. */
static _Noreturn void serve(const struct broker_conf *c, int fd, struct broker_req *qp)
{
	struct broker_req *const q = qp;
	struct broker_rep a;
	for (;;) {
		struct iovec iov = { .iov_base = q, .iov_len = sizeof(*q) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		int qfd = -1, r;
		ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == 0 && peer_gone(fd)))
			_exit(0);
		/* only what a short message left unwritten of the header (its seq is echoed):
		 * a request is checked for its exact size before its path is read, and q is
		 * not touched before one comes, so a thread that never gets one leaves its
		 * pages unmade */
		if ((size_t)n < offsetof(struct broker_req, path))
			memset((char *)q + n, 0, offsetof(struct broker_req, path) - (size_t)n);
		memset(&a, 0, sizeof(a));
		if (m.msg_flags & MSG_CTRUNC)
			r = -EINVAL; /* it came with descriptors, which the kernel dropped */
		else
			r = broker_answer(c, q,
					  (m.msg_flags & MSG_TRUNC) ? sizeof(*q) + 1 : (size_t)n,
					  &qfd, &a.st);
		a.magic = BROKER_MAGIC;
		a.seq = q->seq;
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
	serve(arg->c, arg->fd, arg->q);
}

/* Start a thread for each channel fds[1..), held at go; wait until all have started.
 * Returns 0 or -errno. */
static int start_threads(const struct broker_conf *c, const int *fds,
			 pthread_barrier_t *started, pthread_barrier_t *go, struct serve_arg *args,
			 struct broker_req *qs)
{
	pthread_attr_t attr;
	int r = pthread_attr_init(&attr);
	if (r)
		return -r;
	r = pthread_attr_setstacksize(&attr, SERVE_STACK);
	for (unsigned i = 1; i < BROKER_CHANNELS && r == 0; i++) {
		pthread_t t;
		args[i] = (struct serve_arg){ c, fds[i], started, go, &qs[i] };
		r = pthread_create(&t, &attr, serve_thread, &args[i]);
	}
	pthread_attr_destroy(&attr);
	if (r == 0)
		pthread_barrier_wait(started);
	return -r;
}

/* Receive the configuration on fd into m and check it into c and u. Returns 0, -EPIPE
 * when plumb closed the channel (or exited) first, or the refusal (-errno). */
static int await_conf(int fd, struct broker_cfgmsg *m, struct broker_conf *c,
		      struct priv_user *u)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	while ((n = recvmsg(fd, &h, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0 || (n == 0 && peer_gone(fd)))
		return -EPIPE;
	if (h.msg_flags & MSG_CTRUNC)
		return -EINVAL; /* it came with descriptors, which the kernel dropped */
	return broker_cfg_parse(m, (h.msg_flags & MSG_TRUNC) ? sizeof(*m) + 1 : (size_t)n, c, u);
}

/* Give back the pages of the main thread's stack below this function's frame: plumb's
 * start-up wrote them before the fork, so they are dead here, yet each one plumb writes
 * again would become a private copy of the broker's. Nothing below the stack pointer
 * is live (the broker has one thread here). The range is 256 KiB (more than plumb's
 * start-up uses), inside the stack or the guard gap the kernel keeps below it (1 MiB by
 * default; mmap's area begins 128 MiB or more below the stack's top), so it holds no
 * other mapping. Pages the broker needs later (broker_run's frame) come back as zeros,
 * and those it never touches (request buffers of channels that get no request) stay
 * unmade. Not inlined, so that its frame lies below its callers'. */
static __attribute__((noinline)) void drop_dead_stack(void)
{
	volatile char here = 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t top = ((uintptr_t)&here & ~(page - 1)) - page; /* a page for this frame */
	uintptr_t low = top - (256u << 10);
	(void)here;
	/* ENOMEM for the unmapped part of the range; the mapped part is dropped */
	madvise((void *)low, top - low, MADV_DONTNEED);
}

/* broker_main after the stack is dropped: a frame of its own, below the dropped line.
 * qs, a request buffer per channel, is mostly never touched. */
static __attribute__((noinline)) _Noreturn void broker_run(pid_t parent, const int *fds_in)
{
	struct broker_req qs[BROKER_CHANNELS];
	struct serve_arg args[BROKER_CHANNELS];
	struct broker_cfgmsg msg; /* the roots in c point into it: it lives as long */
	struct broker_conf c;
	struct priv_user u;
	struct broker_rep ready;
	pthread_barrier_t started, go;
	int fds[BROKER_CHANNELS];

	memcpy(fds, fds_in, sizeof(fds));
	prctl(PR_SET_NAME, "plumb-broker", 0, 0, 0);
	if (broker_jail_early(parent, fds, BROKER_CHANNELS) < 0)
		_exit(1); /* plumb's broker_configure then finds the channel closed */
	int r = await_conf(fds[0], &msg, &c, &u);
	if (r == -EPIPE)
		_exit(0);
	if (r == 0)
		r = broker_jail_enter(&c, &u, parent);
	if (r == 0)
		r = -pthread_barrier_init(&started, NULL, BROKER_CHANNELS);
	if (r == 0)
		r = -pthread_barrier_init(&go, NULL, BROKER_CHANNELS);
	if (r == 0)
		r = start_threads(&c, fds, &started, &go, args, qs);
	if (r == 0)
		r = broker_seccomp_apply();
	memset(&ready, 0, sizeof(ready));
	ready.magic = BROKER_MAGIC;
	ready.err = -r;
	if (reply(fds[0], &ready, -1) < 0 || r < 0)
		_exit(1);
	pthread_barrier_wait(&go);
	serve(&c, fds[0], &qs[0]);
}

_Noreturn void broker_main(pid_t parent, const int *fds_in)
{
	/* keep few of plumb's pages: what the broker does not use, it should not hold */
	drop_dead_stack();
	/* and the library pages plumb's start-up touched: the broker runs little code */
	memtrim_file_pages("/proc/self/smaps", NULL);
	broker_run(parent, fds_in);
}
