/*
 * perf: hardware, software and cache counters of the kernel's perf subsystem for each
 * CPU, and kernel tracepoints counted per CPU, as node_exporter's perf collector (off by
 * default) reports them.
 *
 * Every event is opened once, at init, for every process on one CPU (pid -1), while
 * plumb still has the privileges it started with (perf_event_paranoid above 0 reserves
 * CPU-wide events to root and CAP_PERFMON); a collection is then one read() per held
 * descriptor, which the sandbox allows, so the seccomp filter never needs to let
 * perf_event_open through. The CPUs are --collector.perf.cpus ("0-3,5", "0-10:5"), or
 * as node_exporter takes them, CPUs 0 to N-1 where N is the count plumb may run on.
 * Counters the kernel refuses (no PMU in a virtual machine: no hardware or cache
 * counters; perf_event_paranoid) are logged once, by kind and why, and left out, as
 * node_exporter leaves them out. Tracepoints (--collector.perf.tracepoint
 * subsystem:event) are found in tracefs beneath --path.sysfs (kernel/tracing, then
 * kernel/debug/tracing, where node_exporter looks) and opened per CPU as one group; one
 * that cannot be found or opened keeps the collector from starting, with an error
 * naming it (node_exporter refuses to start then).
 *
 * Steady state: the descriptors, the group read buffer and the values are made at
 * init; a collection reads into them and allocates nothing.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/perf.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/perfev.h"
#include "lib/procfile.h"
#include "lib/strparse.h"

static const struct flag_def perf_flags[] = {
	{ "collector.perf.cpus", FLAG_STRING, "",
	  "CPUs to count perf events on, as 0-3,5 or with a stride 0-10:5; empty means CPUs "
	  "0 to N-1 for the N CPUs plumb may run on.",
	  false },
	{ "collector.perf.tracepoint", FLAG_STRING, NULL,
	  "Kernel tracepoint to count on each CPU, as subsystem:event (sched:sched_switch). "
	  "Repeat for more.",
	  true },
	{ NULL, 0, NULL, NULL, false },
};

enum perf_kind { KIND_SOFTWARE, KIND_HARDWARE, KIND_CACHE, KIND_N };

static const char *const kind_names[KIND_N] = { "software", "hardware", "cache" };

/* One counter opened on each CPU. */
struct perf_def {
	enum perf_kind kind;
	uint32_t type;   /* enum perfev_type */
	uint64_t config;
	struct metric_desc desc;
};

/* cache ids, ops and results of PERFEV_CACHE (linux/perf_event.h) */
enum { C_L1D = 0, C_L1I = 1, C_LL = 2, C_ITLB = 4, C_BPU = 5 };
enum { OP_READ = 0, OP_WRITE = 1 };
enum { RES_ACCESS = 0, RES_MISS = 1 };

#define SW(cfg, name, help)                                                                \
	{ KIND_SOFTWARE, PERFEV_SOFTWARE, (cfg), { "node_perf_" name, help, METRIC_COUNTER } }
#define HW(cfg, name, help)                                                                \
	{ KIND_HARDWARE, PERFEV_HARDWARE, (cfg), { "node_perf_" name, help, METRIC_COUNTER } }
#define CACHE(c, op, res, name, help)                                                      \
	{ KIND_CACHE, PERFEV_HW_CACHE, PERFEV_CACHE(c, op, res),                          \
	  { "node_perf_" name, help, METRIC_COUNTER } }

