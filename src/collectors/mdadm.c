/*
 * mdadm: Linux software RAID (md) arrays, from /proc/mdstat and /sys/block/md*\/md,
 * as node_exporter's mdadm collector reports them.
 *
 * /proc/mdstat is irregular: an array is a header line ("md0 : active raid1 sda1[0]
 * sdb1[1](F)") followed by a status line ("1234 blocks ... [2/1] [U_]"), an optional
 * bitmap line and an optional sync line ("recovery = 8.5% (16/195) finish=... speed=...K/sec",
 * "resync=DELAYED"). The parser follows node_exporter (prometheus/procfs) rule for
 * rule, including which oddities are fatal. From sysfs come node_md_raid_disks and
 * node_md_degraded, one series per array with an md/ directory.
 *
 * Steady state: /proc/mdstat is a procfile; /sys/block is listed with a dirscan and
 * small attributes are read into stack buffers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collectors/mdadm.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/procfile.h"

static const struct metric_desc desc_disks = {
	"node_md_disks", "Member disks of an md array by state (active, failed, spare).",
	METRIC_GAUGE
};
static const struct metric_desc desc_required = {
	"node_md_disks_required", "Disks an md array needs to be complete.", METRIC_GAUGE
};
static const struct metric_desc desc_state = {
	"node_md_state", "1 for the state an md array is in, 0 for the others.", METRIC_GAUGE
};
static const struct metric_desc desc_blocks = {
	"node_md_blocks", "Size of an md array in 1 KiB blocks.", METRIC_GAUGE
};
static const struct metric_desc desc_synced = {
	"node_md_blocks_synced", "Blocks of an md array already in sync.", METRIC_GAUGE
};
static const struct metric_desc desc_raid_disks = {
	"node_md_raid_disks", "Disks in the md array as sysfs counts them (raid_disks).",
	METRIC_GAUGE
};
static const struct metric_desc desc_degraded = {
	"node_md_degraded", "Member disks an md array is missing (sysfs degraded).",
	METRIC_GAUGE
};

/* node_md_state's labels, and the parsed state each one is 1 for. */
static const struct {
	const char *label, *state;
} md_states[] = {
	{ "active", "active" },     { "inactive", "inactive" }, { "recovering", "recovering" },
	{ "resync", "resyncing" },  { "check", "checking" },
};

#define MD_MAX_TYPES 64

/* Lines split on '\n' exactly as Go's strings.Split: text ending in '\n' has a last,
 * empty line. */
struct lines {
	const char *p, *end;
	bool done;
};

/* Take the next line of ls into *out (without its '\n'; points into ls's text) and
 * advance. Returns false once the last line has been taken. */
static bool next_line(struct lines *ls, struct span *out)
{
	if (ls->done)
		return false;
	const char *nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
	if (!nl) {
		*out = (struct span){ ls->p, (size_t)(ls->end - ls->p) };
		ls->done = true;
		return true;
	}
	*out = (struct span){ ls->p, (size_t)(nl - ls->p) };
	ls->p = nl + 1;
	return true;
}

/* Position of needle in s, or -1. */
static long span_find(struct span s, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n <= s.len && i + n <= s.len; i++)
		if (memcmp(s.p + i, needle, n) == 0)
			return (long)i;
	return -1;
}

/* Whether needle occurs in s. */
static bool span_has(struct span s, const char *needle)
{
	return span_find(s, needle) >= 0;
}

/* Number of non-overlapping occurrences of needle (non-empty) in s. */
static long span_count(struct span s, const char *needle)
{
	long n = 0;
	long at;
	while ((at = span_find(s, needle)) >= 0) {
		n++;
		s.p += at + (long)strlen(needle);
		s.len -= (size_t)at + strlen(needle);
	}
	return n;
}

/* Length of the run of digits at s[i..). */
static size_t digits_at(struct span s, size_t i)
{
	size_t n = 0;
	while (i + n < s.len && ascii_digit(s.p[i + n]))
		n++;
	return n;
}

/* Parse a digit run as Go's ParseInt(.., 10, 64). */
static int digits_i64(const char *p, size_t n, int64_t *out)
{
	return span_i64((struct span){ p, n }, out);
}

