/*
 * test_kernel_hung: the kernel_hung collector against the fixture host, a kernel without
 * the counter, and cut and garbled counters.
 */
#include "collectors/kernel_hung.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.kernel_hung", NULL };

static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_kernel_hung_tasks_total"), 42);
	CHECK(has_line(out.p, "# TYPE node_kernel_hung_tasks_total counter"));
	CHECK_DBL(collector_success(out.p, "kernel_hung"), 1);
	buf_fini(&out);
}

/* No CONFIG_DETECT_HUNG_TASK: no data, no series. */
static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("kernel_hung", &out), 0);
	CHECK_DBL(collector_success(out.p, "kernel_hung"), 0);
	CHECK(!has_line(out.p, "node_kernel_hung_"));
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		double v;
	} cases[] = {
		{ "42\n", 1, 42 },
		{ " \t7 \n\n", 1, 7 },
		{ "18446744073709551615", 1, 18446744073709551615.0 },
		{ "4", 1, 4 },        /* cut short, still a number */
		{ "", 0, 0 },         /* cut to nothing */
		{ "\n", 0, 0 },
		{ "-1\n", 0, 0 },
		{ "+1\n", 0, 0 },
		{ "0x10\n", 0, 0 },
		{ "1 2\n", 0, 0 },
		{ "42abc", 0, 0 },
		{ "18446744073709551616\n", 0, 0 },
	};
	struct metric_sink s;
	double v;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		CHECK_RESULT(kernel_hung_parse(cases[i].text, strlen(cases[i].text), &s), cases[i].ok);
		CHECK_INT(s.nseries, cases[i].ok);
		if (cases[i].ok)
			CHECK(sink_lookup(&s, VIEW_METRICS, "node_kernel_hung_tasks_total", NULL, NULL,
					  &v) == 0 &&
			      v == cases[i].v);
	}
	sink_fini(&s);
	/* garbage fails the collector, with nothing half-reported */
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/sys/kernel/hung_task_detect_count", "many\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "kernel_hung"), 0);
	CHECK(!has_line(out.p, "node_kernel_hung_tasks_total "));
	buf_fini(&out);
	tmptree_rm(&t);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(hostile_input);
	return T_DONE("test_kernel_hung");
}
