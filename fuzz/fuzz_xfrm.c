/* fuzz_xfrm: the /proc/net/xfrm_stat parser. All or nothing: a success reports all 28
 * counters, a failure none; every value is an integer (never NaN). */
#include "collectors/xfrm.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = xfrm_parse((const char *)data, size, s);
	if (r == 0 ? s->nseries != XFRM_COUNTERS : s->nseries != 0)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++)
		if (!fuzz_is_int64(s->series[i].value))
			abort();
	fuzz_check_sink(s);
	return 0;
}
