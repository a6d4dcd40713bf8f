/*
 * cpu: per-CPU time, CPU identity and thermal throttling, as node_exporter's cpu
 * collector reports them on Linux.
 *
 * - /proc/stat, every scrape: node_cpu_seconds_total{cpu,mode} and (unless
 *   --no-collector.cpu.guest) node_cpu_guest_seconds_total{cpu,mode}, in seconds
 *   (ticks / USER_HZ), with node_exporter's guard against counters going backwards.
 * - /proc/cpuinfo, with --collector.cpu.info (implied by either include filter):
 *   node_cpu_info, node_cpu_flag_info / node_cpu_bug_info for the first CPU's flags
 *   and bugs matching the filters, and, when the cpufreq collector is enabled (its
 *   companion, which then leaves this family to it),
 *   node_cpu_frequency_hertz{package,core,cpu} from "cpu MHz". The file is read once
 *   and kept, except when the frequency is reported: "cpu MHz" changes, so it is then
 *   re-read each scrape.
 * - sysfs devices/system/cpu: node_cpu_isolated from "isolated" (read at start-up),
 *   node_cpu_core_throttles_total / node_cpu_package_throttles_total from each
 *   cpuN's topology and thermal_throttle, node_cpu_online from cpuN/online (only when
 *   the first CPU has that file). CPU directories are listed again each scrape.
 *
 * The per-CPU sysfs files (topology, thermal_throttle, online) of the first
 * CPU_HELD_MAX listed CPUs (fewer if the core grants fewer descriptors) are held open across
 * scrapes and re-read with pread at offset 0, keyed by the CPU's directory name. A CPU
 * no longer listed lets go of its files. A held file that fails to read (ENODEV: the
 * CPU or its attribute group went away on hot-unplug or offlining) is closed and
 * opened again at once, so what is reported is what a fresh open/read would give. A
 * file whose open failed with ENOENT is remembered as absent and not tried again while
 * devices/system/cpu/online reads the same: the kernel adds and removes a CPU's
 * thermal_throttle and topology groups when it brings the CPU up or down, so an absent
 * file comes only with a change of that list (an AMD CPU has no thermal_throttle, and
 * cpu0 of x86 no online file: without the memo, 2N + 1 failed opens a scrape). Where
 * the list cannot be read (a fixture without it), absent files are retried each scrape.
 *
 * Under the same rule a CPU's package and core numbers, once read while the list held,
 * are kept and not read again until the list changes or the CPU leaves it: the kernel
 * sets them when it brings the CPU up, from the hardware, and they do not change while
 * it is up. On a 128-CPU host with two threads a core that is 256 of 322 sysfs reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/cpu.h"
#include "core/collector.h"
#include "lib/cpulist.h"
#include "lib/heldattr.h"
#include "lib/procfile.h"
#include "lib/regfile.h"


static const struct metric_desc d_seconds = {
	"node_cpu_seconds_total", "Seconds each CPU spent in each mode.", METRIC_COUNTER
};
static const struct metric_desc d_guest = {
	"node_cpu_guest_seconds_total",
	"Seconds each CPU spent running guests (virtual machines), also counted in user and nice.",
	METRIC_COUNTER
};
static const struct metric_desc d_info = {
	"node_cpu_info", "Identity of each CPU as /proc/cpuinfo gives it; always 1.", METRIC_GAUGE
};
static const struct metric_desc d_freq = {
	"node_cpu_frequency_hertz", "Clock frequency of each CPU per /proc/cpuinfo, in hertz.",
	METRIC_GAUGE
};
static const struct metric_desc d_flag = {
	"node_cpu_flag_info", "CPU flags of the first CPU that pass the include filter; always 1.",
	METRIC_GAUGE
};
static const struct metric_desc d_bug = {
	"node_cpu_bug_info", "CPU bugs of the first CPU that pass the include filter; always 1.",
	METRIC_GAUGE
};
static const struct metric_desc d_core_thr = {
	"node_cpu_core_throttles_total", "Times a CPU core was thermally throttled.",
	METRIC_COUNTER
};
static const struct metric_desc d_pkg_thr = {
	"node_cpu_package_throttles_total", "Times a CPU package was thermally throttled.",
	METRIC_COUNTER
};
static const struct metric_desc d_isolated = {
	"node_cpu_isolated", "1 for each CPU the kernel keeps isolated from general scheduling.",
	METRIC_GAUGE
};
static const struct metric_desc d_online = {
	"node_cpu_online", "1 when the CPU is online, 0 when it is offline.", METRIC_GAUGE
};

static const char *const mode_names[PROCSTAT_NMODES] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "user", "nice",
};

/* An idle counter this many seconds lower than last time means a hot-plugged CPU. */
#define JUMP_BACK_SECONDS 3.0

