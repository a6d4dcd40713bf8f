/*
 * network_route: the kernel's unicast routes, as node_exporter's network_route
 * collector (off by default) reports them: node_network_route_info{device,src,dest,gw,
 * priority,proto,weight} (1 per route, one per next hop of a multipath route) and
 * node_network_routes{device} (how many of those each device has).
 *
 * Each collection dumps the links (RTM_GETLINK, for device names by index, lib/ifnames)
 * and then the routes of every family and table (RTM_GETROUTE with AF_UNSPEC, as
 * node_exporter asks), both under one time limit (lib/nlbudget). Like node_exporter,
 * only routes of type RTN_UNICAST are reported (local, broadcast, multicast... are
 * not); dest is "default" for a zero-length prefix, else the network as Go prints an
 * IPNet; weight is the next hop's weight (rtnh_hops + 1) on a multipath route, else "".
 * The receive buffer and the name table live in priv: no allocation once warm.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collectors/network_route.h"
#include "core/collector.h"
#include "lib/netlink.h"
#include "lib/nlbudget.h"
#include "lib/rtnl.h"

static const struct metric_desc desc_info = {
	"node_network_route_info",
	"One per unicast route (per next hop of a multipath route), always 1; the labels "
	"describe it.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_routes = {
	"node_network_routes", "Unicast routes (next hops) through each device.", METRIC_GAUGE,
};

#define IP_TEXT 48   /* an address as text (INET6_ADDRSTRLEN and more) */
#define NET_TEXT 56  /* an address, "/" and a prefix length, or "<nil>" */

/* One address attribute: 4 or 16 bytes, as node_exporter's decoder requires. */
struct route_ip {
	const unsigned char *p; /* NULL when absent */
	size_t len;
};

/* What one RTM_NEWROUTE message says. Pointers point into the message. */
struct route {
	struct rtmsg rtm;
	struct route_ip dst, src, gw;
	uint32_t oif, priority;
	const unsigned char *mp; /* RTA_MULTIPATH's payload; NULL when absent */
	size_t mp_len;
	size_t nhops; /* next hops in it */
};

/* One next hop of a multipath route. */
struct route_hop {
	uint8_t hops;
	uint32_t ifindex;
	struct route_ip gw;
};

struct route_walk {
	struct ifnames *links;
	uint32_t *unnamed;
	struct metric_sink *out;
};

struct network_route_priv {
	unsigned char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct ifnames links;
};

/* node_exporter's name for a route's protocol (RTPROT_*). */
static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case 0: return "unspec";
	case 1: return "redirect";
	case 2: return "kernel";
	case 3: return "boot";
	case 4: return "static";
	case 8: return "gated";
	case 9: return "ra";
	case 10: return "mrt";
	case 11: return "zebra";
	case 12: return "bird";
	case 13: return "dnrouted";
	case 14: return "xorp";
	case 15: return "ntk";
	case 16: return "dhcp";
	case 17: return "mrouted";
	case 42: return "babel";
	case 186: return "bgp";
	case 187: return "isis";
	case 188: return "ospf";
	case 189: return "rip";
	case 192: return "eigrp";
	default: return "unknown";
	}
}

/* Take attribute a as an address into *ip. Returns 0 or -EINVAL (not 4 or 16 bytes). */
static int take_ip(const struct nl_attr *a, struct route_ip *ip)
{
	if (a->len != 4 && a->len != 16)
		return -EINVAL;
	*ip = (struct route_ip){ a->data, a->len };
	return 0;
}

/* The next hop at *off in a multipath payload mp[0..len) into *h, advancing *off.
 * Returns 1, 0 at the end, or -EINVAL for a hop cut short or an attribute that is. */
