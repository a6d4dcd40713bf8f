/*
 * test_network_route: the network_route collector's route dump parser against replies
 * built by hand: a link dump naming devices, then routes of both families, multipath,
 * odd destinations and protocols, and broken messages.
 */
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "collectors/network_route.h"
#include "harness.h"
#include "nlbuild.h"
#include "t.h"

/* Append a link message: index and name (NULL: no IFLA_IFNAME). */
static void put_link(struct nlb *n, int index, const char *name)
{
	struct ifinfomsg i = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	nlb_msg(n, RTM_NEWLINK);
	nlb_put(n, &i, sizeof(i));
	if (name)
		nlb_attr(n, IFLA_IFNAME, name, strlen(name) + 1);
	nlb_end(n);
}

/* Start a route message; attributes follow, then nlb_end. */
static void start_route(struct nlb *n, uint8_t family, uint8_t dst_len, uint8_t proto,
			uint8_t type)
{
	struct rtmsg r = { .rtm_family = family, .rtm_dst_len = dst_len, .rtm_table = RT_TABLE_MAIN,
			   .rtm_protocol = proto, .rtm_type = type };
	nlb_msg(n, RTM_NEWROUTE);
	nlb_put(n, &r, sizeof(r));
}

static void put_ip4(struct nlb *n, uint16_t type, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	unsigned char ip[4] = { a, b, c, d };
	nlb_attr(n, type, ip, 4);
}

/* Append one next hop of a multipath route, with a gateway. */
static void put_hop(struct nlb *n, uint8_t hops, int ifindex, uint8_t last)
{
	struct rtnexthop h = { .rtnh_len = sizeof(h) + 8, .rtnh_hops = hops, .rtnh_ifindex = ifindex };
	nlb_put(n, &h, sizeof(h));
	put_ip4(n, RTA_GATEWAY, 192, 0, 2, last);
}

struct parsed {
	struct ifnames links;
	uint32_t unnamed;
	struct buf out;
};

/* Take the link dump l, then the route dump r; render into p->out. Returns the first
 * error. */
static int run(struct parsed *p, const struct nlb *l, const struct nlb *r)
{
	struct metric_sink s;
	bool done = false;
	int rc;
	sink_init(&s);
	ifnames_reset(&p->links);
	p->unnamed = 0;
	rc = ifnames_parse(&p->links, l->b, l->len, &done);
	if (rc == 0)
		rc = network_route_parse(r->b, r->len, &p->links, &p->unnamed, &s, &done);
	if (rc == 0)
		rc = network_route_emit_counts(&p->links, p->unnamed, &s);
	int rr = nlb_render(&s, &p->out);
	sink_fini(&s);
	return rc < 0 ? rc : rr;
}

#define INFO(dev, src, dest, gw, prio, proto, weight)                                     \
	"node_network_route_info{dest=\"" dest "\",device=\"" dev "\",gw=\"" gw               \
	"\",priority=\"" prio "\",proto=\"" proto "\",src=\"" src "\",weight=\"" weight "\"}"

static struct nlb links, routes;

static void make_links(void)
{
	links.len = 0;
	put_link(&links, 1, "lo");
	put_link(&links, 2, "eth0");
	put_link(&links, 3, NULL); /* a link without a name: its routes count as "" */
	put_link(&links, 2, "dup0"); /* an index twice: the first wins, as in node_exporter */
	nlb_done(&links);
}