static const struct flag_def cpu_flags[] = {
	{ "collector.cpu.guest", FLAG_BOOL, "true",
	  "Export node_cpu_guest_seconds_total.", false },
	{ "collector.cpu.info", FLAG_BOOL, "false",
	  "Export node_cpu_info and the other /proc/cpuinfo metrics.", false },
	{ "collector.cpu.info.flags-include", FLAG_REGEX, NULL,
	  "Export node_cpu_flag_info for CPU flags matching this regex (implies --collector.cpu.info).",
	  false },
	{ "collector.cpu.info.bugs-include", FLAG_REGEX, NULL,
	  "Export node_cpu_bug_info for CPU bugs matching this regex (implies --collector.cpu.info).",
	  false },
	{ .name = NULL },
};

/* ---- /proc/cpuinfo ---------------------------------------------------------------- */

/* Parse v as Go's strconv.ParseUint(v, 0, 32) would: 0x / 0o / 0b prefixes, a leading 0
 * for octal, no sign, no spaces. Returns 0 or -EINVAL. */
static int parse_uint32_base0(struct span v, uint64_t *out)
{
	int base = 10;
	struct span d = v;
	if (v.len >= 2 && v.p[0] == '0') {
		char x = (char)(v.p[1] | 0x20);
		base = x == 'x' ? 16 : x == 'o' ? 8 : x == 'b' ? 2 : 8;
		size_t skip = (x == 'x' || x == 'o' || x == 'b') ? 2 : 1;
		d = (struct span){ v.p + skip, v.len - skip };
	}
	if (d.len == 0 || d.len > 40)
		return -EINVAL;
	char tmp[48];
	memcpy(tmp, d.p, d.len);
	tmp[d.len] = '\0';
	for (size_t i = 0; i < d.len; i++) {
		char c = (char)(tmp[i] | 0x20);
		int dig = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 99;
		if (dig >= base)
			return -EINVAL;
	}
	char *end;
	unsigned long long n = strtoull(tmp, &end, base);
	if (*end != '\0' || n > UINT32_MAX)
		return -EINVAL;
	*out = n;
	return 0;
}

/* Parse v as a float with nothing around it. Returns 0 or -EINVAL. */
static int parse_float_exact(struct span v, double *out)
{
	if (v.len == 0 || span_trim(v).len != v.len)
		return -EINVAL;
	return span_double(v, out) < 0 ? -EINVAL : 0;
}

/* Whether key names a field that must hold an unsigned number. */
static bool key_is_strict_uint(struct span k)
{
	return span_eq(k, "siblings") || span_eq(k, "cpu cores") || span_eq(k, "cpuid level") ||
	       span_eq(k, "clflush size") || span_eq(k, "cache_alignment");
}

/* Store a string field of a record. Returns whether key was one of them. */
static bool set_string_field(struct cpuinfo_cpu *c, struct span k, struct span v)
{
	struct span *dst = NULL;
	if (span_eq(k, "vendor") || span_eq(k, "vendor_id"))
		dst = &c->vendor;
	else if (span_eq(k, "cpu family"))
		dst = &c->family;
	else if (span_eq(k, "model"))
		dst = &c->model;
	else if (span_eq(k, "model name"))
		dst = &c->model_name;
	else if (span_eq(k, "stepping"))
		dst = &c->stepping;
	else if (span_eq(k, "microcode"))
		dst = &c->microcode;
	else if (span_eq(k, "cache size"))
		dst = &c->cachesize;
	else if (span_eq(k, "physical id"))
		dst = &c->physical_id;
	else if (span_eq(k, "core id"))
		dst = &c->core_id;
	else if (span_eq(k, "flags"))
		dst = &c->flags;
	else if (span_eq(k, "bugs"))
		dst = &c->bugs;
	if (dst)
		*dst = v;
	return dst != NULL;
}

/* Split a line at its first ": " into a trimmed key and the raw value. Lines without
 * ": " give no field (their key would keep the colon and match nothing). */
