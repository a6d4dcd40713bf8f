/*
 * cpufreq: CPU frequency scaling state from sysfs devices/system/cpu/cpuN/cpufreq.
 *
 * For each CPU directory not listed in devices/system/cpu/offline that has a cpufreq
 * directory: the hardware's current, average, minimum and maximum frequency
 * (cpuinfo_*_freq), the governor's current, minimum and maximum (scaling_*_freq),
 * all in kHz in the files and reported in hertz, and which governor of those
 * available is in use. Attributes that are missing or not readable (cpuinfo_cur_freq
 * is root-only) are left out. When the cpu collector has reported frequencies from
 * /proc/cpuinfo in this collection (--collector.cpu.info; it runs first, collectors
 * run in name order), node_cpu_frequency_hertz is left to it, as in node_exporter:
 * the family already has series in the sink. Unlike node_exporter, attributes that are never reported (driver,
 * related_cpus, transition latency, stats/) are not read, so they cannot fail a scrape.
 * The attribute files of up to CPUFREQ_HELD_MAX CPUs (as the core's descriptor grant
 * allows) are held open and re-read with pread (lib/heldattr.h): on a 128-CPU host
 * that saves over a thousand opens a scrape, and while a CPU's files are held its
 * cpufreq directory is not looked up again. Steady state allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collectors/cpufreq.h"
#include "core/collector.h"
#include "lib/cpulist.h"
#include "lib/heldattr.h"
#include "lib/strparse.h"
#include "lib/procfile.h"

static const struct metric_desc descs[CPUFREQ_NATTR] = {
	{ "node_cpu_frequency_hertz", "Current CPU frequency per the hardware, in hertz.",
	  METRIC_GAUGE },
	{ "node_cpu_frequency_avg_hertz", "Average CPU frequency per the hardware, in hertz.",
	  METRIC_GAUGE },
	{ "node_cpu_frequency_min_hertz", "Lowest frequency the CPU supports, in hertz.",
	  METRIC_GAUGE },
	{ "node_cpu_frequency_max_hertz", "Highest frequency the CPU supports, in hertz.",
	  METRIC_GAUGE },
	{ "node_cpu_scaling_frequency_hertz", "Current CPU frequency per the cpufreq governor, in hertz.",
	  METRIC_GAUGE },
	{ "node_cpu_scaling_frequency_min_hertz", "Lowest frequency the governor may pick, in hertz.",
	  METRIC_GAUGE },
	{ "node_cpu_scaling_frequency_max_hertz", "Highest frequency the governor may pick, in hertz.",
	  METRIC_GAUGE },
};
static const struct metric_desc d_governor = {
	"node_cpu_scaling_governor", "1 for the cpufreq governor in use, 0 for the others available.",
	METRIC_GAUGE
};

static const char *const attr_files[CPUFREQ_NATTR] = {
	"cpuinfo_cur_freq", "cpuinfo_avg_freq", "cpuinfo_min_freq", "cpuinfo_max_freq",
	"scaling_cur_freq", "scaling_min_freq", "scaling_max_freq",
};

enum { ATTR_BUF = 64, GOV_BUF = 1024 };

/* Files held per CPU: the CPUFREQ_NATTR numbers, then these two. */
enum { HA_AVAILABLE = CPUFREQ_NATTR, HA_GOVERNOR, HA_N };
#define CPUFREQ_HELD_MAX 256 /* CPUs whose files are held open, at most */

struct cpufreq_priv {
	struct cpulist cpus;
	struct procfile offline;
	uint16_t *off;      /* offline CPUs, as listed */
	size_t noff;
	bool skip_cur;      /* this collection: the cpu collector reported the frequency */
	struct heldattr held; /* per-CPU cpufreq files, held open */
	char attr[CPUFREQ_NATTR][ATTR_BUF];
	char governor[GOV_BUF], available[GOV_BUF];
};

