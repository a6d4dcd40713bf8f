/*
 * watchdog: hardware and software watchdog timers from /sys/class/watchdog, as
 * node_exporter's watchdog collector reports them.
 *
 * Each class entry (a link into /sys/devices, or a link file in a flattened copy) is a
 * directory of one-value attributes. The numeric ones that exist become gauges; five
 * text ones become the labels of node_watchdog_info, which every entry gets, even one
 * with no attributes at all. A missing attribute is left out; a numeric one that is
 * not an integer, or any other read error, fails the collection. A host without the
 * class directory, or one plumb may not read, has no data (-ENOENT), as in
 * node_exporter.
 *
 * Steady state: the class directory is a dirscan held in priv, attributes are read into
 * a stack buffer and recorded into a wd_values in priv: a scrape allocates nothing.
 * The attribute files of up to WD_HELD_MAX entries (as the core's descriptor grant
 * allows) are held open and re-read with pread (lib/heldattr.h), so a scrape of a host
 * with a watchdog makes no open; an entry's directory is opened only when one of its
 * files must be (the first time, or a held file failed: the device went away).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/watchdog.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/heldattr.h"

const char *const wd_files[WD_NUM + WD_STR] = {
	"bootstatus", "fw_version", "nowayout",	 "timeleft", "timeout",	   "pretimeout",
	"access_cs0", "options",    "identity", "state",    "status",	   "pretimeout_governor",
};

static const struct metric_desc num_descs[WD_NUM] = {
	{ "node_watchdog_bootstatus", "Status flags the watchdog reported at boot (bootstatus).",
	  METRIC_GAUGE },
	{ "node_watchdog_fw_version", "Firmware version of the watchdog device.", METRIC_GAUGE },
	{ "node_watchdog_nowayout", "1 when the watchdog cannot be stopped once started.",
	  METRIC_GAUGE },
	{ "node_watchdog_timeleft_seconds", "Seconds left before the watchdog fires.",
	  METRIC_GAUGE },
	{ "node_watchdog_timeout_seconds", "Timeout the watchdog is set to, in seconds.",
	  METRIC_GAUGE },
	{ "node_watchdog_pretimeout_seconds",
	  "Seconds before the timeout at which the pretimeout governor acts.", METRIC_GAUGE },
	{ "node_watchdog_access_cs0", "Value of the device's access_cs0 attribute.",
	  METRIC_GAUGE },
};

static const struct metric_desc desc_info = {
	"node_watchdog_info",
	"Always 1; labels carry the watchdog's options, identity, state, status and governor.",
	METRIC_GAUGE
};

/* Label names of the text attributes, in wd_files order. */
static const char *const str_labels[WD_STR] = { "options", "identity", "state", "status",
						"pretimeout_governor" };

#define WD_HELD_MAX 16 /* entries whose files are held open, at most */

struct wd_priv {
	struct dirscan dir;    /* /sys/class/watchdog */
	struct heldattr held;  /* each entry's WD_NUM + WD_STR files, held open */
	struct wd_values vals; /* the entry being read */
};

int wd_record(struct wd_values *v, const char *file, struct span value)
{
	for (size_t i = 0; i < WD_NUM + WD_STR; i++) {
		if (strcmp(file, wd_files[i]) != 0)
			continue;
		if (i < WD_NUM) {
			if (span_i64_auto(value, &v->num[i]) < 0)
				return -EINVAL;
			v->have |= 1u << i;
		} else {
			size_t n = value.len < SYSFS_ATTR_MAX ? value.len : SYSFS_ATTR_MAX;
			memcpy(v->str[i - WD_NUM], value.p, n);
			v->str_len[i - WD_NUM] = n;
		}
		return 0;
	}
	return 0;
}

int wd_emit(const struct wd_values *v, const char *name, struct metric_sink *out)
{
	struct label ls[WD_STR + 1];
	int r = 0;
	for (size_t i = 0; r == 0 && i < WD_NUM; i++) {
		if (v->have & (1u << i))
			r = sink_add(out, &num_descs[i], (double)v->num[i], LABELS(L("name", name)));
	}
	if (r < 0)
		return r;
	ls[0] = L("name", name);
	for (size_t i = 0; i < WD_STR; i++)
		ls[i + 1] = (struct label){ str_labels[i], v->str[i], v->str_len[i] };
	return sink_add(out, &desc_info, 1, ls, WD_STR + 1);
}

/* Read and emit the watchdog whose class entry is `name`, its files held in slot (or
 * not, slot < 0). An entry whose directory is gone (a dangling link) has no attributes
 * and still gets its info series, as in node_exporter. Returns 0 or -errno. */
static int wd_device(struct wd_priv *p, const char *name, int slot, struct metric_sink *out)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct heldattr_obj o = heldattr_obj_make(dirscan_fd(&p->dir), name, slot);
	int r = 0;
	memset(&p->vals, 0, sizeof(p->vals));
	for (size_t i = 0; i < WD_NUM + WD_STR; i++) {
		size_t len;
		/* one read of at most SYSFS_ATTR_MAX bytes, as sysfs_attr reads */
		r = heldattr_obj_read(&p->held, &o, i, wd_files[i], buf, sizeof(buf), &len);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r == 0)
			r = wd_record(&p->vals, wd_files[i], span_trim((struct span){ buf, len }));
		if (r < 0)
			goto out_close;
	}
	r = wd_emit(&p->vals, name, out);
out_close:
	heldattr_obj_done(&o);
	return r;
}

static int wd_init(struct collector *c)
{
	struct wd_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	int r = heldattr_init(&p->held, WD_NUM + WD_STR, WD_HELD_MAX, c->fd_budget);
	return r < 0 ? r : dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/watchdog");
}

/* Claim the files of the entries it may hold. */
static int wd_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, (uint64_t)WD_HELD_MAX * (WD_NUM + WD_STR));
}

static int wd_collect(struct collector *c, struct metric_sink *out)
{
	struct wd_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	if (r < 0)
		return r == -EACCES || r == -EPERM ? -ENOENT : r;
	heldattr_begin(&p->held);
	for (size_t i = 0; r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0; i++)
		r = wd_device(p, name, heldattr_slot(&p->held, name, i), out);
	heldattr_end(&p->held);
	/* node_exporter has no data, not a failure, when the class or an attribute is
	 * missing or not readable to it */
	return r == -EACCES || r == -EPERM ? -ENOENT : r;
}

static void wd_fini(struct collector *c)
{
	struct wd_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	heldattr_fini(&p->held);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_watchdog = {
	.name = "watchdog",
	.default_enabled = true,
	.reads = "/sys/class/watchdog",
	.declare = wd_declare,
	.init = wd_init,
	.collect = wd_collect,
	.fini = wd_fini,
};
