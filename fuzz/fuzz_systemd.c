/* fuzz_systemd: the systemd collector's pure parts and lib/busclient's address reading.
 *
 * Input lines: a version string (systemd_version_parse), a D-Bus address
 * (busclient_socket_path), the include and exclude patterns (anchored as the collector
 * anchors them), then one unit per line: name, load state, active state, type, the SU_*
 * bits read, and one value for all of them, tab-separated. Each unit gets its object path
 * (systemd_unit_path) and the filter's verdict; systemd_emit then writes the snapshot, with
 * the enable-* options taken from the first byte, and the sink's output is checked. */
#include <stdlib.h>

#include "collectors/systemd.h"
#include "fuzz_common.h"
#include "lib/busclient.h"
#include "lib/regex.h"
#include "lib/strparse.h"

#define MAX_UNITS 256

/* Copy span s into dst[cap] (cut to fit; a NUL inside ends the string, as on the bus). */
static void copy(struct span s, char *dst, size_t cap)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* The pattern in span s, anchored, into a new string (or NULL for an empty one). */
static char *anchor(struct span s)
{
	if (!s.len || memchr(s.p, '\0', s.len))
		return NULL;
	char *p = malloc(s.len + 8);
	if (p)
		snprintf(p, s.len + 8, "^(?:%.*s)$", (int)s.len, s.p);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct systemd_unit units[MAX_UNITS];
	struct metric_sink *s = fuzz_sink();
	struct cursor c = cursor_init((const char *)data, size);
	struct span line, pats[2] = { { NULL, 0 }, { NULL, 0 } };
	struct systemd_snapshot snap = { .units = units };
	struct systemd_opts o = { size && (data[0] & 1), size && (data[0] & 2), size && (data[0] & 4) };
	struct filter f = { 0 };
	char tmp[SYSTEMD_PATH_MAX];
	double v;
	if (cursor_line(&c, &line)) {
		systemd_version_parse(line.p, line.len, &v);
		copy(line, snap.version, sizeof(snap.version));
	}
	if (cursor_line(&c, &line))
		busclient_socket_path(line.p, line.len, tmp, sizeof(tmp));
	for (int i = 0; i < 2 && cursor_line(&c, &line); i++)
		pats[i] = line;
	char *inc = anchor(pats[0]), *exc = anchor(pats[1]);
	bool have_filter = filter_init(&f, inc, exc) == 0;
	free(inc);
	free(exc);
	snap.running = size > 1 && (data[1] & 1);
	while (snap.nunits < MAX_UNITS && cursor_line(&c, &line)) {
		struct systemd_unit *u = &units[snap.nunits++];
		struct span fld[6] = { { NULL, 0 } };
		uint64_t num = 0;
		memset(u, 0, sizeof(*u));
		for (int i = 0; i < 6 && span_field(&line, '\t', &fld[i]); i++)
			;
		copy(fld[0], u->name, sizeof(u->name));
		copy(fld[1], tmp, SYSTEMD_STATE_MAX);
		copy(fld[2], u->active, sizeof(u->active));
		copy(fld[3], u->type, sizeof(u->type));
		if (span_u64(fld[4], &num) == 0)
			u->have = (unsigned)num;
		num = 0;
		span_u64(fld[5], &num);
		u->restarts = u->accepted = u->connections = u->refused = (uint32_t)num;
		u->last_trigger_us = u->start_us = u->tasks_current = u->tasks_max = num;
		u->kept = have_filter && systemd_unit_kept(&f, u->name, tmp);
		char path[SYSTEMD_PATH_MAX];
		if (systemd_unit_path(u->name, path, sizeof(path)) != 0)
			abort(); /* every name that fits SYSTEMD_NAME_MAX fits the path bound */
	}
	if (have_filter)
		filter_fini(&f);
	systemd_emit(&snap, &o, s);
	fuzz_check_sink(s);
	return 0;
}
