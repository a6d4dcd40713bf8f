/* fuzz_fibrechannel: one FC host's attributes and statistics files as "name\0value\n"
 * records (a name starting with "statistics/" is a counter), recorded and emitted.
 * Checks: Go-style numbers agree with the plain parsers, a refused counter changes
 * nothing, text stays within 128 bytes with the "0x" of the four hex names dropped,
 * and emit gives the info series plus at most fourteen counters, all fourteen at 0
 * for a port without state or in state Unknown. */
#include <math.h>

#include "collectors/fibrechannel.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fc_host h, before;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val;
	memset(&h, 0, sizeof(h));
	while (fuzz_pair(&p, end, name, sizeof(name), &val)) {
		fuzz_check_go_number(val);
		before = h;
		if (strncmp(name, "statistics/", 11) == 0) {
			if (fc_record_stat(&h, name + 11, val) < 0 && memcmp(&before, &h, sizeof(h)))
				abort();
			continue;
		}
		fc_record_attr(&h, name, val);
		struct span t = val;
		if (t.len > 2 && (!strcmp(name, "node_name") || !strcmp(name, "port_id") ||
				  !strcmp(name, "port_name") || !strcmp(name, "fabric_name")))
			t.len -= 2;
		for (size_t i = 0; i < FC_NATTR; i++) {
			if (strcmp(name, fc_attr_files[i]) == 0 &&
			    h.len[i] != (t.len < SYSFS_ATTR_MAX ? t.len : SYSFS_ATTR_MAX))
				abort();
		}
	}
	if (fc_emit(&h, "host0", s) == 0) {
		bool down = !(h.have_attr & 2) || (h.len[1] == 7 && !memcmp(h.str[1], "Unknown", 7));
		if (s->nseries < 1 || s->nseries > FC_NSTAT + 1 || (down && s->nseries != FC_NSTAT + 1))
			abort();
		for (uint32_t i = 0; i < s->nseries; i++) {
			double v = s->series[i].value;
			if (!(v >= 0) || isinf(v) || (down && v != 0 && v != 1))
				abort();
		}
	}
	fuzz_check_sink(s);
	return 0;
}
