/*
 * test_ipvs: the ipvs collector against the fixture host, against node_exporter's own
 * expected outputs for --collector.ipvs.backend-labels, and on missing, truncated and
 * hostile ip_vs and ip_vs_stats files.
 */
#include "collectors/ipvs.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

#define STATS                                                                              \
	"   Total Incoming Outgoing         Incoming         Outgoing\n"                       \
	"   Conns  Packets  Packets            Bytes            Bytes\n"                       \
	"     1F        2        3                4               FF\n"
#define HDR                                                                                \
	"IP Virtual Server version 1.2.1 (size=4096)\n"                                        \
	"Prot LocalAddress:Port Scheduler Flags\n"                                             \
	"  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n"

/* Every sample line of node_exporter's file `name` (in the fixture folder) is in out with
 * its value, and out has no other node_ipvs_ sample. */
static void matches_result_file(const char *out, const char *name)
{
	char path[PATH_MAX], line[1024];
	int want = 0, got = 0;
	snprintf(path, sizeof(path), "%.3000s/%s", fixture_root(), name);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');
		if (line[0] == '#' || !sp)
			continue;
		*sp = '\0';
		want++;
		double v = series_value(out, line);
		if (!(v == strtod(sp + 1, NULL)))
			fprintf(stderr, "%s: %s is %g\n", name, line, v);
		CHECK(v == strtod(sp + 1, NULL));
	}
	if (f)
		fclose(f);
	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		got += strncmp(p, "node_ipvs_", 10) == 0;
	CHECK_INT(got, want);
}

static void fixture_values(void)
{
	const char *flags[] = { "--collector.ipvs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_ipvs_connections_total"), 23765872);
	CHECK_DBL(series_value(out.p, "node_ipvs_incoming_packets_total"), 3811989221.0);
	CHECK_DBL(series_value(out.p, "node_ipvs_incoming_bytes_total"), 89991519156915.0);
	CHECK_DBL(series_value(out.p, "node_ipvs_outgoing_bytes_total"), 0);
	CHECK_DBL(series_value(out.p, "node_ipvs_backend_connections_active{local_address=\"\","
				      "local_mark=\"10001000\",local_port=\"0\",proto=\"FWM\","
				      "remote_address=\"192.168.49.32\",remote_port=\"3306\"}"),
		  321);
	CHECK_DBL(series_value(out.p, "node_ipvs_backend_weight{local_address=\"192.168.0.57\","
				      "local_mark=\"\",local_port=\"3306\",proto=\"TCP\","
				      "remote_address=\"192.168.84.22\",remote_port=\"3306\"}"),
		  0);
	CHECK_DBL(collector_success(out.p, "ipvs"), 1);
	matches_result_file(out.p, "ip_vs_result.txt");
	buf_fini(&out);
}

/* node_exporter's unit test: each label choice against the output it expects. */
static void backend_label_choices(void)
{
	static const struct {
		const char *flag, *file;
	} cases[] = {
		{ "--collector.ipvs.backend-labels="
		  "local_address,local_port,remote_address,remote_port,proto,local_mark",
		  "ip_vs_result.txt" },
		{ "--collector.ipvs.backend-labels=", "ip_vs_result_lbs_none.txt" },
		{ "--collector.ipvs.backend-labels=local_port", "ip_vs_result_lbs_local_port.txt" },
		{ "--collector.ipvs.backend-labels=local_port,,local_address,local_port",
		  "ip_vs_result_lbs_local_address_local_port.txt" },
	};
	struct buf out = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *flags[] = { "--collector.ipvs", cases[i].flag, NULL };
		CHECK_INT(harness_run_fixture(flags, &out), 0);
		matches_result_file(out.p, cases[i].file);
	}
	buf_fini(&out);
}