static bool split_field(struct span line, struct span *k, struct span *v)
{
	const char *sep = line.len >= 2 ? memmem(line.p, line.len, ": ", 2) : NULL;
	if (!sep)
		return false;
	*k = span_trim((struct span){ line.p, (size_t)(sep - line.p) });
	*v = (struct span){ sep + 2, line.len - (size_t)(sep - line.p) - 2 };
	/* The kernel never writes a NUL here; a hostile file's value ends at one, so no
	 * NUL reaches a label value. */
	const char *nul = memchr(v->p, '\0', v->len);
	if (nul)
		v->len = (size_t)(nul - v->p);
	return true;
}

/* A record with every text field empty (not NULL: spans are walked and copied). */
static void blank_record(struct cpuinfo_cpu *c)
{
	struct span e = { "", 0 };
	*c = (struct cpuinfo_cpu){ .vendor = e, .family = e, .model = e, .model_name = e,
				   .stepping = e, .microcode = e, .cachesize = e,
				   .physical_id = e, .core_id = e, .flags = e, .bugs = e };
}

/* Take the next line without a trailing '\r'. */
static bool next_line(struct cursor *cur, struct span *line)
{
	if (!cursor_line(cur, line))
		return false;
	if (line->len && line->p[line->len - 1] == '\r')
		line->len--;
	return true;
}

/* Apply one "key: value" field to the record being built, handing the finished record
 * to fn when a new "processor" starts. Returns 0, -EINVAL or fn's error. */
static int apply_field(struct cpuinfo_cpu *c, struct span k, struct span v, cpuinfo_fn fn,
		       void *ctx)
{
	uint64_t u;
	double d;
	if (span_eq(k, "processor")) {
		int r = fn(ctx, c);
		if (r < 0)
			return r;
		blank_record(c);
		return parse_uint32_base0(v, &c->processor);
	}
	if (span_eq(k, "cpu MHz"))
		return parse_float_exact(v, &c->mhz);
	if (span_eq(k, "bogomips"))
		return parse_float_exact(v, &d);
	if (key_is_strict_uint(k))
		return parse_uint32_base0(v, &u);
	set_string_field(c, k, v);
	return 0;
}

int cpuinfo_parse(const char *buf, size_t len, cpuinfo_fn fn, void *ctx)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line = { buf, 0 }, k, v;
	struct cpuinfo_cpu c;
	bool found = false;
	blank_record(&c);
	while (!found && next_line(&cur, &line))
		found = span_trim(line).len > 0;
	if (!found || !span_starts(line, "processor") || !split_field(line, &k, &v))
		return -EINVAL;
	if (parse_uint32_base0(v, &c.processor) < 0)
		return -EINVAL;
	while (next_line(&cur, &line)) {
		if (!split_field(line, &k, &v))
			continue;
		int r = apply_field(&c, k, v, fn, ctx);
		if (r < 0)
			return r;
	}
	return fn(ctx, &c);
}

struct info_ctx {
	const struct cpu_info_opts *o;
	struct metric_sink *out;
	size_t seen;
};

/* Add each word of list that passes re as a series of d labelled name. */
static int emit_words(struct metric_sink *out, const struct metric_desc *d, const char *name,
		      struct span list, const struct regex *re)
{
	struct span w;
	int r = 0;
	while (r == 0 && span_word(&list, &w))
		if (regex_match(re, w.p, w.len))
			r = sink_add(out, d, 1, LABELS(LS(name, w)));
	return r;
}

/* cpuinfo_fn for cpu_info_emit: one processor's series. */
static int info_one(void *ctx, const struct cpuinfo_cpu *c)
{
	struct info_ctx *ic = ctx;
	char cpu[24];
	snprintf(cpu, sizeof(cpu), "%llu", (unsigned long long)c->processor);
	/* Label names in byte order, as node_exporter prints them and sorts series. */
	int r = sink_add(ic->out, &d_info, 1,
			 LABELS(LS("cachesize", c->cachesize), LS("core", c->core_id), L("cpu", cpu),
				LS("family", c->family), LS("microcode", c->microcode),
				LS("model", c->model), LS("model_name", c->model_name),
				LS("package", c->physical_id), LS("stepping", c->stepping),
				LS("vendor", c->vendor)));
	if (r == 0 && ic->o->freq)
		r = sink_add(ic->out, &d_freq, c->mhz * 1e6,
			     LABELS(LS("core", c->core_id), L("cpu", cpu),
				    LS("package", c->physical_id)));
	if (r == 0 && ic->seen == 0 && ic->o->flags)
		r = emit_words(ic->out, &d_flag, "flag", c->flags, ic->o->flags);
	if (r == 0 && ic->seen == 0 && ic->o->bugs)
		r = emit_words(ic->out, &d_bug, "bug", c->bugs, ic->o->bugs);
	ic->seen++;
	return r;
}

