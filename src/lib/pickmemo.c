/*
 * pickmemo: remembered regex decisions over a file's names. See pickmemo.h.
 */
#include "lib/pickmemo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HDR (2 * sizeof(uint32_t) + 1)

int pickmemo_next(struct pickmemo *m, const char *a, size_t alen, const char *b,
		  size_t blen)
{
	if (m->len - m->at < HDR)
		return -ENOENT;
	const char *rec = m->mem + m->at;
	uint32_t l[2];
	memcpy(l, rec, sizeof(l));
	if (l[0] != alen || l[1] != blen || memcmp(rec + HDR, a, alen) != 0 ||
	    memcmp(rec + HDR + alen, b, blen) != 0)
		return -ENOENT;
	m->at += HDR + alen + blen;
	return rec[2 * sizeof(uint32_t)] ? 1 : 0;
}

int pickmemo_record(struct pickmemo *m, const char *a, size_t alen, const char *b,
		    size_t blen, bool pick)
{
	m->len = m->at; /* what followed was remembered for other names */
	if (alen > PICKMEMO_MAX || blen > PICKMEMO_MAX - alen ||
	    m->len + HDR + alen + blen > PICKMEMO_MAX)
		return -E2BIG;
	size_t need = m->len + HDR + alen + blen;
	if (need > m->cap) {
		size_t ncap = m->cap ? m->cap : 1024;
		while (ncap < need)
			ncap *= 2;
		char *p = realloc(m->mem, ncap);
		if (!p)
			return -ENOMEM;
		m->mem = p;
		m->cap = ncap;
	}
	uint32_t l[2] = { (uint32_t)alen, (uint32_t)blen };
	char *rec = m->mem + m->len;
	memcpy(rec, l, sizeof(l));
	rec[2 * sizeof(uint32_t)] = pick ? 1 : 0;
	if (alen)
		memcpy(rec + HDR, a, alen);
	if (blen)
		memcpy(rec + HDR + alen, b, blen);
	m->len = m->at = need;
	return 0;
}

void pickmemo_fini(struct pickmemo *m)
{
	free(m->mem);
	m->mem = NULL;
	m->len = m->cap = m->at = 0;
}
