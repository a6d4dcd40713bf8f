/* fuzz_textparse: the Prometheus text-format parser under the textfile collector.
 * Beyond not crashing, a successful parse must give families with valid names, labels
 * with valid names and NUL-free UTF-8 values sorted by name, parts sorted by bound and
 * in range; and the result, put into a sink, must render as valid expositions. */
#include <math.h>

#include "expo/textparse.h"
#include "fuzz_common.h"

static void check_name(const char *p, size_t n, int metric)
{
	if (n == 0 || strlen(p) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!fuzz_name_char(p[i], i == 0) || (!metric && p[i] == ':'))
			abort();
}

static void check_metric(const struct textparse *tp, const struct tp_metric *m,
			 struct label *lab)
{
	if (m->labels_first + m->nlabels > tp->nlabels || m->nlabels > TP_MAX_LABELS)
		abort();
	for (uint32_t k = 0; k < m->nlabels; k++) {
		const struct tp_label *l = &tp->labels[m->labels_first + k];
		check_name(tp_str(tp, l->name_off), l->name_len, 0);
		if (memchr(tp_str(tp, l->value_off), '\0', l->value_len))
			abort();
		if (k && strcmp(tp_str(tp, l[-1].name_off), tp_str(tp, l->name_off)) >= 0)
			abort();
		lab[k] = (struct label){ tp_str(tp, l->name_off), tp_str(tp, l->value_off), l->value_len };
	}
	if (m->nparts && m->parts_first + m->nparts > tp->nparts)
		abort();
	for (uint32_t k = 1; k < m->nparts; k++) {
		const struct tp_part *a = &tp->parts[m->parts_first + k - 1], *b = a + 1;
		if (!isnan(a->bound) && !isnan(b->bound) && !(a->bound < b->bound))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct textparse tp;
	static int ready;
	static struct label lab[TP_MAX_LABELS];
	struct metric_sink *s = fuzz_sink();
	if (!ready) {
		textparse_init(&tp);
		ready = 1;
	}
	if (textparse_run(&tp, (const char *)data, size) < 0)
		return 0;
	for (uint32_t i = 0; i < tp.nfams; i++) {
		const struct tp_family *f = &tp.fams[i];
		if (!f->count)
			continue;
		check_name(tp_str(&tp, f->name_off), f->name_len, 1);
		if (f->nnames > TP_MAX_LABELS || f->first + f->count > tp.nmets)
			abort();
		struct metric_desc d = { tp_str(&tp, f->name_off), f->has_help ? tp_str(&tp, f->help_off) : "",
					 f->type == TP_COUNTER ? METRIC_COUNTER : METRIC_GAUGE };
		for (uint32_t k = 0; k < f->count; k++) {
			const struct tp_metric *m = &tp.mets[tp.order[f->first + k]];
			if (m->family != i)
				abort();
			check_metric(&tp, m, lab);
			sink_add(s, &d, m->value, lab, m->nlabels);
		}
	}
	fuzz_check_sink(s);
	return 0;
}
