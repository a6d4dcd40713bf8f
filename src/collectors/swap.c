/*
 * swap: size, use and priority of each swap area, from /proc/swaps, as node_exporter's
 * swap collector reports them.
 *
 * After a header, each line reads "/dev/zram0  partition  8388604  76  100": the
 * device or file, its type, its size and the part in use in KiB, and its priority. Size
 * and use are reported in bytes. As in prometheus/procfs, a line (a blank one too) of
 * fewer than five words or with a number that is not a decimal integer fails the
 * collection; a file with only its header reports nothing. Off by default, like
 * node_exporter's.
 */
#include <errno.h>
#include <stdint.h>

#include "collectors/swap.h"
#include "core/collector.h"

static const struct metric_desc desc_size = {
	"node_swap_size_bytes", "Size of a swap area in bytes.", METRIC_GAUGE,
};
static const struct metric_desc desc_used = {
	"node_swap_used_bytes", "Bytes of a swap area in use.", METRIC_GAUGE,
};
static const struct metric_desc desc_prio = {
	"node_swap_priority", "Priority of a swap area (higher is used first).", METRIC_GAUGE,
};

/* KiB to bytes as node_exporter computes it, in Go's 64-bit int: wrapping on overflow. */
static double kib_bytes(int64_t kib)
{
	return (double)(int64_t)((uint64_t)kib * 1024u);
}

/* Walk the lines after the header: with out NULL only check them, otherwise add each
 * area's samples. Returns 0, -EINVAL for a malformed line, or -errno from the sink. */
static int swap_walk(const char *buf, size_t len, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	if (!cursor_line(&cur, &line))
		return 0; /* an empty file: nothing, as in procfs */
	while (cursor_line(&cur, &line)) {
		struct span w[5];
		int64_t size, used, prio;
		for (int i = 0; i < 5; i++)
			if (!span_word(&line, &w[i]))
				return -EINVAL;
		if (span_i64(w[2], &size) < 0 || span_i64(w[3], &used) < 0 ||
		    span_i64(w[4], &prio) < 0)
			return -EINVAL;
		if (!out)
			continue;
		int r = sink_add(out, &desc_size, kib_bytes(size),
				 LABELS(LS("device", w[0]), LS("swap_type", w[1])));
		if (r == 0)
			r = sink_add(out, &desc_used, kib_bytes(used),
				     LABELS(LS("device", w[0]), LS("swap_type", w[1])));
		if (r == 0)
			r = sink_add(out, &desc_prio, (double)prio,
				     LABELS(LS("device", w[0]), LS("swap_type", w[1])));
		if (r < 0)
			return r;
	}
	return 0;
}

int swap_parse(const char *buf, size_t len, struct metric_sink *out)
{
	int r = swap_walk(buf, len, NULL);
	return r < 0 ? r : swap_walk(buf, len, out);
}

const struct collector_ops collector_ops_swap = {
	.name = "swap",
	.default_enabled = false,
	.reads = "/proc/swaps",
	.file = &(const struct collector_file){ "swaps", 0, swap_parse, false },
	COLLECTOR_FILE_OPS,
};
