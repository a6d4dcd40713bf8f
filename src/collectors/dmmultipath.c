/*
 * dmmultipath: device-mapper multipath maps from /sys/block/dm-*, as node_exporter's
 * dmmultipath collector reports them.
 *
 * A dm device is a multipath map when its dm/uuid starts with "mpath-". For each map
 * the collector reads dm/name, dm/suspended and size, lists slaves/ (its paths) and
 * reads each path's /sys/block/<path>/device/state ("running" and "live" count as
 * usable). As in node_exporter, a dm device without dm/uuid is skipped, a map without
 * slaves/ has no paths, and any other file that is missing or unreadable for want of
 * permission makes the collection report no data (success 0, logged at debug), while
 * other errors and numbers that do not parse fail it. A host without multipath maps
 * reports success and no series; one without /sys/block reports no data.
 *
 * Steady state: /sys/block is listed with a dirscan (held open); a map's slaves/ with
 * an fdscan; attributes are read into buffers in the collector's state or on the stack,
 * so a collection allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/dmmultipath.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/procfile.h"
#include "lib/sysfs.h"

static const struct metric_desc desc_info = {
	"node_dmmultipath_device_info",
	"A multipath map's device-mapper name, block device name and DM uuid; always 1.",
	METRIC_GAUGE
};
static const struct metric_desc desc_active = {
	"node_dmmultipath_device_active", "1 when the multipath map is live, 0 when suspended.",
	METRIC_GAUGE
};
static const struct metric_desc desc_size = {
	"node_dmmultipath_device_size_bytes", "Size of the multipath map (sysfs size times 512).",
	METRIC_GAUGE
};
static const struct metric_desc desc_paths = {
	"node_dmmultipath_device_paths", "Paths (slave devices) of the multipath map.",
	METRIC_GAUGE
};
static const struct metric_desc desc_paths_active = {
	"node_dmmultipath_device_paths_active",
	"Paths of the map whose device state is usable (SCSI running, NVMe live).", METRIC_GAUGE
};
static const struct metric_desc desc_paths_failed = {
	"node_dmmultipath_device_paths_failed", "Paths of the map in any other device state.",
	METRIC_GAUGE
};
static const struct metric_desc desc_path_state = {
	"node_dmmultipath_path_state",
	"1 for each path of a multipath map, labelled with its /sys/block/<path>/device/state.",
	METRIC_GAUGE
};

/* ---- parsing ---- */

struct span dmmultipath_attr(struct span raw)
{
	if (raw.len > SYSFS_ATTR_MAX)
		raw.len = SYSFS_ATTR_MAX;
	return span_trim(raw);
}

bool dmmultipath_is_multipath(struct span uuid_raw)
{
	return span_starts(dmmultipath_attr(uuid_raw), "mpath-");
}

int dmmultipath_parse_numbers(struct span suspended_raw, struct span size_raw,
			      struct dmmultipath_device *d)
{
	uint64_t suspended, sectors;
	if (span_u64(suspended_raw, &suspended) < 0 || span_u64(size_raw, &sectors) < 0)
		return -EINVAL;
	d->suspended = suspended == 1;
	d->size_bytes = sectors * 512; /* Go's uint64 product wraps the same way */
	return 0;
}

bool dmmultipath_path_usable(struct span state)
{
	return span_eq(state, "running") || span_eq(state, "live");
}

int dmmultipath_emit_path(struct dmmultipath_device *d, const char *path,
			  struct span state_raw, struct metric_sink *out)
{
	struct span state = dmmultipath_attr(state_raw);
	d->paths++;
	d->active += dmmultipath_path_usable(state);
	return sink_add(out, &desc_path_state, 1,
			LABELS(LS("device", d->name), L("path", path), LS("state", state)));
}

int dmmultipath_emit_device(const struct dmmultipath_device *d, struct metric_sink *out)
{
	const struct label lb[] = { LS("device", d->name), L("sysfs_name", d->sysfs_name) };
	const struct {
		const struct metric_desc *desc;
		double v;
	} gauges[] = {
		{ &desc_active, d->suspended ? 0 : 1 },
		{ &desc_size, (double)d->size_bytes },
		{ &desc_paths, d->paths },
		{ &desc_paths_active, d->active },
		{ &desc_paths_failed, d->paths - d->active },
	};
	int r = sink_add(out, &desc_info, 1,
			 LABELS(LS("device", d->name), L("sysfs_name", d->sysfs_name),
				LS("uuid", d->uuid)));
	for (size_t i = 0; r == 0 && i < sizeof(gauges) / sizeof(gauges[0]); i++)
		r = sink_add(out, gauges[i].desc, gauges[i].v, lb, 2);
	return r;
}

/* ---- the collector ---- */

/* Whole-file reads of dm/suspended and size: a page is far more than they hold. */
#define DM_NUM_MAX 4097

struct dm_priv {
	struct dirscan block;  /* /sys/block */
	struct fdscan slaves;  /* one map's slaves/ */
	char suspended[DM_NUM_MAX], size[DM_NUM_MAX];
};

