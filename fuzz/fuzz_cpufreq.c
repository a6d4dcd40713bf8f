/* fuzz_cpufreq: one CPU's cpufreq attributes. The input's lines are, in order, the
 * seven frequency attributes (an empty line: missing), the governor and the list of
 * available governors. */
#include "collectors/cpufreq.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpufreq_text t = { 0 };
	struct cursor cur = cursor_init((const char *)data, size);
	struct span line;
	for (int i = 0; i < CPUFREQ_NATTR && cursor_line(&cur, &line); i++) {
		t.attr[i] = line;
		t.have[i] = line.len > 0;
	}
	if (cursor_line(&cur, &line))
		t.governor = line;
	if (cursor_line(&cur, &line))
		t.available = line;
	struct metric_sink *s = fuzz_sink();
	int r = cpufreq_emit("0", &t, size & 1, s);
	if (r != 0 && s->nseries != 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