static void dump_values(void)
{
	struct parsed p = { 0 };
	static const unsigned char v6net[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const unsigned char v6gw[16] = { 0xfe, 0x80, [15] = 1 };
	static const unsigned char mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 7, 8, 9 };
	make_links();
	routes.len = 0;
	/* default via 192.0.2.1 dev eth0 proto boot */
	start_route(&routes, AF_INET, 0, RTPROT_BOOT, RTN_UNICAST);
	put_ip4(&routes, RTA_GATEWAY, 192, 0, 2, 1);
	nlb_u32(&routes, RTA_OIF, 2);
	nlb_end(&routes);
	/* 10.1.2.0/24 dev eth0 proto kernel src 10.1.2.3 metric 100, with metrics */
	start_route(&routes, AF_INET, 24, RTPROT_KERNEL, RTN_UNICAST);
	nlb_u32(&routes, RTA_TABLE, RT_TABLE_MAIN);
	put_ip4(&routes, RTA_DST, 10, 1, 2, 0);
	put_ip4(&routes, RTA_PREFSRC, 10, 1, 2, 3);
	nlb_u32(&routes, RTA_OIF, 2);
	nlb_u32(&routes, RTA_PRIORITY, 100);
	size_t m = nlb_nest(&routes, RTA_METRICS);
	nlb_u32(&routes, RTAX_MTU, 1400);
	nlb_attr(&routes, RTAX_CC_ALGO, "cubic", 6); /* a string: not a u32, and fine */
	nlb_nest_end(&routes, m);
	nlb_end(&routes);
	/* local 10.1.2.3: not unicast, left out */
	start_route(&routes, AF_INET, 32, RTPROT_KERNEL, RTN_LOCAL);
	put_ip4(&routes, RTA_DST, 10, 1, 2, 3);
	nlb_u32(&routes, RTA_OIF, 2);
	nlb_end(&routes);
	/* 2001:db8::/32 via fe80::1 dev eth0 proto static metric 1024 pref medium */
	start_route(&routes, AF_INET6, 32, RTPROT_STATIC, RTN_UNICAST);
	nlb_attr(&routes, RTA_DST, v6net, 16);
	nlb_attr(&routes, RTA_GATEWAY, v6gw, 16);
	nlb_u32(&routes, RTA_OIF, 2);
	nlb_u32(&routes, RTA_PRIORITY, 1024);
	nlb_attr(&routes, RTA_PREF, "\0", 1);
	nlb_end(&routes);
	/* 198.51.100.0/24 proto bgp, two next hops: eth0 weight 1, index 99 weight 5 */
	start_route(&routes, AF_INET, 24, 186, RTN_UNICAST);
	put_ip4(&routes, RTA_DST, 198, 51, 100, 0);
	size_t mp = nlb_nest(&routes, RTA_MULTIPATH);
	put_hop(&routes, 0, 2, 10);
	put_hop(&routes, 4, 99, 11);
	nlb_nest_end(&routes, mp);
	nlb_end(&routes);
	/* host bits set are masked off, as Go's IPNet prints the network */
	start_route(&routes, AF_INET, 8, 99, RTN_UNICAST);
	put_ip4(&routes, RTA_DST, 10, 9, 9, 9);
	nlb_u32(&routes, RTA_OIF, 3);
	nlb_end(&routes);
	/* an IPv4-mapped IPv6 destination is written as IPv4, with a 4-byte mask */
	start_route(&routes, AF_INET6, 24, RTPROT_RA, RTN_UNICAST);
	nlb_attr(&routes, RTA_DST, mapped, 16);
	nlb_u32(&routes, RTA_OIF, 1);
	nlb_end(&routes);
	/* ... and one whose length does not fit 32 bits is "<nil>", as Go writes it */
	start_route(&routes, AF_INET6, 96, RTPROT_RA, RTN_UNICAST);
	nlb_attr(&routes, RTA_DST, mapped, 16);
	nlb_u32(&routes, RTA_OIF, 1);
	nlb_end(&routes);
	/* an empty multipath attribute: a plain route, on no device */
	start_route(&routes, AF_INET, 32, RTPROT_DHCP, RTN_UNICAST);
	put_ip4(&routes, RTA_DST, 203, 0, 113, 5);
	mp = nlb_nest(&routes, RTA_MULTIPATH);
	nlb_nest_end(&routes, mp);
	nlb_end(&routes);
	nlb_done(&routes);

	CHECK_INT(run(&p, &links, &routes), 0);
	const char *o = p.out.p;
	CHECK_DBL(series_value(o, INFO("eth0", "", "default", "192.0.2.1", "0", "boot", "")), 1);
	CHECK_DBL(series_value(o, INFO("eth0", "10.1.2.3", "10.1.2.0/24", "", "100", "kernel", "")), 1);
	CHECK(!strstr(o, "10.1.2.3/32"));
	CHECK_DBL(series_value(o, INFO("eth0", "", "2001:db8::/32", "fe80::1", "1024", "static", "")), 1);
	CHECK_DBL(series_value(o, INFO("eth0", "", "198.51.100.0/24", "192.0.2.10", "0", "bgp", "1")), 1);
	CHECK_DBL(series_value(o, INFO("", "", "198.51.100.0/24", "192.0.2.11", "0", "bgp", "5")), 1);
	CHECK_DBL(series_value(o, INFO("", "", "10.0.0.0/8", "", "0", "unknown", "")), 1);
	CHECK_DBL(series_value(o, INFO("lo", "", "10.7.8.0/24", "", "0", "ra", "")), 1);
	CHECK_DBL(series_value(o, INFO("lo", "", "<nil>", "", "0", "ra", "")), 1);
	CHECK_DBL(series_value(o, INFO("", "", "203.0.113.5/32", "", "0", "dhcp", "")), 1);
	CHECK_DBL(series_value(o, "node_network_routes{device=\"eth0\"}"), 4);
	CHECK_DBL(series_value(o, "node_network_routes{device=\"lo\"}"), 2);
	CHECK_DBL(series_value(o, "node_network_routes{device=\"\"}"), 3);
	CHECK(!strstr(o, "dup0"));
	CHECK(has_line(o, "# TYPE node_network_route_info gauge"));
	CHECK(has_line(o, "# TYPE node_network_routes gauge"));
	/* the same dump again in a warm table gives the same text */
	struct buf first = { 0 };
	buf_append(&first, p.out.p, p.out.len);
	CHECK_INT(run(&p, &links, &routes), 0);
	CHECK(first.len == p.out.len && memcmp(first.p, p.out.p, first.len) == 0);
	buf_fini(&first);
	ifnames_fini(&p.links);
	buf_fini(&p.out);
}

