/*
 * test_qdisc: the qdisc collector on node_exporter's fixture (switched on by the fixtures
 * flag alone), its device flags under both spellings, hostile fixtures, hand-built
 * RTM_NEWQDISC messages (malformed ones included), this host's own qdiscs, and the JSON
 * reader (lib/jscan) under the fixture parsers.
 */
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "collectors/qdisc.h"
#include "harness.h"
#include "lib/jscan.h"
#include "nlattr_build.h"
#include "t.h"
#include "tmptree.h"

static char fixture_flag[PATH_MAX + 64];

static const char *fixtures(void)
{
	snprintf(fixture_flag, sizeof(fixture_flag), "--collector.qdisc.fixtures=%.4000s/qdisc/",
		 fixture_root());
	return fixture_flag;
}

#define S(name, dev, kind) "node_qdisc_" name "{device=\"" dev "\",kind=\"" kind "\"}"

/* node_exporter's e2e output for its fixture, with the collector named by no flag. */
static void fixture_values(void)
{
	const char *flags[] = { fixtures(), NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "qdisc"), 1);
	CHECK_DBL(series_value(out.p, S("bytes_total", "wlan0", "fq")), 42);
	CHECK_DBL(series_value(out.p, S("packets_total", "wlan0", "fq")), 42);
	CHECK_DBL(series_value(out.p, S("requeues_total", "wlan0", "fq")), 1);
	CHECK_DBL(series_value(out.p, S("drops_total", "wlan0", "fq")), 1);
	CHECK_DBL(series_value(out.p, S("overlimits_total", "wlan0", "fq")), 0);
	CHECK_DBL(series_value(out.p, S("current_queue_length", "wlan0", "fq")), 0);
	CHECK_DBL(series_value(out.p, S("backlog", "wlan0", "fq")), 0);
	CHECK_DBL(series_value(out.p, S("bytes_total", "eth0", "pfifo_fast")), 83);
	CHECK_DBL(series_value(out.p, S("packets_total", "eth0", "pfifo_fast")), 83);
	CHECK_DBL(series_value(out.p, S("requeues_total", "eth0", "pfifo_fast")), 2);
	CHECK_DBL(series_value(out.p, S("drops_total", "eth0", "pfifo_fast")), 0);
	CHECK(strstr(out.p, "# TYPE node_qdisc_bytes_total counter\n") != NULL);
	CHECK(strstr(out.p, "# TYPE node_qdisc_backlog gauge\n") != NULL);
	/* --no-collector.qdisc wins over the fixtures flag */
	const char *off[] = { fixtures(), "--no-collector.qdisc", NULL };
	CHECK_INT(harness_run_fixture(off, &out), 0);
	CHECK(isnan(collector_success(out.p, "qdisc")));
	CHECK(!has_line(out.p, "node_qdisc_"));
	/* an empty value is no fixture folder: the collector stays off */
	const char *empty[] = { "--collector.qdisc.fixtures=", NULL };
	CHECK_INT(harness_run_fixture(empty, &out), 0);
	CHECK(isnan(collector_success(out.p, "qdisc")));
	buf_fini(&out);
}

/* Count of node_qdisc_bytes_total series for dev in out. */
static int has_dev(const char *out, const char *dev)
{
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "node_qdisc_bytes_total{device=\"%s\"", dev);
	return has_line(out, prefix);
}

static void device_flags(void)
{
	static const struct {
		const char *flag;
		int eth0, wlan0; /* -1: the collector is left out */
	} cases[] = {
		{ "--collector.qdisk.device-include=^wlan", 0, 1 },
		{ "--collector.qdisk.device-exclude=^wlan", 1, 0 },
		{ "--collector.qdisc.device-include=eth", 1, 0 },
		{ "--collector.qdisc.device-exclude=eth", 0, 1 },
		{ "--collector.qdisc.device-include=(wlan0|eth0)", 1, 1 },
		{ "--collector.qdisk.device-include=nothing", 0, 0 },
	};
	struct buf out = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *flags[] = { fixtures(), cases[i].flag, NULL };
		CHECK_INT(harness_run_fixture(flags, &out), 0);
		CHECK_DBL(collector_success(out.p, "qdisc"), 1);
		CHECK_INT(has_dev(out.p, "eth0"), cases[i].eth0);
		CHECK_INT(has_dev(out.p, "wlan0"), cases[i].wlan0);
	}
	static const char *const both[][2] = {
		{ "--collector.qdisk.device-include=a", "--collector.qdisk.device-exclude=b" },
		{ "--collector.qdisc.device-include=a", "--collector.qdisk.device-exclude=b" },
		{ "--collector.qdisk.device-include=a", "--collector.qdisc.device-include=a" },
		{ "--collector.qdisk.device-exclude=a", "--collector.qdisc.device-exclude=b" },
	};
	for (size_t i = 0; i < sizeof(both) / sizeof(*both); i++) {
		const char *flags[] = { fixtures(), both[i][0], both[i][1], NULL };
		CHECK_INT(harness_run_fixture(flags, &out), 0);
		CHECK(isnan(collector_success(out.p, "qdisc"))); /* left out, logged */
	}
	buf_fini(&out);
}