int cpu_info_emit(const char *buf, size_t len, const struct cpu_info_opts *o,
		  struct metric_sink *out)
{
	struct info_ctx ic = { o, out, 0 };
	return cpuinfo_parse(buf, len, info_one, &ic);
}

/* ---- /proc/stat ------------------------------------------------------------------- */

/* Make room for one more entry in both arrays. Returns 0, -E2BIG or -ENOMEM. */
static int stats_grow(struct cpu_stats *st)
{
	size_t max = st->max ? st->max : 65536;
	if (st->nnext < st->cap)
		return 0;
	if (st->cap >= max)
		return -E2BIG;
	size_t cap = st->cap ? st->cap * 2 : 64;
	cap = cap > max ? max : cap;
	struct cpu_stat_entry *a = realloc(st->cur, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	st->cur = a;
	a = realloc(st->next, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	st->next = a;
	st->cap = cap;
	return 0;
}

/* procstat_fn: record one CPU's times in st->next (a repeated CPU: the last wins). */
static int stats_add(void *ctx, int64_t id, const double secs[PROCSTAT_NMODES])
{
	struct cpu_stats *st = ctx;
	size_t i = st->nnext;
	if (i > 0 && id <= st->next[i - 1].id) {
		for (i = 0; i < st->nnext && st->next[i].id != id; i++)
			;
	}
	if (i == st->nnext) {
		int r = stats_grow(st);
		if (r < 0)
			return r;
		st->nnext++;
	}
	st->next[i].id = id;
	memcpy(st->next[i].v, secs, sizeof(st->next[i].v));
	return 0;
}

/* The entry of cur for CPU id, looking at index hint first; NULL if none. */
static const struct cpu_stat_entry *stats_find(const struct cpu_stats *st, int64_t id,
					       size_t hint)
{
	if (hint < st->ncur && st->cur[hint].id == id)
		return &st->cur[hint];
	for (size_t i = 0; i < st->ncur; i++)
		if (st->cur[i].id == id)
			return &st->cur[i];
	return NULL;
}

/* Fold the previous report old (NULL: none) into the new reading n. */
static void fold(struct cpu_stat_entry *n, const struct cpu_stat_entry *old)
{
	static const struct cpu_stat_entry zero;
	if (!old || old->v[PROCSTAT_IDLE] - n->v[PROCSTAT_IDLE] >= JUMP_BACK_SECONDS)
		old = &zero;
	for (int m = 0; m < PROCSTAT_NMODES; m++)
		if (!(n->v[m] >= old->v[m]))
			n->v[m] = old->v[m];
}

int cpu_stats_update(struct cpu_stats *st, const char *buf, size_t len)
{
	struct procstat ps;
	st->nnext = 0;
	int r = procstat_parse(buf, len, &ps, stats_add, st);
	if (r < 0)
		return r;
	for (size_t i = 0; i < st->nnext; i++)
		fold(&st->next[i], stats_find(st, st->next[i].id, i));
	struct cpu_stat_entry *t = st->cur;
	st->cur = st->next;
	st->next = t;
	st->ncur = st->nnext;
	st->nnext = 0;
	return 0;
}

int cpu_stats_emit(const struct cpu_stats *st, bool guest, struct metric_sink *out)
{
	int nmodes = guest ? PROCSTAT_NMODES : PROCSTAT_GUEST;
	int r = 0;
	for (size_t i = 0; i < st->ncur && r == 0; i++) {
		char cpu[24];
		snprintf(cpu, sizeof(cpu), "%lld", (long long)st->cur[i].id);
		for (int m = 0; m < nmodes && r == 0; m++)
			r = sink_add(out, m < PROCSTAT_GUEST ? &d_seconds : &d_guest,
				     st->cur[i].v[m], LABELS(L("cpu", cpu), L("mode", mode_names[m])));
	}
	return r;
}

void cpu_stats_fini(struct cpu_stats *st)
{
	free(st->cur);
	free(st->next);
	*st = (struct cpu_stats){ 0 };
}

/* ---- the collector ---------------------------------------------------------------- */

struct pkg_throttle {
	uint64_t pkg, count;
};
struct core_throttle {
	uint64_t pkg, core, count;
};

/* The per-CPU sysfs files read each scrape, relative to the cpuN directory. */
enum cpu_attr { CA_PKG_ID, CA_CORE_ID, CA_CORE_THR, CA_PKG_THR, CA_ONLINE, CA_N };
static const char *const cpu_attr_rel[CA_N] = {
	"topology/physical_package_id", "topology/core_id",
	"thermal_throttle/core_throttle_count", "thermal_throttle/package_throttle_count",
	"online",
};

#define CPU_HELD_MAX 256 /* CPUs whose files are held open, at most */

/* One CPU whose attribute files are held open. */
struct cpu_held {
	int fd[CA_N];   /* >= 0 held, -1 not open, < -1 the -errno of an open known absent */
	uint64_t pkg, core; /* topology/physical_package_id and core_id, when topo */
	bool topo;      /* pkg and core were read under an online list that still holds */
	bool used;      /* the slot holds a CPU */
	bool seen;      /* listed in the current scrape */
	char name[CPULIST_NAME_MAX];
};

struct cpu_priv {
	struct procfile stat;
	struct procfile cpuinfo;
	struct cpu_stats stats;
	struct cpulist cpus;
	bool guest, info, freq, cpuinfo_loaded;
	struct regex *flags_re, *bugs_re;
	uint16_t *isolated;     /* NULL when the kernel has no isolated file */
	size_t nisolated;
	struct pkg_throttle *pkgs;
	size_t npkgs, pkgs_cap;
	struct core_throttle *cores;
	size_t ncores, cores_cap;
	size_t nheld_max;               /* slots of held[] in use at most (fd budget) */
	struct procfile online;         /* devices/system/cpu/online */
	bool online_same;               /* it read as last scrape: absent files stay so */
	char online_last[256];          /* its last contents ("" unknown or too long) */
	int16_t slot_of[CPU_HELD_MAX];  /* held[] slot of cpus.names[i], i < nheld_max */
	struct cpu_held held[CPU_HELD_MAX];
};

/* Grow a throttle array *a (elements of size sz, capacity *cap) to hold n+1.
 * Returns 0 or -ENOMEM. */
static int grow_slots(void **a, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *p = realloc(*a, c * sz);
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = c;
	return 0;
}

/* Close h's files and free its slot. Accepts a free slot (which holds no file). */
static void held_close(struct cpu_held *h)
{
	if (!h->used)
		return;
	for (int a = 0; a < CA_N; a++) {
		if (h->fd[a] >= 0)
			close(h->fd[a]);
		h->fd[a] = -1;
	}
	h->used = h->topo = false;
}

/* Read devices/system/cpu/online and set online_same: whether it reads as it did last
 * scrape. When it does not, every file remembered as absent is tried again, and none is
 * remembered this scrape: a CPU is listed online a moment before the kernel has made
 * its groups, so only a list that held for a whole scrape interval is trusted. */
static void online_check(struct cpu_priv *p)
{
	bool ok = procfile_read(&p->online) == 0 && p->online.len > 0 &&
		  p->online.len < sizeof(p->online_last);
	p->online_same = ok && strcmp(p->online.buf, p->online_last) == 0;
	if (p->online_same)
		return;
	for (size_t k = 0; k < p->nheld_max; k++)
		for (int a = 0; a < CA_N; a++)
			if (p->held[k].fd[a] < -1)
				p->held[k].fd[a] = -1;
	p->online_last[0] = '\0';
	if (ok)
		memcpy(p->online_last, p->online.buf, p->online.len + 1);
}

/* Match the listed CPUs (the first nheld_max of them) to held slots: a CPU held before
 * keeps its slot, CPUs no longer listed let go of their files, new ones take a free
 * slot with nothing open yet. Allocates nothing. */
static void held_sync(struct cpu_priv *p)
{
	size_t n = p->cpus.n < p->nheld_max ? p->cpus.n : p->nheld_max;
	for (size_t k = 0; k < p->nheld_max; k++)
		p->held[k].seen = false;
	for (size_t i = 0; i < n; i++) {
		const char *name = p->cpus.names[i];
		p->slot_of[i] = -1;
		for (size_t j = 0; j < p->nheld_max; j++) {
			size_t k = (i + j) % p->nheld_max; /* slot i is the likely one */
			struct cpu_held *h = &p->held[k];
			if (h->used && !h->seen && strcmp(h->name, name) == 0) {
				h->seen = true;
				p->slot_of[i] = (int16_t)k;
				break;
			}
		}
	}
	for (size_t k = 0; k < p->nheld_max; k++)
		if (!p->held[k].seen)
			held_close(&p->held[k]);
	/* at most n slots are seen, so each new CPU finds a free one */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p->slot_of[i] >= 0)
			continue;
		while (p->held[k].used)
			k++;
		struct cpu_held *h = &p->held[k];
		memcpy(h->name, p->cpus.names[i], sizeof(h->name));
		h->used = h->seen = true;
		p->slot_of[i] = (int16_t)k;
	}
}

