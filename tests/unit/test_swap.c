/*
 * test_swap: the swap collector against the fixture host's /proc/swaps (node_exporter's
 * end-to-end run leaves swap off, so its values come from the file), and missing,
 * truncated and hostile ones.
 */
#include "collectors/swap.h"
#include "alloc_probe.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define ZRAM "{device=\"/dev/zram0\",swap_type=\"partition\"}"
#define HEADER "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"

static const char *const flags_on[] = { "--collector.swap", "--collector.loadavg", NULL };

static void fixture_values(void)
{
	const char *flags[] = { "--collector.swap", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_swap_size_bytes" ZRAM), 8388604.0 * 1024);
	CHECK_DBL(series_value(out.p, "node_swap_used_bytes" ZRAM), 76.0 * 1024);
	CHECK_DBL(series_value(out.p, "node_swap_priority" ZRAM), 100);
	CHECK(has_line(out.p, "# TYPE node_swap_size_bytes gauge"));
	CHECK_DBL(collector_success(out.p, "swap"), 1);
	buf_fini(&out);
}

/* No file: success 0 and no series; a header alone: success 1 and no series. */
static void missing_and_empty_file(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "swap"), 0);
	CHECK(!has_line(out.p, "node_swap_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_put(&t, "proc/swaps", HEADER);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "swap"), 1);
	CHECK(!has_line(out.p, "node_swap_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

/* A line cut short, and garbage, fail only this collector. */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "proc/swaps", HEADER "/dev/sda2 partition 1024 0 -2\n/dev/sdb2 partition");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "swap"), 0);
	CHECK(!has_line(out.p, "node_swap_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_write(&t, "proc/swaps", "\x7f" "ELF\n\0\1\2 a b c d\n", 17);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "swap"), 0);
	tmptree_put(&t, "proc/swaps", HEADER "/dev/sda2 partition 1024 0 -2\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "swap"), 1);
	CHECK_DBL(series_value(out.p, "node_swap_priority{device=\"/dev/sda2\",swap_type=\"partition\"}"),
		  -2);
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
		{ HEADER, 1, 0 },
		{ "garbage header only", 1, 0 },
		{ HEADER "\n", 0, 0 },                         /* a blank line */
		{ HEADER "/a file 1 2\n", 0, 0 },               /* four words */
		{ HEADER "/a file 1 2 -3\n", 1, 3 },
		{ HEADER "/a file 1 2 +3 and more words\n", 1, 3 },
		{ HEADER "/a file 1 2 x\n", 0, 0 },
		{ HEADER "/a file 1.5 2 3\n", 0, 0 },
		{ HEADER "/a file 9223372036854775808 2 3\n", 0, 0 }, /* past int64 */
		{ HEADER "/a file 1 2 3\n/b file 1 2 x\n", 0, 0 },   /* all or nothing */
		{ HEADER "/a file 1 2 3\n/b file 4 5 6", 1, 6 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = swap_parse(cases[i].text, strlen(cases[i].text), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	sink_fini(&s);
}

/* Sizes past what bytes fit in an int64 wrap as node_exporter's Go int does. */
static void size_wraps_like_go(void)
{
	const char *text = HEADER "/a file 9223372036854775807 1 0\n";
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(swap_parse(text, strlen(text), &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_swap_size_bytes{device=\"/a\",swap_type=\"file\"}"),
		  -1024);
	CHECK_DBL(series_value(out.p, "node_swap_used_bytes{device=\"/a\",swap_type=\"file\"}"),
		  1024);
	buf_fini(&out);
	sink_fini(&s);
}

/* A warm scrape allocates nothing, on the fixture, live and without the file. */
static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.swap", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.swap", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
	const char *none[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.swap", NULL };
	CHECK_INT(alloc_probe_scrape(none, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_and_empty_file);
	RUN(truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(size_wraps_like_go);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_swap");
}
