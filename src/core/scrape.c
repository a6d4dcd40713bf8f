/*
 * scrape: shared fresh collections. See scrape.h.
 */
#include "core/scrape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds. */
static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int scraper_init(struct scraper *s, struct agent *a)
{
	memset(s, 0, sizeof(*s));
	s->agent = a;
	a->report_collections = true; /* scrapes show which collection served them */
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->stream_series = SCRAPE_STREAM_SERIES;
	for (int i = 0; i < SCRAPE_SNAPSHOTS; i++) {
		s->snaps[i].owner = s;
		sink_init(&s->snaps[i].sink);
		pthread_mutex_init(&s->snaps[i].render_mu, NULL);
		for (int v = 0; v < VIEW_COUNT; v++)
			for (int f = 0; f < 2; f++)
				for (int g = 0; g < 2; g++)
					s->snaps[i].body[v][f][g].max = (size_t)256 << 20;
	}
	return 0;
}

void scraper_fini(struct scraper *s)
{
	for (int i = 0; i < SCRAPE_SNAPSHOTS; i++) {
		struct snapshot *sn = &s->snaps[i];
		sink_fini(&sn->sink);
		for (int v = 0; v < VIEW_COUNT; v++)
			for (int f = 0; f < 2; f++)
				for (int g = 0; g < 2; g++)
					buf_fini(&sn->body[v][f][g]);
		if (sn->z_ready)
			deflateEnd(&sn->z);
		pthread_mutex_destroy(&sn->render_mu);
	}
	while (s->idle_streams) {
		struct scrape_stream *st = s->idle_streams;
		s->idle_streams = st->next;
		buf_fini(&st->text);
		buf_fini(&st->out);
		if (st->z_ready)
			deflateEnd(&st->z);
		free(st);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}

/* A snapshot nobody holds, or NULL. The current one comes first when it is free and no
 * scrape is waiting to take a reference to it (a sharer woken by the end of a
 * collection takes s->current once it gets the lock back, and must not find it being
 * collected into again): scraped one at a time, plumb then keeps a single snapshot
 * warm instead of alternating between two and holding both buffers' memory. Otherwise
 * any other free snapshot. Called with mu. */
static struct snapshot *free_snapshot(struct scraper *s)
{
	if (s->current && !s->current->refs && !s->waiters)
		return s->current;
	for (int i = 0; i < SCRAPE_SNAPSHOTS; i++) {
		struct snapshot *sn = &s->snaps[i];
		if (!sn->refs && sn != s->current)
			return sn;
	}
	return NULL;
}

/* Take a reference to sn for the caller; serve marks it an HTTP response's. A
 * snapshot no response held yet counts against SCRAPE_SERVED_MAX: returns false,
 * taking nothing, when the limit is reached. Called with mu. */
static bool take(struct scraper *s, struct snapshot *sn, bool serve)
{
	if (serve && !sn->served) {
		if (s->nserved >= SCRAPE_SERVED_MAX)
			return false;
		s->nserved++;
	}
	sn->served += serve;
	sn->refs++;
	return true;
}

/* scraper_collect, for an HTTP response when serve (see scrape.h). *snap gets one
 * reference, to give back with release(serve). Returns 0 or -errno. */
static int collect(struct scraper *s, struct snapshot **snap, bool serve)
{
	struct snapshot *sn;
	int r = 0;
	pthread_mutex_lock(&s->mu);
	/* in_flight is checked again after every wait: while we waited for a free
	 * snapshot another scrape may have started a collection, and two at once would
	 * run the collectors concurrently, which they do not allow */
	for (;;) {
		if (s->in_flight) {
			/* share the collection in flight: it started before we asked, ends after */
			uint64_t gen = s->generation;
			s->waiters++;
			while (s->generation == gen)
				pthread_cond_wait(&s->cv, &s->mu);
			s->waiters--;
			if (take(s, s->current, serve)) {
				*snap = s->current;
				goto out_unlock;
			}
			/* responses hold all they may: wait below, then collect afresh */
		}
		if ((!serve || s->nserved < SCRAPE_SERVED_MAX) && (sn = free_snapshot(s)))
			break;
		pthread_cond_wait(&s->cv, &s->mu);
	}
	s->in_flight = true;
	take(s, sn, serve); /* hold it while collecting; the room was checked above */
	pthread_mutex_unlock(&s->mu);

	r = agent_collect(s->agent, &sn->sink);
	memset(sn->ready, 0, sizeof(sn->ready));

	pthread_mutex_lock(&s->mu);
	sn->done_ms = mono_ms();
	sn->result = r;
	s->current = sn;
	s->in_flight = false;
	s->generation++;
	*snap = sn;
	pthread_cond_broadcast(&s->cv);
out_unlock:
	pthread_mutex_unlock(&s->mu);
	return r;
}

/* Drop one reference to sn, taken with take(serve). */
static void release(struct scraper *s, struct snapshot *sn, bool serve)
{
	pthread_mutex_lock(&s->mu);
	sn->refs--;
	if (serve && --sn->served == 0)
		s->nserved--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int scraper_collect(struct scraper *s, struct snapshot **snap)
{
	return collect(s, snap, false);
}

int scraper_recent(struct scraper *s, uint64_t max_age_ms, struct snapshot **snap)
{
	pthread_mutex_lock(&s->mu);
	struct snapshot *sn = s->current;
	bool young = sn && !s->in_flight && mono_ms() - sn->done_ms <= max_age_ms;
	if (young) {
		take(s, sn, false);
		*snap = sn;
	}
	int r = young ? sn->result : 0;
	pthread_mutex_unlock(&s->mu);
	return young ? r : scraper_collect(s, snap);
}

/* gzip src into dst with the snapshot's reusable stream. Returns 0 or -errno. */
static int gzip_into(struct snapshot *sn, const struct buf *src, struct buf *dst)
{
	int r;
	if (!sn->z_ready) {
		memset(&sn->z, 0, sizeof(sn->z));
		if (deflateInit2(&sn->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
		sn->z_ready = true;
	} else if (deflateReset(&sn->z) != Z_OK) {
		return -EIO;
	}
	buf_reset(dst);
	size_t bound = deflateBound(&sn->z, src->len);
	if ((r = buf_reserve(dst, bound)) < 0)
		return r;
	sn->z.next_in = (Bytef *)src->p;
	sn->z.avail_in = (uInt)src->len;
	sn->z.next_out = (Bytef *)dst->p;
	sn->z.avail_out = (uInt)bound;
	if (deflate(&sn->z, Z_FINISH) != Z_STREAM_END)
		return -EIO;
	dst->len = bound - sn->z.avail_out;
	return 0;
}

/* Render view of sn whole in fmt (gzipped if gzip), or reuse the rendering another
 * scrape of sn made; *body and *len point into sn. Returns 0 or -errno. */
static int render_whole(struct snapshot *sn, enum metric_view view, enum expo_format fmt,
			bool gzip, const char **body, size_t *len)
{
	int r = 0;
	pthread_mutex_lock(&sn->render_mu);
	struct buf *plain = &sn->body[view][fmt][0];
	if (!sn->ready[view][fmt][0]) {
		buf_reset(plain);
		if ((r = render_sink_view(&sn->sink, view, fmt, plain)) < 0)
			goto out_unlock;
		sn->ready[view][fmt][0] = true;
	}
	if (gzip && !sn->ready[view][fmt][1]) {
		if ((r = gzip_into(sn, plain, &sn->body[view][fmt][1])) < 0)
			goto out_unlock;
		sn->ready[view][fmt][1] = true;
	}
	*body = sn->body[view][fmt][gzip].p ? sn->body[view][fmt][gzip].p : "";
	*len = sn->body[view][fmt][gzip].len;
out_unlock:
	pthread_mutex_unlock(&sn->render_mu);
	return r;
}

/* An idle stream from s's pool, or a new one; NULL when out of memory. */
static struct scrape_stream *stream_get(struct scraper *s)
{
	pthread_mutex_lock(&s->mu);
	struct scrape_stream *st = s->idle_streams;
	if (st)
		s->idle_streams = st->next;
	pthread_mutex_unlock(&s->mu);
	if (!st && (st = calloc(1, sizeof(*st)))) {
		st->text.max = (size_t)16 << 20;
		st->out.max = (size_t)64 << 20;
	}
	return st;
}

/* Put st, holding no snapshot, in s's idle list. */
static void stream_idle(struct scraper *s, struct scrape_stream *st)
{
	pthread_mutex_lock(&s->mu);
	st->next = s->idle_streams;
	s->idle_streams = st;
	pthread_mutex_unlock(&s->mu);
}

int scraper_open_view(struct scraper *s, enum metric_view view, enum expo_format fmt, bool gzip,
		      struct snapshot **snap, const char **body, size_t *len,
		      struct scrape_stream **stream)
{
	struct snapshot *sn;
	struct scrape_stream *st = NULL;
	*snap = NULL;
	*body = NULL;
	*len = 0;
	*stream = NULL;
	int r = collect(s, &sn, true);
	if (r < 0)
		goto out_put;
	if (sn->sink.nseries <= s->stream_series) {
		if ((r = render_whole(sn, view, fmt, gzip, body, len)) < 0)
			goto out_put;
		*snap = sn;
		return 0;
	}
	if (!(st = stream_get(s))) {
		r = -ENOMEM;
		goto out_put;
	}
	if (gzip && !st->z_ready) {
		memset(&st->z, 0, sizeof(st->z));
		if (deflateInit2(&st->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			r = -ENOMEM;
			goto out_stream;
		}
		st->z_ready = true;
	} else if (gzip && deflateReset(&st->z) != Z_OK) {
		r = -EIO;
		goto out_stream;
	}
	st->snap = sn;
	st->view = view;
	st->fmt = fmt;
	st->gzip = gzip;
	render_cursor_init(&st->cur);
	st->rendered = st->finished = false;
	buf_reset(&st->text);
	buf_reset(&st->out);
	st->out_pos = 0;
	*stream = st;
	return 0;
out_stream:
	stream_idle(s, st);
out_put:
	release(s, sn, true);
	return r;
}

/* Compress st->text into st->out (emptied first), finishing the gzip stream when the
 * rendering is complete. Returns 0 or -errno. */
static int stream_deflate(struct scrape_stream *st)
{
	int flush = st->rendered ? Z_FINISH : Z_NO_FLUSH, r;
	buf_reset(&st->out);
	st->z.next_in = (Bytef *)st->text.p;
	st->z.avail_in = (uInt)st->text.len;
	for (;;) {
		if ((r = buf_reserve(&st->out, SCRAPE_PIECE)) < 0)
			return r;
		size_t room = st->out.cap - st->out.len - 1; /* buf keeps room for a NUL */
		st->z.next_out = (Bytef *)st->out.p + st->out.len;
		st->z.avail_out = (uInt)room;
		int zr = deflate(&st->z, flush);
		st->out.len += room - st->z.avail_out;
		if (zr == Z_STREAM_END) {
			st->finished = true;
			return 0;
		}
		if ((zr != Z_OK && zr != Z_BUF_ERROR) || (zr == Z_BUF_ERROR && st->z.avail_out))
			return -EIO;
		if (flush == Z_NO_FLUSH && st->z.avail_in == 0)
			return 0; /* all taken in; zlib may hold some output back */
	}
}

/* Make the next piece of st's body in st->out. Returns 0 or -errno. */
static int stream_refill(struct scrape_stream *st)
{
	struct buf *dst = st->gzip ? &st->text : &st->out;
	int r;
	buf_reset(dst);
	st->out_pos = 0;
	if (!st->rendered) {
		r = render_sink_step(&st->snap->sink, st->view, st->fmt, &st->cur, dst, SCRAPE_PIECE);
		if (r < 0)
			return r;
		st->rendered = r == 1;
	}
	if (!st->gzip) {
		st->finished = st->rendered;
		return 0;
	}
	return stream_deflate(st);
}

int scrape_stream_read(struct scrape_stream *st, char *dst, size_t cap, size_t *got)
{
	*got = 0;
	while (st->out_pos == st->out.len) {
		if (st->finished)
			return 0;
		int r = stream_refill(st);
		if (r < 0)
			return r;
	}
	size_t n = st->out.len - st->out_pos < cap ? st->out.len - st->out_pos : cap;
	memcpy(dst, st->out.p + st->out_pos, n);
	st->out_pos += n;
	*got = n;
	return 0;
}

void scrape_stream_close(struct scrape_stream *st)
{
	struct snapshot *sn = st->snap;
	st->snap = NULL;
	stream_idle(sn->owner, st);
	release(sn->owner, sn, true);
}

void scraper_put(struct scraper *s, struct snapshot *snap)
{
	release(s, snap, false);
}

void scraper_put_view(struct scraper *s, struct snapshot *snap)
{
	release(s, snap, true);
}
