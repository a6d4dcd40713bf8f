/* fuzz_meminfo_numa: a NUMA node's meminfo and numastat parsers; the first byte picks
 * one. All or nothing; meminfo gives gauges labelled with the node its lines name,
 * numastat counters named *_total labelled with the node given. */
#include "collectors/meminfo_numa.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct metric_sink *s = fuzz_sink();
	const char *text = (const char *)data + 1;
	bool stat = data[0] & 1;
	int r = stat ? meminfo_numa_parse_numastat(text, size - 1, SPAN_LIT("7"), s)
		     : meminfo_numa_parse_meminfo(text, size - 1, s);
	if (r < 0 && s->nseries != 0)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		const struct sink_series *se = &s->series[i];
		const struct sink_family *f = &s->families[se->family];
		struct span node, name = { sink_str(s, f->name_off), f->name_len };
		if (se->nlabels != 1 || !sink_series_label(s, se, "node", &node) ||
		    !span_starts(name, "node_memory_numa_"))
			abort();
		if (stat && (f->type != METRIC_COUNTER || !span_eq(node, "7") ||
			     !span_ends(name, "_total")))
			abort();
		if (!stat && f->type != METRIC_GAUGE)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
