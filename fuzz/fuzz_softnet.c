/* fuzz_softnet: /proc/net/softnet_stat parser. */
#include "collectors/softnet.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = softnet_parse((const char *)data, size, s);
	if ((r < 0 && s->nseries) || s->nseries % 7)
		abort(); /* all or nothing, seven series per CPU */
	fuzz_check_sink(s);
	return 0;
}
