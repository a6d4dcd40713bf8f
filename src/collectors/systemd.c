/*
 * systemd: unit states, the manager's version and state, and the optional per-unit
 * series (tasks, restarts, start time), sockets and timers, as node_exporter's systemd
 * collector reports them, asked of systemd over the system bus (D-Bus, through
 * lib/busclient.h).
 *
 * Each collection runs one query on the busclient worker: the manager's Version, then
 * ListUnits, then, for each loaded unit whose whole name matches --unit-include and not
 * --unit-exclude, the properties its series need (a service's or mount's Type, a
 * socket's connection counts, a timer's last trigger, and what the enable-* flags ask
 * for), then SystemState. A property that cannot be read leaves out its series, as
 * node_exporter does; ListUnits or SystemState failing fails the collection. The query
 * writes a struct systemd_snapshot that systemd_emit turns into series.
 *
 * Memory: the unit table grows in the worker up to the host's unit count and is reused;
 * libsystemd allocates each message it sends and receives.
 */
#include "collectors/systemd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/collector.h"
#include "lib/busclient.h"
#include "lib/dynlib.h"
#include "lib/log.h"
#include "lib/strparse.h"

#define DEST "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define MAX_UNITS (1u << 16)
#define DEF_EXCLUDE ".+\\.(automount|device|mount|scope|slice)"

static const struct flag_def systemd_flags[] = {
	{ "collector.systemd.unit-include", FLAG_REGEX, ".+",
	  "Units to report one by one: their whole name must match this regex (and not "
	  "unit-exclude).",
	  false },
	{ "collector.systemd.unit-exclude", FLAG_REGEX, DEF_EXCLUDE,
	  "Units not to report one by one: those whose whole name matches this regex.", false },
	{ "collector.systemd.enable-task-metrics", FLAG_BOOL, "false",
	  "Also report each service's current and maximum task counts.", false },
	{ "collector.systemd.enable-restarts-metrics", FLAG_BOOL, "false",
	  "Also report how many times systemd restarted each service.", false },
	{ "collector.systemd.enable-start-time-metrics", FLAG_BOOL, "false",
	  "Also report when each unit last became active.", false },
	{ "collector.systemd.timeout", FLAG_DURATION, "5s",
	  "plumb's own: how long one collection may wait for systemd on D-Bus.", false },
	{ NULL, 0, NULL, NULL, false },
};

enum {
	D_VERSION,
	D_UNITS,
	D_STATE,
	D_RESTARTS,
	D_START,
	D_TASKS_CUR,
	D_TASKS_MAX,
	D_TIMER,
	D_ACCEPTED,
	D_CONNECTIONS,
	D_REFUSED,
	D_RUNNING,
	D_COUNT
};

static const struct metric_desc descs[D_COUNT] = {
	[D_VERSION] = { "node_systemd_version", "The systemd version the manager reports.",
			METRIC_GAUGE },
	[D_UNITS] = { "node_systemd_units", "Units in each active state, filtered or not.",
		      METRIC_GAUGE },
	[D_STATE] = { "node_systemd_unit_state", "1 for the active state the unit is in, else 0.",
		      METRIC_GAUGE },
	[D_RESTARTS] = { "node_systemd_service_restart_total",
			 "Times systemd restarted the service.", METRIC_COUNTER },
	[D_START] = { "node_systemd_unit_start_time_seconds",
		      "When the unit last became active, in seconds since the epoch (0 when not "
		      "active).",
		      METRIC_GAUGE },
	[D_TASKS_CUR] = { "node_systemd_unit_tasks_current", "Tasks in the service right now.",
			  METRIC_GAUGE },
	[D_TASKS_MAX] = { "node_systemd_unit_tasks_max", "Most tasks the service may have.",
			  METRIC_GAUGE },
	[D_TIMER] = { "node_systemd_timer_last_trigger_seconds",
		      "When the timer last fired, in seconds since the epoch.", METRIC_GAUGE },
	[D_ACCEPTED] = { "node_systemd_socket_accepted_connections_total",
			 "Connections the socket unit has accepted.", METRIC_COUNTER },
	[D_CONNECTIONS] = { "node_systemd_socket_current_connections",
			    "Connections the socket unit has open now.", METRIC_GAUGE },
	[D_REFUSED] = { "node_systemd_socket_refused_connections_total",
			"Connections the socket unit has refused.", METRIC_GAUGE },
	[D_RUNNING] = { "node_systemd_system_running",
			"1 when the manager says the system is running (as systemctl "
			"is-system-running), else 0.",
			METRIC_GAUGE },
};

