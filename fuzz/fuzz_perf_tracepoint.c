/* fuzz_perf_tracepoint: the --collector.perf.tracepoint parser (the input's lines are
 * the flag's values), the tracefs id parser and the kernel's group read (the whole
 * input, for every group size that could fit it). Accepted values make valid metric
 * names that differ from each other; an accepted group read is exactly the size its
 * count says and hands back its values. */
#include <errno.h>

#include "collectors/perf.h"
#include "fuzz_common.h"
#include "lib/perfev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct perf_tracepoint tp[PERF_TP_MAX];
	static char text[4096];
	const char *vals[PERF_TP_MAX + 1];
	size_t n = 0, bad = 0;
	uint64_t id;
	perf_tracepoint_id_parse((const char *)data, size, &id);
	for (size_t g = 0; g <= PERF_TP_MAX; g++) {
		static uint64_t vals64[PERF_TP_MAX + 1];
		if (perfev_group_parse(data, size, g, vals64) == 0 &&
		    (size != (g + 3) * sizeof(uint64_t) ||
		     (g && memcmp(vals64, data + 3 * sizeof(uint64_t), g * sizeof(uint64_t)))))
			abort();
	}
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strlen(text) != size)
		return 0; /* a NUL inside cannot come from a command line */
	for (char *p = text; n <= PERF_TP_MAX;) {
		vals[n++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	int r = perf_tracepoints_parse(vals, n, tp, &bad);
	if (r != 0 && r != -EINVAL && r != -E2BIG)
		abort();
	if (r == -EINVAL && bad >= n)
		abort();
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!fuzz_name_char(tp[i].metric[0], 1))
			abort();
		for (const char *c = tp[i].metric; *c; c++)
			if (!fuzz_name_char(*c, 0) || *c == ':')
				abort();
		for (size_t k = 0; k < i; k++)
			if (strcmp(tp[k].metric, tp[i].metric) == 0)
				abort();
	}
	return 0;
}
