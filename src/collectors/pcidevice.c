/*
 * pcidevice: PCI devices from /sys/bus/pci/devices, as node_exporter's pcidevice
 * collector reports them (off by default).
 *
 * Each entry is a link into /sys/devices (a link file in a flattened copy); its target
 * names the device's location and its parent's. The six id attributes (class, vendor,
 * device, subsystem_vendor, subsystem_device, revision) are required and become
 * node_pcidevice_info's labels; link speeds and widths, the NUMA node, SR-IOV counts
 * and power management state are optional. A missing device directory or id, or a
 * value node_exporter cannot parse, fails the collection. With
 * --collector.pcidevice.names, pci.ids (--collector.pcidevice.idsfile, else
 * Debian's /usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids) is loaded once at
 * start-up and the info series also carry vendor, device, subsystem and class names.
 *
 * Steady state: the devices directory is a dirscan held in priv; the attribute files of
 * up to PCIDEVICE_HELD_MAX devices (as the core's descriptor grant allows) stay open in a
 * heldattr and are re-read with one pread each, and an optional attribute a device lacks
 * is not looked for again (lib/heldattr.h); values are read into a stack buffer, the
 * device record lives in priv: a scrape allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/pcidevice.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/heldattr.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/sysfs.h"

const char *const pcidevice_files[PCIDEVICE_NFILES] = {
	"class",	      "vendor",		 "device",	     "subsystem_vendor",
	"subsystem_device",   "revision",	 "max_link_speed",   "max_link_width",
	"current_link_speed", "current_link_width", "numa_node",	"sriov_drivers_autoprobe",
	"sriov_numvfs",	      "sriov_offset",	 "sriov_stride",     "sriov_totalvfs",
	"sriov_vf_device",    "sriov_vf_total_msix", "d3cold_allowed", "power_state",
};

static const char *const power_states[7] = { "D0",	"D1",	   "D2",   "D3hot",
					     "D3cold", "unknown", "error" };

static const struct metric_desc desc_info = {
	"node_pcidevice_info",
	"Always 1; the labels carry the device's PCI ids and its parent's location "
	"(\"*\" under a root bus).",
	METRIC_GAUGE
};
static const struct metric_desc desc_max_speed = {
	"node_pcidevice_max_link_transfers_per_second",
	"Fastest transfer rate the device's link supports, in transfers per second "
	"(-1 when unknown).",
	METRIC_GAUGE
};
static const struct metric_desc desc_max_width = {
	"node_pcidevice_max_link_width",
	"Most lanes the device's link supports (-1 when unknown).", METRIC_GAUGE
};
static const struct metric_desc desc_cur_speed = {
	"node_pcidevice_current_link_transfers_per_second",
	"Transfer rate the device's link runs at now, in transfers per second (-1 when unknown).",
	METRIC_GAUGE
};
static const struct metric_desc desc_cur_width = {
	"node_pcidevice_current_link_width",
	"Lanes the device's link uses now (-1 when unknown).", METRIC_GAUGE
};
static const struct metric_desc desc_d3cold = {
	"node_pcidevice_d3cold_allowed",
	"1 if the device may be put into the D3cold power state, else 0.", METRIC_GAUGE
};
static const struct metric_desc desc_autoprobe = {
	"node_pcidevice_sriov_drivers_autoprobe",
	"1 if drivers bind to the device's SR-IOV virtual functions as they appear, else 0.",
	METRIC_GAUGE
};
static const struct metric_desc desc_numvfs = {
	"node_pcidevice_sriov_numvfs",
	"SR-IOV virtual functions the device has enabled now.", METRIC_GAUGE
};
static const struct metric_desc desc_totalvfs = {
	"node_pcidevice_sriov_totalvfs",
	"SR-IOV virtual functions the device can provide at most.", METRIC_GAUGE
};
static const struct metric_desc desc_msix = {
	"node_pcidevice_sriov_vf_total_msix",
	"MSI-X interrupt vectors available to the device's virtual functions in all.",
	METRIC_GAUGE
};
static const struct metric_desc desc_power = {
	"node_pcidevice_power_state",
	"1 for the device's current power state (label state: D0, D1, D2, D3hot, D3cold, "
	"unknown or error), 0 for the others.",
	METRIC_GAUGE
};
static const struct metric_desc desc_numa = {
	"node_pcidevice_numa_node",
	"NUMA node the device is attached to, where the kernel knows one.", METRIC_GAUGE
};

/* Devices whose attribute files are held open, at most (each holds up to
 * PCIDEVICE_NFILES descriptors). */
