/* fuzz_sink: arbitrary names, label names and label values through the sink and both
 * writers. Whatever the bytes, the output must parse (fuzz_check_sink). Input layout:
 * records separated by '\n', each "name\x01labelname\x01labelvalue\x01value".
 *
 * Label sets: every record is added twice, to the plain sink with all its labels, and to
 * a second sink through a label set (the record's label, or "fixed" and "other", chosen
 * by the value's length) with the rest as extras. Both sinks must render byte for byte
 * the same text, whatever the order, duplicates and hostile values: interning may change
 * the cost of a sample, never its exposition.
 *
 * Some records are added as foreign (sink_foreign, as the textfile collector's are), in
 * both sinks alike. Then the clash lookup must agree with a scan: for every family name,
 * with every suffix added or taken off and every type, sink_find_clash finds a family
 * exactly when one of plumb's (not foreign) families clashes by sink_names_clash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "lib/strparse.h"

/* Render s as text into out, after finishing it. Returns 0 or -errno. */
static int fuzz_render(struct metric_sink *s, struct buf *out)
{
	int r = sink_finish(s);
	buf_reset(out);
	return r < 0 ? r : render_sink(s, EXPO_TEXT, out);
}

/* Whether sink_find_clash(s, name, len, t) agrees with a scan of s's families. */
static void check_clash(const struct metric_sink *s, const char *name, size_t len,
			enum metric_type t)
{
	int idx = sink_find_clash(s, name, len, t);
	bool any = false;
	for (uint32_t i = 0; i < s->nfamilies; i++) {
		const struct sink_family *f = &s->families[i];
		if (f->foreign || f->view != VIEW_METRICS)
			continue;
		any |= sink_names_clash(sink_str(s, f->name_off), f->name_len, f->type, name, len, t);
	}
	if (any != (idx >= 0))
		abort();
	if (idx >= 0 && (s->families[idx].foreign ||
			 !sink_names_clash(sink_str(s, s->families[idx].name_off),
					   s->families[idx].name_len, s->families[idx].type, name,
					   len, t)))
		abort();
}

/* check_clash for every family's name, with each suffix added and taken off, in every
 * type. */
static void check_clashes(const struct metric_sink *s)
{
	static const char *const sufs[] = { "", "_total", "_sum", "_count", "_bucket" };
	char n[160];
	for (uint32_t i = 0; i < s->nfamilies; i++) {
		const struct sink_family *f = &s->families[i];
		size_t len = f->name_len;
		if (len > 100)
			continue;
		for (size_t k = 0; k < sizeof(sufs) / sizeof(sufs[0]); k++) {
			size_t sl = strlen(sufs[k]);
			memcpy(n, sink_str(s, f->name_off), len);
			memcpy(n + len, sufs[k], sl);
			for (int t = METRIC_UNTYPED; t <= METRIC_SUMMARY; t++) {
				check_clash(s, n, len + sl, (enum metric_type)t);
				if (sl && len > sl && memcmp(n + len - sl, sufs[k], sl) == 0)
					check_clash(s, n, len - sl, (enum metric_type)t);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct metric_sink sets;
	static struct buf a, b;
	static int ready;
	if (!ready) {
		sink_init(&sets);
		ready = 1;
	}
	struct metric_sink *s = fuzz_sink();
	sink_reset(&sets);
	struct cursor cur = cursor_init((const char *)data, size);
	struct span line;
	while (cursor_line(&cur, &line)) {
		struct span name, lname, lval, val;
		char nbuf[64], lbuf[64];
		if (!span_field(&line, '\x01', &name) || !span_field(&line, '\x01', &lname) ||
		    !span_field(&line, '\x01', &lval) || !span_field(&line, '\x01', &val))
			continue;
		span_copy(name, nbuf, sizeof(nbuf));
		span_copy(lname, lbuf, sizeof(lbuf));
		double v = 0;
		span_double(val, &v);
		enum metric_type t = (enum metric_type)(name.len % 3);
		const struct metric_desc d = { nbuf, lbuf, t };
		/* the same sample through a label set: which labels are interned varies */
		uint32_t ls;
		int r;
		sink_foreign(s, lval.len % 3 == 2);
		sink_foreign(&sets, lval.len % 3 == 2);
		if (val.len % 2 == 0) {
			sink_add(s, &d, v, LABELS(LS(lbuf, lval), L("fixed", "x")));
			r = sink_labelset(&sets, LABELS(LS(lbuf, lval)), &ls);
			if (r == 0)
				r = sink_add_ls(&sets, &d, v, ls, LABELS(L("fixed", "x")));
			/* a name the set already has is refused: add such a sample in full */
			if (r == -EINVAL)
				sink_add(&sets, &d, v, LABELS(LS(lbuf, lval), L("fixed", "x")));
		} else {
			sink_add(s, &d, v, LABELS(L("fixed", "x"), L("other", "y"), LS(lbuf, lval)));
			r = sink_labelset(&sets, LABELS(L("other", "y"), L("fixed", "x")), &ls);
			if (r == 0)
				r = sink_add_ls(&sets, &d, v, ls, LABELS(LS(lbuf, lval)));
			if (r == -EINVAL)
				sink_add(&sets, &d, v,
					 LABELS(L("fixed", "x"), L("other", "y"), LS(lbuf, lval)));
		}
	}
	sink_foreign(s, false);
	sink_foreign(&sets, false);
	check_clashes(s);
	if (fuzz_render(s, &a) == 0 && fuzz_render(&sets, &b) == 0 &&
	    (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len) != 0)))
		abort();
	fuzz_check_sink(s);
	fuzz_check_sink(&sets);
	return 0;
}
