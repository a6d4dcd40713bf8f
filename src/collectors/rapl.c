/*
 * rapl: the energy counters of Intel's and AMD's RAPL power zones (package, core,
 * uncore, dram, psys) from /sys/class/powercap, as node_exporter's rapl collector
 * reports them.
 *
 * Each class entry with a name file is a zone. As prometheus/procfs does, entries are
 * taken in name order, a name "package-0" gives zone "package" index 0 and a name
 * without an index is numbered by how many zones of that name came before; every zone
 * must have a readable max_energy_range_uj. A zone's energy_uj is root's alone on
 * current kernels: the class folder (and the devices folder its entries link to) is
 * declared for the privilege broker, and when plumb may still not read it the scrape
 * has no data (-ENOENT), as in node_exporter. A host without the class folder has no
 * data too, for the cost of one failed open.
 *
 * Steady state: the class folder is a dirscan in priv, names and zones are kept in a
 * rapl_zones there, attributes are read into stack buffers: a scrape allocates nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/rapl.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/pathmatch.h"
#include "lib/procfile.h"
#include "lib/promname.h"
#include "lib/sort.h"
#include "lib/sysfs.h"

static const struct flag_def rapl_flags[] = {
	{ "collector.rapl.enable-zone-label", FLAG_BOOL, "false",
	  "Report every RAPL zone as node_rapl_joules_total with its name in a rapl_zone label, "
	  "instead of one metric name per zone.",
	  false },
	{ NULL, 0, NULL, NULL, false },
};

static const struct metric_desc desc_zone = {
	"node_rapl_joules_total", "Energy a RAPL zone (named in rapl_zone) has used, in joules.",
	METRIC_COUNTER
};

size_t rapl_sanitize(struct span name, char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	int n = promname_sanitize(name, out, cap);
	return n < 0 ? strlen(out) : (size_t)n; /* cut to fit, as the header says */
}

void rapl_zones_reset(struct rapl_zones *zs)
{
	buf_reset(&zs->names);
	zs->nentries = 0;
	zs->n = 0;
}

void rapl_zones_fini(struct rapl_zones *zs)
{
	buf_fini(&zs->names);
	free(zs->entries);
	free(zs->z);
	zs->entries = NULL;
	zs->z = NULL;
	zs->nentries = zs->entries_cap = zs->n = zs->cap = 0;
}

/* Append s and a NUL to zs->names; *off gets where it starts. 0, -E2BIG or -ENOMEM. */
static int put_name(struct rapl_zones *zs, struct span s, uint32_t *off)
{
	if (zs->names.len > UINT32_MAX - s.len - 1)
		return -E2BIG;
	*off = (uint32_t)zs->names.len;
	int r = buf_append(&zs->names, s.p, s.len);
	return r < 0 ? r : buf_putc(&zs->names, '\0');
}

int rapl_add_entry(struct rapl_zones *zs, const char *entry)
{
	uint32_t off;
	if (zs->nentries >= RAPL_MAX_ZONES)
		return -E2BIG;
	int r = grow_array((void **)&zs->entries, &zs->entries_cap, zs->nentries + 1,
			   sizeof(*zs->entries));
	if (r == 0)
		r = put_name(zs, span_cstr(entry), &off);
	if (r == 0)
		zs->entries[zs->nentries++] = off;
	return r;
}

/* strcmp of two entries given by their offsets in the names at ctx. sort_cmp_fn. */
static int entry_cmp(const void *a, const void *b, void *ctx)
{
	const char *names = ctx;
	return strcmp(names + *(const uint32_t *)a, names + *(const uint32_t *)b);
}

void rapl_sort_entries(struct rapl_zones *zs)
{
	sort_heap(zs->entries, zs->nentries, sizeof(*zs->entries), entry_cmp, zs->names.p);
}

