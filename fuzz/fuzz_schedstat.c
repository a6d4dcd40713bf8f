/* fuzz_schedstat: /proc/schedstat parser. */
#include "collectors/schedstat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	if (schedstat_parse((const char *)data, size, s) != 0 || s->nseries % 3 != 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
