/*
 * test_rtnl: the netlink message walk and the link, address and link-mode decoders on
 * messages built here (complete, cut short, overrunning, wrongly sized), the address
 * formatting against Go's spelling, the series netdev and netclass's netlink mode make
 * of decoded messages, and live requests to this host's kernel.
 */
#include <arpa/inet.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "collectors/netclass.h"
#include "collectors/netdev.h"
#include "harness.h"
#include "lib/netlink.h"
#include "lib/rtnl.h"
#include "tmptree.h"
#include "t.h"

/* A message under construction. */
struct msg {
	unsigned char b[4096] __attribute__((aligned(8)));
	size_t len;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += NLA_ALIGN(n);
}

/* Append attribute type with payload p[0..n). Returns its offset (for nesting). */
static size_t attr(struct msg *m, uint16_t type, const void *p, size_t n)
{
	size_t at = m->len;
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type };
	memcpy(m->b + m->len, &a, sizeof(a));
	m->len += NLA_HDRLEN;
	if (n)
		put(m, p, n);
	return at;
}

static void attr_u32(struct msg *m, uint16_t type, uint32_t v)
{
	attr(m, type, &v, 4);
}

static void attr_u8(struct msg *m, uint16_t type, uint8_t v)
{
	attr(m, type, &v, 1);
}

static void attr_str(struct msg *m, uint16_t type, const char *s)
{
	attr(m, type, s, strlen(s) + 1);
}

/* Close a nested attribute opened at offset at. */
static void nest_end(struct msg *m, size_t at)
{
	uint16_t len = (uint16_t)(m->len - at);
	memcpy(m->b + at, &len, sizeof(len));
}

/* A link message payload: veth-like va, index 7, peer 8, every attribute set. */
static void link_msg(struct msg *m, bool stats64)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_type = ARPHRD_ETHER,
				 .ifi_index = 7, .ifi_flags = 0x11043 };
	static const unsigned char mac[6] = { 0x02, 0xab, 0, 0x10, 0xfe, 1 };
	static const unsigned char brd[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memset(m, 0, sizeof(*m));
	put(m, &ifi, sizeof(ifi));
	attr_str(m, IFLA_IFNAME, "va");
	attr(m, IFLA_ADDRESS, mac, sizeof(mac));
	attr(m, IFLA_BROADCAST, brd, sizeof(brd));
	attr_str(m, IFLA_IFALIAS, "to \"core\"");
	attr_u32(m, IFLA_MTU, 1400);
	attr_u32(m, IFLA_LINK, 8);
	attr_u8(m, IFLA_OPERSTATE, IF_OPER_UP);
	attr_u8(m, IFLA_CARRIER, 1);
	attr_u8(m, IFLA_LINKMODE, 1);
	attr_u32(m, IFLA_CARRIER_CHANGES, 4);
	attr_u32(m, IFLA_CARRIER_UP_COUNT, 2);
	attr_u32(m, IFLA_CARRIER_DOWN_COUNT, 2);
	attr_u32(m, IFLA_GROUP, 5);
	attr_u32(m, IFLA_TXQLEN, 77);
	size_t props = attr(m, IFLA_PROP_LIST, NULL, 0);
	attr_str(m, IFLA_ALT_IFNAME, "alt-one");
	attr_str(m, IFLA_ALT_IFNAME, "alt-two");
	nest_end(m, props);
	if (stats64) {
		uint64_t s[RTNL_NSTATS];
		for (int i = 0; i < RTNL_NSTATS; i++)
			s[i] = 1000 + (uint64_t)i;
		s[RTNL_receive_bytes] = 1ull << 40;
		attr(m, IFLA_STATS64, s, sizeof(s));
	}
	uint32_t s32[RTNL_NSTATS];
	for (int i = 0; i < RTNL_NSTATS; i++)
		s32[i] = 10 + (uint32_t)i;
	attr(m, IFLA_STATS, s32, sizeof(s32));
}

