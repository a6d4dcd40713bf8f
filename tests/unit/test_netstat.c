/*
 * test_netstat: the netstat collector against the fixture host and hostile input, the
 * memo of its fields decisions (lib/pickmemo) across scrapes, and its allocations per
 * scrape.
 */
#include "alloc_probe.h"
#include "collectors/netstat.h"
#include "harness.h"
#include "lib/pickmemo.h"
#include "tmptree.h"
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
	CHECK_DBL(collector_success(out.p, "netstat"), 1);
	const char *all[] = { "--collector.netstat", "--collector.netstat.fields=^Ip_", NULL };
	CHECK_INT(harness_run_fixture(all, &out), 0);
	CHECK_DBL(series_value(out.p, "node_netstat_Ip_DefaultTTL"), 64);
	CHECK(!has_line(out.p, "node_netstat_Tcp_InSegs "));
	buf_fini(&out);
}

static void missing_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.netstat", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netstat"), 0);
	/* netstat and snmp present, snmp6 missing: fine */
	tmptree_put(&t, "proc/net/netstat", "TcpExt: ListenDrops\nTcpExt: 7\n");
	tmptree_put(&t, "proc/net/snmp", "Udp: InErrors\nUdp: 3\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netstat"), 1);
	CHECK_DBL(series_value(out.p, "node_netstat_TcpExt_ListenDrops"), 7);
	CHECK_DBL(series_value(out.p, "node_netstat_Udp_InErrors"), 3);
	/* a broken snmp6 fails it all */
	tmptree_put(&t, "proc/net/snmp6", "Udp6InErrors x\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netstat"), 0);
	CHECK(isnan(series_value(out.p, "node_netstat_Udp_InErrors")));
	tmptree_rm(&t);
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
		CHECK_RESULT(r, pairs[i].ok);
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
		CHECK_RESULT(r, six[i].ok);
		CHECK_INT(s.nseries, six[i].series);
	}
	sink_fini(&s);
}

static void pickmemo_rules(void)
{
	struct pickmemo m = { 0 };
	pickmemo_rewind(&m);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "InSegs", 6), -ENOENT);
	CHECK_INT(pickmemo_record(&m, "Tcp", 3, "InSegs", 6, true), 0);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "RtoMin", 6), -ENOENT);
	CHECK_INT(pickmemo_record(&m, "Tcp", 3, "RtoMin", 6, false), 0);
	CHECK_INT(pickmemo_next(&m, "Udp", 3, "", 0), -ENOENT);
	CHECK_INT(pickmemo_record(&m, "Udp", 3, "", 0, true), 0);
	pickmemo_rewind(&m); /* the same names: remembered */
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "InSegs", 6), 1);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "RtoMin", 6), 0);
	CHECK_INT(pickmemo_next(&m, "Udp", 3, "", 0), 1);
	CHECK_INT(pickmemo_next(&m, "Udp", 3, "", 0), -ENOENT); /* past the end */
	pickmemo_rewind(&m); /* the same bytes split elsewhere are another name */
	CHECK_INT(pickmemo_next(&m, "TcpI", 4, "nSegs", 5), -ENOENT);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "InSeg", 5), -ENOENT);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "InSegs", 6), 1);
	/* a new name replaces the rest: RtoMin and Udp are forgotten */
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "MaxConn", 7), -ENOENT);
	CHECK_INT(pickmemo_record(&m, "Tcp", 3, "MaxConn", 7, true), 0);
	pickmemo_rewind(&m);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "InSegs", 6), 1);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "MaxConn", 7), 1);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "RtoMin", 6), -ENOENT);
	/* past the limit nothing is remembered, and nothing breaks */
	static char big[PICKMEMO_MAX];
	memset(big, 'a', sizeof(big));
	CHECK_INT(pickmemo_record(&m, big, sizeof(big), "", 0, true), -E2BIG);
	CHECK_INT(pickmemo_next(&m, big, sizeof(big), "", 0), -ENOENT);
	pickmemo_rewind(&m);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "InSegs", 6), 1);
	pickmemo_fini(&m);
	pickmemo_fini(&m);
	pickmemo_rewind(&m);
	CHECK_INT(pickmemo_next(&m, "Tcp", 3, "InSegs", 6), -ENOENT);
}

