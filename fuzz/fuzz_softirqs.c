/* fuzz_softirqs: the /proc/softirqs parser. All or nothing; every sample is an unsigned
 * integer count of one of the ten kinds, at most one per word of the input. */
#include <math.h>

#include "collectors/softirqs.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = softirqs_parse((const char *)data, size, s);
	if (r < 0 && s->nseries != 0)
		abort();
	struct span all = { (const char *)data, size }, w;
	size_t words = 0;
	while (span_word(&all, &w))
		words++;
	if (s->nseries > words)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		double v = s->series[i].value;
		if (!(v >= 0) || v != floor(v) || s->series[i].nlabels != 2)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
