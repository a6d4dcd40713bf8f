/* fuzz_sink: arbitrary names, label names and label values through the sink and both
 * writers. Whatever the bytes, the output must parse (fuzz_check_sink). Input layout:
 * records separated by '\n', each "name\x01labelname\x01labelvalue\x01value". */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "lib/strparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	struct cursor cur = cursor_init((const char *)data, size);
	struct span line;
	while (cursor_line(&cur, &line)) {
		struct span name, lname, lval, val;
		char nbuf[64], lbuf[64];
		if (!span_field(&line, '\x01', &name) || !span_field(&line, '\x01', &lname) ||
		    !span_field(&line, '\x01', &lval) || !span_field(&line, '\x01', &val))
			continue;
		span_copy(name, nbuf, sizeof(nbuf));
		span_copy(lname, lbuf, sizeof(lbuf));
		double v = 0;
		span_double(val, &v);
		enum metric_type t = (enum metric_type)(name.len % 3);
		const struct metric_desc d = { nbuf, lbuf, t };
		sink_add(s, &d, v, LABELS(LS(lbuf, lval), L("fixed", "x")));
	}
	fuzz_check_sink(s);
	return 0;
}
