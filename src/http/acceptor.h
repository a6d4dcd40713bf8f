/*
 * acceptor: accepts the connections of one listening socket on a thread of its own and
 * hands them to a callback (server.c gives them to libmicrohttpd), pausing when the
 * process is out of descriptors.
 *
 * libmicrohttpd 0.9.75, in thread-per-connection mode, polls its listening socket even
 * when accept() has just failed: at the open-file limit the pending connection stays in
 * the backlog, poll() reports it again at once, accept() fails again with EMFILE, and
 * its thread spins. An acceptor that meets EMFILE, ENFILE, ENOBUFS or ENOMEM stops
 * polling the socket and waits, 5 ms at first, doubling up to 1 s while the shortage
 * lasts (as Go's net/http does); pending connections wait in the backlog meanwhile and
 * are taken as soon as a descriptor is free again at the next try.
 */
#ifndef PLUMB_ACCEPTOR_H
#define PLUMB_ACCEPTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

#define ACCEPTOR_PAUSE_MIN_MS 5
#define ACCEPTOR_PAUSE_MAX_MS 1000

/* Takes connection fd (non-blocking, close-on-exec), accepted from peer sa[0..len):
 * owns it from the call on, and closes it when it cannot use it. Runs on the
 * acceptor's thread. Returns 0 or -errno; the acceptor goes on either way. */
typedef int (*acceptor_take_fn)(void *ctx, int fd, const struct sockaddr *sa, socklen_t len);

struct acceptor {
	int listen_fd;  /* borrowed; made non-blocking by acceptor_start */
	int wake_fd;    /* eventfd, owned: written to stop the thread */
	acceptor_take_fn take;
	void *ctx;
	const char *name; /* for the log: the listen address, borrowed */
	pthread_t thread;
	bool started;
	atomic_ullong accept_calls; /* accept4() calls, for tests that count work */
	atomic_ullong pauses;       /* accept4() failures for lack of descriptors */
};

/* Start accepting on listen_fd (bound and listening) for take(ctx, ...); name is the
 * address for the log. On failure nothing is left running or open, and
 * acceptor_stop may still be called. Returns 0 or -errno. */
int acceptor_start(struct acceptor *a, int listen_fd, acceptor_take_fn take, void *ctx,
		   const char *name);

/* Stop and join the thread and close wake_fd; listen_fd stays open. Accepts a zeroed,
 * failed or stopped acceptor (started is false). */
void acceptor_stop(struct acceptor *a);

#endif