/* Software counters first: when descriptors run short, they are the ones kept. */
static const struct perf_def perf_defs[] = {
	SW(2, "page_faults_total", "Page faults taken on the CPU."),
	SW(3, "context_switches_total", "Context switches on the CPU."),
	SW(4, "cpu_migrations_total", "Task migrations between CPUs counted on the CPU."),
	SW(5, "minor_faults_total", "Minor page faults (served without I/O) taken on the CPU."),
	SW(6, "major_faults_total", "Major page faults (that needed I/O) taken on the CPU."),
	HW(0, "cpucycles_total", "CPU cycles of the CPU; their rate follows its frequency."),
	HW(1, "instructions_total", "Instructions the CPU retired."),
	HW(2, "cache_refs_total", "Cache references of the CPU, usually to the last-level cache."),
	HW(3, "cache_misses_total", "Cache references of the CPU that missed, usually in the "
				    "last-level cache."),
	HW(4, "branch_instructions_total", "Branch instructions the CPU retired."),
	HW(5, "branch_misses_total", "Branches the CPU mispredicted."),
	HW(7, "stalled_cycles_frontend_total", "Cycles the CPU's front end stalled."),
	HW(8, "stalled_cycles_backend_total", "Cycles the CPU's back end stalled."),
	HW(9, "ref_cpucycles_total", "Reference cycles of the CPU, at a constant rate whatever "
				     "its frequency."),
	CACHE(C_L1D, OP_READ, RES_ACCESS, "cache_l1d_read_hits_total",
	      "Reads of the CPU's L1 data cache (accesses, as the kernel counts them)."),
	CACHE(C_L1D, OP_READ, RES_MISS, "cache_l1d_read_misses_total",
	      "Reads that missed the CPU's L1 data cache."),
	CACHE(C_L1D, OP_WRITE, RES_ACCESS, "cache_l1d_write_hits_total",
	      "Writes to the CPU's L1 data cache (accesses, as the kernel counts them)."),
	CACHE(C_L1I, OP_READ, RES_MISS, "cache_l1_instr_read_misses_total",
	      "Reads that missed the CPU's L1 instruction cache."),
	CACHE(C_ITLB, OP_READ, RES_ACCESS, "cache_tlb_instr_read_hits_total",
	      "Lookups in the CPU's instruction TLB (accesses, as the kernel counts them)."),
	CACHE(C_ITLB, OP_READ, RES_MISS, "cache_tlb_instr_read_misses_total",
	      "Lookups that missed the CPU's instruction TLB."),
	CACHE(C_LL, OP_READ, RES_ACCESS, "cache_ll_read_hits_total",
	      "Reads of the last-level cache from the CPU (accesses, as the kernel counts them)."),
	CACHE(C_LL, OP_READ, RES_MISS, "cache_ll_read_misses_total",
	      "Reads from the CPU that missed the last-level cache."),
	CACHE(C_LL, OP_WRITE, RES_ACCESS, "cache_ll_write_hits_total",
	      "Writes to the last-level cache from the CPU (accesses, as the kernel counts them)."),
	CACHE(C_LL, OP_WRITE, RES_MISS, "cache_ll_write_misses_total",
	      "Writes from the CPU that missed the last-level cache."),
	CACHE(C_BPU, OP_READ, RES_ACCESS, "cache_bpu_read_hits_total",
	      "Lookups in the CPU's branch prediction unit (accesses, as the kernel counts them)."),
	CACHE(C_BPU, OP_READ, RES_MISS, "cache_bpu_read_misses_total",
	      "Lookups in the CPU's branch prediction unit that missed."),
};

#define PERF_NDEFS (sizeof(perf_defs) / sizeof(perf_defs[0]))

/* ---- the flag parsers (pure) ---------------------------------------------------------- */

/* Go's strconv.Atoi of s into a CPU number: 0 or -EINVAL (also above PERF_CPU_MAX). */
static int cpu_number(struct span s, int64_t *out)
{
	int r = span_atoi(s, out);
	if (r < 0 || *out < 0 || *out > PERF_CPU_MAX)
		return -EINVAL;
	return 0;
}