/* Does `[\d+/\d+] [[U_]+]` match at s[i]? On a match *total gets the first number's
 * span. */
static bool status_brackets_at(struct span s, size_t i, struct span *total)
{
	if (s.p[i] != '[')
		return false;
	size_t a = digits_at(s, i + 1);
	if (!a || i + 1 + a >= s.len || s.p[i + 1 + a] != '/')
		return false;
	size_t j = i + 2 + a, b = digits_at(s, j);
	if (!b || j + b + 2 >= s.len || memcmp(s.p + j + b, "] [", 3) != 0)
		return false;
	size_t k = j + b + 3, u = 0;
	while (k + u < s.len && (s.p[k + u] == 'U' || s.p[k + u] == '_'))
		u++;
	if (!u || k + u >= s.len || s.p[k + u] != ']')
		return false;
	*total = (struct span){ s.p + i + 1, a };
	return true;
}

/* The regex `(\d+) blocks .*\[(\d+)/(\d+)\] \[([U_]+)\]` on a status line: the leftmost
 * "N blocks " and the last bracket pair after it. Returns 0 with *total, or -EINVAL. */
static int status_total(struct span s, int64_t *total)
{
	long at = span_find(s, " blocks ");
	while (at >= 0) {
		size_t dstart = (size_t)at;
		while (dstart > 0 && ascii_digit(s.p[dstart - 1]))
			dstart--;
		if (dstart < (size_t)at)
			break;
		long next = span_find((struct span){ s.p + at + 1, s.len - (size_t)at - 1 },
				      " blocks ");
		at = next < 0 ? -1 : at + 1 + next;
	}
	if (at < 0)
		return -EINVAL;
	struct span t;
	for (size_t i = s.len; i-- > (size_t)at + 8;) {
		if (status_brackets_at(s, i, &t))
			return digits_i64(t.p, t.len, total);
	}
	return -EINVAL;
}

/* Go's `prefix(.+)suffix` with a greedy .+: from the first prefix to the last suffix
 * that leaves at least one byte between. upper: the suffix is any A-Z letter. */
static bool greedy_between(struct span s, const char *prefix, const char *suffix, bool upper,
			   struct span *out)
{
	long at = span_find(s, prefix);
	if (at < 0)
		return false;
	size_t start = (size_t)at + strlen(prefix);
	size_t sl = upper ? 1 : strlen(suffix);
	for (size_t e = s.len; e >= start + 1 + sl; e--) {
		const char *q = s.p + e - sl;
		bool ok = upper ? (*q >= 'A' && *q <= 'Z') : memcmp(q, suffix, sl) == 0;
		if (ok) {
			*out = (struct span){ s.p + start, e - sl - start };
			return true;
		}
	}
	return false;
}

/* A float as Go's ParseFloat takes it: no surrounding spaces. */
static int strict_double(struct span s, double *out)
{
	if (!s.len || s.p[0] == ' ' || s.p[s.len - 1] == ' ')
		return -EINVAL;
	return span_double(s, out);
}

/* Parse a sync line's "(done/total)", percentage, finish time and speed; all must be
 * there, as node_exporter requires. *synced gets the blocks done. */
static int eval_recovery(struct span s, int64_t *synced)
{
	long at = span_find(s, "(");
	int64_t a = 0, b = 0;
	bool found = false;
	while (at >= 0 && !found) {
		size_t i = (size_t)at + 1, da = digits_at(s, i);
		size_t db = da && i + da < s.len && s.p[i + da] == '/' ? digits_at(s, i + da + 1) : 0;
		if (db && i + da + 1 + db < s.len && s.p[i + da + 1 + db] == ')') {
			if (digits_i64(s.p + i, da, &a) < 0 || digits_i64(s.p + i + da + 1, db, &b) < 0)
				return -EINVAL;
			found = true;
			break;
		}
		long next = span_find((struct span){ s.p + at + 1, s.len - (size_t)at - 1 }, "(");
		at = next < 0 ? -1 : at + 1 + next;
	}
	if (!found)
		return -EINVAL;
	struct span v;
	double d;
	if (!greedy_between(s, "= ", "%", false, &v) || span_double(span_trim(v), &d) < 0)
		return -EINVAL;
	if (!greedy_between(s, "finish=", "min", false, &v) || strict_double(v, &d) < 0)
		return -EINVAL;
	if (!greedy_between(s, "speed=", NULL, true, &v) || strict_double(v, &d) < 0)
		return -EINVAL;
	*synced = a;
	return 0;
}

