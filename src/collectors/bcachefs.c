/*
 * bcachefs: mounted bcachefs filesystems from /sys/fs/bcachefs, as node_exporter's
 * bcachefs collector reports them.
 *
 * Each filesystem is a directory /sys/fs/bcachefs/<uuid>: btree_cache_size,
 * compression_stats, errors, btree_write_stats, one file per event counter in
 * counters/ (each becomes its own family, node_bcachefs_<name>_total), and a directory
 * dev-<N> per member device (label, state, bucket_size, nbuckets, durability, io_done,
 * io_errors). The parsers are in this file's first half (bcachefs.h says what each
 * reads). As in node_exporter a missing file reads as empty, other read errors and
 * values that do not parse fail the collection, and a host without bcachefs (no
 * /sys/fs/bcachefs, or no filesystem in it) reports no data: success 0, logged at debug.
 *
 * Limits: procfs reads a value file's first MiB and scans the listing files whole; plumb
 * holds at most 1 MiB of any file, so a listing file longer than that fails the
 * collection (the kernel writes a few KiB).
 *
 * Steady state: /sys/fs/bcachefs is listed with a dirscan, a filesystem's directory and
 * its counters/ with an fdscan, and every file is read into one buffer held in the
 * collector's state, so a collection allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/bcachefs.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/gofloat.h"
#include "lib/procfile.h"
#include "lib/promname.h"

/* Longest lines bufio.Scanner takes: by default, and as procfs sets it for
 * compression_stats and btree_write_stats. A line that long is an error there. */
#define GO_SCAN_MAX 65536
#define GO_SCAN_BIG (1u << 20)

#define G METRIC_GAUGE
#define C METRIC_COUNTER
static const struct metric_desc desc_info = {
	"node_bcachefs_info", "A mounted bcachefs filesystem, by its uuid; always 1.", G
};
static const struct metric_desc desc_btree_cache = {
	"node_bcachefs_btree_cache_size_bytes", "Memory the btree node cache uses.", G
};
static const struct metric_desc desc_compressed = {
	"node_bcachefs_compression_compressed_bytes",
	"Data stored with a compression algorithm, as written to disk.", G
};
static const struct metric_desc desc_uncompressed = {
	"node_bcachefs_compression_uncompressed_bytes",
	"Data stored with a compression algorithm, before compression.", G
};
static const struct metric_desc desc_errors = {
	"node_bcachefs_errors_total", "Errors of one type the filesystem has recorded.", C
};
static const struct metric_desc desc_btree_writes = {
	"node_bcachefs_btree_writes_total", "Btree node writes, by why they were written.", C
};
static const struct metric_desc desc_btree_write_size = {
	"node_bcachefs_btree_write_average_size_bytes", "Mean size of a btree node write, by why.",
	G
};
static const struct metric_desc desc_dev_info = {
	"node_bcachefs_device_info", "A member device with its label and state; always 1.", G
};
static const struct metric_desc desc_dev_bucket = {
	"node_bcachefs_device_bucket_size_bytes", "Size of one bucket on the device.", G
};
static const struct metric_desc desc_dev_buckets = {
	"node_bcachefs_device_buckets", "Buckets on the device.", G
};
static const struct metric_desc desc_dev_durability = {
	"node_bcachefs_device_durability", "Copies of data one replica on the device counts as.", G
};
static const struct metric_desc desc_dev_io_done = {
	"node_bcachefs_device_io_done_bytes_total",
	"Bytes the device has read or written, by kind of data.", C
};
static const struct metric_desc desc_dev_io_errors = {
	"node_bcachefs_device_io_errors_total",
	"IO errors of the device since the filesystem was created, by kind.", C
};
#undef G
#undef C

/* ---- parsers ---- */

/* -EINVAL when a line of buf[0..len) is too long for a Go Scanner with limit max. */
static int check_lines(const char *buf, size_t len, size_t max)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&c, &line)) {
		if (line.len >= max)
			return -EINVAL;
	}
	return 0;
}

/* Split line into at most n words (more are not counted). Returns how many. */
static size_t words(struct span line, struct span *w, size_t n)
{
	size_t k = 0;
	while (k < n && span_word(&line, &w[k]))
		k++;
	return k;
}

/* s without one trailing ':' */
static struct span drop_colon(struct span s)
{
	if (s.len && s.p[s.len - 1] == ':')
		s.len--;
	return s;
}

