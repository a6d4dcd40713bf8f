/*
 * acceptor: the accept loop of a listening socket, with a pause when descriptors run
 * out. See acceptor.h.
 */
#include "http/acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/log.h"

/* Connections taken per wake-up at most, so that a stop is seen during a flood. */
#define ACCEPTOR_BATCH 64

/* Whether err from accept4 means the process or the system is out of descriptors or
 * memory for one more socket. */
static bool out_of_descriptors(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* Accept up to ACCEPTOR_BATCH pending connections and hand them to take. Returns 0
 * when the backlog is empty (or the batch is done), or -errno of an accept4 failure
 * that is worth a pause. */
static int accept_some(struct acceptor *a)
{
	for (int i = 0; i < ACCEPTOR_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		atomic_fetch_add(&a->accept_calls, 1);
		int fd = accept4(a->listen_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			(void)a->take(a->ctx, fd, (struct sockaddr *)&ss, len);
			continue;
		}
		int err = errno;
		if (err == EAGAIN || err == EWOULDBLOCK)
			return 0;
		if (err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM)
			continue; /* that one connection failed; try the next */
		return -err;
	}
	return 0;
}

/* The thread: wait for connections (or the stop), take them, and on a failure of
 * accept4 wait pause_ms before polling the listening socket again. */
static void *accept_thread(void *arg)
{
	struct acceptor *a = arg;
	int pause_ms = 0; /* the current pause; 0 while accepting works */
	bool paused = false;
	for (;;) {
		struct pollfd p[2] = { { a->wake_fd, POLLIN, 0 }, { a->listen_fd, POLLIN, 0 } };
		int n = poll(p, paused ? 1 : 2, paused ? pause_ms : -1);
		if (n < 0 && errno != EINTR) {
			plog(LOG_ERROR, "cannot wait for connections; not accepting any more",
			     "address", a->name, "err", strerror(errno), PLOG_END);
			break;
		}
		if (n > 0 && (p[0].revents & POLLIN))
			break; /* stopped */
		if (n <= 0 && !paused)
			continue; /* EINTR */
		paused = false;
		int r = accept_some(a);
		if (r == 0) {
			if (pause_ms)
				plog(LOG_INFO, "accepting connections again", "address", a->name,
				     PLOG_END);
			pause_ms = 0;
			continue;
		}
		if (!pause_ms)
			plog(LOG_WARN, out_of_descriptors(-r)
					       ? "out of file descriptors; pausing new connections"
					       : "accepting a connection failed; pausing new connections",
			     "address", a->name, "err", strerror(-r), PLOG_END);
		atomic_fetch_add(&a->pauses, 1);
		pause_ms = pause_ms ? pause_ms * 2 : ACCEPTOR_PAUSE_MIN_MS;
		if (pause_ms > ACCEPTOR_PAUSE_MAX_MS)
			pause_ms = ACCEPTOR_PAUSE_MAX_MS;
		paused = true;
	}
	return NULL;
}

int acceptor_start(struct acceptor *a, int listen_fd, acceptor_take_fn take, void *ctx,
		   const char *name)
{
	int r = 0;
	memset(a, 0, sizeof(*a));
	a->listen_fd = listen_fd;
	a->take = take;
	a->ctx = ctx;
	a->name = name;
	int fl = fcntl(listen_fd, F_GETFL);
	if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	a->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->wake_fd < 0)
		return -errno;
	if ((r = pthread_create(&a->thread, NULL, accept_thread, a)) != 0) {
		close(a->wake_fd);
		a->wake_fd = -1;
		return -r;
	}
	a->started = true;
	return 0;
}

void acceptor_stop(struct acceptor *a)
{
	if (!a->started)
		return;
	uint64_t one = 1;
	while (write(a->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(a->thread, NULL);
	close(a->wake_fd);
	a->wake_fd = -1;
	a->started = false;
}
