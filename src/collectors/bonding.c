/*
 * bonding: how many slaves each Linux bonding master has and how many of them are up,
 * from /sys/class/net/bonding_masters, <master>/bonding/slaves and each slave's
 * bonding_slave/mii_status.
 *
 * node_exporter fails the collection when any of these reads fails, and reports no
 * data (success 0) when bonding_masters is missing (no bonding driver); so does plumb.
 * The files are read with open/read each scrape (bonds come and go), into stack
 * buffers: nothing is allocated after start-up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/bonding.h"
#include "core/collector.h"
#include "lib/procfile.h"

static const struct metric_desc desc_slaves = {
	"node_bonding_slaves", "Slaves configured on a bonding master.", METRIC_GAUGE,
};
static const struct metric_desc desc_active = {
	"node_bonding_active", "Slaves of a bonding master whose MII status is up.", METRIC_GAUGE,
};

struct bonding_priv {
	char root[PATH_MAX]; /* <sysfs>/class/net */
};

/* Whether name is safe to put in a path as one component. */
static bool name_ok(struct span name)
{
	if (name.len == 0 || name.len > 255 || span_eq(name, ".") || span_eq(name, ".."))
		return false;
	return !memchr(name.p, '/', name.len) && !memchr(name.p, '\0', name.len);
}

/* Read one slave's MII status; *up is set when it says "up". Returns 0 or -errno. */
static int slave_up(struct span master, struct span slave, bonding_read_fn rd, void *ctx,
		    bool *up)
{
	char rel[600], buf[256];
	size_t len;
	snprintf(rel, sizeof(rel), "%.*s/lower_%.*s/bonding_slave/mii_status", (int)master.len,
		 master.p, (int)slave.len, slave.p);
	int r = rd(ctx, rel, buf, sizeof(buf), &len);
	if (r == -ENOENT) {
		snprintf(rel, sizeof(rel), "%.*s/slave_%.*s/bonding_slave/mii_status",
			 (int)master.len, master.p, (int)slave.len, slave.p);
		r = rd(ctx, rel, buf, sizeof(buf), &len);
	}
	if (r < 0)
		return r;
	*up = span_eq(span_trim((struct span){ buf, len }), "up");
	return 0;
}

/* Count one master's slaves and add its two series. Returns 0 or -errno. */
static int do_master(struct span master, bonding_read_fn rd, void *ctx, struct metric_sink *out)
{
	char rel[300], slaves[BONDING_FILE_MAX];
	size_t len;
	double n = 0, active = 0;
	snprintf(rel, sizeof(rel), "%.*s/bonding/slaves", (int)master.len, master.p);
	int r = rd(ctx, rel, slaves, sizeof(slaves), &len);
	if (r < 0)
		return r;
	struct span list = { slaves, len }, slave;
	while (span_word(&list, &slave)) {
		bool up = false;
		if (!name_ok(slave))
			return -EINVAL;
		if ((r = slave_up(master, slave, rd, ctx, &up)) < 0)
			return r;
		n++;
		active += up;
	}
	if ((r = sink_add(out, &desc_slaves, n, LABELS(LS("master", master)))) < 0)
		return r;
	return sink_add(out, &desc_active, active, LABELS(LS("master", master)));
}

int bonding_parse(const char *masters, size_t len, bonding_read_fn rd, void *ctx,
		  struct metric_sink *out)
{
	struct span list = { masters, len }, master;
	while (span_word(&list, &master)) {
		if (!name_ok(master))
			return -EINVAL;
		int r = do_master(master, rd, ctx, out);
		if (r < 0)
			return r;
	}
	return 0;
}

/* bonding_read_fn over the real tree: ctx is the class/net path. */
static int read_sysfs(void *ctx, const char *rel, char *buf, size_t cap, size_t *len)
{
	return read_file_at(ctx, rel, buf, cap, len);
}

static int bonding_init(struct collector *c)
{
	struct bonding_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	return path_join(p->root, sizeof(p->root), cfg_sysfs(c->cfg), "class/net");
}

static int bonding_collect(struct collector *c, struct metric_sink *out)
{
	struct bonding_priv *p = c->priv;
	char masters[BONDING_FILE_MAX];
	size_t len;
	int r = read_file_at(p->root, "bonding_masters", masters, sizeof(masters), &len);
	if (r < 0)
		return r;
	return bonding_parse(masters, len, read_sysfs, p->root, out);
}

static void bonding_fini(struct collector *c)
{
	free(c->priv);
	c->priv = NULL;
}

const struct collector_ops collector_ops_bonding = {
	.name = "bonding",
	.default_enabled = true,
	.reads = "/sys/class/net/bonding_masters, <master>/bonding/slaves, slave MII status",
	.init = bonding_init,
	.collect = bonding_collect,
	.fini = bonding_fini,
};