int bcachefs_human_bytes(struct span s, uint64_t *out)
{
	static const char units[] = "kmgtpe"; /* 2^10 .. 2^60 */
	double v, mul = 1;
	s = span_trim(s);
	if (s.len == 0)
		return -EINVAL;
	char last = s.p[s.len - 1];
	if (last >= 'A' && last <= 'Z')
		last = (char)(last - 'A' + 'a');
	const char *u = last ? memchr(units, last, sizeof(units) - 1) : NULL;
	if (u) {
		for (const char *k = units; k <= u; k++)
			mul *= 1024;
		s.len--;
	}
	if (go_parse_float(span_trim(s), &v) < 0)
		return -EINVAL;
	*out = go_f64_to_u64(v * mul);
	return 0;
}

int bcachefs_compression_parse(const char *buf, size_t len, const char *uuid,
			       struct metric_sink *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line, w[4];
	int r = check_lines(buf, len, GO_SCAN_BIG);
	cursor_line(&c, &line); /* the header */
	while (r == 0 && cursor_line_back(&c, &line)) {
		uint64_t comp, uncomp, avg;
		size_t n = words(line, w, 4);
		if (n < 3)
			continue;
		if (bcachefs_human_bytes(w[1], &comp) < 0 ||
		    bcachefs_human_bytes(w[2], &uncomp) < 0 ||
		    (n > 3 && bcachefs_human_bytes(w[3], &avg) < 0))
			return -EINVAL;
		const struct label lb[] = { L("uuid", uuid), LS("algorithm", drop_colon(w[0])) };
		r = sink_add(out, &desc_compressed, (double)comp, lb, 2);
		if (r == 0)
			r = sink_add(out, &desc_uncompressed, (double)uncomp, lb, 2);
	}
	return r;
}

int bcachefs_errors_parse(const char *buf, size_t len, const char *uuid,
			  struct metric_sink *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line, w[3];
	int r = check_lines(buf, len, GO_SCAN_MAX);
	while (r == 0 && cursor_line_back(&c, &line)) {
		uint64_t count, when;
		size_t n = words(line, w, 3);
		if (n < 2)
			continue;
		if (span_u64(w[1], &count) < 0 || (n > 2 && span_u64(w[2], &when) < 0))
			return -EINVAL;
		r = sink_add(out, &desc_errors, (double)count,
			     LABELS(L("uuid", uuid), LS("error_type", w[0])));
	}
	return r;
}

int bcachefs_counter_parse(const char *buf, size_t len, uint64_t *since_creation)
{
	static const char mount[] = "since mount:", created[] = "since filesystem creation:";
	struct cursor c = cursor_init(buf, len);
	struct span line;
	uint64_t v;
	bool seen = false;
	*since_creation = 0;
	if (check_lines(buf, len, GO_SCAN_MAX) < 0)
		return -EINVAL;
	while (cursor_line(&c, &line)) {
		bool is_mount = span_starts(line, mount);
		size_t skip = is_mount ? sizeof(mount) - 1 : sizeof(created) - 1;
		if (!is_mount && !span_starts(line, created))
			continue;
		if (bcachefs_human_bytes((struct span){ line.p + skip, line.len - skip }, &v) < 0)
			return -EINVAL;
		if (!is_mount)
			*since_creation = v;
		seen = true;
	}
	return seen ? 0 : -EINVAL; /* neither line: not a counter file */
}

int bcachefs_counter_name(const char *name, char *out, size_t cap)
{
	static const char head[] = "node_bcachefs_", tail[] = "_total";
	size_t n = strlen(name), o = sizeof(head) - 1;
	if (cap < sizeof(head) + n + sizeof(tail) - 1)
		return -ENAMETOOLONG; /* the name never grows */
	memcpy(out, head, o);
	int len = promname_sanitize((struct span){ name, n }, out + o, cap - o);
	if (len < 0)
		return len;
	memcpy(out + o + (size_t)len, tail, sizeof(tail));
	return 0;
}

int bcachefs_btree_writes_parse(const char *buf, size_t len, const char *uuid,
				struct metric_sink *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line, w[3];
	int r = check_lines(buf, len, GO_SCAN_BIG);
	cursor_line(&c, &line); /* the header */
	while (r == 0 && cursor_line_back(&c, &line)) {
		uint64_t count, size;
		if (words(line, w, 3) < 3)
			continue;
		if (span_u64(w[1], &count) < 0 || bcachefs_human_bytes(w[2], &size) < 0)
			return -EINVAL;
		const struct label lb[] = { L("uuid", uuid), LS("type", drop_colon(w[0])) };
		r = sink_add(out, &desc_btree_writes, (double)count, lb, 2);
		if (r == 0)
			r = sink_add(out, &desc_btree_write_size, (double)size, lb, 2);
	}
	return r;
}

