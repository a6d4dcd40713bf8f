/* fuzz_accept: the Accept and Accept-Encoding header parsers. The result must always be
 * one of the two formats, and parsing must stay inside the given bytes. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* copy into an exact-size heap buffer so ASan catches any read past the end */
	char *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	enum expo_format f = accept_format(p, size);
	if (f != EXPO_TEXT && f != EXPO_OPENMETRICS)
		abort();
	int gz = accept_gzip(p, size);
	if (gz != 0 && gz != 1)
		abort();
	free(p);
	return 0;
}
