/* fuzz_sysctl: the flag reader and the value parser together. The input's first line is
 * a flag value ("name" or "name:keys"), its first byte choosing include (even) or
 * include-info (odd); the rest is the sysctl's text. Checks: a metric name has only
 * letters, digits and '_'; a failure adds nothing; a success gives one series per word
 * of the text (fuzz_check_sink checks every name is valid). */
#include "collectors/sysctl.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sysctl_def d;
	char flag[2 * SYSCTL_NAME_MAX];
	struct metric_sink *s = fuzz_sink();
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t flen = (size_t)((nl ? nl : end) - p);
	if (flen >= sizeof(flag) || memchr(p, '\0', flen))
		return 0;
	memcpy(flag, p, flen);
	flag[flen] = '\0';
	if (sysctl_def_init(&d, flag, (data[0] & 1) == 0) < 0)
		return 0;
	for (const char *m = d.metric; *m; m++)
		if (!((*m >= 'a' && *m <= 'z') || (*m >= 'A' && *m <= 'Z') || ascii_digit(*m) ||
		      *m == '_'))
			abort();
	struct span text = { nl ? nl + 1 : end, nl ? (size_t)(end - nl - 1) : 0 }, rest = text, w;
	uint32_t words = 0;
	while (span_word(&rest, &w))
		words++;
	int r = sysctl_parse(&d, text.p, text.len, s);
	if (r < 0 ? s->nseries != 0 : s->nseries != words)
		abort();
	fuzz_check_sink(s);
	return 0;
}