int rapl_add_zone(struct rapl_zones *zs, uint32_t i, struct span raw, int err, uint64_t uj)
{
	if (raw.len > RAPL_NAME_MAX)
		raw.len = RAPL_NAME_MAX;
	struct span name = span_trim(raw), fin = name;
	const char *dash = name.len ? memchr(name.p, '-', name.len) : NULL;
	int64_t index = 0;
	bool numbered = false;
	if (dash && !memchr(dash + 1, '-', (size_t)(name.p + name.len - dash - 1))) {
		struct span num = { dash + 1, (size_t)(name.p + name.len - dash - 1) };
		numbered = span_atoi(num, &index) == 0;
		if (numbered)
			fin.len = (size_t)(dash - name.p);
	}
	/* unnumbered: one past the index of the last zone of that name (Go's int wraps) */
	for (uint32_t k = zs->n; !numbered && k-- > 0;) {
		const struct rapl_zone *z = &zs->z[k];
		if (z->name_len == fin.len && memcmp(zs->names.p + z->name_off, fin.p, fin.len) == 0) {
			index = (int64_t)((uint64_t)z->index + 1);
			break;
		}
	}
	if (zs->n >= RAPL_MAX_ZONES)
		return -E2BIG;
	uint32_t off;
	int r = grow_array((void **)&zs->z, &zs->cap, zs->n + 1, sizeof(*zs->z));
	if (r == 0)
		r = put_name(zs, fin, &off);
	if (r == 0)
		zs->z[zs->n++] = (struct rapl_zone){ index, zs->entries[i], off, (uint32_t)fin.len,
						     err, uj };
	return r;
}

/* Bounded concatenation of a, b and c into out[cap]. Returns 0 or -ENAMETOOLONG. */
static int join3(char *out, size_t cap, const char *a, struct span b, const char *c)
{
	size_t la = strlen(a), lc = strlen(c);
	if (la + b.len + lc >= cap)
		return -ENAMETOOLONG;
	memcpy(out, a, la);
	if (b.len)
		memcpy(out + la, b.p, b.len);
	memcpy(out + la + b.len, c, lc + 1);
	return 0;
}

/* Emit zone z (read without error), with labels index and path. Returns 0 or -errno. */
static int emit_zone(const struct rapl_zones *zs, const struct rapl_zone *z, const char *base,
		     bool zone_label, struct metric_sink *out)
{
	char idx[24], path[PATH_MAX + 300], mname[RAPL_NAME_MAX + 32], help[RAPL_NAME_MAX + 64];
	struct span name = { zs->names.p + z->name_off, z->name_len };
	double joules = (double)z->uj / 1000000.0;
	snprintf(idx, sizeof(idx), "%lld", (long long)z->index);
	int r = join3(path, sizeof(path), base, SPAN_LIT("/"), zs->names.p + z->entry);
	if (r < 0)
		return r;
	if (zone_label)
		return sink_add(out, &desc_zone, joules,
				LABELS(L("index", idx), L("path", path), LS("rapl_zone", name)));
	char clean[RAPL_NAME_MAX + 1];
	size_t n = rapl_sanitize(name, clean, sizeof(clean));
	if ((r = join3(mname, sizeof(mname), "node_rapl_", (struct span){ clean, n },
		       "_joules_total")) < 0 ||
	    (r = join3(help, sizeof(help), "Energy the RAPL zone ", name, " has used, in joules.")) < 0)
		return r;
	const struct metric_desc d = { mname, help, METRIC_COUNTER };
	return sink_add(out, &d, joules, LABELS(L("index", idx), L("path", path)));
}

int rapl_emit(const struct rapl_zones *zs, const char *base, bool zone_label,
	      struct metric_sink *out)
{
	for (uint32_t k = 0; k < zs->n; k++) {
		const struct rapl_zone *z = &zs->z[k];
		int r = z->err == -EACCES || z->err == -EPERM ? -ENOENT : z->err;
		if (r == 0)
			r = emit_zone(zs, z, base, zone_label, out);
		if (r < 0)
			return r;
	}
	return 0;
}

