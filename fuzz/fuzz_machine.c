/*
 * fuzz_machine: the cpuinfo and meminfo parsers behind cAdvisor's machine_* facts
 * (lib/machine.h). Whatever the bytes: a documented result, counts no larger than the
 * lines of the input, and meminfo's figures only on success.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span s = { (const char *)data, size };
	uint32_t cores = 0, socks = 0;
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	int r = machine_parse_cpuinfo(s, &cores, &socks);
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		abort();
	if (cores > lines || socks > lines || cores > 4096 || socks > 4096)
		abort();
	uint64_t mem = 1, swap = 1;
	r = machine_parse_meminfo(s, &mem, &swap);
	if (r != 0 && r != -ENOENT)
		abort();
	return 0;
}
