/*
 * ethtool: what network drivers say through the SIOCETHTOOL ioctl, as node_exporter
 * 1.5's ethtool collector reports it: driver information (ETHTOOL_GDRVINFO), the
 * driver's statistics (ETHTOOL_GSTRINGS and ETHTOOL_GSTATS, as many as GDRVINFO's
 * n_stats) and the legacy link settings (ETHTOOL_GSET: link modes, autonegotiation).
 *
 * Interfaces are the entries of <sysfs>/class/net, filtered by
 * --collector.ethtool.device-include/-exclude. Each ioctl takes the RTNL lock and runs
 * driver code that may wait on hardware, so the whole round of ioctls is one job on a
 * lib/deadline worker with ETHTOOL_TIMEOUT_MS: past it the collection fails (success 0)
 * and the scrape answers; while that call is still stuck, later collections fail at
 * once. The job owns its socket and every buffer the kernel writes to, so an abandoned
 * job touches nothing of the collector's. A device that does not support one request
 * (EOPNOTSUPP) just lacks its series; any other error is logged and the device's other
 * series are still reported, as node_exporter does.
 *
 * Memory: the device list, the statistics arena and the parse set grow to the host's
 * size and are kept; the two ioctl buffers are sized for ETHTOOL_MAX_STATS at the first
 * device with statistics (the kernel writes as many entries as it counts at the time of
 * the call, which may exceed what GDRVINFO said a moment before).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectors/ethtool.h"
#include "core/collector.h"
#include "lib/deadline.h"
#include "lib/dirscan.h"
#include "lib/log.h"
#include "lib/regex.h"
#include "lib/sysfs.h"

#define ETHTOOL_TIMEOUT_MS 5000     /* for the whole round of ioctls */
#define ETHTOOL_MAX_DEVS 65536      /* interfaces asked per collection, at most */
#define ETHTOOL_ARENA_MAX (1u << 20) /* statistics kept per collection, all devices */

