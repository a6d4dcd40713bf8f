/*
 * test_ksmd: the ksmd collector against the fixture host, a host without KSM, and
 * missing, truncated and hostile files in /sys/kernel/mm/ksm.
 */
#include "collectors/ksmd.h"
#include "alloc_probe.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define KSM "sys/kernel/mm/ksm/"

static const char *const flags_on[] = { "--collector.ksmd", "--collector.loadavg", NULL };

static void fixture_values(void)
{
	const char *flags[] = { "--collector.ksmd", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_ksmd_full_scans_total"), 323);
	CHECK_DBL(series_value(out.p, "node_ksmd_general_profit_bytes"), 1044480);
	CHECK_DBL(series_value(out.p, "node_ksmd_merge_across_nodes"), 1);
	CHECK_DBL(series_value(out.p, "node_ksmd_pages_shared"), 1);
	CHECK_DBL(series_value(out.p, "node_ksmd_pages_sharing"), 255);
	CHECK_DBL(series_value(out.p, "node_ksmd_pages_to_scan"), 100);
	CHECK_DBL(series_value(out.p, "node_ksmd_pages_unshared"), 0);
	CHECK_DBL(series_value(out.p, "node_ksmd_pages_volatile"), 0);
	CHECK_DBL(series_value(out.p, "node_ksmd_run"), 1);
	CHECK_DBL(series_value(out.p, "node_ksmd_sleep_seconds"), 0.02);
	CHECK(has_line(out.p, "# TYPE node_ksmd_full_scans_total counter"));
	CHECK(has_line(out.p, "# TYPE node_ksmd_run gauge"));
	CHECK_DBL(collector_success(out.p, "ksmd"), 1);
	buf_fini(&out);
}

/* No KSM directory: success 1 and no series, as in node_exporter; a missing file is
 * skipped; a directory that is a file fails. */
static void missing_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "ksmd"), 1);
	CHECK(!has_line(out.p, "node_ksmd_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_put(&t, KSM "run", "1\n");
	tmptree_put(&t, KSM "sleep_millisecs", "1500\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "ksmd"), 1);
	CHECK_DBL(series_value(out.p, "node_ksmd_run"), 1);
	CHECK_DBL(series_value(out.p, "node_ksmd_sleep_seconds"), 1.5);
	CHECK(isnan(series_value(out.p, "node_ksmd_full_scans_total")));
	tmptree_del(&t, "sys/kernel/mm/ksm");
	tmptree_put(&t, "sys/kernel/mm/ksm", "not a directory\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "ksmd"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* A value cut to nothing, a negative one (general_profit can be) and garbage fail the
 * collection, with no half results. */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, KSM "full_scans", "323\n");
	tmptree_put(&t, KSM "pages_shared", "");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "ksmd"), 0);
	CHECK(!has_line(out.p, "node_ksmd_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_put(&t, KSM "pages_shared", " 7 \n");
	tmptree_put(&t, KSM "general_profit", "-4096\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "ksmd"), 0);
	tmptree_write(&t, KSM "general_profit", "\x7f" "ELF\0\1", 6);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "ksmd"), 0);
	tmptree_put(&t, KSM "general_profit", "4096");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "ksmd"), 1);
	CHECK_DBL(series_value(out.p, "node_ksmd_pages_shared"), 7);
	CHECK_DBL(series_value(out.p, "node_ksmd_general_profit_bytes"), 4096);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 0 },       { "\n", 0 },      { "x", 0 },     { "1 2", 0 },
		{ "-1", 0 },     { "+1", 0 },      { "1.5", 0 },   { "0x10", 0 },
		{ "18446744073709551616", 0 },     { "18446744073709551615", 1 },
		{ "0", 1 },      { "\t42\r\n", 1 }, { "007", 1 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t f = 0; f < KSMD_FILES; f++) {
			sink_reset(&s);
			int r = ksmd_parse(f, cases[i].text, strlen(cases[i].text), &s);
			CHECK_RESULT(r, cases[i].ok);
			CHECK_INT(s.nseries, cases[i].ok ? 1 : 0);
		}
	}
	sink_reset(&s);
	CHECK(ksmd_parse(KSMD_FILES, "1", 1, &s) < 0);
	CHECK(ksmd_file(KSMD_FILES) == NULL);
	CHECK_STR(ksmd_file(KSMD_FILES - 1), "sleep_millisecs");
	sink_fini(&s);
}

/* A warm scrape allocates nothing, on the fixture, live and without KSM. */
static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.ksmd", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.ksmd", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
	const char *none[] = { "--path.sysfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.ksmd", NULL };
	CHECK_INT(alloc_probe_scrape(none, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_ksmd");
}
