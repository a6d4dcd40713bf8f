/*
 * test_timex: the timex collector on the live machine (node_exporter's fixture run
 * leaves it off) and the unit conversions on made-up kernel answers.
 */
#include <sys/timex.h>

#include "collectors/timex.h"
#include "alloc_probe.h"
#include "t.h"

static const char *const families[] = {
	"node_timex_offset_seconds", "node_timex_frequency_adjustment_ratio",
	"node_timex_maxerror_seconds", "node_timex_estimated_error_seconds", "node_timex_status",
	"node_timex_loop_time_constant", "node_timex_tick_seconds",
	"node_timex_pps_frequency_hertz", "node_timex_pps_jitter_seconds",
	"node_timex_pps_shift_seconds", "node_timex_pps_stability_hertz",
	"node_timex_pps_jitter_total", "node_timex_pps_calibration_total",
	"node_timex_pps_error_total", "node_timex_pps_stability_exceeded_total",
	"node_timex_tai_offset_seconds", "node_timex_sync_status",
};

static void live_values(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.timex", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	struct timex tx = { .modes = 0 };
	int state = adjtimex(&tx);
	if (state < 0) { /* not permitted here: the collector must fail cleanly */
		CHECK_DBL(collector_success(out.p, "timex"), 0);
		buf_fini(&out);
		return;
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		CHECK(!isnan(series_value(out.p, families[i])));
	CHECK_DBL(series_value(out.p, "node_timex_sync_status"), state == TIME_ERROR ? 0 : 1);
	CHECK_DBL(series_value(out.p, "node_timex_status"), tx.status);
	CHECK_DBL(series_value(out.p, "node_timex_tick_seconds"), tx.tick / 1e6);
	CHECK_DBL(series_value(out.p, "node_timex_tai_offset_seconds"), tx.tai);
	CHECK(has_line(out.p, "# TYPE node_timex_pps_jitter_total counter"));
	CHECK(has_line(out.p, "# TYPE node_timex_offset_seconds gauge"));
	buf_fini(&out);
}

static double value_of(const struct metric_sink *s, int i)
{
	return s->series[i].value;
}

static void conversions(void)
{
	struct timex tx = { 0 };
	struct metric_sink s;
	sink_init(&s);
	tx.offset = 1500;
	tx.freq = 65536 * 10; /* +10 ppm */
	tx.maxerror = 2000000;
	tx.esterror = 500;
	tx.status = STA_PLL;
	tx.constant = 7;
	tx.tick = 10000;
	tx.ppsfreq = -65536;
	tx.jitter = 3000;
	tx.shift = 4;
	tx.stabil = 65536 * 2;
	tx.jitcnt = 1;
	tx.calcnt = 2;
	tx.errcnt = 3;
	tx.stbcnt = 4;
	tx.tai = 37;
	CHECK_INT(timex_emit(&tx, TIME_OK, &s), 0);
	CHECK_INT(s.nseries, 17);
	CHECK_DBL(value_of(&s, 0), 1);          /* sync */
	CHECK_DBL(value_of(&s, 1), 0.0015);     /* offset, microseconds */
	CHECK_DBL(value_of(&s, 2), 1.00001);    /* frequency ratio */
	CHECK_DBL(value_of(&s, 3), 2);          /* maxerror */
	CHECK_DBL(value_of(&s, 4), 0.0005);     /* esterror */
	CHECK_DBL(value_of(&s, 7), 0.01);       /* tick */
	CHECK_DBL(value_of(&s, 8), -1e-6);      /* pps frequency */
	CHECK_DBL(value_of(&s, 9), 0.003);      /* pps jitter, microseconds */
	CHECK_DBL(value_of(&s, 11), 2e-6);      /* stability */
	CHECK_DBL(value_of(&s, 16), 37);        /* tai */
	sink_reset(&s);
	tx.status = STA_NANO;
	CHECK_INT(timex_emit(&tx, TIME_ERROR, &s), 0);
	CHECK_DBL(value_of(&s, 0), 0);
	CHECK_DBL(value_of(&s, 1), 1.5e-6);     /* offset, nanoseconds */
	CHECK_DBL(value_of(&s, 9), 3e-6);
	sink_fini(&s);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *live[] = { "--collector.disable-defaults", "--collector.timex", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(live_values);
	RUN(conversions);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_timex");
}
