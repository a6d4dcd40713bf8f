/* fuzz_cpulist: the kernel CPU range list parser (isolated, offline). */
#include <errno.h>

#include "fuzz_common.h"
#include "lib/cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint16_t out[4096];
	size_t n = 99999;
	int r = cpu_range_parse((const char *)data, size, out, 4096, &n);
	if (n > 4096 || (r != 0 && r != -EINVAL && r != -E2BIG))
		abort();
	return 0;
}
