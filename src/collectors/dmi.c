/*
 * dmi: the firmware's identity strings (BIOS, board, chassis, product) from
 * /sys/class/dmi/id, as the labels of node_dmi_info, as node_exporter's dmi collector
 * reports them.
 *
 * Like node_exporter, the strings are read once, at start-up: they change only with a
 * reboot. Start-up runs before plumb drops its privileges, so the serial numbers and
 * product_uuid, which only root may read, are there when plumb starts as root; the
 * folder is also declared for the privilege broker. A file plumb may not read is left
 * out (its label with it), as in node_exporter. A host without the folder (no DMI, as
 * on many ARM boards) has no data: each scrape returns -ENOENT and costs nothing. A
 * read that fails otherwise keeps the collector from starting (node_exporter refuses
 * to start).
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collectors/dmi.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/log.h"
#include "lib/utf8valid.h"

const char *const dmi_files[DMI_NLABELS] = {
	"bios_date",	     "bios_release",   "bios_vendor",	 "bios_version",
	"board_asset_tag",   "board_name",     "board_serial",	 "board_vendor",
	"board_version",     "chassis_asset_tag", "chassis_serial", "chassis_vendor",
	"chassis_version",   "product_family", "product_name",	 "product_serial",
	"product_sku",	     "product_uuid",   "product_version", "sys_vendor",
};

const char *const dmi_labels[DMI_NLABELS] = {
	"bios_date",	     "bios_release",   "bios_vendor",	 "bios_version",
	"board_asset_tag",   "board_name",     "board_serial",	 "board_vendor",
	"board_version",     "chassis_asset_tag", "chassis_serial", "chassis_vendor",
	"chassis_version",   "product_family", "product_name",	 "product_serial",
	"product_sku",	     "product_uuid",   "product_version", "system_vendor",
};

static const struct metric_desc desc_info = {
	"node_dmi_info",
	"Always 1; its labels are the DMI strings the firmware gives (BIOS, board, chassis, "
	"product, vendor) that plumb could read.",
	METRIC_GAUGE
};

int dmi_record(struct dmi_info *d, const char *file, struct span raw)
{
	for (size_t i = 0; i < DMI_NLABELS; i++) {
		if (strcmp(file, dmi_files[i]) != 0)
			continue;
		if (raw.len > SYSFS_ATTR_MAX)
			raw.len = SYSFS_ATTR_MAX;
		d->len[i] = (uint16_t)utf8_valid_copy(span_trim(raw), d->val[i], DMI_VAL_MAX);
		d->have |= 1u << i;
		break;
	}
	return 0;
}

int dmi_emit(const struct dmi_info *d, struct metric_sink *out)
{
	struct label ls[DMI_NLABELS];
	size_t n = 0;
	for (size_t i = 0; i < DMI_NLABELS; i++) {
		if (d->have & (1u << i))
			ls[n++] = (struct label){ dmi_labels[i], d->val[i], d->len[i] };
	}
	if (n == 0)
		return -ENOENT;
	return sink_add(out, &desc_info, 1, ls, n);
}

/* Whether entry `name` of the folder at dirfd (d_type `type`) is a regular file, as Go's
 * os.ReadDir tells (lstat when the type is unknown). Returns 1, 0, or -errno. */
static int is_regular(int dirfd, const char *name, unsigned char type)
{
	struct stat st;
	if (type != DT_UNKNOWN)
		return type == DT_REG;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	return S_ISREG(st.st_mode);
}

/* Read every regular file of sysfs/class/dmi/id but modalias and uevent, as
 * prometheus/procfs does, recording the known ones into d. A file plumb may not read is
 * skipped. Returns 0 or -errno (-ENOENT for no folder, or a file gone meanwhile). */
static int dmi_read_all(struct dmi_info *d, const char *sysfs)
{
	struct dirscan ds = { .fd = -1 };
	const char *name;
	unsigned char type;
	char buf[SYSFS_ATTR_MAX];
	size_t n;
	int r = dirscan_init(&ds, sysfs, "class/dmi/id");
	if (r == 0)
		r = dirscan_rewind(&ds);
	while (r == 0 && (r = dirscan_next(&ds, &name, &type)) > 0) {
		int reg = is_regular(dirscan_fd(&ds), name, type);
		r = reg < 0 ? reg : 0;
		if (reg <= 0 || strcmp(name, "modalias") == 0 || strcmp(name, "uevent") == 0)
			continue;
		r = sysfs_read(dirscan_fd(&ds), name, buf, sizeof(buf), &n);
		if (r == -EACCES || r == -EPERM) {
			r = 0; /* serial numbers and the UUID are root's */
			continue;
		}
		if (r == 0)
			dmi_record(d, name, (struct span){ buf, n });
	}
	dirscan_fini(&ds);
	return r;
}

static int dmi_declare(struct collector *c, struct resources *res)
{
	return res_path(res, cfg_sysfs(c->cfg), "class/dmi/id", RES_READ | RES_BROKER_OPEN);
}

static int dmi_init(struct collector *c)
{
	struct dmi_info *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	c->priv = d;
	int r = dmi_read_all(d, cfg_sysfs(c->cfg));
	if (r == -ENOENT) {
		/* no DMI on this platform: every scrape has no data */
		plog(LOG_DEBUG, "no DMI information on this host", "collector", "dmi", PLOG_END);
		memset(d, 0, sizeof(*d));
		r = 0;
	}
	return r;
}

static int dmi_collect(struct collector *c, struct metric_sink *out)
{
	return dmi_emit(c->priv, out);
}

static void dmi_fini(struct collector *c)
{
	free(c->priv);
	c->priv = NULL;
}

const struct collector_ops collector_ops_dmi = {
	.name = "dmi",
	.default_enabled = true,
	.reads = "/sys/class/dmi/id (once, at start-up)",
	.declare = dmi_declare,
	.init = dmi_init,
	.collect = dmi_collect,
	.fini = dmi_fini,
};
