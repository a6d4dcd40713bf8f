/*
 * entropy: the kernel random pool's fill level and size.
 *
 * /proc/sys/kernel/random/entropy_avail and poolsize each hold one number of bits.
 * Since Linux 5.18 both are constant (256), but dashboards still graph them. Both files
 * are required: a missing one fails the collection, as in node_exporter.
 */
#include <errno.h>
#include <stdlib.h>

#include "collectors/entropy.h"
#include "core/collector.h"
#include "lib/procfile.h"

struct entropy_priv {
	struct procfile avail, pool;
};

static const struct metric_desc entropy_descs[2] = {
	{ "node_entropy_available_bits", "Bits of entropy the kernel's random pool holds now.",
	  METRIC_GAUGE },
	{ "node_entropy_pool_size_bits", "Size of the kernel's random pool, in bits.",
	  METRIC_GAUGE },
};

int entropy_parse(const char *avail, size_t alen, const char *pool, size_t plen,
		  struct metric_sink *out)
{
	uint64_t v[2];
	int r = span_u64((struct span){ avail, alen }, &v[0]);
	if (r < 0)
		return r;
	r = span_u64((struct span){ pool, plen }, &v[1]);
	if (r < 0)
		return r;
	for (int i = 0; i < 2 && r == 0; i++)
		r = sink_gauge(out, &entropy_descs[i], (double)v[i]);
	return r;
}

static int entropy_init(struct collector *c)
{
	struct entropy_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->avail.fd = p->pool.fd = -1;
	c->priv = p;
	const char *root = cfg_procfs(c->cfg);
	int r = procfile_init(&p->avail, root, "sys/kernel/random/entropy_avail", 4096);
	if (r == 0)
		r = procfile_init(&p->pool, root, "sys/kernel/random/poolsize", 4096);
	procfile_set_whole(&p->avail); /* /proc/sys */
	procfile_set_whole(&p->pool);
	return r;
}

static int entropy_collect(struct collector *c, struct metric_sink *out)
{
	struct entropy_priv *p = c->priv;
	int r = procfile_read(&p->avail);
	if (r == 0)
		r = procfile_read(&p->pool);
	if (r < 0)
		return r;
	return entropy_parse(p->avail.buf, p->avail.len, p->pool.buf, p->pool.len, out);
}

static void entropy_fini(struct collector *c)
{
	struct entropy_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->avail);
		procfile_fini(&p->pool);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_entropy = {
	.name = "entropy",
	.default_enabled = true,
	.reads = "/proc/sys/kernel/random/{entropy_avail,poolsize}",
	.init = entropy_init,
	.collect = entropy_collect,
	.fini = entropy_fini,
};
