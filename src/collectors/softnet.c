/*
 * softnet: per-CPU packet processing counters of the network receive softirq, from
 * /proc/net/softnet_stat.
 *
 * Each line is one CPU's struct softnet_data counters as 32-bit hex words. Columns:
 * 0 processed, 1 dropped, 2 times squeezed (budget ran out), 8 cpu collision, 9
 * received RPS (2.6.39+), 10 flow limit count (4.18+), 11 backlog length and 12 the CPU
 * number (5.14+). Columns a kernel does not have read as 0, as node_exporter does.
 */
#include <errno.h>
#include <stdio.h>

#include "collectors/softnet.h"
#include "core/collector.h"

#define SOFTNET_MIN_COLS 9
#define SOFTNET_MAX_COLS 16

/* Which column feeds which family; the order here is the order of emission. */
static const struct {
	unsigned col;
	struct metric_desc desc;
} fields[] = {
	{ 0, { "node_softnet_processed_total", "Packets handled by this CPU's receive softirq.",
	       METRIC_COUNTER } },
	{ 1, { "node_softnet_dropped_total", "Packets dropped because this CPU's backlog was full.",
	       METRIC_COUNTER } },
	{ 2, { "node_softnet_times_squeezed_total",
	       "Times the receive softirq stopped with work left (budget or time used up).",
	       METRIC_COUNTER } },
	{ 8, { "node_softnet_cpu_collision_total",
	       "Times this CPU found a device's transmit lock already held.", METRIC_COUNTER } },
	{ 9, { "node_softnet_received_rps_total",
	       "Times this CPU was woken by an inter-processor interrupt for RPS.",
	       METRIC_COUNTER } },
	{ 10, { "node_softnet_flow_limit_count_total",
		"Packets dropped by the per-flow limit on this CPU's backlog.", METRIC_COUNTER } },
	{ 11, { "node_softnet_backlog_len", "Packets waiting in this CPU's input backlog now.",
		METRIC_GAUGE } },
};

/* Split one line into up to SOFTNET_MAX_COLS 32-bit hex values; *ncols gets the total
 * column count (all checked). Returns 0 or -EINVAL. */
static int parse_line(struct span line, uint32_t *v, unsigned *ncols)
{
	struct span w;
	unsigned n = 0;
	while (span_word(&line, &w)) {
		uint64_t x;
		if (span_u64_base(w, 16, &x) < 0 || x > UINT32_MAX)
			return -EINVAL;
		if (n < SOFTNET_MAX_COLS)
			v[n] = (uint32_t)x;
		n++;
	}
	if (n < SOFTNET_MIN_COLS)
		return -EINVAL;
	for (unsigned i = n; i < SOFTNET_MAX_COLS; i++)
		v[i] = 0;
	*ncols = n;
	return 0;
}

/* Emit one CPU's series. Returns 0 or -errno. */
static int emit_cpu(struct metric_sink *out, const uint32_t *v, unsigned ncols, unsigned index)
{
	char cpu[16];
	unsigned id = ncols >= 13 ? v[12] : index;
	snprintf(cpu, sizeof(cpu), "%u", id);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		/* the backlog column only counts when the CPU column follows it */
		double x = fields[i].col == 11 && ncols < 13 ? 0 : v[fields[i].col];
		int r = sink_add(out, &fields[i].desc, x, LABELS(L("cpu", cpu)));
		if (r < 0)
			return r;
	}
	return 0;
}

/* One pass: check only (out == NULL) or emit. Returns 0 or -errno. */
static int do_file(const char *buf, size_t len, struct metric_sink *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	uint32_t v[SOFTNET_MAX_COLS];
	unsigned ncols, index = 0;
	while (cursor_line(&c, &line)) {
		if (span_trim(line).len == 0)
			continue;
		int r = parse_line(line, v, &ncols);
		if (r == 0 && out)
			r = emit_cpu(out, v, ncols, index);
		if (r < 0)
			return r;
		index++;
	}
	return 0;
}

int softnet_parse(const char *buf, size_t len, struct metric_sink *out)
{
	int r = do_file(buf, len, NULL);
	return r < 0 ? r : do_file(buf, len, out);
}

const struct collector_ops collector_ops_softnet = {
	.name = "softnet",
	.default_enabled = true,
	.reads = "/proc/net/softnet_stat",
	.file = &(const struct collector_file){ "net/softnet_stat", 0, softnet_parse, false },
	COLLECTOR_FILE_OPS,
};
