/*
 * timex: the kernel's clock discipline (NTP/PTP state) from adjtimex(2), read-only.
 *
 * One call with modes 0 reads the offset, frequency correction, error bounds, status
 * bits, PLL time constant, tick length, PPS statistics and TAI offset; its return value
 * tells whether the clock counts as synchronised. Where the call is not permitted
 * (EPERM in a locked-down sandbox) the collection fails, as in node_exporter.
 */
#include <errno.h>

#include "collectors/timex.h"
#include "core/collector.h"

#define PPM16FRAC (1000000.0 * 65536.0) /* ppm scaled by 2^16, see adjtimex(2) */

enum {
	TX_SYNC, TX_OFFSET, TX_FREQ, TX_MAXERR, TX_ESTERR, TX_STATUS, TX_CONSTANT, TX_TICK,
	TX_PPSFREQ, TX_JITTER, TX_SHIFT, TX_STABIL, TX_JITCNT, TX_CALCNT, TX_ERRCNT, TX_STBCNT,
	TX_TAI, TX_N,
};

static const struct metric_desc timex_descs[TX_N] = {
	[TX_SYNC] = { "node_timex_sync_status",
		      "1 when the kernel considers the clock synchronised, else 0.", METRIC_GAUGE },
	[TX_OFFSET] = { "node_timex_offset_seconds",
			"Offset of the system clock from its reference, in seconds.", METRIC_GAUGE },
	[TX_FREQ] = { "node_timex_frequency_adjustment_ratio",
		      "Rate the clock runs at relative to nominal (1 = no correction).",
		      METRIC_GAUGE },
	[TX_MAXERR] = { "node_timex_maxerror_seconds", "Upper bound of the clock's error, in seconds.",
			METRIC_GAUGE },
	[TX_ESTERR] = { "node_timex_estimated_error_seconds",
			"The kernel's estimate of the clock's error, in seconds.", METRIC_GAUGE },
	[TX_STATUS] = { "node_timex_status", "The clock status word (STA_* bits) as a number.",
			METRIC_GAUGE },
	[TX_CONSTANT] = { "node_timex_loop_time_constant",
			  "Time constant of the clock's phase-locked loop.", METRIC_GAUGE },
	[TX_TICK] = { "node_timex_tick_seconds", "Length of one clock tick, in seconds.",
		      METRIC_GAUGE },
	[TX_PPSFREQ] = { "node_timex_pps_frequency_hertz",
			 "Frequency correction derived from the PPS signal.", METRIC_GAUGE },
	[TX_JITTER] = { "node_timex_pps_jitter_seconds", "Jitter of the PPS signal, in seconds.",
			METRIC_GAUGE },
	[TX_SHIFT] = { "node_timex_pps_shift_seconds",
		       "Length of the PPS calibration interval (log2 of seconds).", METRIC_GAUGE },
	[TX_STABIL] = { "node_timex_pps_stability_hertz",
			"Stability of the PPS signal: mean of recent frequency changes.",
			METRIC_GAUGE },
	[TX_JITCNT] = { "node_timex_pps_jitter_total",
			"PPS samples dropped because their jitter was over the limit.",
			METRIC_COUNTER },
	[TX_CALCNT] = { "node_timex_pps_calibration_total", "PPS calibration intervals completed.",
			METRIC_COUNTER },
	[TX_ERRCNT] = { "node_timex_pps_error_total", "PPS calibration intervals that failed.",
			METRIC_COUNTER },
	[TX_STBCNT] = { "node_timex_pps_stability_exceeded_total",
			"PPS samples over the stability limit.", METRIC_COUNTER },
	[TX_TAI] = { "node_timex_tai_offset_seconds", "Offset of TAI from UTC, in seconds.",
		     METRIC_GAUGE },
};

int timex_emit(const struct timex *tx, int state, struct metric_sink *out)
{
	double unit = (tx->status & STA_NANO) ? 1e9 : 1e6; /* offset and jitter units */
	double v[TX_N] = {
		[TX_SYNC] = state == TIME_ERROR ? 0 : 1,
		[TX_OFFSET] = (double)tx->offset / unit,
		[TX_FREQ] = 1 + (double)tx->freq / PPM16FRAC,
		[TX_MAXERR] = (double)tx->maxerror / 1e6,
		[TX_ESTERR] = (double)tx->esterror / 1e6,
		[TX_STATUS] = (double)tx->status,
		[TX_CONSTANT] = (double)tx->constant,
		[TX_TICK] = (double)tx->tick / 1e6,
		[TX_PPSFREQ] = (double)tx->ppsfreq / PPM16FRAC,
		[TX_JITTER] = (double)tx->jitter / unit,
		[TX_SHIFT] = (double)tx->shift,
		[TX_STABIL] = (double)tx->stabil / PPM16FRAC,
		[TX_JITCNT] = (double)tx->jitcnt,
		[TX_CALCNT] = (double)tx->calcnt,
		[TX_ERRCNT] = (double)tx->errcnt,
		[TX_STBCNT] = (double)tx->stbcnt,
		[TX_TAI] = (double)tx->tai,
	};
	int r = 0;
	for (int i = 0; i < TX_N && r == 0; i++)
		r = sink_gauge(out, &timex_descs[i], v[i]);
	return r;
}

static int timex_collect(struct collector *c, struct metric_sink *out)
{
	struct timex tx = { .modes = 0 }; /* read only */
	(void)c;
	int state = adjtimex(&tx);
	if (state < 0)
		return -errno;
	return timex_emit(&tx, state, out);
}

const struct collector_ops collector_ops_timex = {
	.name = "timex",
	.default_enabled = true,
	.reads = "the adjtimex(2) system call (read only)",
	.collect = timex_collect,
};