/* Read attribute a of CPU cpus.names[i] into buf[cap] (cap > 0), with read_attr's
 * result: through its held file when the CPU has a slot (opening and keeping it if it
 * is not open yet; a held file that fails is closed and opened afresh), else by plain
 * open/read/close. Returns 0 or -errno. */
static int cpu_attr_read(struct cpu_priv *p, size_t i, enum cpu_attr a, char *buf,
			 size_t cap)
{
	char path[CPULIST_NAME_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", p->cpus.names[i], cpu_attr_rel[a]);
	if (i >= p->nheld_max)
		return read_attr(cpulist_fd(&p->cpus), path, buf, cap);
	struct cpu_held *h = &p->held[p->slot_of[i]];
	if (h->fd[a] < -1) {
		buf[0] = '\0';
		return h->fd[a]; /* absent, and the online list has not changed since */
	}
	if (h->fd[a] >= 0) {
		if (heldattr_pread(h->fd[a], buf, cap) == 0)
			return 0;
		close(h->fd[a]); /* gone (ENODEV) or failing: open it again */
		h->fd[a] = -1;
	}
	int fd = regfile_open(cpulist_fd(&p->cpus), path, NULL);
	if (fd < 0) {
		buf[0] = '\0';
		if (fd == -ENOENT && p->online_same)
			h->fd[a] = fd;
		return fd;
	}
	int r = heldattr_pread(fd, buf, cap);
	if (r < 0)
		close(fd);
	else
		h->fd[a] = fd;
	return r;
}

/* Read attribute a of CPU cpus.names[i] as an unsigned number. Returns 0 or -errno. */
static int read_cpu_u64(struct cpu_priv *p, size_t i, enum cpu_attr a, uint64_t *v)
{
	char buf[64];
	int r = cpu_attr_read(p, i, a, buf, sizeof(buf));
	if (r < 0)
		return r;
	return span_u64(span_cstr(buf), v);
}

/* CPU cpus.names[i]'s package and core numbers into *pkg and *core: kept from an earlier
 * scrape when the online list has held since (see the file's notes), else read, and
 * kept if the list holds now. Returns 0 or -errno (the CPU has no topology). */
static int cpu_topology(struct cpu_priv *p, size_t i, uint64_t *pkg, uint64_t *core)
{
	struct cpu_held *h = i < p->nheld_max ? &p->held[p->slot_of[i]] : NULL;
	if (h && h->topo && p->online_same) {
		*pkg = h->pkg;
		*core = h->core;
		return 0;
	}
	int r = read_cpu_u64(p, i, CA_PKG_ID, pkg);
	if (r == 0)
		r = read_cpu_u64(p, i, CA_CORE_ID, core);
	if (h) {
		h->topo = r == 0 && p->online_same;
		h->pkg = h->topo ? *pkg : 0;
		h->core = h->topo ? *core : 0;
	}
	return r;
}

/* Record package pkg's throttle count from CPU i, unless already known.
 * Returns 0 or -ENOMEM. */
static int note_package(struct cpu_priv *p, size_t cpu, uint64_t pkg)
{
	uint64_t n;
	for (size_t i = 0; i < p->npkgs; i++)
		if (p->pkgs[i].pkg == pkg)
			return 0;
	if (read_cpu_u64(p, cpu, CA_PKG_THR, &n) < 0)
		return 0;
	int r = grow_slots((void **)&p->pkgs, &p->pkgs_cap, p->npkgs, sizeof(*p->pkgs));
	if (r == 0)
		p->pkgs[p->npkgs++] = (struct pkg_throttle){ pkg, n };
	return r;
}

/* Record core (pkg, core)'s throttle count from CPU i, unless already known.
 * Returns 0 or -ENOMEM. */
static int note_core(struct cpu_priv *p, size_t cpu, uint64_t pkg, uint64_t core)
{
	uint64_t n;
	for (size_t i = 0; i < p->ncores; i++)
		if (p->cores[i].pkg == pkg && p->cores[i].core == core)
			return 0;
	if (read_cpu_u64(p, cpu, CA_CORE_THR, &n) < 0)
		return 0;
	int r = grow_slots((void **)&p->cores, &p->cores_cap, p->ncores, sizeof(*p->cores));
	if (r == 0)
		p->cores[p->ncores++] = (struct core_throttle){ pkg, core, n };
	return r;
}

/* Throttle counters: per core and per package, each read from the first CPU (in glob
 * order) of that core or package that has it. CPUs without topology are skipped. */
static int collect_throttle(struct cpu_priv *p, struct metric_sink *out)
{
	int r = 0;
	p->npkgs = p->ncores = 0;
	for (size_t i = 0; i < p->cpus.n && r == 0; i++) {
		uint64_t pkg = 0, core = 0;
		if (cpu_topology(p, i, &pkg, &core) < 0)
			continue;
		r = note_core(p, i, pkg, core);
		if (r == 0)
			r = note_package(p, i, pkg);
	}
	char a[24], b[24];
	for (size_t i = 0; i < p->npkgs && r == 0; i++) {
		snprintf(a, sizeof(a), "%llu", (unsigned long long)p->pkgs[i].pkg);
		r = sink_add(out, &d_pkg_thr, (double)p->pkgs[i].count, LABELS(L("package", a)));
	}
	for (size_t i = 0; i < p->ncores && r == 0; i++) {
		snprintf(a, sizeof(a), "%llu", (unsigned long long)p->cores[i].pkg);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)p->cores[i].core);
		r = sink_add(out, &d_core_thr, (double)p->cores[i].count,
			     LABELS(L("core", b), L("package", a)));
	}
	return r;
}

