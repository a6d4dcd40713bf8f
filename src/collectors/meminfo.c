/*
 * meminfo: the kernel's memory counters from /proc/meminfo, as node_memory_* gauges.
 *
 * Each line is "Field:   value [kB]". A field with a unit becomes
 * node_memory_<Field>_bytes with the value multiplied by 1024 (the kernel's "kB" is
 * KiB); a field without one (HugePages_Total...) keeps its plain name and value.
 * Parentheses turn into an underscore: "Active(anon)" -> node_memory_Active_anon_bytes.
 * Every field the kernel prints is exported, whatever its name, so new kernel fields
 * (Zswap, KReclaimable...) appear without a code change. A name ending in "_total" is a
 * counter, as in node_exporter; on Linux none does.
 *
 * The file is held open and re-read with pread each scrape (lib/procfile.h); metric
 * names are built in a stack buffer and copied by the sink, so a scrape allocates
 * nothing once the sink has grown to size.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectors/meminfo.h"
#include "core/collector.h"

#define MEMINFO_PREFIX "node_memory_"

int meminfo_field_name(const char *prefix, struct span key, const char *suffix, char *name,
		       size_t cap)
{
	const char *open = memchr(key.p, '(', key.len);
	const char *close = NULL;
	for (size_t i = key.len; open && i > (size_t)(open - key.p); i--) {
		if (key.p[i - 1] == ')') {
			close = key.p + i - 1;
			break;
		}
	}
	if (open && close) {
		const struct span parts[] = {
			span_cstr(prefix),
			{ key.p, (size_t)(open - key.p) },
			SPAN_LIT("_"),
			{ open + 1, (size_t)(close - open - 1) },
			{ close + 1, (size_t)(key.p + key.len - close - 1) },
			span_cstr(suffix),
		};
		return span_join(name, cap, parts, 6) < 0 ? -ENAMETOOLONG : 0;
	}
	const struct span parts[] = { span_cstr(prefix), key, span_cstr(suffix) };
	return span_join(name, cap, parts, 3) < 0 ? -ENAMETOOLONG : 0;
}

/* Parse one non-blank line into out. Returns 0 (also for a line skipped on purpose)
 * or -EINVAL for a malformed one. */
static int meminfo_line(struct span line, struct metric_sink *out)
{
	struct span w[4];
	size_t nw = 0;
	double v;
	while (nw < 4 && span_word(&line, &w[nw]))
		nw++;
	if (nw == 0)
		return 0;
	if (nw < 2 || nw > 3 || span_double(w[1], &v) < 0)
		return -EINVAL;
	bool bytes = nw == 3; /* any unit means kB, as the kernel writes only that */
	char name[256];
	struct span key = { w[0].p, w[0].len - 1 }; /* drop the trailing ':' */
	if (meminfo_field_name(MEMINFO_PREFIX, key, bytes ? "_bytes" : "", name, sizeof(name)) < 0)
		return 0;
	if (sink_find_family(out, name, strlen(name)) >= 0)
		return 0; /* a repeated field: keep the first */
	const struct metric_desc d = {
		name,
		bytes ? "A /proc/meminfo field, converted from kB to bytes."
		      : "A /proc/meminfo field without a unit, as the kernel prints it.",
		span_ends(key, "_total") ? METRIC_COUNTER : METRIC_GAUGE,
	};
	int r = sink_gauge(out, &d, bytes ? v * 1024.0 : v);
	/* a field that makes no valid metric name is left out; other errors are real */
	return (r == -EINVAL || r == -EEXIST) ? 0 : r;
}

int meminfo_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line)) {
		int r = meminfo_line(line, out);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct collector_ops collector_ops_meminfo = {
	.name = "meminfo",
	.default_enabled = true,
	.reads = "/proc/meminfo",
	.file = &(const struct collector_file){ "meminfo", 0, meminfo_parse, true },
	COLLECTOR_FILE_OPS,
};
