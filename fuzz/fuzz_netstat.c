/* fuzz_netstat: the header/value pairs parser of /proc/net/netstat and /proc/net/snmp. */
#include "collectors/netstat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct regex *re;
	if (!re && regex_compile(NETSTAT_DEFAULT_FIELDS "|^Ip_", &re, NULL, 0) < 0)
		abort();
	struct metric_sink *s = fuzz_sink();
	if (netstat_parse_pairs((const char *)data, size, re, s) < 0 && s->nseries)
		abort();
	fuzz_check_sink(s);
	return 0;
}
