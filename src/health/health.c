/*
 * health: life cycle and threads of the health checks. See health.h.
 */
#include "health/health.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/dynlib.h"
#include "lib/log.h"
#include "lib/regfile.h"
#include "lib/utf8valid.h"

#define KLOG_POLL_MS 1000      /* how often a kernel log file is checked for new lines */
#define PUSH_TIMEOUT_MS 10000  /* webhook timeout when --push.timeout does not exist */

const struct flag_def health_flags[] = {
	{ "health.enabled", FLAG_BOOL, "true",
	  "Check the node's health conditions, follow the kernel log and serve /api/v1/status.",
	  false },
	{ "health.check-interval", FLAG_DURATION, "10s",
	  "How often the health conditions are checked (at least 1s).", false },
	{ "health.eviction-hard", FLAG_STRING, EVICTION_DEFAULT,
	  "Pressure thresholds in the syntax of kubelet's eviction-hard, signal<quantity separated "
	  "by commas.",
	  false },
	{ "health.eviction-pressure-transition-period", FLAG_DURATION, "5m",
	  "How long a pressure condition stays true after its signals recover.", false },
	{ "health.imagefs-path", FLAG_STRING, "/var/lib/containerd",
	  "Where the container runtime keeps images and writable layers; the imagefs signals "
	  "use the filesystem holding it.",
	  false },
	{ "health.kernel-log", FLAG_STRING, "/dev/kmsg",
	  "Kernel log to follow: /dev/kmsg or a text log file; empty reads none.", false },
	{ "health.node-name", FLAG_STRING, NULL,
	  "Node name in the status API (default: the host name).", false },
	{ "push.status.url", FLAG_STRING, NULL,
	  "URL that the status JSON is POSTed to on every change and every "
	  "--push.status.interval (off when unset).",
	  false },
	{ "push.status.interval", FLAG_DURATION, "10s",
	  "Longest time between two status POSTs (at least 1s).", false },
	{ NULL, 0, NULL, NULL, false },
};

struct health_time health_now(void)
{
	struct timespec m, w;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &w);
	return (struct health_time){ (int64_t)m.tv_sec * 1000 + m.tv_nsec / 1000000,
				     (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000 };
}

const struct server_status *health_status_hook(struct health *h, const struct plumb_config *cfg)
{
	if (!cfg_bool(cfg, "health.enabled"))
		return NULL;
	h->status = (struct server_status){ health_render_status, h };
	return &h->status;
}

/* A one-line usage error for flag name. Returns -EINVAL. */
static int usage_error(const char *name, const char *value, const char *why)
{
	fprintf(stderr, "plumb: error: invalid value %s for flag --%s: %s\n",
		value ? value : "(unset)", name, why);
	return -EINVAL;
}

/* Read a duration flag of at least min_ms into *out. Returns 0 or -EINVAL (printed). */
static int duration_flag(const struct plumb_config *cfg, const char *name, int64_t min_ms,
			 int64_t *out)
{
	if (cfg_duration_ms(cfg, name, out) < 0 || *out < min_ms)
		return usage_error(name, cfg_str(cfg, name),
				   min_ms ? "must be a duration of at least 1s"
					  : "must be a duration");
	return 0;
}

/* Read every flag into h and *ev. Returns 0 or -EINVAL (printed). */
static int read_flags(struct health *h, const struct plumb_config *cfg, struct eviction *ev,
		      int64_t *transition_ms)
{
	char err[256];
	int r;
	if ((r = duration_flag(cfg, "health.check-interval", 1000, &h->check_ms)) < 0 ||
	    (r = duration_flag(cfg, "push.status.interval", 1000, &h->push_ms)) < 0 ||
	    (r = duration_flag(cfg, "health.eviction-pressure-transition-period", 0,
			       transition_ms)) < 0)
		return r;
	const char *e = cfg_str(cfg, "health.eviction-hard");
	if (!e)
		e = "";
	if (eviction_parse(e, strlen(e), ev, err, sizeof(err)) < 0)
		return usage_error("health.eviction-hard", e, err);
	const char *img = cfg_str(cfg, "health.imagefs-path");
	if (!img || img[0] != '/' ||
	    snprintf(h->imagefs, sizeof(h->imagefs), "%s", img) >= (int)sizeof(h->imagefs))
		return usage_error("health.imagefs-path", img, "must be an absolute path");
	const char *node = cfg_str(cfg, "health.node-name");
	if (node && *node) {
		if (snprintf(h->node, sizeof(h->node), "%s", node) >= (int)sizeof(h->node))
			return usage_error("health.node-name", node, "longer than 255 bytes");
	} else if (gethostname(h->node, sizeof(h->node)) < 0) {
		snprintf(h->node, sizeof(h->node), "unknown");
	}
	h->node[sizeof(h->node) - 1] = '\0';
	return 0;
}

