/* fuzz_cpufreq: one CPU's cpufreq attributes. The input's lines are, in order, the
 * seven frequency attributes (an empty line: missing), the governor and the list of
 * available governors. Each line ends at a NUL, as the collector's C-string reads do. */
#include "collectors/cpufreq.h"
#include "fuzz_common.h"

/* The line as the collector would see it after reading the file into a C string. */
static struct span upto_nul(struct span s)
{
	const char *nul = memchr(s.p, '\0', s.len);
	if (nul)
		s.len = (size_t)(nul - s.p);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpufreq_text t = { 0 };
	struct cursor cur = cursor_init((const char *)data, size);
	struct span line;
	for (int i = 0; i < CPUFREQ_NATTR && cursor_line(&cur, &line); i++) {
		t.attr[i] = upto_nul(line);
		t.have[i] = t.attr[i].len > 0;
	}
	if (cursor_line(&cur, &line))
		t.governor = upto_nul(line);
	if (cursor_line(&cur, &line))
		t.available = upto_nul(line);
	struct metric_sink *s = fuzz_sink();
	int r = cpufreq_emit("0", &t, size & 1, s);
	if (r != 0 && s->nseries != 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
