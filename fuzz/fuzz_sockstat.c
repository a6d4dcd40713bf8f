/* fuzz_sockstat: /proc/net/sockstat{,6} parser, as the IPv4 and the IPv6 file. */
#include "collectors/sockstat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	bool v6 = size > 0 && (data[0] & 1);
	if (sockstat_parse((const char *)data, size, v6, 4096, s) < 0 && s->nseries)
		abort(); /* a rejected file adds nothing */
	fuzz_check_sink(s);
	return 0;
}