/* Set up the webhook when --push.status.url is given. Returns 0 or -errno (-EINVAL
 * printed as a usage error). */
static int open_webhook(struct health *h, const struct plumb_config *cfg)
{
	const char *url = cfg_str(cfg, "push.status.url");
	int64_t timeout_ms;
	if (!url || !*url)
		return 0;
	/* --push.timeout belongs to remote write; without it, a default */
	int r = cfg_duration_ms(cfg, "push.timeout", &timeout_ms);
	if (r == -ENOENT)
		timeout_ms = PUSH_TIMEOUT_MS;
	else if (r < 0 || timeout_ms <= 0)
		return usage_error("push.timeout", cfg_str(cfg, "push.timeout"),
				   "must be a positive duration");
	if (!httppost_url_ok(url))
		return usage_error("push.status.url", url, "must be an http:// or https:// URL");
	if ((r = dyn_curl_open("--push.status.url")) < 0)
		return r; /* logged */
	h->curl_ready = true;
	static const char *const hdrs[] = { "Content-Type: application/json" };
	if ((r = httppost_init(&h->wh, url, hdrs, 1, timeout_ms, &h->stopping)) < 0)
		return r;
	h->webhook_on = true;
	return 0;
}

int health_declare(const struct plumb_config *cfg, struct resources *res)
{
	const char *path = cfg_str(cfg, "health.kernel-log");
	struct stat st;
	if (!cfg_bool(cfg, "health.enabled") || !path || !*path)
		return 0;
	res_small(res);
	/* a rule on a file holds for that file only, and a rotated log is a new file: allow
	 * the folder of anything but a device (the reopen after a rotation needs it, and so
	 * does a file that appears where a FIFO or nothing was at start-up), a device alone */
	const char *slash = strrchr(path, '/');
	if ((stat(path, &st) == 0 && S_ISCHR(st.st_mode)) || !slash)
		return res_path(res, path, NULL, RES_READ);
	if (slash == path)
		return res_path(res, "/", NULL, RES_READ);
	char dir[PATH_MAX];
	size_t n = (size_t)(slash - path);
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return res_path(res, dir, NULL, RES_READ);
}

/* Open the kernel log named by --health.kernel-log. Failing to is not fatal: the
 * kernel conditions then stay Unknown, and the log says why. A path that names no log
 * file yet (a FIFO, say) is opened all the same: klog waits for a file there, and the
 * kernel conditions are Unknown meanwhile (see health_open). */
static void open_kernel_log(struct health *h, const struct plumb_config *cfg)
{
	const char *path = cfg_str(cfg, "health.kernel-log");
	if (!path || !*path)
		return;
	int r = klog_open(&h->klog, path, KLOG_POLL_MS, health_kernel_line, health_kernel_state,
			  h);
	if (r < 0) {
		plog(LOG_WARN, "cannot open the kernel log; kernel conditions stay Unknown", "path",
		     path, "err", regfile_strerror(-r), PLOG_END);
		return;
	}
	if (h->klog.err)
		plog(LOG_WARN, "the kernel log is not a file plumb can follow now; kernel "
			       "conditions are Unknown until it is",
		     "path", path, "err", regfile_strerror(-h->klog.err), PLOG_END);
	h->klog_open = true;
}

int health_open(struct health *h, const struct plumb_config *cfg, struct agent *a,
		struct scraper *s)
{
	struct eviction ev;
	int64_t transition_ms;
	pthread_condattr_t ca;
	int r;
	h->klog.fd = h->klog.wake_fd = -1;
	h->enabled = cfg_bool(cfg, "health.enabled");
	if (!h->enabled)
		return 0;
	h->scraper = s;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	h->sync_ready = true;
	if ((r = read_flags(h, cfg, &ev, &transition_ms)) < 0)
		return r; /* printed as a usage error */
	if ((r = pid_files_init(&h->pids, cfg_procfs(cfg))) < 0 ||
	    (r = kline_rules_new(&h->rules)) < 0 || (r = open_webhook(h, cfg)) < 0)
		goto out_log;
	/* open the pid files now, while the sandbox does not yet limit what plumb may open;
	 * they stay open (a failure here shows as PIDPressure Unknown later) */
	struct health_inputs ignored = { 0 };
	(void)pid_files_read(&h->pids, &ignored);
	open_kernel_log(h, cfg);
	health_state_init(&h->st, &ev, transition_ms, h->klog_open, health_now());
	if (h->klog_open && h->klog.err)
		health_kernel_log(&h->st, false, regfile_strerror(-h->klog.err), health_now());
	r = agent_add_source(a, &(struct agent_source){ "health", health_collect, h });
out_log:
	if (r < 0 && r != -EINVAL && r != -ELIBACC) /* those two are logged already */
		plog(LOG_ERROR, "cannot set up the health checks", "err", strerror(-r), PLOG_END);
	return r;
}

