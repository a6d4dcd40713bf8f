/* fuzz_dmi: DMI attributes as "name\0value\n" records, recorded and emitted. Checks:
 * a known file sets its label and an unknown one changes nothing; a value is valid
 * UTF-8, NUL-terminated, within DMI_VAL_MAX, without whitespace at either end; it is
 * the first 128 bytes trimmed when those are plain ASCII; emit gives one series exactly
 * when some label was recorded. */
#include <errno.h>

#include "collectors/dmi.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

/* Whether p[0..n) is valid UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF). */
static bool valid_utf8(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		uint32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
		if ((c >= 0x80 && c < 0xC2) || c > 0xF4 || i + len > n)
			return false;
		for (unsigned k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += len;
	}
	return true;
}

static bool space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmi_info d;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val;
	memset(&d, 0, sizeof(d));
	while (fuzz_pair(&p, end, name, sizeof(name), &val)) {
		uint32_t before = d.have;
		dmi_record(&d, name, val);
		size_t i = 0;
		while (i < DMI_NLABELS && strcmp(name, dmi_files[i]) != 0)
			i++;
		if (i == DMI_NLABELS) {
			if (d.have != before)
				abort();
			continue;
		}
		const char *v = d.val[i];
		size_t n = d.len[i];
		if (!(d.have & (1u << i)) || n >= DMI_VAL_MAX || v[n] != '\0' ||
		    !valid_utf8((const unsigned char *)v, n) || (n && (space(v[0]) || space(v[n - 1]))))
			abort();
		struct span cut = { val.p, val.len < SYSFS_ATTR_MAX ? val.len : SYSFS_ATTR_MAX };
		bool ascii = true;
		for (size_t k = 0; k < cut.len; k++)
			ascii = ascii && (unsigned char)cut.p[k] < 0x80;
		struct span t = span_trim(cut);
		if (ascii && (t.len != n || (n && memcmp(t.p, v, n) != 0)))
			abort();
	}
	int r = dmi_emit(&d, s);
	if (d.have ? (r != 0 || s->nseries != 1) : (r != -ENOENT || s->nseries != 0))
		abort();
	fuzz_check_sink(s);
	return 0;
}
