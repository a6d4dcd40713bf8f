/*
 * test_pressure: the pressure collector against the fixture host, kernels without
 * PSI or without irq pressure, hostile input, and the no-allocation promise.
 */
#include "collectors/pressure.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

#define SOME0 "some avg10=0.00 avg60=0.00 avg300=0.00 total="
#define FULL0 "full avg10=0.00 avg60=0.00 avg300=0.00 total="

static void fixture_values(void)
{
	const char *flags[] = { "--collector.pressure", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	/* 14036781 us, divided twice like node_exporter: 14.036781000000001 */
	CHECK(has_line(out.p, "node_pressure_cpu_waiting_seconds_total 14.036781000000001\n"));
	CHECK_DBL(series_value(out.p, "node_pressure_io_waiting_seconds_total"), 159.886802);
	CHECK_DBL(series_value(out.p, "node_pressure_io_stalled_seconds_total"), 159.229614);
	CHECK_DBL(series_value(out.p, "node_pressure_memory_waiting_seconds_total"), 0);
	CHECK_DBL(series_value(out.p, "node_pressure_memory_stalled_seconds_total"), 0);
	CHECK_DBL(series_value(out.p, "node_pressure_irq_stalled_seconds_total"), 0.008494);
	CHECK(has_line(out.p, "# TYPE node_pressure_irq_stalled_seconds_total counter"));
	/* the kernel's cpu "full" line and irq's missing "some" make no series */
	CHECK(!has_line(out.p, "node_pressure_cpu_stalled"));
	CHECK(!has_line(out.p, "node_pressure_irq_waiting"));
	buf_fini(&out);
}

static void old_kernels(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.pressure", NULL };
	const char *ok = "node_scrape_collector_success{collector=\"pressure\"}";
	CHECK_INT(tmptree_make(&t), 0);
	/* no /proc/pressure at all: fails with no series */
	CHECK_INT(tmptree_put(&t, "proc/loadavg", "0 0 0 1/1 1\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 0);
	CHECK(!has_line(out.p, "node_pressure_"));
	/* before 6.1: no irq file, the others are exported */
	CHECK_INT(tmptree_put(&t, "proc/pressure/cpu", SOME0 "1000000\n" FULL0 "0\n"), 0);
	CHECK_INT(tmptree_put(&t, "proc/pressure/io", SOME0 "2000000\n" FULL0 "1000000\n"), 0);
	CHECK_INT(tmptree_put(&t, "proc/pressure/memory", SOME0 "3\n" FULL0 "4\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 1);
	CHECK_DBL(series_value(out.p, "node_pressure_cpu_waiting_seconds_total"), 1);
	CHECK_DBL(series_value(out.p, "node_pressure_io_stalled_seconds_total"), 1);
	CHECK_DBL(series_value(out.p, "node_pressure_memory_stalled_seconds_total"), 4e-6);
	CHECK(!has_line(out.p, "node_pressure_irq"));
	/* very old cpu file without "some" fails the collection */
	CHECK_INT(tmptree_put(&t, "proc/pressure/cpu", FULL0 "0\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 0);
	/* io without "full" too */
	CHECK_INT(tmptree_put(&t, "proc/pressure/cpu", SOME0 "1\n"), 0);
	CHECK_INT(tmptree_put(&t, "proc/pressure/io", SOME0 "1\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 0);
	/* a malformed line fails it */
	CHECK_INT(tmptree_put(&t, "proc/pressure/io", SOME0 "1\nfull avg10=x\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	struct psi_stats st;
	static const char *const bad[] = {
		"some", "some avg10=0.00", "some avg10=0 avg60=0 avg300=0 total=",
		"some avg10=0 avg60=0 avg300=0 total=-1", "full avg10=0 avg60=0 avg300=0 total=1x",
		"some avg10=0 avg60=0 avg300=0 total=99999999999999999999999",
		"some avg60=0 avg10=0 avg300=0 total=1", "full total=1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(pressure_parse(bad[i], strlen(bad[i]), &st) < 0);
	CHECK_INT(pressure_parse("", 0, &st), 0);
	CHECK(!st.has_some && !st.has_full);
	const char *odd = "\n\nsomething else\nsome avg10=1 avg60=2 avg300=3 total=7 more\n";
	CHECK_INT(pressure_parse(odd, strlen(odd), &st), 0);
	CHECK(st.has_some && !st.has_full);
	CHECK_INT((long long)st.some_total, 7);
	struct metric_sink s;
	sink_init(&s);
	CHECK_INT(pressure_emit(PSI_CPU, &st, &s), 0);
	CHECK_INT(pressure_emit(PSI_IO, &st, &s), -ENODATA);
	CHECK_INT(pressure_emit(PSI_IRQ, &st, &s), -ENODATA);
	CHECK_INT(pressure_emit(PSI_NRES, &st, &s), -EINVAL);
	CHECK_INT(s.nseries, 1);
	/* the largest total still converts */
	const char *big = "full avg10=0 avg60=0 avg300=0 total=18446744073709551615";
	CHECK_INT(pressure_parse(big, strlen(big), &st), 0);
	CHECK_INT(pressure_emit(PSI_IRQ, &st, &s), 0);
	CHECK_DBL(s.series[1].value, 18446744073709551615.0 / 1e6);
	sink_fini(&s);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.pressure", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.pressure", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(old_kernels);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_pressure");
}
