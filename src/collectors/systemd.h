/*
 * systemd: what the systemd collector learns over D-Bus, and the pure functions that
 * turn it into series, exposed for tests and the fuzz target.
 *
 * A query (on a busclient worker) fills a struct systemd_snapshot: the manager's
 * version and state, and each unit ListUnits gave with the per-unit properties read
 * for the units that passed the filter. systemd_emit then writes node_exporter's
 * series from it without touching the bus.
 */
#ifndef PLUMB_COLLECTOR_SYSTEMD_H
#define PLUMB_COLLECTOR_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/regex.h"

#define SYSTEMD_NAME_MAX 256   /* systemd's UNIT_NAME_MAX, with the NUL */
#define SYSTEMD_STATE_MAX 32   /* ActiveState, LoadState, a service's or mount's Type */
#define SYSTEMD_VERSION_MAX 128
#define SYSTEMD_PATH_MAX (sizeof(SYSTEMD_UNIT_PREFIX) + (size_t)3 * SYSTEMD_NAME_MAX)
#define SYSTEMD_UNIT_PREFIX "/org/freedesktop/systemd1/unit/"
/* the first version with the manager's SystemState and timers' LastTriggerUSec */
#define SYSTEMD_MIN_VERSION_STATE 212

/* Which per-unit values a query read (struct systemd_unit's have). */
enum {
	SU_RESTARTS = 1u << 0,
	SU_ACCEPTED = 1u << 1,
	SU_CONNECTIONS = 1u << 2,
	SU_REFUSED = 1u << 3,
	SU_LAST_TRIGGER = 1u << 4,
	SU_START = 1u << 5,
	SU_TASKS_CURRENT = 1u << 6,
	SU_TASKS_MAX = 1u << 7,
};

struct systemd_unit {
	char name[SYSTEMD_NAME_MAX];
	char active[SYSTEMD_STATE_MAX]; /* ActiveState: "active", "failed" ... */
	char type[SYSTEMD_STATE_MAX];   /* a service's or mount's Type; "" otherwise */
	bool kept;                      /* loaded and passed the include/exclude filter */
	unsigned have;                  /* SU_*: the values below that were read */
	uint32_t restarts, accepted, connections, refused;
	uint64_t last_trigger_us, start_us, tasks_current, tasks_max;
};

struct systemd_snapshot {
	char version[SYSTEMD_VERSION_MAX]; /* the manager's Version; "" when unreadable */
	bool running;                      /* SystemState is "running" */
	struct systemd_unit *units;        /* nunits of them, as ListUnits gave them */
	size_t nunits;
};

/* The optional series (--collector.systemd.enable-*-metrics). */
struct systemd_opts {
	bool tasks, restarts, start_time;
};

/* node_exporter's reading of a version string: the first run of three or more digits,
 * with a following ".digits" if any, as a number. Returns 0 with *out set, or -EINVAL
 * when s[0..len) has no such run or it does not make a finite number. */
int systemd_version_parse(const char *s, size_t len, double *out);

/* Whether a unit is reported one by one: loaded (load_state "loaded") and its name
 * passes f, whose patterns match the whole name. */
bool systemd_unit_kept(const struct filter *f, const char *name, const char *load_state);

/* The object path of unit name, escaped as systemd escapes it (each byte other than
 * an ASCII letter, or a digit not in the first place, as _xx; "" as "_"), into
 * out[cap]. Returns 0 or -ENAMETOOLONG. */
int systemd_unit_path(const char *name, char *out, size_t cap);

/* Write the series of snap into out, with the optional ones o turns on. Returns 0 or
 * the first -errno of the sink. */
int systemd_emit(const struct systemd_snapshot *snap, const struct systemd_opts *o,
		 struct metric_sink *out);

#endif