/* The active states every unit gets a node_systemd_unit_state series for. */
static const char *const unit_states[] = { "active", "activating", "deactivating", "inactive",
					   "failed" };
#define NSTATES (sizeof(unit_states) / sizeof(unit_states[0]))

/* What the query reads and writes; lives in the busclient's work area. */
struct sd_work {
	struct filter filter; /* owned here: an abandoned worker may still match with it */
	struct systemd_opts opts;
	struct systemd_snapshot snap;
	size_t cap; /* of snap.units */
};

struct sd_priv {
	struct busclient *bc;
	struct systemd_opts opts;
};

/* ---- pure parts ------------------------------------------------------------------ */

int systemd_version_parse(const char *s, size_t len, double *out)
{
	char num[64];
	for (size_t i = 0; i + 3 <= len; i++) {
		if (!ascii_digit(s[i]) || !ascii_digit(s[i + 1]) || !ascii_digit(s[i + 2]))
			continue;
		size_t j = i + 3;
		while (j < len && ascii_digit(s[j]))
			j++;
		if (j + 1 < len && s[j] == '.' && ascii_digit(s[j + 1])) {
			j += 2;
			while (j < len && ascii_digit(s[j]))
				j++;
		}
		double v;
		if (span_copy((struct span){ s + i, j - i }, num, sizeof(num)) < 0 ||
		    str_double(num, &v) < 0 || !isfinite(v))
			return -EINVAL;
		*out = v;
		return 0;
	}
	return -EINVAL;
}

bool systemd_unit_kept(const struct filter *f, const char *name, const char *load_state)
{
	return strcmp(load_state, "loaded") == 0 && filter_pass(f, name, strlen(name));
}

int systemd_unit_path(const char *name, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = sizeof(SYSTEMD_UNIT_PREFIX) - 1;
	if (cap < n + 2)
		return -ENAMETOOLONG;
	memcpy(out, SYSTEMD_UNIT_PREFIX, n);
	if (!*name)
		out[n++] = '_';
	for (size_t i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (i > 0 && c >= '0' && c <= '9');
		if (n + (keep ? 1 : 3) >= cap)
			return -ENAMETOOLONG;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '_';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

/* Whether name ends in suffix. */
static bool ends(const char *name, const char *suffix)
{
	return span_ends(span_cstr(name), suffix);
}

/* node_systemd_units: the five states always, then each other active state seen. */
static int emit_summary(const struct systemd_snapshot *snap, struct metric_sink *out)
{
	int r = 0;
	for (size_t k = 0; k < NSTATES && r == 0; k++) {
		size_t n = 0;
		for (size_t i = 0; i < snap->nunits; i++)
			n += strcmp(snap->units[i].active, unit_states[k]) == 0;
		r = sink_add(out, &descs[D_UNITS], (double)n, LABELS(L("state", unit_states[k])));
	}
	for (size_t i = 0; i < snap->nunits && r == 0; i++) {
		const char *st = snap->units[i].active;
		bool seen = false;
		for (size_t k = 0; k < NSTATES && !seen; k++)
			seen = strcmp(st, unit_states[k]) == 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(st, snap->units[j].active) == 0;
		if (seen)
			continue;
		size_t n = 0;
		for (size_t j = i; j < snap->nunits; j++)
			n += strcmp(st, snap->units[j].active) == 0;
		r = sink_add(out, &descs[D_UNITS], (double)n, LABELS(L("state", st)));
	}
	return r;
}

/* The series of one unit that passed the filter. */
static int emit_unit(const struct systemd_unit *u, const struct systemd_opts *o, bool timers,
		     struct metric_sink *out)
{
	int r = 0;
	for (size_t k = 0; k < NSTATES && r == 0; k++)
		r = sink_add(out, &descs[D_STATE], strcmp(u->active, unit_states[k]) == 0 ? 1 : 0,
			     LABELS(L("name", u->name), L("state", unit_states[k]),
				    L("type", u->type)));
	struct {
		unsigned bit;
		bool on;
		int d;
		double v;
	} const vals[] = {
		{ SU_RESTARTS, o->restarts, D_RESTARTS, u->restarts },
		{ SU_START, o->start_time, D_START, (double)u->start_us / 1e6 },
		{ SU_TASKS_CURRENT, o->tasks, D_TASKS_CUR, (double)u->tasks_current },
		{ SU_TASKS_MAX, o->tasks, D_TASKS_MAX, (double)u->tasks_max },
		{ SU_LAST_TRIGGER, timers, D_TIMER, (double)u->last_trigger_us / 1e6 },
		{ SU_ACCEPTED, true, D_ACCEPTED, u->accepted },
		{ SU_CONNECTIONS, true, D_CONNECTIONS, u->connections },
		{ SU_REFUSED, true, D_REFUSED, u->refused },
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]) && r == 0; i++)
		if (vals[i].on && (u->have & vals[i].bit))
			r = sink_add(out, &descs[vals[i].d], vals[i].v, LABELS(L("name", u->name)));
	return r;
}

