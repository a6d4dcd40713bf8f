/* fuzz_pressure: the /proc/pressure/<resource> parser. The first byte picks the
 * resource the series are emitted for; the rest is the file. */
#include "collectors/pressure.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct psi_stats st;
	if (size < 1)
		return 0;
	struct metric_sink *s = fuzz_sink();
	if (pressure_parse((const char *)data + 1, size - 1, &st) == 0)
		pressure_emit((enum psi_resource)(data[0] % PSI_NRES), &st, s);
	if (s->nseries > 2)
		abort();
	fuzz_check_sink(s);
	return 0;
}
