/* fuzz_memtrim: the /proc/self/smaps reader that picks the mappings to give back. Only
 * the parse: the fuzzer's own memory is never handed to madvise. */
#include <stdlib.h>
#include <string.h>

#include "lib/memtrim.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct memtrim t;
	const char *p = (const char *)data, *end = p + size;
	memset(&t, 0, sizeof(t));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		memtrim_line(&t, p, len);
		p += len + (nl ? 1 : 0);
	}
	memtrim_end(&t);
	if (t.n > MEMTRIM_MAX)
		abort();
	for (size_t i = 0; i < t.n; i++)
		if (t.ranges[i][0] >= t.ranges[i][1])
			abort(); /* an empty or reversed range is never kept */
	return 0;
}
