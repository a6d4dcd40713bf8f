/* fuzz_kernel_hung: the hung_task_detect_count parser. It agrees with span_u64 (one
 * unsigned decimal, whitespace around it), and reports one series or none. */
#include "collectors/kernel_hung.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	uint64_t v;
	int r = kernel_hung_parse((const char *)data, size, s);
	int want = span_u64((struct span){ (const char *)data, size }, &v);
	if ((r == 0) != (want == 0) || s->nseries != (r == 0))
		abort();
	if (r == 0 && s->series[0].value != (double)v)
		abort();
	fuzz_check_sink(s);
	return 0;
}