static void unknown_labels(void)
{
	char unknown[64];
	unsigned mask;
	CHECK_INT(ipvs_parse_labels("invalid_label,bad_label,proto,bad_label", &mask, unknown,
				    sizeof(unknown)),
		  -EINVAL);
	CHECK_STR(unknown, "bad_label, invalid_label");
	CHECK_INT(ipvs_parse_labels("proto,remote_port", &mask, unknown, sizeof(unknown)), 0);
	CHECK_INT(mask, 1u << IPVS_PROTO | 1u << IPVS_REMOTE_PORT);
	CHECK_INT(ipvs_parse_labels("", &mask, unknown, sizeof(unknown)), 0);
	CHECK_INT(mask, 0);
	CHECK_INT(ipvs_parse_labels("xxxxxxxxxxxxxxxxxxxx", &mask, unknown, 8), -EINVAL);
	CHECK_STR(unknown, "xxxxxxx"); /* cut to fit */
	/* the collector is left out (node_exporter refuses to start) */
	const char *flags[] = { "--collector.ipvs", "--collector.ipvs.backend-labels=proto,nope",
				NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK(isnan(collector_success(out.p, "ipvs")));
	CHECK(!has_line(out.p, "node_ipvs_"));
	buf_fini(&out);
}

/* No ip_vs module: no data. Stats without the backend file: a failure. */
static void missing_files(void)
{
	const char *flags[] = { "--collector.ipvs", NULL };
	struct buf out = { 0 };
	struct tmptree t;
	CHECK_INT(tmptree_run_empty("ipvs", &out), 0);
	CHECK_DBL(collector_success(out.p, "ipvs"), 0);
	CHECK(!has_line(out.p, "node_ipvs_"));
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/net/ip_vs_stats", STATS);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "ipvs"), 0);
	CHECK(!has_line(out.p, "node_ipvs_"));
	tmptree_put(&t, "proc/net/ip_vs", HDR);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "ipvs"), 1);
	CHECK_DBL(series_value(out.p, "node_ipvs_connections_total"), 31);
	CHECK_DBL(series_value(out.p, "node_ipvs_outgoing_bytes_total"), 255);
	CHECK(!has_line(out.p, "node_ipvs_backend_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

static void stats_cut_and_garbled(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ STATS, 1 },
		{ "a\nb\n1 2 3 4 5\n", 1 },
		{ "a\nb\n1 2 3 4 5", 0 },         /* no third newline */
		{ "a\nb\n", 0 },
		{ "", 0 },
		{ "a\nb\n1 2 3 4\n", 0 },         /* four fields */
		{ "a\nb\n1 2 3 4 5 6\n", 0 },     /* six */
		{ "a\nb\n0x1 2 3 4 5\n", 0 },     /* Go's base-16 parse takes no 0x */
		{ "a\nb\n1 2 3 4 g\n", 0 },
		{ "a\nb\n1 2 3 4 -5\n", 0 },
		{ "a\nb\n1 2 3 4 10000000000000000\n", 0 }, /* past 64 bits */
		{ "a\nb\n1 2 3 4 FFFFFFFFFFFFFFFF\n\n\n", 1 },
	};
	struct ipvs_stats st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_RESULT(ipvs_parse_stats(cases[i].text, strlen(cases[i].text), &st), cases[i].ok);
	CHECK_INT(ipvs_parse_stats(STATS, strlen(STATS), &st), 0);
	CHECK(st.conns == 31 && st.in_pkts == 2 && st.out_pkts == 3 && st.in_bytes == 4 &&
	      st.out_bytes == 255);
}

static void addresses(void)
{
	static const struct {
		uint8_t b[16];
		const char *text;
	} v6[] = {
		{ { 0 }, "::" },
		{ { [15] = 1 }, "::1" },
		{ { 0x26, 0x20, [15] = 1 }, "2620::1" },
		{ { 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 }, "1:0:0:1::1" }, /* longest run */
		{ { 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0 }, "1::1:0:0:1:0" }, /* first of two */
		{ { 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0 }, "1:0:1:0:1:0:1:0" },
		{ { 0xab, 0xcd, [14] = 0x0f, 0xff }, "abcd::fff" },
	};
	char text[48];
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		struct ipvs_addr a = { .family = 6 };
		memcpy(a.b, v6[i].b, 16);
		ipvs_addr_text(&a, text, sizeof(text));
		CHECK_STR(text, v6[i].text);
	}
	struct ipvs_addr a4 = { .family = 4, .b = { 10, 0, 255, 1 } }, none = { 0 };
	ipvs_addr_text(&a4, text, sizeof(text));
	CHECK_STR(text, "10.0.255.1");
	CHECK_INT(ipvs_addr_text(&none, text, sizeof(text)), 0);
	CHECK_STR(text, "");
}

/* IPv6 services, a mapped IPv4 address, backends before any service and under SCTP (which
 * prometheus/procfs counts for the service above), skipped short lines. */
