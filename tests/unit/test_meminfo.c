/*
 * test_meminfo: the meminfo collector against the fixture host, hostile input, a
 * missing file, and the no-allocation promise.
 */
#include "collectors/meminfo.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.meminfo", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_memory_MemTotal_bytes"), 3.831959552e+09);
	CHECK_DBL(series_value(out.p, "node_memory_Active_anon_bytes"), 2.068484096e+09);
	CHECK_DBL(series_value(out.p, "node_memory_Inactive_file_bytes"), 1.49172224e+08);
	CHECK_DBL(series_value(out.p, "node_memory_VmallocTotal_bytes"), 3.5184372087808e+13);
	CHECK_DBL(series_value(out.p, "node_memory_HugePages_Total"), 0);
	CHECK_DBL(series_value(out.p, "node_memory_Hugepagesize_bytes"), 2.097152e+06);
	CHECK_DBL(series_value(out.p, "node_memory_Mlocked_bytes"), 32768);
	CHECK(has_line(out.p, "# TYPE node_memory_MemFree_bytes gauge"));
	CHECK(isnan(series_value(out.p, "node_memory_Active(anon)_bytes")));
	CHECK(isnan(series_value(out.p, "node_memory_HugePages_Total_bytes")));
	CHECK_DBL(collector_success(out.p, "meminfo"), 1);
	/* 42 lines, 42 families */
	int n = 0;
	for (const char *p = out.p; (p = strstr(p, "\nnode_memory_")); p++)
		n++;
	CHECK_INT(n, 42);
	buf_fini(&out);
}

static void missing_file_fails_only_this_collector(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("meminfo", &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo"), 0);
	CHECK(!has_line(out.p, "node_memory_"));
	buf_fini(&out);
}

/* Run the parser on text; return its result and put the rendered text in out. */
static int parse_render(const char *text, struct buf *out)
{
	struct metric_sink s;
	sink_init(&s);
	int r = meminfo_parse(text, strlen(text), &s);
	buf_reset(out);
	sink_finish(&s);
	render_sink(&s, EXPO_TEXT, out);
	sink_fini(&s);
	return r;
}

static void hostile_input(void)
{
	struct buf out = { 0 };
	static const char *const bad[] = {
		"MemTotal:\n",                  /* no value */
		"MemTotal: x kB\n",             /* not a number */
		"MemTotal: 1 kB extra\n",       /* too many words */
		"MemTotal: 1e999 kB\n",         /* overflows a double */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse_render(bad[i], &out) < 0);

	CHECK_INT(parse_render("", &out), 0);
	CHECK_INT((int)out.len, 0);
	/* blank lines are skipped; a truncated last line still counts */
	CHECK_INT(parse_render("\n\nMemFree: 10 kB\n\n   \nSwapFree: 20", &out), 0);
	CHECK_DBL(series_value(out.p, "node_memory_MemFree_bytes"), 10240);
	CHECK_DBL(series_value(out.p, "node_memory_SwapFree"), 20);
	/* huge but finite numbers pass through */
	CHECK_INT(parse_render("Big: 18446744073709551615 kB\n", &out), 0);
	CHECK_DBL(series_value(out.p, "node_memory_Big_bytes"), 18446744073709551615.0 * 1024);
	/* names that cannot be metric names are skipped, the rest kept */
	CHECK_INT(parse_render("Bad-Name: 1 kB\nA(b)c(d): 2 kB\n€: 3\nGood: 4 kB\n", &out), 0);
	CHECK_DBL(series_value(out.p, "node_memory_Good_bytes"), 4096);
	CHECK(!has_line(out.p, "node_memory_Bad"));
	/* parentheses: greedy, first '(' to last ')' */
	CHECK_INT(parse_render("Active(file): 1 kB\nX(y)z: 2\n", &out), 0);
	CHECK_DBL(series_value(out.p, "node_memory_Active_file_bytes"), 1024);
	CHECK_DBL(series_value(out.p, "node_memory_X_yz"), 2);
	/* a repeated field is exported once */
	CHECK_INT(parse_render("MemFree: 1 kB\nMemFree: 2 kB\n", &out), 0);
	CHECK_DBL(series_value(out.p, "node_memory_MemFree_bytes"), 1024);
	/* a name ending in _total is a counter */
	CHECK_INT(parse_render("Foo_total: 5\n", &out), 0);
	CHECK(has_line(out.p, "# TYPE node_memory_Foo_total counter"));
	/* a very long field name is skipped, not truncated */
	char longline[600];
	memset(longline, 'A', 500);
	strcpy(longline + 500, ": 1 kB\n");
	CHECK_INT(parse_render(longline, &out), 0);
	CHECK_INT((int)out.len, 0);
	buf_fini(&out);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.meminfo", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.meminfo", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file_fails_only_this_collector);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_meminfo");
}
