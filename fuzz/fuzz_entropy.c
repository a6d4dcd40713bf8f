/* fuzz_entropy: the entropy_avail/poolsize parser. The input is split at its first
 * newline-free '|' (or in half): the two files' texts. */
#include "collectors/entropy.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *bar = memchr(p, '|', size);
	size_t a = bar ? (size_t)(bar - p) : size / 2;
	size_t b0 = bar ? a + 1 : a;
	struct metric_sink *s = fuzz_sink();
	int r = entropy_parse(p, a, p + b0, size - b0, s);
	if (r == 0 && s->nseries != 2)
		abort();
	if (r < 0 && s->nseries != 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
