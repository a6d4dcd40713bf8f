/*
 * test_scrape: the scrape layer's two ways of serving a collection. A small one is
 * rendered whole and shared; one over stream_series series is streamed in pieces,
 * plain or gzipped, and what the stream yields must be byte for byte the whole
 * rendering of the same snapshot (after gunzip), however small the reads. A timer's
 * scraper_recent takes the latest collection while it is young, and collects otherwise.
 * HTTP responses that are never read to the end hold at most SCRAPE_SERVED_MAX
 * snapshots: a further scrape waits for one, and collections for push and health go on.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>
#include <time.h>
#include <zlib.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/scrape.h"
#include "t.h"

#define SERIES 3000

static const struct metric_desc fam_a = { "test_stream_a", "A family with \"quotes\" \\ in help.",
					  METRIC_COUNTER };
static const struct metric_desc fam_b = { "test_stream_b_bytes", "Another family.", METRIC_GAUGE };

/* An agent source of SERIES series over two families and all three views (fam_a shared with the cadvisor one), with label
 * values that need escaping, in an order the sink must sort. */
static int many_series(void *ctx, struct metric_sink *out)
{
	(void)ctx;
	int r = 0;
	for (int i = SERIES - 1; r == 0 && i >= 0; i--) {
		char id[64];
		snprintf(id, sizeof(id), "/kubepods.slice/pod-%05d\n\"x\"", i);
		const struct metric_desc *d = i % 3 ? &fam_a : &fam_b;
		r = sink_add_view(out, i % 5 ? VIEW_METRICS : VIEW_RESOURCE, d, i * 1.25 + 1e-3,
				  LABELS(L("id", id), L("cpu", i % 2 ? "total" : "0")));
	}
	/* fam_a on /metrics/cadvisor too, as the container collector shares its families */
	return r == 0 ? sink_share_view(out, &fam_a, VIEW_METRICS, VIEW_CADVISOR) : r;
}

/* gunzip src[0..n) into out. Returns 0 or -EIO. */
static int gunzip(const char *src, size_t n, struct buf *out)
{
	z_stream z = { 0 };
	int r = 0;
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -EIO;
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)n;
	for (;;) {
		if (buf_reserve(out, 1 << 16) < 0) {
			r = -EIO;
			break;
		}
		size_t room = out->cap - out->len - 1;
		z.next_out = (Bytef *)out->p + out->len;
		z.avail_out = (uInt)room;
		int zr = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK) {
			r = -EIO;
			break;
		}
	}
	inflateEnd(&z);
	return r;
}

/* A scraper over an agent with the many_series source. */
struct harness {
	struct plumb_config *cfg;
	struct agent agent;
	struct scraper s;
};

/* Set h up; false (with a failed check) when the configuration could not be made. */
static bool set_up(struct harness *h)
{
	char *argv[] = { "plumb", "--collector.disable-defaults", NULL };
	memset(h, 0, sizeof(*h));
	CHECK_INT(cfg_parse(2, argv, &h->cfg), 0);
	if (!h->cfg)
		return false;
	CHECK_INT(agent_init(&h->agent, h->cfg), 0);
	struct agent_source src = { "many", many_series, NULL };
	CHECK_INT(agent_add_source(&h->agent, &src), 0);
	scraper_init(&h->s, &h->agent);
	return true;
}

static void tear_down(struct harness *h)
{
	scraper_fini(&h->s);
	agent_fini(&h->agent);
	cfg_free(h->cfg);
}

static void stream_matches_whole(void)
{
	static struct harness h;
	if (!set_up(&h))
		return;
	struct scraper *s = &h.s;
	s->stream_series = 100;
	struct buf got = { 0 }, want = { 0 }, plain = { 0 };
	struct scrape_stream *first = NULL;
	unsigned seed = 3;
	for (int v = 0; v < VIEW_COUNT; v++) {
		for (int f = 0; f < 2; f++) {
			for (int g = 0; g < 2; g++) {
				struct snapshot *sn;
				struct scrape_stream *st;
				const char *body;
				size_t len, n;
				CHECK_INT(scraper_open_view(s, v, f, g, &sn, &body, &len, &st), 0);
				CHECK(st != NULL && sn == NULL && body == NULL);
				if (!st)
					continue;
				if (!first)
					first = st;
				CHECK(st == first); /* closed streams are reused */
				buf_reset(&got);
				char piece[7000];
				do {
					seed = seed * 1103515245 + 12345;
					size_t cap = 1 + (seed >> 8) % sizeof(piece);
					CHECK_INT(scrape_stream_read(st, piece, cap, &n), 0);
					CHECK(n <= cap);
					CHECK_INT(buf_append(&got, piece, n), 0);
				} while (n);
				buf_reset(&want);
				CHECK_INT(render_sink_view(&st->snap->sink, v, f, &want), 0);
				CHECK(want.len > (v == VIEW_METRICS ? 100000u : 20000u));
				const struct buf *text = &got;
				if (g) {
					buf_reset(&plain);
					CHECK_INT(gunzip(got.p, got.len, &plain), 0);
					CHECK(got.len < plain.len / 3);
					text = &plain;
				}
				CHECK_INT(text->len, want.len);
				CHECK(text->len == want.len && memcmp(text->p, want.p, want.len) == 0);
				CHECK_INT(scrape_stream_read(st, piece, sizeof(piece), &n), 0);
				CHECK_INT(n, 0); /* the end stays the end */
				scrape_stream_close(st);
			}
		}
	}
	/* at or under the threshold the body comes whole, as before */
	s->stream_series = 1000000;
	struct snapshot *sn;
	struct scrape_stream *st;
	const char *body;
	size_t len;
	CHECK_INT(scraper_open_view(s, VIEW_METRICS, EXPO_TEXT, false, &sn, &body, &len, &st), 0);
	CHECK(st == NULL && sn != NULL && body != NULL && len > 100000);
	if (sn)
		scraper_put_view(s, sn);
	buf_fini(&got);
	buf_fini(&want);
	buf_fini(&plain);
	tear_down(&h);
}

