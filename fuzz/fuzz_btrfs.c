/* fuzz_btrfs: commit_stats, the value reader, the listing rule and the ioctl view, all
 * fed from the input. A parsed commit_stats has only two-word lines; a value is its
 * decimal or 0; after btrfs_settle nothing named after the first failure keeps a value
 * and the error is set exactly when something failed; the ioctl view emits seven
 * series per device with valid labels whatever the device paths hold. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/btrfs.h"
#include "fuzz_common.h"

#define MAXE 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct btrfs_commit cs;
	if (btrfs_commit_parse(p, size, &cs) == 0) {
		struct cursor c = cursor_init(p, size);
		struct span line, w;
		while (cursor_line(&c, &line)) {
			int n = 0;
			while (span_word(&line, &w))
				n++;
			if (n != 2)
				abort();
		}
	}
	uint64_t d;
	uint64_t v = btrfs_value((struct span){ p, size });
	if (span_u64((struct span){ p, size }, &d) == 0 ? v != d : v != 0)
		abort();

	/* entries: the input's NUL-separated pieces are names; a piece's first byte picks
	 * whether and where its read failed */
	struct btrfs_ent e[MAXE];
	size_t n = 0, off = 0;
	bool any = false;
	while (off < size && n < MAXE) {
		const char *nul = memchr(p + off, '\0', size - off);
		size_t len = nul ? (size_t)(nul - p - off) : size - off;
		bool dup = false; /* a directory lists a name once */
		for (size_t k = 0; k < n && !dup; k++)
			dup = e[k].name_len == len && memcmp(p + e[k].name_off, p + off, len) == 0;
		if (dup) {
			off += len + 1;
			continue;
		}
		e[n] = (struct btrfs_ent){ (uint32_t)off, (uint32_t)len, { 1, 1 }, 0, 0 };
		if (len && (p[off] & 3) && (p[off] & 3) < 3) {
			e[n].fail = p[off] & 3;
			e[n].err = -EIO;
			any = true;
		}
		n++;
		off += len + 1;
	}
	int err = 0;
	btrfs_settle(e, n, p, &err);
	if ((err != 0) != any)
		abort();
	for (size_t i = 0; i < n; i++) {
		int kept = (e[i].v[0] != 0) + (e[i].v[1] != 0);
		if (e[i].fail && kept > e[i].fail - 1)
			abort();
		for (size_t j = 0; j < n; j++) {
			if (!e[j].fail || !kept)
				continue;
			/* a value kept after a failure earlier in name order is wrong */
			size_t m = e[i].name_len < e[j].name_len ? e[i].name_len : e[j].name_len;
			int c = memcmp(p + e[i].name_off, p + e[j].name_off, m);
			if (c > 0 || (c == 0 && e[i].name_len > e[j].name_len))
				abort();
		}
	}

	/* the ioctl view of made-up devices whose paths are the pieces */
	struct btrfsdev_survey s = { 0 };
	struct btrfsdev_dev dev[MAXE];
	struct btrfsdev_fs fs = { { 0 }, 0, 0, (uint32_t)n };
	if (buf_append(&s.names, p, size) < 0 || buf_putc(&s.names, '\0') < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		memset(&dev[i], 0, sizeof(dev[i]));
		dev[i].path_off = e[i].name_off;
		dev[i].total_bytes = size;
		dev[i].bytes_used = i;
		memcpy(dev[i].uuid, p + e[i].name_off, e[i].name_len < 16 ? e[i].name_len : 16);
	}
	s.dev = dev;
	s.ndev = (uint32_t)n;
	struct metric_sink *sink = fuzz_sink();
	if (btrfs_emit_ioctl(&s, &fs, "u", sink) != 0 || sink->nseries != 7 * n)
		abort();
	fuzz_check_sink(sink);
	buf_fini(&s.names);

	uint8_t fsid[16];
	memset(fsid, 0, sizeof(fsid));
	memcpy(fsid, p, size < 16 ? size : 16);
	if (btrfs_fsid_matches((struct span){ p, size }, fsid)) {
		size_t hex = 0;
		for (size_t i = 0; i < size; i++) {
			if (p[i] == '-')
				continue;
			if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
				abort();
			hex++;
		}
		if (hex != 32)
			abort();
	}
	return 0;
}