/* Read /sys/block/<path>/device/state (through link files too) into buf[SYSFS_ATTR_MAX]
 * as it is; *raw gets the text. Returns 0 or -errno. */
static int read_state(int blockfd, const char *path, char *buf, struct span *raw)
{
	char rel[NAME_MAX + 16];
	size_t n = 0;
	int r = -ENAMETOOLONG, devfd = -1, linkfd = -1;
	if ((size_t)snprintf(rel, sizeof(rel), "%s/device/state", path) >= sizeof(rel))
		goto out;
	r = sysfs_read(blockfd, rel, buf, SYSFS_ATTR_MAX, &n);
	if (r != -ENOTDIR)
		goto out;
	/* a link stored as a file on the way (a copied tree): follow it step by step */
	if ((r = devfd = sysfs_open_dir(blockfd, path)) < 0 ||
	    (r = linkfd = sysfs_open_dir(devfd, "device")) < 0)
		goto out;
	r = sysfs_read(linkfd, "state", buf, SYSFS_ATTR_MAX, &n);
out:
	if (linkfd >= 0)
		close(linkfd);
	if (devfd >= 0)
		close(devfd);
	*raw = (struct span){ buf, n };
	return r;
}

/* List the map's slaves/ (devfd: its directory) and emit a path_state per path. No
 * slaves/ means no paths. Returns 0 or -errno. */
static int collect_paths(struct dm_priv *p, int devfd, struct dmmultipath_device *d,
			 struct metric_sink *out)
{
	char state[SYSFS_ATTR_MAX];
	struct span raw;
	const char *name;
	unsigned char type;
	int r = 0, sfd = openat(devfd, "slaves", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fdscan_start(&p->slaves, sfd);
	while (r == 0) {
		int more = fdscan_next(&p->slaves, &name, &type);
		if (more <= 0) {
			r = more;
			break;
		}
		r = read_state(dirscan_fd(&p->block), name, state, &raw);
		if (r == 0)
			r = dmmultipath_emit_path(d, name, raw, out);
	}
	close(sfd);
	return r;
}

/* Emit the series of /sys/block/<name> if it is a multipath map. Returns 0 (also for a
 * device that is not one, or is gone) or -errno. */
static int collect_device(struct dm_priv *p, const char *name, struct metric_sink *out)
{
	char uuid[SYSFS_ATTR_MAX], dmname[SYSFS_ATTR_MAX];
	size_t nu, nn, ns, nz;
	struct dmmultipath_device d = { .sysfs_name = name };
	int r, devfd = sysfs_open_dir(dirscan_fd(&p->block), name);
	if (devfd < 0)
		return devfd == -ENOENT ? 0 : devfd; /* gone since listed: as no dm/uuid */
	r = sysfs_read(devfd, "dm/uuid", uuid, sizeof(uuid), &nu);
	if (r < 0 || !dmmultipath_is_multipath((struct span){ uuid, nu })) {
		r = r == -ENOENT ? 0 : r; /* not a device-mapper device at all */
		goto out;
	}
	d.uuid = dmmultipath_attr((struct span){ uuid, nu });
	if ((r = sysfs_read(devfd, "dm/name", dmname, sizeof(dmname), &nn)) < 0 ||
	    (r = read_file_dirfd(devfd, "dm/suspended", p->suspended, DM_NUM_MAX, &ns)) < 0 ||
	    (r = read_file_dirfd(devfd, "size", p->size, DM_NUM_MAX, &nz)) < 0)
		goto out;
	d.name = dmmultipath_attr((struct span){ dmname, nn });
	r = dmmultipath_parse_numbers((struct span){ p->suspended, ns },
				      (struct span){ p->size, nz }, &d);
	if (r == 0)
		r = collect_paths(p, devfd, &d, out);
	if (r == 0)
		r = dmmultipath_emit_device(&d, out);
out:
	close(devfd);
	return r;
}

static int dm_init(struct collector *c)
{
	struct dm_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->block.fd = -1;
	c->priv = p;
	return dirscan_init(&p->block, cfg_sysfs(c->cfg), "block");
}

static int dm_collect(struct collector *c, struct metric_sink *out)
{
	struct dm_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->block);
	while (r >= 0 && (r = dirscan_next(&p->block, &name, &type)) > 0) {
		if (strncmp(name, "dm-", 3) == 0)
			r = collect_device(p, name, out);
	}
	/* node_exporter reports a file that is missing or forbidden as "no data" */
	return r == -EACCES ? -ENOENT : r;
}

static void dm_fini(struct collector *c)
{
	struct dm_priv *p = c->priv;
	if (p)
		dirscan_fini(&p->block);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_dmmultipath = {
	.name = "dmmultipath",
	.default_enabled = true,
	.reads = "/sys/block/dm-*/{dm/,size,slaves/}, /sys/block/<path>/device/state",
	.init = dm_init,
	.collect = dm_collect,
	.fini = dm_fini,
};
