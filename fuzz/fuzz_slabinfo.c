/* fuzz_slabinfo: the /proc/slabinfo parser. A success gives five series per cache line
 * (every line but the version and header lines, counted here on their own), each an
 * integer; a failure none. */
#include "collectors/slabinfo.h"
#include "fuzz_common.h"

static bool has(const char *p, size_t n, const char *needle)
{
	return memmem(p, n, needle, strlen(needle)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	uint32_t lines = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		lines += !has(p, n, "slabinfo -") && !has(p, n, "# name");
		p = nl ? nl + 1 : end;
	}
	int r = slabinfo_parse((const char *)data, size, NULL, s);
	if (r == 0 ? s->nseries != 5 * lines : s->nseries != 0)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++)
		if (!fuzz_is_int64(s->series[i].value))
			abort();
	fuzz_check_sink(s);
	return 0;
}
