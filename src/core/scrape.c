/*
 * scrape: shared fresh collections. See scrape.h.
 */
#include "core/scrape.h"

#include <errno.h>
#include <string.h>

int scraper_init(struct scraper *s, struct agent *a)
{
	memset(s, 0, sizeof(*s));
	s->agent = a;
	a->report_collections = true; /* scrapes show which collection served them */
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
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

int scraper_collect(struct scraper *s, struct snapshot **snap)
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
			*snap = s->current;
			(*snap)->refs++;
			goto out_unlock;
		}
		if ((sn = free_snapshot(s)))
			break;
		pthread_cond_wait(&s->cv, &s->mu);
	}
	s->in_flight = true;
	sn->refs++; /* hold it while collecting */
	pthread_mutex_unlock(&s->mu);

	r = agent_collect(s->agent, &sn->sink);
	memset(sn->ready, 0, sizeof(sn->ready));

	pthread_mutex_lock(&s->mu);
	s->current = sn;
	s->in_flight = false;
	s->generation++;
	*snap = sn;
	pthread_cond_broadcast(&s->cv);
out_unlock:
	pthread_mutex_unlock(&s->mu);
	return r;
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

int scraper_get_view(struct scraper *s, enum metric_view view, enum expo_format fmt, bool gzip,
		     struct snapshot **snap, const char **body, size_t *len)
{
	struct snapshot *sn;
	int r = scraper_collect(s, &sn);
	if (r < 0) {
		scraper_put(s, sn);
		return r;
	}
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
	if (r < 0)
		scraper_put(s, sn);
	else
		*snap = sn;
	return r;
}

void scraper_put(struct scraper *s, struct snapshot *snap)
{
	pthread_mutex_lock(&s->mu);
	snap->refs--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int scraper_get(struct scraper *s, enum expo_format fmt, bool gzip, struct snapshot **snap,
		const char **body, size_t *len)
{
	return scraper_get_view(s, VIEW_METRICS, fmt, gzip, snap, body, len);
}
