/*
 * zoneinfo: page counts, watermarks and NUMA allocation counters of each memory zone,
 * from /proc/zoneinfo, as node_exporter's zoneinfo collector reports them.
 *
 * The file is a block per zone, starting "Node 0, zone   Normal", then "key value"
 * lines ("pages free 4539739", "min 1078", "nr_dirtied 1189097"...), the protection
 * array "protection: (0, 2039, 31932)" and per-CPU pagesets we ignore. The first zone of
 * a node also carries the node's own counters ("per-node stats"): prometheus/procfs
 * reads them as that zone's, and so do we. Its rules, followed here: blocks are cut at
 * each "\nNode"; the node and zone come from the first "<digits>, zone <word>" in a
 * line; a field seen twice keeps its last value; a value that is not a Go integer counts
 * as 0; a protection array with an entry that is not one is left out. Off by default,
 * like node_exporter's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "collectors/zoneinfo.h"
#include "core/collector.h"

/* A field of a zone's block: its key in the file and its family. */
struct zone_field {
	const char *key;
	struct metric_desc desc;
};

#define G(k, name, help) { k, { "node_zoneinfo_" name, help, METRIC_GAUGE } }
#define C(k, name, help) { k, { "node_zoneinfo_" name, help, METRIC_COUNTER } }
static const struct zone_field fields[] = {
	G("nr_free_pages", "nr_free_pages", "Free pages in the zone."),
	G("min", "min_pages", "The zone's min watermark, in pages."),
	G("low", "low_pages", "The zone's low watermark (kswapd wakes below it), in pages."),
	G("high", "high_pages", "The zone's high watermark (kswapd rests above it), in pages."),
	G("scanned", "scanned_pages", "Pages scanned since the zone's last reclaim (old kernels)."),
	G("spanned", "spanned_pages", "Pages the zone spans, holes included."),
	G("present", "present_pages", "Physical pages present in the zone."),
	G("managed", "managed_pages", "Present pages of the zone that the buddy allocator manages."),
	G("nr_active_anon", "nr_active_anon_pages", "Anonymous pages on the active LRU list."),
	G("nr_inactive_anon", "nr_inactive_anon_pages", "Anonymous pages on the inactive LRU list."),
	G("nr_isolated_anon", "nr_isolated_anon_pages",
	  "Anonymous pages taken off the LRU lists for the moment."),
	G("nr_anon_pages", "nr_anon_pages", "Anonymous pages mapped into process page tables."),
	G("nr_anon_transparent_hugepages", "nr_anon_transparent_hugepages",
	  "Anonymous transparent huge pages in use."),
	G("nr_active_file", "nr_active_file_pages", "File-backed pages on the active LRU list."),
	G("nr_inactive_file", "nr_inactive_file_pages",
	  "File-backed pages on the inactive LRU list."),
	G("nr_isolated_file", "nr_isolated_file_pages",
	  "File-backed pages taken off the LRU lists for the moment."),
	G("nr_file_pages", "nr_file_pages", "Pages of the page cache."),
	G("nr_slab_reclaimable", "nr_slab_reclaimable_pages", "Slab pages that can be reclaimed."),
	G("nr_slab_unreclaimable", "nr_slab_unreclaimable_pages",
	  "Slab pages that cannot be reclaimed."),
	G("nr_mlock_stack", "nr_mlock_stack_pages", "Pages locked with mlock() and off the LRU."),
	G("nr_kernel_stack", "nr_kernel_stacks", "Kernel stack use, as the kernel counts it."),
	G("nr_mapped", "nr_mapped_pages", "Page cache pages mapped into process page tables."),
	G("nr_dirty", "nr_dirty_pages", "Dirty pages waiting to be written back."),
	G("nr_writeback", "nr_writeback_pages", "Pages being written back."),
	G("nr_unevictable", "nr_unevictable_pages", "Pages that cannot be evicted."),
	G("nr_shmem", "nr_shmem_pages", "Shared memory pages (tmpfs, shmem, GPU objects)."),
	C("nr_dirtied", "nr_dirtied_total", "Pages dirtied since boot."),
	C("nr_written", "nr_written_total", "Pages written back since boot."),
	C("numa_hit", "numa_hit_total", "Allocations served from the node they were meant for."),
	C("numa_miss", "numa_miss_total",
	  "Allocations served here though they were meant for another node."),
	C("numa_foreign", "numa_foreign_total",
	  "Allocations meant for this node but served from another."),
	C("numa_interleave", "numa_interleave_total",
	  "Allocations the interleave policy placed here as it intended."),
	C("numa_local", "numa_local_total", "Allocations here by a process running on this node."),
	C("numa_other", "numa_other_total", "Allocations here by a process running on another node."),
};
#undef G
#undef C
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The longest protection array text read; a longer one is left out (the kernel's is
 * well under 200 bytes). */
#define PROT_TEXT_MAX 4096

/* What one block said: each field's last value, and the protection array as validated
 * text "0, 2039, 31932". */
struct zone_block {
	struct span node, zone;
	bool has[NFIELDS];
	int64_t val[NFIELDS];
	bool has_prot;
	size_t prot_len;
	char prot[PROT_TEXT_MAX];
};

