/*
 * fuzz_cg_podlogs: the kubelet log entry name splitters. An accepted name splits into
 * parts that lie inside the input, contain no '_', and join back into exactly the
 * input ("<ns>_<pod>_<uid>", "<pod>_<ns>_<container>-<id>.log").
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/podlogs.h"

static void check_part(struct span p, const char *base, size_t size)
{
	if (p.len == 0 || p.p < base || p.p + p.len > base + size || memchr(p.p, '_', p.len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	struct span s = { b, size };
	struct podlogs_pod_name pn;
	struct podlogs_ctr_name cn;
	int r;

	r = podlogs_parse_pod_dir(s, &pn);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0) {
		check_part(pn.ns, b, size);
		check_part(pn.pod, b, size);
		check_part(pn.uid, b, size);
		if (pn.ns.p != b || pn.pod.p != pn.ns.p + pn.ns.len + 1 ||
		    pn.uid.p != pn.pod.p + pn.pod.len + 1 || pn.uid.p + pn.uid.len != b + size)
			abort();
	}
	r = podlogs_parse_container_file(s, &cn);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0) {
		check_part(cn.pod, b, size);
		check_part(cn.ns, b, size);
		check_part(cn.container, b, size);
		check_part(cn.id, b, size);
		if (cn.id.len != 64 || cn.pod.p != b || cn.ns.p != cn.pod.p + cn.pod.len + 1 ||
		    cn.container.p != cn.ns.p + cn.ns.len + 1 ||
		    cn.id.p != cn.container.p + cn.container.len + 1 || cn.id.p[-1] != '-' ||
		    cn.id.p + 64 + 4 != b + size || memcmp(cn.id.p + 64, ".log", 4))
			abort();
	}
	return 0;
}