static void link_decode(void)
{
	struct msg m;
	struct rtnl_link l;
	link_msg(&m, true);
	CHECK_INT(rtnl_parse_link(m.b, m.len, &l), 0);
	CHECK(span_eq(l.name, "va"));
	CHECK_INT(l.index, 7);
	CHECK_INT(l.flags, 0x11043);
	CHECK_INT(l.type, ARPHRD_ETHER);
	CHECK_INT(l.address_len, 6);
	CHECK(span_eq(l.alias, "to \"core\""));
	CHECK_INT(l.mtu, 1400);
	CHECK_INT(l.link, 8);
	CHECK_INT(l.operstate, IF_OPER_UP);
	CHECK(l.has_carrier && l.carrier == 1 && l.has_linkmode && l.linkmode == 1);
	CHECK(l.has_carrier_changes && l.carrier_changes == 4 && l.carrier_up == 2);
	CHECK(l.has_group && l.group == 5 && l.has_txqlen && l.txqlen == 77);
	CHECK(l.has_stats64 && l.has_stats32);
	CHECK(l.stats[RTNL_receive_bytes] == 1ull << 40); /* the 64-bit counters win */
	CHECK_INT(l.stats[RTNL_receive_nohandler], 1023);
	struct nl_attr_iter it = nl_attrs(l.props, l.props_len);
	struct span alt;
	CHECK_INT(rtnl_next_altname(&it, &alt), 1);
	CHECK(span_eq(alt, "alt-one"));
	CHECK_INT(rtnl_next_altname(&it, &alt), 1);
	CHECK(span_eq(alt, "alt-two"));
	CHECK_INT(rtnl_next_altname(&it, &alt), 0);

	link_msg(&m, false); /* 32-bit counters only, widened */
	CHECK_INT(rtnl_parse_link(m.b, m.len, &l), 0);
	CHECK(!l.has_stats64 && l.has_stats32);
	CHECK_INT(l.stats[RTNL_receive_bytes], 12);

	/* a bare link: optional values absent */
	struct ifinfomsg ifi = { .ifi_index = 1, .ifi_type = ARPHRD_LOOPBACK };
	memset(&m, 0, sizeof(m));
	put(&m, &ifi, sizeof(ifi));
	CHECK_INT(rtnl_parse_link(m.b, m.len, &l), 0);
	CHECK(!l.name.len && !l.has_carrier && !l.has_txqlen && !l.has_stats64 && !l.props_len);
}

static void link_hostile(void)
{
	struct msg m;
	struct rtnl_link l;
	struct ifinfomsg ifi = { .ifi_index = 3 };
	memset(&m, 0, sizeof(m));
	CHECK_INT(rtnl_parse_link(m.b, sizeof(ifi) - 1, &l), -EINVAL); /* cut short */
	static const struct {
		uint16_t type;
		size_t len;
	} bad[] = { { IFLA_MTU, 2 }, { IFLA_MTU, 8 }, { IFLA_OPERSTATE, 4 },
		    { IFLA_CARRIER_CHANGES, 1 }, { IFLA_ADDRESS, 33 }, { IFLA_BROADCAST, 40 } };
	unsigned char junk[64] = { 0 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		memset(&m, 0, sizeof(m));
		put(&m, &ifi, sizeof(ifi));
		attr(&m, bad[i].type, junk, bad[i].len);
		CHECK_INT(rtnl_parse_link(m.b, m.len, &l), -EINVAL);
	}
	/* an attribute longer than the message */
	memset(&m, 0, sizeof(m));
	put(&m, &ifi, sizeof(ifi));
	attr_str(&m, IFLA_IFNAME, "eth0");
	CHECK_INT(rtnl_parse_link(m.b, m.len - 4, &l), -EINVAL);
	/* a name without its NUL, an empty alias, a short stats struct: accepted */
	memset(&m, 0, sizeof(m));
	put(&m, &ifi, sizeof(ifi));
	attr(&m, IFLA_IFNAME, "eth0", 4);
	attr(&m, IFLA_IFALIAS, "", 0);
	uint64_t two[2] = { 5, 6 };
	attr(&m, IFLA_STATS64, two, sizeof(two));
	CHECK_INT(rtnl_parse_link(m.b, m.len, &l), 0);
	CHECK(span_eq(l.name, "eth0") && l.alias.len == 0);
	CHECK(l.stats[0] == 5 && l.stats[1] == 6 && l.stats[2] == 0);
	/* a broken property list shows when walked */
	memset(&m, 0, sizeof(m));
	put(&m, &ifi, sizeof(ifi));
	struct nlattr inner = { .nla_len = 200, .nla_type = IFLA_ALT_IFNAME };
	attr(&m, IFLA_PROP_LIST, &inner, sizeof(inner));
	CHECK_INT(rtnl_parse_link(m.b, m.len, &l), 0);
	struct nl_attr_iter it = nl_attrs(l.props, l.props_len);
	struct span alt;
	CHECK_INT(rtnl_next_altname(&it, &alt), -EINVAL);
}