int systemd_emit(const struct systemd_snapshot *snap, const struct systemd_opts *o,
		 struct metric_sink *out)
{
	double version = 0;
	const char *vlabel = "";
	if (systemd_version_parse(snap->version, strlen(snap->version), &version) == 0)
		vlabel = snap->version;
	bool recent = version >= SYSTEMD_MIN_VERSION_STATE;
	int r = sink_add(out, &descs[D_VERSION], version, LABELS(L("version", vlabel)));
	if (r == 0)
		r = emit_summary(snap, out);
	for (size_t i = 0; i < snap->nunits && r == 0; i++)
		if (snap->units[i].kept)
			r = emit_unit(&snap->units[i], o, recent, out);
	if (r == 0 && recent)
		r = sink_gauge(out, &descs[D_RUNNING], snap->running ? 1 : 0);
	return r;
}

/* ---- the query (on the busclient worker) ------------------------------------------ */

/* Read one property of unit u (object path) into *num. Returns 0 or -errno. */
static int unit_prop(sd_bus *bus, const char *path, const char *iface, const char *member,
		     char type, uint64_t *num)
{
	return busclient_get(bus, DEST, path, iface, member, type, num, NULL, 0);
}

/* The properties unit u's series need. A property that cannot be read leaves its
 * series out (not an error). */
