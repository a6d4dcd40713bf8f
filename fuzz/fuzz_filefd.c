/* fuzz_filefd: the filefd parser. */
#include "collectors/filefd.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	filefd_parse((const char *)data, size, s);
	fuzz_check_sink(s);
	return 0;
}
