/*
 * logind: what the logind collector learns over D-Bus, and the pure functions that turn
 * it into series, exposed for tests and the fuzz target.
 *
 * A query (on a busclient worker) fills a struct logind_snapshot with the seats
 * ListSeats gave and, for each session ListSessions gave whose properties could be read,
 * its seat, whether it is remote, and its type and class as indexes into the value lists
 * node_exporter uses (an unknown value counts as "other").
 */
#ifndef PLUMB_COLLECTOR_LOGIND_H
#define PLUMB_COLLECTOR_LOGIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"

#define LOGIND_ID_MAX 256 /* a seat's name, with the NUL */

struct logind_seat {
	char id[LOGIND_ID_MAX];
};

struct logind_session {
	char seat[LOGIND_ID_MAX]; /* "" for a session on no seat */
	bool remote;
	uint8_t type;  /* index into logind_types */
	uint8_t klass; /* index into logind_classes */
};

struct logind_snapshot {
	struct logind_seat *seats;
	size_t nseats;
	struct logind_session *sessions;
	size_t nsessions;
};

/* The label values node_exporter reports; the first of each, "other", stands for any
 * value not listed. */
extern const char *const logind_types[];
extern const size_t logind_ntypes;
extern const char *const logind_classes[];
extern const size_t logind_nclasses;

/* The index of s in list[0..n), or 0 ("other") when it is not there. */
uint8_t logind_index(const char *const *list, size_t n, const char *s);

/* node_logind_sessions for every seat (and the empty seat), remote, type and class:
 * how many sessions of snap have those values, 0 included. Returns 0 or the first -errno
 * of the sink. */
int logind_emit(const struct logind_snapshot *snap, struct metric_sink *out);

#endif
