/*
 * test_vmstat: the vmstat collector against the fixture host, its fields flag,
 * hostile input, a missing file, and the no-allocation promise.
 */
#include "collectors/vmstat.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.vmstat", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_vmstat_pgfault"), 2.320168809e+09);
	CHECK_DBL(series_value(out.p, "node_vmstat_pgmajfault"), 507162);
	CHECK_DBL(series_value(out.p, "node_vmstat_pgpgout"), 1.541180581e+09);
	CHECK_DBL(series_value(out.p, "node_vmstat_pswpin"), 1476);
	CHECK_DBL(series_value(out.p, "node_vmstat_oom_kill"), 0);
	CHECK(has_line(out.p, "# TYPE node_vmstat_pgfault untyped"));
	CHECK(!has_line(out.p, "node_vmstat_nr_free_pages"));
	int n = 0;
	for (const char *p = out.p; (p = strstr(p, "\nnode_vmstat_")); p++)
		n++;
	CHECK_INT(n, 7);
	buf_fini(&out);
}

static void fields_flag(void)
{
	const char *flags[] = { "--collector.vmstat", "--collector.vmstat.fields=^nr_free", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_vmstat_nr_free_pages"), 977769);
	CHECK_DBL(series_value(out.p, "node_vmstat_nr_free_cma"), 0);
	CHECK(isnan(series_value(out.p, "node_vmstat_pgfault")));
	/* a bad pattern is a usage error */
	const char *bad[] = { "--collector.vmstat", "--collector.vmstat.fields=(", NULL };
	CHECK(harness_run_fixture(bad, &out) < 0);
	buf_fini(&out);
}

static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("vmstat", &out), 0);
	CHECK_DBL(collector_success(out.p, "vmstat"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	struct regex *re, *all;
	CHECK_INT(regex_compile(VMSTAT_FIELDS_DEFAULT, &re, NULL, 0), 0);
	CHECK_INT(regex_compile(".", &all, NULL, 0), 0);
	struct metric_sink s;
	sink_init(&s);
	static const char *const bad[] = { "pgfault\n", "pgfault x\n", "nr_free 1e999\n",
					   "other\npgfault 1\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sink_reset(&s);
		CHECK(vmstat_parse(bad[i], strlen(bad[i]), re, &s) < 0);
	}
	static const char *const ok[] = { "", "\n\n", "pgfault 1 extra words\n",
					   "pgfault 1\npgfault 2\n", "pgfault-x 1\npgfault 3" };
	static const int want[] = { 0, 0, 1, 1, 1 };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sink_reset(&s);
		CHECK_INT(vmstat_parse(ok[i], strlen(ok[i]), re, &s), 0);
		CHECK_INT(s.nseries, want[i]);
	}
	/* names with characters a metric name cannot hold are skipped */
	sink_reset(&s);
	const char *odd = "a.b 1\n\xff 2\nok 3\n";
	CHECK_INT(vmstat_parse(odd, strlen(odd), all, &s), 0);
	CHECK_INT(s.nseries, 1);
	sink_fini(&s);
	regex_free(re);
	regex_free(all);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.vmstat", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.vmstat",
			       "--collector.vmstat.fields=.", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(fields_flag);
	RUN(missing_file);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_vmstat");
}
