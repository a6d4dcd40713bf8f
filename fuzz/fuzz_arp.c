/* fuzz_arp: /proc/net/arp parser, with a device filter so that path runs too. */
#include "collectors/arp.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arp_counts tab;
	static struct filter f;
	static int ready;
	if (!ready) {
		if (filter_init(&f, NULL, "^nope$") < 0)
			abort();
		ready = 1;
	}
	struct metric_sink *s = fuzz_sink();
	if (arp_parse((const char *)data, size, &f, &tab, s) < 0 && s->nseries)
		abort();
	fuzz_check_sink(s);
	return 0;
}
