/*
 * push: flags, threads, HTTP and self-metrics of remote write (see push.h).
 *
 * Two threads share the queue under one mutex. The collector ticks on
 * CLOCK_MONOTONIC and never waits for the network. The sender posts batches of up
 * to PQ_BATCH_MAX records (4 MiB of payload): after an outage the backlog drains in
 * few requests. A batch answered with a 4xx other than 429, or one that cannot be
 * joined into a request (a payload that is not snappy data, memory short), is retried
 * record by record, so one bad record never costs its neighbours.
 *
 * The mutex is held across disk I/O (an append's fdatasync, the sender's reads), so
 * the self-metrics (push_metrics), which every scrape collects, wait for it only
 * briefly: push's own counters are atomics, and the queue's state is reported as last
 * read when the mutex is not free in time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/dynlib.h"
#include "lib/log.h"
#include "lib/strparse.h"
#include "push/push.h"

#define BATCH_BYTES (4u << 20)
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 5000
#define METRICS_WAIT_MS 50 /* longest push_metrics waits for the mutex */

const struct flag_def push_flags[] = {
	{ "push.remote-write.url", FLAG_STRING, NULL,
	  "Push every collected sample to this Prometheus remote-write endpoint (http:// or "
	  "https://). Unset: no pushing.", false },
	{ "push.remote-write.label", FLAG_STRING, NULL,
	  "External label NAME=VALUE added to every pushed series that lacks it, such as "
	  "instance=web1 (repeatable).", true },
	{ "push.interval", FLAG_DURATION, "15s", "How often to collect and queue samples for "
	  "remote write (at least 1s).", false },
	{ "push.timeout", FLAG_DURATION, "10s", "Longest a push request may take before it "
	  "is abandoned and retried.", false },
	{ "push.queue.dir", FLAG_STRING, "/var/lib/plumb/queue", "Folder of the on-disk queue "
	  "that holds samples until the receiver has them (created if missing).", false },
	{ "push.queue.max-bytes", FLAG_INT, "268435456", "Bound on the queue's size on disk; "
	  "past it the oldest samples are dropped (at least 65536).", false },
	{ NULL, 0, NULL, NULL, false },
};

