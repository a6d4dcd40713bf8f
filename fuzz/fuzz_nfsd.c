/* fuzz_nfsd: the /proc/net/rpc/nfsd parser. All or nothing: a success reports every
 * one of its 90 series, a failure none. */
#include "collectors/nfsd.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = nfsd_parse((const char *)data, size, s);
	if (r == 0 ? s->nseries != 90 : s->nseries != 0)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		if (!(s->series[i].value >= 0))
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
