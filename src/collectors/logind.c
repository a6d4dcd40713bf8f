/*
 * logind: node_logind_sessions, the sessions systemd-logind knows by seat, remote or
 * not, type and class, as node_exporter's logind collector reports them, asked of
 * org.freedesktop.login1 over the system bus (lib/busclient.h).
 *
 * Each collection runs one query on the busclient worker: ListSeats, ListSessions, then
 * each session's Remote, Type and Class properties; a session whose properties cannot
 * be read is left out, as node_exporter leaves it out. Every combination of a known seat
 * (and the empty seat), remote, type and class is reported, with 0 for those no session
 * has; a session on a seat ListSeats did not name is counted nowhere, as in
 * node_exporter.
 *
 * Memory: the seat and session tables grow in the worker up to the host's counts and are
 * reused; libsystemd allocates each message it sends and receives.
 */
#include "collectors/logind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/collector.h"
#include "lib/busclient.h"
#include "lib/dynlib.h"

#define DEST "org.freedesktop.login1"
#define MANAGER_PATH "/org/freedesktop/login1"
#define MANAGER_IFACE "org.freedesktop.login1.Manager"
#define SESSION_IFACE "org.freedesktop.login1.Session"
#define MAX_ENTRIES (1u << 14)
#define PATH_MAX_LEN 512
#define VALUE_MAX 64

static const struct flag_def logind_flags[] = {
	{ "collector.logind.timeout", FLAG_DURATION, "5s",
	  "plumb's own: how long one collection may wait for logind on D-Bus.", false },
	{ NULL, 0, NULL, NULL, false },
};

static const struct metric_desc sessions_desc = {
	"node_logind_sessions", "Sessions logind knows, by seat, remote or not, type and class.",
	METRIC_GAUGE
};

const char *const logind_types[] = { "other", "unspecified", "tty", "x11", "wayland", "mir",
				     "web" };
const size_t logind_ntypes = sizeof(logind_types) / sizeof(logind_types[0]);
const char *const logind_classes[] = { "other", "user", "greeter", "lock-screen", "background" };
const size_t logind_nclasses = sizeof(logind_classes) / sizeof(logind_classes[0]);

/* What the query writes; lives in the busclient's work area. */
struct ld_work {
	struct logind_snapshot snap;
	size_t seats_cap, sessions_cap;
};

struct ld_priv {
	struct busclient *bc;
};

/* ---- pure parts ------------------------------------------------------------------ */

uint8_t logind_index(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return (uint8_t)i;
	return 0;
}

/* Sessions of snap on seat with remote, type t and class k. */
static size_t count(const struct logind_snapshot *snap, const char *seat, bool remote,
		    uint8_t t, uint8_t k)
{
	size_t n = 0;
	for (size_t i = 0; i < snap->nsessions; i++) {
		const struct logind_session *s = &snap->sessions[i];
		n += s->remote == remote && s->type == t && s->klass == k &&
		     strcmp(s->seat, seat) == 0;
	}
	return n;
}

int logind_emit(const struct logind_snapshot *snap, struct metric_sink *out)
{
	static const char *const remotes[] = { "true", "false" };
	int r = 0;
	for (size_t rm = 0; rm < 2; rm++)
		for (size_t t = 0; t < logind_ntypes; t++)
			for (size_t k = 0; k < logind_nclasses; k++)
				for (size_t s = 0; s <= snap->nseats && r == 0; s++) {
					const char *seat = s < snap->nseats ? snap->seats[s].id : "";
					double v = (double)count(snap, seat, rm == 0, (uint8_t)t,
								 (uint8_t)k);
					r = sink_add(out, &sessions_desc, v,
						     LABELS(L("seat", seat), L("remote", remotes[rm]),
							    L("type", logind_types[t]),
							    L("class", logind_classes[k])));
				}
	return r;
}

/* ---- the query (on the busclient worker) ------------------------------------------ */

/* Make room for one more entry of size sz in *v (n used, *cap allocated). Returns 0,
 * -E2BIG past MAX_ENTRIES, or -ENOMEM. */
static int grow(void **v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return 0;
	if (*cap >= MAX_ENTRIES)
		return -E2BIG;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*v, ncap * sz);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/* Call method (no arguments) on the manager; the caller unrefs *reply. Returns 0 or
 * -errno. */
static int call(sd_bus *bus, const char *method, sd_bus_message **reply)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int r = dyn_sdbus.call_method(bus, DEST, MANAGER_PATH, MANAGER_IFACE, method, &err,
				      reply, NULL);
	dyn_sdbus.error_free(&err);
	return r < 0 ? r : 0;
}

/* ListSeats' reply (a(so)) into w. Returns 0 or -errno. */
static int read_seats(sd_bus_message *m, struct ld_work *w)
{
	int r = dyn_sdbus.message_enter_container(m, 'a', "(so)");
	if (r < 0)
		return r;
	while ((r = dyn_sdbus.message_enter_container(m, 'r', "so")) > 0) {
		if ((r = grow((void **)&w->snap.seats, w->snap.nseats, &w->seats_cap,
			      sizeof(*w->snap.seats))) < 0)
			return r;
		struct logind_seat *s = &w->snap.seats[w->snap.nseats];
		if ((r = busclient_read(m, 's', NULL, s->id, sizeof(s->id))) < 0 ||
		    (r = dyn_sdbus.message_skip(m, "o")) < 0 ||
		    (r = dyn_sdbus.message_exit_container(m)) < 0)
			return r;
		w->snap.nseats++;
	}
	return r < 0 ? r : dyn_sdbus.message_exit_container(m);
}

