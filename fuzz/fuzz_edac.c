/* fuzz_edac: the edac collector's parsers: counter files and the mc<N>, csrow<N>,
 * ch<N>_ce_count name matchers. Results must stay inside the input. */
#include <stdlib.h>
#include <string.h>

#include "collectors/edac.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	p[size] = '\0';
	uint64_t v;
	edac_parse_count((struct span){ p, size }, &v);
	struct span num;
	const char *const prefixes[] = { "mc", "csrow" };
	for (int i = 0; i < 2; i++) {
		if (edac_numbered(p, prefixes[i], &num) &&
		    (num.p < p || num.p + num.len > p + strlen(p)))
			abort();
	}
	if (edac_channel_file(p, &num) && (num.p < p || num.p + num.len > p + strlen(p)))
		abort();
	free(p);
	return 0;
}
