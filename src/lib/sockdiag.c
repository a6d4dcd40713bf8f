/*
 * sockdiag: TCP and UDP socket states and queues over NETLINK_SOCK_DIAG. See sockdiag.h.
 */
#include "lib/sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/netlink.h"

/* Every state bit TCP_ESTABLISHED..TCP_CLOSING (and bit 0), as node_exporter asks for
 * TCP; UDP sockets are TCP_CLOSE or, once connected, TCP_ESTABLISHED. */
#define SOCKDIAG_ALL_STATES 0xfffu

/* nl_msg_fn: tally one inet_diag_msg into ctx (a struct sockdiag_tally). The kernel
 * answers each request with messages of the request's type. */
static int on_sock(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct sockdiag_tally *t = ctx;
	struct inet_diag_msg m;
	if (type != SOCK_DIAG_BY_FAMILY && type != TCPDIAG_GETSOCK)
		return 0;
	if (len < sizeof(m))
		return -EINVAL;
	memcpy(&m, p, sizeof(m));
	t->state[m.idiag_state]++;
	t->rqueue += m.idiag_rqueue;
	t->wqueue += m.idiag_wqueue;
	t->sockets++;
	return 0;
}

int sockdiag_parse(const void *buf, size_t len, struct sockdiag_tally *t, bool *done)
{
	return nl_parse(buf, len, on_sock, t, done);
}

int sockdiag_dump(struct nl_sock *s, uint8_t family, uint8_t protocol, unsigned char *buf,
		  size_t cap, struct sockdiag_tally *t, unsigned timeout_ms)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.r = { .sdiag_family = family, .sdiag_protocol = protocol,
		       .idiag_states = SOCKDIAG_ALL_STATES },
	};
	return nl_sock_request(s, &req, sizeof(req), buf, cap, on_sock, t, timeout_ms);
}

int sockdiag_dump_tcp_any(struct nl_sock *s, unsigned char *buf, size_t cap,
			  struct sockdiag_tally *t, unsigned timeout_ms)
{
	/* no family in this request: the kernel's compat path asks for AF_UNSPEC */
	struct {
		struct nlmsghdr h;
		struct inet_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = TCPDIAG_GETSOCK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.r = { .idiag_states = SOCKDIAG_ALL_STATES },
	};
	return nl_sock_request(s, &req, sizeof(req), buf, cap, on_sock, t, timeout_ms);
}
