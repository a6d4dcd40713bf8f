/* fuzz_thermal_zone: the thermal_zone collector's integer attribute parser. */
#include <stdlib.h>
#include <string.h>

#include "collectors/thermal_zone.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1); /* exact size: ASan sees any read past it */
	if (!p)
		return 0;
	memcpy(p, data, size);
	int64_t v;
	thermal_parse_int((struct span){ p, size }, &v);
	free(p);
	return 0;
}