/* Component fields like "sda1[3](F)": the last "[digits]" must fit an int32. */
static int check_components(struct span *fields, size_t n)
{
	for (size_t f = 0; f < n; f++) {
		struct span s = fields[f];
		for (size_t i = s.len; i-- > 0;) {
			size_t d = s.p[i] == '[' ? digits_at(s, i + 1) : 0;
			if (!d || i + 1 + d >= s.len || s.p[i + 1 + d] != ']')
				continue;
			int64_t v;
			if (digits_i64(s.p + i + 1, d, &v) < 0 || v > INT32_MAX)
				return -EINVAL;
			break;
		}
	}
	return 0;
}

struct md_array {
	struct span name, state;
	int64_t active, total, failed, spare, size, synced;
};

/* Add array a's node_md_disks_required, node_md_disks, node_md_state, node_md_blocks
 * and node_md_blocks_synced series to out. Returns 0 or -errno from the sink. */
static int emit_array(const struct md_array *a, struct metric_sink *out)
{
	int r = sink_add(out, &desc_required, (double)a->total, LABELS(LS("device", a->name)));
	const struct {
		const char *st;
		int64_t v;
	} disks[] = { { "active", a->active }, { "failed", a->failed }, { "spare", a->spare } };
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = sink_add(out, &desc_disks, (double)disks[i].v,
			     LABELS(LS("device", a->name), L("state", disks[i].st)));
	for (size_t i = 0; r == 0 && i < sizeof(md_states) / sizeof(md_states[0]); i++)
		r = sink_add(out, &desc_state, span_eq(a->state, md_states[i].state) ? 1 : 0,
			     LABELS(LS("device", a->name), L("state", md_states[i].label)));
	if (r == 0)
		r = sink_add(out, &desc_blocks, (double)a->size, LABELS(LS("device", a->name)));
	if (r == 0)
		r = sink_add(out, &desc_synced, (double)a->synced, LABELS(LS("device", a->name)));
	return r;
}

/* The RAID personalities named on the "Personalities : " line. */
struct md_types {
	struct span t[MD_MAX_TYPES];
	size_t n;
};

/* Add each word of 2 or more bytes after "Personalities : " on line to kt, without its
 * first and last byte (the brackets); the spans point into line. Words past
 * MD_MAX_TYPES are dropped. */
static void parse_personalities(struct span line, struct md_types *kt)
{
	struct span s = { line.p + 16, line.len - 16 }, w;
	while (span_word(&s, &w) && kt->n < MD_MAX_TYPES) {
		if (w.len >= 2)
			kt->t[kt->n++] = (struct span){ w.p + 1, w.len - 2 };
	}
}

/* Whether w holds no '(' or '[' and equals one of kt's personalities. */
static bool is_raid_type(struct span w, const struct md_types *kt)
{
	if (memchr(w.p, '(', w.len) || memchr(w.p, '[', w.len))
		return false;
	for (size_t i = 0; i < kt->n; i++)
		if (kt->t[i].len == w.len && memcmp(kt->t[i].p, w.p, w.len) == 0)
			return true;
	return false;
}

/* Status line: size, and active/total disks by the array's kind. */
static int eval_status(struct span dev, struct span status, struct md_array *a)
{
	struct span s = status, w;
	if (!span_word(&s, &w) || span_i64(w, &a->size) < 0)
		return -EINVAL;
	if (span_has(dev, "raid0") || span_has(dev, "linear")) {
		a->total = a->active = span_count(dev, "[");
		return 0;
	}
	if (span_has(dev, "inactive")) {
		a->total = a->active = 0;
		return 0;
	}
	int r = status_total(status, &a->total);
	if (r < 0)
		return r;
	/* the active count is the second number of the same bracket */
	const char *slash = NULL;
	for (size_t i = status.len; i-- > 0 && !slash;) {
		struct span t;
		if (status_brackets_at(status, i, &t) && t.p >= status.p)
			slash = t.p + t.len;
	}
	if (!slash)
		return -EINVAL;
	struct span rest = { slash + 1, (size_t)(status.p + status.len - slash - 1) };
	return digits_i64(rest.p, digits_at(rest, 0), &a->active);
}

