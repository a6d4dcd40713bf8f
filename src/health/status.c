/*
 * status: what health shows the world: the status JSON (GET /api/v1/status and the
 * webhook) and the plumb_node_condition / plumb_problem_events_total metrics.
 *
 * The JSON is built with jansson:
 *   {"nodeName": "...",
 *    "conditions": [{"type", "status", "reason", "message", "lastTransitionTime",
 *                    "lastHeartbeatTime"}, ...],   (Kubernetes' NodeCondition)
 *    "events": [{"reason", "message", "timestamp"}, ...]}  (oldest first, at most 32)
 * Times are RFC 3339 in UTC, to the second, as Kubernetes writes them.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health/health.h"

/* Format Unix milliseconds as RFC 3339 UTC into out[cap]. */
static void rfc3339(int64_t wall_ms, char *out, size_t cap)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "1970-01-01T00:00:00Z");
}

/* Add key: the time wall_ms to object o. Returns 0 or -ENOMEM. */
static int set_time(json_t *o, const char *key, int64_t wall_ms)
{
	char ts[32];
	rfc3339(wall_ms, ts, sizeof(ts));
	return json_object_set_new(o, key, json_string(ts)) == 0 ? 0 : -ENOMEM;
}

/* Add key: string s to object o (s is valid UTF-8: health stores only such). */
static int set_str(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, json_string(s)) == 0 ? 0 : -ENOMEM;
}

/* The conditions array. Called with mu. Returns a new reference or NULL. */
static json_t *conditions_json(const struct health *h)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < COND_COUNT; i++) {
		const struct health_condition *c = &h->st.c[i];
		json_t *o = json_object();
		if (!o || json_array_append_new(arr, o) < 0 ||
		    set_str(o, "type", health_cond_name((enum health_cond)i)) < 0 ||
		    set_str(o, "status", health_status_name(c->status)) < 0 ||
		    set_str(o, "reason", c->reason) < 0 || set_str(o, "message", c->message) < 0 ||
		    set_time(o, "lastTransitionTime", c->transition_wall_ms) < 0 ||
		    set_time(o, "lastHeartbeatTime", c->heartbeat_wall_ms) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The events array, oldest first. Called with mu. Returns a new reference or NULL. */
static json_t *events_json(const struct health *h)
{
	json_t *arr = json_array();
	unsigned first = h->nevents < HEALTH_EVENTS ? 0 : h->next;
	for (unsigned k = 0; arr && k < h->nevents; k++) {
		const struct health_event *e = &h->events[(first + k) % HEALTH_EVENTS];
		json_t *o = json_object();
		if (!o || json_array_append_new(arr, o) < 0 ||
		    set_str(o, "reason", kevent_reason(e->reason)) < 0 ||
		    set_str(o, "message", e->message) < 0 ||
		    set_time(o, "timestamp", e->wall_ms) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int health_render_status(void *ctx, char **body, size_t *len)
{
	struct health *h = ctx;
	int r = -ENOMEM;
	json_t *root = json_object();
	if (!root)
		return -ENOMEM;
	if (set_str(root, "nodeName", h->node) < 0)
		goto out_root;
	pthread_mutex_lock(&h->mu);
	json_t *conds = conditions_json(h);
	json_t *events = events_json(h);
	pthread_mutex_unlock(&h->mu);
	if (!conds || !events) {
		json_decref(conds); /* accepts NULL */
		json_decref(events);
		goto out_root;
	}
	/* json_object_set_new takes the reference whether it succeeds or not, so both
	 * calls run */
	int rc = json_object_set_new(root, "conditions", conds);
	int re = json_object_set_new(root, "events", events);
	if (rc < 0 || re < 0)
		goto out_root;
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		goto out_root;
	*body = s;
	*len = strlen(s);
	r = 0;
out_root:
	json_decref(root);
	return r;
}

static const struct metric_desc cond_desc = {
	"plumb_node_condition",
	"Node health conditions in Kubernetes' terms: 1 for the condition's current status, 0 "
	"for the other two.",
	METRIC_GAUGE
};
static const struct metric_desc events_desc = {
	"plumb_problem_events_total",
	"Kernel problems seen in the kernel log since plumb started, by reason.",
	METRIC_COUNTER
};

int health_collect(void *ctx, struct metric_sink *out)
{
	static const char *const statuses[] = { "true", "false", "unknown" };
	static const enum cond_status st_of[] = { STATUS_TRUE, STATUS_FALSE, STATUS_UNKNOWN };
	struct health *h = ctx;
	int r = 0;
	pthread_mutex_lock(&h->mu);
	for (int i = 0; r == 0 && i < COND_COUNT; i++)
		for (int s = 0; r == 0 && s < 3; s++)
			r = sink_add(out, &cond_desc, h->st.c[i].status == st_of[s] ? 1 : 0,
				     LABELS(L("condition", health_cond_name((enum health_cond)i)),
					    L("status", statuses[s])));
	for (int e = 0; r == 0 && e < KEVENT_COUNT; e++)
		r = sink_add(out, &events_desc, (double)h->counts[e],
			     LABELS(L("reason", kevent_reason((enum kevent)e))));
	pthread_mutex_unlock(&h->mu);
	return r;
}
