/*
 * test_push_encode: a sink's samples as a remote-write request, decoded back with
 * snappy and protobuf-c: names with their part suffixes, labels sorted byte-wise with
 * __name__ among them, external labels merged without overriding, empty labels left
 * out, the collection's time on every sample, and two records joined into one request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expo/sink.h"
#include "lib/dynlib.h"
#include "lib/log.h"
#include "push/encode.h"
#include "t.h"

static const struct metric_desc g = { "b_gauge", "a gauge", METRIC_GAUGE };
static const struct metric_desc h = { "a_hist", "a histogram", METRIC_HISTOGRAM };
static const struct metric_desc c = { "c_total", "a counter", METRIC_COUNTER };
static const struct rw_label ext[] = { { "instance", "host1" }, { "job", "plumb" } };

/* Decode compressed bytes into a WriteRequest (free it with ..._free_unpacked). */
static Prometheus__WriteRequest *decode(const char *p, size_t n)
{
	size_t len;
	if (dyn_snappy.uncompressed_length(p, n, &len) != SNAPPY_OK)
		return NULL;
	char *raw = malloc(len + 1);
	Prometheus__WriteRequest *w = NULL;
	if (raw && dyn_snappy.uncompress(p, n, raw, &len) == SNAPPY_OK)
		w = prometheus__write_request__unpack(NULL, len, (const uint8_t *)raw);
	free(raw);
	return w;
}

/* The labels of a series as "a=1,b=2". */
static const char *labels_text(const Prometheus__TimeSeries *t)
{
	static char out[512];
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < t->n_labels; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s=%s", i ? "," : "",
				      t->labels[i]->name, t->labels[i]->value);
	return out;
}

static void fill(struct metric_sink *s)
{
	sink_reset(s);
	sink_add(s, &g, 1.5, LABELS(L("zone", "x"), L("Alpha", "y"), L("empty", ""), L("job", "own")));
	sink_add_part(s, &h, SUFFIX_BUCKET, 3, LABELS(L("le", "+Inf")));
	sink_add_part(s, &h, SUFFIX_SUM, 4.5, NULL, 0);
	sink_add_part(s, &h, SUFFIX_COUNT, 3, NULL, 0);
	sink_add(s, &c, 7, NULL, 0);
	sink_add_view(s, VIEW_RESOURCE, &c, 8, NULL, 0); /* not on /metrics: not pushed */
	sink_finish(s);
}

static void one_collection(void)
{
	struct metric_sink s;
	struct rw_encoder e;
	sink_init(&s);
	CHECK_INT(rw_init(&e, ext, 2), 0);
	fill(&s);
	for (int round = 0; round < 2; round++) { /* the second reuses every buffer */
		CHECK_INT(rw_encode(&e, &s, 1700000000123), 0);
		CHECK_INT(e.nsamples, 5);
		Prometheus__WriteRequest *w = decode(e.out.p, e.out.len);
		CHECK(w != NULL);
		if (!w)
			break;
		CHECK_INT(w->n_timeseries, 5);
		const char *want[] = {
			"__name__=a_hist_bucket,instance=host1,job=plumb,le=+Inf",
			"__name__=a_hist_sum,instance=host1,job=plumb",
			"__name__=a_hist_count,instance=host1,job=plumb",
			"Alpha=y,__name__=b_gauge,instance=host1,job=own,zone=x",
			"__name__=c_total,instance=host1,job=plumb",
		};
		const double vals[] = { 3, 4.5, 3, 1.5, 7 };
		for (size_t i = 0; i < w->n_timeseries && i < 5; i++) {
			CHECK_STR(labels_text(w->timeseries[i]), want[i]);
			CHECK_INT(w->timeseries[i]->n_samples, 1);
			CHECK_DBL(w->timeseries[i]->samples[0]->value, vals[i]);
			CHECK_INT(w->timeseries[i]->samples[0]->timestamp, 1700000000123);
		}
		prometheus__write_request__free_unpacked(w, NULL);
	}
	rw_fini(&e);
	sink_fini(&s);
}

static void joined_records(void)
{
	struct metric_sink s;
	struct rw_encoder e;
	struct buf first = { 0 }, raw = { 0 }, out = { 0 };
	sink_init(&s);
	CHECK_INT(rw_init(&e, NULL, 0), 0);
	fill(&s);
	CHECK_INT(rw_encode(&e, &s, 1000), 0);
	CHECK_INT(buf_append(&first, e.out.p, e.out.len), 0);
	CHECK_INT(rw_encode(&e, &s, 2000), 0);
	struct qrec recs[2] = {
		{ (uint32_t)first.len, 5, 1000, (const uint8_t *)first.p },
		{ (uint32_t)e.out.len, 5, 2000, (const uint8_t *)e.out.p },
	};
	CHECK_INT(rw_join(recs, 2, &raw, &out), 0);
	Prometheus__WriteRequest *w = decode(out.p, out.len);
	CHECK(w != NULL);
	if (w) {
		CHECK_INT(w->n_timeseries, 10);
		CHECK_INT(w->timeseries[0]->samples[0]->timestamp, 1000);
		CHECK_INT(w->timeseries[9]->samples[0]->timestamp, 2000);
		CHECK_STR(labels_text(w->timeseries[9]), "__name__=c_total");
		prometheus__write_request__free_unpacked(w, NULL);
	}
	/* one record goes out as it is */
	CHECK_INT(rw_join(recs, 1, &raw, &out), 0);
	CHECK(out.len == first.len && memcmp(out.p, first.p, first.len) == 0);
	/* bytes that are not snappy data are refused */
	struct qrec bad = { 5, 1, 0, (const uint8_t *)"\xff\xff\xff\xff\xff" };
	struct qrec two[2] = { bad, bad };
	CHECK_INT(rw_join(two, 2, &raw, &out), -EBADMSG);
	buf_fini(&first);
	buf_fini(&raw);
	buf_fini(&out);
	rw_fini(&e);
	sink_fini(&s);
}

int main(void)
{
	log_setup("error", "logfmt");
	if (dyn_snappy_open("test_push_encode") < 0)
		return 1; /* logged: libsnappy.so.1 is missing */
	RUN(one_collection);
	RUN(joined_records);
	return T_DONE("test_push_encode");
}
