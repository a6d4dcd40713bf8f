/*
 * kernel_hung: how many tasks the kernel's hung-task detector has caught since boot,
 * from /proc/sys/kernel/hung_task_detect_count, as node_exporter's kernel_hung
 * collector reports it.
 *
 * The file exists when the kernel is built with CONFIG_DETECT_HUNG_TASK (and is recent
 * enough to count); without it the core's one-file reader gets -ENOENT, which is "no
 * data here" (success 0, logged at debug), as in node_exporter.
 */
#include <errno.h>

#include "collectors/kernel_hung.h"
#include "core/collector.h"

static const struct metric_desc desc_hung = {
	"node_kernel_hung_tasks_total",
	"Tasks the kernel's hung-task detector has found blocked for too long since boot.",
	METRIC_COUNTER
};

int kernel_hung_parse(const char *buf, size_t len, struct metric_sink *out)
{
	uint64_t v;
	int r = span_u64((struct span){ buf, len }, &v);
	if (r < 0)
		return r;
	return sink_add(out, &desc_hung, (double)v, NULL, 0);
}

const struct collector_ops collector_ops_kernel_hung = {
	.name = "kernel_hung",
	.default_enabled = true,
	.reads = "/proc/sys/kernel/hung_task_detect_count",
	.file = &(const struct collector_file){ "sys/kernel/hung_task_detect_count", 4096,
						kernel_hung_parse, true },
	COLLECTOR_FILE_OPS,
};
