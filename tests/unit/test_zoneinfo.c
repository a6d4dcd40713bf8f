/*
 * test_zoneinfo: the zoneinfo collector against the fixture host, and missing,
 * truncated and hostile /proc/zoneinfo files.
 */
#include "collectors/zoneinfo.h"
#include "alloc_probe.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define Z(name, zone) "node_zoneinfo_" name "{node=\"0\",zone=\"" zone "\"}"

static const char *const flags_on[] = { "--collector.zoneinfo", "--collector.loadavg", NULL };

static void fixture_values(void)
{
	const char *flags[] = { "--collector.zoneinfo", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, Z("nr_free_pages", "Normal")), 4539739);
	CHECK_DBL(series_value(out.p, Z("min_pages", "Normal")), 15809);
	CHECK_DBL(series_value(out.p, Z("managed_pages", "Normal")), 7654794);
	CHECK_DBL(series_value(out.p, Z("nr_kernel_stacks", "Normal")), 18864);
	CHECK_DBL(series_value(out.p, Z("numa_interleave_total", "Normal")), 23174);
	CHECK_DBL(series_value(out.p, Z("protection_2", "DMA")), 31932);
	CHECK_DBL(series_value(out.p, Z("protection_2", "DMA32")), 29893);
	CHECK_DBL(series_value(out.p, Z("protection_4", "Device")), 0);
	CHECK_DBL(series_value(out.p, Z("spanned_pages", "Movable")), 0);
	/* the node's own counters come in its first zone's block, and count as that zone's */
	CHECK_DBL(series_value(out.p, Z("nr_active_anon_pages", "DMA")), 1175853);
	CHECK_DBL(series_value(out.p, Z("nr_dirtied_total", "DMA")), 1189097);
	CHECK(isnan(series_value(out.p, Z("nr_active_anon_pages", "DMA32"))));
	CHECK(isnan(series_value(out.p, Z("nr_free_pages", "Movable")))); /* not in its block */
	CHECK(has_line(out.p, "# TYPE node_zoneinfo_numa_hit_total counter"));
	CHECK(has_line(out.p, "# TYPE node_zoneinfo_protection_0 gauge"));
	CHECK_DBL(collector_success(out.p, "zoneinfo"), 1);
	buf_fini(&out);
}

/* No file: success 0 and no series, the other collectors unharmed. */
static void missing_file(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "zoneinfo"), 0);
	CHECK(!has_line(out.p, "node_zoneinfo_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* Nothing in the file is fatal, as in node_exporter: a file cut short reports what it
 * has, garbage reports nothing, and both succeed. */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "proc/zoneinfo", "Node 0, zone      DMA\n  pages free     2949\n"
					 "        min      8\n        low      11\n        hi");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "zoneinfo"), 1);
	CHECK_DBL(series_value(out.p, Z("low_pages", "DMA")), 11);
	CHECK(isnan(series_value(out.p, Z("high_pages", "DMA"))));
	tmptree_write(&t, "proc/zoneinfo", "\x7f" "ELF\0\1\2\nNode\n", 12);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "zoneinfo"), 1);
	CHECK(!has_line(out.p, "node_zoneinfo_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* Parse text and render it; returns the sink_finish/render result. */
static int parse_render(const char *text, struct metric_sink *s, struct buf *out)
{
	sink_reset(s);
	buf_reset(out);
	int r = zoneinfo_parse(text, strlen(text), s);
	if (r == 0)
		r = sink_finish(s);
	return r == 0 ? render_sink(s, EXPO_TEXT, out) : r;
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		unsigned series;
	} cases[] = {
		{ "", 0 },
		{ "Node 0, zone DMA\n min 5\n", 1 },
		{ "Node 0, zone DMA\n min\n", 0 },               /* no value: skipped */
		{ "Node 0, zone DMA\n pages free 5\n", 0 },      /* "pages" is no field */
		{ "Node 0, zone DMA\n min 5\n min 7\n", 1 },     /* one series, last value */
		{ "Node 0, zone DMA\n protection: (1, 2, 3)\n", 3 },
		{ "Node 0, zone DMA\n protection: (1, x)\n", 0 },
		{ "Node 0, zone DMA\n protection: ()\n", 0 },
		{ "Node 0, zone DMA\n protection: (1,2)\n", 0 },  /* ", " separates */
		{ "Node 0, zone DMA\n protection: (1,  2)\n", 0 },
		{ "Node 0, zone DMA\n protection: (-1, +2)\n", 2 },
		{ "Node 0, zone DMA\n protection: 1, 2: 3\n", 2 }, /* up to the next ':' */
		{ "Node 0, zone A\n min 1\nNode 1, zone B\n min 2\n", 2 },
		{ "Node 0, zone A\n min 1\nNode 0, zone A\n min 2\n", 2 }, /* the sink keeps one */
		{ "Node 0, zone DMA\n  per-node stats 5\n", 0 },
		{ "Node 0, zone\n min 1\n", 1 },                  /* no zone: empty labels */
		{ "\n\n\n", 0 },
	};
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(parse_render(cases[i].text, &s, &out), 0);
		if (s.nseries != cases[i].series)
			fprintf(stderr, "case %zu: %u series\n", i, s.nseries);
		CHECK_INT(s.nseries, cases[i].series);
	}
	buf_fini(&out);
	sink_fini(&s);
}

