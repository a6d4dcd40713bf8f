/*
 * nlbuild.h: build netlink attribute runs by hand, for tests that feed parsers replies
 * the kernel could send (and ones it should not).
 */
#ifndef PLUMB_NLBUILD_H
#define PLUMB_NLBUILD_H

#include <linux/netlink.h>
#include <stdint.h>
#include <string.h>

/* A payload under construction: a fixed header, then attributes. */
struct nlb {
	unsigned char b[8192] __attribute__((aligned(8)));
	size_t len;
};

/* Append n raw bytes, padded to the attribute alignment. */
static inline void nlb_raw(struct nlb *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	memset(m->b + m->len + n, 0, NLA_ALIGN(n) - n);
	m->len += NLA_ALIGN(n);
}

/* Append attribute type with payload p[0..n). Returns its offset, for nlb_end. */
static inline size_t nlb_attr(struct nlb *m, uint16_t type, const void *p, size_t n)
{
	size_t at = m->len;
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type };
	memcpy(m->b + m->len, &a, sizeof(a));
	m->len += NLA_HDRLEN;
	if (n)
		nlb_raw(m, p, n);
	return at;
}

static inline void nlb_u32(struct nlb *m, uint16_t type, uint32_t v)
{
	nlb_attr(m, type, &v, 4);
}

static inline void nlb_u64(struct nlb *m, uint16_t type, uint64_t v)
{
	nlb_attr(m, type, &v, 8);
}

static inline void nlb_str(struct nlb *m, uint16_t type, const char *s)
{
	nlb_attr(m, type, s, strlen(s) + 1);
}

/* Open a nested attribute; close it with nlb_end. */
static inline size_t nlb_nest(struct nlb *m, uint16_t type)
{
	return nlb_attr(m, type, NULL, 0);
}

/* Close the nested attribute opened at offset at. */
static inline void nlb_end(struct nlb *m, size_t at)
{
	uint16_t len = (uint16_t)(m->len - at);
	memcpy(m->b + at, &len, sizeof(len));
}

#endif