/* Log the conditions in mask as they are now. Called with mu. */
static void log_changes(const struct health *h, unsigned mask)
{
	for (int i = 0; i < COND_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		const struct health_condition *c = &h->st.c[i];
		plog(c->status == STATUS_TRUE && i != COND_READY ? LOG_WARN : LOG_INFO,
		     "node condition changed", "condition", health_cond_name((enum health_cond)i),
		     "status", health_status_name(c->status), "reason", c->reason, "message",
		     c->message, PLOG_END);
	}
}

int health_check(struct health *h, struct health_time now)
{
	struct health_inputs in = { 0 };
	struct snapshot *snap;
	/* a collection a scrape made in the last half interval serves as well as a new
	 * one (the half keeps a check from taking the previous check's own collection) */
	int r = scraper_recent(h->scraper, (uint64_t)h->check_ms / 2, &snap);
	/* on a sink error the snapshot still holds what was collected */
	health_inputs_from_sink(&snap->sink, h->imagefs, &in);
	scraper_put(h->scraper, snap);
	int pr = pid_files_read(&h->pids, &in);
	if (pr < 0)
		plog(LOG_DEBUG, "cannot read the pid figures", "err", strerror(-pr), PLOG_END);
	pthread_mutex_lock(&h->mu);
	unsigned changed = health_evaluate(&h->st, &in, now);
	if (changed) {
		h->gen++;
		log_changes(h, changed);
	}
	if (changed || !h->checked)
		pthread_cond_broadcast(&h->cv); /* the webhook thread posts it */
	h->checked = true;
	pthread_mutex_unlock(&h->mu);
	return r;
}

/* Add event e with message msg at now to the ring and the counters. Called with mu. */
static void add_event(struct health *h, enum kevent e, const char *msg, struct health_time now)
{
	struct health_event *ev = &h->events[h->next];
	ev->wall_ms = now.wall_ms;
	ev->reason = e;
	snprintf(ev->message, sizeof(ev->message), "%s", msg);
	h->next = (h->next + 1) % HEALTH_EVENTS;
	if (h->nevents < HEALTH_EVENTS)
		h->nevents++;
	h->counts[e]++;
	plog(LOG_WARN, "kernel problem", "reason", kevent_reason(e), "message", msg, PLOG_END);
}

