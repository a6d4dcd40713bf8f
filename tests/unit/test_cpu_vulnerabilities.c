/*
 * test_cpu_vulnerabilities: the cpu_vulnerabilities collector on the fixture host,
 * without the sysfs directory, and on odd, garbled and unreadable entries.
 */
#include "collectors/cpu_vulnerabilities.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.cpu_vulnerabilities", NULL };

#define DIR "sys/devices/system/cpu/vulnerabilities/"

static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_cpu_vulnerabilities_info{codename=\"itlb_multihit\","
				      "mitigation=\"\",state=\"not affected\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_cpu_vulnerabilities_info{codename=\"mds\","
				      "mitigation=\"\",state=\"vulnerable\"}"),
		  1);
	CHECK_DBL(series_value(out.p,
			       "node_cpu_vulnerabilities_info{codename=\"spectre_v2\",mitigation="
			       "\"Retpolines, IBPB: conditional, STIBP: always-on, RSB filling, "
			       "PBRSB-eIBRS: Not affected\",state=\"mitigation\"}"),
		  1);
	CHECK_DBL(collector_success(out.p, "cpu_vulnerabilities"), 1);
	buf_fini(&out);
}

/* No directory (an old kernel): success with no series, as node_exporter. */
static void missing_directory(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("cpu_vulnerabilities", &out), 0);
	CHECK_DBL(collector_success(out.p, "cpu_vulnerabilities"), 1);
	CHECK(!has_line(out.p, "node_cpu_vulnerabilities_"));
	buf_fini(&out);
}

/* States match case-blind; the detail's words are joined by single spaces; text in no
 * known form is unknown with the text as mitigation; an entry that is a directory fails
 * the collection. */
static void odd_entries(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, DIR "a", "  MITIGATION:\tfoo   bar \n\n");
	tmptree_put(&t, DIR "b", "Unknown: No mitigations\n");
	tmptree_put(&t, DIR "c", "Processor is weird\n");
	tmptree_put(&t, DIR "d", "");
	tmptree_put(&t, DIR "e", "not affected; really\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_cpu_vulnerabilities_info{codename=\"a\","
				      "mitigation=\"foo bar\",state=\"mitigation\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_cpu_vulnerabilities_info{codename=\"b\","
				      "mitigation=\"No mitigations\",state=\"unknown\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_cpu_vulnerabilities_info{codename=\"c\","
				      "mitigation=\"Processor is weird\",state=\"unknown\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_cpu_vulnerabilities_info{codename=\"d\","
				      "mitigation=\"\",state=\"unknown\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_cpu_vulnerabilities_info{codename=\"e\","
				      "mitigation=\"\",state=\"not affected\"}"),
		  1);
	CHECK_DBL(collector_success(out.p, "cpu_vulnerabilities"), 1);
	CHECK_INT(tmptree_mkdir(&t, DIR "f"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "cpu_vulnerabilities"), 0);
	CHECK(!has_line(out.p, "node_cpu_vulnerabilities_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

/* The parser alone: in-place joining never runs ahead of what it reads. */
static void parse_in_place(void)
{
	static const struct {
		const char *text, *state, *mitigation;
	} cases[] = {
		{ "Vulnerable", "vulnerable", "" },
		{ "Vulnerable:  a  b\tc", "vulnerable", "a b c" },
		{ "Mitigation: x", "mitigation", "x" },
		{ "mitigationx y", "mitigation", "y" },
		{ " \n", "unknown", "" },
		{ "Unknown", "unknown", "" },
		{ "Nope", "unknown", "Nope" },
	};
	struct metric_sink s;
	char buf[64];
	double v;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].text);
		memcpy(buf, cases[i].text, n);
		sink_reset(&s);
		CHECK_INT(cpuvuln_parse("v", buf, n, &s), 0);
		CHECK_INT(s.nseries, 1);
		CHECK(sink_lookup(&s, VIEW_METRICS, "node_cpu_vulnerabilities_info", "state",
				  cases[i].state, &v) == 0);
		CHECK(sink_lookup(&s, VIEW_METRICS, "node_cpu_vulnerabilities_info", "mitigation",
				  cases[i].mitigation, &v) == 0);
	}
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_directory);
	RUN(odd_entries);
	RUN(parse_in_place);
	return T_DONE("test_cpu_vulnerabilities");
}
