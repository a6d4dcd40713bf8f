/* fuzz_hwmon: one hwmon chip's files. The input is "file\0value\n" records (a file name
 * starting with '/' counts as read from the device directory); every record goes
 * through the file-name splitter, the name cleaner and the number parser, then the
 * chip's samples are emitted and the exposition checked. Invariants: cleaned names hold
 * only [a-z0-9:_] without '_' at either end and are no longer than their input; a split
 * type holds no digit and a property no newline. */
#include <errno.h>

#include "collectors/hwmon.h"
#include "fuzz_common.h"
#include "lib/gofloat.h"

static void check_name(struct span name)
{
	char out[512];
	struct span type, prop;
	int64_t num;
	size_t n = hwmon_clean(name, out, sizeof(out));
	if (n > name.len || strlen(out) != n || (n && (out[0] == '_' || out[n - 1] == '_')))
		abort();
	for (size_t i = 0; i < n; i++) {
		char c = out[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_'))
			abort();
	}
	if (hwmon_explode(name, &type, &num, &prop)) {
		if (type.len == 0 || num < 0 || memchr(prop.p, '\n', prop.len))
			abort();
		for (size_t i = 0; i < type.len; i++)
			if (type.p[i] >= '0' && type.p[i] <= '9')
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hwmon_data d;
	static struct sort_memo order; /* kept across inputs: both of its paths run */
	static struct filter f;
	static int ready;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	double v;
	if (!ready) {
		if (filter_init(&f, NULL, "^chip;temp9$") < 0)
			abort();
		ready = 1;
	}
	hwmon_data_reset(&d);
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			break;
		const char *nl = memchr(nul + 1, '\n', (size_t)(end - nul - 1));
		const char *vend = nl ? nl : end;
		struct span name = { p, (size_t)(nul - p) };
		struct span val = { nul + 1, (size_t)(vend - nul - 1) };
		unsigned pass = name.len && name.p[0] == '/';
		if (pass)
			name.p++, name.len--;
		check_name(name);
		go_parse_float(val, &v);
		if (val.len > 128)
			val.len = 128; /* what the collector reads at most */
		if (hwmon_data_add(&d, name, val, pass) == -ENOMEM)
			abort();
		p = nl ? nl + 1 : end;
	}
	hwmon_emit(&d, &order, "chip", &f, s);
	fuzz_check_sink(s);
	return 0;
}
