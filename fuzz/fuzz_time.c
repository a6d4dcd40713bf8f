/* fuzz_time: the clock-source attribute parser. The input is split at its first '|'
 * (or in half) into available_clocksource and current_clocksource. */
#include "collectors/time.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *bar = memchr(p, '|', size);
	size_t a = bar ? (size_t)(bar - p) : size / 2;
	size_t b0 = bar ? a + 1 : a;
	struct metric_sink *s = fuzz_sink();
	time_clocksource_emit("0", p, a, p + b0, size - b0, s);
	fuzz_check_sink(s);
	return 0;
}