#define PCIDEVICE_HELD_MAX 64

struct pcidevice_priv {
	struct dirscan dir; /* /sys/bus/pci/devices */
	struct heldattr held; /* the devices' attribute files, a slot per device */
	struct pci_dev dev;
	struct pciids ids;
	bool names;
};

/* Parse hex digits of s (no sign, no prefix) up to 0x7fffffff. Returns 0 or -EINVAL. */
static int hex31(struct span s, uint32_t *out)
{
	uint64_t v = 0;
	if (s.len == 0 || s.len > 8)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		unsigned d = ascii_digit(c)	      ? (unsigned)(c - '0')
			     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
			     : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
						      : 16u;
		if (d > 15)
			return -EINVAL;
		v = v * 16 + d;
	}
	if (v > 0x7fffffff)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int pcidevice_location(struct span s, struct pci_loc *loc)
{
	/* exactly two ':' and, after the second, exactly one '.' */
	const char *c1 = memchr(s.p, ':', s.len), *c2, *dot;
	const char *end = s.p + s.len;
	if (!c1 || !(c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) ||
	    memchr(c2 + 1, ':', (size_t)(end - c2 - 1)) ||
	    !(dot = memchr(c2 + 1, '.', (size_t)(end - c2 - 1))) ||
	    memchr(dot + 1, '.', (size_t)(end - dot - 1)))
		return -EINVAL;
	if (hex31((struct span){ s.p, (size_t)(c1 - s.p) }, &loc->seg) ||
	    hex31((struct span){ c1 + 1, (size_t)(c2 - c1 - 1) }, &loc->bus) ||
	    hex31((struct span){ c2 + 1, (size_t)(dot - c2 - 1) }, &loc->dev) ||
	    hex31((struct span){ dot + 1, (size_t)(end - dot - 1) }, &loc->fn))
		return -EINVAL;
	return 0;
}

/* Drop trailing slashes and split off the last part of path: *last, and *path
 * keeps what is before it (without the separating slash). */
static void last_part(struct span *path, struct span *last)
{
	while (path->len > 1 && path->p[path->len - 1] == '/')
		path->len--;
	size_t i = path->len;
	while (i > 0 && path->p[i - 1] != '/')
		i--;
	*last = (struct span){ path->p + i, path->len - i };
	path->len = i ? i - 1 : 0;
}

int pcidevice_link(struct span target, struct pci_loc *loc, struct pci_loc *parent,
		   bool *has_parent)
{
	struct span last, up;
	last_part(&target, &last);
	last_part(&target, &up);
	if (pcidevice_location(last, loc) < 0)
		return -EINVAL;
	*has_parent = !span_starts(up, "pci");
	if (*has_parent && pcidevice_location(up, parent) < 0)
		return -EINVAL;
	return 0;
}

void pcidevice_reset(struct pci_dev *d, const struct pci_loc *loc, const struct pci_loc *parent,
		     bool has_parent)
{
	memset(d, 0, sizeof(*d));
	d->loc = *loc;
	if (has_parent)
		d->parent = *parent;
	d->has_parent = has_parent;
	d->max_speed = d->cur_speed = d->max_width = d->cur_width = -1;
}

/* A signed decimal within [lo, hi] (Go's ParseInt(s, 10, bits)). */
static int dec_in(struct span s, int64_t lo, int64_t hi, int64_t *out)
{
	if (span_i64(s, out) < 0 || *out < lo || *out > hi)
		return -EINVAL;
	return 0;
}

