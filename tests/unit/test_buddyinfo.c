/*
 * test_buddyinfo: the buddyinfo collector against the fixture host, and missing,
 * truncated and hostile /proc/buddyinfo files.
 */
#include "collectors/buddyinfo.h"
#include "alloc_probe.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define BLOCKS(n, z, s) "node_buddyinfo_blocks{node=\"" n "\",size=\"" s "\",zone=\"" z "\"}"

static const char *const flags_on[] = { "--collector.buddyinfo", "--collector.loadavg", NULL };

static void fixture_values(void)
{
	const char *flags[] = { "--collector.buddyinfo", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, BLOCKS("0", "DMA", "0")), 1);
	CHECK_DBL(series_value(out.p, BLOCKS("0", "DMA", "10")), 3);
	CHECK_DBL(series_value(out.p, BLOCKS("0", "DMA32", "3")), 475);
	CHECK_DBL(series_value(out.p, BLOCKS("0", "Normal", "0")), 4381);
	CHECK_DBL(series_value(out.p, BLOCKS("0", "Normal", "6")), 4);
	CHECK(isnan(series_value(out.p, BLOCKS("0", "Normal", "11"))));
	CHECK(has_line(out.p, "# TYPE node_buddyinfo_blocks gauge"));
	CHECK_DBL(collector_success(out.p, "buddyinfo"), 1);
	buf_fini(&out);
}

/* No file: success 0 and no series, the other collectors unharmed; off by default. */
static void missing_file(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "buddyinfo"), 0);
	CHECK(!has_line(out.p, "node_buddyinfo_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	const char *defaults[] = { "--path.procfs=/nonexistent", NULL };
	CHECK_INT(harness_run(defaults, &out), 0);
	CHECK(isnan(collector_success(out.p, "buddyinfo")));
	tmptree_rm(&t);
	buf_fini(&out);
}

/* A file cut mid-line or garbled fails only this collector; cut at a line's end it
 * reports what is there. */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "proc/buddyinfo", "Node 0, zone DMA 1 2 3\nNode 0, zone DMA32 4 5");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "buddyinfo"), 0);
	CHECK(!has_line(out.p, "node_buddyinfo_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_write(&t, "proc/buddyinfo", "\x7f" "ELF\0\1\2 3 4 5 x\n", 16);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "buddyinfo"), 0);
	tmptree_put(&t, "proc/buddyinfo", "Node 0, zone DMA 1 2 3\nNode 0, zone DMA32 4 5 6\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "buddyinfo"), 1);
	CHECK_DBL(series_value(out.p, BLOCKS("0", "DMA32", "2")), 6);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ "Node 0, zone DMA 1 2 3\n", 1, 3 },
		{ "Node 0, zone DMA 1 2 3", 1, 3 },          /* no final newline */
		{ "Node 0, zone DMA\n", 1, 0 },              /* no counts at all */
		{ "Node 0, zone\n", 0, 0 },                  /* fewer than four words */
		{ "Node 0, zone DMA 1\n\nNode 1, zone DMA 1\n", 0, 0 }, /* a blank line */
		{ "Node 0, zone DMA 1 2\nNode 0, zone DMA32 1 2 3\n", 0, 0 },
		{ "Node 0, zone DMA 1 x\n", 0, 0 },
		{ "Node 0, zone DMA 1_000\n", 0, 0 },         /* Go takes no '_' here */
		{ "Node 0, zone DMA 1e999\n", 0, 0 },         /* out of range */
		{ "Node 0, zone DMA 0x1p3 1e3 NaN -Inf\n", 1, 4 },
		{ "Node 0, zone DMA 0x10\n", 0, 0 },          /* a hex float needs its p */
		{ "\tNode\t0,\tzone\tDMA\t7\r\n", 1, 1 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = buddyinfo_parse(cases[i].text, strlen(cases[i].text), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series); /* all or nothing */
	}
	sink_fini(&s);
}

/* Labels: one trailing comma is dropped, the order is counted from 0. */
static void labels(void)
{
	const char *text = "Node 1,, zone Movable, 8 9\n";
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(buddyinfo_parse(text, strlen(text), &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, BLOCKS("1,", "Movable", "1")), 9);
	buf_fini(&out);
	sink_fini(&s);
}

/* A warm scrape allocates nothing, and neither does one of a host without the file. */
static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.buddyinfo", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *none[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.buddyinfo", NULL };
	CHECK_INT(alloc_probe_scrape(none, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(labels);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_buddyinfo");
}
