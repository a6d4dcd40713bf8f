/* fuzz_vmstat: the /proc/vmstat parser, with the default field pattern and with one
 * that selects every field (so every name reaches the sink). */
#include "collectors/vmstat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct regex *def, *all;
	if (!def && (regex_compile(VMSTAT_FIELDS_DEFAULT, &def, NULL, 0) < 0 ||
		     regex_compile("", &all, NULL, 0) < 0))
		abort();
	struct metric_sink *s = fuzz_sink();
	vmstat_parse((const char *)data, size, def, s);
	fuzz_check_sink(s);
	s = fuzz_sink();
	vmstat_parse((const char *)data, size, all, s);
	fuzz_check_sink(s);
	return 0;
}
