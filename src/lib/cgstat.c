/*
 * cgstat: parsers for cgroup v1 and v2 statistics files (see cgstat.h).
 *
 * Most of these files are "key value" lines; a small table per file maps each key
 * the collector wants to a field and a has-bit, and one walker applies it. The
 * per-device files (io.stat, blkio.*) and pressure files have their own walkers.
 * Everything reads the caller's span in place.
 */
#include "lib/cgstat.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* One key of a "key value" file: the value goes to base + off, bit goes into *has. */
struct kv_key {
	const char *name;
	size_t len;     /* strlen(name), compared first */
	size_t off;
	unsigned bit;
};

/* The rest of a line must be exactly one unsigned decimal: parse it into *v.
 * Returns 0, -EINVAL (no number, or more words after it) or -ERANGE. */
static int sole_u64(struct span rest, uint64_t *v)
{
	struct span val, extra;
	if (!span_word(&rest, &val) || span_word(&rest, &extra))
		return -EINVAL;
	return span_u64(val, v);
}

/* Walk "key value" lines of s; for each key in keys[0..n), parse the value as u64
 * into base + off and set the key's bit in *has. Unknown keys and blank lines are
 * skipped. Returns 0, -EINVAL (a known key without a number) or -ERANGE. */
static int parse_kv(struct span s, const struct kv_key *keys, size_t n, void *base,
		    unsigned *has)
{
	struct cursor c = cursor_init(s.p, s.len);
	struct span line;
	int r = 0;

	while (cursor_line(&c, &line)) {
		struct span key;
		if (!span_word(&line, &key))
			continue;
		for (size_t i = 0; i < n; i++) {
			uint64_t v;
			if (key.len != keys[i].len || memcmp(key.p, keys[i].name, key.len) != 0)
				continue;
			r = sole_u64(line, &v);
			if (r < 0)
				goto out;
			memcpy((char *)base + keys[i].off, &v, sizeof(v));
			*has |= keys[i].bit;
			break;
		}
	}
out:
	return r;
}

#define KV(name, type, field, bit) { name, sizeof(name) - 1, offsetof(type, field), bit }

static const struct kv_key cpu_v2_keys[] = {
	KV("usage_usec", struct cg_cpu_stat, usage_usec, CG_CPU_USAGE),
	KV("user_usec", struct cg_cpu_stat, user_usec, CG_CPU_USER),
	KV("system_usec", struct cg_cpu_stat, system_usec, CG_CPU_SYSTEM),
	KV("nr_periods", struct cg_cpu_stat, nr_periods, CG_CPU_NR_PERIODS),
	KV("nr_throttled", struct cg_cpu_stat, nr_throttled, CG_CPU_NR_THROTTLED),
	KV("throttled_usec", struct cg_cpu_stat, throttled_usec, CG_CPU_THROTTLED),
};

static const struct kv_key cpu_v1_keys[] = {
	KV("nr_periods", struct cg_cpu_stat, nr_periods, CG_CPU_NR_PERIODS),
	KV("nr_throttled", struct cg_cpu_stat, nr_throttled, CG_CPU_NR_THROTTLED),
	KV("throttled_time", struct cg_cpu_stat, throttled_ns, CG_CPU_THROTTLED),
};

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* Parse v2 cpu.stat into *out (zeroed first). 0, -EINVAL or -ERANGE. */
int cg_parse_cpu_stat_v2(struct span s, struct cg_cpu_stat *out)
{
	memset(out, 0, sizeof(*out));
	return parse_kv(s, cpu_v2_keys, NKEYS(cpu_v2_keys), out, &out->has);
}

/* Parse v1 cpu.stat into *out (zeroed first). 0, -EINVAL or -ERANGE. */
int cg_parse_cpu_stat_v1(struct span s, struct cg_cpu_stat *out)
{
	memset(out, 0, sizeof(*out));
	return parse_kv(s, cpu_v1_keys, NKEYS(cpu_v1_keys), out, &out->has);
}

/* Parse v2 cpu.max: exactly two words, "max"|quota and period. */
int cg_parse_cpu_max(struct span s, struct cg_cpu_max *out)
{
	struct span q, p, extra;
	int64_t quota = -1;
	uint64_t period;
	int r = -EINVAL;

	if (!span_word(&s, &q) || !span_word(&s, &p) || span_word(&s, &extra))
		goto out;
	if (!span_eq(q, "max")) {
		r = span_i64(q, &quota);
		if (r < 0)
			goto out;
		if (quota < 0) {
			r = -EINVAL;
			goto out;
		}
	}
	r = span_u64(p, &period);
	if (r < 0)
		goto out;
	out->quota_usec = quota;
	out->period_usec = period;
out:
	return r;
}

/* A file holding one unsigned number (and a newline). 0, -EINVAL or -ERANGE. */
int cg_parse_u64(struct span s, uint64_t *out)
{
	return span_u64(span_trim(s), out);
}

