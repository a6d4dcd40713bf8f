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
 * attributes are read relative to that directory into stack buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/thermal_zone.h"
#include "core/collector.h"
#include "lib/dirscan.h"
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

struct thermal_priv {
	struct dirscan dir;
};

int thermal_parse_int(struct span text, int64_t *out)
{
	return span_i64(span_trim(text), out);
}

/* Read attribute `name` of the entry opened as dirfd into buf[cap], trimmed of
 * surrounding whitespace. Returns 0 or -errno from the read. */
static int attr(int dirfd, const char *name, char *buf, size_t cap)
{
	int r = read_attr(dirfd, name, buf, cap);
	if (r < 0)
		return r;
	struct span t = span_trim(span_cstr(buf));
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

/* Emit thermal zone `num` whose directory is dirfd. A zone missing type, policy or temp
 * is skipped (0); a temp that is not an integer fails with -EINVAL. */
static int zone(int dirfd, const char *num, struct metric_sink *out)
{
	char type[256], policy[256], temp[64];
	int64_t t;
	if (attr(dirfd, "type", type, sizeof(type)) < 0 ||
	    attr(dirfd, "policy", policy, sizeof(policy)) < 0 ||
	    attr(dirfd, "temp", temp, sizeof(temp)) < 0)
		return 0; /* unreadable zones are skipped */
	if (thermal_parse_int(span_cstr(temp), &t) < 0)
		return -EINVAL;
	return sink_add(out, &desc_temp, (double)t / 1000.0,
			LABELS(L("type", type), L("zone", num)));
}

/* Emit cooling device `num` whose directory is dirfd. Returns 0 or -errno; an attribute
 * that reads as ENODATA skips the device. */
static int cooling(int dirfd, const char *num, struct metric_sink *out)
{
	char type[256], maxs[64], curs[64];
	int64_t mx, cur;
	int r = attr(dirfd, "type", type, sizeof(type));
	if (r == 0)
		r = attr(dirfd, "max_state", maxs, sizeof(maxs));
	if (r == 0)
		r = attr(dirfd, "cur_state", curs, sizeof(curs));
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
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/thermal");
}

static int thermal_collect(struct collector *c, struct metric_sink *out)
{
	struct thermal_priv *p = c->priv;
	const char *name, *num;
	unsigned char type;
	int r;
	if (dirscan_rewind(&p->dir) < 0)
		return 0; /* no thermal class: nothing to report */
	while ((r = dirscan_next(&p->dir, &name, &type)) > 0) {
		bool is_zone = (num = numbered(name, "thermal_zone")) != NULL;
		if (!is_zone && !(num = numbered(name, "cooling_device")))
			continue;
		int fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
		if (fd < 0) {
			if (is_zone)
				continue; /* an unreadable zone is skipped */
			return fd;
		}
		r = is_zone ? zone(fd, num, out) : cooling(fd, num, out);
		close(fd);
		if (r < 0)
			return r;
	}
	return r;
}

static void thermal_fini(struct collector *c)
{
	struct thermal_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_thermal_zone = {
	.name = "thermal_zone",
	.default_enabled = true,
	.reads = "/sys/class/thermal",
	.init = thermal_init,
	.collect = thermal_collect,
	.fini = thermal_fini,
};
