/* fuzz_nfs: the /proc/net/rpc/nfs parser. All or nothing: a success reports every one
 * of its 105 series, a failure none. */
#include "collectors/nfs.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = nfs_parse((const char *)data, size, s);
	if (r == 0 ? s->nseries != 105 : s->nseries != 0)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		/* counters from unsigned text: never negative or NaN */
		if (!(s->series[i].value >= 0))
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
