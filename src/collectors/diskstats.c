/*
 * diskstats: block device I/O counters from /proc/diskstats, as node_exporter's
 * diskstats collector reports them.
 *
 * Each line of /proc/diskstats is "major minor name" and 11, 15 or 17 counters
 * (kernels add the discard and then the flush fields). Counters are turned into
 * node_disk_* families: sectors into bytes (x512, except discarded sectors, which
 * node_exporter keeps as sectors) and milliseconds into seconds. Per device we also
 * read its udev database file (<udev>/b<major>:<minor>) for node_disk_info and the
 * filesystem, device-mapper and ATA families, /sys/block/<dev>/queue/rotational, and
 * for device-mapper devices the backing devices in /sys/block/<dev>/slaves.
 *
 * Steady state: /proc/diskstats is held open (procfile); udev and sysfs files are
 * read into buffers inside priv, and slaves/ is listed with a dirscan, so a scrape
 * allocates nothing. queue/rotational of up to DISKSTATS_HELD_MAX devices is held open
 * and re-read with pread (lib/heldattr.h). udev replaces a device's database file (it
 * writes a new one and renames it over the old) when it learns something about the
 * device, so for the devices with a held slot the text last read is kept with the
 * file's inode, size, and change and modification times, and the file is read again
 * only when one fstatat, relative to the udev folder held open, finds any of those
 * changed. Keeping a text allocates when a device's file first appears or grows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/diskstats.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/heldattr.h"
#include "lib/log.h"
#include "lib/procfile.h"

#define DISKSTATS_DEFAULT_EXCLUDE "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$"

static const struct flag_def diskstats_flags[] = {
	{ "collector.diskstats.device-exclude", FLAG_REGEX, DISKSTATS_DEFAULT_EXCLUDE,
	  "Block devices to leave out, as a regular expression (not with device-include).",
	  false },
	{ "collector.diskstats.device-include", FLAG_REGEX, NULL,
	  "Only report block devices matching this regular expression (not with "
	  "device-exclude; set --collector.diskstats.device-exclude= to use it).",
	  false },
	{ "collector.diskstats.ignored-devices", FLAG_REGEX, NULL,
	  "Deprecated spelling of --collector.diskstats.device-exclude.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* How each counter of a line becomes a sample: family, and the factor applied. */
struct stat_desc {
	struct metric_desc d;
	double scale;
};

static const struct stat_desc stat_descs[DISKSTATS_MAX_STATS] = {
	{ { "node_disk_reads_completed_total", "Reads the device completed.", METRIC_COUNTER }, 1 },
	{ { "node_disk_reads_merged_total", "Adjacent reads merged into one before issue.",
	    METRIC_COUNTER }, 1 },
	{ { "node_disk_read_bytes_total", "Bytes the device read.", METRIC_COUNTER }, 512 },
	{ { "node_disk_read_time_seconds_total", "Seconds spent in reads, summed over all reads.",
	    METRIC_COUNTER }, 0.001 },
	{ { "node_disk_writes_completed_total", "Writes the device completed.", METRIC_COUNTER },
	  1 },
	{ { "node_disk_writes_merged_total", "Adjacent writes merged into one before issue.",
	    METRIC_COUNTER }, 1 },
	{ { "node_disk_written_bytes_total", "Bytes the device wrote.", METRIC_COUNTER }, 512 },
	{ { "node_disk_write_time_seconds_total",
	    "Seconds spent in writes, summed over all writes.", METRIC_COUNTER }, 0.001 },
	{ { "node_disk_io_now", "I/O requests in flight right now.", METRIC_GAUGE }, 1 },
	{ { "node_disk_io_time_seconds_total", "Seconds the device had I/O in flight.",
	    METRIC_COUNTER }, 0.001 },
	{ { "node_disk_io_time_weighted_seconds_total",
	    "Seconds of I/O weighted by the number of requests in flight.", METRIC_COUNTER },
	  0.001 },
	{ { "node_disk_discards_completed_total", "Discards the device completed.",
	    METRIC_COUNTER }, 1 },
	{ { "node_disk_discards_merged_total", "Adjacent discards merged into one.",
	    METRIC_COUNTER }, 1 },
	{ { "node_disk_discarded_sectors_total", "Sectors discarded.", METRIC_COUNTER }, 1 },
	{ { "node_disk_discard_time_seconds_total",
	    "Seconds spent in discards, summed over all discards.", METRIC_COUNTER }, 0.001 },
	{ { "node_disk_flush_requests_total", "Flush requests the device completed.",
	    METRIC_COUNTER }, 1 },
	{ { "node_disk_flush_requests_time_seconds_total",
	    "Seconds spent in flush requests.", METRIC_COUNTER }, 0.001 },
};

