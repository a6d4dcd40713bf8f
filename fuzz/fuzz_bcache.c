/* fuzz_bcache: the bch_hprint value reader, writeback_rate_debug and priority_stats,
 * each on the whole input. A plain decimal reads as itself; a value file is its text
 * without the last byte; the signed reader agrees with the unsigned one on text without
 * a '-'; a key the text never names stays 0. */
#include <stdlib.h>
#include <string.h>

#include "collectors/bcache.h"
#include <stdint.h>

/* Whether some line of s starts with key. */
static int has_key(struct span s, const char *key)
{
	struct cursor c = cursor_init(s.p, s.len);
	struct span line;
	while (cursor_line(&c, &line))
		if (span_starts(line, key))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span s = { (const char *)data, size };
	uint64_t v, w, d;
	int64_t sv;
	int r = bcache_dehumanize(s, &v);
	size_t digits = 0;
	while (digits < size && ascii_digit(s.p[digits]))
		digits++;
	/* up to 15 digits a double holds a decimal exactly */
	if (size && digits == size && size <= 15 && (r != 0 || span_u64(s, &d) != 0 || v != d))
		abort();
	if (size && s.p[0] != '-' && (bcache_dehumanize_signed(s, &sv) == 0) != (r == 0))
		abort();
	if (size && s.p[0] != '-' && r == 0 && sv != (int64_t)v)
		abort();
	int rv = bcache_value_parse(s.p, size, &w);
	if (size && (rv == 0) != (bcache_dehumanize((struct span){ s.p, size - 1 }, &d) == 0))
		abort();
	if (size && rv == 0 && w != d)
		abort();

	struct bcache_writeback wb;
	if (bcache_writeback_parse(s.p, size, &wb) == 0) {
		if ((!has_key(s, "rate:") && wb.rate) || (!has_key(s, "dirty:") && wb.dirty) ||
		    (!has_key(s, "target:") && wb.target) ||
		    (!has_key(s, "next io:") && wb.next_io) ||
		    (!has_key(s, "change:") && wb.change))
			abort();
	}
	struct bcache_priority pr;
	if (bcache_priority_parse(s.p, size, &pr) == 0) {
		if ((!has_key(s, "Unused:") && pr.unused) ||
		    (!has_key(s, "Metadata:") && pr.metadata))
			abort();
	}
	return 0;
}
