/* fuzz_mountstats: a mountinfo table, a NUL byte, then a mountstats file. Checks: the
 * addresses found lie inside the mountinfo text, one per line; a parse that succeeds
 * gives the same series again from the same scratch (no state leaks between
 * collections), and no mount point series without a "device" line. */
#include <errno.h>

#include "collectors/mountstats.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ms_scratch sc;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *nul = memchr(p, '\0', size);
	size_t milen = nul ? (size_t)(nul - p) : 0;
	const char *ms = nul ? nul + 1 : p;
	size_t mslen = size - (size_t)(ms - p);
	int r = mountstats_mountinfo(&sc, p, milen);
	if (r == -ENOMEM)
		abort();
	if (r < 0)
		sc.naddr = 0;
	size_t lines = 0;
	for (size_t i = 0; i < milen; i++)
		lines += p[i] == '\n';
	if (sc.naddr > lines + 1)
		abort();
	for (uint32_t i = 0; i < sc.naddr; i++)
		if (sc.addr[i].len && (sc.addr[i].p < p || sc.addr[i].p + sc.addr[i].len > p + milen))
			abort();
	(void)mountstats_has_nfs(ms, mslen);
	r = mountstats_parse(&sc, ms, mslen, s);
	if (r == 0) {
		uint32_t n = s->nseries;
		size_t devices = 0;
		for (const char *q = ms; (q = memmem(q, mslen - (size_t)(q - ms), "device", 6));
		     q += 6)
			devices++;
		if (n && mountstats_parse(&sc, ms, mslen, s) != 0)
			abort();
		if (n && s->nseries != 2 * n)
			abort();
		double v;
		if (devices == 0 && sink_lookup(s, VIEW_METRICS, "node_mountstats_nfs_mountpoint_info",
						NULL, NULL, &v) == 0)
			abort();
		sink_reset(s);
		if (mountstats_parse(&sc, ms, mslen, s) != 0)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
