/*
 * thermal_zone: kernel thermal zones and cooling devices from /sys/class/thermal, as
 * node_exporter's thermal_zone collector reports them.
 *
 * Each thermal_zone<N> gives node_thermal_zone_temp{zone="N",type=...} (millidegrees
 * into degrees Celsius); a zone whose type, policy or temp cannot be read is skipped,
 * a temp that is not a number fails the collection (as prometheus/procfs does). Each
 * cooling_device<N> gives its current and maximum throttle state.
 *
 * The class directory is listed each scrape with a dirscan (zones come and go with
 * drivers). Each entry is a symlink into /sys/devices, or in a flattened copy of sysfs a
 * small file naming the link's target; sysfs_open_dir() follows either, and the entry's
 * attributes are read relative to that directory into stack buffers. The three files
 * of up to THERMAL_HELD_MAX entries (as the core's descriptor grant allows) are held
 * open and re-read with pread (lib/heldattr.h), keyed by entry name: a large server has
 * a cooling device per CPU. An entry's directory is opened only when one of its files
 * must be opened: the first time, or when a held file fails (ENODEV: the zone was
 * unregistered) and is opened afresh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/thermal_zone.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/heldattr.h"
#include "lib/procfile.h"
#include "lib/sysfs.h"

static const struct metric_desc desc_temp = {
	"node_thermal_zone_temp", "Temperature of a thermal zone in degrees Celsius.",
	METRIC_GAUGE
};
static const struct metric_desc desc_cur = {
	"node_cooling_device_cur_state", "Throttle state a cooling device is in now.",
	METRIC_GAUGE
};
static const struct metric_desc desc_max = {
	"node_cooling_device_max_state", "Highest throttle state of a cooling device.",
	METRIC_GAUGE
};

#define THERMAL_HELD_MAX 256 /* entries whose files are held open, at most */

/* The files read of each kind of entry, in the order they are read. */
enum { TH_ATTRS = 3 };
static const char *const zone_files[TH_ATTRS] = { "type", "policy", "temp" };
static const char *const cooling_files[TH_ATTRS] = { "type", "max_state", "cur_state" };

struct thermal_priv {
	struct dirscan dir;
	struct heldattr held; /* each entry's TH_ATTRS files, held open */
};

/* One class entry being read. */
struct entry {
	struct heldattr_obj obj;    /* its held slot and its directory (lib/heldattr.h) */
	const char *const *files;   /* zone_files or cooling_files */
};

int thermal_parse_int(struct span text, int64_t *out)
{
	return span_i64(span_trim(text), out);
}

/* Read file a of entry e into buf[cap], trimmed of surrounding whitespace. Returns 0
 * or -errno from the read (or from opening the entry's directory). */
static int attr(struct thermal_priv *p, struct entry *e, size_t a, char *buf, size_t cap)
{
	size_t len;
	int r = heldattr_obj_read(&p->held, &e->obj, a, e->files[a], buf, cap, &len);
	if (r < 0)
		return r;
	struct span t = span_trim(span_cstr(buf)); /* buf is NUL-terminated */
	memmove(buf, t.p, t.len);
	buf[t.len] = '\0';
	return 0;
}

/* The digits after prefix when entry is "<prefix><digit>...", else NULL. */
static const char *numbered(const char *entry, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(entry, prefix, n) != 0 || entry[n] < '0' || entry[n] > '9')
		return NULL;
	return entry + n;
}

/* Emit thermal zone `num` (entry e). A zone missing type, policy or temp is skipped
 * (0); a temp that is not an integer fails with -EINVAL. */
static int zone(struct thermal_priv *p, struct entry *e, const char *num,
		struct metric_sink *out)
{
	char type[256], policy[256], temp[64];
	int64_t t;
	if (attr(p, e, 0, type, sizeof(type)) < 0 || attr(p, e, 1, policy, sizeof(policy)) < 0 ||
	    attr(p, e, 2, temp, sizeof(temp)) < 0)
		return 0; /* unreadable zones are skipped */
	if (thermal_parse_int(span_cstr(temp), &t) < 0)
		return -EINVAL;
	return sink_add(out, &desc_temp, (double)t / 1000.0,
			LABELS(L("type", type), L("zone", num)));
}

/* Emit cooling device `num` (entry e). Returns 0 or -errno; an attribute that reads as
 * ENODATA skips the device. */
static int cooling(struct thermal_priv *p, struct entry *e, const char *num,
		   struct metric_sink *out)
{
	char type[256], maxs[64], curs[64];
	int64_t mx, cur;
	int r = attr(p, e, 0, type, sizeof(type));
	if (r == 0)
		r = attr(p, e, 1, maxs, sizeof(maxs));
	if (r == 0)
		r = attr(p, e, 2, curs, sizeof(curs));
	if (r == -ENODATA)
		return 0;
	if (r < 0)
		return r;
	if (thermal_parse_int(span_cstr(maxs), &mx) < 0 || thermal_parse_int(span_cstr(curs), &cur) < 0)
		return -EINVAL;
	r = sink_add(out, &desc_cur, (double)cur, LABELS(L("name", num), L("type", type)));
	if (r == 0)
		r = sink_add(out, &desc_max, (double)mx, LABELS(L("name", num), L("type", type)));
	return r;
}

static int thermal_init(struct collector *c)
{
	struct thermal_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	int r = heldattr_init(&p->held, TH_ATTRS, THERMAL_HELD_MAX, c->fd_budget);
	return r < 0 ? r : dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/thermal");
}

/* Claim the files of the entries it may hold. */
static int thermal_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, (uint64_t)THERMAL_HELD_MAX * TH_ATTRS);
}

static int thermal_collect(struct collector *c, struct metric_sink *out)
{
	struct thermal_priv *p = c->priv;
	const char *name, *num;
	unsigned char type;
	int r;
	if (dirscan_rewind(&p->dir) < 0)
		return 0; /* no thermal class: nothing to report */
	heldattr_begin(&p->held);
	for (size_t i = 0; (r = dirscan_next(&p->dir, &name, &type)) > 0; i++) {
		bool is_zone = (num = numbered(name, "thermal_zone")) != NULL;
		if (!is_zone && !(num = numbered(name, "cooling_device")))
			continue;
		struct entry e = {
			heldattr_obj_make(dirscan_fd(&p->dir), name, heldattr_slot(&p->held, name, i)),
			is_zone ? zone_files : cooling_files
		};
		r = is_zone ? zone(p, &e, num, out) : cooling(p, &e, num, out);
		heldattr_obj_done(&e.obj);
		if (r < 0)
			break;
	}
	heldattr_end(&p->held);
	return r;
}

static void thermal_fini(struct collector *c)
{
	struct thermal_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	heldattr_fini(&p->held);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_thermal_zone = {
	.name = "thermal_zone",
	.default_enabled = true,
	.reads = "/sys/class/thermal",
	.declare = thermal_declare,
	.init = thermal_init,
	.collect = thermal_collect,
	.fini = thermal_fini,
};
