/*
 * nvme: NVMe controllers and their namespaces from /sys/class/nvme, as node_exporter's
 * nvme collector reports them.
 *
 * Each class entry is a controller (a link into /sys/devices, or a link file in a
 * flattened copy): its firmware_rev, model, serial, state and cntlid become the labels
 * of node_nvme_info. Each namespace directory under it (nvme<C>n<N>) gives its size and
 * use in bytes: the nuse and size attributes count logical blocks, so both are
 * multiplied by queue/logical_block_size. A controller attribute or namespace count
 * that cannot be read fails the collection (as no data when the file is missing, which
 * node_exporter also treats so); ana_state is optional ("unknown").
 *
 * Steady state: the class directory is a dirscan held in priv, a controller's directory
 * is listed with an fdscan in priv, values go through a stack buffer into records in
 * priv: a scrape allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/nvme.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"

const char *const nvme_ctrl_files[NVME_NCTRL] = { "firmware_rev", "model", "serial", "state",
						  "cntlid" };
const char *const nvme_ns_files[NVME_NNS] = { "nuse", "size", "queue/logical_block_size",
					      "ana_state" };

/* Label names of nvme_ctrl_files, in order. */
static const char *const ctrl_labels[NVME_NCTRL] = { "firmware_revision", "model", "serial",
						     "state", "cntlid" };

static const struct metric_desc desc_info = {
	"node_nvme_info",
	"Always 1; labels carry the controller's firmware revision, model, serial number, "
	"state and controller id.",
	METRIC_GAUGE
};
static const struct metric_desc desc_ns_info = {
	"node_nvme_namespace_info",
	"Always 1; ana_state is the namespace's asymmetric access state (unknown without one).",
	METRIC_GAUGE
};
static const struct metric_desc desc_capacity = {
	"node_nvme_namespace_capacity_bytes",
	"Capacity of the namespace in bytes: its size in blocks times its logical block size.",
	METRIC_GAUGE
};
static const struct metric_desc desc_size = {
	"node_nvme_namespace_size_bytes",
	"Size of the namespace in bytes, from its size attribute (in logical blocks).",
	METRIC_GAUGE
};
static const struct metric_desc desc_used = {
	"node_nvme_namespace_used_bytes",
	"Bytes of the namespace in use, from its nuse attribute (in logical blocks).",
	METRIC_GAUGE
};
static const struct metric_desc desc_block = {
	"node_nvme_namespace_logical_block_size_bytes",
	"Logical block size of the namespace in bytes.", METRIC_GAUGE
};

struct nvme_priv {
	struct dirscan dir;   /* /sys/class/nvme */
	struct fdscan ctrl;   /* one controller's directory */
	struct nvme_ctrl info;
	struct nvme_ns ns;
};

bool nvme_namespace_id(const char *name, struct span *nsid)
{
	for (const char *p = strstr(name, "nvme"); p; p = strstr(p + 1, "nvme")) {
		const char *q = p + 4, *id;
		if (!ascii_digit(*q))
			continue;
		while (ascii_digit(*q))
			q++;
		if (*q++ != 'n' || !ascii_digit(*q))
			continue;
		id = q;
		while (ascii_digit(*q))
			q++;
		*nsid = (struct span){ id, (size_t)(q - id) };
		return true;
	}
	return false;
}

void nvme_ctrl_record(struct nvme_ctrl *c, const char *file, struct span value)
{
	for (size_t i = 0; i < NVME_NCTRL; i++) {
		if (strcmp(file, nvme_ctrl_files[i]) == 0) {
			c->len[i] = value.len < SYSFS_ATTR_MAX ? value.len : SYSFS_ATTR_MAX;
			memcpy(c->str[i], value.p, c->len[i]);
		}
	}
}

int nvme_ctrl_emit(const struct nvme_ctrl *c, const char *device, struct metric_sink *out)
{
	struct label ls[NVME_NCTRL + 1];
	ls[0] = L("device", device);
	for (size_t i = 0; i < NVME_NCTRL; i++)
		ls[i + 1] = (struct label){ ctrl_labels[i], c->str[i], c->len[i] };
	return sink_add(out, &desc_info, 1, ls, NVME_NCTRL + 1);
}

void nvme_ns_reset(struct nvme_ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->ana_len = strlen("unknown");
	memcpy(ns->ana, "unknown", ns->ana_len);
}

