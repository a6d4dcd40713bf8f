/* fuzz_network_route: the link table (lib/ifnames) and the route dump parser, over one
 * buffer whose RTM_NEWLINK messages name the devices of its RTM_NEWROUTE ones. Every
 * route_info series must be counted in exactly one device's tally. */
#include "collectors/network_route.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[65536] __attribute__((aligned(8)));
	static struct ifnames links;
	struct metric_sink *s = fuzz_sink();
	uint32_t unnamed = 0;
	bool done = false;
	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size); /* recv() gives an aligned buffer */
	ifnames_reset(&links);
	if (ifnames_parse(&links, buf, size, &done) < 0)
		return 0;
	done = false;
	if (network_route_parse(buf, size, &links, &unnamed, s, &done) < 0)
		return 0;
	uint64_t counted = unnamed;
	for (size_t i = 0; i < links.n; i++)
		counted += links.v[i].tally;
	if (counted != s->nseries)
		abort();
	if (network_route_emit_counts(&links, unnamed, s) < 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