/* RE2's \s: space, \t, \n, \f, \r (not \v). */
static bool re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* RE2's \w: ASCII letters, digits and '_'. */
static bool re_word(char c)
{
	return ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The leftmost match of `(\d+), zone\s+(\w+)` in line: its groups in *node and *zone.
 * Returns whether there is one. */
static bool node_zone(struct span line, struct span *node, struct span *zone)
{
	for (size_t k = 1; k + 6 <= line.len; k++) {
		if (memcmp(line.p + k, ", zone", 6) != 0 || !ascii_digit(line.p[k - 1]))
			continue;
		size_t j = k, i = k + 6;
		while (j > 0 && ascii_digit(line.p[j - 1]))
			j--;
		while (i < line.len && re_space(line.p[i]))
			i++;
		size_t w = i;
		while (i < line.len && re_word(line.p[i]))
			i++;
		if (w == k + 6 || i == w)
			continue;
		*node = (struct span){ line.p + j, k - j };
		*zone = (struct span){ line.p + w, i - w };
		return true;
	}
	return false;
}

/* Go's strconv.ParseInt(s, 10, 64): a sign, then decimal digits, nothing else. */
static int int64_strict(struct span s, int64_t *out)
{
	size_t i = s.len && (s.p[0] == '+' || s.p[0] == '-');
	if (i == s.len)
		return -EINVAL;
	for (; i < s.len; i++)
		if (!ascii_digit(s.p[i]))
			return -EINVAL;
	return span_i64(s, out);
}

/* The next ", "-separated entry of *s (Go's strings.Split(s, ", ")) into *e, advancing
 * *s; *done (start false) is set once the last entry, which may be empty, is taken.
 * Returns false when there is no entry left. */
static bool next_entry(struct span *s, struct span *e, bool *done)
{
	if (*done)
		return false;
	for (size_t i = 0; i + 1 < s->len; i++) {
		if (s->p[i] == ',' && s->p[i + 1] == ' ') {
			*e = (struct span){ s->p, i };
			s->p += i + 2;
			s->len -= i + 2;
			return true;
		}
	}
	*e = *s;
	*done = true;
	return true;
}

/* A "protection: (a, b, ...)" line: what follows its first ':' up to the next, without
 * the first '(' and the first ')', trimmed, is b's protection array if every ", "
 * separated entry is a decimal integer; otherwise b keeps what it had. */
static void read_protection(struct span line, struct zone_block *b)
{
	const char *colon = memchr(line.p, ':', line.len);
	struct span rest = { colon + 1, line.len - (size_t)(colon + 1 - line.p) };
	const char *next = memchr(rest.p, ':', rest.len);
	if (next)
		rest.len = (size_t)(next - rest.p);
	char tmp[PROT_TEXT_MAX];
	size_t n = 0;
	bool open = false, close = false;
	for (size_t i = 0; i < rest.len; i++) {
		char c = rest.p[i];
		if (c == '(' && !open) {
			open = true;
			continue;
		}
		if (c == ')' && !close) {
			close = true;
			continue;
		}
		if (n == sizeof(tmp))
			return;
		tmp[n++] = c;
	}
	struct span text = span_trim((struct span){ tmp, n }), s = text, e;
	bool done = false;
	int64_t v;
	while (next_entry(&s, &e, &done))
		if (int64_strict(e, &v) < 0)
			return;
	memcpy(b->prot, text.p, text.len);
	b->prot_len = text.len;
	b->has_prot = true;
}

/* Read one line of a block into b. */
static void read_line(struct span line, struct zone_block *b)
{
	if (node_zone(line, &b->node, &b->zone))
		return;
	struct span s = span_trim(line), key, val;
	if (span_starts(s, "per-node stats") || !span_word(&s, &key) || !span_word(&s, &val))
		return;
	if (span_eq(key, "protection:")) {
		read_protection(line, b);
		return;
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		if (!span_eq(key, fields[i].key))
			continue;
		int64_t v;
		b->val[i] = span_i64_auto(val, &v) == 0 ? v : 0;
		b->has[i] = true;
		return;
	}
}

/* Add block b's samples to out. Returns 0 or -errno from the sink. */
static int emit_block(const struct zone_block *b, struct metric_sink *out)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < NFIELDS; i++)
		if (b->has[i])
			r = sink_add(out, &fields[i].desc, (double)b->val[i],
				     LABELS(LS("node", b->node), LS("zone", b->zone)));
	struct span s = { b->prot, b->prot_len }, e;
	bool done = !b->has_prot;
	for (unsigned i = 0; r == 0 && i < ZONEINFO_MAX_PROTECTION && next_entry(&s, &e, &done);
	     i++) {
		int64_t v = 0;
		char name[48], help[128];
		(void)int64_strict(e, &v); /* checked when read */
		snprintf(name, sizeof(name), "node_zoneinfo_protection_%u", i);
		snprintf(help, sizeof(help),
			 "Pages the zone keeps back from allocations that zone %u could serve "
			 "(protection array).",
			 i);
		const struct metric_desc d = { name, help, METRIC_GAUGE };
		r = sink_add(out, &d, (double)v, LABELS(LS("node", b->node), LS("zone", b->zone)));
	}
	return r;
}

int zoneinfo_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct zone_block b;
	const char *p = buf, *end = buf + len;
	for (;;) {
		const char *cut = memmem(p, (size_t)(end - p), "\nNode", 5);
		const char *stop = cut ? cut : end;
		b.node = b.zone = (struct span){ "", 0 };
		memset(b.has, 0, sizeof(b.has));
		memset(b.val, 0, sizeof(b.val));
		b.has_prot = false;
		struct cursor cur = cursor_init(p, (size_t)(stop - p));
		struct span line;
		while (cursor_line(&cur, &line))
			read_line(line, &b);
		int r = emit_block(&b, out);
		if (r < 0 || !cut)
			return r;
		p = cut + 5;
	}
}

const struct collector_ops collector_ops_zoneinfo = {
	.name = "zoneinfo",
	.default_enabled = false,
	.reads = "/proc/zoneinfo",
	.file = &(const struct collector_file){ "zoneinfo", 0, zoneinfo_parse, false },
	COLLECTOR_FILE_OPS,
};
