/*
 * os: the operating system's identity from os-release(5), as node_os_info and
 * node_os_version.
 *
 * The file is <rootfs>/etc/os-release, or <rootfs>/usr/lib/os-release when the first
 * does not exist; when neither does the collection fails with no series, as in
 * node_exporter. The file rarely changes, so it is parsed only when its path or mtime
 * differ from the last parse: a scrape costs one stat(). Values are kept raw (quotes
 * and escapes of the file undone, nothing escaped for the exposition): the writers
 * escape label values.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collectors/os.h"
#include "core/collector.h"
#include "lib/procfile.h"

#define OS_FILE_MAX (64u << 10) /* node_exporter's line scanner stops at 64 KiB too */

static const char *const os_keys[OS_NFIELDS] = {
	"BUILD_ID", "ID", "ID_LIKE", "IMAGE_ID", "IMAGE_VERSION", "NAME", "PRETTY_NAME",
	"VARIANT", "VARIANT_ID", "VERSION", "VERSION_CODENAME", "VERSION_ID",
};
static const char *const os_labels[OS_NFIELDS] = {
	"build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name",
	"variant", "variant_id", "version", "version_codename", "version_id",
};
static const char *const os_files[2] = { "etc/os-release", "usr/lib/os-release" };

static const struct metric_desc desc_info = {
	"node_os_info",
	"Always 1; the labels say which operating system this is, from its os-release file.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_version = {
	"node_os_version",
	"Major.minor of the operating system's VERSION_ID, as a number.",
	METRIC_GAUGE,
};

struct os_priv {
	char paths[2][PATH_MAX];
	int cached;               /* index into paths of the parsed file, -1 for none */
	struct timespec mtime;    /* its mtime when parsed */
	int parse_err;            /* result of that parse */
	struct os_release rel;    /* points into scratch */
	char raw[OS_FILE_MAX];
	char scratch[OS_FILE_MAX];
};

/* The state of a value decoder. */
enum os_mode { OSM_NORMAL, OSM_DOUBLE, OSM_SINGLE, OSM_ESCAPE };
struct os_dec {
	enum os_mode mode;
	char *dst;
	size_t n;   /* bytes written to dst */
	size_t sig; /* length up to the last significant byte, to drop spaces before a comment */
};

/* Append c to d->dst without a bounds check (the decoder never writes more bytes than
 * it consumes); significant: d->sig moves past it. */
static void os_put(struct os_dec *d, char c, bool significant)
{
	d->dst[d->n++] = c;
	if (significant)
		d->sig = d->n;
}

/* Four hex digits at p (avail bytes there) into *r. Returns 0 or -EINVAL. */
static int os_hex4(const char *p, size_t avail, uint32_t *r)
{
	if (avail < 4)
		return -EINVAL;
	*r = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		uint32_t v = c >= '0' && c <= '9'   ? (uint32_t)(c - '0')
			     : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10)
						    : 16;
		if (v == 16)
			return -EINVAL;
		*r = *r * 16 + v;
	}
	return 0;
}

/* Write code point cp as UTF-8. */
static void os_put_utf8(struct os_dec *d, uint32_t cp)
{
	if (cp < 0x80) {
		os_put(d, (char)cp, true);
	} else if (cp < 0x800) {
		os_put(d, (char)(0xc0 | (cp >> 6)), true);
		os_put(d, (char)(0x80 | (cp & 0x3f)), true);
	} else if (cp < 0x10000) {
		os_put(d, (char)(0xe0 | (cp >> 12)), true);
		os_put(d, (char)(0x80 | ((cp >> 6) & 0x3f)), true);
		os_put(d, (char)(0x80 | (cp & 0x3f)), true);
	} else {
		os_put(d, (char)(0xf0 | (cp >> 18)), true);
		os_put(d, (char)(0x80 | ((cp >> 12) & 0x3f)), true);
		os_put(d, (char)(0x80 | ((cp >> 6) & 0x3f)), true);
		os_put(d, (char)(0x80 | (cp & 0x3f)), true);
	}
}

/* A \u escape: v.p[*i] is the 'u'. A UTF-16 surrogate must be followed by a second
 * \uXXXX; a pair that does not combine gives U+FFFD; \u0000 is refused. Advances *i
 * to the last byte used. Never writes more bytes than it consumes. Returns 0 or -EINVAL. */