int cpufreq_emit(const char *cpu, const struct cpufreq_text *t, bool skip_cur,
		 struct metric_sink *out)
{
	uint64_t khz[CPUFREQ_NATTR];
	int r = 0;
	for (int i = 0; i < CPUFREQ_NATTR; i++)
		if (t->have[i] && span_u64(t->attr[i], &khz[i]) < 0)
			return -EINVAL;
	for (int i = 0; i < CPUFREQ_NATTR && r == 0; i++)
		if (t->have[i] && !(i == CPUFREQ_CUR && skip_cur))
			r = sink_add(out, &descs[i], (double)khz[i] * 1000.0, LABELS(L("cpu", cpu)));
	struct span gov = span_trim(t->governor), avail = span_trim(t->available), g;
	if (gov.len == 0)
		return r;
	while (r == 0 && span_field(&avail, ' ', &g)) {
		bool on = g.len == gov.len && memcmp(g.p, gov.p, g.len) == 0;
		r = sink_add(out, &d_governor, on ? 1 : 0, LABELS(L("cpu", cpu), LS("governor", g)));
	}
	return r;
}

/* Go's sort.Search-style binary search over the offline list, as procfs does it (the
 * kernel lists CPUs in ascending order). */
static bool is_offline(const struct cpufreq_priv *p, uint16_t cpu)
{
	size_t lo = 0, hi = p->noff;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->off[mid] == cpu)
			return true;
		if (p->off[mid] > cpu)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* Read devices/system/cpu/offline (required, as in node_exporter) into p->off.
 * Returns 0 or -errno. */
static int read_offline(struct cpufreq_priv *p)
{
	int r = procfile_read(&p->offline);
	if (r < 0)
		return r;
	p->noff = 0;
	if (span_trim(procfile_span(&p->offline)).len == 0)
		return 0;
	return cpu_range_parse(p->offline.buf, p->offline.len, p->off, 65536, &p->noff);
}

/* Whether CPU directory name is to be skipped as offline. Returns 1, 0, or -EINVAL
 * when the offline list is in use and the name is not cpu<number>. */
static int skip_offline(const struct cpufreq_priv *p, const char *name)
{
	uint64_t n;
	if (p->noff == 0)
		return 0;
	if (str_u64(name + 3, &n) < 0 || n > 65535)
		return -EINVAL;
	return is_offline(p, (uint16_t)n);
}

/* Read text attribute a (file) of CPU dir, held in slot (or not, slot < 0), into buf.
 * Returns 0 or -errno. */
static int read_text(struct cpufreq_priv *p, int slot, size_t a, const char *dir,
		     const char *file, char *buf, size_t cap)
{
	char path[CPULIST_NAME_MAX + 48];
	const struct span parts[] = { span_cstr(dir), SPAN_LIT("/cpufreq/"), span_cstr(file) };
	if (span_join(path, sizeof(path), parts, 3) < 0)
		return -ENAMETOOLONG; /* cannot happen: names are bounded, files are ours */
	return heldattr_read(&p->held, slot, a, cpulist_fd(&p->cpus), path, buf, cap);
}

/* Read and report one CPU's cpufreq directory, its files held in slot (or not, slot
 * < 0). Returns 0 or -errno. */
static int collect_cpu(struct cpufreq_priv *p, int slot, const char *name,
		       struct metric_sink *out)
{
	struct cpufreq_text t = { 0 };
	for (int i = 0; i < CPUFREQ_NATTR; i++) {
		int r = read_text(p, slot, (size_t)i, name, attr_files[i], p->attr[i], ATTR_BUF);
		if (r == -ENOENT || r == -EACCES || r == -EPERM)
			continue;
		if (r < 0)
			return r;
		t.attr[i] = span_cstr(p->attr[i]);
		t.have[i] = true;
	}
	int r = read_text(p, slot, HA_AVAILABLE, name, "scaling_available_governors",
			  p->available, GOV_BUF);
	if (r == 0)
		r = read_text(p, slot, HA_GOVERNOR, name, "scaling_governor", p->governor, GOV_BUF);
	if (r < 0)
		return r;
	t.available = span_cstr(p->available);
	t.governor = span_cstr(p->governor);
	return cpufreq_emit(name + 3, &t, p->skip_cur, out);
}