/* A file holding one signed number. 0, -EINVAL or -ERANGE. */
int cg_parse_i64(struct span s, int64_t *out)
{
	return span_i64(span_trim(s), out);
}

/* "max" or a number. 0, -EINVAL or -ERANGE; outputs written only on success. */
int cg_parse_limit(struct span s, uint64_t *out, bool *unlimited)
{
	struct span t = span_trim(s);
	uint64_t v;
	int r;

	if (span_eq(t, "max")) {
		*out = UINT64_MAX;
		*unlimited = true;
		return 0;
	}
	r = span_u64(t, &v);
	if (r == 0) {
		*out = v;
		*unlimited = false;
	}
	return r;
}

/* v1 cpuacct.stat: "user N" and "system N" in USER_HZ ticks. */
int cg_parse_cpuacct_stat(struct span s, struct cg_cpuacct_stat *out)
{
	static const struct kv_key keys[] = {
		KV("user", struct cg_cpuacct_stat, user_ticks, 1u),
		KV("system", struct cg_cpuacct_stat, system_ticks, 2u),
	};
	unsigned has = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = parse_kv(s, keys, NKEYS(keys), out, &has);
	out->has_user = has & 1u;
	out->has_system = has & 2u;
	return r;
}

/* cAdvisor's weight -> shares mapping; 0 outside [1, 10000]. */
uint64_t cg_weight_to_shares(uint64_t weight)
{
	if (weight < 1 || weight > 10000)
		return 0;
	return 2 + ((weight - 1) * 262142) / 9999;
}

/* ---- memory.stat ------------------------------------------------------------- */

/* The kept keys, with their lengths (compared first: see mem_key_lookup). */
#define MK(name) { name, sizeof(name) - 1 }
static const struct {
	const char *name;
	size_t len;
} mem_keys[CG_MS_N] = {
	[CG_MS_ANON] = MK("anon"),
	[CG_MS_FILE] = MK("file"),
	[CG_MS_FILE_MAPPED] = MK("file_mapped"),
	[CG_MS_FILE_DIRTY] = MK("file_dirty"),
	[CG_MS_FILE_WRITEBACK] = MK("file_writeback"),
	[CG_MS_SHMEM] = MK("shmem"),
	[CG_MS_KERNEL_STACK] = MK("kernel_stack"),
	[CG_MS_SLAB] = MK("slab"),
	[CG_MS_SOCK] = MK("sock"),
	[CG_MS_ANON_THP] = MK("anon_thp"),
	[CG_MS_INACTIVE_ANON] = MK("inactive_anon"),
	[CG_MS_ACTIVE_ANON] = MK("active_anon"),
	[CG_MS_INACTIVE_FILE] = MK("inactive_file"),
	[CG_MS_ACTIVE_FILE] = MK("active_file"),
	[CG_MS_UNEVICTABLE] = MK("unevictable"),
	[CG_MS_PGFAULT] = MK("pgfault"),
	[CG_MS_PGMAJFAULT] = MK("pgmajfault"),
	[CG_MS_CACHE] = MK("cache"),
	[CG_MS_RSS] = MK("rss"),
	[CG_MS_RSS_HUGE] = MK("rss_huge"),
	[CG_MS_MAPPED_FILE] = MK("mapped_file"),
	[CG_MS_DIRTY] = MK("dirty"),
	[CG_MS_WRITEBACK] = MK("writeback"),
	[CG_MS_SWAP] = MK("swap"),
	[CG_MS_HIERARCHICAL_MEMORY_LIMIT] = MK("hierarchical_memory_limit"),
};
#undef MK

/* The kernel's name for key k, or NULL when k is out of range. */
const char *cg_mem_key_name(enum cg_mem_key k)
{
	if ((unsigned)k >= CG_MS_N)
		return NULL;
	return mem_keys[k].name;
}

/* The key named by s (not empty), or CG_MS_N when it is not one we keep. Called for
 * every line of every cgroup's memory.stat (about 40), so it compares lengths and
 * first bytes before whole names. */
static enum cg_mem_key mem_key_lookup(struct span s)
{
	for (unsigned k = 0; k < CG_MS_N; k++) {
		if (s.len == mem_keys[k].len && s.p[0] == mem_keys[k].name[0] &&
		    memcmp(s.p, mem_keys[k].name, s.len) == 0)
			return (enum cg_mem_key)k;
	}
	return CG_MS_N;
}

/* v2 or v1 memory.stat. Kept keys must carry one number; "total_" keys of v1 land in
 * total[]. 0, -EINVAL or -ERANGE. */
