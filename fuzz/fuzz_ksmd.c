/* fuzz_ksmd: the parser of a /sys/kernel/mm/ksm file; the first byte picks which. A
 * success is one sample, an unsigned integer (sleep_millisecs in seconds: a thousandth
 * of one); a failure is none. */
#include <math.h>

#include "collectors/ksmd.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct metric_sink *s = fuzz_sink();
	size_t file = data[0] % KSMD_FILES;
	int r = ksmd_parse(file, (const char *)data + 1, size - 1, s);
	if (r < 0 ? s->nseries != 0 : s->nseries != 1)
		abort();
	if (r == 0) {
		double v = s->series[0].value;
		if (file == KSMD_FILES - 1)
			v = round(v * 1000);
		if (!(v >= 0) || v != floor(v))
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
