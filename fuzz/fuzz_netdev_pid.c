/*
 * fuzz_netdev_pid: the /proc/<pid>/net/dev and cgroup.procs parsers behind
 * container_network_* (lib/netdev_pid.h). Whatever the bytes: a documented result,
 * nothing kept on error, at most the table's interfaces, every name a NUL-terminated
 * non-empty string of printable ASCII that is none cAdvisor leaves out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netdev_pid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netdev_pid nd;
	struct span s = { (const char *)data, size };
	int r = netdev_pid_parse(s, &nd);
	if ((r != 0 && r != -EINVAL) || (r < 0 && nd.n) || nd.n > NETDEV_PID_MAX_IFACES)
		abort();
	for (uint32_t i = 0; i < nd.n; i++) {
		const char *n = nd.ifs[i].name;
		size_t len = strnlen(n, sizeof(nd.ifs[i].name));
		if (len == 0 || len == sizeof(nd.ifs[i].name) ||
		    ((n[0] | 0x20) == 'l' && (n[1] | 0x20) == 'o'))
			abort();
		for (size_t k = 0; k < len; k++)
			if (n[k] < 0x21 || n[k] > 0x7e)
				abort();
	}
	uint64_t pid = 0;
	r = cgroup_first_pid(s, &pid);
	if ((r != 0 && r != -EINVAL && r != -ENOENT) || (r == 0 && (pid == 0 || pid > (1u << 22))))
		abort();
	return 0;
}
