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
 *
 * A collection of more than stream_series series (a node with thousands of
 * containers: tens of MB of text) is not rendered whole: each scrape of it gets a
 * scrape_stream that renders and, if asked, gzips it a piece at a time while the body
 * is sent, so memory holds the sink and one piece, not the whole body (or four of them,
 * one per snapshot). Streams are pooled like snapshots.
 *
 * An HTTP response holds its snapshot until its client has read the body, which a slow
 * or stalled client can stretch to --web.connection-timeout and beyond (a trickle of
 * reads resets that timer). So responses may hold at most SCRAPE_SERVED_MAX snapshots
 * at once; the others stay free for collections, and health checks and push never wait
 * on an HTTP client. A scrape that finds that many held waits until one is given back.
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
/* Most snapshots HTTP responses may hold at once (see above): one of the other two is
 * the latest collection, the other is free for the next one. */
#define SCRAPE_SERVED_MAX (SCRAPE_SNAPSHOTS - 2)
/* Collections with more series than this are streamed (see above): about 1-4 MB of
 * text, depending on the labels. */
#define SCRAPE_STREAM_SERIES 10000
/* Text rendered per piece of a stream. */
#define SCRAPE_PIECE (64u << 10)

struct scraper;

struct snapshot {
	struct scraper *owner;
	struct metric_sink sink;
	struct buf body[VIEW_COUNT][2][2]; /* [view][format][gzip] */
	bool ready[VIEW_COUNT][2][2];
	int refs;               /* guarded by scraper.mu */
	int served;             /* of refs, those HTTP responses hold (scraper.mu) */
	uint64_t done_ms;       /* CLOCK_MONOTONIC ms when its collection ended (scraper.mu) */
	int result;             /* that collection's result, 0 or -errno (scraper.mu) */
	pthread_mutex_t render_mu;
	z_stream z;
	bool z_ready;
};

/* One scrape's rendering of a large snapshot, read a piece at a time. */
struct scrape_stream {
	struct scrape_stream *next;  /* in the scraper's idle list */
	struct snapshot *snap;       /* the reference this stream holds */
	enum metric_view view;
	enum expo_format fmt;
	bool gzip;
	struct render_cursor cur;
	bool rendered;               /* the renderer has written the end */
	bool finished;               /* and out holds the last bytes (gzip trailer too) */
	struct buf text;             /* the piece being compressed (gzip only) */
	struct buf out;              /* bytes to hand out, from out_pos */
	size_t out_pos;
	z_stream z;
	bool z_ready;
};

struct scraper {
	struct agent *agent;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool in_flight;
	unsigned waiters;       /* scrapes waiting to share the collection in flight */
	unsigned nserved;       /* snapshots with served > 0, at most SCRAPE_SERVED_MAX */
	uint64_t generation;    /* bumped when a collection completes */
	struct snapshot *current;
	struct snapshot snaps[SCRAPE_SNAPSHOTS];
	uint32_t stream_series;  /* SCRAPE_STREAM_SERIES; tests lower it */
	struct scrape_stream *idle_streams; /* guarded by mu */
};

/* Set s up to collect through a (which must outlive s), and turn on a's
 * plumb_scrape_collections_total. Returns 0. */
int scraper_init(struct scraper *s, struct agent *a);
/* Free every snapshot's and stream's buffers. No scrape may be running or hold a
 * snapshot or stream: stop the HTTP server (which releases its responses) first. */
void scraper_fini(struct scraper *s);

/* Get a fresh snapshot (see above) and serve view of it in fmt (gzipped if gzip),
 * waiting while HTTP responses hold SCRAPE_SERVED_MAX snapshots.
 * A collection of at most s->stream_series series is rendered whole: *snap gets one
 * reference for the caller, and *body and *len stay valid until scraper_put_view(snap);
 * *stream is NULL. A larger one is not rendered whole: *stream gets a stream of the
 * rendering, which holds the snapshot reference itself (*snap, *body and *len are NULL,
 * NULL and 0); read it with scrape_stream_read and give it back with
 * scrape_stream_close. Returns 0 or -errno. */
int scraper_open_view(struct scraper *s, enum metric_view view, enum expo_format fmt, bool gzip,
		      struct snapshot **snap, const char **body, size_t *len,
		      struct scrape_stream **stream);
/* Copy the next bytes of st's body, at most cap (> 0), to dst; *got gets how many, 0
 * only at the end. Returns 0 or -errno (rendering or gzip failed: the body is cut short
 * and the caller must not send it as complete). One thread at a time per stream. */
int scrape_stream_read(struct scrape_stream *st, char *dst, size_t cap, size_t *got);
/* Give back st (and its snapshot reference), read to the end or not. Thread-safe. */
void scrape_stream_close(struct scrape_stream *st);

/* Drop one reference taken by scraper_collect or scraper_recent. Thread-safe. */
void scraper_put(struct scraper *s, struct snapshot *snap);
/* Drop the reference a whole body from scraper_open_view held. Thread-safe. */
void scraper_put_view(struct scraper *s, struct snapshot *snap);

/* Collect and hold a snapshot without rendering (for push and health on a timer):
 * *snap gets one reference, to give back with scraper_put, also when the result is
 * -errno from the sink (the snapshot then holds what was collected). Thread-safe. */
int scraper_collect(struct scraper *s, struct snapshot **snap);

/* Like scraper_collect, but when the latest collection ended at most max_age_ms ago
 * and none is in flight, hold that one instead of collecting again (health checks on
 * a timer take what a scrape just collected: on a node with thousands of containers a
 * collection costs a large part of a second). Returns that collection's result.
 * Thread-safe. */
int scraper_recent(struct scraper *s, uint64_t max_age_ms, struct snapshot **snap);

#endif
