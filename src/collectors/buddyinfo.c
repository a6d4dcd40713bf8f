/*
 * buddyinfo: free blocks of the kernel's buddy page allocator per NUMA node, zone and
 * order, from /proc/buddyinfo, as node_exporter's buddyinfo collector reports them.
 *
 * A line reads "Node 0, zone   Normal   4381   1093 ...": the counts are the free blocks
 * of 2^0, 2^1, ... pages, and the order becomes the label size. The node is the second
 * word and the zone the fourth, each without one trailing comma. As in
 * prometheus/procfs, a line of fewer than four words (a blank line too), a count that is
 * not a number, or a line with another number of counts than the first fails the
 * collection. Off by default, like node_exporter's.
 */
#include <errno.h>
#include <stdio.h>

#include "collectors/buddyinfo.h"
#include "core/collector.h"
#include "lib/gofloat.h"

static const struct metric_desc desc_blocks = {
	"node_buddyinfo_blocks",
	"Free blocks in the page allocator by NUMA node, zone and order (size: a block is "
	"2^size pages).",
	METRIC_GAUGE,
};

/* w without one trailing ',' (Go's strings.TrimSuffix(w, ",")). */
static struct span drop_comma(struct span w)
{
	if (w.len && w.p[w.len - 1] == ',')
		w.len--;
	return w;
}

/* Walk the lines of buf[0..len): with out NULL only check them, otherwise add every
 * count to out. Returns 0, -EINVAL for a malformed line, or -errno from the sink. */
static int buddyinfo_walk(const char *buf, size_t len, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	long want = -1; /* counts per line, set by the first line */
	while (cursor_line(&cur, &line)) {
		struct span rest = line, w[4], v;
		for (int i = 0; i < 4; i++)
			if (!span_word(&rest, &w[i]))
				return -EINVAL;
		struct span node = drop_comma(w[1]), zone = drop_comma(w[3]);
		long n = 0;
		while (span_word(&rest, &v)) {
			double d;
			if (go_parse_float(v, &d) < 0)
				return -EINVAL;
			if (out) {
				char size[24];
				snprintf(size, sizeof(size), "%ld", n);
				int r = sink_add(out, &desc_blocks, d,
						 LABELS(LS("node", node), LS("zone", zone),
							L("size", size)));
				if (r < 0)
					return r;
			}
			n++;
		}
		if (want < 0)
			want = n;
		else if (n != want)
			return -EINVAL;
	}
	return 0;
}

int buddyinfo_parse(const char *buf, size_t len, struct metric_sink *out)
{
	int r = buddyinfo_walk(buf, len, NULL);
	return r < 0 ? r : buddyinfo_walk(buf, len, out);
}

const struct collector_ops collector_ops_buddyinfo = {
	.name = "buddyinfo",
	.default_enabled = false,
	.reads = "/proc/buddyinfo",
	.file = &(const struct collector_file){ "buddyinfo", 0, buddyinfo_parse, false },
	COLLECTOR_FILE_OPS,
};