static void addr_decode(void)
{
	struct msg m;
	struct rtnl_addr a;
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 30, .ifa_index = 4 };
	unsigned char peer[4] = { 10, 0, 0, 2 }, local[4] = { 10, 0, 0, 1 };
	memset(&m, 0, sizeof(m));
	put(&m, &ifa, sizeof(ifa));
	attr(&m, IFA_ADDRESS, peer, 4);
	attr(&m, IFA_LOCAL, local, 4);
	attr_str(&m, IFA_LABEL, "ppp0");
	CHECK_INT(rtnl_parse_addr(m.b, m.len, &a), 0);
	CHECK(a.has_addr && a.family == AF_INET && a.prefixlen == 30 && a.index == 4);
	CHECK(memcmp(a.addr, local, 4) == 0); /* the local end, not the peer */

	struct ifaddrmsg ifa6 = { .ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_index = 2 };
	unsigned char v6[16] = { 0xfe, 0x80, [14] = 0xab, [15] = 0xcd };
	memset(&m, 0, sizeof(m));
	put(&m, &ifa6, sizeof(ifa6));
	attr(&m, IFA_ADDRESS, v6, 16);
	CHECK_INT(rtnl_parse_addr(m.b, m.len, &a), 0);
	CHECK(a.has_addr && memcmp(a.addr, v6, 16) == 0);

	memset(&m, 0, sizeof(m));
	put(&m, &ifa6, sizeof(ifa6));
	attr(&m, IFA_ADDRESS, v6, 4); /* an IPv6 address of 4 bytes */
	CHECK_INT(rtnl_parse_addr(m.b, m.len, &a), -EINVAL);

	struct ifaddrmsg other = { .ifa_family = AF_PACKET, .ifa_index = 2 };
	memset(&m, 0, sizeof(m));
	put(&m, &other, sizeof(other));
	attr(&m, IFA_ADDRESS, v6, 6);
	CHECK_INT(rtnl_parse_addr(m.b, m.len, &a), 0);
	CHECK(!a.has_addr);
	CHECK_INT(rtnl_parse_addr(m.b, 3, &a), -EINVAL);

	/* the series netdev makes of addresses */
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	a = (struct rtnl_addr){ .family = AF_INET6, .prefixlen = 64, .has_addr = true };
	memcpy(a.addr, v6, 16);
	CHECK_INT(netdev_emit_addr(&a, "eth0", &s), 0);
	a.prefixlen = 129; /* impossible: left out */
	CHECK_INT(netdev_emit_addr(&a, "eth0", &s), 0);
	a = (struct rtnl_addr){ .family = AF_INET, .prefixlen = 8, .has_addr = true,
				.addr = { 127, 0, 0, 1 } };
	CHECK_INT(netdev_emit_addr(&a, "lo", &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_address_info{address=\"fe80::abcd\","
				      "device=\"eth0\",netmask=\"64\",scope=\"link-local\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_network_address_info{address=\"127.0.0.1\","
				      "device=\"lo\",netmask=\"8\",scope=\"link-local\"}"), 1);
	CHECK_INT(s.nseries, 2);
	sink_fini(&s);
	buf_fini(&out);
}

