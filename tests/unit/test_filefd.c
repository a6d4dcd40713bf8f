/*
 * test_filefd: the filefd collector against the fixture host, hostile input, a
 * missing file, and the no-allocation promise.
 */
#include "collectors/filefd.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.filefd", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_filefd_allocated"), 1024);
	CHECK_DBL(series_value(out.p, "node_filefd_maximum"), 1.631329e+06);
	CHECK(has_line(out.p, "# TYPE node_filefd_maximum gauge"));
	CHECK_DBL(collector_success(out.p, "filefd"), 1);
	buf_fini(&out);
}

static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("filefd", &out), 0);
	CHECK_DBL(collector_success(out.p, "filefd"), 0);
	CHECK(!has_line(out.p, "node_filefd_allocated"));
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const char *const bad[] = { "", "\n", "1024", "1024\t0", "1024 0 5\n",
					   "x\t0\t5", "1\t0\ty", "1\t0\t1e999" };
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sink_reset(&s);
		CHECK(filefd_parse(bad[i], strlen(bad[i]), &s) < 0);
		CHECK_INT(s.nseries, 0);
	}
	sink_reset(&s);
	const char *ok = "  99\tjunk\t18446744073709551615\textra\n";
	CHECK_INT(filefd_parse(ok, strlen(ok), &s), 0);
	CHECK_INT(s.nseries, 2);
	CHECK_DBL(s.series[1].value, 18446744073709551615.0);
	sink_fini(&s);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *live[] = { "--collector.disable-defaults", "--collector.filefd", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_filefd");
}
