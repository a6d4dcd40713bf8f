/*
 * qrec: encoding and checked parsing of push-queue records (see qrec.h for the layout).
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "push/qrec.h"

/* Store v little-endian at p[0..4). */
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Read a little-endian u32 from p[0..4). */
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* CRC-32 of the header's fields after the crc, then of the payload. */
static uint32_t record_crc(const uint8_t *hdr, const void *payload, uint32_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);
	c = crc32(c, hdr + 8, QREC_HDR - 8);
	c = crc32(c, payload, len);
	return (uint32_t)c;
}

int qrec_header(uint8_t hdr[QREC_HDR], const void *payload, uint32_t len, uint32_t nsamples,
		int64_t ts_ms)
{
	if (len > QREC_MAX)
		return -E2BIG;
	uint64_t ts = (uint64_t)ts_ms;
	put32(hdr, QREC_MAGIC);
	put32(hdr + 8, len);
	put32(hdr + 12, nsamples);
	put32(hdr + 16, (uint32_t)ts);
	put32(hdr + 20, (uint32_t)(ts >> 32));
	put32(hdr + 4, record_crc(hdr, payload, len));
	return 0;
}

long qrec_parse(const uint8_t *p, size_t n, struct qrec *r)
{
	if (n < 4)
		return n == 0 || memcmp(p, "PLBQ", n) != 0 ? -EBADMSG : -EAGAIN;
	if (get32(p) != QREC_MAGIC)
		return -EBADMSG;
	if (n < QREC_HDR)
		return -EAGAIN;
	uint32_t len = get32(p + 8);
	if (len > QREC_MAX)
		return -EBADMSG;
	if (n - QREC_HDR < len)
		return -EAGAIN;
	if (get32(p + 4) != record_crc(p, p + QREC_HDR, len))
		return -EBADMSG;
	r->len = len;
	r->nsamples = get32(p + 12);
	r->ts_ms = (int64_t)((uint64_t)get32(p + 16) | (uint64_t)get32(p + 20) << 32);
	r->payload = p + QREC_HDR;
	return (long)(QREC_HDR + (size_t)len);
}

size_t qrec_resync(const uint8_t *p, size_t n)
{
	struct qrec r;
	for (size_t i = 1; i + QREC_HDR <= n; i++) {
		if (p[i] != 'P' || get32(p + i) != QREC_MAGIC)
			continue;
		if (qrec_parse(p + i, n - i, &r) > 0)
			return i;
	}
	return n;
}
