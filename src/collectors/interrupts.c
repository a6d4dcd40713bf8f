/*
 * interrupts: interrupts each CPU has handled, per IRQ, from /proc/interrupts, as
 * node_exporter's interrupts collector reports them.
 *
 * The header names the CPUs ("CPU0 CPU1 ..."); each line is "NAME: count per CPU, then
 * text": for a numbered IRQ ("  16:  328511 ... IR-IO-APIC-fasteoi  ehci_hcd:usb1, mmc0")
 * the first word after the counts is info and the rest, joined by single spaces,
 * devices; for a named one ("NMI: 47 ... Non-maskable interrupts") all of the text is
 * info and devices is empty. Lines are cut at the first ':' (on arm64 a count may follow
 * it without a space), and lines with too few words (ERR:, MIS:) are skipped.
 * --collector.interrupts.name-include/-exclude match "name;info;devices";
 * --no-collector.interrupts.include-zeros leaves out counts of zero. Off by default,
 * like node_exporter's.
 *
 * Steady state: the file is a procfile; the line table and the label text live in
 * priv and keep their size, so a warm scrape allocates nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/interrupts.h"
#include "core/collector.h"
#include "lib/gofloat.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/sort.h"

static const struct metric_desc desc_total = {
	"node_interrupts_total",
	"Interrupts handled, by CPU and interrupt (type: its number or name; info and devices: "
	"the rest of its /proc/interrupts line).",
	METRIC_COUNTER,
};

static const struct flag_def interrupts_flags[] = {
	{ "collector.interrupts.name-include", FLAG_REGEX, NULL,
	  "Regexp of interrupts to report, matched against \"name;info;devices\".", false },
	{ "collector.interrupts.name-exclude", FLAG_REGEX, NULL,
	  "Regexp of interrupts not to report, matched against \"name;info;devices\".", false },
	{ "collector.interrupts.include-zeros", FLAG_BOOL, "true",
	  "Report counts of zero too.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* One interrupt line: offsets into the parsed text. Its name is [name, name + name_len),
 * the ':' follows, and the line ends at end. */
struct irq_line {
	uint32_t name, name_len, end;
};

struct interrupts_priv {
	struct procfile pf;
	struct filter filter;
	struct interrupts_opts opts;
	struct interrupts_scratch ws;
};