/* Add cpu to out unless seen already. Returns 0 or -E2BIG. */
static int cpu_add(uint64_t *seen, uint16_t cpu, uint16_t *out, size_t cap, size_t *n)
{
	uint64_t bit = UINT64_C(1) << (cpu % 64);
	if (seen[cpu / 64] & bit)
		return 0;
	if (*n >= cap)
		return -E2BIG;
	seen[cpu / 64] |= bit;
	out[(*n)++] = cpu;
	return 0;
}

/* One item of the list: "N", "A-B" or "A-B:S". Returns 0, -EINVAL or -E2BIG. */
static int cpu_item(struct span it, uint64_t *seen, uint16_t *out, size_t cap, size_t *n)
{
	int64_t a, b, stride = 1;
	const char *dash = it.len ? memchr(it.p, '-', it.len) : NULL;
	if (!dash) {
		int r = cpu_number(it, &a);
		return r < 0 ? r : cpu_add(seen, (uint16_t)a, out, cap, n);
	}
	struct span range = it;
	const char *colon = memchr(it.p, ':', it.len);
	if (colon) {
		struct span st = { colon + 1, (size_t)(it.p + it.len - colon - 1) };
		range.len = (size_t)(colon - it.p);
		if (span_atoi(st, &stride) < 0 || stride < 1)
			return -EINVAL;
	}
	/* exactly one '-' in the range, between two numbers */
	dash = memchr(range.p, '-', range.len);
	if (!dash)
		return -EINVAL; /* the '-' was in the stride */
	struct span lo = { range.p, (size_t)(dash - range.p) };
	struct span hi = { dash + 1, (size_t)(range.p + range.len - dash - 1) };
	if (cpu_number(lo, &a) < 0 || cpu_number(hi, &b) < 0)
		return -EINVAL;
	for (int64_t c = a; c <= b; c += stride) {
		int r = cpu_add(seen, (uint16_t)c, out, cap, n);
		if (r < 0)
			return r;
	}
	return 0;
}

int perf_cpus_parse(const char *s, size_t len, uint16_t *out, size_t cap, size_t *n)
{
	uint64_t seen[(PERF_CPU_MAX + 1) / 64];
	size_t i = 0;
	int r = len && len <= PERF_CPUS_TEXT_MAX ? 0 : -EINVAL;
	memset(seen, 0, sizeof(seen));
	*n = 0;
	while (r == 0 && i <= len) {
		const char *comma = memchr(s + i, ',', len - i);
		size_t end = comma ? (size_t)(comma - s) : len;
		r = cpu_item((struct span){ s + i, end - i }, seen, out, cap, n);
		i = end + 1;
	}
	if (r < 0)
		*n = 0;
	return r;
}

