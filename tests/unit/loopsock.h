/*
 * loopsock.h: sockets bound to a loopback address, for unit tests that check what a
 * collector counts of this host's live sockets (tcpstat, udp_queues).
 */
#ifndef PLUMB_LOOPSOCK_H
#define PLUMB_LOOPSOCK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A socket of family (AF_INET, AF_INET6) and type (SOCK_STREAM, SOCK_DGRAM) bound to
 * that family's loopback address on a port the kernel picks. Returns the descriptor
 * (the caller's to close), or -1 when it cannot be made (no IPv6, say). */
static inline int loopsock_bound(int family, int type)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int r = family == AF_INET ? bind(fd, (struct sockaddr *)&a4, sizeof(a4))
				  : bind(fd, (struct sockaddr *)&a6, sizeof(a6));
	if (r < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Close the n descriptors in fd[] that are not -1. */
static inline void loopsock_close(const int *fd, int n)
{
	for (int i = 0; i < n; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

#endif