/* One scrape of agent a into out (text format). Returns 0 or -errno. */
static int scrape(struct agent *a, struct metric_sink *s, struct buf *out)
{
	sink_reset(s);
	int r = agent_collect(a, s);
	buf_reset(out);
	return r < 0 ? r : render_sink(s, EXPO_TEXT, out);
}

/* One agent whose files change layout between scrapes picks by the new names. */
static void picks_follow_new_headers(void)
{
	struct tmptree t;
	char proc[PATH_MAX + 32];
	struct buf out = { 0 };
	struct metric_sink s;
	struct plumb_config *cfg;
	struct agent a;
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/net/netstat", "TcpExt: ListenDrops TW\nTcpExt: 7 8\n");
	tmptree_put(&t, "proc/net/snmp", "Udp: InErrors RcvbufErrors\nUdp: 3 4\n");
	tmptree_put(&t, "proc/net/snmp6", "Udp6InErrors 5\nUdp6IgnoredMulti 6\n");
	snprintf(proc, sizeof(proc), "--path.procfs=%s/proc", t.root);
	char *argv[] = { "plumb", proc, "--collector.disable-defaults", "--collector.netstat",
			 "--log.level=error", NULL };
	CHECK_INT(cfg_parse(5, argv, &cfg), 0);
	sink_init(&s);
	CHECK_INT(agent_init(&a, cfg), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(scrape(&a, &s, &out), 0);
		CHECK_DBL(series_value(out.p, "node_netstat_TcpExt_ListenDrops"), 7);
		CHECK(!has_line(out.p, "node_netstat_TcpExt_TW "));
		CHECK_DBL(series_value(out.p, "node_netstat_Udp_InErrors"), 3);
		CHECK_DBL(series_value(out.p, "node_netstat_Udp_RcvbufErrors"), 4);
		CHECK_DBL(series_value(out.p, "node_netstat_Udp6_InErrors"), 5);
		CHECK(!has_line(out.p, "node_netstat_Udp6_IgnoredMulti "));
	}
	/* fields move, one is renamed into a picked one, one picked goes */
	tmptree_put(&t, "proc/net/netstat", "TcpExt: TW ListenDrops\nTcpExt: 8 7\n");
	tmptree_put(&t, "proc/net/snmp", "Udp: InErrors NoPorts\nUdp: 3 9\n");
	tmptree_put(&t, "proc/net/snmp6", "Udp6IgnoredMulti 6\nUdp6NoPorts 10\n");
	for (int i = 0; i < 2; i++) {
		CHECK_INT(scrape(&a, &s, &out), 0);
		CHECK_DBL(series_value(out.p, "node_netstat_TcpExt_ListenDrops"), 7);
		CHECK(!has_line(out.p, "node_netstat_TcpExt_TW "));
		CHECK_DBL(series_value(out.p, "node_netstat_Udp_InErrors"), 3);
		CHECK_DBL(series_value(out.p, "node_netstat_Udp_NoPorts"), 9);
		CHECK(!has_line(out.p, "node_netstat_Udp_RcvbufErrors "));
		CHECK(!has_line(out.p, "node_netstat_Udp6_InErrors "));
		CHECK_DBL(series_value(out.p, "node_netstat_Udp6_NoPorts"), 10);
	}
	agent_fini(&a);
	sink_fini(&s);
	cfg_free(cfg);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	const char *flags[] = { "--collector.netstat", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--log.level=error", "--collector.disable-defaults",
			       "--collector.netstat", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(hostile_input);
	RUN(pickmemo_rules);
	RUN(picks_follow_new_headers);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_netstat");
}