void nvme_ns_record(struct nvme_ns *ns, const char *file, struct span value)
{
	uint64_t *const counts[3] = { &ns->used_blocks, &ns->size_blocks, &ns->block_size };
	for (size_t i = 0; i < 3; i++) {
		uint64_t v;
		if (strcmp(file, nvme_ns_files[i]) == 0 && span_u64(value, &v) == 0)
			*counts[i] = v;
	}
	if (strcmp(file, "ana_state") == 0) {
		ns->ana_len = value.len < SYSFS_ATTR_MAX ? value.len : SYSFS_ATTR_MAX;
		memcpy(ns->ana, value.p, ns->ana_len);
	}
}

int nvme_ns_emit(const struct nvme_ns *ns, const char *device, struct span nsid,
		 struct metric_sink *out)
{
	/* unsigned products wrap as node_exporter's uint64 ones do */
	uint64_t size = ns->size_blocks * ns->block_size, used = ns->used_blocks * ns->block_size;
	int r = sink_add(out, &desc_ns_info, 1,
			 LABELS(L("device", device), LS("nsid", nsid),
				((struct label){ "ana_state", ns->ana, ns->ana_len })));
	if (r == 0)
		r = sink_add(out, &desc_capacity, (double)size, LABELS(L("device", device), LS("nsid", nsid)));
	if (r == 0)
		r = sink_add(out, &desc_size, (double)size, LABELS(L("device", device), LS("nsid", nsid)));
	if (r == 0)
		r = sink_add(out, &desc_used, (double)used, LABELS(L("device", device), LS("nsid", nsid)));
	if (r == 0)
		r = sink_add(out, &desc_block, (double)ns->block_size,
			     LABELS(L("device", device), LS("nsid", nsid)));
	return r;
}

/* Read namespace directory `entry` (number nsid) of the controller directory ctrlfd
 * and emit it for controller `device`. Returns 0 or -errno. */
static int nvme_namespace(struct nvme_priv *p, int ctrlfd, const char *entry, struct span nsid,
			  const char *device, struct metric_sink *out)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span val;
	int r = 0;
	int fd = sysfs_open_dir(ctrlfd, entry);
	if (fd < 0)
		return fd;
	nvme_ns_reset(&p->ns);
	for (size_t i = 0; i < NVME_NNS; i++) {
		r = sysfs_attr(fd, nvme_ns_files[i], buf, sizeof(buf), &val);
		if (r < 0 && i == NVME_NNS - 1) {
			r = 0; /* ana_state is optional */
			continue;
		}
		if (r < 0)
			goto out_close;
		nvme_ns_record(&p->ns, nvme_ns_files[i], val);
	}
	r = nvme_ns_emit(&p->ns, device, nsid, out);
out_close:
	close(fd);
	return r;
}

/* Read controller `name` of the class directory with its namespaces and emit them.
 * Returns 0 or -errno. */
static int nvme_controller(struct nvme_priv *p, const char *name, struct metric_sink *out)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span val, nsid;
	const char *entry;
	unsigned char type;
	int r = 0;
	int fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	if (fd < 0)
		return fd;
	memset(&p->info, 0, sizeof(p->info));
	for (size_t i = 0; r == 0 && i < NVME_NCTRL; i++) {
		r = sysfs_attr(fd, nvme_ctrl_files[i], buf, sizeof(buf), &val);
		if (r == 0)
			nvme_ctrl_record(&p->info, nvme_ctrl_files[i], val);
	}
	if (r == 0)
		r = nvme_ctrl_emit(&p->info, name, out);
	if (r == 0)
		r = fdscan_start(&p->ctrl, fd);
	while (r == 0 && (r = fdscan_next(&p->ctrl, &entry, &type)) > 0)
		r = nvme_namespace_id(entry, &nsid) ? nvme_namespace(p, fd, entry, nsid, name, out) : 0;
	close(fd);
	return r;
}

static int nvme_init(struct collector *c)
{
	struct nvme_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/nvme");
}

static int nvme_collect(struct collector *c, struct metric_sink *out)
{
	struct nvme_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = nvme_controller(p, name, out);
	return r;
}

static void nvme_fini(struct collector *c)
{
	struct nvme_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_nvme = {
	.name = "nvme",
	.default_enabled = true,
	.reads = "/sys/class/nvme",
	.init = nvme_init,
	.collect = nvme_collect,
	.fini = nvme_fini,
};
