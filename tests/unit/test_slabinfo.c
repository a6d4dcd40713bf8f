/*
 * test_slabinfo: the slabinfo collector on the fixture host, with its include and
 * exclude filters, without /proc/slabinfo, and on cut, garbled and odd lines.
 */
#include "collectors/slabinfo.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

#define SLAB(name) "{slab=\"" name "\"}"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.slabinfo", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_slabinfo_active_objects" SLAB("tw_sock_TCP")), 704);
	CHECK_DBL(series_value(out.p, "node_slabinfo_objects" SLAB("dmaengine-unmap-128")), 1320);
	CHECK_DBL(series_value(out.p, "node_slabinfo_object_size_bytes" SLAB("kmalloc-8192")), 8192);
	CHECK_DBL(series_value(out.p, "node_slabinfo_objects_per_slab" SLAB("kmem_cache")), 32);
	CHECK_DBL(series_value(out.p, "node_slabinfo_pages_per_slab" SLAB("dmaengine-unmap-128")), 8);
	CHECK_DBL(collector_success(out.p, "slabinfo"), 1);
	buf_fini(&out);
}

/* Include keeps the names it matches (unanchored, as node_exporter), exclude drops. */
static void filters(void)
{
	const char *flags[] = { "--collector.slabinfo", "--collector.slabinfo.slabs-include=^k",
				"--collector.slabinfo.slabs-exclude=cache", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_slabinfo_objects" SLAB("kmalloc-8192")), 148);
	CHECK(!has_line(out.p, "node_slabinfo_objects" SLAB("kmem_cache")));
	CHECK(!has_line(out.p, "node_slabinfo_objects" SLAB("tw_sock_TCP")));
	CHECK_DBL(collector_success(out.p, "slabinfo"), 1);
	const char *bad[] = { "--collector.slabinfo", "--collector.slabinfo.slabs-include=(", NULL };
	CHECK_INT(harness_run_fixture(bad, &out), -EINVAL);
	buf_fini(&out);
}

static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("slabinfo", &out), 0);
	CHECK_DBL(collector_success(out.p, "slabinfo"), 0);
	CHECK(!has_line(out.p, "node_slabinfo_"));
	buf_fini(&out);
}

#define HEAD "slabinfo - version: 2.1\n# name <active_objs> <num_objs> ...\n"
#define LINE(name) name " 704 864 256 32 2 : tunables 0 0 0 : slabdata 27 27 0"

/* node_exporter's rule: 16 fields split on runs of whitespace, integers in place. */
static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ HEAD, 1 },
		{ HEAD LINE("a") "\n" LINE("b"), 1 },
		{ HEAD LINE("a") "\r\n", 1 },
		{ LINE("a") "\t\t\n", 0 },           /* trailing blanks: a 17th, empty field */
		{ "  " LINE("a") "\n", 0 },          /* leading blanks: an empty first one */
		{ HEAD LINE("a") "\n\n", 0 },        /* an empty line */
		{ "a 704 864 256 32 2 : tunables 0 0 0 : slabdata 27 27\n", 0 },
		{ "a 704 864 256 32 x : tunables 0 0 0 : slabdata 27 27 0\n", 0 },
		{ "a 704 864 256 32 2 : tunables 0 0 0 : slabdata 27 27 -\n", 0 },
		{ "a 704 864 256 32 2 : tunables 0 0 0 : slabdata 27 27 0 9\n", 0 },
		{ HEAD "tw_sock_TCP          704    864    256   32    2 : tunables    0", 0 },
	};
	struct metric_sink s;
	double v;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		CHECK_RESULT(slabinfo_parse(cases[i].text, strlen(cases[i].text), NULL, &s),
			     cases[i].ok);
		if (!cases[i].ok)
			CHECK_INT(s.nseries, 0);
	}
	/* the unused fields are checked too, and a name may be any word */
	static const char odd[] = "x:y 1 2 3 4 5 ?? ?? 6 7 8 ?? ?? 9 10 11";
	sink_reset(&s);
	CHECK_INT(slabinfo_parse(odd, sizeof(odd) - 1, NULL, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_slabinfo_pages_per_slab", "slab", "x:y", &v) ==
		      0 &&
	      v == 5);
	CHECK_INT(s.nseries, 5);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(filters);
	RUN(missing_file);
	RUN(hostile_input);
	return T_DONE("test_slabinfo");
}
