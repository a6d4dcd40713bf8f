/* fuzz_netstat_snmp6: the /proc/net/snmp6 parser, with every field picked. */
#include "collectors/netstat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	if (netstat_parse_snmp6((const char *)data, size, NULL, s) < 0 && s->nseries)
		abort();
	fuzz_check_sink(s);
	return 0;
}
