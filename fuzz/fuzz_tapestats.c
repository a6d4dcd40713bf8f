/* fuzz_tapestats: a tape drive's stats/ files as "name\0value\n" records, recorded and
 * emitted; each record's name also goes through the st<N> matcher. Checks: Go-style
 * numbers agree with the plain parsers, a recorded counter holds the value parsed, a
 * refused one changes nothing, the matcher takes exactly "st" and digits, and emit
 * gives ten series, none negative. */
#include <math.h>

#include "collectors/tapestats.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tape_counters c, before;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val;
	memset(&c, 0, sizeof(c));
	while (fuzz_pair(&p, end, name, sizeof(name), &val)) {
		fuzz_check_go_number(val);
		size_t n = strlen(name), digits = 0;
		while (digits + 2 < n && name[2 + digits] >= '0' && name[2 + digits] <= '9')
			digits++;
		bool want = n > 2 && name[0] == 's' && name[1] == 't' && digits == n - 2;
		if (tape_device_name(name) != want)
			abort();
		before = c;
		int r = tape_record(&c, name, val);
		uint64_t v;
		for (size_t i = 0; i < TAPE_NFILES; i++) {
			if (r == 0 && strcmp(name, tape_files[i]) == 0 &&
			    (span_u64_auto(val, &v) != 0 || v != c.v[i]))
				abort();
		}
		if (r < 0 && memcmp(&before, &c, sizeof(c)) != 0)
			abort();
	}
	if (tape_emit(&c, "st0", s) == 0) {
		if (s->nseries != TAPE_NFILES)
			abort();
		for (uint32_t i = 0; i < s->nseries; i++)
			if (!(s->series[i].value >= 0) || isinf(s->series[i].value))
				abort();
	}
	fuzz_check_sink(s);
	return 0;
}
