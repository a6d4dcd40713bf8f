/*
 * filefd: how many file handles the kernel has allocated, and its limit.
 *
 * /proc/sys/fs/file-nr is one line of three tab-separated numbers: allocated handles,
 * free handles (always 0 since Linux 2.6) and the maximum (fs.file-max). The first and
 * the third become node_filefd_allocated and node_filefd_maximum.
 */
#include <errno.h>

#include "collectors/filefd.h"
#include "core/collector.h"

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

const struct collector_ops collector_ops_filefd = {
	.name = "filefd",
	.default_enabled = true,
	.reads = "/proc/sys/fs/file-nr",
	.file = &(const struct collector_file){ "sys/fs/file-nr", 4096, filefd_parse, true },
	COLLECTOR_FILE_OPS,
};
