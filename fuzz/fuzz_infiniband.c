/* fuzz_infiniband: one device and port as "name\0value\n" records: "state",
 * "phys_state", "rate", device attributes, "port" (a ports/ entry name) and counter
 * files as "counters/x", "counters_ext/x" or "hw_counters/x"; recorded and emitted.
 * Checks: a state parses only with exactly one ':'; a whole-number rate below 2^24
 * Gb/s gives exactly that many times 125000000 bytes; a port number is all digits;
 * Go-style numbers agree with the plain parsers; a refused counter changes nothing and
 * a data counter is four times the words read; emit gives three series plus one per
 * counter read, and the info series. */
#include "collectors/infiniband.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

static struct ib_port port, before;
static struct ib_device dev;
static uint64_t rcv_data; /* what counters/port_rcv_data should report */
static bool have_rcv_data;

/* Feed one record to the parser its name selects, checking what it returns. */
static void feed(const char *name, struct span val)
{
	static const struct {
		const char *prefix;
		enum ib_dir dir;
	} dirs[] = { { "counters/", IB_COUNTERS },
		     { "counters_ext/", IB_COUNTERS_EXT },
		     { "hw_counters/", IB_HW_COUNTERS } };
	uint32_t id, num;
	uint64_t bps, v;
	if (!strcmp(name, "state") || !strcmp(name, "phys_state")) {
		const char *c = memchr(val.p, ':', val.len);
		if (ib_parse_state(val, !strcmp(name, "state") ? &port.state : &port.phys_state) == 0 &&
		    (!c || memchr(c + 1, ':', val.len - (size_t)(c + 1 - val.p))))
			abort();
		return;
	}
	if (!strcmp(name, "rate")) {
		const char *sp = memchr(val.p, ' ', val.len);
		int r = ib_parse_rate(val, &bps);
		if (r == 0)
			port.rate = bps;
		if (sp && sp > val.p && fuzz_all((struct span){ val.p, (size_t)(sp - val.p) }, fuzz_dec) &&
		    sp - val.p < 8 && span_u64((struct span){ val.p, (size_t)(sp - val.p) }, &v) == 0 &&
		    v < (1u << 24) && (r != 0 || bps != v * 125000000))
			abort();
		return;
	}
	if (!strcmp(name, "port")) {
		char tmp[64];
		if (span_copy(val, tmp, sizeof(tmp)) == 0 && ib_port_number(tmp, &num) &&
		    (!fuzz_all(span_cstr(tmp), fuzz_dec) || span_u64(span_cstr(tmp), &v) != 0 ||
		     v != num))
			abort();
		return;
	}
	for (size_t d = 0; d < 3; d++) {
		size_t n = strlen(dirs[d].prefix);
		if (strncmp(name, dirs[d].prefix, n) != 0)
			continue;
		fuzz_check_go_number(val);
		before = port;
		int r = ib_record(&port, dirs[d].dir, name + n, val);
		if (r < 0 && memcmp(&before, &port, sizeof(port)) != 0)
			abort();
		if (r == 0 && d == IB_COUNTERS && !strcmp(name + n, "port_rcv_data") &&
		    span_u64_auto(val, &v) == 0) {
			rcv_data = v * 4; /* the last one read is the one reported */
			have_rcv_data = true;
		}
		return;
	}
	ib_device_record(&dev, name, val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val;
	double got;
	ib_port_reset(&port);
	memset(&dev, 0, sizeof(dev));
	have_rcv_data = false;
	while (fuzz_pair(&p, end, name, sizeof(name), &val))
		feed(name, val);
	for (size_t i = 0; i < 3; i++)
		if (dev.len[i] > SYSFS_ATTR_MAX)
			abort();
	if (ib_emit_port(&port, "mlx5_0", 1, s) == 0) {
		if (s->nseries != 3 + (uint32_t)__builtin_popcountll(port.have))
			abort();
		int r = sink_lookup(s, VIEW_METRICS, "node_infiniband_port_data_received_bytes_total",
				    NULL, NULL, &got);
		if ((r == 0) != have_rcv_data || (have_rcv_data && got != (double)rcv_data))
			abort();
	}
	ib_emit_device(&dev, "mlx5_0", s);
	fuzz_check_sink(s);
	return 0;
}
