/*
 * rtnl: decoders for link, address and link-mode messages, and address formatting.
 * See rtnl.h.
 */
#include "lib/rtnl.h"

#include <errno.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Read a u32 attribute into *v and set *has. Returns 0 or -EINVAL. */
static int opt_u32(const struct nl_attr *a, uint32_t *v, bool *has)
{
	int r = nl_attr_u32(a, v);
	*has = r == 0;
	return r;
}

/* Read a u8 attribute into *v and set *has. Returns 0 or -EINVAL. */
static int opt_u8(const struct nl_attr *a, uint8_t *v, bool *has)
{
	int r = nl_attr_u8(a, v);
	*has = r == 0;
	return r;
}

/* Copy the counters of IFLA_STATS64 (u64s) or IFLA_STATS (u32s) into s; a shorter
 * struct from an older kernel leaves the missing counters 0. */
static void read_stats(const struct nl_attr *a, bool wide, uint64_t *s)
{
	size_t w = wide ? 8 : 4;
	memset(s, 0, RTNL_NSTATS * sizeof(*s));
	for (size_t i = 0; i < RTNL_NSTATS && (i + 1) * w <= a->len; i++) {
		if (wide) {
			memcpy(&s[i], a->data + i * 8, 8);
		} else {
			uint32_t v;
			memcpy(&v, a->data + i * 4, 4);
			s[i] = v;
		}
	}
}

/* One attribute of a link into l. Returns 0 or -EINVAL. */
static int link_attr(const struct nl_attr *a, struct rtnl_link *l)
{
	switch (a->type) {
	case IFLA_IFNAME:
		l->name = nl_attr_str(a);
		return 0;
	case IFLA_ADDRESS:
	case IFLA_BROADCAST:
		if (a->len > RTNL_MAX_ADDR)
			return -EINVAL;
		if (a->type == IFLA_ADDRESS) {
			l->address = a->data;
			l->address_len = a->len;
		} else {
			l->broadcast = a->data;
			l->broadcast_len = a->len;
		}
		return 0;
	case IFLA_IFALIAS:
		l->alias = nl_attr_str(a);
		return 0;
	case IFLA_MTU:
		return nl_attr_u32(a, &l->mtu);
	case IFLA_LINK:
		return nl_attr_u32(a, &l->link);
	case IFLA_OPERSTATE:
		return nl_attr_u8(a, &l->operstate);
	case IFLA_CARRIER:
		return opt_u8(a, &l->carrier, &l->has_carrier);
	case IFLA_LINKMODE:
		return opt_u8(a, &l->linkmode, &l->has_linkmode);
	case IFLA_CARRIER_CHANGES:
		return opt_u32(a, &l->carrier_changes, &l->has_carrier_changes);
	case IFLA_CARRIER_UP_COUNT:
		return opt_u32(a, &l->carrier_up, &l->has_carrier_up);
	case IFLA_CARRIER_DOWN_COUNT:
		return opt_u32(a, &l->carrier_down, &l->has_carrier_down);
	case IFLA_GROUP:
		return opt_u32(a, &l->group, &l->has_group);
	case IFLA_TXQLEN:
		return opt_u32(a, &l->txqlen, &l->has_txqlen);
	case IFLA_PROP_LIST:
		l->props = a->data;
		l->props_len = a->len;
		return 0;
	case IFLA_STATS64:
		read_stats(a, true, l->stats);
		l->has_stats64 = true;
		return 0;
	case IFLA_STATS:
		if (!l->has_stats64)
			read_stats(a, false, l->stats);
		l->has_stats32 = true;
		return 0;
	default:
		return 0;
	}
}

int rtnl_parse_link(const unsigned char *p, size_t len, struct rtnl_link *out)
{
	struct ifinfomsg ifi;
	struct nl_attr a;
	int r;
	memset(out, 0, sizeof(*out));
	if (len < NLMSG_ALIGN(sizeof(ifi)))
		return -EINVAL;
	memcpy(&ifi, p, sizeof(ifi));
	out->index = (uint32_t)ifi.ifi_index;
	out->flags = ifi.ifi_flags;
	out->type = ifi.ifi_type;
	struct nl_attr_iter it = nl_attrs(p + NLMSG_ALIGN(sizeof(ifi)), len - NLMSG_ALIGN(sizeof(ifi)));
	while ((r = nl_attr_next(&it, &a)) > 0)
		if ((r = link_attr(&a, out)) < 0)
			return r;
	return r;
}

int rtnl_next_altname(struct nl_attr_iter *it, struct span *name)
{
	struct nl_attr a;
	int r;
	while ((r = nl_attr_next(it, &a)) > 0) {
		if (a.type == IFLA_ALT_IFNAME) {
			*name = nl_attr_str(&a);
			return 1;
		}
	}
	return r;
}

