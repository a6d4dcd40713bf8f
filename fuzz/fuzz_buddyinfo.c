/* fuzz_buddyinfo: the /proc/buddyinfo parser. All or nothing: a success reports one
 * sample per count, the same number on every line; a failure reports none. */
#include "collectors/buddyinfo.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *text = (const char *)data;
	int r = buddyinfo_parse(text, size, s);
	if (r < 0) {
		if (s->nseries != 0)
			abort();
		fuzz_check_sink(s);
		return 0;
	}
	/* lines times the counts of the first line, each line's counts past its 4th word */
	struct cursor cur = cursor_init(text, size);
	struct span line, w;
	size_t lines = 0, per = 0;
	while (cursor_line(&cur, &line)) {
		size_t words = 0;
		while (span_word(&line, &w))
			words++;
		if (words < 4 || (lines && words - 4 != per))
			abort(); /* the parser should have refused it */
		per = words - 4;
		lines++;
	}
	if (s->nseries != lines * per)
		abort();
	fuzz_check_sink(s);
	return 0;
}
