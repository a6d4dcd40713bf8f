/* fuzz_logind: the logind collector's series from a snapshot. Input lines: "S<seat>" adds
 * a seat; any other line is a session: seat, remote (0/1), type and class, tab-separated
 * (type and class mapped as the collector maps them). The sink's output is checked, and
 * the series count must be 70 per seat plus 70 for the empty seat. */
#include <stdlib.h>

#include "collectors/logind.h"
#include "fuzz_common.h"
#include "lib/strparse.h"

#define MAX_ENTRIES 16

/* Copy span s into dst[cap] (cut to fit, and at a NUL). */
static void copy(struct span s, char *dst, size_t cap)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct logind_seat seats[MAX_ENTRIES];
	static struct logind_session sessions[MAX_ENTRIES];
	struct metric_sink *s = fuzz_sink();
	struct cursor c = cursor_init((const char *)data, size);
	struct logind_snapshot snap = { seats, 0, sessions, 0 };
	struct span line;
	char val[64];
	while (cursor_line(&c, &line)) {
		if (line.len && line.p[0] == 'S') {
			if (snap.nseats < MAX_ENTRIES)
				copy((struct span){ line.p + 1, line.len - 1 }, seats[snap.nseats++].id,
				     LOGIND_ID_MAX);
			continue;
		}
		if (snap.nsessions >= MAX_ENTRIES)
			continue;
		struct logind_session *x = &sessions[snap.nsessions++];
		struct span f[4] = { { NULL, 0 } };
		for (int i = 0; i < 4 && span_field(&line, '\t', &f[i]); i++)
			;
		copy(f[0], x->seat, sizeof(x->seat));
		x->remote = span_eq(f[1], "1");
		copy(f[2], val, sizeof(val));
		x->type = logind_index(logind_types, logind_ntypes, val);
		copy(f[3], val, sizeof(val));
		x->klass = logind_index(logind_classes, logind_nclasses, val);
	}
	if (logind_emit(&snap, s) == 0 && s->nseries > 70 * (snap.nseats + 1))
		abort();
	fuzz_check_sink(s);
	return 0;
}
