/* fuzz_zoneinfo: the /proc/zoneinfo parser. Nothing in the text is an error; every
 * sample is an int64 labelled node and zone, and there are at most as many samples as
 * the text has lines times the protection entries kept. */
#include <math.h>

#include "collectors/zoneinfo.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	if (zoneinfo_parse((const char *)data, size, s) < 0)
		abort(); /* the sink is far from full on these sizes */
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (s->nseries > lines * ZONEINFO_MAX_PROTECTION)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		double v = s->series[i].value;
		if (v != floor(v) || fabs(v) > 9223372036854775808.0 || s->series[i].nlabels != 2)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
