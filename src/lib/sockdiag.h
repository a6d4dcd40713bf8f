/*
 * sockdiag: how many TCP sockets the kernel has in each state, asked over
 * NETLINK_SOCK_DIAG (inet_diag).
 *
 * One dump request per address family (SOCK_DIAG_BY_FAMILY with struct
 * inet_diag_req_v2, every state) returns one struct inet_diag_msg per socket: its state
 * and, for a connected socket, the bytes in its receive and send queues (for a listener,
 * the accept queue's length and its limit). sockdiag_tcp_parse() tallies one reply
 * buffer, the part the tcpstat unit test and fuzz target call; sockdiag_tcp_dump()
 * sends the request and tallies the whole reply, receiving into a buffer the caller
 * keeps, so nothing is allocated.
 */
#ifndef PLUMB_SOCKDIAG_H
#define PLUMB_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a dump found: sockets per idiag_state (any byte the kernel sends), and the sums
 * of idiag_rqueue and idiag_wqueue over every socket. */
struct sockdiag_tcp {
	uint64_t state[256];
	uint64_t rqueue, wqueue;
	uint64_t sockets; /* messages tallied */
};

/* Tally the messages in buf[0..len) (what one recv returned) into *t, which the caller
 * zeroes before the first buffer of a dump. Sets *done at NLMSG_DONE. Returns 0,
 * -EINVAL for a malformed message (cut short, or a socket message shorter than struct
 * inet_diag_msg), or the error an NLMSG_ERROR carries. */
int sockdiag_tcp_parse(const void *buf, size_t len, struct sockdiag_tcp *t, bool *done);

/* Dump the TCP sockets of family (AF_INET, AF_INET6) in every state and add them to
 * *t, receiving into buf[cap] (aligned, NL_BUF_SIZE), giving up after timeout_ms (>= 1).
 * Returns 0, -ETIMEDOUT, or -errno (-EPROTONOSUPPORT without sock_diag, -ENOENT
 * without inet_diag for that family). */
int sockdiag_tcp_dump(uint8_t family, unsigned char *buf, size_t cap, struct sockdiag_tcp *t,
		      unsigned timeout_ms);

#endif
