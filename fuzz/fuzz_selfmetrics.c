/* fuzz_selfmetrics: the /proc/PID/stat parser behind process_*. What it accepts has
 * every field, so parsing the same text again gives the same values. */
#include "core/selfmetrics.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct selfmetrics_stat a, b;
	if (selfmetrics_parse_stat((const char *)data, size, &a) < 0)
		return 0;
	if (selfmetrics_parse_stat((const char *)data, size, &b) < 0 ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