int cg_parse_memory_stat(struct span s, struct cg_mem_stat *out)
{
	struct cursor c = cursor_init(s.p, s.len);
	struct span line;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (cursor_line(&c, &line)) {
		struct span key;
		bool total = false;
		enum cg_mem_key k;
		uint64_t v;

		if (!span_word(&line, &key))
			continue;
		if (span_starts(key, "total_")) {
			total = true;
			key.p += 6;
			key.len -= 6;
		}
		k = mem_key_lookup(key);
		if (k == CG_MS_N)
			continue;
		r = sole_u64(line, &v);
		if (r < 0)
			goto out;
		if (total) {
			out->total[k] = v;
			out->has_total |= 1ull << k;
		} else {
			out->v[k] = v;
			out->has |= 1ull << k;
		}
	}
out:
	return r;
}

/* v2 memory.events. 0, -EINVAL or -ERANGE. */
int cg_parse_memory_events(struct span s, struct cg_mem_events *out)
{
	static const struct kv_key keys[] = {
		KV("low", struct cg_mem_events, low, CG_ME_LOW),
		KV("high", struct cg_mem_events, high, CG_ME_HIGH),
		KV("max", struct cg_mem_events, max, CG_ME_MAX),
		KV("oom", struct cg_mem_events, oom, CG_ME_OOM),
		KV("oom_kill", struct cg_mem_events, oom_kill, CG_ME_OOM_KILL),
		KV("oom_group_kill", struct cg_mem_events, oom_group_kill, CG_ME_OOM_GROUP_KILL),
	};
	memset(out, 0, sizeof(*out));
	return parse_kv(s, keys, NKEYS(keys), out, &out->has);
}

/* ---- block I/O ---------------------------------------------------------------- */

/* Parse "MAJ:MIN" into *maj, *min. 0 or -EINVAL/-ERANGE (numbers above 2^32). */
static int parse_devno(struct span s, uint32_t *maj, uint32_t *min)
{
	struct span a, b;
	uint64_t x = 0, y = 0;
	int r = -EINVAL;

	if (!span_field(&s, ':', &a) || !span_field(&s, ':', &b) || s.len)
		goto out;
	r = span_u64(a, &x);
	if (r == 0)
		r = span_u64(b, &y);
	if (r < 0)
		goto out;
	if (x > UINT32_MAX || y > UINT32_MAX) {
		r = -ERANGE;
		goto out;
	}
	*maj = (uint32_t)x;
	*min = (uint32_t)y;
out:
	return r;
}

static const struct kv_key io_keys[] = {
	KV("rbytes", struct cg_io_dev, rbytes, CG_IO_RBYTES),
	KV("wbytes", struct cg_io_dev, wbytes, CG_IO_WBYTES),
	KV("rios", struct cg_io_dev, rios, CG_IO_RIOS),
	KV("wios", struct cg_io_dev, wios, CG_IO_WIOS),
	KV("dbytes", struct cg_io_dev, dbytes, CG_IO_DBYTES),
	KV("dios", struct cg_io_dev, dios, CG_IO_DIOS),
};

/* The key=value words of one io.stat line into *d. 0, -EINVAL or -ERANGE. */
static int parse_io_line(struct span line, struct cg_io_dev *d)
{
	struct span w;
	int r = 0;

	while (span_word(&line, &w)) {
		struct span k, v = w;
		uint64_t x;
		if (!span_field(&v, '=', &k) || !v.len)
			continue; /* not key=value: a future format; skip the word */
		for (size_t i = 0; i < NKEYS(io_keys); i++) {
			if (!span_eq(k, io_keys[i].name))
				continue;
			r = span_u64(v, &x);
			if (r < 0)
				goto out;
			memcpy((char *)d + io_keys[i].off, &x, sizeof(x));
			d->has |= io_keys[i].bit;
			break;
		}
	}
out:
	return r;
}

/* v2 io.stat. Devices past CG_MAX_DEVS are counted out (truncated set) but their
 * lines are still checked. 0, -EINVAL or -ERANGE. */
int cg_parse_io_stat(struct span s, struct cg_io_stat *out)
{
	struct cursor c = cursor_init(s.p, s.len);
	struct span line;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (cursor_line(&c, &line)) {
		struct cg_io_dev d = { 0 };
		struct span dev;
		if (!span_word(&line, &dev))
			continue;
		r = parse_devno(dev, &d.major, &d.minor);
		if (r < 0)
			goto out;
		r = parse_io_line(line, &d);
		if (r < 0)
			goto out;
		if (out->n == CG_MAX_DEVS) {
			out->truncated = true;
			continue;
		}
		out->dev[out->n++] = d;
	}
out:
	return r;
}

/* The blkio op named by s: its bit (and *off, its field's offset in a device), or 0
 * when unknown. */
