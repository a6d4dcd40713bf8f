/* fuzz_cpu_vulnerabilities: the parser of one vulnerability file. Any text gives exactly
 * one series in one of the four states, with a mitigation no longer than the text; a
 * detail taken after a known state is words joined by single spaces. */
#include "collectors/cpu_vulnerabilities.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[CPUVULN_FILE_MAX];
	struct metric_sink *s = fuzz_sink();
	struct span state, mit;
	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (cpuvuln_parse("fuzz", buf, size, s) < 0 || s->nseries != 1)
		abort();
	const struct sink_series *se = &s->series[0];
	if (!sink_series_label(s, se, "state", &state) || !sink_series_label(s, se, "mitigation", &mit) ||
	    mit.len > size)
		abort();
	if (!span_eq(state, "not affected") && !span_eq(state, "vulnerable") &&
	    !span_eq(state, "mitigation") && !span_eq(state, "unknown"))
		abort();
	if (span_eq(state, "not affected") && mit.len)
		abort();
	if (span_eq(state, "vulnerable") || span_eq(state, "mitigation")) {
		for (size_t i = 0; i < mit.len; i++) {
			char c = mit.p[i];
			if ((c == ' ' && (i == 0 || i + 1 == mit.len || mit.p[i + 1] == ' ')) ||
			    c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
				abort();
		}
	}
	fuzz_check_sink(s);
	return 0;
}
