/*
 * sockdiag: how many TCP or UDP sockets the kernel has in each state, and the bytes in
 * their queues, asked over NETLINK_SOCK_DIAG (inet_diag).
 *
 * One dump request per address family and protocol (SOCK_DIAG_BY_FAMILY with struct
 * inet_diag_req_v2, every state), or for TCP one request for both families (the older
 * TCPDIAG_GETSOCK), returns one struct inet_diag_msg per socket: its state
 * and the bytes in its receive and send queues (for a TCP listener, the accept queue's
 * length and its limit; for UDP, the sk_rmem_alloc and sk_wmem_alloc /proc/net/udp
 * prints). sockdiag_parse() tallies one reply buffer, the part the unit tests and the
 * fuzz target call; sockdiag_dump() sends the request and tallies the whole reply,
 * receiving into a buffer the caller keeps, so nothing is allocated.
 */
#ifndef PLUMB_SOCKDIAG_H
#define PLUMB_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/netlink.h"

/* What a dump found: sockets per idiag_state (any byte the kernel sends), and the sums
 * of idiag_rqueue and idiag_wqueue over every socket. */
struct sockdiag_tally {
	uint64_t state[256];
	uint64_t rqueue, wqueue;
	uint64_t sockets; /* messages tallied */
};

/* Tally the messages in buf[0..len) (what one recv returned) into *t, which the caller
 * zeroes before the first buffer of a dump. Sets *done at NLMSG_DONE. Returns 0,
 * -EINVAL for a malformed message (cut short, or a socket message shorter than struct
 * inet_diag_msg), or the error an NLMSG_ERROR or the NLMSG_DONE carries (a kernel
 * without the protocol's diag module ends the dump at once with -ENOENT in it). */
int sockdiag_parse(const void *buf, size_t len, struct sockdiag_tally *t, bool *done);

/* Dump the sockets of family (AF_INET, AF_INET6) and protocol (IPPROTO_TCP,
 * IPPROTO_UDP) in every state on s (a NETLINK_SOCK_DIAG socket the caller keeps; see
 * struct nl_sock) and add them to *t, receiving into buf[cap] (aligned,
 * NL_BUF_SIZE), giving up after timeout_ms (>= 1). Returns 0, -ETIMEDOUT, or -errno
 * (-EPROTONOSUPPORT without sock_diag, -ENOENT without inet_diag for that family or
 * without the protocol's diag module, as udp_diag). */
int sockdiag_dump(struct nl_sock *s, uint8_t family, uint8_t protocol, unsigned char *buf,
		  size_t cap, struct sockdiag_tally *t, unsigned timeout_ms);

/* Dump the TCP sockets of every family (IPv4 and IPv6) in every state with one request
 * and add them to *t, as sockdiag_dump() for AF_INET and then AF_INET6 would. It sends
 * the older TCPDIAG_GETSOCK request (struct inet_diag_req), which the kernel answers for
 * any family: its dump walks the TCP hash tables once, where two SOCK_DIAG_BY_FAMILY
 * requests walk them twice, and that walk visits every bucket of the established table,
 * empty or not (about 1 ms on a 24 GiB host, whose table has 262,144 buckets). Same
 * returns as sockdiag_dump(); a kernel without the older request answers -EINVAL or
 * -ENOENT, and the caller then asks per family. */
int sockdiag_dump_tcp_any(struct nl_sock *s, unsigned char *buf, size_t cap,
			  struct sockdiag_tally *t, unsigned timeout_ms);

#endif