/* node_cpu_online for every CPU directory, if the first one has an "online" file.
 * Returns 0 or the sink's -errno. */
static int collect_online(struct cpu_priv *p, struct metric_sink *out)
{
	char buf[16];
	int r = 0;
	if (p->cpus.n == 0)
		return 0;
	if (cpu_attr_read(p, 0, CA_ONLINE, buf, sizeof(buf)) == -ENOENT)
		return 0;
	for (size_t i = 0; i < p->cpus.n && r == 0; i++) {
		const char *name = p->cpus.names[i];
		bool on = cpu_attr_read(p, i, CA_ONLINE, buf, sizeof(buf)) == 0 &&
			  span_eq(span_trim(span_cstr(buf)), "1");
		r = sink_add(out, &d_online, on ? 1 : 0, LABELS(L("cpu", name + 3)));
	}
	return r;
}

/* node_cpu_isolated for the CPUs listed at start-up. */
static int collect_isolated(const struct cpu_priv *p, struct metric_sink *out)
{
	int r = 0;
	for (size_t i = 0; i < p->nisolated && r == 0; i++) {
		char cpu[8];
		snprintf(cpu, sizeof(cpu), "%u", (unsigned)p->isolated[i]);
		r = sink_add(out, &d_isolated, 1, LABELS(L("cpu", cpu)));
	}
	return r;
}