/* Fill session s (its seat already set) from the object at path. Returns 0 or -errno
 * (the session is then left out). */
static int read_session(sd_bus *bus, const char *path, struct logind_session *s)
{
	char val[VALUE_MAX];
	uint64_t remote = 0;
	int r = busclient_get(bus, DEST, path, SESSION_IFACE, "Remote", 'b', &remote, NULL, 0);
	if (r < 0)
		return r;
	s->remote = remote != 0;
	/* a value too long for val is no known value: "other" */
	if ((r = busclient_get(bus, DEST, path, SESSION_IFACE, "Type", 's', NULL, val,
			       sizeof(val))) < 0 && r != -E2BIG)
		return r;
	s->type = r == 0 ? logind_index(logind_types, logind_ntypes, val) : 0;
	if ((r = busclient_get(bus, DEST, path, SESSION_IFACE, "Class", 's', NULL, val,
			       sizeof(val))) < 0 && r != -E2BIG)
		return r;
	s->klass = r == 0 ? logind_index(logind_classes, logind_nclasses, val) : 0;
	return 0;
}

/* ListSessions' reply (a(susso)) into w, each session's properties read from the bus.
 * Returns 0 or -errno. */
static int read_sessions(sd_bus *bus, sd_bus_message *m, struct ld_work *w)
{
	char path[PATH_MAX_LEN];
	int r = dyn_sdbus.message_enter_container(m, 'a', "(susso)");
	if (r < 0)
		return r;
	while ((r = dyn_sdbus.message_enter_container(m, 'r', "susso")) > 0) {
		if ((r = grow((void **)&w->snap.sessions, w->snap.nsessions, &w->sessions_cap,
			      sizeof(*w->snap.sessions))) < 0)
			return r;
		struct logind_session *s = &w->snap.sessions[w->snap.nsessions];
		memset(s, 0, sizeof(*s));
		if ((r = dyn_sdbus.message_skip(m, "sus")) < 0 ||
		    (r = busclient_read(m, 's', NULL, s->seat, sizeof(s->seat))) < 0 ||
		    (r = busclient_read(m, 'o', NULL, path, sizeof(path))) < 0 ||
		    (r = dyn_sdbus.message_exit_container(m)) < 0)
			return r;
		if (read_session(bus, path, s) == 0)
			w->snap.nsessions++;
	}
	return r < 0 ? r : dyn_sdbus.message_exit_container(m);
}

/* The busclient query: see the top of this file. */
static int logind_query(sd_bus *bus, void *work)
{
	struct ld_work *w = work;
	sd_bus_message *seats = NULL, *sessions = NULL;
	w->snap.nseats = w->snap.nsessions = 0;
	int r = call(bus, "ListSeats", &seats);
	if (r == 0)
		r = read_seats(seats, w);
	if (r >= 0)
		r = call(bus, "ListSessions", &sessions);
	if (r >= 0)
		r = read_sessions(bus, sessions, w);
	dyn_sdbus.message_unref(seats);
	dyn_sdbus.message_unref(sessions);
	return r < 0 ? r : 0;
}

/* Free what the work area holds (busclient's free_work). */
static void logind_free_work(void *work)
{
	struct ld_work *w = work;
	free(w->snap.seats);
	free(w->snap.sessions);
}

static const struct busclient_ops query_ops = { logind_query, logind_free_work };

/* ---- the collector ---------------------------------------------------------------- */

static int logind_declare(struct collector *c, struct resources *res)
{
	(void)c;
	return busclient_declare(res);
}

static void logind_fini(struct collector *c)
{
	struct ld_priv *p = c->priv;
	if (!p)
		return;
	busclient_free(p->bc);
	free(p);
	c->priv = NULL;
}

static int logind_init(struct collector *c)
{
	struct ld_priv *p = calloc(1, sizeof(*p));
	int64_t timeout_ms = 5000;
	int r;
	if (!p)
		return -ENOMEM;
	c->priv = p;
	cfg_duration_ms(c->cfg, "collector.logind.timeout", &timeout_ms);
	if ((r = busclient_new("--collector.logind", &query_ops, sizeof(struct ld_work),
			       timeout_ms, &p->bc)) < 0)
		logind_fini(c);
	return r;
}

static int logind_collect(struct collector *c, struct metric_sink *out)
{
	struct ld_priv *p = c->priv;
	int r = busclient_query(p->bc);
	if (r < 0)
		return r;
	return logind_emit(&((struct ld_work *)busclient_work(p->bc))->snap, out);
}

const struct collector_ops collector_ops_logind = {
	.name = "logind",
	.default_enabled = false,
	.reads = "systemd-logind's sessions over D-Bus (org.freedesktop.login1)",
	.flags = logind_flags,
	.declare = logind_declare,
	.init = logind_init,
	.collect = logind_collect,
	.fini = logind_fini,
};