static const struct metric_desc desc_info = {
	"node_disk_info", "Identity of a block device from udev and sysfs; always 1.",
	METRIC_GAUGE
};
static const struct metric_desc desc_fs_info = {
	"node_disk_filesystem_info", "Filesystem signature udev found on a block device; always 1.",
	METRIC_GAUGE
};
static const struct metric_desc desc_dm_info = {
	"node_disk_device_mapper_info", "Device-mapper names of a block device; always 1.",
	METRIC_GAUGE
};
static const struct metric_desc desc_dm_backing = {
	"node_disk_device_mapper_backing_device_info",
	"A block device underlying a device-mapper device; always 1.", METRIC_GAUGE
};

/* The ATA properties reported as gauges, in udev's names. */
static const struct {
	const char *prop;
	struct metric_desc d;
} ata_descs[] = {
	{ "ID_ATA_WRITE_CACHE",
	  { "node_disk_ata_write_cache", "1 if the ATA disk has a write cache.", METRIC_GAUGE } },
	{ "ID_ATA_WRITE_CACHE_ENABLED",
	  { "node_disk_ata_write_cache_enabled", "1 if the ATA disk's write cache is on.",
	    METRIC_GAUGE } },
	{ "ID_ATA_ROTATION_RATE_RPM",
	  { "node_disk_ata_rotation_rate_rpm", "Rotation rate of the ATA disk; 0 for SSDs.",
	    METRIC_GAUGE } },
};

#define UDEV_BUF 65536
#define DISKSTATS_HELD_MAX 256 /* devices whose queue/rotational is held open, at most */

/* A device's udev database file as last read, for the device in the same held slot. */
struct udev_memo {
	char key[24];                 /* "b<major>:<minor>" it was read for; "" when none */
	struct stat st;               /* the file as it was before that read */
	char *text;                   /* owned; text[0..len) */
	size_t len, cap;
};

struct diskstats_priv {
	struct procfile pf;
	struct filter filter;
	const char *sysfs;
	const char *udev;
	struct dirscan slaves;
	struct heldattr held; /* queue/rotational per device */
	struct udev_memo *memo; /* held.nslots of them, by held slot */
	int udev_fd;          /* the udev folder, or -1 when not open (yet) */
	size_t ndev;          /* devices visited this scrape: the slot hint */
	char udev_buf[UDEV_BUF];
	char attr[64];
};

