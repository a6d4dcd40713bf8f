/*
 * perfev: counting perf events for every process on one CPU; see perfev.h.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/perfev.h"

int perfev_open(uint32_t type, uint64_t config, int cpu, int group, int in_group, int *fd)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = type;
	attr.size = sizeof(attr);
	attr.config = config;
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	if (in_group)
		attr.read_format |= PERF_FORMAT_GROUP;
	attr.disabled = group < 0;
	attr.exclude_hv = 1;
	/* pid -1: every process on cpu; no sampling, so no ring buffer to map */
	long r = syscall(SYS_perf_event_open, &attr, -1, cpu, group, PERF_FLAG_FD_CLOEXEC);
	if (r < 0)
		return -errno;
	*fd = (int)r;
	return 0;
}

int perfev_enable(int fd)
{
	return ioctl(fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) < 0 ? -errno : 0;
}

int perfev_read(int fd, uint64_t *value)
{
	uint64_t v[3];
	ssize_t n = read(fd, v, sizeof(v));
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(v))
		return -EIO;
	*value = v[0];
	return 0;
}

int perfev_group_parse(const void *buf, size_t len, size_t n, uint64_t *values)
{
	uint64_t nr;
	if (n > SIZE_MAX / sizeof(uint64_t) - 3 || len != perfev_group_size(n))
		return -EIO;
	memcpy(&nr, buf, sizeof(nr));
	if (nr != n)
		return -EIO;
	/* after nr, time_enabled and time_running */
	memcpy(values, (const char *)buf + 3 * sizeof(uint64_t), n * sizeof(uint64_t));
	return 0;
}
