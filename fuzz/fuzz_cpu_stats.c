/* fuzz_cpu_stats: the cpu collector's /proc/stat folding. The input is split at the
 * first 0xff byte into two successive reads of the file; the reported counters must
 * never go down from one read to the next unless a CPU was reset or went away. */
#include <string.h>

#include "collectors/cpu.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *cut = memchr(p, 0xff, size);
	size_t a = cut ? (size_t)(cut - p) : size;
	size_t b = cut ? size - a - 1 : 0;
	struct cpu_stats st = { 0 };
	struct metric_sink *s = fuzz_sink();
	cpu_stats_update(&st, p, a);
	if (cut)
		cpu_stats_update(&st, cut + 1, b);
	for (size_t i = 0; i < st.ncur; i++)
		for (int m = 0; m < PROCSTAT_NMODES; m++)
			if (!(st.cur[i].v[m] >= 0))
				abort(); /* folding against 0 keeps every value >= 0 */
	cpu_stats_emit(&st, true, s);
	fuzz_check_sink(s);
	cpu_stats_fini(&st);
	return 0;
}
