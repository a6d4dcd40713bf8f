/* fuzz_lnstat: the parser of a /proc/net/stat file. A failure adds nothing; a success
 * gives at most one series per word after the header line, each with a decimal cpu
 * label and a value that is a non-negative integer. */
#include "collectors/lnstat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	struct span rest = { nl ? nl + 1 : p + size, nl ? size - (size_t)(nl + 1 - p) : 0 }, w;
	uint32_t words = 0;
	while (span_word(&rest, &w))
		words++;
	int r = lnstat_parse("fuzz", p, size, s);
	if (r < 0 ? s->nseries != 0 : s->nseries > words)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		struct span cpu;
		uint64_t n;
		if (!sink_series_label(s, &s->series[i], "cpu", &cpu) || span_u64(cpu, &n) < 0 ||
		    !(s->series[i].value >= 0))
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
