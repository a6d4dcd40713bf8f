/* fuzz_os: the os-release parser. Checks that decoded values stay inside the scratch
 * buffer and that node_os_info always carries its twelve labels. */
#include "collectors/os.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char scratch[1 << 16];
	struct os_release rel;
	if (size > sizeof(scratch))
		return 0;
	struct metric_sink *s = fuzz_sink();
	if (os_release_parse((const char *)data, size, scratch, sizeof(scratch), &rel) < 0)
		return 0;
	for (int f = 0; f < OS_NFIELDS; f++) {
		const char *p = rel.field[f].p;
		size_t n = rel.field[f].len;
		if (n && (p < scratch || p + n > scratch + size))
			abort();
	}
	if (os_release_emit(&rel, s) == 0 && (s->nseries < 1 || s->series[0].nlabels != 12))
		abort();
	fuzz_check_sink(s);
	return 0;
}
