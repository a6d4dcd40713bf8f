/*
 * netdev_pid: a container's network figures, as cAdvisor takes them: /proc/<pid>/net/dev
 * of a process in the container's cgroup, which shows the interfaces of that process's
 * network namespace.
 *
 * netdev_pid_parse reads the file's text into a fixed table (no allocation), leaving out
 * the interfaces cAdvisor leaves out (names starting with lo, veth, docker or nerdctl,
 * in any case: the host ends of container links and the loopback) and those whose names
 * are not printable ASCII (they could not be label values as they are), and, like cAdvisor,
 * trusts none of a file with a malformed line. cgroup_first_pid takes the process a
 * cgroup.procs file lists first.
 */
#ifndef PLUMB_NETDEV_PID_H
#define PLUMB_NETDEV_PID_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/strparse.h"

#define NETDEV_PID_MAX_IFACES 64 /* interfaces kept from one file; more set truncated */

enum netdev_pid_field {
	ND_RX_BYTES, ND_RX_PACKETS, ND_RX_ERRORS, ND_RX_DROPPED,
	ND_TX_BYTES, ND_TX_PACKETS, ND_TX_ERRORS, ND_TX_DROPPED,
	ND_N
};

struct netdev_iface {
	char name[16];      /* IFNAMSIZ */
	uint64_t v[ND_N];
};

struct netdev_pid {
	uint32_t n;
	bool truncated;
	struct netdev_iface ifs[NETDEV_PID_MAX_IFACES];
};

/* Parse /proc/<pid>/net/dev text into *out (n reset first). Returns 0, or -EINVAL
 * (nothing kept) when a device line does not have a name and 16 numbers, or a name
 * longer than 15 bytes. */
int netdev_pid_parse(struct span text, struct netdev_pid *out);

/* The first process ID of cgroup.procs text into *pid. Returns 0, -ENOENT when the
 * cgroup has no process, or -EINVAL when the first line is not a process ID. */
int cgroup_first_pid(struct span procs, uint64_t *pid);

#endif
