/*
 * time: the wall clock, the local time zone, and the kernel's clock sources.
 *
 * node_time_seconds is CLOCK_REALTIME; node_time_zone_offset_seconds carries the zone
 * abbreviation (from TZ or /etc/localtime, read once at start-up by tzset) as a label.
 * The clock sources come from <sysfs>/devices/system/clocksource/clocksource[0-9]*:
 * each directory's available_clocksource and current_clocksource. The directory is
 * listed again every scrape with a held-open dirscan, so nothing is allocated; a
 * missing directory simply gives no clock-source series, as in node_exporter. The two
 * files of the first TIME_HELD_MAX sources are held open (lib/heldattr.h) and re-read
 * with one pread each, instead of an open, an fstat, two reads and a close: the few
 * descriptors (RES_SMALL) any collector may hold without a claim.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collectors/time.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/heldattr.h"
#include "lib/procfile.h"
#include "lib/sort.h"

#define TIME_MAX_SOURCES 64
#define TIME_NAME_MAX 64
#define TIME_HELD_MAX 2 /* clock sources whose files are held open (there is one, mostly) */

enum { TA_AVAIL, TA_CUR, TA_N }; /* the held attributes of a source */

struct time_priv {
	struct dirscan ds;
	struct heldattr held;
	char names[TIME_MAX_SOURCES][TIME_NAME_MAX]; /* this scrape's clocksourceN entries */
	int order[TIME_MAX_SOURCES];                  /* indexes into names, sorted */
	char avail[4096], cur[4096];                  /* attribute buffers */
};

static const struct metric_desc desc_now = {
	"node_time_seconds", "The system's wall-clock time, in seconds since 1970-01-01 UTC.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_zone = {
	"node_time_zone_offset_seconds",
	"Offset of the local time zone from UTC, in seconds (east is positive).", METRIC_GAUGE,
};
static const struct metric_desc desc_avail = {
	"node_time_clocksource_available_info",
	"Always 1: a clock source the kernel can use, from sysfs devices/system/clocksource.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_current = {
	"node_time_clocksource_current_info",
	"Always 1: the clock source the kernel uses now, from sysfs devices/system/clocksource.",
	METRIC_GAUGE,
};

int time_clocksource_emit(const char *device, const char *avail, size_t alen, const char *cur,
			  size_t clen, struct metric_sink *out)
{
	const char *nul = memchr(avail, '\0', alen); /* attribute text ends at a NUL */
	struct span s = { avail, nul ? (size_t)(nul - avail) : alen }, w;
	int r = 0;
	/* labels in name order, the order node_exporter prints them in */
	while (r == 0 && span_word(&s, &w))
		r = sink_add(out, &desc_avail, 1, LABELS(LS("clocksource", w), L("device", device)));
	if (r < 0)
		return r;
	nul = memchr(cur, '\0', clen);
	struct span c = span_trim((struct span){ cur, nul ? (size_t)(nul - cur) : clen });
	return sink_add(out, &desc_current, 1, LABELS(LS("clocksource", c), L("device", device)));
}

int time_now_emit(long long sec, long nsec, const char *zone, long offset,
		  struct metric_sink *out)
{
	/* the same arithmetic as node_exporter: integer nanoseconds, then one division */
	double now = (double)(sec * 1000000000LL + nsec) / 1e9;
	int r = sink_gauge(out, &desc_now, now);
	if (r < 0)
		return r;
	return sink_add(out, &desc_zone, (double)offset, LABELS(L("time_zone", zone)));
}

/* Whether name is "clocksource" followed by a digit (the glob clocksource[0-9]*). */
static bool time_is_source(const char *name)
{
	return strncmp(name, "clocksource", 11) == 0 && name[11] >= '0' && name[11] <= '9';
}

/* sort_heap order of indexes (int) into ctx's names: byte-wise by name. */
static int by_name(const void *a, const void *b, void *ctx)
{
	const char(*names)[TIME_NAME_MAX] = ctx;
	return strcmp(names[*(const int *)a], names[*(const int *)b]);
}

/* List the clocksource directories into p->names, sorted by name into p->order.
 * Returns how many, 0 when the directory does not exist, or -errno. */
static int time_list(struct time_priv *p)
{
	const char *name;
	unsigned char type;
	int n = 0, r = dirscan_rewind(&p->ds);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	while ((r = dirscan_next(&p->ds, &name, &type)) > 0) {
		if (n == TIME_MAX_SOURCES || !time_is_source(name) ||
		    span_copy(span_cstr(name), p->names[n], TIME_NAME_MAX) < 0)
			continue;
		p->order[n] = n;
		n++;
	}
	if (r >= 0)
		sort_heap(p->order, (size_t)n, sizeof(*p->order), by_name, p->names);
	return r < 0 ? r : n;
}

/* Read and emit clock-source directory p->names[idx] as device number dev. */
static int time_source(struct time_priv *p, int idx, int dev, struct metric_sink *out)
{
	char path[TIME_NAME_MAX + 32], device[16];
	snprintf(path, sizeof(path), "%s/available_clocksource", p->names[idx]);
	int slot = heldattr_slot(&p->held, p->names[idx], (size_t)dev);
	int r = heldattr_read(&p->held, slot, TA_AVAIL, dirscan_fd(&p->ds), path, p->avail,
			      sizeof(p->avail));
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/current_clocksource", p->names[idx]);
	r = heldattr_read(&p->held, slot, TA_CUR, dirscan_fd(&p->ds), path, p->cur,
			  sizeof(p->cur));
	if (r < 0)
		return r;
	snprintf(device, sizeof(device), "%d", dev);
	return time_clocksource_emit(device, p->avail, strlen(p->avail), p->cur, strlen(p->cur),
				     out);
}

static int time_init(struct collector *c)
{
	struct time_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ds.fd = -1;
	c->priv = p;
	tzset(); /* reads the zone once; localtime_r then allocates nothing */
	int r = heldattr_init(&p->held, TA_N, TIME_HELD_MAX, RES_SMALL);
	return r < 0 ? r : dirscan_init(&p->ds, cfg_sysfs(c->cfg), "devices/system/clocksource");
}


static int time_collect(struct collector *c, struct metric_sink *out)
{
	struct time_priv *p = c->priv;
	struct timespec ts;
	struct tm tm;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || !localtime_r(&ts.tv_sec, &tm))
		return -errno;
	int r = time_now_emit((long long)ts.tv_sec, ts.tv_nsec, tm.tm_zone ? tm.tm_zone : "",
			      tm.tm_gmtoff, out);
	int n = r < 0 ? r : time_list(p);
	heldattr_begin(&p->held);
	for (int i = 0; i < n && r == 0; i++)
		r = time_source(p, p->order[i], i, out);
	heldattr_end(&p->held); /* sources no longer listed let go of their files */
	return n < 0 ? n : r;
}

static void time_fini(struct collector *c)
{
	struct time_priv *p = c->priv;
	if (p) {
		dirscan_fini(&p->ds);
		heldattr_fini(&p->held);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_time = {
	.name = "time",
	.default_enabled = true,
	.reads = "the realtime clock, the time zone, <sysfs>/devices/system/clocksource",
	.init = time_init,
	.collect = time_collect,
	.fini = time_fini,
};