static void linkmodes_decode(void)
{
	struct msg m;
	struct rtnl_linkmodes lm;
	struct genlmsghdr g = { .cmd = ETHTOOL_MSG_LINKMODES_GET_REPLY, .version = 1 };
	memset(&m, 0, sizeof(m));
	put(&m, &g, sizeof(g));
	size_t h = attr(&m, NLA_F_NESTED | ETHTOOL_A_LINKMODES_HEADER, NULL, 0);
	attr_u32(&m, ETHTOOL_A_HEADER_DEV_INDEX, 9);
	attr_str(&m, ETHTOOL_A_HEADER_DEV_NAME, "eth9");
	nest_end(&m, h);
	attr_u8(&m, ETHTOOL_A_LINKMODES_AUTONEG, 1);
	attr_u32(&m, ETHTOOL_A_LINKMODES_SPEED, 25000);
	attr_u8(&m, ETHTOOL_A_LINKMODES_DUPLEX, 1);
	CHECK_INT(rtnl_parse_linkmodes(m.b, m.len, &lm), 0);
	CHECK(lm.index == 9 && span_eq(lm.name, "eth9"));
	CHECK(lm.has_speed && lm.speed == 25000 && lm.has_duplex && lm.duplex == 1);
	CHECK_INT(rtnl_parse_linkmodes(m.b, 2, &lm), -EINVAL);
	attr_u32(&m, ETHTOOL_A_LINKMODES_DUPLEX, 1); /* a u8 sent as a u32 */
	CHECK_INT(rtnl_parse_linkmodes(m.b, m.len, &lm), -EINVAL);
}

static void formats(void)
{
	static const struct {
		const char *in; /* as inet_pton reads it */
		const char *go; /* as Go's net.IP.String() writes it */
		const char *scope;
	} v6[] = {
		{ "::", "::", "" },
		{ "::1", "::1", "link-local" },
		{ "1::", "1::", "global" },
		{ "2001:db8::1", "2001:db8::1", "global" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "global" },
		{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1", "global" },
		{ "1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0", "global" },
		{ "2001:DB8:0:ABCD:0:0:0:0", "2001:db8:0:abcd::", "global" },
		{ "::ffff:192.0.2.1", "192.0.2.1", "global" },
		{ "::192.0.2.1", "::c000:201", "global" },
		{ "fe80::abcd", "fe80::abcd", "link-local" },
		{ "febf::1", "febf::1", "link-local" },
		{ "fec0::1", "fec0::1", "global" },
		{ "ff02::1", "ff02::1", "link-local" },
		{ "ff01::1", "ff01::1", "interface-local" },
		{ "ff05::1", "ff05::1", "" },
	};
	char out[64];
	unsigned char a[16];
	for (size_t i = 0; i < sizeof(v6) / sizeof(*v6); i++) {
		CHECK_INT(inet_pton(AF_INET6, v6[i].in, a), 1);
		rtnl_format_ip(AF_INET6, a, out, sizeof(out));
		CHECK_STR(out, v6[i].go);
		CHECK_STR(rtnl_ip_scope(AF_INET6, a), v6[i].scope);
	}
	static const struct {
		const char *in, *scope;
	} v4[] = {
		{ "10.1.2.3", "global" },       { "127.0.0.53", "link-local" },
		{ "169.254.1.1", "link-local" }, { "224.0.0.251", "link-local" },
		{ "224.0.1.1", "" },             { "0.0.0.0", "" },
		{ "255.255.255.255", "" },       { "192.0.2.255", "global" },
	};
	for (size_t i = 0; i < sizeof(v4) / sizeof(*v4); i++) {
		CHECK_INT(inet_pton(AF_INET, v4[i].in, a), 1);
		rtnl_format_ip(AF_INET, a, out, sizeof(out));
		CHECK_STR(out, v4[i].in);
		CHECK_STR(rtnl_ip_scope(AF_INET, a), v4[i].scope);
	}
	static const unsigned char mac[6] = { 0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc };
	rtnl_format_hwaddr(mac, 6, out, sizeof(out));
	CHECK_STR(out, "00:1b:21:aa:bb:cc");
	rtnl_format_hwaddr(mac, 0, out, sizeof(out));
	CHECK_STR(out, "");
	unsigned char long_addr[RTNL_MAX_ADDR];
	char big[3 * RTNL_MAX_ADDR];
	memset(long_addr, 0xab, sizeof(long_addr));
	rtnl_format_hwaddr(long_addr, sizeof(long_addr), big, sizeof(big));
	CHECK_INT(strlen(big), 3 * RTNL_MAX_ADDR - 1);
}

/* nl_msg_fn counting messages; fails on type 99. */
static int count_msgs(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	(void)p;
	(void)len;
	if (type == 99)
		return -ENOSPC;
	(*(int *)ctx)++;
	return 0;
}

/* Append a message of type with payload p[0..n) to m. */
static void message(struct msg *m, uint16_t type, const void *p, size_t n)
{
	struct nlmsghdr h = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(n), .nlmsg_type = type };
	memcpy(m->b + m->len, &h, sizeof(h));
	if (n)
		memcpy(m->b + m->len + NLMSG_HDRLEN, p, n);
	m->len += NLMSG_ALIGN(h.nlmsg_len);
}

