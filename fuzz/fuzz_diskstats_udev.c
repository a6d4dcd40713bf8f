/* fuzz_diskstats_udev: udev database file lookups and the families built from them. */
#include "collectors/diskstats.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	struct span file = { (const char *)data, size }, v;
	if (udev_prop(file, "ID_FS_TYPE", &v) && (v.p < file.p || v.p + v.len > file.p + size))
		abort();
	diskstats_emit_udev(SPAN_LIT("sda"), file, s);
	fuzz_check_sink(s);
	return 0;
}
