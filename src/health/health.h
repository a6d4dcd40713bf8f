/*
 * health: node health conditions, problem events, the status API and its webhook.
 *
 * The part of plumb that replaces node-problem-detector. A timer thread runs the same
 * collection a scrape runs (scraper_collect) every --health.check-interval, reads the
 * eviction signals out of it (inputs.h), and updates the conditions (conditions.h). A
 * second thread follows the kernel log (klog.h) and turns the lines kline.h
 * recognises into problem events and kernel conditions. The result is served three
 * ways: as metrics (plumb_node_condition, plumb_problem_events_total, through
 * agent_add_source), as JSON on GET /api/v1/status, and POSTed as that JSON to
 * --push.status.url on every change and at least every --push.status.interval, by a
 * third thread, so that a slow receiver never delays a check.
 *
 * Life cycle, as main drives it: health_status_hook (for server_bind), health_open
 * while plumb still has its privileges (it opens the kernel log), health_start once
 * the sandbox is entered, health_stop before the server stops, health_fini after.
 * State shared between the threads, the metrics source and the status route is
 * guarded by mu.
 */
#ifndef PLUMB_HEALTH_H
#define PLUMB_HEALTH_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/scrape.h"
#include "health/conditions.h"
#include "health/inputs.h"
#include "health/kline.h"
#include "health/klog.h"
#include "http/server.h"
#include "lib/httppost.h"

#define HEALTH_EVENTS 32 /* most recent events kept for the status API */

extern const struct flag_def health_flags[];

struct health_event {
	int64_t wall_ms;
	enum kevent reason;
	char message[512];
};

struct health {
	bool enabled;
	struct scraper *scraper;
	char node[256];
	char imagefs[PATH_MAX];
	int64_t check_ms, push_ms;
	struct server_status status;

	pthread_mutex_t mu;
	pthread_cond_t cv;        /* wakes the health thread: a change, or stop */
	bool sync_ready;          /* mu and cv are initialised */
	struct health_state st;   /* guarded by mu, as is everything down to `stop` */
	struct health_event events[HEALTH_EVENTS]; /* ring; next is the oldest when full */
	unsigned nevents, next;
	uint64_t counts[KEVENT_COUNT];
	uint64_t gen;             /* bumped on every change of conditions or a new event */
	bool checked;             /* the first check is done */
	bool stop;
	atomic_bool stopping;     /* set with stop; aborts a webhook post in progress */

	struct kline_rules *rules; /* used by the klog thread only */
	struct klog klog;
	bool klog_open;
	struct pid_files pids;    /* used by the health thread only */
	struct httppost wh;       /* the status webhook (--push.status.url), and the next */
	bool webhook_on, webhook_failing, curl_ready; /* two: used by the webhook thread */
	pthread_t thread, webhook; /* the checks; the POSTs, off the checks' path */
	bool started, webhook_started;
};

/* The /api/v1/status hook for server_bind: NULL when --no-health.enabled. h must be
 * zeroed before and outlive the server. */
const struct server_status *health_status_hook(struct health *h, const struct plumb_config *cfg);

/* Read the --health.* and --push.status.* flags, open the kernel log, set up the
 * webhook and register the metrics source with a. Does nothing (returns 0) when
 * health is disabled. A bad flag value gets a one-line error on stderr and -EINVAL
 * (main exits 2); other failures are logged and return -errno. Call health_fini in
 * every case. */
/* Declare what the health checks read beyond the roots (resources.h): the kernel log,
 * and for a log file its folder, since rotation replaces the file. Nothing when health
 * is off. Returns 0 or -errno from res_path. */
int health_declare(const struct plumb_config *cfg, struct resources *res);

int health_open(struct health *h, const struct plumb_config *cfg, struct agent *a,
		struct scraper *s);

/* Start the health thread and the kernel log reader. Returns 0 or -errno. */
int health_start(struct health *h);

/* Stop and join the threads (the status route and metrics keep working). */
void health_stop(struct health *h);

/* Free everything. Accepts a zeroed or half-opened h. */
void health_fini(struct health *h);

/* One check at time now: collect, read the signals, evaluate. Returns 0 or -errno. The
 * health thread calls it; exported for tests. */
int health_check(struct health *h, struct health_time now);

/* Handle one kernel log line (klog's callback): record events, set kernel conditions. */
void health_kernel_line(void *ctx, const char *line, size_t len);

/* klog's state callback: the kernel log is followed again (following) or no longer
 * (why says why): the kernel conditions follow (health_kernel_log). */
void health_kernel_state(void *ctx, bool following, const char *why);

/* Render the status JSON into a malloc'd *body (caller frees) of *len bytes. The
 * server_status render function. Returns 0 or -ENOMEM. */
int health_render_status(void *ctx, char **body, size_t *len);

/* The metrics source: plumb_node_condition and plumb_problem_events_total. */
int health_collect(void *ctx, struct metric_sink *out);

/* Both clocks now. */
struct health_time health_now(void);

#endif
