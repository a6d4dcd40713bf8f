/* fuzz_xfs: the parser of an XFS filesystem's stats file. All or nothing: a success
 * reports its 39 counters, each below 2^32, a failure none. */
#include "collectors/xfs.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = xfs_parse((const char *)data, size, "sda1", s);
	if (r == 0 ? s->nseries != 39 : s->nseries != 0)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		double v = s->series[i].value;
		if (!(v >= 0 && v <= 4294967295.0))
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