static void walk_messages(void)
{
	struct msg m;
	int n = 0;
	bool done = false;
	struct nlmsgerr err = { .error = -ENODEV };
	memset(&m, 0, sizeof(m));
	message(&m, RTM_NEWLINK, "abcd", 4);
	message(&m, NLMSG_NOOP, NULL, 0);
	message(&m, RTM_NEWLINK, "abc", 3);
	size_t two = m.len;
	message(&m, NLMSG_DONE, "\0\0\0\0", 4);
	message(&m, RTM_NEWLINK, "late", 4);
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), 0);
	CHECK(done && n == 2);
	done = false;
	n = 0;
	CHECK_INT(nl_parse(m.b, two, count_msgs, &n, &done), 0);
	CHECK(!done && n == 2);
	memset(&m, 0, sizeof(m));
	message(&m, NLMSG_ERROR, &err, sizeof(err));
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), -ENODEV);
	/* a dump the kernel could not make ends with its error in NLMSG_DONE */
	int32_t enoent = -ENOENT;
	memset(&m, 0, sizeof(m));
	message(&m, RTM_NEWLINK, "abcd", 4);
	message(&m, NLMSG_DONE, &enoent, sizeof(enoent));
	done = false;
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), -ENOENT);
	CHECK(done);
	memset(&m, 0, sizeof(m));
	message(&m, NLMSG_DONE, NULL, 0); /* no payload: no error */
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), 0);
	err.error = 0; /* an acknowledgement */
	memset(&m, 0, sizeof(m));
	message(&m, NLMSG_ERROR, &err, sizeof(err));
	done = false;
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), 0);
	CHECK(done);
	err.error = -5000; /* not an errno */
	memset(&m, 0, sizeof(m));
	message(&m, NLMSG_ERROR, &err, sizeof(err));
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), -EIO);
	memset(&m, 0, sizeof(m));
	message(&m, NLMSG_ERROR, &err, 2); /* too short to hold the error */
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), -EINVAL);
	memset(&m, 0, sizeof(m));
	message(&m, 99, NULL, 0);
	CHECK_INT(nl_parse(m.b, m.len, count_msgs, &n, &done), -ENOSPC);
	memset(&m, 0, sizeof(m));
	message(&m, RTM_NEWLINK, "abcd", 4);
	CHECK_INT(nl_parse(m.b, m.len - 1, count_msgs, &n, &done), -EINVAL); /* cut short */
	struct nlmsghdr tiny = { .nlmsg_len = 8, .nlmsg_type = RTM_NEWLINK };
	memcpy(m.b, &tiny, sizeof(tiny));
	CHECK_INT(nl_parse(m.b, 16, count_msgs, &n, &done), -EINVAL);
}