static void query_unit(sd_bus *bus, const struct sd_work *w, bool recent, struct systemd_unit *u)
{
	char path[SYSTEMD_PATH_MAX];
	uint64_t v;
	bool service = ends(u->name, ".service"), mount = ends(u->name, ".mount");
	if (systemd_unit_path(u->name, path, sizeof(path)) < 0)
		return;
	if ((service || mount) &&
	    busclient_get(bus, DEST, path,
			  service ? "org.freedesktop.systemd1.Service" : "org.freedesktop.systemd1.Mount",
			  "Type", 's', NULL, u->type, sizeof(u->type)) < 0)
		u->type[0] = '\0';
	if (service && w->opts.restarts &&
	    unit_prop(bus, path, "org.freedesktop.systemd1.Service", "NRestarts", 'u', &v) == 0) {
		u->restarts = (uint32_t)v;
		u->have |= SU_RESTARTS;
	}
	if (w->opts.start_time) {
		if (strcmp(u->active, "active") != 0) {
			u->start_us = 0;
			u->have |= SU_START;
		} else if (unit_prop(bus, path, "org.freedesktop.systemd1.Unit",
				     "ActiveEnterTimestamp", 't', &v) == 0) {
			u->start_us = v;
			u->have |= SU_START;
		}
	}
	if (service && w->opts.tasks) {
		if (unit_prop(bus, path, "org.freedesktop.systemd1.Service", "TasksCurrent", 't',
			      &v) == 0 && v != UINT64_MAX) {
			u->tasks_current = v;
			u->have |= SU_TASKS_CURRENT;
		}
		if (unit_prop(bus, path, "org.freedesktop.systemd1.Service", "TasksMax", 't', &v) ==
			    0 &&
		    v != UINT64_MAX) {
			u->tasks_max = v;
			u->have |= SU_TASKS_MAX;
		}
	}
	if (recent && ends(u->name, ".timer") &&
	    unit_prop(bus, path, "org.freedesktop.systemd1.Timer", "LastTriggerUSec", 't', &v) == 0) {
		u->last_trigger_us = v;
		u->have |= SU_LAST_TRIGGER;
	}
	if (ends(u->name, ".socket")) {
		static const char *const props[] = { "NAccepted", "NConnections", "NRefused" };
		static const unsigned bits[] = { SU_ACCEPTED, SU_CONNECTIONS, SU_REFUSED };
		uint32_t *dst[] = { &u->accepted, &u->connections, &u->refused };
		/* as node_exporter: no connection count without the accepted count, and so on;
		 * the refused count (systemd 239 on) may be missing alone */
		for (size_t i = 0; i < 3; i++) {
			if (unit_prop(bus, path, "org.freedesktop.systemd1.Socket", props[i], 'u', &v) < 0) {
				if (i < 2)
					break;
				continue;
			}
			*dst[i] = (uint32_t)v;
			u->have |= bits[i];
		}
	}
}

/* Make room for one more unit. Returns 0, -E2BIG past MAX_UNITS, or -ENOMEM. */
static int grow(struct sd_work *w)
{
	if (w->snap.nunits < w->cap)
		return 0;
	if (w->cap >= MAX_UNITS)
		return -E2BIG;
	size_t ncap = w->cap ? w->cap * 2 : 64;
	struct systemd_unit *u = realloc(w->snap.units, ncap * sizeof(*u));
	if (!u)
		return -ENOMEM;
	w->snap.units = u;
	w->cap = ncap;
	return 0;
}

/* Read ListUnits' reply (a(ssssssouso)) into w's unit table. Returns 0 or -errno. */
static int read_units(sd_bus_message *m, struct sd_work *w)
{
	char load[SYSTEMD_STATE_MAX];
	int r = dyn_sdbus.message_enter_container(m, 'a', "(ssssssouso)");
	if (r < 0)
		return r;
	while ((r = dyn_sdbus.message_enter_container(m, 'r', "ssssssouso")) > 0) {
		if ((r = grow(w)) < 0)
			return r;
		struct systemd_unit *u = &w->snap.units[w->snap.nunits];
		memset(u, 0, sizeof(*u));
		if ((r = busclient_read(m, 's', NULL, u->name, sizeof(u->name))) < 0 ||
		    (r = dyn_sdbus.message_skip(m, "s")) < 0 ||
		    (r = busclient_read(m, 's', NULL, load, sizeof(load))) < 0 ||
		    (r = busclient_read(m, 's', NULL, u->active, sizeof(u->active))) < 0 ||
		    (r = dyn_sdbus.message_skip(m, "ssouso")) < 0 ||
		    (r = dyn_sdbus.message_exit_container(m)) < 0)
			return r;
		u->kept = systemd_unit_kept(&w->filter, u->name, load);
		w->snap.nunits++;
	}
	if (r < 0)
		return r;
	return dyn_sdbus.message_exit_container(m);
}

