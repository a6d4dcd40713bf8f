/*
 * nlbuild.h: build netlink replies by hand for unit tests (dumps as the kernel sends
 * them, and broken ones), and render what a parser made of them.
 *
 * A struct nlb is one receive buffer: nlb_msg starts a message, nlb_put / nlb_attr /
 * nlb_nest add to it (4-byte aligned, as the kernel pads), nlb_end sets its length,
 * nlb_done appends NLMSG_DONE. Sizes are checked with abort(): a test that overflows
 * its buffer is itself broken.
 */
#ifndef PLUMB_NLBUILD_H
#define PLUMB_NLBUILD_H

#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expo/render.h"
#include "expo/sink.h"

struct nlb {
	unsigned char b[16384] __attribute__((aligned(8)));
	size_t len;
	size_t msg; /* offset of the message being built */
};

/* Append p[0..n) and pad to 4 bytes. */
static inline void nlb_put(struct nlb *n, const void *p, size_t len)
{
	size_t pad = NLMSG_ALIGN(len) - len;
	if (n->len + len + pad > sizeof(n->b))
		abort();
	if (len)
		memcpy(n->b + n->len, p, len);
	memset(n->b + n->len + len, 0, pad);
	n->len += len + pad;
}

/* Start a message of type with flags NLM_F_MULTI. */
static inline void nlb_msg(struct nlb *n, uint16_t type)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = 1 };
	n->msg = n->len;
	nlb_put(n, &h, sizeof(h));
}

/* Set the length of the message being built. */
static inline void nlb_end(struct nlb *n)
{
	uint32_t len = (uint32_t)(n->len - n->msg);
	memcpy(n->b + n->msg, &len, sizeof(len));
}

/* An attribute of type with payload p[0..len). */
static inline void nlb_attr(struct nlb *n, uint16_t type, const void *p, size_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	nlb_put(n, &a, sizeof(a));
	nlb_put(n, p, len);
}

static inline void nlb_u32(struct nlb *n, uint16_t type, uint32_t v)
{
	nlb_attr(n, type, &v, sizeof(v));
}

/* Open a nested attribute of type; returns its offset for nlb_nest_end. */
static inline size_t nlb_nest(struct nlb *n, uint16_t type)
{
	size_t at = n->len;
	struct nlattr a = { .nla_type = type };
	nlb_put(n, &a, sizeof(a));
	return at;
}

static inline void nlb_nest_end(struct nlb *n, size_t at)
{
	uint16_t len = (uint16_t)(n->len - at);
	memcpy(n->b + at, &len, sizeof(len));
}

/* Append an NLMSG_DONE message. */
static inline void nlb_done(struct nlb *n)
{
	int32_t zero = 0;
	nlb_msg(n, NLMSG_DONE);
	nlb_put(n, &zero, sizeof(zero));
	nlb_end(n);
}

/* Finish s and render it as text into out (reset first). Returns 0 or -errno. */
static inline int nlb_render(struct metric_sink *s, struct buf *out)
{
	int r = sink_finish(s);
	buf_reset(out);
	return r < 0 ? r : render_sink(s, EXPO_TEXT, out);
}

#endif
