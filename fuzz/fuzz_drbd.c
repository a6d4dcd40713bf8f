/* fuzz_drbd: the /proc/drbd parser. A failure adds nothing; every series names a device
 * "drbdN" or "unknown"; the state families are 0 or 1 with a node of local or remote. */
#include "collectors/drbd.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	int r = drbd_parse((const char *)data, size, s);
	if (r < 0 && s->nseries != 0)
		abort();
	for (uint32_t i = 0; i < s->nseries; i++) {
		const struct sink_series *se = &s->series[i];
		const struct sink_family *f = &s->families[se->family];
		struct span dev, node, name = { sink_str(s, f->name_off), f->name_len };
		if (!sink_series_label(s, se, "device", &dev) ||
		    !(span_eq(dev, "unknown") || span_starts(dev, "drbd")))
			abort();
		bool pair = span_eq(name, "node_drbd_node_role_is_primary") ||
			    span_eq(name, "node_drbd_disk_state_is_up_to_date");
		if (pair && (!sink_series_label(s, se, "node", &node) ||
			     !(span_eq(node, "local") || span_eq(node, "remote"))))
			abort();
		if ((pair || span_eq(name, "node_drbd_connected")) && se->value != 0 &&
		    se->value != 1)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
