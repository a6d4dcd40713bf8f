/* fuzz_diskstats: /proc/diskstats parser. */
#include "collectors/diskstats.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	diskstats_parse((const char *)data, size, NULL, s);
	fuzz_check_sink(s);
	return 0;
}