/* Order lines by name, then by place in the file. ctx is the text. */
static int line_cmp(const void *a, const void *b, void *ctx)
{
	const struct irq_line *x = a, *y = b;
	const char *text = ctx;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = n ? memcmp(text + x->name, text + y->name, n) : 0;
	if (c)
		return c;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* Whether s is a number Go's strconv.Atoi takes: a sign, then decimal digits, within
 * int64. */
static bool go_atoi_ok(struct span s)
{
	size_t i = s.len && (s.p[0] == '+' || s.p[0] == '-');
	uint64_t v = 0, lim = (i && s.p[0] == '-') ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	if (i == s.len)
		return false;
	for (; i < s.len; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9 || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	return true;
}

/* A count as Go's ParseFloat reads it; plain digits, the usual case, without strtod
 * (a u64 converts to the same nearest double). Returns 0 or -EINVAL. */
static int count_value(struct span w, double *out)
{
	uint64_t u;
	bool digits = w.len > 0 && w.len <= 19;
	for (size_t i = 0; digits && i < w.len; i++)
		digits = ascii_digit(w.p[i]);
	if (digits && span_u64(w, &u) == 0) {
		*out = (double)u;
		return 0;
	}
	return go_parse_float(w, out) < 0 ? -EINVAL : 0;
}

/* Grow ws's line table to hold one more line. Returns 0, -ENOMEM or -E2BIG. */
static int lines_grow(struct interrupts_scratch *ws)
{
	if (ws->n < ws->cap)
		return 0;
	if (ws->cap >= INTERRUPTS_MAX_LINES)
		return -E2BIG;
	size_t cap = ws->cap ? ws->cap * 2 : 256;
	struct irq_line *l = realloc(ws->lines, cap * sizeof(*l));
	if (!l)
		return -ENOMEM;
	ws->lines = l;
	ws->cap = cap;
	return 0;
}

/* Collect the interrupt lines of buf (after its header) into ws->lines, sorted by name
 * with the last line of each name last. Returns 0 or -errno. */
static int find_lines(const char *buf, struct cursor cur, size_t cpus,
		      struct interrupts_scratch *ws)
{
	struct span line;
	ws->n = 0;
	while (cursor_line(&cur, &line)) {
		const char *colon = memchr(line.p, ':', line.len);
		if (!colon)
			continue;
		struct span rest = { colon + 1, line.len - (size_t)(colon + 1 - line.p) }, w;
		size_t words = 0;
		while (words <= cpus && span_word(&rest, &w))
			words++;
		if (words <= cpus)
			continue; /* ERR:, MIS: */
		const char *name = line.p;
		while (name < colon && *name == ' ')
			name++;
		int r = lines_grow(ws);
		if (r < 0)
			return r;
		ws->lines[ws->n++] = (struct irq_line){
			(uint32_t)(name - buf),
			(uint32_t)(colon - name),
			(uint32_t)(line.p + line.len - buf),
		};
	}
	sort_heap(ws->lines, ws->n, sizeof(*ws->lines), line_cmp, (void *)buf);
	return 0;
}

/* Write "name;info;devices" of line l into ws->text (grown as needed) and point *name,
 * *info and *devices into it; *counts gets the span of its counts. Returns the text's
 * length, or -ENOMEM. */
static long line_text(const char *buf, const struct irq_line *l, size_t cpus,
		      struct interrupts_scratch *ws, struct span *name, struct span *info,
		      struct span *devices, struct span *counts)
{
	struct span nm = { buf + l->name, l->name_len }, w;
	const char *after = nm.p + nm.len + 1;
	struct span rest = { after, (size_t)(buf + l->end - after) };
	size_t need = l->end - l->name + 2;
	if (need > ws->text_cap) {
		char *t = realloc(ws->text, need);
		if (!t)
			return -ENOMEM;
		ws->text = t;
		ws->text_cap = need;
	}
	char *t = ws->text;
	size_t n = nm.len;
	memcpy(t, nm.p, n);
	*counts = rest;
	for (size_t i = 0; i < cpus && span_word(&rest, &w); i++)
		counts->len = (size_t)(w.p + w.len - counts->p);
	if (cpus == 0)
		counts->len = 0;
	bool numbered = go_atoi_ok(nm);
	size_t info_at = n + 1, dev_at = 0;
	t[n++] = ';';
	for (size_t k = 0; span_word(&rest, &w); k++) {
		if (k == 1 && numbered) {
			t[n++] = ';';
			dev_at = n;
		} else if (k > 0) {
			t[n++] = ' ';
		}
		memcpy(t + n, w.p, w.len);
		n += w.len;
	}
	if (!dev_at) {
		t[n++] = ';';
		dev_at = n;
	}
	*name = (struct span){ t, nm.len };
	*info = (struct span){ t + info_at, dev_at - 1 - info_at };
	*devices = (struct span){ t + dev_at, n - dev_at };
	return (long)n;
}

int interrupts_parse(const char *buf, size_t len, const struct interrupts_opts *opts,
		     struct interrupts_scratch *ws, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span header, w;
	size_t cpus = 0;
	if (len > UINT32_MAX)
		return -EFBIG; /* offsets in the line table are 32 bits */
	if (!cursor_line(&cur, &header))
		return -EINVAL; /* an empty file */
	while (span_word(&header, &w))
		cpus++;
	int r = find_lines(buf, cur, cpus, ws);
	for (size_t i = 0; r == 0 && i < ws->n; i++) {
		const struct irq_line *l = &ws->lines[i];
		if (i + 1 < ws->n && l->name_len == l[1].name_len &&
		    memcmp(buf + l->name, buf + l[1].name, l->name_len) == 0)
			continue; /* a later line has the same name: it wins */
		struct span name, info, devices, counts;
		long n = line_text(buf, l, cpus, ws, &name, &info, &devices, &counts);
		if (n < 0)
			return (int)n;
		if (opts->filter && !filter_pass(opts->filter, ws->text, (size_t)n))
			continue;
		for (unsigned cpu = 0; r == 0 && span_word(&counts, &w); cpu++) {
			double v;
			if (count_value(w, &v) < 0)
				return -EINVAL;
			if (v == 0 && !opts->include_zeros)
				continue;
			char id[16];
			snprintf(id, sizeof(id), "%u", cpu);
			r = sink_add(out, &desc_total, v,
				     LABELS(L("cpu", id), LS("type", name), LS("info", info),
					    LS("devices", devices)));
		}
	}
	return r;
}

void interrupts_scratch_fini(struct interrupts_scratch *ws)
{
	free(ws->lines);
	free(ws->text);
	*ws = (struct interrupts_scratch){ 0 };
}

static int interrupts_init(struct collector *c)
{
	struct interrupts_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pf.fd = -1;
	c->priv = p;
	int r = filter_init(&p->filter, cfg_str(c->cfg, "collector.interrupts.name-include"),
			    cfg_str(c->cfg, "collector.interrupts.name-exclude"));
	if (r < 0)
		return r;
	p->opts.filter = (p->filter.include || p->filter.exclude) ? &p->filter : NULL;
	p->opts.include_zeros = cfg_bool(c->cfg, "collector.interrupts.include-zeros");
	return procfile_init(&p->pf, cfg_procfs(c->cfg), "interrupts", 0);
}

static int interrupts_collect(struct collector *c, struct metric_sink *out)
{
	struct interrupts_priv *p = c->priv;
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r;
	return interrupts_parse(p->pf.buf, p->pf.len, &p->opts, &p->ws, out);
}

static void interrupts_fini(struct collector *c)
{
	struct interrupts_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->pf);
		filter_fini(&p->filter);
		interrupts_scratch_fini(&p->ws);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_interrupts = {
	.name = "interrupts",
	.default_enabled = false,
	.reads = "/proc/interrupts",
	.flags = interrupts_flags,
	.init = interrupts_init,
	.collect = interrupts_collect,
	.fini = interrupts_fini,
};