/* An unsigned decimal at most max (Go's ParseUint(s, 10, bits)). */
static int udec_max(struct span s, uint64_t max, uint64_t *out)
{
	if (span_u64(s, out) < 0 || *out > max)
		return -EINVAL;
	return 0;
}

/* A link speed "8.0 GT/s PCIe": the number before the first space, in GT/s. */
static int link_speed(struct span s, double *gts)
{
	const char *sp = memchr(s.p, ' ', s.len);
	if (!sp)
		return -EINVAL;
	struct span unit = { sp + 1, (size_t)(s.p + s.len - sp - 1) };
	if (!span_eq(unit, "GT/s PCIe"))
		return -EINVAL;
	return span_double((struct span){ s.p, (size_t)(sp - s.p) }, gts) < 0 ? -EINVAL : 0;
}

int pcidevice_record(struct pci_dev *d, const char *file, struct span v)
{
	int64_t i;
	uint64_t u;
	double g;
	size_t k = 0;
	while (k < PCIDEVICE_NFILES && strcmp(file, pcidevice_files[k]) != 0)
		k++;
	if (k < PCIDEVICE_NIDS) {
		if (span_i64_auto(v, &i) < 0 || i < INT32_MIN || i > INT32_MAX)
			return -EINVAL;
		d->id[k] = (uint32_t)i;
		d->have_ids |= 1u << k;
		return 0;
	}
	if (k >= PCIDEVICE_NFILES || v.len == 0)
		return 0;
	if (k <= 10 && span_starts(v, "Unknown"))
		return 0; /* the kernel's word for a speed it cannot name */
	switch (k) {
	case 6: /* max_link_speed */
	case 8: /* current_link_speed */
		if (link_speed(v, &g) < 0)
			return -EINVAL;
		*(k == 6 ? &d->max_speed : &d->cur_speed) = g;
		return 0;
	case 7: /* max_link_width */
	case 9: /* current_link_width */
		if (dec_in(v, INT64_MIN, INT64_MAX, &i) < 0)
			return -EINVAL;
		*(k == 7 ? &d->max_width : &d->cur_width) = (double)i;
		return 0;
	case 10: /* numa_node */
		if (dec_in(v, INT32_MIN, INT32_MAX, &i) < 0)
			return -EINVAL;
		d->numa = (int32_t)i;
		d->has_numa = true;
		return 0;
	case 11: /* sriov_drivers_autoprobe */
	case 18: /* d3cold_allowed */
		if (dec_in(v, INT32_MIN, INT32_MAX, &i) < 0)
			return -EINVAL;
		*(k == 11 ? &d->autoprobe : &d->d3cold) = i != 0;
		return 0;
	case 12: /* sriov_numvfs */
	case 13: /* sriov_offset: checked, not reported */
	case 14: /* sriov_stride: checked, not reported */
	case 15: /* sriov_totalvfs */
		if (udec_max(v, UINT32_MAX, &u) < 0)
			return -EINVAL;
		if (k == 12)
			d->numvfs = (double)u;
		if (k == 15)
			d->totalvfs = (double)u;
		return 0;
	case 16: /* sriov_vf_device: hex, checked, not reported */
		for (size_t j = 0; j < v.len; j++)
			if (!strchr("0123456789abcdefABCDEF", v.p[j]) || v.p[j] == '\0')
				return -EINVAL;
		return v.len <= 8 ? 0 : -EINVAL;
	case 17: /* sriov_vf_total_msix */
		if (udec_max(v, UINT64_MAX, &u) < 0)
			return -EINVAL;
		d->msix = (double)u;
		return 0;
	default: /* 19: power_state, any word */
		d->power_len = v.len < sizeof(d->power) ? v.len : sizeof(d->power);
		memcpy(d->power, v.p, d->power_len);
		return 0;
	}
}

/* Format a location's four labels into bufs (each 12 bytes). */
static void loc_strings(const struct pci_loc *l, char s[4][12])
{
	snprintf(s[0], 12, "%04x", l->seg);
	snprintf(s[1], 12, "%02x", l->bus);
	snprintf(s[2], 12, "%02x", l->dev);
	snprintf(s[3], 12, "%x", l->fn);
}

