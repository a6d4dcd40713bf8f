/*
 * render: writing a finished sink as Prometheus text 0.0.4 or OpenMetrics 1.0, and
 * choosing between them from an HTTP Accept header.
 *
 * Label values and HELP texts are escaped as each format requires, and NUL bytes and bytes
 * that are not valid UTF-8 are replaced by U+FFFD, so no input can make a scrape unparseable.
 */
#ifndef PLUMB_RENDER_H
#define PLUMB_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/buf.h"

enum expo_format { EXPO_TEXT = 0, EXPO_OPENMETRICS = 1 };

#define EXPO_TEXT_CTYPE "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_OPENMETRICS_CTYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Append the exposition of s (after sink_finish) to out. Returns 0 or -errno
 * (-E2BIG when out's limit is hit). */
/* The sample-name suffix of a series' part (enum sample_suffix): "_bucket", "_sum",
 * "_count", "_total", or "" (a static string). */
const char *render_suffix(uint32_t suffix);

int render_sink(const struct metric_sink *s, enum expo_format fmt, struct buf *out);
/* The same for the families of one view only (render_sink writes VIEW_METRICS). */
int render_sink_view(const struct metric_sink *s, enum metric_view view, enum expo_format fmt,
		     struct buf *out);

/* Where a rendering in pieces stands: the family (in output order) and the series
 * within it next to write, and whether that family's HELP and TYPE are written. */
struct render_cursor {
	uint32_t fam;
	uint32_t series;
	bool head_done;
};

/* Start c at the beginning of a rendering. */
void render_cursor_init(struct render_cursor *c);

/* Append the next lines of the exposition of s's view (after sink_finish) to out, from
 * where c stands, until out->len reaches limit (whole lines only, so it may pass limit
 * by one line) or the exposition ends; c moves past what was written. Pieces written
 * with any limits concatenate to exactly what render_sink_view writes. Returns 1 when
 * the end was written, 0 when more remains, or -errno (-E2BIG at out's limit). */
int render_sink_step(const struct metric_sink *s, enum metric_view view, enum expo_format fmt,
		     struct render_cursor *c, struct buf *out, size_t limit);

/* Pick a format from an Accept header (may be NULL): OpenMetrics when the client
 * prefers application/openmetrics-text (by q-value, then order), else text. */
enum expo_format accept_format(const char *accept, size_t len);

/* Whether an Accept-Encoding header (may be NULL) allows gzip with q > 0. */
int accept_gzip(const char *accept_encoding, size_t len);

/* Append value escaped for a label value (both formats): \\ \" \n; NUL and invalid
 * UTF-8 replaced by U+FFFD. */
int escape_label_value(struct buf *out, const char *p, size_t n);

#endif
