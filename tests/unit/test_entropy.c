/*
 * test_entropy: the entropy collector against the fixture host, hostile input,
 * missing files, and the no-allocation promise.
 */
#include "collectors/entropy.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.entropy", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_entropy_available_bits"), 1337);
	CHECK_DBL(series_value(out.p, "node_entropy_pool_size_bits"), 4096);
	CHECK(has_line(out.p, "# TYPE node_entropy_available_bits gauge"));
	buf_fini(&out);
}

static void missing_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.entropy", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	/* only one of the two files: the collection fails */
	CHECK_INT(tmptree_put(&t, "proc/sys/kernel/random/entropy_avail", "256\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "entropy"), 0);
	CHECK(!has_line(out.p, "node_entropy_"));
	CHECK_INT(tmptree_put(&t, "proc/sys/kernel/random/poolsize", "256\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_entropy_pool_size_bits"), 256);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const char *const bad[] = { "", "x", "-1", "1.5", "99999999999999999999999", "1 2" };
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sink_reset(&s);
		CHECK(entropy_parse(bad[i], strlen(bad[i]), "4096", 4, &s) < 0);
		CHECK(entropy_parse("256", 3, bad[i], strlen(bad[i]), &s) < 0);
		CHECK_INT(s.nseries, 0);
	}
	sink_reset(&s);
	CHECK_INT(entropy_parse(" 256\n", 5, "\t4096 \n", 7, &s), 0);
	CHECK_INT(s.nseries, 2);
	sink_fini(&s);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *live[] = { "--collector.disable-defaults", "--collector.entropy", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_entropy");
}