/* The id text without "0x", as node_exporter looks names up by it. */
static struct span bare(const char *id)
{
	return (struct span){ id + 2, strlen(id) - 2 };
}

/* Name of kind for key (a span of key parts joined into tmp), else fallback. */
static struct span name_of(const struct pciids *db, enum pciids_kind kind, const struct span *parts,
			   size_t n, char *tmp, size_t cap, struct span fallback)
{
	size_t len = 0;
	struct span name;
	for (size_t i = 0; i < n; i++) {
		if (len + parts[i].len > cap)
			return fallback;
		memcpy(tmp + len, parts[i].p, parts[i].len);
		len += parts[i].len;
	}
	return pciids_lookup(db, kind, (struct span){ tmp, len }, &name) ? name : fallback;
}

/* The class name: the programming interface's, else the subclass's, else the base
 * class's, else "Unknown class (<id>)" in buf. */
static struct span class_name(const struct pciids *db, struct span cls, char *buf, size_t cap)
{
	static const size_t cut[3] = { 6, 4, 2 };
	static const enum pciids_kind kinds[3] = { PCIIDS_PROGIF, PCIIDS_SUBCLASS, PCIIDS_CLASS };
	struct span name;
	for (size_t i = 0; i < 3; i++)
		if (cls.len >= cut[i] &&
		    pciids_lookup(db, kinds[i], (struct span){ cls.p, cut[i] }, &name))
			return name;
	int n = snprintf(buf, cap, "Unknown class (%.*s)", (int)cls.len, cls.p);
	return (struct span){ buf, n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1 };
}

/* Emit node_pcidevice_info for d. */
static int emit_info(const struct pci_dev *d, const struct pciids *db, char loc[4][12],
		     struct metric_sink *out)
{
	static const char *const id_labels[6] = { "class_id",	      "vendor_id",
						  "device_id",	      "subsystem_vendor_id",
						  "subsystem_device_id", "revision" };
	static const char *const id_fmt[6] = { "0x%06x", "0x%04x", "0x%04x",
					       "0x%04x", "0x%04x", "0x%02x" };
	static const char *const parent_labels[4] = { "parent_segment", "parent_bus",
						      "parent_device", "parent_function" };
	static const char *const loc_labels[4] = { "segment", "bus", "device", "function" };
	char ids[6][16], parent[4][12], tmp[5][64], cls[48];
	struct label ls[4 + 4 + 6 + 5];
	size_t n = 0;
	if (d->has_parent)
		loc_strings(&d->parent, parent);
	for (size_t i = 0; i < 4; i++) {
		ls[n++] = L(loc_labels[i], loc[i]);
		ls[n++] = L(parent_labels[i], d->has_parent ? parent[i] : "*");
	}
	for (size_t i = 0; i < 6; i++) {
		snprintf(ids[i], sizeof(ids[i]), id_fmt[i], d->id[i]);
		ls[n++] = L(id_labels[i], ids[i]);
	}
	if (db) {
		struct span v = bare(ids[1]), dv = bare(ids[2]), sv = bare(ids[3]),
			    sd = bare(ids[4]);
		struct span vn = name_of(db, PCIIDS_VENDOR, &v, 1, tmp[0], 64, v);
		struct span dn = name_of(db, PCIIDS_DEVICE,
					 (struct span[]){ v, SPAN_LIT("\n"), dv }, 3, tmp[1], 64, dv);
		struct span svn = name_of(db, PCIIDS_VENDOR, &sv, 1, tmp[2], 64, sv);
		struct span sdn = name_of(db, PCIIDS_SUBSYS,
					  (struct span[]){ v, SPAN_LIT(":"), dv, SPAN_LIT("\n"), sv,
							   SPAN_LIT(":"), sd },
					  7, tmp[3], 64, sd);
		struct span cn = class_name(db, bare(ids[0]), cls, sizeof(cls));
		ls[n++] = LS("vendor_name", vn);
		ls[n++] = LS("device_name", dn);
		ls[n++] = LS("subsystem_vendor_name", svn);
		ls[n++] = LS("subsystem_device_name", sdn);
		ls[n++] = LS("class_name", cn);
	}
	return sink_add(out, &desc_info, 1, ls, n);
}