void health_kernel_line(void *ctx, const char *line, size_t len)
{
	struct health *h = ctx;
	struct span text;
	bool kernel;
	char msg[sizeof(h->events[0].message)];
	if (kline_text(line, len, &text, &kernel) < 0 || !kernel)
		return;
	struct kline_hits hits = kline_match(h->rules, text);
	if (!hits.events && !hits.deadlock && !hits.readonly)
		return;
	utf8_valid_copy(text, msg, sizeof(msg));
	struct health_time now = health_now();
	unsigned changed = 0;
	pthread_mutex_lock(&h->mu);
	for (int e = 0; e < KEVENT_COUNT; e++)
		if (hits.events & (1u << e))
			add_event(h, (enum kevent)e, msg, now);
	if (hits.deadlock)
		changed |= health_kernel_problem(&h->st, COND_KERNEL_DEADLOCK, "KernelHasDeadlock",
						 msg, now);
	if (hits.readonly)
		changed |= health_kernel_problem(&h->st, COND_READONLY_FS, "FilesystemIsReadOnly",
						 msg, now);
	log_changes(h, changed);
	h->gen++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void health_kernel_state(void *ctx, bool following, const char *why)
{
	struct health *h = ctx;
	pthread_mutex_lock(&h->mu);
	unsigned changed = health_kernel_log(&h->st, following, why, health_now());
	if (changed) {
		log_changes(h, changed);
		h->gen++;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
}

/* POST the status now; log a failure once per change from working to failing and
 * back. Called without mu, by the webhook thread only. Returns 0 or -errno. */
static int post_status(struct health *h)
{
	char *body;
	size_t len;
	int r = health_render_status(h, &body, &len);
	if (r < 0)
		return r;
	long status;
	const char *err = NULL;
	char answered[48];
	r = httppost_send(&h->wh, body, len, &status, &err);
	free(body);
	if (r == 0 && (status < 200 || status > 299)) {
		snprintf(answered, sizeof(answered), "the receiver answered HTTP %ld", status);
		err = answered;
		r = -EIO;
	}
	if (r < 0 && !h->webhook_failing)
		plog(LOG_WARN, "posting the status failed; retrying at every check", "url",
		     h->wh.url, "err", err, PLOG_END);
	else if (r == 0 && h->webhook_failing)
		plog(LOG_INFO, "posting the status works again", "url", h->wh.url, PLOG_END);
	h->webhook_failing = r < 0;
	return r;
}

/* The smaller of a and b. */
static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Sleep on cv until the monotonic time deadline_ms, a broadcast or a spurious wake.
 * Called with mu. */
static void wait_until(struct health *h, int64_t deadline_ms)
{
	struct timespec ts = { (time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000 };
	pthread_cond_timedwait(&h->cv, &h->mu, &ts);
}

/* The health thread: a check every check_ms, nothing else, so that no receiver can
 * delay one. */
static void *health_thread(void *arg)
{
	struct health *h = arg;
	int64_t next_check = 0;
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		struct health_time now = health_now();
		if (now.mono_ms >= next_check) {
			pthread_mutex_unlock(&h->mu);
			health_check(h, now);
			pthread_mutex_lock(&h->mu);
			next_check = now.mono_ms + h->check_ms;
			continue; /* stop may have come meanwhile */
		}
		wait_until(h, next_check);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* The webhook thread: once the first check is done, a POST of the status as it is at
 * that moment on every change (retried at the next check interval when it fails) and
 * at least every push_ms. Changes that come while a POST waits for its receiver are
 * sent together by the next one: the queue is one deep and holds the latest status. */
static void *webhook_thread(void *arg)
{
	struct health *h = arg;
	int64_t next_push = 0, retry_at = 0;
	uint64_t posted = 0;
	bool posted_once = false;
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		if (!h->checked) {
			pthread_cond_wait(&h->cv, &h->mu);
			continue;
		}
		int64_t now = health_now().mono_ms;
		bool changed = !posted_once || h->gen != posted;
		if ((changed && now >= retry_at) || now >= next_push) {
			uint64_t gen = h->gen;
			pthread_mutex_unlock(&h->mu);
			int r = post_status(h);
			pthread_mutex_lock(&h->mu);
			next_push = now + h->push_ms;
			retry_at = r < 0 ? now + min64(h->check_ms, h->push_ms) : 0;
			if (r == 0) {
				posted = gen;
				posted_once = true;
			}
			continue;
		}
		wait_until(h, changed ? min64(retry_at, next_push) : next_push);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int health_start(struct health *h)
{
	int r;
	if (!h->enabled)
		return 0;
	if ((r = pthread_create(&h->thread, NULL, health_thread, h)) != 0)
		return -r;
	h->started = true;
	if (h->webhook_on) {
		if ((r = pthread_create(&h->webhook, NULL, webhook_thread, h)) != 0)
			return -r; /* main stops the health thread through health_stop */
		h->webhook_started = true;
	}
	if (h->klog_open && (r = klog_start(&h->klog)) < 0)
		plog(LOG_WARN, "cannot start the kernel log reader", "err", strerror(-r), PLOG_END);
	return 0;
}

void health_stop(struct health *h)
{
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->stop = true;
		atomic_store(&h->stopping, true);
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
		h->started = false;
		if (h->webhook_started)
			pthread_join(h->webhook, NULL); /* a POST in flight gives up on stopping */
		h->webhook_started = false;
	}
	if (h->klog_open)
		klog_close(&h->klog); /* joins its thread; the fd closes in health_fini too */
}

void health_fini(struct health *h)
{
	health_stop(h);
	if (h->klog_open)
		klog_close(&h->klog);
	h->klog_open = false;
	kline_rules_free(h->rules);
	h->rules = NULL;
	pid_files_fini(&h->pids);
	httppost_fini(&h->wh);
	if (h->curl_ready)
		dyn_curl_close();
	h->curl_ready = false;
	if (h->sync_ready) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		h->sync_ready = false;
	}
}