static int next_hop(const unsigned char *mp, size_t len, size_t *off, struct route_hop *h)
{
	struct rtnexthop nh;
	struct nl_attr a;
	int r;
	if (*off == len)
		return 0;
	if (len - *off < sizeof(nh))
		return -EINVAL;
	memcpy(&nh, mp + *off, sizeof(nh));
	if (nh.rtnh_len < sizeof(nh) || nh.rtnh_len > len - *off)
		return -EINVAL;
	*h = (struct route_hop){ .hops = nh.rtnh_hops, .ifindex = (uint32_t)nh.rtnh_ifindex };
	struct nl_attr_iter it = nl_attrs(mp + *off + sizeof(nh), nh.rtnh_len - sizeof(nh));
	*off += nh.rtnh_len; /* as node_exporter's parser: no padding between hops */
	while ((r = nl_attr_next(&it, &a)) > 0)
		if (a.type == RTA_GATEWAY && (r = take_ip(&a, &h->gw)) < 0)
			return r;
	return r < 0 ? r : 1;
}

/* Decode an RTM_NEWROUTE payload into *rt, checking what plumb reads as node_exporter's
 * decoder checks it. The attributes plumb does not read are not checked: node_exporter
 * 1.5 refuses, for one, the 64-bit RTA_EXPIRES of a multicast routing entry, and so
 * fails on every multicast router; plumb reports its unicast routes. Returns 0 or
 * -EINVAL. */
