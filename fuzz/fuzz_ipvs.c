/* fuzz_ipvs: the ip_vs_stats and ip_vs parsers, the backend-label flag and the summing.
 * Input: a byte of label mask, then ip_vs_stats text, NUL, ip_vs text, NUL, a flag value.
 * Checks: a stats parse is all or nothing; every backend comes from a "->" line; each
 * address's text reads back (inet_pton) to the same address; sums by fewer labels give
 * no more series than by all six, all in threes; an empty mask gives one sum; the flag
 * parser's mask and its unknown names agree. */
#include <arpa/inet.h>

#include "collectors/ipvs.h"
#include "fuzz_common.h"

static struct ipvs_backends list;

/* The next NUL-ended part of [*p, end), as a span (the rest when there is no NUL). */
static struct span part(const char **p, const char *end)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));
	struct span s = { *p, (size_t)((nul ? nul : end) - *p) };
	*p = nul ? nul + 1 : end;
	return s;
}

static void check_addr(const struct ipvs_addr *a)
{
	char text[48];
	uint8_t back[16] = { 0 };
	size_t n = ipvs_addr_text(a, text, sizeof(text));
	if (n != strlen(text) || (a->family == 0) != (n == 0))
		abort();
	if (a->family == 4 && (inet_pton(AF_INET, text, back) != 1 || memcmp(back, a->b, 4)))
		abort();
	if (a->family == 6 && (inet_pton(AF_INET6, text, back) != 1 || memcmp(back, a->b, 16)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	struct ipvs_stats st = { 0 };
	if (size == 0)
		return 0;
	unsigned mask = data[0] & IPVS_ALL_LABELS;
	p++;
	struct span stats = part(&p, end), vs = part(&p, end), spec = part(&p, end);

	int r = ipvs_parse_stats(stats.p, stats.len, &st);
	if (r == 0 && (ipvs_emit_stats(&st, s) != 0 || s->nseries != 5))
		abort();
	if (r < 0 && (st.conns | st.in_pkts | st.out_pkts | st.in_bytes | st.out_bytes))
		abort(); /* untouched on failure */

	size_t arrows = 0;
	for (const char *q = vs.p; q + 1 < vs.p + vs.len; q++)
		arrows += q[0] == '-' && q[1] == '>';
	if (ipvs_parse_backends(vs.p, vs.len, &list) == 0) {
		if (list.n > arrows)
			abort();
		for (uint32_t i = 0; i < list.n; i++) {
			check_addr(&list.v[i].laddr);
			check_addr(&list.v[i].raddr);
			if (list.v[i].raddr.family == 0)
				abort(); /* a backend always has its address */
		}
		uint32_t before = s->nseries;
		if (ipvs_emit_backends(&list, IPVS_ALL_LABELS, s) != 0)
			abort();
		uint32_t all = s->nseries - before;
		before = s->nseries;
		if (ipvs_emit_backends(&list, mask, s) != 0)
			abort();
		uint32_t some = s->nseries - before;
		if (all % 3 || some % 3 || some > all || all > 3 * list.n ||
		    (list.n && !some) || (list.n && mask == 0 && some != 3))
			abort();
	}

	char flag[256], unknown[64];
	unsigned m = 0;
	if (span_copy(spec, flag, sizeof(flag)) == 0) {
		r = ipvs_parse_labels(flag, &m, unknown, sizeof(unknown));
		if ((m & ~IPVS_ALL_LABELS) || (r == 0) != (unknown[0] == '\0') ||
		    strlen(unknown) >= sizeof(unknown))
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