int rtnl_parse_addr(const unsigned char *p, size_t len, struct rtnl_addr *out)
{
	struct ifaddrmsg ifa;
	struct nl_attr a, local = { 0 }, addr = { 0 };
	int r;
	memset(out, 0, sizeof(*out));
	if (len < NLMSG_ALIGN(sizeof(ifa)))
		return -EINVAL;
	memcpy(&ifa, p, sizeof(ifa));
	out->family = ifa.ifa_family;
	out->prefixlen = ifa.ifa_prefixlen;
	out->index = ifa.ifa_index;
	struct nl_attr_iter it = nl_attrs(p + NLMSG_ALIGN(sizeof(ifa)), len - NLMSG_ALIGN(sizeof(ifa)));
	while ((r = nl_attr_next(&it, &a)) > 0) {
		if (a.type == IFA_LOCAL && !local.data)
			local = a;
		else if (a.type == IFA_ADDRESS && !addr.data)
			addr = a;
	}
	if (r < 0)
		return r;
	const struct nl_attr *use = local.data ? &local : addr.data ? &addr : NULL;
	size_t want = ifa.ifa_family == AF_INET ? 4 : ifa.ifa_family == AF_INET6 ? 16 : 0;
	if (!use || !want)
		return 0;
	if (use->len != want)
		return -EINVAL;
	memcpy(out->addr, use->data, want);
	out->has_addr = true;
	return 0;
}

/* The device header of an ethtool reply into lm. Returns 0 or -EINVAL. */
static int linkmodes_header(const struct nl_attr *h, struct rtnl_linkmodes *lm)
{
	struct nl_attr a;
	int r;
	struct nl_attr_iter it = nl_attrs(h->data, h->len);
	while ((r = nl_attr_next(&it, &a)) > 0) {
		if (a.type == ETHTOOL_A_HEADER_DEV_INDEX && (r = nl_attr_u32(&a, &lm->index)) < 0)
			return r;
		if (a.type == ETHTOOL_A_HEADER_DEV_NAME)
			lm->name = nl_attr_str(&a);
	}
	return r;
}

int rtnl_parse_linkmodes(const unsigned char *p, size_t len, struct rtnl_linkmodes *out)
{
	struct nl_attr a;
	int r;
	memset(out, 0, sizeof(*out));
	if (len < GENL_HDRLEN)
		return -EINVAL;
	struct nl_attr_iter it = nl_attrs(p + GENL_HDRLEN, len - GENL_HDRLEN);
	while ((r = nl_attr_next(&it, &a)) > 0) {
		if (a.type == ETHTOOL_A_LINKMODES_HEADER)
			r = linkmodes_header(&a, out);
		else if (a.type == ETHTOOL_A_LINKMODES_SPEED)
			r = opt_u32(&a, &out->speed, &out->has_speed);
		else if (a.type == ETHTOOL_A_LINKMODES_DUPLEX)
			r = opt_u8(&a, &out->duplex, &out->has_duplex);
		if (r < 0)
			return r;
	}
	return r;
}

/* Whether the 16 bytes at a are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
static bool v4_mapped(const unsigned char *a)
{
	static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

void rtnl_format_ip(int family, const unsigned char *a, char *out, size_t cap)
{
	if (family == AF_INET6 && v4_mapped(a)) {
		family = AF_INET;
		a += 12;
	}
	if (family == AF_INET) {
		snprintf(out, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	unsigned g[8];
	for (size_t i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	int zs = -1, zlen = 1; /* the first longest run of two or more zero groups */
	for (int i = 0; i < 8; i++) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > zlen) {
			zs = i;
			zlen = j - i;
		}
	}
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 8 && n < cap; i++) {
		int w;
		if (i == zs) {
			w = snprintf(out + n, cap - n, "::");
			i += zlen - 1;
		} else {
			w = snprintf(out + n, cap - n, "%s%x", i > 0 && i != zs + zlen ? ":" : "", g[i]);
		}
		if (w < 0)
			return;
		n += (size_t)w;
	}
}

const char *rtnl_ip_scope(int family, const unsigned char *a)
{
	static const unsigned char loop6[16] = { [15] = 1 }, zero6[16] = { 0 };
	if (family == AF_INET6 && v4_mapped(a)) {
		family = AF_INET;
		a += 12;
	}
	if (family == AF_INET) {
		bool loop = a[0] == 127, ll = a[0] == 169 && a[1] == 254;
		bool llmc = a[0] == 224 && a[1] == 0 && a[2] == 0;
		if (loop || ll || llmc)
			return "link-local";
		bool unspec = !a[0] && !a[1] && !a[2] && !a[3];
		bool bcast = a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
		bool mc = (a[0] & 0xf0) == 0xe0;
		return unspec || bcast || mc ? "" : "global";
	}
	bool loop = memcmp(a, loop6, 16) == 0, ll = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
	bool mc = a[0] == 0xff;
	if (loop || ll || (mc && (a[1] & 0x0f) == 0x02))
		return "link-local";
	if (mc && (a[1] & 0x0f) == 0x01)
		return "interface-local";
	return mc || memcmp(a, zero6, 16) == 0 ? "" : "global";
}

void rtnl_format_hwaddr(const unsigned char *a, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < len && n + 3 < cap; i++) {
		int w = snprintf(out + n, cap - n, i ? ":%02x" : "%02x", a[i]);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}