static void netclass_series(void)
{
	struct tmptree t;
	struct msg m;
	struct rtnl_link l;
	struct regex *ignored = NULL;
	struct netclass_rtnl *n = NULL;
	struct metric_sink s;
	struct buf out = { 0 };
	char sys[PATH_MAX];
	sink_init(&s);
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/class/net/va/addr_assign_type", "3\n");
	tmptree_put(&t, "sys/class/net/va/dev_id", "0x10\n");
	tmptree_put(&t, "sys/class/net/va/name_assign_type", "bogus\n");
	tmptree_path(&t, "sys", sys, sizeof(sys));
	CHECK_INT(regex_compile("^skip", &ignored, NULL, 0), 0);
	CHECK_INT(netclass_rtnl_new(sys, ignored, true, false, &n), 0);
	link_msg(&m, true);
	CHECK_INT(rtnl_parse_link(m.b, m.len, &l), 0);
	CHECK_INT(netclass_rtnl_emit(n, &l, &s), 0);
	l.name = SPAN_LIT("skipped");
	CHECK_INT(netclass_rtnl_emit(n, &l, &s), 0);
	link_msg(&m, false); /* no 64-bit counters: no with-stats series */
	CHECK_INT(rtnl_parse_link(m.b, m.len, &l), 0);
	l.name = SPAN_LIT("vb");
	l.link = 0;      /* its own link: iface_link is its index */
	l.operstate = 9; /* out of RFC 2863's range */
	CHECK_INT(netclass_rtnl_emit(n, &l, &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_info{address=\"02:ab:00:10:fe:01\","
				      "broadcast=\"ff:ff:ff:ff:ff:ff\",device=\"va\",duplex=\"\","
				      "ifalias=\"to \\\"core\\\"\",operstate=\"up\"}"), 1);
	CHECK(has_line(out.p, "node_network_info{address=\"02:ab:00:10:fe:01\",broadcast=\"ff:ff:"
			      "ff:ff:ff:ff\",device=\"vb\",duplex=\"\",ifalias=\"to \\\"core\\\"\","
			      "operstate=\"unknown\"}"));
	CHECK_DBL(series_value(out.p, "node_network_altnames_info{altname=\"alt-two\",device=\"va\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_network_up{device=\"va\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_network_up{device=\"vb\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_network_iface_link{device=\"va\"}"), 8);
	CHECK_DBL(series_value(out.p, "node_network_iface_link{device=\"vb\"}"), 7);
	CHECK_DBL(series_value(out.p, "node_network_dormant{device=\"va\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"va\"}"), 1400);
	CHECK_DBL(series_value(out.p, "node_network_flags{device=\"va\"}"), 0x11043);
	CHECK_DBL(series_value(out.p, "node_network_address_assign_type{device=\"va\"}"), 3);
	CHECK_DBL(series_value(out.p, "node_network_device_id{device=\"va\"}"), 16);
	CHECK(!has_line(out.p, "node_network_name_assign_type")); /* not a number: absent */
	CHECK(!has_line(out.p, "node_network_address_assign_type{device=\"vb\"}")); /* no file */
	CHECK_DBL(series_value(out.p, "node_network_carrier_changes_total{device=\"va\"}"), 4);
	CHECK(strstr(out.p, "# TYPE node_network_receive_bytes_total gauge\n") != NULL);
	CHECK_DBL(series_value(out.p, "node_network_receive_bytes_total{device=\"va\"}"),
		  (double)(1ull << 40));
	CHECK(!has_line(out.p, "node_network_receive_bytes_total{device=\"vb\"}"));
	CHECK(!strstr(out.p, "skipped"));
	CHECK(!has_line(out.p, "node_network_speed_bytes"));
	netclass_rtnl_free(n);
	regex_free(ignored);
	tmptree_rm(&t);
	sink_fini(&s);
	buf_fini(&out);
}

static void live_kernel(void)
{
	static unsigned char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	uint16_t id = 0;
	CHECK_INT(nl_genl_family("nlctrl", buf, sizeof(buf), &id), 0);
	CHECK_INT(id, GENL_ID_CTRL);
	CHECK_INT(nl_genl_family("plumb-nofamily", buf, sizeof(buf), &id), -ENOENT);
	/* the links: lo is always there, with its counters */
	const char *flags[] = { "--collector.netdev", "--collector.netdev.enable-detailed-metrics",
				"--collector.netdev.device-include=^lo$", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netdev"), 1);
	CHECK(has_line(out.p, "node_network_receive_crc_errors_total{device=\"lo\"}"));
	CHECK(!has_line(out.p, "node_network_receive_errs_total"));
	buf_fini(&out);
}

int main(void)
{
	RUN(link_decode);
	RUN(link_hostile);
	RUN(addr_decode);
	RUN(linkmodes_decode);
	RUN(formats);
	RUN(walk_messages);
	RUN(netclass_series);
	RUN(live_kernel);
	return T_DONE("test_rtnl");
}
