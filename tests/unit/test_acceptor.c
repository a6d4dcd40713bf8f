/*
 * test_acceptor: the accept loop of src/http/acceptor.c on a loopback socket: it hands
 * every connection over; when the process is out of descriptors it pauses (a handful of
 * accept4 calls over a second, not the thousands of a spinning thread), then takes the
 * waiting connection once a descriptor is free; it stops promptly while paused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/acceptor.h"
#include "t.h"

#define MAX_TAKEN 16
#define WAIT_MS 60000 /* only to turn a hang into a failure */

struct taken {
	atomic_int n;
	int fds[MAX_TAKEN];
};

/* acceptor_take_fn keeping each connection open in ctx (a struct taken). */
static int keep(void *ctx, int fd, const struct sockaddr *sa, socklen_t len)
{
	struct taken *t = ctx;
	(void)sa, (void)len;
	int i = atomic_load(&t->n);
	if (i >= MAX_TAKEN) {
		close(fd);
		return -ENOSPC;
	}
	t->fds[i] = fd;
	atomic_store(&t->n, i + 1);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Wait until t holds want connections, WAIT_MS at most. */
static bool wait_taken(struct taken *t, int want)
{
	for (int i = 0; i < WAIT_MS / 10 && atomic_load(&t->n) < want; i++)
		sleep_ms(10);
	return atomic_load(&t->n) >= want;
}

/* A listening socket on 127.0.0.1, its port in *port; -1 on failure. */
static int listener(in_port_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = sa.sin_port;
	return fd;
}

/* A client connected to 127.0.0.1:port (the connection completes in the backlog); -1
 * on failure. */
static int client(in_port_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = port,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_hands_over(void)
{
	in_port_t port;
	struct taken t = { 0 };
	struct acceptor a;
	int lfd = listener(&port);
	CHECK(lfd >= 0);
	CHECK_INT(acceptor_start(&a, lfd, keep, &t, "test"), 0);
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = client(port);
	CHECK(wait_taken(&t, 3));
	CHECK_INT(atomic_load(&a.pauses), 0);
	acceptor_stop(&a);
	acceptor_stop(&a); /* twice is harmless */
	for (int i = 0; i < 3; i++) {
		close(c[i]);
		close(t.fds[i]);
	}
	close(lfd);
}

static void test_pauses_without_descriptors(void)
{
	struct rlimit old, low;
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	if (old.rlim_cur < 64 || setrlimit(RLIMIT_NOFILE, &low) < 0) {
		printf("SKIP: cannot lower RLIMIT_NOFILE to 64\n");
		return;
	}
	in_port_t port;
	struct taken t = { 0 };
	struct acceptor a;
	int fill[64], nfill = 0;
	int lfd = listener(&port);
	CHECK(lfd >= 0);
	CHECK_INT(acceptor_start(&a, lfd, keep, &t, "test"), 0);
	/* take every descriptor left but one for the client, which connects; then the
	 * acceptor has none for the connection waiting in the backlog */
	for (int fd; nfill < 64 && (fd = dup(lfd)) >= 0;)
		fill[nfill++] = fd;
	CHECK(nfill > 1);
	close(fill[--nfill]);
	int c = client(port);
	CHECK(c >= 0);
	for (int i = 0; i < 100 && atomic_load(&a.pauses) == 0; i++)
		sleep_ms(10);
	CHECK(atomic_load(&a.pauses) > 0);
	/* paused: over a second, at most a dozen tries (5 ms doubling up to 1 s); a
	 * thread that polled the socket again at once would make thousands */
	unsigned long long calls = atomic_load(&a.accept_calls);
	sleep_ms(1000);
	calls = atomic_load(&a.accept_calls) - calls;
	printf("accept4 calls in 1 s without descriptors: %llu\n", calls);
	CHECK(calls <= 12);
	CHECK_INT(atomic_load(&t.n), 0);
	/* a free descriptor again: the waiting connection is taken at the next try */
	close(fill[--nfill]);
	CHECK(wait_taken(&t, 1));
	/* stopping does not wait for a pause to end */
	close(fill[--nfill]);
	int c2 = client(port);
	while (nfill < 64 && (fill[nfill] = dup(lfd)) >= 0)
		nfill++;
	unsigned long long p = atomic_load(&a.pauses);
	for (int i = 0; i < 100 && atomic_load(&a.pauses) == p; i++)
		sleep_ms(10);
	acceptor_stop(&a);
	CHECK_INT(atomic_load(&t.n), 1);
	while (nfill > 0)
		close(fill[--nfill]);
	close(c);
	if (c2 >= 0)
		close(c2);
	close(t.fds[0]);
	close(lfd);
	CHECK_INT(setrlimit(RLIMIT_NOFILE, &old), 0);
}

int main(void)
{
	RUN(test_hands_over);
	RUN(test_pauses_without_descriptors);
	return T_DONE("test_acceptor");
}
