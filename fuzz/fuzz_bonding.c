/* fuzz_bonding: the bonding logic over made-up files. The input's first line is
 * bonding_masters; every other file read returns the next line of the input, or
 * ENOENT when the lines run out. */
#include <errno.h>

#include "collectors/bonding.h"
#include "fuzz_common.h"

struct feed {
	const char *p, *end;
};

static int next_line(void *ctx, const char *rel, char *buf, size_t cap, size_t *len)
{
	struct feed *f = ctx;
	(void)rel;
	if (f->p >= f->end)
		return -ENOENT;
	const char *nl = memchr(f->p, '\n', (size_t)(f->end - f->p));
	size_t n = (size_t)((nl ? nl : f->end) - f->p);
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, f->p, n);
	buf[n] = '\0';
	*len = n;
	f->p = nl ? nl + 1 : f->end;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	struct feed f = { (const char *)data, (const char *)data + size };
	char masters[BONDING_FILE_MAX];
	size_t len;
	if (next_line(&f, "bonding_masters", masters, sizeof(masters), &len) < 0)
		return 0;
	bonding_parse(masters, len, next_line, &f, s);
	fuzz_check_sink(s);
	return 0;
}