static unsigned blkio_op(struct span s, size_t *off)
{
	static const struct {
		const char *name;
		size_t off;
		unsigned bit;
	} ops[] = {
		{ "Read", offsetof(struct cg_blkio_dev, read), CG_BLK_READ },
		{ "Write", offsetof(struct cg_blkio_dev, write), CG_BLK_WRITE },
		{ "Sync", offsetof(struct cg_blkio_dev, sync), CG_BLK_SYNC },
		{ "Async", offsetof(struct cg_blkio_dev, async), CG_BLK_ASYNC },
		{ "Discard", offsetof(struct cg_blkio_dev, discard), CG_BLK_DISCARD },
		{ "Total", offsetof(struct cg_blkio_dev, total), CG_BLK_TOTAL },
	};
	for (size_t i = 0; i < NKEYS(ops); i++) {
		if (span_eq(s, ops[i].name)) {
			*off = ops[i].off;
			return ops[i].bit;
		}
	}
	return 0;
}

/* Find device maj:min in out, adding it if there is room; NULL when full. */
static struct cg_blkio_dev *blkio_dev(struct cg_blkio *out, uint32_t maj, uint32_t min)
{
	for (uint32_t i = out->n; i-- > 0;)
		if (out->dev[i].major == maj && out->dev[i].minor == min)
			return &out->dev[i];
	if (out->n == CG_MAX_DEVS) {
		out->truncated = true;
		return NULL;
	}
	out->dev[out->n].major = maj;
	out->dev[out->n].minor = min;
	return &out->dev[out->n++];
}

/* One "MAJ:MIN Op N" line. 0, -EINVAL or -ERANGE. */
static int parse_blkio_line(struct span devw, struct span line, struct cg_blkio *out)
{
	struct span op;
	struct cg_blkio_dev *d;
	uint32_t maj, min;
	uint64_t v;
	size_t off = 0;
	unsigned bit;
	int r;

	r = parse_devno(devw, &maj, &min);
	if (r < 0)
		goto out;
	r = -EINVAL;
	if (!span_word(&line, &op))
		goto out;
	r = sole_u64(line, &v);
	if (r < 0)
		goto out;
	bit = blkio_op(op, &off);
	if (!bit)
		goto out; /* r == 0: an op we do not know */
	d = blkio_dev(out, maj, min);
	if (!d)
		goto out;
	memcpy((char *)d + off, &v, sizeof(v));
	d->has |= bit;
out:
	return r;
}

/* v1 blkio.* "MAJ:MIN Op N" lines plus a "Total N" line. 0, -EINVAL or -ERANGE. */
int cg_parse_blkio(struct span s, struct cg_blkio *out)
{
	struct cursor c = cursor_init(s.p, s.len);
	struct span line;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (cursor_line(&c, &line)) {
		struct span first;
		if (!span_word(&line, &first))
			continue;
		if (span_eq(first, "Total")) {
			r = sole_u64(line, &out->total);
			if (r < 0)
				goto out;
			out->has_total = true;
			continue;
		}
		r = parse_blkio_line(first, line, out);
		if (r < 0)
			goto out;
	}
out:
	return r;
}

/* ---- pressure ----------------------------------------------------------------- */

/* "avg10=.. avg60=.. avg300=.. total=.." into *pl; all four required. */
static int parse_psi_line(struct span line, struct cg_psi_line *pl)
{
	struct span w;
	unsigned seen = 0;
	int r = 0;

	while (span_word(&line, &w)) {
		struct span k, v = w;
		if (!span_field(&v, '=', &k)) {
			r = -EINVAL;
			goto out;
		}
		if (span_eq(k, "avg10")) {
			r = span_double(v, &pl->avg10);
			seen |= 1;
		} else if (span_eq(k, "avg60")) {
			r = span_double(v, &pl->avg60);
			seen |= 2;
		} else if (span_eq(k, "avg300")) {
			r = span_double(v, &pl->avg300);
			seen |= 4;
		} else if (span_eq(k, "total")) {
			r = span_u64(v, &pl->total_usec);
			seen |= 8;
		}
		if (r < 0)
			goto out;
	}
	if (seen != 15)
		r = -EINVAL;
out:
	return r;
}

/* cpu/memory/io.pressure: "some ..." and optionally "full ..." lines. A file with
 * neither line is -EINVAL. 0, -EINVAL or -ERANGE. */
int cg_parse_pressure(struct span s, struct cg_pressure *out)
{
	struct cursor c = cursor_init(s.p, s.len);
	struct span line;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (cursor_line(&c, &line)) {
		struct span kind;
		if (!span_word(&line, &kind))
			continue;
		if (span_eq(kind, "some")) {
			r = parse_psi_line(line, &out->some);
			out->has_some = r == 0;
		} else if (span_eq(kind, "full")) {
			r = parse_psi_line(line, &out->full);
			out->has_full = r == 0;
		}
		if (r < 0)
			goto out;
	}
	if (!out->has_some && !out->has_full)
		r = -EINVAL;
out:
	return r;
}
