/* fuzz_netdev_netlink: the rtnetlink RTM_NEWLINK dump parser. */
#include "collectors/netdev.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[65536] __attribute__((aligned(8)));
	struct metric_sink *s = fuzz_sink();
	bool done = false;
	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size); /* recv() gives an aligned buffer */
	netdev_parse_netlink(buf, size, &(struct netdev_opts){ NULL, size % 2, -1 }, &done, s);
	fuzz_check_sink(s);
	return 0;
}
