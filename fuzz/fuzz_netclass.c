/* fuzz_netclass: attribute parsing and series building. The input is split at '\n'
 * into values for the attribute files in order (integers, then strings). */
#include "collectors/netclass.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netclass_iface ifc;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	memset(&ifc, 0, sizeof(ifc));
	for (int i = 0; i < NC_NINT + NC_NSTR && p <= end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		const char *file = i < NC_NINT ? netclass_int_files[i] : netclass_str_files[i - NC_NINT];
		netclass_set_attr(&ifc, file, p, len);
		p += len + 1;
	}
	if (netclass_emit(&ifc, "eth0", size & 1, s) < 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