int pcidevice_emit(const struct pci_dev *d, const struct pciids *names, struct metric_sink *out)
{
	const struct metric_desc *const descs[9] = { &desc_max_speed, &desc_max_width,
						     &desc_cur_speed, &desc_cur_width,
						     &desc_d3cold,    &desc_autoprobe,
						     &desc_numvfs,    &desc_totalvfs,
						     &desc_msix };
	const double vals[9] = { d->max_speed < 0 ? -1 : d->max_speed * 1e9,
				 d->max_width,
				 d->cur_speed < 0 ? -1 : d->cur_speed * 1e9,
				 d->cur_width,
				 d->d3cold,
				 d->autoprobe,
				 d->numvfs,
				 d->totalvfs,
				 d->msix };
	char loc[4][12];
	int r;
	if (d->have_ids != (1u << PCIDEVICE_NIDS) - 1)
		return -EINVAL;
	loc_strings(&d->loc, loc);
#define LOC_LABELS L("segment", loc[0]), L("bus", loc[1]), L("device", loc[2]), L("function", loc[3])
	r = emit_info(d, names, loc, out);
	for (size_t i = 0; r == 0 && i < 9; i++)
		r = sink_add(out, descs[i], vals[i], LABELS(LOC_LABELS));
	for (size_t i = 0; r == 0 && d->power_len && i < 7; i++) {
		bool on = span_eq((struct span){ d->power, d->power_len }, power_states[i]);
		r = sink_add(out, &desc_power, on, LABELS(LOC_LABELS, L("state", power_states[i])));
	}
	if (r == 0 && d->has_numa && d->numa != -1)
		r = sink_add(out, &desc_numa, d->numa, LABELS(LOC_LABELS));
#undef LOC_LABELS
	return r;
}

/* Read device `name`, the index-th of the devices directory, and emit it. Returns 0 or
 * -errno. */
static int pcidevice_one(struct pcidevice_priv *p, const char *name, size_t index,
			 struct metric_sink *out)
{
	char target[PATH_MAX], buf[SYSFS_ATTR_MAX + 1];
	struct pci_loc loc, parent;
	bool has_parent;
	size_t len;
	int dirfd = dirscan_fd(&p->dir), fd, r;
	r = sysfs_readlink(dirfd, name, target, sizeof(target));
	if (r < 0)
		return r;
	if (pcidevice_link(span_cstr(target), &loc, &parent, &has_parent) < 0)
		return -EINVAL;
	fd = sysfs_open_dir(dirfd, name);
	if (fd < 0)
		return fd;
	pcidevice_reset(&p->dev, &loc, &parent, has_parent);
	int slot = heldattr_slot(&p->held, name, index);
	for (size_t i = 0; r == 0 && i < PCIDEVICE_NFILES; i++) {
		/* one read of at most SYSFS_ATTR_MAX bytes, trimmed: sysfs_attr's reading */
		r = heldattr_read_raw(&p->held, slot, i, fd, pcidevice_files[i], buf, sizeof(buf),
				      &len);
		if (r == -ENOENT && i >= PCIDEVICE_NIDS) {
			r = 0; /* optional */
			continue;
		}
		if (r == 0)
			r = pcidevice_record(&p->dev, pcidevice_files[i],
					     span_trim((struct span){ buf, len }));
	}
	if (r == 0)
		r = pcidevice_emit(&p->dev, p->names ? &p->ids : NULL, out);
	close(fd);
	return r;
}

/* Load pci.ids for --collector.pcidevice.names: the file the flag names, else the
 * first of Debian's two places. A file that cannot be read leaves the names at their
 * ids (logged at debug, as node_exporter does). Returns 0 or -ENOMEM. */
