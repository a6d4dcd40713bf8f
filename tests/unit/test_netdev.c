/*
 * test_netdev: the netdev collector on this host (netlink), on /proc/net/dev trees, and
 * against hostile input for both parsers.
 */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "collectors/netdev.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define DEV_HDR "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n"

static void fixture_netlink(void)
{
	/* as node_exporter's e2e run: the fixture has no net/dev, lo comes from netlink */
	const char *flags[] = { "--collector.netdev", "--collector.netdev.device-include=lo", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netdev"), 1);
	CHECK_DBL(series_value(out.p, "node_network_receive_errs_total{device=\"lo\"}"), 0);
	CHECK(has_line(out.p, "node_network_receive_nohandler_total{device=\"lo\"}"));
	CHECK(has_line(out.p, "node_network_transmit_packets_total{device=\"lo\"}"));
	CHECK(!has_line(out.p, "node_network_receive_bytes_total{device=\"eth"));
	const char *both[] = { "--collector.netdev", "--collector.netdev.device-include=a",
			       "--collector.netdev.device-exclude=b", NULL };
	CHECK_INT(harness_run_fixture(both, &out), 0);
	CHECK(!has_line(out.p, "node_scrape_collector_success{collector=\"netdev\"}"));
	buf_fini(&out);
}

static void proc_path(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.netdev", "--no-collector.netdev.netlink",
				"--collector.netdev.device-exclude=^lo$", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netdev"), 0);
	tmptree_put(&t, "proc/net/dev", DEV_HDR
		"    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		"  eth0:100 2 3 4 5 6 7 8 9 10 11 12 13 14 15 18446744073709551615\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_receive_bytes_total{device=\"eth0\"}"), 100);
	CHECK_DBL(series_value(out.p, "node_network_receive_multicast_total{device=\"eth0\"}"), 8);
	CHECK_DBL(series_value(out.p, "node_network_transmit_colls_total{device=\"eth0\"}"), 14);
	CHECK_DBL(series_value(out.p, "node_network_transmit_compressed_total{device=\"eth0\"}"), 18446744073709551615.0);
	CHECK(!has_line(out.p, "node_network_receive_nohandler_total"));
	CHECK(!has_line(out.p, "node_network_receive_bytes_total{device=\"lo\"}"));
	tmptree_rm(&t);
	buf_fini(&out);
}

/* Every device, folded counters, no ifalias label. */
static const struct netdev_opts all = { NULL, false, -1 };

static void ifalias_and_old_names(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/net/dev", DEV_HDR
		"    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		"  eth0: 100 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		" ghost: 5 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
	tmptree_put(&t, "sys/class/net/eth0/ifalias", "  uplink \"core\" \n");
	tmptree_mkdir(&t, "sys/class/net/lo");
	const char *flags[] = { "--collector.netdev", "--no-collector.netdev.netlink",
				"--collector.netdev.label-ifalias", NULL };
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_receive_bytes_total{device=\"eth0\","
				      "ifalias=\"uplink \\\"core\\\"\"}"), 100);
	CHECK_DBL(series_value(out.p, "node_network_receive_bytes_total{device=\"lo\",ifalias=\"\"}"), 1);
	/* not in sysfs: no label, as node_exporter */
	CHECK_DBL(series_value(out.p, "node_network_receive_bytes_total{device=\"ghost\"}"), 5);
	const char *plain[] = { "--collector.netdev", "--no-collector.netdev.netlink", NULL };
	CHECK_INT(tmptree_run(&t, plain, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_receive_bytes_total{device=\"eth0\"}"), 100);
	CHECK(!strstr(out.p, "ifalias"));
	/* the deprecated names of device-include and device-exclude */
	const char *old[] = { "--collector.netdev", "--no-collector.netdev.netlink",
			      "--collector.netdev.device-whitelist=^eth", NULL };
	CHECK_INT(tmptree_run(&t, old, &out), 0);
	CHECK(has_line(out.p, "node_network_receive_bytes_total{device=\"eth0\"}"));
	CHECK(!has_line(out.p, "node_network_receive_bytes_total{device=\"lo\"}"));
	const char *black[] = { "--collector.netdev", "--no-collector.netdev.netlink",
				"--collector.netdev.device-blacklist=^eth", NULL };
	CHECK_INT(tmptree_run(&t, black, &out), 0);
	CHECK(!has_line(out.p, "node_network_receive_bytes_total{device=\"eth0\"}"));
	CHECK(has_line(out.p, "node_network_receive_bytes_total{device=\"lo\"}"));
	const char *both[] = { "--collector.netdev", "--collector.netdev.device-whitelist=a",
			       "--collector.netdev.device-include=b", NULL };
	CHECK_INT(tmptree_run(&t, both, &out), 0);
	CHECK(!has_line(out.p, "node_scrape_collector_success{collector=\"netdev\"}"));
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_proc(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ DEV_HDR, 1, 0 },
		{ DEV_HDR "x: 1 2 3\n", 0, 0 },
		{ DEV_HDR "x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", 0, 0 },
		{ DEV_HDR ": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", 0, 0 },
		{ DEV_HDR "x: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -1\n", 0, 0 },
		{ DEV_HDR "x: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 0, 0 },
		{ DEV_HDR "x: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n\n", 1, 16 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = netdev_parse_proc(cases[i].text, strlen(cases[i].text), &all, &s);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	sink_fini(&s);
}

static void hostile_netlink(void)
{
	unsigned char msg[256] = { 0 };
	struct nlmsghdr h = { .nlmsg_len = 300, .nlmsg_type = RTM_NEWLINK };
	struct metric_sink s;
	bool done = false;
	sink_init(&s);
	memcpy(msg, &h, sizeof(h));
	CHECK(netdev_parse_netlink(msg, sizeof(msg), &all, &done, &s) < 0); /* too long */
	h.nlmsg_len = NLMSG_LENGTH(4);
	memcpy(msg, &h, sizeof(h));
	CHECK(netdev_parse_netlink(msg, sizeof(msg), &all, &done, &s) < 0); /* short ifinfomsg */
	h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg) + 8);
	memcpy(msg, &h, sizeof(h));
	struct rtattr a = { .rta_len = 200, .rta_type = IFLA_IFNAME };
	memcpy(msg + NLMSG_LENGTH(sizeof(struct ifinfomsg)), &a, sizeof(a));
	CHECK(netdev_parse_netlink(msg, h.nlmsg_len, &all, &done, &s) < 0); /* attr overruns */
	a.rta_len = 8;
	memcpy(msg + NLMSG_LENGTH(sizeof(struct ifinfomsg)), &a, sizeof(a));
	CHECK_INT(netdev_parse_netlink(msg, h.nlmsg_len, &all, &done, &s), 0); /* no stats */
	CHECK_INT(s.nseries, 0);
	struct nlmsghdr d = { .nlmsg_len = NLMSG_LENGTH(4), .nlmsg_type = NLMSG_DONE };
	memcpy(msg, &d, sizeof(d));
	CHECK_INT(netdev_parse_netlink(msg, d.nlmsg_len, &all, &done, &s), 0);
	CHECK(done);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_netlink);
	RUN(proc_path);
	RUN(ifalias_and_old_names);
	RUN(hostile_proc);
	RUN(hostile_netlink);
	return T_DONE("test_netdev");
}
