/* fuzz_conntrack: /proc/net/stat/nf_conntrack parser. */
#include "collectors/conntrack.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conntrack_stats st;
	conntrack_parse_stat((const char *)data, size, &st);
	return 0;
}
