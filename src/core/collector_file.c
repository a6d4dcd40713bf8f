/*
 * collector_file: init, collect and fini for the collectors that read one file beneath
 * --path.procfs with one parse function (struct collector_file in collector.h), so each
 * of them is its parse function and a table.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/collector.h"
#include "lib/procfile.h"

int collector_file_init(struct collector *c)
{
	const struct collector_file *f = c->ops->file;
	struct procfile *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->fd = -1;
	c->priv = pf;
	int r = procfile_init(pf, cfg_procfs(c->cfg), f->rel, f->max);
	if (f->whole)
		procfile_set_whole(pf);
	return r;
}

int collector_file_collect(struct collector *c, struct metric_sink *out)
{
	struct procfile *pf = c->priv;
	int r = procfile_read(pf);
	if (r < 0)
		return r;
	return c->ops->file->parse(pf->buf, pf->len, out);
}

void collector_file_fini(struct collector *c)
{
	if (c->priv)
		procfile_fini(c->priv);
	free(c->priv);
	c->priv = NULL;
}
