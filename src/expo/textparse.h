/*
 * textparse: a strict, bounded parser of the Prometheus text exposition format 0.0.4,
 * as the textfile collector reads it.
 *
 * It accepts what Prometheus' own Go parser (expfmt.TextParser, with legacy metric
 * names) accepts and rejects what it rejects: # HELP and # TYPE lines (with \\ \n \"
 * escapes in HELP), other comments ignored, metric and label names, label values with
 * \\ \" \n escapes that must be valid UTF-8, Go float syntax for values (NaN, +Inf,
 * -Inf), an optional integer timestamp, and summary/histogram samples folded into one
 * entry per label set (_sum, _count, quantile="..." / _bucket le="..."). Families may
 * be interleaved; every line, the last one too, must end with '\n'. It rejects the
 * newer quoted (UTF-8) metric and label names, and NUL bytes anywhere.
 *
 * Everything is bounded: line length, name length, labels per sample and per family,
 * samples per input. Nothing points into the input after textparse_run returns: names,
 * HELP texts and label values are copied (NUL-terminated) into tp->str. All arrays are
 * grow-only and kept across runs, so parsing the same input again allocates nothing.
 */
#ifndef PLUMB_TEXTPARSE_H
#define PLUMB_TEXTPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/hindex.h"

#define TP_MAX_LINE (64u << 10)  /* bytes in one line */
#define TP_MAX_NAME 1024u        /* bytes in a metric or label name */
#define TP_MAX_LABELS 128u       /* labels on one sample, and label names in one family */
#define TP_MAX_SAMPLES (1u << 20) /* sample lines in one input */

enum tp_type { TP_UNTYPED, TP_COUNTER, TP_GAUGE, TP_SUMMARY, TP_HISTOGRAM, TP_GAUGE_HISTOGRAM };

/* One family. A family that got no sample (a lone HELP or TYPE line) has count 0 and
 * should be skipped, as Prometheus' parser drops it. */
struct tp_family {
	uint32_t name_off, name_len; /* in tp->str, NUL-terminated */
	uint32_t help_off, help_len; /* valid when has_help */
	bool has_help;
	bool has_type;               /* a TYPE line or a sample fixed the type */
	enum tp_type type;
	uint32_t first, count;       /* its metrics: tp->order[first .. first+count) */
	uint32_t names_first, nnames; /* union of its label names: tp->names[..], sorted */
};

/* One series (counter, gauge, untyped) or one summary/histogram (all its parts). */
struct tp_metric {
	uint32_t family;
	uint32_t labels_first, nlabels; /* tp->labels[..], sorted by name, no quantile/le */
	double value;                   /* counter, gauge, untyped */
	double sum, count;              /* summary, histogram; count is a whole number */
	uint32_t parts_first, nparts;   /* tp->parts[..]: sorted by bound, one per bound */
	bool has_timestamp;
};

struct tp_label {
	uint32_t name_off, name_len;   /* in tp->str, NUL-terminated */
	uint32_t value_off, value_len; /* in tp->str, NUL-terminated */
};

/* A summary quantile (bound = quantile) or a histogram bucket (bound = le; value is the
 * cumulative count, a whole number). */
struct tp_part {
	uint32_t metric, seq;
	double bound, value;
};

struct textparse {
	struct buf str;
	struct tp_family *fams;
	uint32_t nfams, fams_cap;
	struct tp_metric *mets;
	uint32_t nmets, mets_cap;
	struct tp_label *labels;
	uint32_t nlabels, labels_cap;
	struct tp_part *parts;
	uint32_t nparts, parts_cap;
	uint32_t *order;               /* metric indexes grouped by family */
	uint32_t order_cap;
	uint32_t *names;               /* label-name offsets in str, per family */
	uint32_t nnames, names_cap;
	struct hindex fam_ix, group_ix;
	bool has_timestamps;           /* some sample carried a timestamp */
	unsigned err_line;             /* line of the first error (1-based), 0 if none */
	const char *err_msg;           /* static text of the first error, or NULL */
};

/* Make an empty parser (allocates nothing). */
void textparse_init(struct textparse *tp);

/* Parse buf[0..len) (need not be NUL-terminated), replacing the last run's result.
 * Returns 0, -EINVAL on a syntax error (err_line, err_msg say where and why; the
 * result is then unusable), -E2BIG past a limit, -ENOMEM. */
int textparse_run(struct textparse *tp, const char *buf, size_t len);

/* Parse p[0..n) as a sample value the way Prometheus' text parser does (Go float
 * syntax without hex or '_': 1, -2.5e3, .5, NaN, +Inf, -Infinity; case-insensitive
 * words). Out-of-range numbers are an error. Returns 0 or -EINVAL/-ERANGE. */
int tp_parse_float(const char *p, size_t n, double *out);

/* Free everything; accepts a zeroed or initialised parser. */
void textparse_fini(struct textparse *tp);

/* A NUL-terminated string of the result, by offset. Valid until the next run. */
static inline const char *tp_str(const struct textparse *tp, uint32_t off)
{
	return tp->str.p + off;
}

#endif
