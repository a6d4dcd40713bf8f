/* fuzz_stat: the stat collector's /proc/stat parser with softirqs on. */
#include "collectors/stat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = stat_parse((const char *)data, size, true, s);
	if (r == 0 && s->nseries != 16)
		abort();
	fuzz_check_sink(s);
	return 0;
}