/* Run the collector on results.json holding text; returns its success, output in out. */
static double run_json(struct tmptree *t, const char *text, struct buf *out)
{
	char flag[PATH_MAX + 64];
	tmptree_put(t, "q/results.json", text);
	snprintf(flag, sizeof(flag), "--collector.qdisc.fixtures=%s/q", t->root);
	const char *flags[] = { flag, NULL };
	CHECK_INT(tmptree_run(t, flags, out), 0);
	return collector_success(out->p, "qdisc");
}

static void hostile_fixtures(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char flag[PATH_MAX + 64];
	CHECK_INT(tmptree_make(&t), 0);
	/* no results.json: the collection fails */
	snprintf(flag, sizeof(flag), "--collector.qdisc.fixtures=%s/none", t.root);
	const char *flags[] = { flag, NULL };
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "qdisc"), 0);
	/* null and an empty array: no qdiscs */
	CHECK_DBL(run_json(&t, " null ", &out), 1);
	CHECK(!has_line(out.p, "node_qdisc_"));
	CHECK_DBL(run_json(&t, "[]", &out), 1);
	/* Go's matching: any case, unknown and null members skipped, later members win */
	CHECK_DBL(run_json(&t,
			   "[{\"ifacename\":\"x\\u00e9\",\"KIND\":\"htb\",\"bytes\":18446744073709551615,"
			   "\"Extra\":{\"a\":[1,{\"b\":null}]},\"Drops\":null,\"Qlen\":5,\"qlen\":7}]",
			   &out),
		  1);
	CHECK_DBL(series_value(out.p, "node_qdisc_current_queue_length{device=\"x\xc3\xa9\","
				      "kind=\"htb\"}"),
		  7);
	CHECK_DBL(series_value(out.p, "node_qdisc_bytes_total{device=\"x\xc3\xa9\",kind=\"htb\"}"),
		  18446744073709551615.0);
	/* a child qdisc (parent set) is not reported */
	CHECK_DBL(run_json(&t, "[{\"IfaceName\":\"c\",\"Parent\":65537}]", &out), 1);
	CHECK(!has_line(out.p, "node_qdisc_"));
	static const char *const bad[] = {
		"",
		"[",
		"[{\"IfaceName\":\"a\"}",
		"[{\"IfaceName\":\"a\"}] x",
		"[{\"IfaceName\":\"a\",}]",
		"[{\"IfaceName\":\"a\"},]",
		"[null]",
		"[1]",
		"{\"IfaceName\":\"a\"}",
		"[{\"IfaceName\":7}]",
		"[{\"Bytes\":\"7\"}]",
		"[{\"Packets\":4294967296}]",
		"[{\"Packets\":-1}]",
		"[{\"Packets\":1.0}]",
		"[{\"Packets\":1e3}]",
		"[{\"Packets\":01}]",
		"[{\"Kind\":\"a\x01\"}]",
		"[{\"Kind\":\"\\x\"}]",
		"[{\"Kind\":\"\\u12\"}]",
		"[{\"Kind\":true}]",
		"[{\"IfaceName\":\"a\"}][]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		double ok = run_json(&t, bad[i], &out);
		if (ok != 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK_DBL(ok, 0);
		CHECK(!has_line(out.p, "node_qdisc_"));
	}
	/* a second entry that is wrong fails the whole file, first entry included */
	CHECK_DBL(run_json(&t, "[{\"IfaceName\":\"a\"},{\"Bytes\":-1}]", &out), 0);
	CHECK(!has_line(out.p, "node_qdisc_"));
	/* nesting beyond the limit */
	char deep[400];
	memset(deep, '[', 200);
	memset(deep + 200, ']', 199);
	deep[399] = '\0';
	CHECK_DBL(run_json(&t, deep, &out), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* An RTM_NEWQDISC payload: tcmsg for ifindex 3, parent, then kind and stats. */
static void qdisc_msg(struct nlb *m, uint32_t parent, bool legacy)
{
	struct tcmsg tc = { .tcm_family = AF_UNSPEC, .tcm_ifindex = 3, .tcm_handle = 0x80010000,
			    .tcm_parent = parent };
	m->len = 0;
	nlb_raw(m, &tc, sizeof(tc));
	nlb_str(m, TCA_KIND, "fq_codel");
	size_t at = nlb_nest(m, TCA_STATS2);
	struct gnet_stats_basic basic = { .bytes = 5000000000ull, .packets = 70 };
	nlb_attr(m, TCA_STATS_BASIC, &basic, sizeof(basic));
	struct gnet_stats_queue q = { .qlen = 1, .backlog = 2, .drops = 3, .requeues = 4,
				      .overlimits = 5 };
	nlb_attr(m, TCA_STATS_QUEUE, &q, sizeof(q));
	uint64_t app[7] = { 0 };
	nlb_attr(m, TCA_STATS_APP, app, sizeof(app));
	nlb_end(m, at);
	if (legacy) { /* the kernel appends the old block after TCA_STATS2 */
		struct tc_stats st = { .bytes = 6000000000ull, .packets = 71, .drops = 13,
				       .overlimits = 15, .qlen = 11, .backlog = 12 };
		nlb_attr(m, TCA_STATS, &st, sizeof(st));
	}
}

static void netlink_messages(void)
{
	struct nlb m;
	struct qdisc_info q;
	qdisc_msg(&m, TC_H_ROOT, false);
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), 0);
	CHECK_INT(q.ifindex, 3);
	CHECK_INT(q.parent, 0);
	CHECK_STR(q.kind, "fq_codel");
	CHECK(q.bytes == 5000000000ull);
	CHECK_INT(q.packets, 70);
	CHECK_INT(q.qlen, 1);
	CHECK_INT(q.backlog, 2);
	CHECK_INT(q.drops, 3);
	CHECK_INT(q.requeues, 4);
	CHECK_INT(q.overlimits, 5);
	/* the old block, after TCA_STATS2, wins where both have a counter */
	qdisc_msg(&m, TC_H_ROOT, true);
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), 0);
	CHECK(q.bytes == 6000000000ull);
	CHECK_INT(q.packets, 71);
	CHECK_INT(q.drops, 13);
	CHECK_INT(q.requeues, 4);
	CHECK_INT(q.overlimits, 15);
	CHECK_INT(q.qlen, 11);
	CHECK_INT(q.backlog, 12);

	struct metric_sink s;
	struct buf out = { 0 };
	struct filter f = { 0 };
	sink_init(&s);
	CHECK_INT(qdisc_emit(&q, "eth9", NULL, &s), 0);
	CHECK_INT((int)s.nseries, 7);
	qdisc_msg(&m, 0x80010001, false); /* a class's qdisc under mq */
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), 0);
	CHECK_INT(qdisc_emit(&q, "eth9", NULL, &s), 0);
	CHECK_INT((int)s.nseries, 7);
	qdisc_msg(&m, TC_H_INGRESS, false);
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), 0);
	CHECK_INT(qdisc_emit(&q, "eth9", NULL, &s), 0);
	CHECK_INT((int)s.nseries, 7);
	CHECK_INT(filter_init(&f, "^lo$", NULL), 0);
	qdisc_msg(&m, TC_H_ROOT, false);
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), 0);
	CHECK_INT(qdisc_emit(&q, "eth9", &f, &s), 0);
	CHECK_INT((int)s.nseries, 7);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_qdisc_drops_total{device=\"eth9\",kind=\"fq_codel\"}"),
		  13);
	filter_fini(&f);
	sink_fini(&s);
	buf_fini(&out);

	/* malformed */
	CHECK_INT(qdisc_parse_msg(m.b, sizeof(struct tcmsg) - 1, &q), -EINVAL);
	CHECK_INT(qdisc_parse_msg(m.b, m.len - 2, &q), -EINVAL); /* last attribute cut */
	struct tcmsg tc = { .tcm_parent = TC_H_ROOT };
	m.len = 0;
	nlb_raw(&m, &tc, sizeof(tc));
	size_t at = nlb_nest(&m, TCA_STATS2);
	uint32_t short_basic[2] = { 1, 2 };
	nlb_attr(&m, TCA_STATS_BASIC, short_basic, sizeof(short_basic));
	nlb_end(&m, at);
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), -EINVAL);
	m.len = 0;
	nlb_raw(&m, &tc, sizeof(tc));
	uint32_t short_stats[8] = { 0 };
	nlb_attr(&m, TCA_STATS, short_stats, sizeof(short_stats));
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), -EINVAL);
	m.len = 0;
	nlb_raw(&m, &tc, sizeof(tc));
	nlb_attr(&m, TCA_KIND, "\xff\xfe", 2); /* not UTF-8: shown as U+FFFD */
	CHECK_INT(qdisc_parse_msg(m.b, m.len, &q), 0);
	CHECK_STR(q.kind, "\xef\xbf\xbd");
	/* nothing but the header: a qdisc with no kind or counters */
	CHECK_INT(qdisc_parse_msg(m.b, sizeof(tc), &q), 0);
	CHECK_STR(q.kind, "");
}

