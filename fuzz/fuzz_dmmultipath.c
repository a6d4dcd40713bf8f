/* fuzz_dmmultipath: what the collector makes of a device-mapper device's attributes.
 * Input records "name\0value\n" (fuzz_pairs.h) give dm/uuid, dm/name, dm/suspended and
 * size, and "path:<dev>" records one path's device/state each. A map reports its six
 * device series plus one path_state per path; its path counts add up; label values
 * from attributes are at most SYSFS_ATTR_MAX bytes. */
#include <stdlib.h>
#include <string.h>

#include "collectors/dmmultipath.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"
#include "lib/sysfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	struct span uuid = { "", 0 }, name = { "", 0 }, susp = { "0", 1 }, sz = { "0", 1 }, v;
	char key[64];
	while (fuzz_pair(&p, end, key, sizeof(key), &v)) {
		if (strcmp(key, "uuid") == 0)
			uuid = v;
		else if (strcmp(key, "name") == 0)
			name = v;
		else if (strcmp(key, "suspended") == 0)
			susp = v;
		else if (strcmp(key, "size") == 0)
			sz = v;
	}
	struct dmmultipath_device d = { .sysfs_name = "dm-0" };
	if (!dmmultipath_is_multipath(uuid))
		return 0;
	d.uuid = dmmultipath_attr(uuid);
	d.name = dmmultipath_attr(name);
	if (d.uuid.len > SYSFS_ATTR_MAX || d.name.len > SYSFS_ATTR_MAX || d.uuid.len < 6)
		abort();
	if (dmmultipath_parse_numbers(susp, sz, &d) < 0)
		return 0;
	uint32_t npaths = 0;
	p = (const char *)data;
	while (fuzz_pair(&p, end, key, sizeof(key), &v)) {
		if (strncmp(key, "path:", 5) != 0)
			continue;
		uint32_t before = d.active;
		if (dmmultipath_emit_path(&d, key + 5, v, s) < 0)
			abort();
		npaths++;
		if (d.active - before != dmmultipath_path_usable(dmmultipath_attr(v)))
			abort();
	}
	if (dmmultipath_emit_device(&d, s) < 0)
		abort();
	if (d.paths != npaths || d.active > d.paths || s->nseries != npaths + 6)
		abort();
	fuzz_check_sink(s);
	return 0;
}