static int load_ids(struct pcidevice_priv *p, const char *flag)
{
	static const char *const defaults[2] = { "/usr/share/misc/pci.ids",
						 "/usr/share/hwdata/pci.ids" };
	struct procfile pf = { .fd = -1 };
	int r = -ENOENT;
	for (size_t i = 0; r < 0 && i < (flag && *flag ? 1u : 2u); i++) {
		procfile_fini(&pf);
		r = procfile_init(&pf, NULL, flag && *flag ? flag : defaults[i], PCIIDS_MAX);
		if (r == 0)
			r = procfile_read(&pf);
	}
	if (r < 0) {
		plog(LOG_DEBUG, "cannot read the PCI id database", "error", strerror(-r), PLOG_END);
		r = r == -ENOMEM ? r : 0;
		goto out;
	}
	r = pciids_parse(&p->ids, pf.buf, pf.len);
	if (r == -E2BIG) {
		plog(LOG_DEBUG, "PCI id database cut short", PLOG_END);
		r = 0;
	}
out:
	procfile_fini(&pf);
	return r;
}

static const char *ids_path(const struct plumb_config *cfg)
{
	const char *f = cfg_str(cfg, "collector.pcidevice.idsfile");
	return f && *f ? f : NULL;
}

/* Claim descriptors for the held attribute files, and declare pci.ids for the sandbox
 * when names are asked for. */
static int pcidevice_declare(struct collector *c, struct resources *res)
{
	const char *f = ids_path(c->cfg);
	int r = collector_claim(c, res, (uint64_t)PCIDEVICE_HELD_MAX * PCIDEVICE_NFILES);
	if (r < 0 || !cfg_bool(c->cfg, "collector.pcidevice.names"))
		return r;
	if (f)
		return res_path(res, f, NULL, RES_READ);
	r = res_path(res, "/usr/share/misc/pci.ids", NULL, RES_READ);
	if (r == 0)
		r = res_path(res, "/usr/share/hwdata/pci.ids", NULL, RES_READ);
	return r;
}

static int pcidevice_init(struct collector *c)
{
	struct pcidevice_priv *p = calloc(1, sizeof(*p));
	int r;
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	r = dirscan_init(&p->dir, cfg_sysfs(c->cfg), "bus/pci/devices");
	if (r == 0)
		r = heldattr_init(&p->held, PCIDEVICE_NFILES, PCIDEVICE_HELD_MAX, c->fd_budget);
	p->names = cfg_bool(c->cfg, "collector.pcidevice.names");
	if (r == 0 && p->names)
		r = load_ids(p, ids_path(c->cfg));
	return r;
}

static int pcidevice_collect(struct collector *c, struct metric_sink *out)
{
	struct pcidevice_priv *p = c->priv;
	const char *name;
	unsigned char type;
	size_t index = 0;
	heldattr_begin(&p->held);
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = pcidevice_one(p, name, index++, out);
	heldattr_end(&p->held);
	return r;
}

static void pcidevice_fini(struct collector *c)
{
	struct pcidevice_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	heldattr_fini(&p->held);
	pciids_fini(&p->ids);
	free(p);
	c->priv = NULL;
}

static const struct flag_def pcidevice_flags[] = {
	{ "collector.pcidevice.idsfile", FLAG_STRING, NULL,
	  "pci.ids file to name PCI devices from with --collector.pcidevice.names (default: "
	  "/usr/share/misc/pci.ids, else /usr/share/hwdata/pci.ids).",
	  false },
	{ "collector.pcidevice.names", FLAG_BOOL, "false",
	  "Add vendor, device, subsystem and class names from pci.ids to node_pcidevice_info.",
	  false },
	{ NULL, 0, NULL, NULL, false },
};

const struct collector_ops collector_ops_pcidevice = {
	.name = "pcidevice",
	.default_enabled = false,
	.reads = "/sys/bus/pci/devices, pci.ids",
	.flags = pcidevice_flags,
	.declare = pcidevice_declare,
	.init = pcidevice_init,
	.collect = pcidevice_collect,
	.fini = pcidevice_fini,
};
