/* fuzz_selinux: the config, enforce, /proc/filesystems, mountinfo and label parsers on
 * the NUL-separated parts of one input. Checks: the modes are in range and a mode that
 * is not -1 comes from a matching line; a mount point found is a field of a selinuxfs
 * line with no space in it; emit gives 3 series when enabled, 1 when not. */
#include "collectors/selinux.h"
#include "fuzz_common.h"

static struct span part(const char **p, const char *end)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));
	struct span s = { *p, (size_t)((nul ? nul : end) - *p) };
	*p = nul ? nul + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	struct span config = part(&p, end), enforce = part(&p, end), fs = part(&p, end),
		    mi = part(&p, end), label = { p, (size_t)(end - p) };

	int mode = selinux_config_mode(config.p, config.len);
	if (mode < -1 || mode > 1 ||
	    (mode == 1 && !memmem(config.p, config.len, "SELINUX=", 8)) ||
	    (mode == 1 && !memmem(config.p, config.len, "enforcing", 9)) ||
	    (mode == 0 && !memmem(config.p, config.len, "permissive", 10)))
		abort();

	int64_t cur = selinux_enforce_mode(enforce.p, enforce.len), v;
	if (cur != -1 && (span_atoi(enforce, &v) != 0 || v != cur))
		abort();

	if (selinux_listed(fs.p, fs.len) != (memmem(fs.p, fs.len, "\tselinuxfs\n", 11) != NULL))
		abort();

	struct cursor c = cursor_init(mi.p, mi.len);
	struct span m;
	while (selinux_next_mount(&c, &m)) {
		if (m.p < mi.p || m.p + m.len > mi.p + mi.len || memchr(m.p, ' ', m.len) ||
		    memchr(m.p, '\n', m.len))
			abort();
		const char *nl = memchr(m.p, '\n', (size_t)(mi.p + mi.len - m.p));
		const char *ls = m.p;
		while (ls > mi.p && ls[-1] != '\n')
			ls--;
		const char *le = nl ? nl : mi.p + mi.len;
		if (!memmem(ls, (size_t)(le - ls), " - selinuxfs ", 13))
			abort();
	}

	bool enabled = !selinux_label_is_kernel(label.p, label.len);
	if (selinux_emit(enabled, mode, cur, s) != 0 || s->nseries != (enabled ? 3u : 1u))
		abort();
	fuzz_check_sink(s);
	return 0;
}
