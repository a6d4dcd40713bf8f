/*
 * qrec: the framing of one record in the push queue's segment files.
 *
 * A record is a 24-byte header and a payload, all little-endian:
 *
 *   u32 magic "PLBQ" | u32 crc | u32 payload length | u32 samples | i64 time (ms) | payload
 *
 * The CRC-32 (zlib's) covers everything after the crc field: length, samples, time and
 * payload, so a torn write, a flipped bit or stray bytes are all caught. The magic lets a
 * reader find the next good record after a damaged stretch (qrec_resync). Segment
 * bytes are untrusted input (a crash, a disk, a person may have damaged them): nothing
 * here trusts a length before checking it against the bytes at hand and QREC_MAX.
 */
#ifndef PLUMB_QREC_H
#define PLUMB_QREC_H

#include <stddef.h>
#include <stdint.h>

#define QREC_HDR 24
#define QREC_MAGIC 0x51424c50u /* "PLBQ" read as little-endian */
#define QREC_MAX (64u << 20)   /* largest payload accepted, written or read */

struct qrec {
	uint32_t len;        /* payload bytes */
	uint32_t nsamples;   /* samples the payload carries */
	int64_t ts_ms;       /* collection time, ms since the epoch */
	const uint8_t *payload; /* points into the parsed bytes */
};

/* Fill hdr for a payload of len bytes (len <= QREC_MAX). The record is hdr followed by
 * the payload. Returns 0 or -E2BIG. */
int qrec_header(uint8_t hdr[QREC_HDR], const void *payload, uint32_t len, uint32_t nsamples,
		int64_t ts_ms);

/* Parse the record at p[0..n). Returns its whole size (header + payload, > 0) and fills
 * *r (r->payload points into p); -EAGAIN when p holds a plausible header whose payload
 * runs past n (a record cut short); -EBADMSG when p does not start a valid record
 * (wrong magic, length beyond QREC_MAX, CRC mismatch, fewer than QREC_HDR bytes that
 * are not the start of a header). */
long qrec_parse(const uint8_t *p, size_t n, struct qrec *r);

/* The first offset in [1, n) where a complete valid record starts, or n when none
 * does: where reading resumes after a damaged stretch at p[0]. */
size_t qrec_resync(const uint8_t *p, size_t n);

#endif
