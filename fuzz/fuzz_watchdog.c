/* fuzz_watchdog: one watchdog's attributes, as "name\0value\n" records, recorded and
 * emitted. Checks: Go-style numbers agree with the plain parsers, a recorded number
 * sets its bit, text stays within 128 bytes, and emit gives one series per number
 * read plus the info series, and a refused value changes nothing. */
#include "collectors/watchdog.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wd_values v;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val;
	memset(&v, 0, sizeof(v));
	while (fuzz_pair(&p, end, name, sizeof(name), &val)) {
		fuzz_check_go_number(val);
		unsigned before = v.have;
		int r = wd_record(&v, name, val);
		for (size_t i = 0; i < WD_NUM; i++) {
			if (strcmp(name, wd_files[i]) == 0 && r == 0 && !((v.have >> i) & 1))
				abort();
		}
		if (r < 0 && v.have != before)
			abort(); /* a refused value changes nothing */
	}
	for (size_t i = 0; i < WD_STR; i++)
		if (v.str_len[i] > SYSFS_ATTR_MAX)
			abort();
	if (wd_emit(&v, "watchdog0", s) == 0 &&
	    s->nseries != (uint32_t)__builtin_popcount(v.have) + 1)
		abort();
	fuzz_check_sink(s);
	return 0;
}