/* Sync line: state and blocks synced. */
static int eval_sync(struct span sync, struct md_array *a)
{
	bool recovering = span_has(sync, "recovery"), reshaping = span_has(sync, "reshape");
	bool resyncing = span_has(sync, "resync"), checking = span_has(sync, "check");
	a->synced = a->size;
	if (!(recovering || reshaping || resyncing || checking))
		return 0;
	a->state = recovering ? SPAN_LIT("recovering")
		 : reshaping  ? SPAN_LIT("reshaping")
		 : checking   ? SPAN_LIT("checking")
			      : SPAN_LIT("resyncing");
	if (span_has(sync, "PENDING") || span_has(sync, "DELAYED")) {
		a->synced = 0;
		return 0;
	}
	return eval_recovery(sync, &a->synced);
}

#define MD_MAX_FIELDS 256

/* One array starting at header line dev; `after` is positioned on the next line. */
static int parse_array(struct span dev, struct lines after, const struct md_types *kt,
		       struct metric_sink *out)
{
	struct span fields[MD_MAX_FIELDS], s = dev, l1, l2, l3;
	size_t nf = 0;
	while (nf < MD_MAX_FIELDS && span_word(&s, &fields[nf]))
		nf++;
	if (nf < 3 || memchr(fields[0].p, '\0', fields[0].len))
		return -EINVAL;
	struct md_array a = { .name = fields[0], .state = fields[2] };
	size_t start = 0;
	if (nf > 3 && is_raid_type(fields[3], kt))
		start = 4;
	else if (nf > 4 && is_raid_type(fields[4], kt))
		start = 5;
	if (!next_line(&after, &l1) || !next_line(&after, &l2) || !next_line(&after, &l3))
		return -EINVAL;
	a.failed = span_count(dev, "(F)");
	a.spare = span_count(dev, "(S)");
	int r = eval_status(dev, l1, &a);
	if (r == 0)
		r = eval_sync(span_has(l2, "bitmap") ? l3 : l2, &a);
	if (r == 0)
		r = check_components(fields + start, nf - start);
	if (r == 0)
		r = emit_array(&a, out);
	return r;
}

int mdstat_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct lines ls = { buf, buf + len, false };
	struct md_types kt = { .n = 0 };
	struct span line;
	while (next_line(&ls, &line)) {
		if (span_trim(line).len == 0 || line.p[0] == ' ' || span_starts(line, "unused"))
			continue;
		if (kt.n == 0 && span_starts(line, "Personalities : ")) {
			parse_personalities(line, &kt);
			continue;
		}
		int r = parse_array(line, ls, &kt, out);
		if (r < 0)
			return r;
	}
	return 0;
}

int md_sync_completed_check(const char *s)
{
	if (strcmp(s, "none") == 0)
		return 0;
	struct span sp = span_cstr(s), a, slash, b;
	uint64_t x;
	if (!span_word(&sp, &a) || !span_word(&sp, &slash) || !span_word(&sp, &b))
		return -EINVAL;
	if (span_u64(a, &x) < 0 || !span_eq(slash, "/") || span_u64(b, &x) < 0)
		return -EINVAL;
	return 0;
}

struct mdadm_priv {
	struct procfile pf;
	struct dirscan block;
	const char *sysfs;
};

/* Read block/<dev>/md/<attr> into buf[cap]. Returns 0 or -errno. */
static int md_attr(struct mdadm_priv *p, const char *dev, const char *attr, char *buf,
		   size_t cap)
{
	char rel[512];
	size_t len;
	if ((size_t)snprintf(rel, sizeof(rel), "block/%s/md/%s", dev, attr) >= sizeof(rel))
		return -ENAMETOOLONG;
	int r = read_file_at(p->sysfs, rel, buf, cap, &len);
	if (r < 0)
		return r;
	struct span t = span_trim((struct span){ buf, len });
	memmove(buf, t.p, t.len);
	buf[t.len] = '\0';
	return 0;
}

