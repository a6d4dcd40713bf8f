/* fuzz_procstat: lib/procstat's /proc/stat parser; checks each CPU line it passes on. */
#include <errno.h>

#include "fuzz_common.h"
#include "lib/procstat.h"

static int check_cpu(void *ctx, int64_t cpu, const double secs[PROCSTAT_NMODES])
{
	(void)ctx;
	if (cpu == -1)
		abort(); /* the summed line is never passed on */
	for (int i = 0; i < PROCSTAT_NMODES; i++)
		if (secs[i] != secs[i] && secs[i] == secs[i])
			abort(); /* touch every value, for the sanitizers */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procstat ps;
	int r = procstat_parse((const char *)data, size, &ps, check_cpu, NULL);
	if (r != 0 && r != -EINVAL)
		abort();
	return 0;
}
