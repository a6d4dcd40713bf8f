/* fuzz_drm: a card's device attributes as "name\0value\n" records, recorded and
 * emitted; each record's name also goes through the card-name matcher and its value
 * through the amdgpu matcher. Checks: a card name is "card" and one digit; the amdgpu
 * matcher agrees with memmem; a count is recorded exactly when Go's base-0 parser takes
 * it (and agrees with the plain parsers where they overlap); text stays NUL-terminated
 * within its room; emit gives eight series with the recorded values. */
#include <string.h>

#include "collectors/drm.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

/* Record name=val into c, aborting on any broken promise of the matchers or recorder. */
static void record(struct drm_card *c, const char *name, struct span val)
{
	size_t n = strlen(name);
	uint64_t before[DRM_NNUM], v;
	if (drm_card_name(name) != (n == 5 && memcmp(name, "card", 4) == 0 && ascii_digit(name[4])))
		abort();
	if (drm_is_amdgpu(val) != (memmem(val.p, val.len, "DRIVER=amdgpu", 13) != NULL))
		abort();
	memcpy(before, c->num, sizeof(before));
	int r = drm_card_record(c, name, val);
	for (size_t i = 0; i < DRM_NNUM; i++) {
		if (strcmp(name, drm_num_files[i]) != 0)
			continue;
		fuzz_check_go_number(val);
		if ((r == 0) != (span_u64_auto(val, &v) == 0) || (r == 0 && c->num[i] != v) ||
		    (r != 0 && c->num[i] != before[i]))
			abort();
	}
	for (size_t i = 0; i < DRM_NSTR; i++)
		if (memchr(c->str[i], '\0', sizeof(c->str[i])) == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct drm_card c;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val;
	double got = -1;
	drm_card_reset(&c);
	while (fuzz_pair(&p, end, name, sizeof(name), &val))
		record(&c, name, val);
	if (drm_card_emit(&c, "card0", s) == 0 &&
	    (s->nseries != 8 ||
	     sink_lookup(s, VIEW_METRICS, "node_drm_memory_vram_used_bytes", NULL, NULL, &got) ||
	     got != (double)c.num[DRM_NNUM - 1]))
		abort();
	fuzz_check_sink(s);
	return 0;
}
