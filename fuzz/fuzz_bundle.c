/*
 * fuzz_bundle: the runtime-record parser (lib/bundle.h). The first byte picks the
 * format (even: an OCI config.json, odd: docker's config.v2.json), the rest is the
 * record. Whatever the bytes: the result is 0 or one of the documented errors, every
 * field ends within its buffer, is valid UTF-8 with no control character, is empty when
 * the parse failed, and a series labelled with the fields renders as a valid exposition.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "lib/bundle.h"
#include "lib/utf8valid.h"

/* Abort unless f (a field of cap bytes) is a NUL-terminated label value plumb allows. */
static void check_field(const char *f, size_t cap, int ok)
{
	const char *nul = memchr(f, '\0', cap);
	if (!nul || (!ok && nul != f))
		abort();
	size_t n = (size_t)(nul - f);
	char copy[BUNDLE_IMAGE_MAX];
	if (utf8_valid_copy((struct span){ f, n }, copy, sizeof(copy)) != n || memcmp(copy, f, n))
		abort(); /* not valid UTF-8 */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f[i];
		if (c < 0x20 || c == 0x7f || (c == 0xC2 && i + 1 < n && (unsigned char)f[i + 1] < 0xA0))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_ident b;
	if (size == 0)
		return 0;
	enum bundle_format fmt = data[0] & 1 ? BUNDLE_DOCKER : BUNDLE_OCI;
	int r = bundle_parse((const char *)data + 1, size - 1, fmt, &b);
	if (r != 0 && r != -EINVAL && r != -ENOMEM && r != -EFBIG)
		abort();
	check_field(b.image, sizeof(b.image), r == 0);
	check_field(b.name, sizeof(b.name), r == 0);
	check_field(b.container, sizeof(b.container), r == 0);
	check_field(b.pod, sizeof(b.pod), r == 0);
	check_field(b.ns, sizeof(b.ns), r == 0);
	check_field(b.pod_uid, sizeof(b.pod_uid), r == 0);
	if (r < 0 && b.sandbox)
		abort();
	static const struct metric_desc d = { "container_fuzz_info", "fuzz", METRIC_GAUGE };
	struct metric_sink *s = fuzz_sink();
	if (sink_add(s, &d, 1, LABELS(L("image", b.image), L("name", b.name),
				       L("container", b.container), L("pod", b.pod),
				       L("namespace", b.ns), L("uid", b.pod_uid))) < 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}