/* Whether s[0..len) is 1 to PERF_TP_PART_MAX of [A-Za-z0-9_]. */
static bool tp_part_ok(const char *s, size_t len)
{
	if (len == 0 || len > PERF_TP_PART_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

int perf_tracepoint_parse(const char *s, size_t len, struct perf_tracepoint *tp)
{
	const char *colon = len ? memchr(s, ':', len) : NULL;
	if (!colon)
		return -EINVAL;
	size_t sl = (size_t)(colon - s), el = len - sl - 1;
	if (!tp_part_ok(s, sl) || !tp_part_ok(colon + 1, el))
		return -EINVAL;
	memcpy(tp->sys, s, sl);
	tp->sys[sl] = '\0';
	memcpy(tp->event, colon + 1, el);
	tp->event[el] = '\0';
	snprintf(tp->metric, sizeof(tp->metric), "node_perf_%s_%s", tp->sys, tp->event);
	snprintf(tp->help, sizeof(tp->help), "Times the kernel tracepoint %s:%s fired on the CPU.",
		 tp->sys, tp->event);
	return 0;
}

int perf_tracepoints_parse(const char *const *vals, size_t n, struct perf_tracepoint *out,
			   size_t *bad)
{
	*bad = 0;
	if (n > PERF_TP_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		*bad = i;
		if (perf_tracepoint_parse(vals[i], strlen(vals[i]), &out[i]) < 0)
			return -EINVAL;
		for (size_t k = 0; k < i; k++)
			if (strcmp(out[k].metric, out[i].metric) == 0)
				return -EINVAL;
		for (size_t k = 0; k < PERF_NDEFS; k++)
			if (strcmp(perf_defs[k].desc.name, out[i].metric) == 0)
				return -EINVAL;
	}
	return 0;
}

int perf_tracepoint_id_parse(const char *s, size_t len, uint64_t *id)
{
	if (len && s[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++)
		if (!ascii_digit(s[i]))
			return -EINVAL;
	return span_u64((struct span){ s, len }, id) < 0 ? -EINVAL : 0;
}

/* ---- the collector ------------------------------------------------------------------ */

struct perf_priv {
	uint16_t *cpus;        /* the CPUs counted on */
	size_t ncpus;
	int *fd;               /* fd[cpu index * PERF_NDEFS + def], -1 when not open */
	struct perf_tracepoint *tp;
	struct metric_desc *tpdesc;
	size_t ntp;
	int *tpfd;             /* tpfd[cpu index * ntp + tracepoint]; [.. + 0] leads */
	uint64_t *tpval;       /* ntp values of one group read */
	unsigned char *tpbuf;  /* a group read: perfev_group_size(ntp) bytes */
	uint64_t tpconfig[PERF_TP_MAX]; /* the tracepoints' ids */
};

/* Fill cpus[0..) with CPUs 0 to N-1, N the CPUs this process may run on (Go's
 * runtime.NumCPU, which node_exporter counts on), at most cap; *n gets N. Returns 0. */
static int default_cpus(uint16_t *cpus, size_t cap, size_t *n)
{
	size_t count = 0;
	cpu_set_t *set = CPU_ALLOC(PERF_CPU_MAX + 1);
	size_t sz = CPU_ALLOC_SIZE(PERF_CPU_MAX + 1);
	if (set && sched_getaffinity(0, sz, set) == 0)
		count = (size_t)CPU_COUNT_S(sz, set);
	if (set)
		CPU_FREE(set);
	if (count == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		count = online > 0 ? (size_t)online : 1;
	}
	if (count > cap)
		count = cap;
	for (size_t i = 0; i < count; i++)
		cpus[i] = (uint16_t)i;
	*n = count;
	return 0;
}

/* The CPUs of --collector.perf.cpus, or the default, into a new array *cpus (owned by
 * the caller) of *n. Returns 0, -EINVAL (logged) for a bad value, or -ENOMEM. */
static int load_cpus(const struct plumb_config *cfg, bool quiet, uint16_t **cpus, size_t *n)
{
	const char *v = cfg_str(cfg, "collector.perf.cpus");
	*cpus = malloc(PERF_CPUS_MAX * sizeof(**cpus));
	if (!*cpus)
		return -ENOMEM;
	if (!v || !*v)
		return default_cpus(*cpus, PERF_CPUS_MAX, n);
	int r = perf_cpus_parse(v, strlen(v), *cpus, PERF_CPUS_MAX, n);
	if (r < 0 && !quiet)
		plog(LOG_ERROR, "bad --collector.perf.cpus value: want CPU numbers and ranges as "
				"0-3,5 or 0-10:5 (at most 8192 CPUs, numbers up to 65535)",
		     "value", v, "err", strerror(-r), PLOG_END);
	return r;
}

/* Claim a descriptor per counter per CPU. A bad flag value claims nothing here: init
 * says what is wrong with it. */
static int perf_declare(struct collector *c, struct resources *res)
{
	uint16_t *cpus = NULL;
	size_t n = 0;
	const char *const *vals;
	size_t ntp = cfg_all(c->cfg, "collector.perf.tracepoint", &vals);
	int r = load_cpus(c->cfg, true, &cpus, &n);
	free(cpus);
	if (r == -ENOMEM)
		return r;
	return collector_claim(c, res, r < 0 ? 0 : (uint64_t)n * (PERF_NDEFS + ntp));
}

/* Read tracepoint tp's id from tracefs beneath sysfs into *id: kernel/tracing, then
 * kernel/debug/tracing. Returns 0, -ENOENT when neither has it, or -errno. */
static int tracepoint_id(const char *sysfs, const struct perf_tracepoint *tp, uint64_t *id)
{
	static const char *const dirs[] = { "kernel/tracing", "kernel/debug/tracing" };
	char rel[2 * PERF_TP_PART_MAX + 64], buf[64];
	size_t len = 0;
	int r = -ENOENT;
	for (size_t i = 0; i < 2 && r == -ENOENT; i++) {
		snprintf(rel, sizeof(rel), "%s/events/%s/%s/id", dirs[i], tp->sys, tp->event);
		r = read_file_at(sysfs, rel, buf, sizeof(buf), &len);
		if (r == 0)
			r = perf_tracepoint_id_parse(buf, len, id);
	}
	return r;
}

/* Open the tracepoints as one group on CPU index i. Returns 0 or -errno (logged). */
static int open_tracepoints(struct perf_priv *p, size_t i)
{
	int *fds = &p->tpfd[i * p->ntp];
	int r = 0;
	for (size_t k = 0; k < p->ntp && r == 0; k++)
		r = perfev_open(PERFEV_TRACEPOINT, p->tpconfig[k], p->cpus[i], k ? fds[0] : -1, 1,
				&fds[k]);
	if (r == 0)
		r = perfev_enable(fds[0]);
	if (r < 0) {
		char cpu[8];
		snprintf(cpu, sizeof(cpu), "%u", p->cpus[i]);
		plog(LOG_ERROR, "perf: cannot count the tracepoints on a CPU", "cpu", cpu, "err",
		     strerror(-r), PLOG_END);
	}
	return r;
}

/* Resolve and open the tracepoints on every CPU, within *budget descriptors.
 * Returns 0 or -errno (logged). */
static int setup_tracepoints(struct perf_priv *p, const struct plumb_config *cfg,
			     uint64_t *budget)
{
	const char *const *vals;
	size_t bad = 0;
	int r = 0;
	p->ntp = cfg_all(cfg, "collector.perf.tracepoint", &vals);
	if (p->ntp == 0)
		return 0;
	if (!(p->tp = calloc(p->ntp, sizeof(*p->tp))) ||
	    !(p->tpdesc = calloc(p->ntp, sizeof(*p->tpdesc))))
		return -ENOMEM;
	if ((r = perf_tracepoints_parse(vals, p->ntp, p->tp, &bad)) < 0) {
		plog(LOG_ERROR, "bad --collector.perf.tracepoint value: want subsystem:event, "
				"each of letters, digits and _, no two giving one metric name (at "
				"most 64 tracepoints)",
		     "value", vals[bad], "err", strerror(-r), PLOG_END);
		return r;
	}
	for (size_t k = 0; k < p->ntp; k++) {
		p->tpdesc[k] = (struct metric_desc){ p->tp[k].metric, p->tp[k].help, METRIC_COUNTER };
		if ((r = tracepoint_id(cfg_sysfs(cfg), &p->tp[k], &p->tpconfig[k])) < 0) {
			plog(LOG_ERROR, "perf: tracepoint not found in tracefs (sysfs "
					"kernel/tracing or kernel/debug/tracing: is tracefs or debugfs "
					"mounted, and is plumb started as root?)",
			     "tracepoint", vals[k], "err", strerror(-r), PLOG_END);
			return r;
		}
	}
	if (p->ncpus == 0)
		return 0; /* no CPU named: nothing to open */
	if ((uint64_t)p->ntp * p->ncpus > *budget) {
		plog(LOG_ERROR, "perf: too few descriptors for the tracepoints on every CPU",
		     PLOG_END);
		return -EMFILE;
	}
	*budget -= (uint64_t)p->ntp * p->ncpus;
	if (!(p->tpfd = malloc(p->ntp * p->ncpus * sizeof(*p->tpfd))))
		return -ENOMEM;
	/* marked closed before anything else can fail: perf_fini closes what tpfd holds */
	for (size_t k = 0; k < p->ntp * p->ncpus; k++)
		p->tpfd[k] = -1;
	if (!(p->tpval = calloc(p->ntp, sizeof(*p->tpval))) ||
	    !(p->tpbuf = malloc(perfev_group_size(p->ntp))))
		return -ENOMEM;
	for (size_t i = 0; i < p->ncpus && r == 0; i++)
		r = open_tracepoints(p, i);
	return r;
}

/* What opening one kind of counter came to, for one log line. */
struct kind_result {
	size_t opened, failed;
	int err; /* the first failure */
};

/* Whether err means the host has no such counter (as opposed to a refusal). */
static bool err_absent(int err)
{
	return err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV || err == -ENOSYS ||
	       err == -EINVAL;
}

/* Log once why counters of kind k were left out. */
static void log_kind(const struct plumb_config *cfg, enum perf_kind k,
		     const struct kind_result *kr)
{
	char paranoid[32] = "unknown", count[24];
	size_t len = 0;
	snprintf(count, sizeof(count), "%zu", kr->failed);
	if (kr->err == -EMFILE) {
		plog(LOG_WARN, "perf: too few descriptors for every counter; some are not reported",
		     "kind", kind_names[k], "left_out", count, PLOG_END);
	} else if (kr->err == -EACCES || kr->err == -EPERM) {
		if (read_file_at(cfg_procfs(cfg), "sys/kernel/perf_event_paranoid", paranoid,
				 sizeof(paranoid), &len) == 0)
			paranoid[strcspn(paranoid, "\n")] = '\0';
		plog(LOG_WARN, "perf: the kernel refused counters for every process on a CPU; "
			       "they are not reported (start plumb as root or with CAP_PERFMON, "
			       "or set kernel.perf_event_paranoid to 0 or less)",
		     "kind", kind_names[k], "left_out", count, "perf_event_paranoid", paranoid,
		     "err", strerror(-kr->err), PLOG_END);
	} else if (err_absent(kr->err) && kr->opened == 0) {
		plog(LOG_INFO, "perf: this host has no such counters (no PMU, as in many virtual "
			       "machines, or no such CPU); they are not reported",
		     "kind", kind_names[k], "err", strerror(-kr->err), PLOG_END);
	} else {
		plog(LOG_WARN, "perf: some counters could not be opened; they are not reported",
		     "kind", kind_names[k], "left_out", count, "err", strerror(-kr->err), PLOG_END);
	}
}

/* Open counter d on CPU index i into *fd, within *budget. Returns 0 or -errno. */
static int open_counter(const struct perf_priv *p, size_t i, const struct perf_def *d,
			uint64_t *budget, int *fd)
{
	if (*budget == 0)
		return -EMFILE;
	int r = perfev_open(d->type, d->config, p->cpus[i], -1, 0, fd);
	if (r == 0 && (r = perfev_enable(*fd)) < 0) {
		close(*fd);
		*fd = -1;
	}
	if (r == 0)
		(*budget)--;
	return r;
}

/* Open every counter on every CPU that the kernel and budget allow, then log what was
 * left out. Returns 0, or -ENODEV when the host has no counter of any kind at all. */
static int setup_counters(struct perf_priv *p, const struct plumb_config *cfg, uint64_t budget)
{
	struct kind_result kr[KIND_N] = { { 0, 0, 0 } };
	bool absent = true;
	for (size_t i = 0; i < p->ncpus; i++) {
		for (size_t d = 0; d < PERF_NDEFS; d++) {
			struct kind_result *k = &kr[perf_defs[d].kind];
			int r = open_counter(p, i, &perf_defs[d], &budget, &p->fd[i * PERF_NDEFS + d]);
			if (r == 0) {
				k->opened++;
			} else {
				k->err = k->failed++ ? k->err : r;
				absent = absent && err_absent(r);
			}
		}
	}
	size_t opened = p->ntp;
	for (int k = 0; k < KIND_N; k++) {
		opened += kr[k].opened;
		if (kr[k].failed)
			log_kind(cfg, (enum perf_kind)k, &kr[k]);
	}
	return opened == 0 && absent && p->ncpus ? -ENODEV : 0;
}

static int perf_init(struct collector *c)
{
	struct perf_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	uint64_t budget = c->fd_budget;
	int r = load_cpus(c->cfg, false, &p->cpus, &p->ncpus);
	if (r == 0 && !(p->fd = malloc((p->ncpus ? p->ncpus : 1) * PERF_NDEFS * sizeof(*p->fd))))
		r = -ENOMEM;
	if (r < 0)
		return r;
	for (size_t k = 0; k < p->ncpus * PERF_NDEFS; k++)
		p->fd[k] = -1;
	r = setup_tracepoints(p, c->cfg, &budget);
	return r < 0 ? r : setup_counters(p, c->cfg, budget);
}

/* Read the tracepoint group of CPU index i and add its values. Returns 0 or -errno. */
static int collect_tracepoints(struct perf_priv *p, size_t i, const char *cpu,
			       struct metric_sink *out)
{
	size_t want = perfev_group_size(p->ntp);
	ssize_t n = read(p->tpfd[i * p->ntp], p->tpbuf, want);
	if (n < 0)
		return -errno;
	int r = perfev_group_parse(p->tpbuf, (size_t)n, p->ntp, p->tpval);
	for (size_t k = 0; k < p->ntp && r == 0; k++)
		r = sink_add(out, &p->tpdesc[k], (double)p->tpval[k], LABELS(L("cpu", cpu)));
	return r;
}

/* Read every held counter; a failed read fails the collection, as in node_exporter. */
static int perf_collect(struct collector *c, struct metric_sink *out)
{
	struct perf_priv *p = c->priv;
	int r = 0;
	for (size_t i = 0; i < p->ncpus && r == 0; i++) {
		char cpu[8];
		snprintf(cpu, sizeof(cpu), "%u", p->cpus[i]);
		for (size_t d = 0; d < PERF_NDEFS && r == 0; d++) {
			uint64_t v;
			int fd = p->fd[i * PERF_NDEFS + d];
			if (fd < 0)
				continue;
			r = perfev_read(fd, &v);
			if (r == 0)
				r = sink_add(out, &perf_defs[d].desc, (double)v, LABELS(L("cpu", cpu)));
		}
		if (r == 0 && p->ntp)
			r = collect_tracepoints(p, i, cpu, out);
	}
	return r;
}

/* Close every descriptor and free; accepts a half-initialised collector. */
static void perf_fini(struct collector *c)
{
	struct perf_priv *p = c->priv;
	if (!p)
		return;
	for (size_t k = 0; p->fd && k < p->ncpus * PERF_NDEFS; k++)
		if (p->fd[k] >= 0)
			close(p->fd[k]);
	/* members before their leader */
	for (size_t k = p->ntp * p->ncpus; p->tpfd && k-- > 0;)
		if (p->tpfd[k] >= 0)
			close(p->tpfd[k]);
	free(p->cpus);
	free(p->fd);
	free(p->tp);
	free(p->tpdesc);
	free(p->tpfd);
	free(p->tpval);
	free(p->tpbuf);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_perf = {
	.name = "perf",
	.default_enabled = false,
	.reads = "perf_event_open counters per CPU, tracefs tracepoint ids",
	.flags = perf_flags,
	.declare = perf_declare,
	.init = perf_init,
	.collect = perf_collect,
	.fini = perf_fini,
};