/* This host's network namespace: every device has a root qdisc (lo's is noqueue). */
static void live_host(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.qdisc", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "qdisc"), 1);
	CHECK(has_line(out.p, "node_qdisc_packets_total{device=\"lo\",kind=\"noqueue\"}"));
	const char *ex[] = { "--collector.disable-defaults", "--collector.qdisc",
			     "--collector.qdisk.device-exclude=^lo$", NULL };
	CHECK_INT(harness_run(ex, &out), 0);
	CHECK(!has_line(out.p, "node_qdisc_packets_total{device=\"lo\""));
	buf_fini(&out);
}

/* Decode the one string document doc; returns jscan_str's result, text in out. */
static int decode(const char *doc, char *out, size_t cap)
{
	struct jscan s;
	struct jscan_val v;
	size_t len;
	jscan_init(&s, doc, strlen(doc));
	int r = jscan_value(&s, &v);
	return r < 0 ? r : jscan_str(&v, out, cap, &len);
}

/* The JSON reader under the fixture parsers: strings as Go decodes them. */
static void jscan_reader(void)
{
	char out[64];
	CHECK_INT(decode("\"a\\\"\\/\\b\\t\\n\"", out, sizeof(out)), 0);
	CHECK_STR(out, "a\"/\b\t\n");
	CHECK_INT(decode("\"\\ud83d\\ude00\"", out, sizeof(out)), 0); /* a surrogate pair */
	CHECK_STR(out, "\xf0\x9f\x98\x80");
	CHECK_INT(decode("\"\\ud83dx\\ude00\"", out, sizeof(out)), 0); /* lone halves */
	CHECK_STR(out, "\xef\xbf\xbdx\xef\xbf\xbd");
	CHECK_INT(decode("\"\xc3\xa9\xff\xe2\x82\"", out, sizeof(out)), 0); /* bytes not UTF-8 */
	CHECK_STR(out, "\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_INT(decode("\"\xed\xa0\x80\"", out, sizeof(out)), 0); /* an encoded surrogate */
	CHECK_STR(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_INT(decode("\"abcdef\"", out, 4), -E2BIG);
	CHECK_INT(decode("7", out, sizeof(out)), -EINVAL);
	struct jscan_val v = { JSCAN_NUMBER, SPAN_LIT("-9223372036854775808") };
	int64_t i;
	uint64_t u;
	CHECK_INT(jscan_i64(&v, INT64_MIN, INT64_MAX, &i), 0);
	CHECK(i == INT64_MIN);
	CHECK_INT(jscan_u64(&v, UINT64_MAX, &u), -EINVAL);
	v.text = SPAN_LIT("-0");
	CHECK_INT(jscan_i64(&v, INT64_MIN, INT64_MAX, &i), 0);
	CHECK_INT(jscan_u64(&v, UINT64_MAX, &u), -EINVAL); /* Go's ParseUint refuses a sign */
	CHECK(jscan_key_is("ifaceNAME", "IfaceName") && !jscan_key_is("IfaceNam", "IfaceName"));
}

int main(void)
{
	RUN(fixture_values);
	RUN(device_flags);
	RUN(hostile_fixtures);
	RUN(netlink_messages);
	RUN(live_host);
	RUN(jscan_reader);
	return T_DONE("test_qdisc");
}
