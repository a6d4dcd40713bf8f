/* fuzz_qdisc: the qdisc collector's two parsers and the JSON reader under them.
 * Input: a mode byte, then either one RTM_NEWQDISC payload (odd mode) or a results.json
 * fixture (even mode). Checks: a parsed kind is valid UTF-8 within its buffer; a root
 * qdisc gives exactly seven series; the fixture parse calls back no more often than the
 * text has objects, and only when the whole document is good; and, differentially, every
 * document jansson accepts (valid UTF-8, no NULs, shallow) the JSON reader
 * accepts too. */
#include <jansson.h>

#include "collectors/qdisc.h"
#include "fuzz_common.h"
#include "lib/jscan.h"
#include "lib/utf8valid.h"

static size_t calls;

static int on_entry(void *ctx, const struct qdisc_info *q)
{
	calls++;
	if (strlen(q->iface) >= sizeof(q->iface) || strlen(q->kind) >= sizeof(q->kind))
		abort();
	return qdisc_emit(q, q->iface, NULL, ctx);
}

/* Whether s[0..n) is valid UTF-8 without NUL bytes (jansson stops reading at one) or
 * \u0000 escapes (which it refuses), and nests at most 60 deep. */
static int jansson_comparable(const char *s, size_t n)
{
	char tmp[4096];
	int depth = 0;
	if (n >= sizeof(tmp) || utf8_valid_copy((struct span){ s, n }, tmp, sizeof(tmp)) != n ||
	    memcmp(tmp, s, n) != 0 || memchr(s, '\0', n) || memmem(s, n, "\\u0000", 6))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '[' || s[i] == '{') && ++depth > 60)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	struct qdisc_info q;
	if (size == 0)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	if (data[0] & 1) {
		if (qdisc_parse_msg((const unsigned char *)p, n, &q) == 0) {
			char tmp[QDISC_KIND_MAX];
			size_t k = strlen(q.kind);
			if (k >= sizeof(q.kind) ||
			    utf8_valid_copy((struct span){ q.kind, k }, tmp, sizeof(tmp)) != k)
				abort();
			uint32_t before = s->nseries;
			if (qdisc_emit(&q, "eth0", NULL, s) != 0 ||
			    s->nseries - before != (q.parent == 0 ? 7u : 0u))
				abort();
		}
	} else {
		size_t objects = 0;
		for (size_t i = 0; i < n; i++)
			objects += p[i] == '{';
		calls = 0;
		int r = qdisc_parse_json(p, n, on_entry, s);
		if (calls > objects || (r < 0 && calls))
			abort();
		/* the reader alone, against jansson */
		struct jscan sc;
		struct jscan_val v;
		jscan_init(&sc, p, n);
		int mine = jscan_value(&sc, &v);
		if (mine == 0)
			mine = jscan_skip(&sc, &v);
		if (mine == 0)
			mine = jscan_end(&sc);
		if (mine < 0 && jansson_comparable(p, n)) {
			json_error_t err;
			json_t *j = json_loadb(p, n, JSON_DECODE_ANY, &err);
			if (j)
				abort(); /* jansson read what the reader refused */
		}
	}
	fuzz_check_sink(s);
	return 0;
}
