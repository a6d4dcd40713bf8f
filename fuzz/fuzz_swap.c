/* fuzz_swap: the /proc/swaps parser. All or nothing: a success reports three samples for
 * each line after the header, a failure none; priorities are integers. */
#include <math.h>

#include "collectors/swap.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = swap_parse((const char *)data, size, s);
	struct cursor cur = cursor_init((const char *)data, size);
	struct span line;
	size_t lines = 0;
	while (cursor_line(&cur, &line))
		lines++;
	if (r < 0 ? s->nseries != 0 : s->nseries != 3 * (lines ? lines - 1 : 0))
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		double v = s->series[i].value;
		if (v != floor(v) || s->series[i].nlabels != 2)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
