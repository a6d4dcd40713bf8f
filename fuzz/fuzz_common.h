/*
 * fuzz_common.h: shared checks for the libFuzzer targets.
 *
 * Each target feeds its input to one parser, then calls fuzz_check_sink(), which
 * renders what the parser produced in both formats and asserts the invariants every
 * exposition must hold whatever the input: each line is a comment or a well-formed
 * sample (valid name, balanced quoted label values, a value), and OpenMetrics ends
 * with "# EOF". A violation aborts, which libFuzzer reports as a crash.
 */
#ifndef PLUMB_FUZZ_COMMON_H
#define PLUMB_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo/render.h"
#include "expo/sink.h"
#include "lib/log.h"

/* Whether v is what an int64_t becomes as a double: within [-2^63, 2^63] (INT64_MAX
 * rounds up to 2^63) and whole. Converting v back to int64_t to compare would be
 * undefined for 2^63 itself; every double of magnitude 2^52 or more is whole. */
static int fuzz_is_int64(double v)
{
	if (!(v >= -0x1p63 && v <= 0x1p63))
		return 0;
	if (v <= -0x1p52 || v >= 0x1p52)
		return 1;
	return v == (double)(int64_t)v;
}

static int fuzz_name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* Abort unless line[0..n) is a valid sample line. */
static void fuzz_check_sample(const char *l, size_t n)
{
	size_t i = 0;
	if (n == 0 || !fuzz_name_char(l[0], 1))
		abort();
	while (i < n && fuzz_name_char(l[i], 0))
		i++;
	if (i < n && l[i] == '{') {
		i++;
		for (;;) {
			if (i < n && l[i] == '}') {
				i++;
				break;
			}
			if (i >= n || !fuzz_name_char(l[i], 1) || l[i] == ':')
				abort();
			while (i < n && fuzz_name_char(l[i], 0))
				i++;
			if (i + 1 >= n || l[i] != '=' || l[i + 1] != '"')
				abort();
			i += 2;
			while (i < n && l[i] != '"') {
				if (l[i] == '\\') {
					if (i + 1 >= n || !strchr("\\\"n", l[i + 1]))
						abort();
					i++;
				}
				i++;
			}
			if (i >= n)
				abort();
			i++;
			if (i < n && l[i] == ',')
				i++;
		}
	}
	if (i >= n || l[i] != ' ' || i + 1 >= n)
		abort();
	char tmp[64];
	size_t vl = n - i - 1;
	if (vl >= sizeof(tmp))
		abort();
	memcpy(tmp, l + i + 1, vl);
	tmp[vl] = '\0';
	char *end;
	strtod(tmp, &end);
	if (*end != '\0' && strcmp(tmp, "+Inf") && strcmp(tmp, "-Inf") && strcmp(tmp, "NaN"))
		abort();
}

static void fuzz_check_text(const struct buf *b, int om)
{
	const char *p = b->p ? b->p : "";
	const char *end = p + b->len;
	if (memchr(p, '\0', b->len))
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			abort(); /* every line ends in \n */
		if (*p != '#')
			fuzz_check_sample(p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (om && (b->len < 6 || memcmp(b->p + b->len - 6, "# EOF\n", 6) != 0))
		abort();
}

/* Finish s, render it in both formats and check both. */
static void fuzz_check_sink(struct metric_sink *s)
{
	static struct buf out;
	if (sink_finish(s) < 0)
		return;
	for (int om = 0; om < 2; om++) {
		buf_reset(&out);
		if (render_sink(s, om ? EXPO_OPENMETRICS : EXPO_TEXT, &out) == 0)
			fuzz_check_text(&out, om);
	}
}

/* A sink kept across runs, reset for each input. */
static struct metric_sink *fuzz_sink(void)
{
	static struct metric_sink s;
	static int ready;
	if (!ready) {
		sink_init(&s);
		log_setup("error", "logfmt");
		ready = 1;
	}
	sink_reset(&s);
	return &s;
}

#endif