static int os_unicode(struct os_dec *d, struct span v, size_t *i)
{
	uint32_t r, r2;
	if (os_hex4(v.p + *i + 1, v.len - *i - 1, &r) < 0)
		return -EINVAL;
	*i += 4;
	if (r >= 0xd800 && r <= 0xdfff) {
		if (v.len < *i + 7 || v.p[*i + 1] != '\\' || v.p[*i + 2] != 'u' ||
		    os_hex4(v.p + *i + 3, v.len - *i - 3, &r2) < 0)
			return -EINVAL;
		*i += 6;
		bool pair = r <= 0xdbff && r2 >= 0xdc00 && r2 <= 0xdfff;
		r = pair ? 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00) : 0xfffd;
	}
	if (r == 0)
		return -EINVAL; /* an environment value cannot hold a NUL */
	os_put_utf8(d, r);
	return 0;
}

/* The byte after a backslash inside double quotes. Returns 0 or -EINVAL. */
static int os_escape(struct os_dec *d, struct span v, size_t *i)
{
	static const char from[] = "\"\\/bfrnt", to[] = "\"\\/\b\f\r\n\t";
	char c = v.p[*i];
	const char *hit = c ? strchr(from, c) : NULL;
	d->mode = OSM_DOUBLE;
	if (c == 'u')
		return os_unicode(d, v, i);
	if (!hit)
		return -EINVAL;
	os_put(d, to[hit - from], true);
	return 0;
}

/* One byte v.p[*i] of a value. Returns 0, 1 when a comment starts (stop), or -EINVAL. */
static int os_step(struct os_dec *d, struct span v, size_t *i)
{
	unsigned char c = (unsigned char)v.p[*i];
	if (c < 32)
		return -EINVAL;
	if (c > 127) /* part of a multibyte character: only ASCII is special */
		return d->mode == OSM_ESCAPE ? -EINVAL : (os_put(d, (char)c, true), 0);
	switch (d->mode) {
	case OSM_NORMAL:
		if (c == '#')
			return 1;
		if (c == '"' || c == '\'')
			d->mode = c == '"' ? OSM_DOUBLE : OSM_SINGLE;
		else
			os_put(d, (char)c, c != ' ');
		return 0;
	case OSM_DOUBLE:
		if (c == '"' || c == '\\')
			d->mode = c == '"' ? OSM_NORMAL : OSM_ESCAPE;
		else
			os_put(d, (char)c, true);
		return 0;
	case OSM_SINGLE:
		if (c == '\'')
			d->mode = OSM_NORMAL;
		else
			os_put(d, (char)c, true);
		return 0;
	case OSM_ESCAPE:
		return os_escape(d, v, i);
	}
	return -EINVAL;
}

/* Decode value v into dst (room for v.len bytes); *n gets the decoded length.
 * Returns 0 or -EINVAL. */
static int os_value(struct span v, char *dst, size_t *n)
{
	struct os_dec d = { OSM_NORMAL, dst, 0, 0 };
	*n = 0;
	for (size_t i = 0; i < v.len; i++) {
		int r = os_step(&d, v, &i);
		if (r < 0)
			return r;
		if (r == 1) {
			*n = d.sig;
			return 0;
		}
	}
	if (d.mode != OSM_NORMAL)
		return -EINVAL;
	*n = d.n;
	return 0;
}