/* What the rules give, value by value. */
static void rules(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(parse_render("Node 0, zone DMA\n min 5\n min 7\n low x\n high 0x10\n"
			       " spanned 0b11\n present 010\n managed 1_000\n nr_dirty 1__0\n",
			       &s, &out), 0);
	CHECK_DBL(series_value(out.p, Z("min_pages", "DMA")), 7);
	CHECK_DBL(series_value(out.p, Z("low_pages", "DMA")), 0);     /* unreadable: 0 */
	CHECK_DBL(series_value(out.p, Z("high_pages", "DMA")), 16);   /* Go's base prefixes */
	CHECK_DBL(series_value(out.p, Z("spanned_pages", "DMA")), 3);
	CHECK_DBL(series_value(out.p, Z("present_pages", "DMA")), 8);
	CHECK_DBL(series_value(out.p, Z("managed_pages", "DMA")), 1000); /* Go literal syntax */
	CHECK_DBL(series_value(out.p, Z("nr_dirty_pages", "DMA")), 0);
	CHECK_INT(parse_render("Node 0, zone DMA\n protection: (1, 2)\n protection: (1, x)\n",
			       &s, &out), 0);
	CHECK_DBL(series_value(out.p, Z("protection_1", "DMA")), 2);  /* a bad one keeps the old */
	CHECK_INT(parse_render("xNode 12, zone\tNormal_2 rest\n min 1\n", &s, &out), 0);
	CHECK_DBL(series_value(out.p, "node_zoneinfo_min_pages{node=\"12\",zone=\"Normal_2\"}"),
		  1);
	CHECK_INT(parse_render("Node 1 0, zone X\n min 1\n", &s, &out), 0);
	CHECK_DBL(series_value(out.p, "node_zoneinfo_min_pages{node=\"0\",zone=\"X\"}"), 1);
	CHECK_INT(parse_render("Node 0, zone DMA\n min 1\nNodeless, zone Y\n min 2\n", &s, &out),
		  0);
	/* "\nNode" cuts a block even mid-word; the next block has no node of its own */
	CHECK_DBL(series_value(out.p, Z("min_pages", "DMA")), 1);
	CHECK_DBL(series_value(out.p, "node_zoneinfo_min_pages{node=\"\",zone=\"\"}"), 2);
	buf_fini(&out);
	sink_fini(&s);
}

/* A protection array longer than ZONEINFO_MAX_PROTECTION is reported up to it. */
static void long_protection_array(void)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "Node 0, zone DMA\n protection: (");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", i ? ", " : "", i);
	snprintf(text + n, sizeof(text) - n, ")\n");
	struct metric_sink s;
	sink_init(&s);
	CHECK_INT(zoneinfo_parse(text, strlen(text), &s), 0);
	CHECK_INT(s.nseries, ZONEINFO_MAX_PROTECTION);
	sink_fini(&s);
}

/* A warm scrape allocates nothing, on the fixture, live and without the file. */
static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.zoneinfo", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.zoneinfo", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
	const char *none[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.zoneinfo", NULL };
	CHECK_INT(alloc_probe_scrape(none, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(rules);
	RUN(long_protection_array);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_zoneinfo");
}