/* scraper_recent holds the latest collection while it is young enough, and collects
 * again (agent.collections counts) when it is not, or when asked for age 0 after time
 * has passed. */
static void recent_reuses_young_collections(void)
{
	static struct harness h;
	if (!set_up(&h))
		return;
	struct scraper *s = &h.s;
	const struct agent *agent = &h.agent;
	struct snapshot *a, *b, *c;
	CHECK_INT(scraper_recent(s, 60000, &a), 0); /* none yet: collects */
	CHECK_INT(agent->collections, 1);
	CHECK_INT(scraper_recent(s, 60000, &b), 0);
	CHECK_INT(agent->collections, 1); /* the same one, held twice */
	CHECK(a == b);
	CHECK_INT(a->refs, 2);
	scraper_put(s, b);
	scraper_put(s, a);
	struct timespec pause = { 0, 20000000L };
	nanosleep(&pause, NULL);
	CHECK_INT(scraper_recent(s, 5, &c), 0); /* 20 ms old, 5 allowed: collects */
	CHECK_INT(agent->collections, 2);
	CHECK(c->sink.nseries > SERIES);
	scraper_put(s, c);
	tear_down(&h);
}

/* A call made on a thread of its own, and whether it has returned. */
struct call {
	struct scraper *s;
	bool view;               /* scraper_open_view, else scraper_collect */
	struct snapshot *snap;
	int r;
	atomic_bool done;
};

static void *call_thread(void *arg)
{
	struct call *c = arg;
	struct scrape_stream *st;
	const char *body;
	size_t len;
	c->r = c->view ? scraper_open_view(c->s, VIEW_METRICS, EXPO_TEXT, false, &c->snap, &body,
					   &len, &st)
		       : scraper_collect(c->s, &c->snap);
	atomic_store(&c->done, true);
	return NULL;
}

/* Wait up to 10 s for c to return. If it does not, the scraper is stuck and the test
 * cannot clean up: report and end the program. */
static void await(struct call *c, int line)
{
	for (int i = 0; i < 1000 && !atomic_load(&c->done); i++)
		usleep(10000);
	if (!atomic_load(&c->done)) {
		fprintf(stderr, "%s:%d: the call did not return in 10 s\n", __FILE__, line);
		_exit(1);
	}
}

/* Two responses that are never read hold two snapshots, all responses may. A third
 * scrape waits, but a collection for push still gets a snapshot at once; when one
 * response is given back, the waiting scrape collects afresh. */
static void stalled_readers_leave_room(void)
{
	static struct harness h;
	if (!set_up(&h))
		return;
	struct scraper *s = &h.s;
	s->stream_series = 1000000; /* whole bodies: a response holds its snapshot */
	struct call a = { .s = s, .view = true }, b = { .s = s, .view = true };
	call_thread(&a);
	call_thread(&b);
	CHECK_INT(a.r, 0);
	CHECK_INT(b.r, 0);
	CHECK(a.snap != b.snap); /* b collected afresh: a's is held */
	CHECK_INT(s->nserved, SCRAPE_SERVED_MAX);

	struct call third = { .s = s, .view = true }, push = { .s = s, .view = false };
	pthread_t t3, tp;
	CHECK_INT(pthread_create(&t3, NULL, call_thread, &third), 0);
	CHECK_INT(pthread_create(&tp, NULL, call_thread, &push), 0);
	await(&push, __LINE__);
	CHECK_INT(push.r, 0);
	CHECK(push.snap != a.snap && push.snap != b.snap);
	uint64_t collections = h.agent.collections;
	scraper_put(s, push.snap);
	usleep(100000);
	CHECK(!atomic_load(&third.done)); /* still waiting for a response to end */

	scraper_put_view(s, a.snap);
	await(&third, __LINE__);
	CHECK_INT(third.r, 0);
	CHECK(h.agent.collections > collections); /* its own collection, not push's */
	pthread_join(t3, NULL);
	pthread_join(tp, NULL);
	scraper_put_view(s, third.snap);
	scraper_put_view(s, b.snap);
	CHECK_INT(s->nserved, 0);
	for (int i = 0; i < SCRAPE_SNAPSHOTS; i++)
		CHECK_INT(s->snaps[i].refs + s->snaps[i].served, 0);
	tear_down(&h);
}

int main(void)
{
	RUN(stream_matches_whole);
	RUN(recent_reuses_young_collections);
	RUN(stalled_readers_leave_room);
	return T_DONE("test_scrape");
}