/* The busclient query: see the top of this file. */
static int systemd_query(sd_bus *bus, void *work)
{
	struct sd_work *w = work;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char state[SYSTEMD_STATE_MAX];
	double version = 0;
	w->snap.nunits = 0;
	w->snap.running = false;
	if (busclient_get(bus, DEST, MANAGER_PATH, MANAGER_IFACE, "Version", 's', NULL,
			  w->snap.version, sizeof(w->snap.version)) < 0)
		w->snap.version[0] = '\0';
	bool recent = systemd_version_parse(w->snap.version, strlen(w->snap.version), &version) ==
			      0 &&
		      version >= SYSTEMD_MIN_VERSION_STATE;
	int r = dyn_sdbus.call_method(bus, DEST, MANAGER_PATH, MANAGER_IFACE, "ListUnits", &err,
				      &reply, NULL);
	if (r >= 0)
		r = read_units(reply, w);
	dyn_sdbus.message_unref(reply);
	dyn_sdbus.error_free(&err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < w->snap.nunits; i++)
		if (w->snap.units[i].kept)
			query_unit(bus, w, recent, &w->snap.units[i]);
	if (recent) {
		if ((r = busclient_get(bus, DEST, MANAGER_PATH, MANAGER_IFACE, "SystemState", 's',
				       NULL, state, sizeof(state))) < 0)
			return r;
		w->snap.running = strcmp(state, "running") == 0;
	}
	return 0;
}

/* Free what the work area holds (busclient's free_work). */
static void systemd_free_work(void *work)
{
	struct sd_work *w = work;
	filter_fini(&w->filter);
	free(w->snap.units);
}

static const struct busclient_ops query_ops = { systemd_query, systemd_free_work };

/* ---- the collector ---------------------------------------------------------------- */

/* Compile pattern anchored to the whole name, as node_exporter does (^(?:p)$), into
 * *out (NULL for an unset pattern). Returns 0, -EINVAL or -ENOMEM. */
static int anchored(const char *pattern, char **out)
{
	*out = NULL;
	if (!pattern || !*pattern)
		return 0;
	size_t n = strlen(pattern) + sizeof("^(?:)$");
	if (!(*out = malloc(n)))
		return -ENOMEM;
	snprintf(*out, n, "^(?:%s)$", pattern);
	return 0;
}

static int systemd_declare(struct collector *c, struct resources *res)
{
	(void)c;
	return busclient_declare(res);
}

static void systemd_fini(struct collector *c)
{
	struct sd_priv *p = c->priv;
	if (!p)
		return;
	busclient_free(p->bc);
	free(p);
	c->priv = NULL;
}

static int systemd_init(struct collector *c)
{
	struct sd_priv *p = calloc(1, sizeof(*p));
	char *inc = NULL, *exc = NULL;
	int64_t timeout_ms = 5000;
	int r;
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->opts.tasks = cfg_bool(c->cfg, "collector.systemd.enable-task-metrics");
	p->opts.restarts = cfg_bool(c->cfg, "collector.systemd.enable-restarts-metrics");
	p->opts.start_time = cfg_bool(c->cfg, "collector.systemd.enable-start-time-metrics");
	cfg_duration_ms(c->cfg, "collector.systemd.timeout", &timeout_ms);
	if ((r = busclient_new("--collector.systemd", &query_ops, sizeof(struct sd_work),
			       timeout_ms, &p->bc)) < 0)
		goto out_fail;
	struct sd_work *w = busclient_work(p->bc);
	w->opts = p->opts;
	if ((r = anchored(cfg_str(c->cfg, "collector.systemd.unit-include"), &inc)) < 0 ||
	    (r = anchored(cfg_str(c->cfg, "collector.systemd.unit-exclude"), &exc)) < 0 ||
	    (r = filter_init(&w->filter, inc, exc)) < 0)
		goto out_fail;
	free(inc);
	free(exc);
	return 0;
out_fail:
	free(inc);
	free(exc);
	systemd_fini(c);
	return r;
}

static int systemd_collect(struct collector *c, struct metric_sink *out)
{
	struct sd_priv *p = c->priv;
	int r = busclient_query(p->bc);
	if (r < 0)
		return r;
	return systemd_emit(&((struct sd_work *)busclient_work(p->bc))->snap, &p->opts, out);
}

const struct collector_ops collector_ops_systemd = {
	.name = "systemd",
	.default_enabled = false,
	.reads = "systemd's units over D-Bus (org.freedesktop.systemd1)",
	.flags = systemd_flags,
	.declare = systemd_declare,
	.init = systemd_init,
	.collect = systemd_collect,
	.fini = systemd_fini,
};
