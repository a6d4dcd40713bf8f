/*
 * netdev_pid: per-container network figures from /proc/<pid>/net/dev (see
 * netdev_pid.h). Two header lines, then "name: 8 receive and 8 transmit numbers" per
 * interface; of each direction cAdvisor keeps bytes, packets, errors and drops.
 */
#include "lib/netdev_pid.h"

#include <errno.h>
#include <string.h>

/* Whether name is one cAdvisor leaves out: lo, veth*, docker*, nerdctl* (any case). */
static bool ignored(struct span name)
{
	static const char *const prefixes[] = { "lo", "veth", "docker", "nerdctl" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]), k = 0;
		if (name.len < n)
			continue;
		while (k < n && (name.p[k] | 0x20) == prefixes[i][k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* One device line into *d (name and the kept fields). 0 or -EINVAL. */
static int parse_line(struct span line, struct netdev_iface *d, bool *skip)
{
	struct span name, rest = line, w;
	uint64_t num[16];
	if (!span_field(&rest, ':', &name))
		return -EINVAL;
	name = span_trim(name);
	if (name.len == 0 || name.len >= sizeof(d->name))
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		if (!span_word(&rest, &w) || span_u64(w, &num[i]) < 0)
			return -EINVAL;
	}
	if (span_word(&rest, &w))
		return -EINVAL;
	*skip = ignored(name);
	for (size_t i = 0; i < name.len; i++) /* a label: printable ASCII names only */
		if (name.p[i] < 0x21 || name.p[i] > 0x7e)
			*skip = true;
	memcpy(d->name, name.p, name.len);
	d->name[name.len] = '\0';
	for (int i = 0; i < 4; i++) {
		d->v[ND_RX_BYTES + i] = num[i];
		d->v[ND_TX_BYTES + i] = num[8 + i];
	}
	return 0;
}

int netdev_pid_parse(struct span text, struct netdev_pid *out)
{
	struct cursor c = cursor_init(text.p, text.len);
	struct span line;
	int r = 0, lineno = 0;
	out->n = 0;
	out->truncated = false;
	while (cursor_line(&c, &line)) {
		struct netdev_iface d;
		bool skip = false;
		if (lineno++ < 2 || span_trim(line).len == 0)
			continue; /* the two header lines */
		if ((r = parse_line(line, &d, &skip)) < 0)
			goto out;
		if (skip)
			continue;
		if (out->n == NETDEV_PID_MAX_IFACES) {
			out->truncated = true;
			continue;
		}
		out->ifs[out->n++] = d;
	}
out:
	if (r < 0)
		out->n = 0;
	return r;
}

int cgroup_first_pid(struct span procs, uint64_t *pid)
{
	struct cursor c = cursor_init(procs.p, procs.len);
	struct span line;
	if (!cursor_line(&c, &line) || span_trim(line).len == 0)
		return -ENOENT;
	uint64_t v;
	if (span_u64(span_trim(line), &v) < 0 || v == 0 || v > (1u << 22))
		return -EINVAL; /* pid_max is at most 2^22 */
	*pid = v;
	return 0;
}