int diskstats_parse_line(struct span line, struct diskstats_dev *d)
{
	struct span w;
	uint64_t v;
	memset(d, 0, sizeof(*d));
	if (!span_word(&line, &w))
		return 0;
	if (span_u64(w, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	d->major = (uint32_t)v;
	if (!span_word(&line, &w))
		return 0;
	if (span_u64(w, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	d->minor = (uint32_t)v;
	if (!span_word(&line, &d->name) || memchr(d->name.p, '\0', d->name.len))
		return 0; /* no name, or one no kernel writes: not a device line */
	while (d->nstats < DISKSTATS_MAX_STATS && span_word(&line, &w)) {
		if (span_u64(w, &d->stats[d->nstats]) < 0)
			return -EINVAL;
		d->nstats++;
	}
	return d->nstats >= 11 ? 1 : 0;
}

int diskstats_emit_stats(const struct diskstats_dev *d, struct metric_sink *out)
{
	for (unsigned i = 0; i < d->nstats && i < DISKSTATS_MAX_STATS; i++) {
		double v = (double)d->stats[i] * stat_descs[i].scale;
		int r = sink_add(out, &stat_descs[i].d, v, LABELS(LS("device", d->name)));
		if (r < 0)
			return r;
	}
	return 0;
}

int diskstats_parse(const char *buf, size_t len, const struct filter *f,
		    struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	struct diskstats_dev d;
	while (cursor_line(&cur, &line)) {
		int r = diskstats_parse_line(line, &d);
		if (r < 0)
			return r;
		if (r == 0 || (f && !filter_pass(f, d.name.p, d.name.len)))
			continue;
		r = diskstats_emit_stats(&d, out);
		if (r < 0)
			return r;
	}
	return 0;
}

bool udev_prop(struct span file, const char *key, struct span *val)
{
	struct cursor cur = cursor_init(file.p, file.len);
	struct span line;
	size_t klen = strlen(key);
	bool found = false;
	while (cursor_line(&cur, &line)) {
		if (line.len < 2 + klen + 1 || line.p[0] != 'E' || line.p[1] != ':')
			continue;
		if (memcmp(line.p + 2, key, klen) != 0 || line.p[2 + klen] != '=')
			continue;
		val->p = line.p + 2 + klen + 1;
		val->len = line.len - 2 - klen - 1;
		found = !memchr(val->p, '\0', val->len); /* a NUL cannot go into a label */
	}
	return found;
}

/* The value of udev property key, or an empty span. */
static struct span prop_or_empty(struct span udev, const char *key)
{
	struct span v = { "", 0 };
	if (!udev_prop(udev, key, &v))
		v = (struct span){ "", 0 };
	return v;
}

/* Emit node_disk_ata_* for dev when udev says it is an ATA disk. */
static int emit_ata(struct span dev, struct span udev, struct metric_sink *out)
{
	if (prop_or_empty(udev, "ID_ATA").len == 0)
		return 0;
	for (size_t i = 0; i < sizeof(ata_descs) / sizeof(ata_descs[0]); i++) {
		struct span v;
		double x;
		if (!udev_prop(udev, ata_descs[i].prop, &v))
			continue;
		if (span_double(v, &x) < 0)
			continue; /* node_exporter logs and skips values it cannot parse */
		int r = sink_add(out, &ata_descs[i].d, x, LABELS(LS("device", dev)));
		if (r < 0)
			return r;
	}
	return 0;
}

int diskstats_emit_udev(struct span dev, struct span udev, struct metric_sink *out)
{
	int r = 0;
	struct span fstype = prop_or_empty(udev, "ID_FS_TYPE");
	if (fstype.len) {
		r = sink_add(out, &desc_fs_info, 1,
			     LABELS(LS("device", dev), LS("type", fstype),
				    LS("usage", prop_or_empty(udev, "ID_FS_USAGE")),
				    LS("uuid", prop_or_empty(udev, "ID_FS_UUID")),
				    LS("version", prop_or_empty(udev, "ID_FS_VERSION"))));
		if (r < 0)
			return r;
	}
	struct span dm = prop_or_empty(udev, "DM_NAME");
	if (dm.len) {
		r = sink_add(out, &desc_dm_info, 1,
			     LABELS(LS("device", dev),
				    LS("lv_layer", prop_or_empty(udev, "DM_LV_LAYER")),
				    LS("lv_name", prop_or_empty(udev, "DM_LV_NAME")), LS("name", dm),
				    LS("uuid", prop_or_empty(udev, "DM_UUID")),
				    LS("vg_name", prop_or_empty(udev, "DM_VG_NAME"))));
		if (r < 0)
			return r;
	}
	return emit_ata(dev, udev, out);
}

/* The serial number node_exporter reports: SCSI_IDENT_SERIAL, else ID_SERIAL_SHORT,
 * else ID_SERIAL. */
static struct span udev_serial(struct span udev)
{
	static const char *const keys[] = { "SCSI_IDENT_SERIAL", "ID_SERIAL_SHORT", "ID_SERIAL" };
	struct span v = { "", 0 };
	for (size_t i = 0; i < 3 && v.len == 0; i++)
		v = prop_or_empty(udev, keys[i]);
	return v;
}

/* Whether file st (named key) is the one memo m was read from: same name, a regular
 * file with the same identity, size and times. */
static bool memo_matches(const struct udev_memo *m, const char *key, const struct stat *st)
{
	const struct stat *o = &m->st;
	return m->key[0] && strcmp(m->key, key) == 0 && S_ISREG(st->st_mode) &&
	       st->st_dev == o->st_dev && st->st_ino == o->st_ino && st->st_size == o->st_size &&
	       st->st_mtim.tv_sec == o->st_mtim.tv_sec && st->st_mtim.tv_nsec == o->st_mtim.tv_nsec &&
	       st->st_ctim.tv_sec == o->st_ctim.tv_sec && st->st_ctim.tv_nsec == o->st_ctim.tv_nsec;
}

/* Keep text[0..len), read from the file named key that fstatat found as st, in m. On
 * allocation failure m keeps nothing (the text is read again next scrape). */
static void memo_keep(struct udev_memo *m, const char *key, const struct stat *st,
		      const char *text, size_t len)
{
	m->key[0] = '\0';
	if (len > m->cap) {
		char *t = realloc(m->text, len);
		if (!t)
			return;
		m->text = t;
		m->cap = len;
	}
	if (len)
		memcpy(m->text, text, len);
	m->len = len;
	m->st = *st;
	snprintf(m->key, sizeof(m->key), "%s", key);
}

/* The udev database text of d, whose held slot is slot (or -1): kept from the last
 * read while the file is the same, else read into p->udev_buf. Empty when the file is
 * missing or unreadable (the device is still reported, with empty labels). */
static struct span read_udev(struct diskstats_priv *p, const struct diskstats_dev *d, int slot)
{
	char rel[24];
	size_t len = 0;
	struct stat st;
	snprintf(rel, sizeof(rel), "b%u:%u", d->major, d->minor);
	struct udev_memo *m = slot >= 0 && p->memo ? &p->memo[slot] : NULL;
	bool known = m && p->udev_fd >= 0 && fstatat(p->udev_fd, rel, &st, 0) == 0;
	if (known && memo_matches(m, rel, &st))
		return (struct span){ m->text, m->len };
	int r = read_file_at(p->udev, rel, p->udev_buf, sizeof(p->udev_buf), &len);
	if (r < 0 && r != -EFBIG)
		len = 0;
	if (m && known && r == 0)
		memo_keep(m, rel, &st, p->udev_buf, len);
	else if (m)
		m->key[0] = '\0';
	return (struct span){ p->udev_buf, len };
}

/* /sys/block/<dev>/queue/rotational in base 2, as node_exporter formats it, read
 * through held slot slot (or -1); "0" when the file is missing. out must hold 66
 * bytes. */
static void read_rotational(struct diskstats_priv *p, const char *dev, int slot, char *out)
{
	char rel[PATH_MAX];
	size_t len = 0;
	uint64_t v = 0;
	if (path_join(rel, sizeof(rel), p->sysfs, "block") < 0 ||
	    strlen(rel) + strlen(dev) + 18 > sizeof(rel))
		rel[0] = '\0'; /* cannot name it: read as missing */
	else
		snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "/%s/queue/rotational", dev);
	if (!rel[0] ||
	    heldattr_read_raw(&p->held, slot, 0, AT_FDCWD, rel, p->attr, sizeof(p->attr), &len) < 0 ||
	    span_u64((struct span){ p->attr, len }, &v) < 0)
		v = 0;
	char tmp[65];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + (v & 1));
		v >>= 1;
	} while (v);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

/* Emit node_disk_device_mapper_backing_device_info for each entry of
 * /sys/block/<dev>/slaves; a missing directory emits nothing. */
static int emit_backing(struct diskstats_priv *p, const char *dev, struct metric_sink *out)
{
	char rel[PATH_MAX];
	const char *name;
	unsigned char type;
	int r;
	snprintf(rel, sizeof(rel), "block/%s/slaves", dev);
	if (dirscan_init(&p->slaves, p->sysfs, rel) < 0)
		return 0;
	if (dirscan_rewind(&p->slaves) < 0)
		goto out_close;
	while ((r = dirscan_next(&p->slaves, &name, &type)) > 0) {
		r = sink_add(out, &desc_dm_backing, 1,
			     LABELS(L("backing_device", name), L("device", dev)));
		if (r < 0)
			break;
	}
out_close:
	dirscan_fini(&p->slaves);
	return 0;
}

/* Everything node_exporter reports about one device that passed the filter. */
static int emit_device(struct diskstats_priv *p, const struct diskstats_dev *d,
		       struct metric_sink *out)
{
	char dev[256], major[12], minor[12], rot[66];
	if (span_copy(d->name, dev, sizeof(dev)) < 0 || memchr(d->name.p, '/', d->name.len))
		return 0; /* no kernel names a disk like that: skip rather than build odd paths */
	snprintf(major, sizeof(major), "%u", d->major);
	snprintf(minor, sizeof(minor), "%u", d->minor);
	int slot = heldattr_slot(&p->held, dev, p->ndev++);
	struct span udev = read_udev(p, d, slot);
	read_rotational(p, dev, slot, rot);
	int r = sink_add(out, &desc_info, 1,
			 LABELS(L("device", dev), L("major", major), L("minor", minor),
				LS("model", prop_or_empty(udev, "ID_MODEL")),
				LS("path", prop_or_empty(udev, "ID_PATH")),
				LS("revision", prop_or_empty(udev, "ID_REVISION")),
				L("rotational", rot), LS("serial", udev_serial(udev)),
				LS("wwn", prop_or_empty(udev, "ID_WWN"))));
	if (r < 0)
		return r;
	r = diskstats_emit_stats(d, out);
	if (r < 0)
		return r;
	r = diskstats_emit_udev(d->name, udev, out);
	if (r < 0)
		return r;
	if (prop_or_empty(udev, "DM_NAME").len)
		r = emit_backing(p, dev, out);
	return r;
}

/* Build the device filter from the flags, with node_exporter's rules: the deprecated
 * ignored-devices replaces device-exclude unless both are given, and device-exclude
 * and device-include may not both be set. Returns 0 or -EINVAL. */
static int diskstats_filter(struct diskstats_priv *p, const struct plumb_config *cfg)
{
	const char *ex = cfg_str(cfg, "collector.diskstats.device-exclude");
	const char *in = cfg_str(cfg, "collector.diskstats.device-include");
	const char *old = cfg_str(cfg, "collector.diskstats.ignored-devices");
	if (old && *old) {
		if (cfg_given(cfg, "collector.diskstats.device-exclude")) {
			plog(LOG_ERROR, "--collector.diskstats.ignored-devices and "
			     "--collector.diskstats.device-exclude are mutually exclusive", PLOG_END);
			return -EINVAL;
		}
		plog(LOG_WARN, "--collector.diskstats.ignored-devices is deprecated, use "
		     "--collector.diskstats.device-exclude", PLOG_END);
		ex = old;
	}
	if (ex && *ex && in && *in) {
		plog(LOG_ERROR, "--collector.diskstats.device-exclude and device-include are "
		     "mutually exclusive", PLOG_END);
		return -EINVAL;
	}
	return filter_init(&p->filter, in, ex);
}

static int diskstats_init(struct collector *c)
{
	struct diskstats_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->pf.fd = -1;
	p->slaves.fd = -1;
	p->udev_fd = -1;
	p->sysfs = cfg_sysfs(c->cfg);
	p->udev = cfg_udev(c->cfg);
	struct stat st;
	if (stat(p->udev, &st) < 0 || !S_ISDIR(st.st_mode))
		plog(LOG_WARN, "udev database not readable; disk labels from udev stay empty",
		     "path", p->udev, PLOG_END);
	int r = diskstats_filter(p, c->cfg);
	if (r == 0)
		r = heldattr_init(&p->held, 1, DISKSTATS_HELD_MAX, c->fd_budget ? c->fd_budget - 1 : 0);
	if (r == 0 && p->held.nslots && !(p->memo = calloc(p->held.nslots, sizeof(*p->memo))))
		r = -ENOMEM;
	if (r < 0)
		return r;
	return procfile_init(&p->pf, cfg_procfs(c->cfg), "diskstats", 0);
}

/* Claim the queue/rotational files it may hold, and the udev folder. */
static int diskstats_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, DISKSTATS_HELD_MAX + 1);
}

