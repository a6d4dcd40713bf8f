/* fuzz_cpu: the cpu collector's /proc/cpuinfo parser and the series made from it. */
#include "collectors/cpu.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct regex *any;
	if (!any && regex_compile("^[a-z_0-9]+$", &any, NULL, 0) < 0)
		abort();
	struct metric_sink *s = fuzz_sink();
	struct cpu_info_opts o = { true, any, any };
	cpu_info_emit((const char *)data, size, &o, s);
	fuzz_check_sink(s);
	return 0;
}
