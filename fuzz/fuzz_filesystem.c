/* fuzz_filesystem: the mountinfo parser. Besides "no crash", it checks that every
 * entry's strings lie inside the string buffer, hold no NUL, and are no longer than the
 * input, then emits them as labels and checks the rendered exposition. */
#include "collectors/filesystem.h"
#include "fuzz_common.h"

static const struct metric_desc fuzz_desc = { "node_filesystem_mount_info", "fuzz",
					      METRIC_GAUGE };

static void check_str(const struct mount_table *t, uint32_t off, uint32_t len, size_t size)
{
	if ((size_t)off + len >= t->strs.len + 1 || len > size)
		abort();
	if (memchr(t->strs.p + off, '\0', len) || t->strs.p[off + len] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mount_table t;
	struct metric_sink *s = fuzz_sink();
	if (mountinfo_parse((const char *)data, size, &t) < 0) {
		if (t.n != 0)
			abort();
		return 0;
	}
	for (uint32_t i = 0; i < t.n; i++) {
		const struct mount_entry *e = &t.v[i];
		check_str(&t, e->dev_off, e->dev_len, size);
		check_str(&t, e->mp_off, e->mp_len, size);
		check_str(&t, e->fs_off, e->fs_len, size);
		struct span mp = rootfs_strip("/host", (struct span){ mount_str(&t, e->mp_off),
								     e->mp_len });
		sink_add(s, &fuzz_desc, e->ro ? 1 : 0,
			 LABELS(L("device", mount_str(&t, e->dev_off)),
				L("fstype", mount_str(&t, e->fs_off)), LS("mountpoint", mp)));
	}
	fuzz_check_sink(s);
	return 0;
}
