/*
 * fuzz_eviction: the --health.eviction-hard parser. Whatever the input, it returns 0
 * or -EINVAL; a refusal always says why; an accepted list holds only finite, positive
 * thresholds, percentages within (0, 1], and formats them without overflowing.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/eviction.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eviction ev;
	char err[256];
	char text[64];
	err[0] = '\0';
	int r = eviction_parse((const char *)data, size, &ev, err, sizeof(err));
	if (r != 0 && r != -EINVAL)
		abort();
	if (r < 0) {
		if (err[0] == '\0' || !memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	for (int i = 0; i < EVICT_SIGNALS; i++) {
		const struct evict_threshold *t = &ev.t[i];
		if (!t->set)
			continue;
		if (!isfinite(t->value) || t->value < 0 || (t->percent && t->value > 1))
			abort();
		eviction_format(eviction_limit(t, 1e12), true, text, sizeof(text));
		if (!memchr(text, '\0', sizeof(text)))
			abort();
		if (eviction_met(t, INFINITY, 1e12))
			abort(); /* infinitely much available is never below a finite limit */
	}
	return 0;
}
