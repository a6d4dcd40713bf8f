/* fuzz_cgroups: the /proc/cgroups parser. A success gives exactly two series for each
 * line that is not a comment (counted here on their own), a failure none. */
#include "collectors/cgroups.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	uint32_t lines = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		lines += *p != '#';
		p = nl ? nl + 1 : end;
	}
	int r = cgroups_parse((const char *)data, size, s);
	if (r == 0 ? s->nseries != 2 * lines : s->nseries != 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
