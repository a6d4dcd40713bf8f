/*
 * netlink: kernel dumps over AF_NETLINK, and bounds-checked walks of what they return.
 *
 * Collectors ask the kernel for tables (links, addresses, ethtool link modes) with one
 * dump request per collection: nl_dump() opens a socket of the protocol, sends the
 * request, and hands every data message of the reply to a callback until NLMSG_DONE,
 * receiving into a buffer the caller keeps (no allocation). The kernel is trusted no
 * further than a file: every length is checked, and a malformed message is -EINVAL.
 * nl_genl_family() finds a generic netlink family's id by name (ethtool's). Every
 * request is bounded in time (a driver that holds rtnl_lock can stall a dump): one that
 * has not finished within its limit is given up as -ETIMEDOUT.
 */
#ifndef PLUMB_NETLINK_H
#define PLUMB_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

/* How long nl_request waits for the whole reply. */
#define NL_TIMEOUT_MS 5000

/* Room a receive buffer needs: the kernel fills dump replies up to 32 KiB. */
#define NL_BUF_SIZE (64 * 1024)

/* One attribute: its type (without the nested and byte-order flags) and payload. */
struct nl_attr {
	uint16_t type;
	const unsigned char *data;
	size_t len;
};

/* A walk over a run of attributes. */
struct nl_attr_iter {
	const unsigned char *p;
	size_t len;
};

static inline struct nl_attr_iter nl_attrs(const void *p, size_t len)
{
	return (struct nl_attr_iter){ p, len };
}

/* The next attribute into *a. Returns 1, 0 at the end, or -EINVAL for an attribute
 * whose length runs past the rest. */
int nl_attr_next(struct nl_attr_iter *it, struct nl_attr *a);

/* An attribute's value as an integer of exactly its size, or a string (up to its
 * first NUL, or its whole payload). Return 0 or -EINVAL for a payload of another size. */
int nl_attr_u8(const struct nl_attr *a, uint8_t *v);
int nl_attr_u16(const struct nl_attr *a, uint16_t *v);
int nl_attr_u32(const struct nl_attr *a, uint32_t *v);
struct span nl_attr_str(const struct nl_attr *a);

/* Called for each data message of a reply: its type and payload (after the netlink
 * header). Returns 0, or -errno to stop the walk with that error. */
typedef int (*nl_msg_fn)(void *ctx, uint16_t type, const unsigned char *payload, size_t len);

/* Walk the messages in buf[0..len) (what one recv returned), calling fn for each data
 * message. (A socket carries one request at a time, and one kept across requests is
 * closed after any that fails, so it receives only the kernel's answers to the request
 * at hand: sequence numbers are not checked.) Sets *done at NLMSG_DONE or an
 * acknowledgement. Returns 0, -EINVAL for a malformed message, the error an
 * NLMSG_ERROR or an NLMSG_DONE carries (a dump the kernel could not finish), or fn's
 * error. */
int nl_parse(const void *buf, size_t len, nl_msg_fn fn, void *ctx, bool *done);

/* Send req (req_len bytes, starting with a struct nlmsghdr whose type, flags and seq
 * are set) on a new socket of protocol proto (NETLINK_ROUTE, NETLINK_GENERIC), and
 * walk the reply with nl_parse until NLMSG_DONE, receiving into buf[cap] (aligned,
 * NL_BUF_SIZE). A request without NLM_F_DUMP must be answered by one message, or by
 * an acknowledgement when it asks for one. Gives up after NL_TIMEOUT_MS. Returns 0,
 * -ETIMEDOUT, or -errno. */
int nl_request(int proto, const void *req, size_t req_len, unsigned char *buf, size_t cap,
	       nl_msg_fn fn, void *ctx);

/* nl_request with the whole reply bounded by timeout_ms (>= 1) instead of
 * NL_TIMEOUT_MS: for collectors with a timeout flag of their own. */
int nl_request_within(int proto, const void *req, size_t req_len, unsigned char *buf,
		      size_t cap, nl_msg_fn fn, void *ctx, unsigned timeout_ms);

/* A netlink socket kept from one request to the next, for a collector that asks the
 * kernel every collection: it then does not make and close a socket each time. One
 * owner, one request at a time. A request that fails in any way closes it (a reply it
 * left unread must not answer the next request); the next one opens a new socket. */
struct nl_sock {
	int fd;    /* -1 until the first request */
	int proto; /* NETLINK_ROUTE, NETLINK_SOCK_DIAG, ... */
};
#define NL_SOCK_INIT(proto) ((struct nl_sock){ -1, (proto) })

/* nl_request_within on s's socket, opened first if none is. Same returns. */
int nl_sock_request(struct nl_sock *s, const void *req, size_t req_len, unsigned char *buf,
		    size_t cap, nl_msg_fn fn, void *ctx, unsigned timeout_ms);

/* Close s's socket if one is open; s can be used again. */
void nl_sock_close(struct nl_sock *s);

/* The id of the generic netlink family name ("ethtool"), asked of the kernel's
 * controller, using buf[cap] to receive. Returns 0, -ENOENT when the kernel has no such
 * family, or -errno. */
int nl_genl_family(const char *name, unsigned char *buf, size_t cap, uint16_t *id);

#endif