/* Wall-clock time in ms since the epoch: the pushed samples' timestamp. */
static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Move *t ms (>= 0) later. */
static void add_ms(struct timespec *t, int64_t ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/* Whether a is earlier than b. */
static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A label name Prometheus accepts and does not reserve (no leading "__"). */
static bool good_label_name(struct span s)
{
	if (s.len == 0 || ascii_digit(s.p[0]) || span_starts(s, "__"))
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (!(c == '_' || ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}

/* Split the --push.remote-write.label values into p->ext (copies in p->ext_text).
 * Returns 0 or -EINVAL (logged). */
static int parse_labels(struct push *p, const struct plumb_config *cfg)
{
	const char *const *vals;
	size_t n = cfg_all(cfg, "push.remote-write.label", &vals), total = 0;
	if (n > RW_MAX_EXT) {
		plog(LOG_ERROR, "too many --push.remote-write.label flags", "max", "32", PLOG_END);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		total += strlen(vals[i]) + 1;
	if (n && !(p->ext_text = malloc(total)))
		return -ENOMEM;
	char *w = p->ext_text;
	for (size_t i = 0; i < n; i++) {
		struct span all = span_cstr(vals[i]), name, value;
		const char *eq = memchr(all.p, '=', all.len);
		name = (struct span){ all.p, eq ? (size_t)(eq - all.p) : all.len };
		value = eq ? (struct span){ eq + 1, all.len - name.len - 1 } : (struct span){ "", 0 };
		bool dup = false;
		for (size_t j = 0; j < p->next && !dup; j++)
			dup = name.len == strlen(p->ext[j].name) && !memcmp(p->ext[j].name, name.p, name.len);
		if (!eq || !good_label_name(name) || value.len == 0 || dup) {
			plog(LOG_ERROR, "bad --push.remote-write.label: want NAME=VALUE with a label "
			     "name not starting with __, a non-empty value, each name once",
			     "value", vals[i], PLOG_END);
			return -EINVAL;
		}
		memcpy(w, vals[i], all.len + 1);
		w[name.len] = '\0';
		p->ext[p->next++] = (struct rw_label){ w, w + name.len + 1 };
		w += all.len + 1;
	}
	return 0;
}

/* Read the numeric flags into p. Returns 0 or -EINVAL (logged). */
static int parse_numbers(struct push *p, const struct plumb_config *cfg, int64_t *max_bytes)
{
	const char *bad = NULL;
	if (!httppost_url_ok(p->url))
		bad = "--push.remote-write.url must start with http:// or https://";
	else if (cfg_duration_ms(cfg, "push.interval", &p->interval_ms) < 0 || p->interval_ms < 1000)
		bad = "--push.interval must be at least 1s";
	else if (cfg_duration_ms(cfg, "push.timeout", &p->timeout_ms) < 0 || p->timeout_ms < 1)
		bad = "--push.timeout must be positive";
	else if (cfg_int(cfg, "push.queue.max-bytes", max_bytes) < 0 || *max_bytes < 65536)
		bad = "--push.queue.max-bytes must be at least 65536";
	if (bad)
		plog(LOG_ERROR, bad, PLOG_END);
	return bad ? -EINVAL : 0;
}

static int push_metrics(void *ctx, struct metric_sink *out);

int push_declare(const struct plumb_config *cfg, struct resources *res)
{
	const char *url = cfg_str(cfg, "push.remote-write.url");
	if (!url || !*url)
		return 0;
	res_small(res); /* the queue's folder, lock, segment and cursor */
	return res_path(res, cfg_str(cfg, "push.queue.dir"), NULL, RES_READ | RES_WRITE);
}

int push_init(struct push *p, const struct plumb_config *cfg, struct scraper *scraper)
{
	int64_t max_bytes = 0;
	pthread_condattr_t ca;
	int r;
	memset(p, 0, sizeof(*p));
	p->scraper = scraper;
	p->url = cfg_str(cfg, "push.remote-write.url");
	if (!p->url || !*p->url) {
		static const char *const others[] = { "push.remote-write.label", "push.interval",
						      "push.queue.dir", "push.queue.max-bytes" };
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			if (cfg_given(cfg, others[i]))
				plog(LOG_WARN, "push flag has no effect without --push.remote-write.url",
				     "flag", others[i], PLOG_END);
		return 0;
	}
	if ((r = parse_numbers(p, cfg, &max_bytes)) < 0 || (r = parse_labels(p, cfg)) < 0)
		return r;
	/* the libraries first: without them nothing below is of use */
	if ((r = dyn_curl_open("--push.remote-write.url")) < 0)
		return r;
	p->curl_ref = true;
	if ((r = dyn_snappy_open("--push.remote-write.url")) < 0)
		return r;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->tick_cv, &ca);
	pthread_cond_init(&p->send_cv, &ca);
	pthread_condattr_destroy(&ca);
	p->ready = true;
	rw_init(&p->enc, p->ext, p->next);
	if ((r = pqueue_open(&p->q, cfg_str(cfg, "push.queue.dir"), (uint64_t)max_bytes)) < 0)
		return r;
	/* started as root, plumb hands the folder to its runtime user (push_chown); any
	 * other user must already be able to write it, or every append will fail */
	if (geteuid() != 0 && access(p->q.dir, W_OK | X_OK) < 0)
		plog(LOG_WARN, "the push queue folder is not writable by this user; give it to "
			       "the user (chown) or choose another --push.queue.dir",
		     "path", p->q.dir, "err", strerror(errno), PLOG_END);
	static const char *const hdrs[] = { "Content-Encoding: snappy",
					    "Content-Type: application/x-protobuf",
					    "X-Prometheus-Remote-Write-Version: 0.1.0", "Expect:" };
	if ((r = httppost_init(&p->http, p->url, hdrs, sizeof(hdrs) / sizeof(hdrs[0]),
			       p->timeout_ms, &p->abort_transfer)) < 0) {
		plog(LOG_ERROR, "cannot set up libcurl for remote write", PLOG_END);
		return r;
	}
	struct agent_source src = { "push", push_metrics, p };
	if ((r = agent_add_source(scraper->agent, &src)) < 0)
		return r;
	p->enabled = true;
	char iv[24];
	snprintf(iv, sizeof(iv), "%" PRId64 "ms", p->interval_ms);
	char backlog[24];
	snprintf(backlog, sizeof(backlog), "%" PRIu64, pqueue_unsent(&p->q));
	plog(LOG_INFO, "remote write enabled", "interval", iv, "queue", p->q.dir,
	     "backlog_bytes", backlog, PLOG_END);
	return 0;
}

/* Log what became of the collector's append (r from pqueue_append, which counted the
 * samples of a record it could not queue): the first failure of a run as an error,
 * the others of the run at debug level, and the end of the run. */
static void note_append(struct push *p, int r, uint32_t nsamples)
{
	char n[24];
	if (r == 0 && p->append_err) {
		snprintf(n, sizeof(n), "%" PRIu64, p->append_lost);
		plog(LOG_INFO, "pushed samples can be queued again", "dir", p->q.dir,
		     "collections_dropped", n, PLOG_END);
		p->append_err = 0;
		p->append_lost = 0;
	}
	if (r == 0 || r == -E2BIG) /* pqueue_append logged the latter */
		return;
	snprintf(n, sizeof(n), "%" PRIu32, nsamples);
	plog(r == p->append_err ? LOG_DEBUG : LOG_ERROR, "cannot queue pushed samples: dropped",
	     "dir", p->q.dir, "err", strerror(-r), "samples", n, PLOG_END);
	p->append_err = r;
	p->append_lost++;
}

/* One tick: collect, encode, append. Runs on the collector thread. */
static void tick(struct push *p)
{
	struct snapshot *snap = NULL;
	int64_t now = wall_ms();
	uint64_t k = ++p->collections;
	int r = scraper_collect(p->scraper, &snap);
	if (r == 0)
		r = rw_encode(&p->enc, &snap->sink, now);
	scraper_put(p->scraper, snap);
	if (r < 0) {
		plog(LOG_ERROR, "push collection could not be encoded", "err", strerror(-r), PLOG_END);
		return;
	}
	pthread_mutex_lock(&p->mu);
	r = pqueue_append(&p->q, p->enc.out.p, (uint32_t)p->enc.out.len, p->enc.nsamples, now);
	if (r == 0 && p->head_ts == 0)
		p->head_ts = now;
	pthread_cond_signal(&p->send_cv);
	pthread_mutex_unlock(&p->mu);
	note_append(p, r, p->enc.nsamples);
	if (r == 0 && log_enabled(LOG_DEBUG)) {
		char a[24], b[24], c[24];
		snprintf(a, sizeof(a), "%" PRIu64, k);
		snprintf(b, sizeof(b), "%" PRIu32, p->enc.nsamples);
		snprintf(c, sizeof(c), "%zu", p->enc.out.len);
		plog(LOG_DEBUG, "queued push record", "collection", a, "samples", b, "bytes", c,
		     PLOG_END);
	}
}

/* The collector thread: a tick every interval on CLOCK_MONOTONIC until push_stop. */
static void *collector_main(void *arg)
{
	struct push *p = arg;
	struct timespec next, now;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		pthread_mutex_unlock(&p->mu);
		tick(p);
		add_ms(&next, p->interval_ms);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (before(&next, &now))
			next = now; /* a tick took longer than the interval: no catching up */
		pthread_mutex_lock(&p->mu);
		while (!p->stopping && pthread_cond_timedwait(&p->tick_cv, &p->mu, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Wait (mutex held) until ms have passed or push_stop. */
static void wait_ms(struct push *p, int64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	add_ms(&until, ms);
	while (!p->stopping && pthread_cond_timedwait(&p->send_cv, &p->mu, &until) != ETIMEDOUT)
		;
}

/* What the sender does with an answer (mutex held). *isolate counts the records still
 * to send one at a time. Returns the backoff to wait (ms), 0 to go on at once. */
static int64_t settle(struct push *p, const struct pqueue_batch *b, long status,
		      const char *err, int64_t backoff, uint32_t *isolate)
{
	char st[24], n[24];
	snprintf(st, sizeof(st), "%ld", status);
	snprintf(n, sizeof(n), "%" PRIu64, b->nsamples);
	if (status >= 200 && status < 300) {
		if (pqueue_commit(&p->q, b))
			p->sent += b->nsamples;
		*isolate = *isolate > b->nrecords ? *isolate - b->nrecords : 0;
		if (backoff)
			plog(LOG_INFO, "remote write recovered", PLOG_END);
		return 0;
	}
	p->failed++;
	if (status >= 400 && status < 500 && status != 429) {
		if (b->nrecords > 1) { /* find the bad record: retry one by one */
			*isolate = b->nrecords;
			return 0;
		}
		if (pqueue_commit(&p->q, b))
			p->dropped_rejected += b->nsamples;
		*isolate = *isolate ? *isolate - 1 : 0;
		plog(LOG_WARN, "remote write rejected samples: dropped", "status", st, "samples", n,
		     "answer", p->http.answer.len ? p->http.answer.p : "", PLOG_END);
		return 0;
	}
	int64_t next = backoff ? backoff * 2 : BACKOFF_MIN_MS;
	next = next > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : next;
	char w[24];
	snprintf(w, sizeof(w), "%" PRId64 "ms", next);
	plog(backoff ? LOG_DEBUG : LOG_WARN, "remote write failed: will retry", "status",
	     status < 0 ? "none" : st, "err", status < 0 ? err : (p->http.answer.len ? p->http.answer.p : ""),
	     "retry_in", w, PLOG_END);
	return next;
}

/* Whether rec's payload is snappy data that uncompresses whole (into p->raw, used as
 * scratch space). Returns 0, -EBADMSG, or -errno from growing p->raw (-E2BIG past its
 * limit, which no record plumb wrote reaches; -ENOMEM). */
static int check_payload(struct push *p, const struct qrec *rec)
{
	const char *in = (const char *)rec->payload;
	size_t ulen;
	int r;
	if (dyn_snappy.uncompressed_length(in, rec->len, &ulen) != SNAPPY_OK)
		return -EBADMSG;
	buf_reset(&p->raw);
	if ((r = buf_reserve(&p->raw, ulen)) < 0)
		return r;
	if (dyn_snappy.uncompress(in, rec->len, p->raw.p, &ulen) != SNAPPY_OK)
		return -EBADMSG;
	return 0;
}

/* Make p->body, the request for batch b (mutex held: b's payloads lie in the queue's
 * read buffer). *isolate counts the records still to send one at a time, after a
 * batch that failed; b then holds one of them, whose payload is checked first (a
 * single record is otherwise sent as queued). When the body cannot be made:
 * - a batch of several records is not dropped: *isolate becomes its size, so its
 *   records go one at a time and only one that fails alone is lost;
 * - a single record is dropped as invalid (counted, logged), except on -ENOMEM;
 * - -ENOMEM drops nothing: the caller backs off and tries again.
 * Returns 0 when p->body is ready to send, else the failure's -errno, handled as above. */
static int make_body(struct push *p, const struct pqueue_batch *b, uint32_t *isolate)
{
	char n[24];
	int r = *isolate ? check_payload(p, &b->recs[0]) : 0;
	if (r == 0 && (r = rw_join(b->recs, b->nrecords, &p->raw, &p->body)) == 0)
		return 0;
	if (b->nrecords > 1) {
		*isolate = b->nrecords;
		snprintf(n, sizeof(n), "%" PRIu32, b->nrecords);
		plog(LOG_WARN, "queued push records cannot be joined: sending them one by one",
		     "records", n, "err", strerror(-r), PLOG_END);
	} else if (r == -ENOMEM) {
		plog(LOG_ERROR, "no memory for a push request: will retry", PLOG_END);
	} else {
		if (pqueue_commit(&p->q, b))
			p->dropped_invalid += b->nsamples;
		*isolate = *isolate ? *isolate - 1 : 0;
		snprintf(n, sizeof(n), "%" PRIu64, b->nsamples);
		plog(LOG_ERROR, "queued push record cannot be decoded: dropped", "samples", n,
		     "err", strerror(-r), PLOG_END);
	}
	return r;
}

/* The sender thread: posts the oldest queued records until push_stop, waiting for new
 * ones when the queue is empty and backing off after failures. */
static void *sender_main(void *arg)
{
	struct push *p = arg;
	struct pqueue_batch *b = malloc(sizeof(*b));
	int64_t backoff = 0;
	uint32_t isolate = 0;
	pthread_mutex_lock(&p->mu);
	while (b && !p->stopping) {
		if (!pqueue_pending(&p->q)) {
			p->head_ts = 0;
			pthread_cond_wait(&p->send_cv, &p->mu);
			continue;
		}
		int r = pqueue_peek(&p->q, isolate ? 1 : PQ_BATCH_MAX, BATCH_BYTES, b);
		if (r < 0) {
			plog(LOG_ERROR, "cannot read the push queue", "dir", p->q.dir, "err",
			     strerror(-r), PLOG_END);
			wait_ms(p, BACKOFF_MAX_MS);
			continue;
		}
		if (b->nrecords == 0)
			continue;
		p->head_ts = b->recs[0].ts_ms;
		if ((r = make_body(p, b, &isolate)) < 0) {
			if (r == -ENOMEM)
				wait_ms(p, BACKOFF_MAX_MS);
			continue;
		}
		pthread_mutex_unlock(&p->mu);
		const char *err = "";
		long status;
		if (httppost_send(&p->http, p->body.p, p->body.len, &status, &err) < 0)
			status = -1;
		pthread_mutex_lock(&p->mu);
		if (p->stopping)
			break;
		backoff = settle(p, b, status, err, backoff, &isolate);
		if (backoff)
			wait_ms(p, backoff);
	}
	pthread_mutex_unlock(&p->mu);
	free(b);
	return NULL;
}

int push_start(struct push *p)
{
	int r;
	if (!p->enabled)
		return 0;
	if ((r = pthread_create(&p->collector, NULL, collector_main, p)) != 0)
		goto out_log;
	if ((r = pthread_create(&p->sender, NULL, sender_main, p)) != 0) {
		pthread_mutex_lock(&p->mu);
		p->stopping = true;
		pthread_cond_broadcast(&p->tick_cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->collector, NULL);
		goto out_log;
	}
	p->started = true;
	return 0;
out_log:
	plog(LOG_ERROR, "cannot start the push threads", "err", strerror(r), PLOG_END);
	return -r;
}

void push_stop(struct push *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	atomic_store(&p->abort_transfer, true);
	pthread_cond_broadcast(&p->tick_cv);
	pthread_cond_broadcast(&p->send_cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->collector, NULL);
	pthread_join(p->sender, NULL);
	p->started = false;
}

int push_chown(struct push *p, uid_t uid, gid_t gid)
{
	return p->enabled ? pqueue_chown(&p->q, uid, gid) : 0;
}

void push_fini(struct push *p)
{
	push_stop(p);
	httppost_fini(&p->http);
	if (p->curl_ref)
		dyn_curl_close();
	p->curl_ref = false;
	if (p->ready) {
		pqueue_close(&p->q);
		pthread_cond_destroy(&p->tick_cv);
		pthread_cond_destroy(&p->send_cv);
		pthread_mutex_destroy(&p->mu);
	}
	rw_fini(&p->enc);
	buf_fini(&p->raw);
	buf_fini(&p->body);
	free(p->ext_text);
	memset(p, 0, sizeof(*p));
}

static const struct metric_desc d_sent = { "plumb_push_sent_samples_total",
	"Samples the remote-write receiver accepted (answered 2xx).", METRIC_COUNTER };
static const struct metric_desc d_dropped = { "plumb_push_dropped_samples_total",
	"Samples given up without being delivered, by reason: queue_full (the queue's bound), "
	"disk_full (no room left on the queue's file system), write_failed (a collection the "
	"queue could not write otherwise), rejected (a 4xx answer), invalid (a queued record "
	"that could not be decoded).",
	METRIC_COUNTER };
static const struct metric_desc d_failed = { "plumb_push_failed_requests_total",
	"Remote-write requests that got no 2xx answer (errors, timeouts, 4xx, 5xx).",
	METRIC_COUNTER };
static const struct metric_desc d_bytes = { "plumb_push_queue_bytes",
	"Bytes of records in the push queue waiting to be sent.", METRIC_GAUGE };
static const struct metric_desc d_lag = { "plumb_push_lag_seconds",
	"Age of the oldest sample still waiting in the push queue (0 when it is empty).",
	METRIC_GAUGE };
static const struct metric_desc d_corrupt = { "plumb_push_queue_corrupt_total",
	"Damaged stretches of the push queue found and skipped.", METRIC_COUNTER };
static const struct metric_desc d_collections = { "plumb_push_collections_total",
	"Collections the push loop has taken, each queued as one record.", METRIC_COUNTER };

/* Take p->mu if it comes free within METRICS_WAIT_MS (CLOCK_MONOTONIC). Polls with
 * trylock: pthread_mutex_timedlock's deadline is on CLOCK_REALTIME, which a clock step
 * would stretch, and ThreadSanitizer does not know pthread_mutex_clocklock. Returns 0
 * (the caller holds the mutex) or -EBUSY. */
static int lock_briefly(struct push *p)
{
	static const struct timespec nap = { 0, 2000000 }; /* 2 ms */
	struct timespec until, now;
	int r;
	clock_gettime(CLOCK_MONOTONIC, &until);
	add_ms(&until, METRICS_WAIT_MS);
	while ((r = pthread_mutex_trylock(&p->mu)) == EBUSY) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!before(&now, &until))
			break;
		nanosleep(&nap, NULL);
	}
	return -r;
}

/* The agent source: plumb_push_*. The counters are atomics; the queue's state is read
 * under the mutex into p->seen when the mutex comes free within METRICS_WAIT_MS. A
 * thread holds it across disk I/O, so on a slow or hung disk the state read last time
 * is reported instead of waiting (collections never overlap, scrape.h: only one call
 * at a time touches p->seen), the lag measured from its oldest record to now, so it
 * keeps growing. Never waits longer. Returns 0 or -errno from the sink. */
static int push_metrics(void *ctx, struct metric_sink *out)
{
	struct push *p = ctx;
	struct push_seen *s = &p->seen;
	if (lock_briefly(p) == 0) {
		s->bytes = pqueue_unsent(&p->q);
		s->dropped_full = p->q.st.dropped_full;
		s->dropped_disk = p->q.st.dropped_disk;
		s->dropped_write = p->q.st.dropped_write;
		s->corrupt = p->q.st.corrupt;
		s->head_ts = pqueue_pending(&p->q) ? p->head_ts : 0;
		pthread_mutex_unlock(&p->mu);
	} else {
		plog(LOG_DEBUG, "push queue busy (disk I/O): reporting its last known state",
		     PLOG_END);
	}
	uint64_t sent = p->sent, failed = p->failed, rej = p->dropped_rejected;
	uint64_t inval = p->dropped_invalid, full = s->dropped_full, bytes = s->bytes;
	uint64_t corrupt = s->corrupt, colls = p->collections;
	double lag = 0;
	if (s->head_ts > 0) {
		lag = (double)(wall_ms() - s->head_ts) / 1000.0;
		lag = lag < 0 ? 0 : lag;
	}
	int r;
	if ((r = sink_add(out, &d_sent, (double)sent, NULL, 0)) < 0 ||
	    (r = sink_add(out, &d_dropped, (double)full, LABELS(L("reason", "queue_full")))) < 0 ||
	    (r = sink_add(out, &d_dropped, (double)s->dropped_disk,
			  LABELS(L("reason", "disk_full")))) < 0 ||
	    (r = sink_add(out, &d_dropped, (double)s->dropped_write,
			  LABELS(L("reason", "write_failed")))) < 0 ||
	    (r = sink_add(out, &d_dropped, (double)rej, LABELS(L("reason", "rejected")))) < 0 ||
	    (r = sink_add(out, &d_dropped, (double)inval, LABELS(L("reason", "invalid")))) < 0 ||
	    (r = sink_add(out, &d_failed, (double)failed, NULL, 0)) < 0 ||
	    (r = sink_add(out, &d_bytes, (double)bytes, NULL, 0)) < 0 ||
	    (r = sink_add(out, &d_lag, lag, NULL, 0)) < 0 ||
	    (r = sink_add(out, &d_corrupt, (double)corrupt, NULL, 0)) < 0 ||
	    (r = sink_add(out, &d_collections, (double)colls, NULL, 0)) < 0)
		return r;
	return 0;
}