/* One route message with the attribute-writing step w; what the parser returns. */
static int one_route(uint8_t type, void (*w)(struct nlb *))
{
	struct parsed p = { 0 };
	routes.len = 0;
	start_route(&routes, AF_INET, 24, RTPROT_KERNEL, type);
	w(&routes);
	nlb_end(&routes);
	int r = run(&p, &links, &routes);
	ifnames_fini(&p.links);
	buf_fini(&p.out);
	return r;
}

static void w_ok(struct nlb *n) { put_ip4(n, RTA_DST, 10, 0, 0, 0); }
static void w_dst5(struct nlb *n) { nlb_attr(n, RTA_DST, "\x0a\x00\x00\x00\x00", 5); }
static void w_gw3(struct nlb *n) { nlb_attr(n, RTA_GATEWAY, "\x0a\x00\x00", 3); }
static void w_oif2(struct nlb *n) { nlb_attr(n, RTA_OIF, "\x02\x00", 2); }
static void w_table8(struct nlb *n) { nlb_attr(n, RTA_TABLE, "\x01\x00\x00\x00\x00\x00\x00\x00", 8); }
static void w_overrun(struct nlb *n)
{
	struct nlattr a = { .nla_len = 400, .nla_type = RTA_DST };
	nlb_put(n, &a, sizeof(a));
}
static void w_hop_short(struct nlb *n)
{
	size_t mp = nlb_nest(n, RTA_MULTIPATH);
	struct rtnexthop h = { .rtnh_len = 4, .rtnh_ifindex = 2 };
	nlb_put(n, &h, sizeof(h));
	nlb_nest_end(n, mp);
}
static void w_hop_long(struct nlb *n)
{
	size_t mp = nlb_nest(n, RTA_MULTIPATH);
	struct rtnexthop h = { .rtnh_len = 64, .rtnh_ifindex = 2 };
	nlb_put(n, &h, sizeof(h));
	nlb_nest_end(n, mp);
}
static void w_hop_tail(struct nlb *n)
{
	size_t mp = nlb_nest(n, RTA_MULTIPATH);
	put_hop(n, 0, 2, 1);
	nlb_put(n, "\x01\x02\x03\x04", 4); /* 4 bytes: less than a next hop */
	nlb_nest_end(n, mp);
}
static void w_hop_gw5(struct nlb *n)
{
	size_t mp = nlb_nest(n, RTA_MULTIPATH);
	struct rtnexthop h = { .rtnh_len = sizeof(h) + 12, .rtnh_ifindex = 2 };
	nlb_put(n, &h, sizeof(h));
	nlb_attr(n, RTA_GATEWAY, "\x0a\x00\x00\x00\x01", 5);
	nlb_nest_end(n, mp);
}
/* A multicast routing entry's RTA_EXPIRES is 64 bits wide (ipmr's mr_fill_mroute). */
static void w_expires8(struct nlb *n)
{
	uint64_t v = 1234;
	put_ip4(n, RTA_DST, 239, 1, 1, 1);
	nlb_attr(n, RTA_EXPIRES, &v, sizeof(v));
}

