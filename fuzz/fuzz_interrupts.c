/* fuzz_interrupts: the /proc/interrupts parser, differentially. The same text parsed
 * with and without zero counts must fail alike, and when it succeeds the run without
 * zeros must be the run with them less exactly its zero samples. Every sample carries
 * cpu, type, info and devices, with cpu below the header's column count. The scratch
 * space is kept across inputs, as the collector keeps it across scrapes. */
#include "collectors/interrupts.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct interrupts_scratch ws;
	static struct metric_sink zeros;
	static int ready;
	if (!ready) {
		sink_init(&zeros);
		ready = 1;
	}
	const char *text = (const char *)data;
	struct interrupts_opts with = { NULL, true }, without = { NULL, false };
	sink_reset(&zeros);
	int r1 = interrupts_parse(text, size, &with, &ws, &zeros);
	struct metric_sink *s = fuzz_sink();
	int r2 = interrupts_parse(text, size, &without, &ws, s);
	if ((r1 < 0) != (r2 < 0))
		abort();
	struct cursor cur = cursor_init(text, size);
	struct span header, w;
	unsigned long cpus = 0;
	if (cursor_line(&cur, &header))
		while (span_word(&header, &w))
			cpus++;
	if (r1 == 0) {
		uint32_t nonzero = 0;
		for (uint32_t i = 0; i < zeros.nseries; i++) {
			const struct sink_series *se = &zeros.series[i];
			struct span cpu;
			if (se->nlabels != 4 || !sink_series_label(&zeros, se, "cpu", &cpu))
				abort();
			char tmp[24] = { 0 };
			memcpy(tmp, cpu.p, cpu.len < 23 ? cpu.len : 23);
			if (strtoul(tmp, NULL, 10) >= cpus)
				abort();
			nonzero += se->value != 0;
		}
		if (s->nseries != nonzero)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
