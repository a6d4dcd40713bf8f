/* fuzz_netdev: the /proc/net/dev parser, with a device filter. */
#include "collectors/netdev.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct filter f;
	static int ready;
	if (!ready && filter_init(&f, NULL, "^skip") < 0)
		abort();
	ready = 1;
	struct metric_sink *s = fuzz_sink();
	if (netdev_parse_proc((const char *)data, size, &(struct netdev_opts){ &f, size % 2, -1 }, s) < 0 && s->nseries)
		abort();
	fuzz_check_sink(s);
	return 0;
}