struct rapl_priv {
	struct dirscan dir;     /* sysfs/class/powercap */
	struct rapl_zones zs;
	char base[PATH_MAX];    /* the same, cleaned as Go's filepath.Join does: path labels */
	bool zone_label;        /* --collector.rapl.enable-zone-label */
};

/* Read a decimal counter file dirfd/name as prometheus/procfs does (whole file,
 * trimmed). Returns 0, -EINVAL or -ERANGE for what is not one, or -errno from open/read. */
static int read_u64(int dirfd, const char *name, uint64_t *v)
{
	char buf[128];
	size_t len;
	int r = read_file_dirfd(dirfd, name, buf, sizeof(buf), &len);
	if (r == -EFBIG)
		return -EINVAL; /* no number is this long */
	return r < 0 ? r : span_u64((struct span){ buf, len }, v);
}

/* Read class entry i: a zone if its name file can be read. Returns 0, or -errno when
 * max_energy_range_uj cannot be read (which fails the scrape, as in prometheus/procfs). */
static int read_zone(struct rapl_priv *p, uint32_t i)
{
	char name[RAPL_NAME_MAX + 1];
	size_t len;
	uint64_t max, uj = 0;
	int fd = sysfs_open_dir(dirscan_fd(&p->dir), rapl_entry(&p->zs, i));
	if (fd < 0)
		return 0; /* no name to read: not a zone */
	int r = read_file_dirfd(fd, "name", name, sizeof(name), &len);
	if (r < 0) {
		r = 0;
		goto out_close;
	}
	if ((r = read_u64(fd, "max_energy_range_uj", &max)) < 0)
		goto out_close;
	int err = read_u64(fd, "energy_uj", &uj);
	r = rapl_add_zone(&p->zs, i, (struct span){ name, len }, err, uj);
out_close:
	close(fd);
	return r;
}

static int rapl_declare(struct collector *c, struct resources *res)
{
	const char *sys = cfg_sysfs(c->cfg);
	int r = res_path(res, sys, "class/powercap", RES_READ | RES_BROKER_OPEN);
	/* the class entries are links to here: the broker resolves them beneath a root */
	return r < 0 ? r : res_path(res, sys, "devices/virtual/powercap", RES_READ | RES_BROKER_OPEN);
}

static int rapl_init(struct collector *c)
{
	char raw[PATH_MAX];
	struct rapl_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	p->zs.names.max = RAPL_NAMES_MAX;
	p->zone_label = cfg_bool(c->cfg, "collector.rapl.enable-zone-label");
	int r = path_join(raw, sizeof(raw), cfg_sysfs(c->cfg), "class/powercap");
	if (r == 0)
		r = path_clean(raw, p->base, sizeof(p->base));
	if (r == 0)
		r = dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/powercap");
	return r;
}

static int rapl_collect(struct collector *c, struct metric_sink *out)
{
	struct rapl_priv *p = c->priv;
	const char *name;
	unsigned char type;
	rapl_zones_reset(&p->zs);
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = rapl_add_entry(&p->zs, name);
	if (r == 0)
		rapl_sort_entries(&p->zs);
	for (uint32_t i = 0; r == 0 && i < p->zs.nentries; i++)
		r = read_zone(p, i);
	if (r == 0)
		r = rapl_emit(&p->zs, p->base, p->zone_label, out);
	/* node_exporter has no data, not a failure, when it may not read the zones */
	return r == -EACCES || r == -EPERM ? -ENOENT : r;
}

static void rapl_fini(struct collector *c)
{
	struct rapl_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	rapl_zones_fini(&p->zs);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_rapl = {
	.name = "rapl",
	.default_enabled = true,
	.reads = "/sys/class/powercap/*/{name,max_energy_range_uj,energy_uj}",
	.flags = rapl_flags,
	.declare = rapl_declare,
	.init = rapl_init,
	.collect = rapl_collect,
	.fini = rapl_fini,
};