/* Read block/<dev>/md/<attr> as a decimal u64 into *v. Returns 0 or -errno. */
static int md_attr_u64(struct mdadm_priv *p, const char *dev, const char *attr, uint64_t *v)
{
	char buf[64];
	int r = md_attr(p, dev, attr, buf, sizeof(buf));
	return r < 0 ? r : str_u64(buf, v);
}

/* Whether level equals one of the strings of the NULL-terminated set. */
static bool level_in(const char *level, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(level, *set) == 0)
			return true;
	return false;
}

/* One array's sysfs attributes: the ones node_exporter requires must all be readable. */
static int md_sysfs_one(struct mdadm_priv *p, const char *dev, struct metric_sink *out)
{
	static const char *const chunked[] = { "raid0", "raid4", "raid5", "raid6", "raid10", 0 };
	static const char *const redundant[] = { "raid1", "raid4", "raid5", "raid6", "raid10", 0 };
	static const char *const strs[] = { "array_state", "metadata_version", "uuid" };
	char level[64], tmp[128];
	uint64_t disks = 0, degraded = 0, v;
	int r = md_attr(p, dev, "level", level, sizeof(level));
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = md_attr(p, dev, strs[i], tmp, sizeof(tmp));
	if (r == 0)
		r = md_attr_u64(p, dev, "raid_disks", &disks);
	if (r == 0 && level_in(level, chunked))
		r = md_attr_u64(p, dev, "chunk_size", &v);
	if (r == 0 && level_in(level, redundant)) {
		r = md_attr_u64(p, dev, "degraded", &degraded);
		if (r == 0)
			r = md_attr(p, dev, "sync_action", tmp, sizeof(tmp));
		if (r == 0)
			r = md_attr(p, dev, "sync_completed", tmp, sizeof(tmp));
		if (r == 0)
			r = md_sync_completed_check(tmp);
	}
	if (r == 0)
		r = sink_add(out, &desc_raid_disks, (double)disks, LABELS(L("device", dev)));
	if (r == 0)
		r = sink_add(out, &desc_degraded, (double)degraded, LABELS(L("device", dev)));
	return r;
}

/* Every /sys/block/md* with an md/ directory. A missing /sys/block is no error. */
static int md_sysfs(struct mdadm_priv *p, struct metric_sink *out)
{
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->block);
	if (r < 0)
		return 0;
	while ((r = dirscan_next(&p->block, &name, &type)) > 0) {
		char rel[512];
		struct stat st;
		if (strncmp(name, "md", 2) != 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/md", name);
		if (fstatat(dirscan_fd(&p->block), rel, &st, 0) < 0 || !S_ISDIR(st.st_mode))
			continue;
		r = md_sysfs_one(p, name, out);
		if (r < 0)
			return r;
	}
	return r;
}

static int mdadm_init(struct collector *c)
{
	struct mdadm_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->pf.fd = -1;
	p->block.fd = -1;
	p->sysfs = cfg_sysfs(c->cfg);
	int r = procfile_init(&p->pf, cfg_procfs(c->cfg), "mdstat", 0);
	if (r == 0)
		r = dirscan_init(&p->block, p->sysfs, "block");
	return r;
}

static int mdadm_collect(struct collector *c, struct metric_sink *out)
{
	struct mdadm_priv *p = c->priv;
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r; /* no /proc/mdstat: md is not loaded, node_exporter reports no data */
	r = mdstat_parse(p->pf.buf, p->pf.len, out);
	if (r < 0)
		return r;
	return md_sysfs(p, out);
}

static void mdadm_fini(struct collector *c)
{
	struct mdadm_priv *p = c->priv;
	if (!p)
		return;
	procfile_fini(&p->pf);
	dirscan_fini(&p->block);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_mdadm = {
	.name = "mdadm",
	.default_enabled = true,
	.reads = "/proc/mdstat, /sys/block/md*/md",
	.init = mdadm_init,
	.collect = mdadm_collect,
	.fini = mdadm_fini,
};
