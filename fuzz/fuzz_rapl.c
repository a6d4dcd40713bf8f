/* fuzz_rapl: zones as "entry\0name\n" records (the first byte of the entry picks the
 * energy read's result: 'E' EACCES, 'N' ENOENT, else a counter), numbered, named and
 * emitted both ways. Checks: a zone's name is its trimmed name file cut before "-N" only
 * when N is the index; sanitized names use [0-9A-Za-z_] alone and sanitizing again
 * changes nothing; emit gives one series a zone, or stops at the first unreadable zone
 * with no data (EACCES) or its error. */
#include <errno.h>

#include "collectors/rapl.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

static struct rapl_zones zs;

static void check_name(const struct rapl_zone *z, struct span raw)
{
	struct span t = span_trim((struct span){ raw.p, raw.len < RAPL_NAME_MAX ? raw.len : RAPL_NAME_MAX });
	const char *fin = zs.names.p + z->name_off;
	char a[512], b[512];
	int64_t idx;
	if (z->name_len > t.len || memcmp(fin, t.p, z->name_len) != 0 || fin[z->name_len])
		abort();
	if (z->name_len < t.len) { /* cut: "-N" follows, and N is the index */
		struct span num = { t.p + z->name_len + 1, t.len - z->name_len - 1 };
		if (t.p[z->name_len] != '-' || span_atoi(num, &idx) != 0 || idx != z->index)
			abort();
	}
	size_t n = rapl_sanitize((struct span){ fin, z->name_len }, a, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		char c = a[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_'))
			abort();
	}
	if (rapl_sanitize((struct span){ a, n }, b, sizeof(b)) != n || memcmp(a, b, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char entry[64];
	struct span raw;
	int first_err = 0;
	rapl_zones_reset(&zs);
	zs.names.max = RAPL_NAMES_MAX;
	while (fuzz_pair(&p, end, entry, sizeof(entry), &raw)) {
		int err = entry[0] == 'E' ? -EACCES : entry[0] == 'N' ? -ENOENT : 0;
		uint32_t i = zs.nentries;
		if (rapl_add_entry(&zs, entry) != 0 ||
		    rapl_add_zone(&zs, i, raw, err, (uint64_t)raw.len * 1000003u) != 0)
			break;
		check_name(&zs.z[zs.n - 1], raw);
		if (!first_err)
			first_err = err == -EACCES ? -ENOENT : err;
	}
	for (int label = 0; label < 2; label++) {
		uint32_t before = s->nseries;
		int r = rapl_emit(&zs, "/sys/class/powercap", label, s);
		if (r != first_err || (r == 0 && s->nseries - before != zs.n))
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
