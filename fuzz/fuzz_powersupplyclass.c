/* fuzz_powersupplyclass: attribute parsing of one power supply. The input is
 * "name\0value" pairs; every known attribute can be fed any value. */
#include "collectors/powersupplyclass.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct psu_values v;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	memset(&v, 0, sizeof(v));
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *nl = nul ? memchr(nul + 1, '\n', (size_t)(end - nul - 1)) : NULL;
		if (!nul || (size_t)(nul - p) >= sizeof(name))
			break;
		memcpy(name, p, (size_t)(nul - p));
		name[nul - p] = '\0';
		const char *vend = nl ? nl : end;
		psu_record(&v, name, (struct span){ nul + 1, (size_t)(vend - nul - 1) });
		p = nl ? nl + 1 : end;
	}
	psu_emit(&v, "BAT0", s);
	fuzz_check_sink(s);
	return 0;
}