/* The /proc/cpuinfo families. Reads the file the first time, and every time when the
 * frequency (which changes) is reported. Returns 0 or -errno. */
static int collect_info(struct cpu_priv *p, struct metric_sink *out)
{
	if (!p->cpuinfo_loaded || p->freq) {
		int r = procfile_read(&p->cpuinfo);
		if (r < 0)
			return r;
		p->cpuinfo_loaded = true;
	}
	struct cpu_info_opts o = { p->freq, p->flags_re, p->bugs_re };
	return cpu_info_emit(p->cpuinfo.buf, p->cpuinfo.len, &o, out);
}

/* Read sysfs devices/system/cpu/isolated into p->isolated. A missing file is not an
 * error (no series); a malformed one is -EINVAL. Allocates at start-up only. */
static int load_isolated(struct cpu_priv *p, const char *sysfs)
{
	struct procfile pf;
	int r = procfile_init(&pf, sysfs, "devices/system/cpu/isolated", 1u << 20);
	if (r < 0)
		return r;
	r = procfile_read(&pf);
	if (r < 0)
		goto out_fini;
	p->isolated = malloc(65536 * sizeof(*p->isolated));
	if (!p->isolated) {
		r = -ENOMEM;
		goto out_fini;
	}
	r = cpu_range_parse(pf.buf, pf.len, p->isolated, 65536, &p->nisolated);
out_fini:
	procfile_fini(&pf);
	return r == -ENOENT ? 0 : r;
}

