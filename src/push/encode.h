/*
 * encode: one collection as a remote-write WriteRequest (protobuf, then snappy).
 *
 * Every sample of the sink's /metrics view becomes one TimeSeries with one Sample at
 * the collection's time. Its labels are __name__ (the family name plus the part
 * suffix: _bucket, _sum, _count), the sample's labels, and the external labels a
 * series does not already carry (the series' own value wins, as in Prometheus), sorted
 * by name byte by byte as the specification requires; labels with an empty value are
 * left out (receivers treat them as absent). The encoder keeps every array and buffer
 * between calls, so once warm it allocates nothing.
 *
 * A batch of queued records goes out as one request: a WriteRequest's bytes followed
 * by another's decode as one WriteRequest holding both lists of series, so
 * rw_join() uncompresses the records, concatenates them and compresses the result.
 *
 * Compression goes through the loaded libsnappy: rw_encode and rw_join need a
 * successful dyn_snappy_open (lib/dynlib.h) first; push_init does it.
 */
#ifndef PLUMB_ENCODE_H
#define PLUMB_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/buf.h"
#include "push/qrec.h"
#include "remote.pb-c.h"

/* Most external labels (--push.remote-write.label). */
#define RW_MAX_EXT 32

/* An external label; both strings NUL-terminated and owned by the caller. */
struct rw_label {
	const char *name;
	const char *value;
};

struct rw_encoder {
	const struct rw_label *ext;    /* external labels (the caller's), next of them */
	size_t next;
	Prometheus__TimeSeries *ts;    /* per series, reused; all owned */
	Prometheus__TimeSeries **tsp;
	Prometheus__Sample *smp;
	Prometheus__Sample **smpp;
	uint32_t ts_cap, tsp_cap, smp_cap, smpp_cap;
	Prometheus__Label *lab;        /* every label of the request */
	Prometheus__Label **labp;
	uint32_t lab_cap, labp_cap;
	struct buf strings;            /* NUL-terminated label names and values */
	struct buf pb;                 /* the packed WriteRequest */
	struct buf out;                /* its snappy-compressed bytes: the result */
	uint32_t nsamples;             /* samples in out */
};

/* Set e up with external labels ext[0..next) (next <= RW_MAX_EXT) (which must outlive e). Returns 0 or -E2BIG. */
int rw_init(struct rw_encoder *e, const struct rw_label *ext, size_t next);
/* Free everything; accepts a zeroed encoder. */
void rw_fini(struct rw_encoder *e);

/* Encode s's /metrics samples (s finished) at ts_ms into e->out (compressed) and
 * e->nsamples. Returns 0 or -errno (-E2BIG past the buffers' limits, -ENOMEM). */
int rw_encode(struct rw_encoder *e, const struct metric_sink *s, int64_t ts_ms);

/* Make one request body in out from records recs[0..n) (payloads as rw_encode wrote
 * them): the payload itself for one record, else their uncompressed concatenation
 * compressed again (raw is scratch space). Returns 0, -EBADMSG when a payload is not
 * valid snappy data, or -errno. */
int rw_join(const struct qrec *recs, size_t n, struct buf *raw, struct buf *out);

#endif
