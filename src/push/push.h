/*
 * push: Prometheus remote write from a crash-safe queue.
 *
 * With --push.remote-write.url set, a collector thread runs the same collection a
 * scrape runs (scraper_collect) every --push.interval, encodes its samples as a
 * remote-write request (encode.h) and appends it to the on-disk queue (queue.h). A
 * sender thread posts queued records, oldest first, with libcurl; a record leaves the
 * queue only after a 2xx answer. 5xx, 429 and network errors are retried with
 * exponential backoff (0.5 s doubling up to 5 s) while collection goes on; any other
 * 4xx drops the records it was about (counted, logged). Its own metrics (plumb_push_*)
 * are reported in every collection through an agent source, which never waits on the
 * queue's disk: a scrape answers while an append is stuck in fdatasync.
 *
 * Life cycle, from main: push_init (flags, the queue folder; before privileges are
 * dropped), push_start (threads; after the server starts), push_stop (before the
 * server stops), push_fini (after the last collection).
 */
#ifndef PLUMB_PUSH_H
#define PLUMB_PUSH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/resources.h"
#include "core/scrape.h"
#include "lib/httppost.h"
#include "push/encode.h"
#include "push/queue.h"

extern const struct flag_def push_flags[];

/* The queue's state as push_metrics last read it under the mutex. The mutex is held
 * across disk I/O (an append's fdatasync, the sender's reads), so when it is not free
 * within a moment a collection reports these instead of waiting on the disk. */
struct push_seen {
	uint64_t bytes, dropped_full, dropped_disk, dropped_write, corrupt;
	int64_t head_ts;             /* time (ms) of the oldest unsent record; 0: none */
};

struct push {
	bool enabled;                /* --push.remote-write.url is set */
	bool ready;                  /* mu and the condition variables exist */
	bool started;                /* the threads run */
	struct scraper *scraper;
	const char *url;             /* the config's */
	int64_t interval_ms, timeout_ms;
	struct rw_label ext[RW_MAX_EXT];
	size_t next;
	char *ext_text;              /* the external labels' strings; owned */
	struct rw_encoder enc;       /* used by the collector thread only */
	int append_err;              /* the collector's: the last append's error, 0 after a
					success (to log a run of failures once) */
	uint64_t append_lost;        /* the collector's: collections dropped in that run */
	bool curl_ref;               /* holds a dyn_curl_open reference */
	struct httppost http;        /* used by the sender thread only */
	struct buf raw, body;        /* the sender's */
	atomic_bool abort_transfer;  /* set by push_stop: cut a request short */

	/* push's own counters: written by its threads, read by push_metrics without mu */
	_Atomic uint64_t collections, sent, failed, dropped_rejected, dropped_invalid;
	struct push_seen seen;       /* push_metrics' own (agent collections never overlap) */

	pthread_mutex_t mu;          /* guards everything below */
	pthread_cond_t tick_cv, send_cv;
	bool stopping;
	struct pqueue q;
	int64_t head_ts;             /* time (ms) of the oldest unsent record, 0 unknown */
	pthread_t collector, sender;
};

/* Read and check the push flags; when a URL is set, load libcurl and libsnappy
 * (lib/dynlib.h), open (or create) the queue folder, set up libcurl and add plumb_push_*
 * to the scraper's agent. When no URL is set p->enabled stays false, nothing is loaded
 * and every other call does nothing. Returns 0, or -errno after logging what is wrong
 * (-ELIBACC: a library is missing); p is then finished with push_fini. */
/* Declare the queue's folder as written (resources.h) when remote write is configured.
 * Returns 0 or -errno from res_path. */
int push_declare(const struct plumb_config *cfg, struct resources *res);

int push_init(struct push *p, const struct plumb_config *cfg, struct scraper *scraper);

/* Start the collector and sender threads. Returns 0 or -errno (logged). */
int push_start(struct push *p);

/* Stop both threads (a request in flight is cut short; its records stay queued). */
void push_stop(struct push *p);

/* For a plumb about to switch from root to uid:gid: give them the queue folder and
 * its files. Returns 0 or -errno. */
int push_chown(struct push *p, uid_t uid, gid_t gid);

/* Stop if needed and free everything; accepts a zeroed push. */
void push_fini(struct push *p);

#endif