/* Whether k is a key the env-file syntax allows: [A-Za-z_] then [A-Za-z0-9_./]. */
static bool os_key_ok(struct span k)
{
	if (k.len == 0)
		return false;
	for (size_t i = 0; i < k.len; i++) {
		char c = k.p[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
			  (i > 0 && ((c >= '0' && c <= '9') || c == '.' || c == '/'));
		if (!ok)
			return false;
	}
	return true;
}

/* One line into rel, decoding its value at scratch + *used. Returns 0 or -EINVAL. */
static int os_line(struct span line, char *scratch, size_t *used, struct os_release *rel)
{
	line = span_trim(line);
	if (line.len == 0 || line.p[0] == '#')
		return 0;
	const char *eq = memchr(line.p, '=', line.len);
	if (!eq)
		return -EINVAL;
	struct span key = span_trim((struct span){ line.p, (size_t)(eq - line.p) });
	struct span val = span_trim((struct span){ eq + 1, line.len - (size_t)(eq - line.p) - 1 });
	if (key.len > 7 && span_starts(key, "export ")) {
		key.p += 7;
		key.len -= 7;
	}
	if (!os_key_ok(key))
		return -EINVAL;
	size_t n;
	int r = os_value(val, scratch + *used, &n);
	if (r < 0)
		return r;
	for (int f = 0; f < OS_NFIELDS; f++) {
		if (span_eq(key, os_keys[f]))
			rel->field[f] = (struct span){ scratch + *used, n };
	}
	*used += n;
	return 0;
}

/* The number at the start of VERSION_ID: digits, optionally '.' and more digits
 * ("20.04.2 LTS" gives 20.04). *out is 0 when it does not start with a digit.
 * Returns 0 or -ERANGE when the number does not fit. */
static int os_version(struct span vid, double *out)
{
	size_t i = 0;
	*out = 0;
	while (i < vid.len && vid.p[i] >= '0' && vid.p[i] <= '9')
		i++;
	if (i == 0)
		return 0;
	if (i < vid.len && vid.p[i] == '.')
		i++;
	while (i < vid.len && vid.p[i] >= '0' && vid.p[i] <= '9')
		i++;
	return span_double((struct span){ vid.p, i }, out) < 0 ? -ERANGE : 0;
}

int os_release_parse(const char *buf, size_t len, char *scratch, size_t cap,
		     struct os_release *rel)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	size_t used = 0;
	*rel = (struct os_release){ 0 };
	for (int f = 0; f < OS_NFIELDS; f++)
		rel->field[f] = (struct span){ "", 0 };
	if (cap < len)
		return -ENOBUFS;
	while (cursor_line(&cur, &line)) {
		int r = os_line(line, scratch, &used, rel);
		if (r < 0)
			return r;
	}
	return os_version(rel->field[OS_VERSION_ID], &rel->version);
}

int os_release_emit(const struct os_release *rel, struct metric_sink *out)
{
	struct label l[OS_NFIELDS];
	for (int f = 0; f < OS_NFIELDS; f++)
		l[f] = LS(os_labels[f], rel->field[f]);
	int r = sink_add(out, &desc_info, 1, l, OS_NFIELDS);
	if (r < 0 || !(rel->version > 0))
		return r;
	return sink_add(out, &desc_version, rel->version,
			LABELS(LS("id", rel->field[OS_ID]), LS("id_like", rel->field[OS_ID_LIKE]),
			       LS("name", rel->field[OS_NAME])));
}

static int os_init(struct collector *c)
{
	struct os_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->cached = -1;
	for (int i = 0; i < 2; i++) {
		int r = path_join(p->paths[i], sizeof(p->paths[i]), cfg_rootfs(c->cfg), os_files[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Parse file i again if it is not the one cached or its mtime changed. Returns 0 or
 * -errno from reading it; a parse error is kept in p->parse_err. */
static int os_refresh(struct os_priv *p, int i, const struct stat *st)
{
	size_t len;
	if (p->cached == i && p->mtime.tv_sec == st->st_mtim.tv_sec &&
	    p->mtime.tv_nsec == st->st_mtim.tv_nsec)
		return 0;
	p->cached = -1;
	int r = read_file_at(NULL, p->paths[i], p->raw, sizeof(p->raw), &len);
	if (r < 0)
		return r;
	p->parse_err = os_release_parse(p->raw, len, p->scratch, sizeof(p->scratch), &p->rel);
	p->cached = i;
	p->mtime = st->st_mtim;
	return 0;
}

static int os_collect(struct collector *c, struct metric_sink *out)
{
	struct os_priv *p = c->priv;
	struct stat st;
	int i = 0;
	while (stat(p->paths[i], &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		if (++i == 2)
			return -ENODATA; /* no os-release at all */
	}
	int r = os_refresh(p, i, &st);
	if (r < 0)
		return r;
	if (p->parse_err < 0)
		return p->parse_err;
	return os_release_emit(&p->rel, out);
}

static void os_fini(struct collector *c)
{
	free(c->priv);
	c->priv = NULL;
}

const struct collector_ops collector_ops_os = {
	.name = "os",
	.default_enabled = true,
	.reads = "<rootfs>/etc/os-release or <rootfs>/usr/lib/os-release",
	.init = os_init,
	.collect = os_collect,
	.fini = os_fini,
};