/* Split a trimmed line at its first ':' into trimmed key and decimal value. Returns 1
 * with them, 0 for a line without ':', -EINVAL for a value that does not parse. */
static int colon_value(struct span line, struct span *key, uint64_t *v)
{
	const char *colon = memchr(line.p, ':', line.len);
	if (!colon)
		return 0;
	*key = span_trim((struct span){ line.p, (size_t)(colon - line.p) });
	struct span val = { colon + 1, (size_t)(line.p + line.len - colon - 1) };
	return span_u64(val, v) < 0 ? -EINVAL : 1;
}

/* Emit the io_done lines of [c->p, c->end) (one operation's section) last first. */
static int io_done_section(struct cursor c, const char *op, const char *uuid, const char *device,
			   struct metric_sink *out)
{
	struct span line, key;
	uint64_t v;
	int r = 0;
	while (r == 0 && cursor_line_back(&c, &line)) {
		int got = colon_value(span_trim(line), &key, &v);
		if (got < 0)
			return got;
		if (got)
			r = sink_add(out, &desc_dev_io_done, (double)v,
				     LABELS(L("uuid", uuid), L("device", device),
					    L("operation", op), LS("data_type", key)));
	}
	return r;
}

int bcachefs_io_done_parse(const char *buf, size_t len, const char *uuid, const char *device,
			   struct metric_sink *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	const char *section_end = buf + len;
	int r = check_lines(buf, len, GO_SCAN_MAX);
	/* walk back to each "read:"/"write:" line; the lines below it, up to the next such
	 * line, are its section */
	while (r == 0 && cursor_line_back(&c, &line)) {
		struct span t = span_trim(line);
		if (!span_eq(t, "read:") && !span_eq(t, "write:"))
			continue;
		const char *start = line.p + line.len;
		if (start < section_end)
			start++; /* past the header's '\n' */
		r = io_done_section((struct cursor){ start, section_end },
				    span_eq(t, "read:") ? "read" : "write", uuid, device, out);
		section_end = line.p;
	}
	return r;
}

int bcachefs_io_errors_parse(const char *buf, size_t len, const char *uuid,
			     const char *device, struct metric_sink *out)
{
	static const char created[] = "IO errors since filesystem creation";
	struct cursor c = cursor_init(buf, len);
	struct span line, key;
	const char *start = NULL, *end = buf + len;
	uint64_t v;
	int r = 0;
	/* find the section as procfs scans for it: from the first creation header to the
	 * next "IO errors since ..." line, where it stops reading */
	while (cursor_line(&c, &line)) {
		if (line.len >= GO_SCAN_MAX)
			return -EINVAL;
		if (span_starts(line, created)) {
			if (!start)
				start = c.p;
		} else if (span_starts(line, "IO errors since ")) {
			end = line.p;
			break;
		}
	}
	if (!start || start > end)
		return 0;
	c = (struct cursor){ start, end };
	while (r == 0 && cursor_line_back(&c, &line)) {
		if (span_starts(line, created))
			continue;
		int got = colon_value(span_trim(line), &key, &v);
		if (got < 0)
			return got;
		if (got)
			r = sink_add(out, &desc_dev_io_errors, (double)v,
				     LABELS(L("uuid", uuid), L("device", device), LS("type", key)));
	}
	return r;
}

/* ---- the collector ---- */

/* procfs reads a value file's first MiB (ReadFileNoStat); plumb holds that much. */
#define BCACHEFS_FILE_MAX (1u << 20)
#define BCACHEFS_BUF (BCACHEFS_FILE_MAX + 1)

struct bcachefs_priv {
	struct dirscan dir; /* /sys/fs/bcachefs */
	struct fdscan scan; /* a filesystem's directory, or its counters/ */
	char *buf; /* 2 * BCACHEFS_BUF, made on first use: a file, or a device's label and state */
};

/* Read dirfd/rel whole into buf[BCACHEFS_BUF] (dirfd < 0: a directory that is gone).
 * cut: keep the first MiB of a longer file, as procfs does for value files; otherwise
 * such a file fails with -EFBIG. Returns 0 with *len, or -errno (-ENOENT for a missing
 * file). */
