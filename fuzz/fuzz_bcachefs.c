/* fuzz_bcachefs: every bcachefs parser on the whole input. Each emits at most one series
 * per line (two for the compression and btree-write lines), only in its own families;
 * a plain decimal size reads as itself; a counter file name (the input up to its first
 * NUL) becomes a valid family name "node_bcachefs_..._total" that sanitizes to itself. */
#include <stdlib.h>
#include <string.h>

#include "collectors/bcachefs.h"
#include "fuzz_common.h"

/* Lines in data[0..size), as cursor_line counts them. */
static uint32_t count_lines(const char *p, size_t size)
{
	struct cursor c = cursor_init(p, size);
	struct span line;
	uint32_t n = 0;
	while (cursor_line(&c, &line))
		n++;
	return n;
}

/* Abort unless every family in s starts with prefix. */
static void only(struct metric_sink *s, const char *prefix)
{
	for (uint32_t f = 0; f < s->nfamilies; f++)
		if (strncmp(sink_str(s, s->families[f].name_off), prefix, strlen(prefix)) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	uint32_t lines = count_lines(p, size);
	struct metric_sink *s = fuzz_sink();
	uint64_t v, d;

	if (bcachefs_compression_parse(p, size, "u", s) == 0 && s->nseries % 2)
		abort();
	if (s->nseries > 2 * lines)
		abort();
	only(s, "node_bcachefs_compression_");
	fuzz_check_sink(s);

	s = fuzz_sink();
	bcachefs_errors_parse(p, size, "u", s);
	if (s->nseries > lines)
		abort();
	only(s, "node_bcachefs_errors_total");
	fuzz_check_sink(s);

	s = fuzz_sink();
	if (bcachefs_btree_writes_parse(p, size, "u", s) == 0 && s->nseries % 2)
		abort();
	if (s->nseries > 2 * lines)
		abort();
	only(s, "node_bcachefs_btree_write");
	fuzz_check_sink(s);

	s = fuzz_sink();
	bcachefs_io_done_parse(p, size, "u", "1", s);
	if (s->nseries > lines)
		abort();
	only(s, "node_bcachefs_device_io_done_bytes_total");
	fuzz_check_sink(s);

	s = fuzz_sink();
	bcachefs_io_errors_parse(p, size, "u", "1", s);
	if (s->nseries > lines)
		abort();
	only(s, "node_bcachefs_device_io_errors_total");
	fuzz_check_sink(s);

	if (bcachefs_counter_parse(p, size, &v) == 0 && !memmem(p, size, "since ", 6))
		abort();

	struct span t = span_trim((struct span){ p, size });
	size_t digits = 0;
	while (digits < t.len && ascii_digit(t.p[digits]))
		digits++;
	if (t.len && digits == t.len && t.len <= 15 &&
	    (bcachefs_human_bytes(t, &v) != 0 || span_u64(t, &d) != 0 || v != d))
		abort();

	/* a counter's family name */
	char name[256], family[300], again[600];
	size_t n = strnlen(p, size < 255 ? size : 255);
	memcpy(name, p, n);
	name[n] = '\0';
	if (n == 0)
		return 0;
	if (bcachefs_counter_name(name, family, sizeof(family)) != 0)
		abort();
	size_t fl = strlen(family);
	if (fl > 14 + n + 6 || strncmp(family, "node_bcachefs_", 14) != 0 ||
	    strcmp(family + fl - 6, "_total") != 0)
		abort();
	for (size_t i = 0; i < fl; i++)
		if (!fuzz_name_char(family[i], i == 0) || family[i] == ':')
			abort();
	family[fl - 6] = '\0';
	if (bcachefs_counter_name(family + 14, again, sizeof(again)) != 0 ||
	    strncmp(again + 14, family + 14, fl - 20) != 0)
		abort();
	return 0;
}
