/*
 * tcpstat: what the tcpstat collector makes of a sock_diag dump, exposed for tests and
 * the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_TCPSTAT_H
#define PLUMB_COLLECTOR_TCPSTAT_H

#include <stddef.h>

#include "expo/sink.h"
#include "lib/sockdiag.h"

/* Add node_tcp_connection_states{state} for the tally t (one series per state some
 * socket was in, and rx_queued_bytes / tx_queued_bytes once any socket was seen; no
 * series at all for an empty tally), named as node_exporter names them. Returns 0 or
 * -errno from the sink. */
int tcpstat_emit(const struct sockdiag_tally *t, struct metric_sink *out);

#endif