static int read_into(int dirfd, const char *rel, char *buf, bool cut, size_t *len)
{
	*len = 0;
	if (dirfd < 0)
		return -ENOENT; /* its directory is gone: so is the file */
	int r = read_file_dirfd(dirfd, rel, buf, BCACHEFS_BUF, len);
	return r == -EFBIG && cut ? 0 : r;
}

/* Read a listing file and hand it to parse (not called when it is missing). Returns 0
 * or -errno. */
static int read_listing(struct bcachefs_priv *p, int dirfd, const char *rel, const char *uuid,
			int (*parse)(const char *, size_t, const char *, struct metric_sink *),
			struct metric_sink *out)
{
	size_t len;
	int r = read_into(dirfd, rel, p->buf, false, &len);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : parse(p->buf, len, uuid, out);
}

/* Whether entry name of dirfd (type from the listing) is a directory, not following a
 * symlink (Go's DirEntry.IsDir). */
static bool is_dir(int dirfd, const char *name, unsigned char type)
{
	struct stat st;
	if (type != DT_UNKNOWN)
		return type == DT_DIR;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Emit one series per file of counters/. Returns 0 or -errno. */
static int collect_counters(struct bcachefs_priv *p, int fsfd, const char *uuid,
			    struct metric_sink *out)
{
	const char *name;
	unsigned char type;
	char family[NAME_MAX + 32], help[NAME_MAX + 96];
	int r, dfd = openat(fsfd, "counters", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fdscan_start(&p->scan, dfd);
	while (r == 0) {
		size_t len;
		uint64_t v;
		int more = fdscan_next(&p->scan, &name, &type);
		if (more <= 0) {
			r = more;
			break;
		}
		if (is_dir(dfd, name, type))
			continue;
		v = 0; /* a file gone since listed: procfs reports it as 0 */
		r = read_into(dfd, name, p->buf, false, &len);
		if (r == 0)
			r = bcachefs_counter_parse(p->buf, len, &v);
		else if (r == -ENOENT)
			r = 0;
		if (r == 0)
			r = bcachefs_counter_name(name, family, sizeof(family));
		if (r < 0)
			break;
		snprintf(help, sizeof(help),
			 "bcachefs event counter %s, since the filesystem was made.", name);
		const struct metric_desc d = { family, help, METRIC_COUNTER };
		r = sink_add(out, &d, (double)v, LABELS(L("uuid", uuid)));
	}
	close(dfd);
	return r;
}

/* Read a decimal attribute as procfs's readUintFile: missing is 0, empty is an error.
 * Returns 0 or -errno. */
static int read_uint(struct bcachefs_priv *p, int dfd, const char *rel, uint64_t *v)
{
	size_t len;
	int r = read_into(dfd, rel, p->buf, true, &len);
	*v = 0;
	if (r == -ENOENT)
		return 0;
	if (r == 0 && span_u64((struct span){ p->buf, len }, v) < 0)
		r = -EINVAL;
	return r;
}

/* Read an attribute into buf as procfs's readSysfsFile: trimmed, "" on any error. */
static struct span read_text(int dfd, const char *rel, char *buf)
{
	size_t len;
	if (read_into(dfd, rel, buf, true, &len) < 0)
		return (struct span){ buf, 0 };
	return span_trim((struct span){ buf, len });
}

/* Emit the series of member device directory `name` ("dev-<N>"). Returns 0 or -errno. */
static int collect_device(struct bcachefs_priv *p, int fsfd, const char *uuid, const char *name,
			  struct metric_sink *out)
{
	const char *device = name + 4;
	uint64_t bucket = 0, nbuckets, durability;
	size_t len;
	int r, dfd = openat(fsfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno != ENOENT)
		return -errno; /* gone since listed: procfs finds its files missing */
	struct span label = read_text(dfd, "label", p->buf);
	struct span state = read_text(dfd, "state", p->buf + BCACHEFS_BUF);
	r = sink_add(out, &desc_dev_info, 1,
		     LABELS(L("uuid", uuid), L("device", device), LS("label", label),
			    LS("state", state)));
	struct span bs = read_text(dfd, "bucket_size", p->buf);
	if (r == 0 && bs.len && bcachefs_human_bytes(bs, &bucket) < 0)
		r = -EINVAL;
	if (r == 0 && (r = read_uint(p, dfd, "nbuckets", &nbuckets)) == 0)
		r = read_uint(p, dfd, "durability", &durability);
	const struct label lb[] = { L("uuid", uuid), L("device", device) };
	if (r == 0)
		r = sink_add(out, &desc_dev_bucket, (double)bucket, lb, 2);
	if (r == 0)
		r = sink_add(out, &desc_dev_buckets, (double)nbuckets, lb, 2);
	if (r == 0)
		r = sink_add(out, &desc_dev_durability, (double)durability, lb, 2);
	if (r == 0 && (r = read_into(dfd, "io_done", p->buf, false, &len)) == 0)
		r = bcachefs_io_done_parse(p->buf, len, uuid, device, out);
	if (r == -ENOENT)
		r = 0;
	if (r == 0 && (r = read_into(dfd, "io_errors", p->buf, false, &len)) == 0)
		r = bcachefs_io_errors_parse(p->buf, len, uuid, device, out);
	if (r == -ENOENT)
		r = 0;
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* Emit the series of filesystem directory `uuid`. Returns 0 or -errno. */
static int collect_fs(struct bcachefs_priv *p, const char *uuid, struct metric_sink *out)
{
	uint64_t cache = 0;
	size_t len;
	const char *name;
	unsigned char type;
	int r, fsfd = openat(dirscan_fd(&p->dir), uuid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fsfd < 0)
		return -errno; /* gone since listed: procfs finds no data either */
	r = read_into(fsfd, "btree_cache_size", p->buf, true, &len);
	if (r == 0) {
		struct span s = span_trim((struct span){ p->buf, len });
		if (s.len && bcachefs_human_bytes(s, &cache) < 0)
			r = -EINVAL;
	} else if (r == -ENOENT) {
		r = 0;
	}
	if (r == 0)
		r = sink_add(out, &desc_info, 1, LABELS(L("uuid", uuid)));
	if (r == 0)
		r = sink_add(out, &desc_btree_cache, (double)cache, LABELS(L("uuid", uuid)));
	if (r == 0)
		r = read_listing(p, fsfd, "compression_stats", uuid, bcachefs_compression_parse,
				 out);
	if (r == 0)
		r = read_listing(p, fsfd, "errors", uuid, bcachefs_errors_parse, out);
	if (r == 0)
		r = collect_counters(p, fsfd, uuid, out);
	if (r == 0)
		r = read_listing(p, fsfd, "btree_write_stats", uuid, bcachefs_btree_writes_parse,
				 out);
	if (r == 0)
		r = fdscan_start(&p->scan, fsfd);
	while (r == 0) {
		int more = fdscan_next(&p->scan, &name, &type);
		if (more <= 0) {
			r = more;
			break;
		}
		if (strncmp(name, "dev-", 4) == 0 && is_dir(fsfd, name, type))
			r = collect_device(p, fsfd, uuid, name, out);
	}
	close(fsfd);
	return r;
}

static int bcachefs_init(struct collector *c)
{
	struct bcachefs_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "fs/bcachefs");
}

static int bcachefs_collect(struct collector *c, struct metric_sink *out)
{
	struct bcachefs_priv *p = c->priv;
	const char *name;
	unsigned char type;
	size_t found = 0;
	/* no /sys/fs/bcachefs: node_exporter reports no data (ENOENT), other errors fail */
	int r = dirscan_rewind(&p->dir);
	while (r >= 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0) {
		if (!is_dir(dirscan_fd(&p->dir), name, type))
			continue;
		found++;
		/* the buffer is made when a filesystem first shows up, so hosts without
		 * bcachefs never hold it */
		if (!p->buf && !(p->buf = malloc(2 * (size_t)BCACHEFS_BUF)))
			r = -ENOMEM;
		else
			r = collect_fs(p, name, out);
	}
	return r == 0 && !found ? -ENOENT : r;
}

static void bcachefs_fini(struct collector *c)
{
	struct bcachefs_priv *p = c->priv;
	if (p) {
		dirscan_fini(&p->dir);
		free(p->buf);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_bcachefs = {
	.name = "bcachefs",
	.default_enabled = true,
	.reads = "/sys/fs/bcachefs/<uuid>/ (counters/, dev-*/)",
	.init = bcachefs_init,
	.collect = bcachefs_collect,
	.fini = bcachefs_fini,
};