static void backends_as_procfs_reads_them(void)
{
	const char *text =
		HDR "  -> 0A000001:0050      Masq    1      2          3\n"
		    "TCP  [2620:0000:0000:0000:0000:0000:0000:0001]:0050 rr\n"
		    "  -> [0000:0000:0000:0000:0000:ffff:c0a8:0001]:1F90      Masq    5      6          7\n"
		    "  -> 0A000002:0050 Masq 1 1\n"
		    "SCTP  0A0000FF:0050 rr\n"
		    "  -> 0a000003:0050      Route   8      9          10\n"
		    "\n"
		    "UDP\n"
		    "FWM  0000002A wlc\n"
		    "  -> 0A000004:0035      Masq    1      0          0\n";
	struct ipvs_backends list = { 0 };
	struct metric_sink s;
	double v;
	sink_init(&s);
	CHECK_INT(ipvs_parse_backends(text, strlen(text), &list), 0);
	CHECK_INT(list.n, 4);
	CHECK_INT(ipvs_emit_backends(&list, IPVS_ALL_LABELS, &s), 0);
	CHECK_INT(s.nseries, 12);
	CHECK_INT(sink_finish(&s), 0);
	struct buf out = { 0 };
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_ipvs_backend_connections_active{local_address=\"\","
				      "local_mark=\"\",local_port=\"0\",proto=\"\",remote_address="
				      "\"10.0.0.1\",remote_port=\"80\"}"),
		  2);
	CHECK_DBL(series_value(out.p, "node_ipvs_backend_connections_inactive{local_address="
				      "\"2620::1\",local_mark=\"\",local_port=\"80\",proto=\"TCP\","
				      "remote_address=\"192.168.0.1\",remote_port=\"8080\"}"),
		  7);
	CHECK_DBL(series_value(out.p, "node_ipvs_backend_weight{local_address=\"2620::1\","
				      "local_mark=\"\",local_port=\"80\",proto=\"TCP\",remote_address="
				      "\"10.0.0.3\",remote_port=\"80\"}"),
		  8);
	CHECK_DBL(series_value(out.p, "node_ipvs_backend_weight{local_address=\"\",local_mark="
				      "\"0000002A\",local_port=\"0\",proto=\"FWM\",remote_address="
				      "\"10.0.0.4\",remote_port=\"53\"}"),
		  1);
	/* by local port alone: 80 sums the two TCP backends, 0 the other two */
	sink_reset(&s);
	CHECK_INT(ipvs_emit_backends(&list, 1u << IPVS_LOCAL_PORT, &s), 0);
	CHECK_INT(s.nseries, 6);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_ipvs_backend_connections_active", "local_port",
			  "80", &v) == 0 && v == 15);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_ipvs_backend_weight", "local_port", "0", &v) ==
		      0 && v == 2);
	buf_fini(&out);
	ipvs_backends_fini(&list);
	sink_fini(&s);
}

static void backends_garbled(void)
{
	static const char *const bad[] = {
		"TCP  C0A80016:0CE rr\n",                      /* 12 bytes */
		"TCP  C0A8001G:0CEA rr\n",                     /* not hex */
		"TCP  C0A80016:0CEG rr\n",
		"  -> C0A80016:0CEA Masq x 1 1\n",             /* weight */
		"  -> C0A80016:0CEA Masq 1 -1 1\n",
		"  -> C0A80016:0CEA Masq 1 1 99999999999999999999\n",
		"TCP  [2620:0000:0000:0000:0000:0000:0000:000g]:0050 rr\n",
		"TCP  [2620:0000:0000:0000:0000:0000:0000%0001]:0050 rr\n",
	};
	struct ipvs_backends list = { 0 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(ipvs_parse_backends(bad[i], strlen(bad[i]), &list) < 0);
	/* cut short: the line is short of fields and skipped, or its address is cut */
	const char *cut = "TCP  C0A80016:0CEA wlc\n  -> C0A85216:0CEA      Tunnel  100    248";
	CHECK_INT(ipvs_parse_backends(cut, strlen(cut), &list), 0);
	CHECK_INT(list.n, 0);
	CHECK(ipvs_parse_backends(cut, 16, &list) < 0);
	/* the collector fails whole: no totals without backends */
	struct tmptree t;
	const char *flags[] = { "--collector.ipvs", NULL };
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/net/ip_vs_stats", STATS);
	tmptree_put(&t, "proc/net/ip_vs", bad[0]);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "ipvs"), 0);
	CHECK(!has_line(out.p, "node_ipvs_"));
	tmptree_put(&t, "proc/net/ip_vs_stats", "garbage\n");
	tmptree_put(&t, "proc/net/ip_vs", HDR);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "ipvs"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
	ipvs_backends_fini(&list);
}

int main(void)
{
	RUN(fixture_values);
	RUN(backend_label_choices);
	RUN(unknown_labels);
	RUN(missing_files);
	RUN(stats_cut_and_garbled);
	RUN(addresses);
	RUN(backends_as_procfs_reads_them);
	RUN(backends_garbled);
	return T_DONE("test_ipvs");
}