static void hostile(void)
{
	make_links();
	CHECK_INT(one_route(RTN_UNICAST, w_ok), 0);
	CHECK_INT(one_route(RTN_UNICAST, w_dst5), -EINVAL);
	CHECK_INT(one_route(RTN_UNICAST, w_gw3), -EINVAL);
	CHECK_INT(one_route(RTN_UNICAST, w_oif2), -EINVAL);
	/* what plumb does not read is not checked (node_exporter 1.5 refuses these) */
	CHECK_INT(one_route(RTN_UNICAST, w_table8), 0);
	CHECK_INT(one_route(RTN_MULTICAST, w_expires8), 0);
	CHECK_INT(one_route(RTN_UNICAST, w_overrun), -EINVAL);
	CHECK_INT(one_route(RTN_UNICAST, w_hop_short), -EINVAL);
	CHECK_INT(one_route(RTN_UNICAST, w_hop_long), -EINVAL);
	CHECK_INT(one_route(RTN_UNICAST, w_hop_tail), -EINVAL);
	CHECK_INT(one_route(RTN_UNICAST, w_hop_gw5), -EINVAL);
	/* every route is decoded before the unicast ones are picked, as in node_exporter */
	CHECK_INT(one_route(RTN_LOCAL, w_dst5), -EINVAL);
	/* a route message shorter than struct rtmsg */
	struct parsed p = { 0 };
	routes.len = 0;
	nlb_msg(&routes, RTM_NEWROUTE);
	nlb_put(&routes, "\x02\x18\x00\x00\x00\x00\x00\x01", 8);
	nlb_end(&routes);
	CHECK_INT(run(&p, &links, &routes), -EINVAL);
	/* a link whose name does not fit IFNAMSIZ */
	struct nlb *bad = calloc(1, sizeof(*bad));
	put_link(bad, 7, "a-name-far-longer-than-sixteen");
	routes.len = 0;
	CHECK_INT(run(&p, bad, &routes), -EINVAL);
	free(bad);
	ifnames_fini(&p.links);
	buf_fini(&p.out);
}

static void live(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.network_route", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "network_route"), 1);
	buf_fini(&out);
}

int main(void)
{
	RUN(dump_values);
	RUN(hostile);
	RUN(live);
	return T_DONE("test_network_route");
}