static int diskstats_collect(struct collector *c, struct metric_sink *out)
{
	struct diskstats_priv *p = c->priv;
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r;
	struct cursor cur = cursor_init(p->pf.buf, p->pf.len);
	struct span line;
	struct diskstats_dev d;
	heldattr_begin(&p->held);
	p->ndev = 0;
	if (p->udev_fd < 0) /* once a scrape until it opens: udev may start after plumb */
		p->udev_fd = open(p->udev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (cursor_line(&cur, &line)) {
		r = diskstats_parse_line(line, &d);
		if (r < 0)
			return r;
		if (r == 0 || !filter_pass(&p->filter, d.name.p, d.name.len))
			continue;
		r = emit_device(p, &d, out);
		if (r < 0)
			return r;
	}
	heldattr_end(&p->held);
	return 0;
}

static void diskstats_fini(struct collector *c)
{
	struct diskstats_priv *p = c->priv;
	if (!p)
		return;
	procfile_fini(&p->pf);
	filter_fini(&p->filter);
	dirscan_fini(&p->slaves);
	for (size_t i = 0; p->memo && i < p->held.nslots; i++)
		free(p->memo[i].text);
	free(p->memo);
	heldattr_fini(&p->held);
	if (p->udev_fd >= 0)
		close(p->udev_fd);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_diskstats = {
	.name = "diskstats",
	.default_enabled = true,
	.reads = "/proc/diskstats, udev database, /sys/block",
	.flags = diskstats_flags,
	.declare = diskstats_declare,
	.init = diskstats_init,
	.collect = diskstats_collect,
	.fini = diskstats_fini,
};