static const struct flag_def ethtool_flags[] = {
	{ "collector.ethtool.device-include", FLAG_REGEX, NULL,
	  "Regexp of network interfaces the ethtool collector asks (with device-exclude, "
	  "both apply).", false },
	{ "collector.ethtool.device-exclude", FLAG_REGEX, NULL,
	  "Regexp of network interfaces the ethtool collector leaves out.", false },
	{ "collector.ethtool.metrics-include", FLAG_REGEX, ".*",
	  "Regexp of driver statistic names (as ethtool -S prints them) to report.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* One interface's answers, filled by the job. */
struct eth_dev {
	char name[IFNAMSIZ];
	int link_err, drv_err, stats_err; /* 0 or -errno of each request */
	struct ethtool_cmd cmd;
	struct ethtool_drvinfo drv;
	uint32_t off, n;                  /* its statistics in the arena */
};

/* The round of ioctls, run on a deadline worker. Everything the worker writes is here. */
struct eth_job {
	struct dl_job dl; /* first: the pool hands this back */
	int fd;
	ethtool_io_fn io;
	void *io_ctx;
	struct eth_dev *dev;
	uint32_t ndev, dev_cap;
	char *str;        /* arena: ETHTOOL_STR_LEN bytes a statistic */
	uint64_t *val;
	uint32_t nstat, stat_cap;
	struct ethtool_gstrings *gs; /* ioctl buffers for ETHTOOL_MAX_STATS entries */
	struct ethtool_stats *gv;
};

struct ethtool_priv {
	struct dirscan dir;
	struct filter devices;
	struct regex *metrics;
	struct dl_pool *pool;     /* made by the first collection */
	struct eth_job *job;      /* owned; given to the pool with dl_job_release in fini */
	int64_t timeout_ms;
	bool stuck_logged;
	struct ethtool_statset st;
};

/* The real SIOCETHTOOL on the job's socket (ctx). */
static int real_io(void *ctx, const char *ifname, void *data)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	ifr.ifr_data = data;
	int r;
	do {
		r = ioctl(*(const int *)ctx, SIOCETHTOOL, &ifr);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static int job_io(struct eth_job *j, const char *ifname, void *data)
{
	return j->io ? j->io(j->io_ctx, ifname, data) : real_io(&j->fd, ifname, data);
}

/* Worker side: one interface's statistics into the arena. Returns 0 or -errno. */
static int ask_stats(struct eth_job *j, struct eth_dev *d)
{
	uint32_t n = d->drv.n_stats;
	int r = 0;
	if (n == 0)
		return -EOPNOTSUPP; /* nothing to ask: as the kernel answers GSTRINGS then */
	if (n > ETHTOOL_MAX_STATS)
		return -E2BIG;
	if (!j->gs || !j->gv) {
		if (!j->gs)
			j->gs = calloc(1, sizeof(*j->gs) + (size_t)ETHTOOL_MAX_STATS * ETH_GSTRING_LEN);
		if (!j->gv)
			j->gv = calloc(1, sizeof(*j->gv) + (size_t)ETHTOOL_MAX_STATS * sizeof(uint64_t));
		if (!j->gs || !j->gv)
			return -ENOMEM; /* what was made is kept for the next try, freed by job_free */
	}
	if (j->nstat + n > j->stat_cap) {
		if (j->nstat + n > ETHTOOL_ARENA_MAX)
			return -E2BIG;
		uint32_t want = j->stat_cap ? j->stat_cap : 1024;
		while (want < j->nstat + n)
			want *= 2;
		char *s = realloc(j->str, (size_t)want * ETHTOOL_STR_LEN);
		if (s)
			j->str = s;
		uint64_t *v = s ? realloc(j->val, (size_t)want * sizeof(*v)) : NULL;
		if (!v)
			return -ENOMEM;
		j->val = v;
		j->stat_cap = want;
	}
	j->gs->cmd = ETHTOOL_GSTRINGS;
	j->gs->string_set = ETH_SS_STATS;
	j->gs->len = n;
	if ((r = job_io(j, d->name, j->gs)) < 0)
		return r;
	j->gv->cmd = ETHTOOL_GSTATS;
	j->gv->n_stats = n;
	if ((r = job_io(j, d->name, j->gv)) < 0)
		return r;
	if (j->gs->len != n || j->gv->n_stats != n)
		return -EAGAIN; /* the count changed between the calls: try next time */
	memcpy(j->str + (size_t)j->nstat * ETHTOOL_STR_LEN, j->gs->data, (size_t)n * ETH_GSTRING_LEN);
	memcpy(j->val + j->nstat, j->gv->data, (size_t)n * sizeof(uint64_t));
	d->off = j->nstat;
	d->n = n;
	j->nstat += n;
	return 0;
}

/* Worker side: every request of every interface of the job. */
static void run_job(struct dl_job *dj)
{
	struct eth_job *j = (struct eth_job *)dj;
	j->nstat = 0;
	for (uint32_t i = 0; i < j->ndev; i++) {
		struct eth_dev *d = &j->dev[i];
		d->n = 0;
		memset(&d->cmd, 0, sizeof(d->cmd));
		d->cmd.cmd = ETHTOOL_GSET;
		d->link_err = job_io(j, d->name, &d->cmd);
		memset(&d->drv, 0, sizeof(d->drv));
		d->drv.cmd = ETHTOOL_GDRVINFO;
		d->drv_err = job_io(j, d->name, &d->drv);
		d->stats_err = d->drv_err ? d->drv_err : ask_stats(j, d);
	}
}

/* Free a job and all it owns (the release callback for an abandoned one). */
static void job_free(struct dl_job *dj)
{
	struct eth_job *j = (struct eth_job *)dj;
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->dev);
	free(j->str);
	free(j->val);
	free(j->gs);
	free(j->gv);
	free(j);
}

/* Log a failed request of device at debug (not supported, or the device went away) or
 * error level, as node_exporter does. */
static void log_err(const char *what, const char *device, int err)
{
	bool quiet = err == -EOPNOTSUPP || err == -ENODEV;
	plog(quiet ? LOG_DEBUG : LOG_ERROR, what, "device", device, "err", strerror(-err),
	     PLOG_END);
}

/* Emit what the job found for device d. Returns 0 or -errno from the sink. */
static int emit_dev(struct ethtool_priv *p, const struct eth_dev *d, struct metric_sink *out)
{
	struct ethtool_link link;
	struct ethtool_drv drv;
	int r = 0;
	if (d->link_err == 0 && ethtool_parse_link(&d->cmd, sizeof(d->cmd), &link) == 0)
		r = ethtool_emit_link(&link, d->name, out);
	else if (d->link_err)
		log_err("ethtool: link settings", d->name, d->link_err);
	if (r == 0 && d->drv_err == 0 && ethtool_parse_drvinfo(&d->drv, sizeof(d->drv), &drv) == 0)
		r = ethtool_emit_info(&drv, d->name, out);
	else if (r == 0 && d->drv_err)
		log_err("ethtool: driver info", d->name, d->drv_err);
	if (r < 0)
		return r;
	if (d->stats_err) {
		log_err("ethtool: statistics", d->name, d->stats_err);
		return 0;
	}
	struct eth_job *j = p->job;
	r = ethtool_stats_parse(&p->st, j->str + (size_t)d->off * ETHTOOL_STR_LEN, j->val + d->off,
				d->n, p->metrics);
	if (r == 0)
		r = ethtool_emit_stats(&p->st, d->name, out);
	return r;
}

/* Whether class entry name (of type) is an interface: a link or folder, or a file that
 * stands for a link in a copied tree; not a plain file such as bonding_masters. */
static bool is_iface(struct ethtool_priv *p, const char *name, unsigned char type)
{
	char target[PATH_MAX];
	if (type != DT_REG)
		return true;
	return sysfs_readlink(dirscan_fd(&p->dir), name, target, sizeof(target)) == 0;
}

/* Fill the job's device list from the class folder. Returns 0, -ENODEV (no interface
 * at all) or -errno. */
static int list_devices(struct ethtool_priv *p)
{
	struct eth_job *j = p->job;
	const char *name;
	unsigned char type;
	uint32_t seen = 0;
	int r = dirscan_rewind(&p->dir);
	j->ndev = 0;
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0) {
		r = 0;
		if (!is_iface(p, name, type))
			continue;
		seen++;
		size_t len = strlen(name);
		if (!filter_pass(&p->devices, name, len))
			continue;
		if (len >= IFNAMSIZ) {
			plog(LOG_DEBUG, "ethtool: interface name too long", "device", name, PLOG_END);
			continue;
		}
		if (j->ndev == ETHTOOL_MAX_DEVS)
			return -E2BIG;
		if (j->ndev == j->dev_cap &&
		    (r = grow_array((void **)&j->dev, &j->dev_cap, j->ndev + 1, sizeof(*j->dev))) < 0)
			return r;
		memcpy(j->dev[j->ndev++].name, name, len + 1);
	}
	if ((r == 0 && seen == 0) || r == -ENOENT || r == -EACCES || r == -EPERM)
		r = -ENODEV; /* no interfaces, or no class folder to list: nothing to ask */
	return r;
}

static int ethtool_collect(struct collector *c, struct metric_sink *out)
{
	struct ethtool_priv *p = c->priv;
	struct dl_job *batch[1] = { &p->job->dl };
	int r;
	if (p->pool && dl_job_busy(p->pool, &p->job->dl)) {
		r = -ETIMEDOUT;
		goto out;
	}
	if (p->stuck_logged) {
		plog(LOG_INFO, "ethtool: the stuck ioctl returned", PLOG_END);
		p->stuck_logged = false;
	}
	if ((r = list_devices(p)) < 0)
		goto out;
	if (!p->pool && (r = dl_pool_create(1, 2, &p->pool)) < 0)
		goto out;
	if ((r = dl_pool_run(p->pool, batch, 1, p->timeout_ms)) < 0)
		goto out;
	if (p->job->dl.state != DL_DONE) {
		r = -ETIMEDOUT;
		if (!p->stuck_logged)
			plog(LOG_WARN, "ethtool: a driver did not answer in time; collections "
				       "fail until it does", PLOG_END);
		p->stuck_logged = true;
		goto out;
	}
	for (uint32_t i = 0; i < p->job->ndev && r == 0; i++)
		r = emit_dev(p, &p->job->dev[i], out);
out:
	return r;
}

int ethtool_set_io(struct collector *c, ethtool_io_fn io, void *ctx, int64_t timeout_ms)
{
	struct ethtool_priv *p = c->priv;
	if (p->pool && dl_job_busy(p->pool, &p->job->dl))
		return -EBUSY;
	p->job->io = io;
	p->job->io_ctx = ctx;
	p->timeout_ms = timeout_ms;
	return 0;
}

static int ethtool_init(struct collector *c)
{
	struct ethtool_priv *p = calloc(1, sizeof(*p));
	int r = -ENOMEM;
	if (!p)
		goto out;
	p->dir.fd = -1;
	p->timeout_ms = ETHTOOL_TIMEOUT_MS;
	c->priv = p;
	if (!(p->job = calloc(1, sizeof(*p->job))))
		goto out;
	p->job->fd = -1;
	p->job->dl.fn = run_job;
	if ((r = filter_init(&p->devices, cfg_str(c->cfg, "collector.ethtool.device-include"),
			     cfg_str(c->cfg, "collector.ethtool.device-exclude"))) < 0)
		goto out;
	const char *m = cfg_str(c->cfg, "collector.ethtool.metrics-include");
	if ((r = regex_compile(m ? m : ".*", &p->metrics, NULL, 0)) < 0)
		goto out;
	p->job->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->job->fd < 0) {
		r = -errno;
		goto out;
	}
	r = dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/net");
out:
	return r;
}

static void ethtool_fini(struct collector *c)
{
	struct ethtool_priv *p = c->priv;
	if (!p)
		return;
	if (p->job && p->pool)
		dl_job_release(p->pool, &p->job->dl, job_free);
	else
		job_free(p->job ? &p->job->dl : NULL);
	dl_pool_destroy(p->pool);
	dirscan_fini(&p->dir);
	filter_fini(&p->devices);
	regex_free(p->metrics);
	ethtool_stats_fini(&p->st);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_ethtool = {
	.name = "ethtool",
	.default_enabled = false,
	.reads = "SIOCETHTOOL ioctls for each interface of /sys/class/net",
	.flags = ethtool_flags,
	.init = ethtool_init,
	.collect = ethtool_collect,
	.fini = ethtool_fini,
};