static int parse_route(const unsigned char *p, size_t len, struct route *rt)
{
	struct nl_attr a;
	int r;
	if (len < sizeof(rt->rtm))
		return -EINVAL;
	memset(rt, 0, sizeof(*rt));
	memcpy(&rt->rtm, p, sizeof(rt->rtm));
	size_t at = NLMSG_ALIGN(sizeof(rt->rtm));
	struct nl_attr_iter it = nl_attrs(p + at, len > at ? len - at : 0);
	while ((r = nl_attr_next(&it, &a)) > 0) {
		switch (a.type) {
		case RTA_DST: r = take_ip(&a, &rt->dst); break;
		case RTA_PREFSRC: r = take_ip(&a, &rt->src); break;
		case RTA_GATEWAY: r = take_ip(&a, &rt->gw); break;
		case RTA_OIF: r = nl_attr_u32(&a, &rt->oif); break;
		case RTA_PRIORITY: r = nl_attr_u32(&a, &rt->priority); break;
		case RTA_MULTIPATH:
			rt->mp = a.data;
			rt->mp_len = a.len;
			break;
		default: break;
		}
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	/* every hop checked now, so a bad one fails the message before anything is added */
	size_t off = 0;
	struct route_hop h;
	while (rt->mp && (r = next_hop(rt->mp, rt->mp_len, &off, &h)) > 0)
		rt->nhops++;
	return r;
}

/* Write ip as Go's net.IP.String() does, "" when absent, into out[IP_TEXT]. */
static void format_ip(const struct route_ip *ip, char *out)
{
	out[0] = '\0';
	if (ip->p)
		rtnl_format_ip(ip->len == 4 ? AF_INET : AF_INET6, ip->p, out, IP_TEXT);
}

/* Write a route's destination as node_exporter does into out[NET_TEXT]: "default" for
 * prefix length 0, else Go's IPNet.String() of the address and a CIDR mask of the
 * address's length (4 bytes for an IPv4-mapped IPv6 one): the masked network and the
 * length, or "<nil>" when there is no address or the length does not fit. */
static void format_dest(const struct route_ip *dst, uint8_t plen, char *out)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char a[16];
	size_t n;
	if (plen == 0) {
		snprintf(out, NET_TEXT, "default");
		return;
	}
	if (!dst->p) {
		snprintf(out, NET_TEXT, "<nil>");
		return;
	}
	if (dst->len == 16 && memcmp(dst->p, mapped, sizeof(mapped)) == 0) {
		memcpy(a, dst->p + 12, 4);
		n = 4;
	} else {
		memcpy(a, dst->p, dst->len);
		n = dst->len;
	}
	if (plen > n * 8) {
		snprintf(out, NET_TEXT, "<nil>");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned keep = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;
		a[i] &= (unsigned char)(0xff00u >> keep);
	}
	char ip[IP_TEXT];
	rtnl_format_ip(n == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
	snprintf(out, NET_TEXT, "%s/%u", ip, plen);
}

/* Add one node_network_route_info of rt through device index ifindex with gateway gw
 * and weight (NULL: ""), and count it. Returns 0 or -errno from the sink. */
static int emit_info(struct route_walk *w, const struct route *rt, uint32_t ifindex,
		     const struct route_ip *gw, const char *weight)
{
	char src[IP_TEXT], gwt[IP_TEXT], dest[NET_TEXT], prio[12];
	struct ifname *link = ifnames_find(w->links, ifindex);
	const char *dev = link ? link->name : "";
	format_ip(&rt->src, src);
	format_ip(gw, gwt);
	format_dest(&rt->dst, rt->rtm.rtm_dst_len, dest);
	snprintf(prio, sizeof(prio), "%u", rt->priority);
	int r = sink_add(w->out, &desc_info, 1,
			 LABELS(L("device", dev), L("src", src), L("dest", dest), L("gw", gwt),
				L("priority", prio), L("proto", proto_name(rt->rtm.rtm_protocol)),
				L("weight", weight ? weight : "")));
	if (r < 0)
		return r;
	if (link && link->name[0])
		link->tally++;
	else
		(*w->unnamed)++;
	return 0;
}

/* nl_msg_fn over an RTM_GETROUTE dump: report each unicast route (ctx: route_walk). */
static int on_route(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct route_walk *w = ctx;
	struct route rt;
	int r;
	if (type != RTM_NEWROUTE)
		return 0;
	if ((r = parse_route(p, len, &rt)) < 0)
		return r;
	if (rt.rtm.rtm_type != RTN_UNICAST)
		return 0;
	if (rt.nhops == 0)
		return emit_info(w, &rt, rt.oif, &rt.gw, NULL);
	size_t off = 0;
	struct route_hop h;
	while ((r = next_hop(rt.mp, rt.mp_len, &off, &h)) > 0) {
		char weight[4];
		snprintf(weight, sizeof(weight), "%u", h.hops + 1u);
		if ((r = emit_info(w, &rt, h.ifindex, &h.gw, weight)) < 0)
			return r;
	}
	return r;
}

int network_route_parse(const void *buf, size_t len, struct ifnames *links, uint32_t *unnamed,
			struct metric_sink *out, bool *done)
{
	struct route_walk w = { links, unnamed, out };
	return nl_parse(buf, len, on_route, &w, done);
}

int network_route_emit_counts(const struct ifnames *links, uint32_t unnamed,
			      struct metric_sink *out)
{
	int r;
	for (size_t i = 0; i < links->n; i++) {
		const struct ifname *l = &links->v[i];
		/* a name twice in one dump cannot be (one namespace); the sink keeps the first */
		if (l->tally &&
		    (r = sink_add(out, &desc_routes, l->tally, LABELS(L("device", l->name)))) < 0)
			return r;
	}
	if (unnamed && (r = sink_add(out, &desc_routes, unnamed, LABELS(L("device", "")))) < 0)
		return r;
	return 0;
}

static int network_route_init(struct collector *c)
{
	struct network_route_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	return 0;
}

static int network_route_collect(struct collector *c, struct metric_sink *out)
{
	struct network_route_priv *p = c->priv;
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} rreq = {
		.h = { .nlmsg_len = sizeof(rreq), .nlmsg_type = RTM_GETROUTE,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 2 },
		.r = { .rtm_family = AF_UNSPEC },
	};
	struct nl_budget budget;
	uint32_t unnamed = 0;
	unsigned ms;
	nl_budget_start(&budget, NL_TIMEOUT_MS);
	int r = ifnames_dump(&p->links, p->buf, sizeof(p->buf), NL_TIMEOUT_MS);
	if (r < 0)
		return r;
	if ((ms = nl_budget_left(&budget)) == 0)
		return -ETIMEDOUT;
	struct route_walk w = { &p->links, &unnamed, out };
	r = nl_request_within(NETLINK_ROUTE, &rreq, sizeof(rreq), p->buf, sizeof(p->buf),
			      on_route, &w, ms);
	if (r < 0)
		return r;
	return network_route_emit_counts(&p->links, unnamed, out);
}

static void network_route_fini(struct collector *c)
{
	struct network_route_priv *p = c->priv;
	if (p)
		ifnames_fini(&p->links);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_network_route = {
	.name = "network_route",
	.default_enabled = false,
	.reads = "routes and links over rtnetlink",
	.init = network_route_init,
	.collect = network_route_collect,
	.fini = network_route_fini,
};