/* Compile an optional include filter flag into *re (NULL when unset or empty). */
static int compile_filter(const struct plumb_config *cfg, const char *flag, struct regex **re)
{
	const char *pat = cfg_str(cfg, flag);
	if (!pat || !*pat)
		return 0;
	return regex_compile(pat, re, NULL, 0);
}

/* Claim the per-CPU attribute files it may hold. */
static int cpu_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, (uint64_t)CPU_HELD_MAX * CA_N);
}

/* Read flags, compile filters, load the isolated list and point the files at their
 * roots. Returns 0 or -errno (fini then frees what was made). */
static int cpu_init(struct collector *c)
{
	struct cpu_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->stat.fd = p->cpuinfo.fd = p->online.fd = p->cpus.ds.fd = -1;
	for (size_t k = 0; k < CPU_HELD_MAX; k++)
		for (int a = 0; a < CA_N; a++)
			p->held[k].fd[a] = -1;
	c->priv = p;
	uint64_t budget = c->fd_budget / CA_N;
	p->nheld_max = budget < CPU_HELD_MAX ? (size_t)budget : CPU_HELD_MAX;
	p->guest = cfg_bool(c->cfg, "collector.cpu.guest");
	int r = compile_filter(c->cfg, "collector.cpu.info.flags-include", &p->flags_re);
	if (r == 0)
		r = compile_filter(c->cfg, "collector.cpu.info.bugs-include", &p->bugs_re);
	if (r < 0)
		return r;
	p->info = cfg_bool(c->cfg, "collector.cpu.info") || p->flags_re || p->bugs_re;
	p->freq = p->info && c->companion_enabled;
	r = procfile_init(&p->stat, cfg_procfs(c->cfg), "stat", 0);
	procfile_set_whole(&p->stat); /* single_open_size; cpuinfo is made a CPU at a time */
	if (r == 0)
		r = procfile_init(&p->cpuinfo, cfg_procfs(c->cfg), "cpuinfo", 0);
	if (r == 0)
		r = cpulist_init(&p->cpus, cfg_sysfs(c->cfg));
	if (r == 0)
		r = procfile_init(&p->online, cfg_sysfs(c->cfg), "devices/system/cpu/online", 4096);
	procfile_set_whole(&p->online); /* a sysfs attribute */
	if (r == 0)
		r = load_isolated(p, cfg_sysfs(c->cfg));
	return r;
}

/* One scrape: cpuinfo (if enabled), /proc/stat, isolated, throttling, online.
 * Returns 0 or -errno; /proc/stat or cpuinfo missing or malformed fails the scrape. */
static int cpu_collect(struct collector *c, struct metric_sink *out)
{
	struct cpu_priv *p = c->priv;
	int r = p->info ? collect_info(p, out) : 0;
	if (r == 0)
		r = procfile_read(&p->stat);
	if (r == 0)
		r = cpu_stats_update(&p->stats, p->stat.buf, p->stat.len);
	if (r == 0)
		r = cpu_stats_emit(&p->stats, p->guest, out);
	if (r == 0)
		r = collect_isolated(p, out);
	if (r < 0)
		return r;
	if (cpulist_scan(&p->cpus) < 0)
		p->cpus.n = 0; /* no CPU directories: nothing to report from sysfs */
	held_sync(p);
	online_check(p);
	r = collect_throttle(p, out);
	if (r == 0)
		r = collect_online(p, out);
	return r;
}

/* Free everything; accepts a collector whose init failed half-way. */
static void cpu_fini(struct collector *c)
{
	struct cpu_priv *p = c->priv;
	if (!p)
		return;
	procfile_fini(&p->stat);
	procfile_fini(&p->cpuinfo);
	procfile_fini(&p->online);
	cpu_stats_fini(&p->stats);
	for (size_t k = 0; k < CPU_HELD_MAX; k++)
		held_close(&p->held[k]);
	cpulist_fini(&p->cpus);
	regex_free(p->flags_re);
	regex_free(p->bugs_re);
	free(p->isolated);
	free(p->pkgs);
	free(p->cores);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_cpu = {
	.name = "cpu",
	.default_enabled = true,
	.reads = "/proc/stat, /proc/cpuinfo, sysfs devices/system/cpu",
	.flags = cpu_flags,
	.companion = "cpufreq",
	.declare = cpu_declare,
	.init = cpu_init,
	.collect = cpu_collect,
	.fini = cpu_fini,
};
