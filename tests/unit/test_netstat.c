/*
 * test_netstat: the netstat collector against the fixture host and hostile input.
 */
#include "collectors/netstat.h"
#include "harness.h"
#include "net_tmp.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.netstat", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_netstat_IpExt_InOctets"), 6286396970);
	CHECK_DBL(series_value(out.p, "node_netstat_Tcp_InSegs"), 57252008);
	CHECK_DBL(series_value(out.p, "node_netstat_TcpExt_TCPRcvQDrop"), 131);
	CHECK_DBL(series_value(out.p, "node_netstat_Udp6_RcvbufErrors"), 9);
	CHECK_DBL(series_value(out.p, "node_netstat_Ip6_OutOctets"), 536);
	CHECK_DBL(series_value(out.p, "node_netstat_Ip_Forwarding"), 1);
	CHECK(!has_line(out.p, "node_netstat_Ip_DefaultTTL "));
	CHECK(has_line(out.p, "# TYPE node_netstat_Tcp_InSegs untyped"));
	CHECK_DBL(series_value(out.p, "node_scrape_collector_success{collector=\"netstat\"}"), 1);
	const char *all[] = { "--collector.netstat", "--collector.netstat.fields=^Ip_", NULL };
	CHECK_INT(harness_run_fixture(all, &out), 0);
	CHECK_DBL(series_value(out.p, "node_netstat_Ip_DefaultTTL"), 64);
	CHECK(!has_line(out.p, "node_netstat_Tcp_InSegs "));
	buf_fini(&out);
}

static void missing_files(void)
{
	char dir[PATH_MAX];
	struct buf out = { 0 };
	const char *flags[] = { "--collector.netstat", NULL };
	CHECK_INT(tmp_tree(dir), 0);
	CHECK_INT(harness_run_tmp(dir, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_scrape_collector_success{collector=\"netstat\"}"), 0);
	/* netstat and snmp present, snmp6 missing: fine */
	tmp_put(dir, "proc/net/netstat", "TcpExt: ListenDrops\nTcpExt: 7\n");
	tmp_put(dir, "proc/net/snmp", "Udp: InErrors\nUdp: 3\n");
	CHECK_INT(harness_run_tmp(dir, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_scrape_collector_success{collector=\"netstat\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_netstat_TcpExt_ListenDrops"), 7);
	CHECK_DBL(series_value(out.p, "node_netstat_Udp_InErrors"), 3);
	/* a broken snmp6 fails it all */
	tmp_put(dir, "proc/net/snmp6", "Udp6InErrors x\n");
	CHECK_INT(harness_run_tmp(dir, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_scrape_collector_success{collector=\"netstat\"}"), 0);
	CHECK(isnan(series_value(out.p, "node_netstat_Udp_InErrors")));
	tmp_rm(dir);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} pairs[] = {
		{ "", 1, 0 },
		{ "Tcp: A B\nTcp: 1 2\n", 1, 2 },
		{ "Tcp: A B\nTcp: 1\n", 0, 0 },
		{ "Tcp: A B\nTcp: 1 2 3\n", 0, 0 },
		{ "Tcp: A B\n", 0, 0 },               /* header without values */
		{ "Tcp: A\nTcp: x\n", 0, 0 },
		{ "Tcp: A\nTcp: 1e999\n", 0, 0 },
		{ "\n\n", 0, 0 },
		{ "Tcp:\nTcp:\n", 1, 0 },
		{ "T{cp: A\nT: 1\n", 1, 0 },          /* unusable name: skipped */
		{ "Tcp: A\nTcp: 1\nTcp: A\nTcp: 2\n", 1, 1 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		sink_reset(&s);
		int r = netstat_parse_pairs(pairs[i].text, strlen(pairs[i].text), NULL, &s);
		if (pairs[i].ok)
			CHECK_INT(r, 0);
		else
			CHECK(r < 0);
		CHECK_INT(s.nseries, pairs[i].series);
	}
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} six[] = {
		{ "", 1, 0 },
		{ "Ip6InReceives 5\nIcmp6InMsgs 2\n", 1, 2 },
		{ "Ip6InReceives\n", 1, 0 },
		{ "IpInReceives 5\n", 1, 0 },
		{ "Ip6InReceives five\n", 0, 0 },
		{ "6 1\n", 1, 1 },                     /* protocol "6", empty field */
	};
	for (size_t i = 0; i < sizeof(six) / sizeof(six[0]); i++) {
		sink_reset(&s);
		int r = netstat_parse_snmp6(six[i].text, strlen(six[i].text), NULL, &s);
		if (six[i].ok)
			CHECK_INT(r, 0);
		else
			CHECK(r < 0);
		CHECK_INT(s.nseries, six[i].series);
	}
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(hostile_input);
	return T_DONE("test_netstat");
}
