/*
 * drm: AMD GPUs from /sys/class/drm, as node_exporter's drm collector reports them.
 *
 * Each class entry card0 ... card9 is a card (a link into /sys/devices, or a link file
 * in a flattened copy); its device directory's uevent tells the driver. For a card
 * driven by amdgpu, the busy percentage, the GTT, VRAM and CPU-visible VRAM sizes and
 * use (bytes), and the VRAM vendor, forced performance level and unique id (labels of
 * node_drm_card_info) come from attributes of that directory. An attribute that cannot
 * be read is 0 or "" (not every card has them all); a count that is not a number fails
 * the collection (node_exporter crashes on it). A uevent that reads ENODATA skips the
 * card; any other failure to reach a card's uevent fails the collection. Cards of other
 * drivers are left out, as node_exporter does since procfs 0.20 (1.5 listed them as
 * vendor "amd" with every value 0). No /sys/class/drm at all is no GPU: nothing is
 * reported and the collection succeeds, as in node_exporter.
 *
 * Steady state: the class directory is a dirscan held in priv, values go through a
 * stack buffer into a record in priv: a scrape allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/drm.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/log.h"
#include "lib/utf8valid.h"

const char *const drm_num_files[DRM_NNUM] = {
	"gpu_busy_percent",	   "mem_info_gtt_total", "mem_info_gtt_used",
	"mem_info_vis_vram_total", "mem_info_vis_vram_used", "mem_info_vram_total",
	"mem_info_vram_used",
};
const char *const drm_str_files[DRM_NSTR] = { "mem_info_vram_vendor",
					      "power_dpm_force_performance_level", "unique_id" };

/* Label names of drm_str_files, in order. */
static const char *const str_labels[DRM_NSTR] = { "memory_vendor", "power_performance_level",
						  "unique_id" };

#define G(n, h) { "node_drm_" n, h, METRIC_GAUGE }
/* The families of drm_num_files, in order. */
static const struct metric_desc num_descs[DRM_NNUM] = {
	G("gpu_busy_percent", "Share of time the GPU was busy, in percent, as the driver reports it."),
	G("memory_gtt_size_bytes", "Size of the graphics translation table (GTT) domain, bytes."),
	G("memory_gtt_used_bytes", "Bytes of the graphics translation table (GTT) domain in use."),
	G("memory_vis_vram_size_bytes", "Size of the VRAM the CPU can address directly, bytes."),
	G("memory_vis_vram_used_bytes", "Bytes of the VRAM the CPU can address directly in use."),
	G("memory_vram_size_bytes", "Size of the card's video memory (VRAM), bytes."),
	G("memory_vram_used_bytes", "Bytes of the card's video memory (VRAM) in use."),
};
static const struct metric_desc desc_info =
	G("card_info", "Always 1; labels name the card, its vendor, its VRAM vendor, its "
		       "forced power performance level and its unique id.");
#undef G

struct drm_priv {
	struct dirscan dir; /* /sys/class/drm */
	struct drm_card card;
	bool warned; /* a bad count was logged; cleared by a collection without one */
};

bool drm_card_name(const char *name)
{
	return strncmp(name, "card", 4) == 0 && ascii_digit(name[4]) && name[5] == '\0';
}

bool drm_is_amdgpu(struct span uevent)
{
	static const char needle[] = "DRIVER=amdgpu";
	const size_t n = sizeof(needle) - 1;
	for (size_t i = 0; i + n <= uevent.len; i++)
		if (memcmp(uevent.p + i, needle, n) == 0)
			return true;
	return false;
}

void drm_card_reset(struct drm_card *c)
{
	memset(c, 0, sizeof(*c));
}

int drm_card_record(struct drm_card *c, const char *file, struct span value)
{
	for (size_t i = 0; i < DRM_NNUM; i++)
		if (strcmp(file, drm_num_files[i]) == 0)
			return span_u64_auto(value, &c->num[i]);
	for (size_t i = 0; i < DRM_NSTR; i++)
		if (strcmp(file, drm_str_files[i]) == 0)
			utf8_valid_copy(value, c->str[i], sizeof(c->str[i]));
	return 0;
}

int drm_card_emit(const struct drm_card *c, const char *card, struct metric_sink *out)
{
	struct label ls[DRM_NSTR + 2];
	int r;
	ls[0] = L("card", card);
	for (size_t i = 0; i < DRM_NSTR; i++)
		ls[i + 1] = L(str_labels[i], c->str[i]);
	ls[DRM_NSTR + 1] = L("vendor", "amd");
	r = sink_add(out, &desc_info, 1, ls, DRM_NSTR + 2);
	for (size_t i = 0; r == 0 && i < DRM_NNUM; i++)
		r = sink_add(out, &num_descs[i], (double)c->num[i], LABELS(L("card", card)));
	return r;
}

/* Read card `name` of the class directory and emit it if amdgpu drives it. Returns 0
 * (also for a card skipped) or -errno. */
static int drm_card(struct drm_priv *p, const char *name, struct metric_sink *out)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span val;
	int cardfd, devfd, r;
	cardfd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	if (cardfd < 0)
		return cardfd;
	devfd = sysfs_open_dir(cardfd, "device");
	close(cardfd);
	if (devfd < 0)
		return devfd;
	r = sysfs_attr(devfd, "uevent", buf, sizeof(buf), &val);
	if (r == -ENODATA || (r == 0 && !drm_is_amdgpu(val))) {
		r = 0; /* no uevent to tell, or not an AMD card */
		goto out_close;
	}
	if (r < 0)
		goto out_close;
	drm_card_reset(&p->card);
	for (size_t i = 0; r == 0 && i < DRM_NNUM + DRM_NSTR; i++) {
		const char *file = i < DRM_NNUM ? drm_num_files[i] : drm_str_files[i - DRM_NNUM];
		if (sysfs_attr(devfd, file, buf, sizeof(buf), &val) < 0)
			continue; /* not every card has every attribute */
		r = drm_card_record(&p->card, file, val);
		if (r < 0 && !p->warned) {
			p->warned = true;
			plog(LOG_WARN, "drm attribute is not a number; the collection fails", "card",
			     name, "file", file, PLOG_END);
		}
	}
	if (r == 0)
		r = drm_card_emit(&p->card, name, out);
out_close:
	close(devfd);
	return r;
}

static int drm_init(struct collector *c)
{
	struct drm_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/drm");
}

static int drm_collect(struct collector *c, struct metric_sink *out)
{
	struct drm_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	if (r == -ENOENT)
		return 0; /* no DRM devices: node_exporter reports nothing, and success */
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = drm_card_name(name) ? drm_card(p, name, out) : 0;
	if (r == 0)
		p->warned = false;
	return r;
}

static void drm_fini(struct collector *c)
{
	struct drm_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_drm = {
	.name = "drm",
	.default_enabled = false,
	.reads = "/sys/class/drm/card[0-9]/device",
	.init = drm_init,
	.collect = drm_collect,
	.fini = drm_fini,
};
