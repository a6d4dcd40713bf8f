/*
 * scrape: fresh collections shared between concurrent scrapes.
 *
 * Every scrape gets data collected after it arrived, or by the collection already in
 * flight when it arrived: concurrent scrapes wait for that one instead of starting
 * their own, so ten scrapers cost one collection (no stampede). A result is a
 * snapshot holding the sink and its renderings (text, OpenMetrics, each optionally
 * gzipped), made on first demand and reused by every scrape sharing the snapshot.
 * Snapshots are reference counted and recycled, so a steady stream of scrapes
 * allocates nothing once every buffer has reached its working size.
 */
#ifndef PLUMB_SCRAPE_H
#define PLUMB_SCRAPE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "core/agent.h"
#include "expo/render.h"

#define SCRAPE_SNAPSHOTS 4

struct scraper;

struct snapshot {
	struct scraper *owner;
	struct metric_sink sink;
	struct buf body[VIEW_COUNT][2][2]; /* [view][format][gzip] */
	bool ready[VIEW_COUNT][2][2];
	int refs;               /* guarded by scraper.mu */
	pthread_mutex_t render_mu;
	z_stream z;
	bool z_ready;
};

struct scraper {
	struct agent *agent;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool in_flight;
	unsigned waiters;       /* scrapes waiting to share the collection in flight */
	uint64_t generation;    /* bumped when a collection completes */
	struct snapshot *current;
	struct snapshot snaps[SCRAPE_SNAPSHOTS];
};

/* Set s up to collect through a (which must outlive s), and turn on a's
 * plumb_scrape_collections_total. Returns 0. */
int scraper_init(struct scraper *s, struct agent *a);
/* Free every snapshot's buffers. No scrape may be running or hold a snapshot: stop the
 * HTTP server (which releases its responses) first. */
void scraper_fini(struct scraper *s);

/* Get a fresh snapshot (see above) with one reference for the caller, rendered in
 * fmt (gzipped if gzip). *body and *len stay valid until scraper_put(snap).
 * Returns 0 or -errno. */
int scraper_get(struct scraper *s, enum expo_format fmt, bool gzip, struct snapshot **snap,
		const char **body, size_t *len);
/* The same for one view's families (scraper_get serves VIEW_METRICS). */
int scraper_get_view(struct scraper *s, enum metric_view view, enum expo_format fmt, bool gzip,
		     struct snapshot **snap, const char **body, size_t *len);
/* Drop one reference taken by scraper_get or scraper_collect. Thread-safe. */
void scraper_put(struct scraper *s, struct snapshot *snap);

/* Collect and hold a snapshot without rendering (for push and health on a timer):
 * *snap gets one reference, to give back with scraper_put, also when the result is
 * -errno from the sink (the snapshot then holds what was collected). Thread-safe. */
int scraper_collect(struct scraper *s, struct snapshot **snap);

#endif