/* Whether CPU directory name has a cpufreq directory. Returns 1, 0 or -errno. */
static int has_cpufreq(const struct cpufreq_priv *p, const char *name)
{
	char path[CPULIST_NAME_MAX + 16];
	struct stat st;
	const struct span parts[] = { span_cstr(name), SPAN_LIT("/cpufreq") };
	if (span_join(path, sizeof(path), parts, 2) < 0)
		return -ENAMETOOLONG;
	if (fstatat(cpulist_fd(&p->cpus), path, &st, 0) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

/* Report CPU directory name, its files held in slot (or not, slot < 0), if it has a
 * cpufreq directory. While its governor file is held the directory is not looked up
 * (a path walk a CPU, most of the collector's system time after the reads): sysfs
 * fails the reads of a removed directory's files, and a read that finds a file gone
 * has the directory looked up after all. Returns 0 or -errno. */
static int visit_cpu(struct cpufreq_priv *p, int slot, const char *name, struct metric_sink *out)
{
	bool held = heldattr_is_open(&p->held, slot, HA_GOVERNOR);
	int r = held ? 1 : has_cpufreq(p, name);
	if (r == 1) {
		r = collect_cpu(p, slot, name, out);
		if (r != -ENOENT || !held)
			return r;
		if ((r = has_cpufreq(p, name)) == 1)
			return -ENOENT; /* the directory is there, a file of it is not */
	}
	heldattr_forget(&p->held, slot); /* its files went with the directory */
	return r;
}

/* One scrape over every CPU directory. Returns 0 or -errno: -ENOENT without any CPU
 * directory or without the offline file. */
static int cpufreq_collect(struct collector *c, struct metric_sink *out)
{
	static const char cpu_freq[] = "node_cpu_frequency_hertz";
	struct cpufreq_priv *p = c->priv;
	int fam = sink_find_family(out, cpu_freq, sizeof(cpu_freq) - 1);
	uint32_t pos = 0;
	/* a family the cpu collector rolled back (it failed) has no series left */
	p->skip_cur = fam >= 0 && sink_family_next(out, fam, &pos) != NULL;
	int r = cpulist_scan(&p->cpus);
	if (r == 0)
		r = read_offline(p);
	heldattr_begin(&p->held);
	for (size_t i = 0; i < p->cpus.n && r >= 0; i++) {
		const char *name = p->cpus.names[i];
		r = skip_offline(p, name);
		if (r != 0)
			continue; /* offline (1), or an error that ends the loop */
		r = visit_cpu(p, heldattr_slot(&p->held, name, i), name, out);
	}
	heldattr_end(&p->held);
	if (r >= 0 && p->cpus.n == 0)
		r = -ENOENT;
	return r < 0 ? r : 0;
}

/* Set up the CPU listing and the offline file. Returns 0 or -errno. */
static int cpufreq_init(struct collector *c)
{
	struct cpufreq_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->offline.fd = p->cpus.ds.fd = -1;
	c->priv = p;
	p->off = malloc(65536 * sizeof(*p->off));
	if (!p->off)
		return -ENOMEM;
	int r = heldattr_init(&p->held, HA_N, CPUFREQ_HELD_MAX, c->fd_budget);
	if (r == 0)
		r = cpulist_init(&p->cpus, cfg_sysfs(c->cfg));
	if (r == 0)
		r = procfile_init(&p->offline, cfg_sysfs(c->cfg), "devices/system/cpu/offline", 1u << 20);
	procfile_set_whole(&p->offline); /* a sysfs attribute */
	return r;
}

/* Claim the per-CPU cpufreq files it may hold. */
static int cpufreq_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, (uint64_t)CPUFREQ_HELD_MAX * HA_N);
}

/* Free everything; accepts a half-initialised collector. */
static void cpufreq_fini(struct collector *c)
{
	struct cpufreq_priv *p = c->priv;
	if (!p)
		return;
	cpulist_fini(&p->cpus);
	procfile_fini(&p->offline);
	heldattr_fini(&p->held);
	free(p->off);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_cpufreq = {
	.name = "cpufreq",
	.default_enabled = true,
	.reads = "sysfs devices/system/cpu/cpu*/cpufreq",
	.declare = cpufreq_declare,
	.init = cpufreq_init,
	.collect = cpufreq_collect,
	.fini = cpufreq_fini,
};
