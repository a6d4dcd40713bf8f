/* fuzz_udp_queues: /proc/net/udp{,6} parser. */
#include "collectors/udp_queues.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t tx, rx;
	udp_queues_parse((const char *)data, size, &tx, &rx);
	return 0;
}
