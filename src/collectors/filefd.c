/*
 * filefd: how many file handles the kernel has allocated, and its limit.
 *
 * /proc/sys/fs/file-nr is one line of three tab-separated numbers: allocated handles,
 * free handles (always 0 since Linux 2.6) and the maximum (fs.file-max). The first and
 * the third become node_filefd_allocated and node_filefd_maximum.
 */
#include <errno.h>
#include <stdlib.h>

#include "collectors/filefd.h"
#include "core/collector.h"
#include "lib/procfile.h"

static const struct metric_desc filefd_descs[2] = {
	{ "node_filefd_allocated", "File handles the kernel has allocated (fs.file-nr, first field).",
	  METRIC_GAUGE },
	{ "node_filefd_maximum", "Most file handles the kernel will allocate (fs.file-max).",
	  METRIC_GAUGE },
};

int filefd_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct span s = span_trim((struct span){ buf, len }), f[3];
	double v[2];
	for (int i = 0; i < 3; i++) {
		if (!span_field(&s, '\t', &f[i]))
			return -EINVAL;
	}
	if (span_double(f[0], &v[0]) < 0 || span_double(f[2], &v[1]) < 0)
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		int r = sink_gauge(out, &filefd_descs[i], v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int filefd_init(struct collector *c)
{
	struct procfile *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->fd = -1;
	c->priv = pf;
	return procfile_init(pf, cfg_procfs(c->cfg), "sys/fs/file-nr", 4096);
}

static int filefd_collect(struct collector *c, struct metric_sink *out)
{
	struct procfile *pf = c->priv;
	int r = procfile_read(pf);
	if (r < 0)
		return r;
	return filefd_parse(pf->buf, pf->len, out);
}

static void filefd_fini(struct collector *c)
{
	if (c->priv)
		procfile_fini(c->priv);
	free(c->priv);
	c->priv = NULL;
}

const struct collector_ops collector_ops_filefd = {
	.name = "filefd",
	.default_enabled = true,
	.reads = "/proc/sys/fs/file-nr",
	.init = filefd_init,
	.collect = filefd_collect,
	.fini = filefd_fini,
};
