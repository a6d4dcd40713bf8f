/* fuzz_pidstat: the /proc/<pid>/stat parser behind the processes collector and process_*.
 * What it accepts has a non-empty state word inside the input with no blank in it, and
 * parsing the same text again gives the same values; what it refuses leaves the output
 * as it was. */
#include "lib/pidstat.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct pidstat a, b, keep;
	memset(&a, 0xa5, sizeof(a));
	keep = a;
	if (pidstat_parse(p, size, &a) < 0) {
		if (memcmp(&a, &keep, sizeof(a)) != 0)
			abort();
		return 0;
	}
	if (a.state.len == 0 || a.state.p < p || a.state.p + a.state.len > p + size)
		abort();
	for (size_t i = 0; i < a.state.len; i++)
		if (a.state.p[i] == ' ' || a.state.p[i] == '\t' || a.state.p[i] == '\n')
			abort();
	if (pidstat_parse(p, size, &b) < 0 || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
