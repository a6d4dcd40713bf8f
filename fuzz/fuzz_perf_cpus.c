/* fuzz_perf_cpus: the --collector.perf.cpus parser. Every CPU it returns is in range
 * and named once. */
#include <errno.h>

#include "collectors/perf.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint16_t out[PERF_CPUS_MAX];
	static uint8_t seen[PERF_CPU_MAX + 1];
	size_t n = 99999;
	int r = perf_cpus_parse((const char *)data, size, out, PERF_CPUS_MAX, &n);
	if (r != 0 && r != -EINVAL && r != -E2BIG)
		abort();
	if (r != 0 && n != 0)
		abort();
	if (n > PERF_CPUS_MAX)
		abort();
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < n; i++) {
		if (seen[out[i]]++)
			abort();
	}
	return 0;
}
