/*
 * timex: the kernel clock discipline's state as node_timex_*, exposed for tests.
 */
#ifndef PLUMB_COLLECTOR_TIMEX_H
#define PLUMB_COLLECTOR_TIMEX_H

#include <sys/timex.h>

#include "expo/sink.h"

/* Add the node_timex_* families from an adjtimex(2) result: tx as filled in and state
 * the call's return value (TIME_ERROR means the clock is not synchronised). Offsets
 * and PPS jitter are in ns or us depending on STA_NANO in tx->status; frequencies are
 * in ppm with a 16-bit fraction. Returns 0 or a sink error. */
int timex_emit(const struct timex *tx, int state, struct metric_sink *out);

#endif
