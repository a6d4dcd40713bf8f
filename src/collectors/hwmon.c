/*
 * hwmon: hardware sensors (temperatures, voltages, fans, power...) from
 * /sys/class/hwmon, as node_exporter's hwmon collector reports them.
 *
 * Each /sys/class/hwmon/hwmonN is a link to a chip directory under /sys/devices; its
 * files, and those of the directory its "device" link points to, are named
 * <type><N>_<property> (temp1_input, fan2_min, in0_alarm...). Every file of a known type
 * is read (at most 128 bytes, as node_exporter does) and becomes a node_hwmon_* sample:
 * millidegrees, millivolts and milliamperes are scaled to base units, microwatts and
 * microjoules too, other properties are passed through.
 *
 * A chip's label is "<bus>_<device>" from the last two components of its resolved
 * device link ("platform_coretemp_0"), else its cleaned `name` file, else its own
 * directory name. When several chips end up with the same label (two hwmon nodes on
 * one device), each gets its cleaned name appended if that tells them apart, else its
 * hwmonN name. --collector.hwmon.chip-include/-exclude filter these final labels, and
 * --collector.hwmon.sensor-include/-exclude filter "<chip>;<sensor>" (e.g.
 * "platform_coretemp_0;temp1").
 *
 * Steady state: the class directory is listed with a dirscan, chip directories with an
 * fdscan over the descriptor sysfs_open_dir() returned (which also follows the link
 * files of flattened sysfs copies), values go into stack buffers, and readings and
 * chips into grow-only arrays in priv. The sensor files themselves, up to
 * HWMON_HELD_MAX of them (fewer if the core grants fewer descriptors), are held open
 * across scrapes and re-read with pread (lib/heldattr.h), known by "<hwmonN>/<pass>/
 * <file>"; a file no longer listed is closed, one that fails to read is opened afresh.
 * Each chip's readings are put in order from the order they had last scrape (a
 * sort_memo per position in the class listing), checked in one pass and sorted only
 * when the files changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/hwmon.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/gofloat.h"
#include "lib/heldattr.h"
#include "lib/regfile.h"
#include "lib/sort.h"
#include "lib/sysfs.h"
#include "lib/utf8valid.h"

static const struct flag_def hwmon_flags[] = {
	{ "collector.hwmon.chip-include", FLAG_REGEX, NULL,
	  "Only report hwmon chips whose label matches this regular expression.", false },
	{ "collector.hwmon.chip-exclude", FLAG_REGEX, NULL,
	  "Leave out hwmon chips whose label matches this regular expression.", false },
	{ "collector.hwmon.sensor-include", FLAG_REGEX, NULL,
	  "Only report hwmon sensors whose \"<chip>;<sensor>\" matches this regular expression.",
	  false },
	{ "collector.hwmon.sensor-exclude", FLAG_REGEX, NULL,
	  "Leave out hwmon sensors whose \"<chip>;<sensor>\" matches this regular expression.",
	  false },
	{ NULL, 0, NULL, NULL, false },
};

static const char *const sensor_types[] = {
	"vrm", "beep_enable", "update_interval", "in", "cpu", "fan", "pwm",
	"temp", "curr", "power", "energy", "humidity", "intrusion", "freq",
};

static const struct metric_desc desc_chip_names = {
	"node_hwmon_chip_names", "Human-readable name (the name file) of a hwmon chip; always 1.",
	METRIC_GAUGE
};
static const struct metric_desc desc_sensor_label = {
	"node_hwmon_sensor_label", "Text label the driver gives a hwmon sensor; always 1.",
	METRIC_GAUGE
};

/* ---- names ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p[0..n) and its code point, or 0 when the
 * bytes there are not one (overlong forms, surrogates, past U+10FFFF). */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
	if (len == 0 || c > 0xF4 || len > n)
		return 0;
	uint32_t v = c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (v < min[len] || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	*cp = v;
	return len;
}

size_t hwmon_clean(struct span s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, o = 0;
	if (cap == 0)
		return 0;
	while (i < s.len && o + 1 < cap) {
		char ch = '_';
		uint32_t cp;
		size_t l = 1;
		if (p[i] < 0x80) {
			ch = (char)p[i];
			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == ':' ||
				   ch == '_'))
				ch = '_';
		} else if ((l = utf8_decode(p + i, s.len - i, &cp)) == 0) {
			l = 1; /* each invalid byte is one replacement character */
		} else if (cp == 0x130 || cp == 0x212A) {
			ch = cp == 0x130 ? 'i' : 'k'; /* the two that lower-case to ASCII */
		}
		out[o++] = ch;
		i += l;
	}
	size_t a = 0;
	while (a < o && out[a] == '_')
		a++;
	while (o > a && out[o - 1] == '_')
		o--;
	memmove(out, out + a, o - a);
	out[o - a] = '\0';
	return o - a;
}

bool hwmon_explode(struct span name, struct span *type, int64_t *num, struct span *prop)
{
	const char *s = name.p;
	size_t n = name.len, tl = 0, q, lastnl = 0;
	bool nl = false;
	while (tl < n && !ascii_digit(s[tl]))
		tl++;
	if (tl == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n') {
			nl = true;
			lastnl = i;
		}
	/* the property (".+") cannot hold a newline: it must start after the last one */
#define PROP_OK(at) ((at) < n && (!nl || (at) > lastnl))
	for (q = tl; q < n && ascii_digit(s[q]); q++)
		;
	if (q == n || (s[q] == '_' && PROP_OK(q + 1))) {
		uint64_t v = 0;
		for (size_t i = tl; i < q; i++) {
			if (v > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10)
				return false; /* Atoi would fail */
			v = v * 10 + (uint64_t)(s[i] - '0');
		}
		*type = (struct span){ s, tl };
		*num = (int64_t)v;
		*prop = q == n ? (struct span){ s + n, 0 } : (struct span){ s + q + 1, n - q - 1 };
		return true;
	}
	/* backtrack: a shorter type ending at a '_' that starts the property */
	for (size_t t = tl - 1; t >= 1; t--) {
		if (s[t] == '_' && PROP_OK(t + 1)) {
			*type = (struct span){ s, t };
			*num = 0;
			*prop = (struct span){ s + t + 1, n - t - 1 };
			return true;
		}
	}
#undef PROP_OK
	return false;
}

/* Whether type is one of the sensor types read. */
static bool known_type(struct span type)
{
	for (size_t i = 0; i < sizeof(sensor_types) / sizeof(sensor_types[0]); i++)
		if (span_eq(type, sensor_types[i]))
			return true;
	return false;
}

bool hwmon_is_sensor_file(struct span name)
{
	struct span type, prop;
	int64_t num;
	return hwmon_explode(name, &type, &num, &prop) && known_type(type);
}

/* ---- readings --------------------------------------------------------------------- */

void hwmon_data_reset(struct hwmon_data *d)
{
	d->n = 0;
	buf_reset(&d->str);
}

void hwmon_data_fini(struct hwmon_data *d)
{
	free(d->r);
	buf_fini(&d->str);
	memset(d, 0, sizeof(*d));
}

/* Append s to d->str; *off gets its offset. Returns 0, -ENOMEM or -E2BIG. */
static int put_str(struct hwmon_data *d, struct span s, uint32_t *off)
{
	if (d->str.max == 0)
		d->str.max = 16u << 20;
	*off = (uint32_t)d->str.len;
	return buf_append(&d->str, s.p, s.len);
}

int hwmon_data_add(struct hwmon_data *d, struct span file, struct span value, unsigned pass)
{
	struct span type, prop;
	int64_t num;
	char key[48];
	if (!hwmon_explode(file, &type, &num, &prop) || !known_type(type))
		return 0;
	if (num < 0 || type.len > sizeof(key) - DEC_DIGITS_MAX)
		return -EINVAL; /* cannot happen: types are short, num is a run of digits */
	memcpy(key, type.p, type.len);
	size_t kl = type.len + dec_digits((unsigned long long)num, key + type.len);
	if (d->n == d->cap) {
		if (d->cap >= HWMON_MAX_READINGS)
			return -E2BIG;
		uint32_t cap = d->cap ? d->cap * 2 : 64;
		struct hwmon_reading *r = realloc(d->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		d->r = r;
		d->cap = cap;
	}
	struct hwmon_reading *r = &d->r[d->n];
	int e = put_str(d, (struct span){ key, kl }, &r->key);
	if (e == 0)
		e = put_str(d, prop, &r->prop);
	if (e == 0)
		e = put_str(d, value, &r->val);
	if (e == 0)
		e = put_str(d, file, &r->file);
	if (e < 0)
		return e;
	r->klen = (uint32_t)kl;
	r->plen = (uint32_t)prop.len;
	r->vlen = (uint32_t)value.len;
	r->flen = (uint32_t)file.len;
	r->pass = pass;
	d->n++;
	return 0;
}

/* Compare a[0..al) with b[0..bl) bytewise, a prefix first. Returns <0, 0 or >0. */
static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

/* Order of readings: sensor, property, then the order node_exporter reads files in. */
static int reading_cmp(const char *s, const struct hwmon_reading *a, const struct hwmon_reading *b)
{
	int c = bytes_cmp(s + a->key, a->klen, s + b->key, b->klen);
	if (c == 0)
		c = bytes_cmp(s + a->prop, a->plen, s + b->prop, b->plen);
	if (c == 0)
		c = (a->pass > b->pass) - (a->pass < b->pass);
	if (c == 0)
		c = bytes_cmp(s + a->file, a->flen, s + b->file, b->flen);
	return c;
}

/* sort_heap order of readings: reading_cmp over the strings in ctx. */
static int by_reading(const void *a, const void *b, void *ctx)
{
	return reading_cmp(ctx, a, b);
}

/* Sort the readings (n log n for hostile directories), starting from the order kept in
 * order: a chip's directories list the same files in the same order scrape after
 * scrape. reading_cmp never calls two readings of one chip equal (file names differ
 * within a pass), so the kept order serves whenever the files are the same. */
static void sort_readings(struct hwmon_data *d, struct sort_memo *order)
{
	sort_memo_sort(order, d->r, d->n, sizeof(*d->r), by_reading, d->str.p);
}

/* ---- samples ---------------------------------------------------------------------- */

/* What a sample needs besides its value. */
struct emit_ctx {
	struct metric_sink *out;
	const char *chip;
	struct span sensor;
};

/* Add one chip/sensor sample; a family type clash (a crafted property colliding with
 * another family) skips the sample. Returns 0 or -errno from the sink. */
static int put(const struct emit_ctx *e, const char *name, const char *help,
	       enum metric_type t, double v)
{
	struct metric_desc d = { name, help, t };
	int r = sink_add(e->out, &d, v, LABELS(L("chip", e->chip), LS("sensor", e->sensor)));
	return r == -EEXIST ? 0 : r;
}

/* The value text of reading r; points into d->str, valid until d is reset or grows. */
static struct span val_of(const struct hwmon_data *d, const struct hwmon_reading *r)
{
	return (struct span){ d->str.p + r->val, r->vlen };
}

/* The samples of one property `el` (value v) of a sensor of type `type`; base is the
 * family name so far ("node_hwmon_temp" or with "_<property>"), label the sensor's
 * label reading or NULL. Returns 0 or -errno from the sink. */
static int emit_prop(const struct emit_ctx *e, const struct hwmon_data *d, struct span type,
		     struct span el, char *base, size_t blen, size_t bcap, double v,
		     const struct hwmon_reading *label)
{
	static const struct {
		const char *type, *suffix, *help;
		double mul, div;
	} units[] = {
		{ "in", "_volts", "Voltage a hwmon sensor reports, in volts.", 0.001, 1 },
		{ "cpu", "_volts", "CPU core voltage a hwmon sensor reports, in volts.", 0.001, 1 },
		{ "temp", "_celsius", "Temperature a hwmon sensor reports, in degrees Celsius.", 0.001,
		  1 },
		{ "curr", "_amps", "Current a hwmon sensor reports, in amperes.", 0.001, 1 },
	};
#define NAME(sfx) \
	(span_join(base + blen, bcap - blen, (struct span[]){ span_cstr(sfx) }, 1) >= 0 ? base : NULL)
	if (span_eq(el, "fault") || span_eq(el, "alarm"))
		return put(e, base, "Fault or alarm flag of a hwmon sensor (non-zero when raised).",
			   METRIC_GAUGE, v);
	if (span_eq(el, "beep"))
		return NAME("_enabled") ? put(e, base, "1 when a hwmon sensor's alarm beeps.",
					      METRIC_GAUGE, v) : 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!span_eq(type, units[i].type) || (i == 2 && span_eq(el, "type")))
			continue;
		return NAME(units[i].suffix) ? put(e, base, units[i].help, METRIC_GAUGE, v * units[i].mul)
					     : 0;
	}
	if (span_eq(type, "energy"))
		return NAME("_joule_total") ? put(e, base, "Energy a hwmon sensor has counted, in joules.",
						  METRIC_COUNTER, v / 1000000.0) : 0;
	if (span_eq(type, "power")) {
		if (span_eq(el, "accuracy"))
			return put(e, base, "Accuracy of a hwmon power meter, as a ratio.",
				   METRIC_GAUGE, v / 1000000.0);
		if (span_eq(el, "average_interval") || span_eq(el, "average_interval_min") ||
		    span_eq(el, "average_interval_max"))
			return NAME("_seconds") ? put(e, base,
						      "Averaging interval of a hwmon power meter, in seconds.",
						      METRIC_GAUGE, v * 0.001) : 0;
		return NAME("_watt") ? put(e, base, "Power a hwmon sensor reports, in watts.",
					   METRIC_GAUGE, v / 1000000.0) : 0;
	}
	if (span_eq(type, "humidity"))
		return put(e, base, "Relative humidity a hwmon sensor reports, as a ratio (1 = 100%).",
			   METRIC_GAUGE, v / 1000000.0);
	if (span_eq(type, "fan") && (span_eq(el, "input") || span_eq(el, "min") ||
				     span_eq(el, "max") || span_eq(el, "target")))
		return NAME("_rpm") ? put(e, base, "Fan speed a hwmon sensor reports, in revolutions per minute.",
					  METRIC_GAUGE, v) : 0;
	if (span_eq(type, "freq") && span_eq(el, "input")) {
		/* reported only for labelled clocks, under the cleaned label as sensor */
		char clean[160];
		if (!label || !NAME("_freq_mhz"))
			return 0;
		hwmon_clean(val_of(d, label), clean, sizeof(clean));
		struct emit_ctx f = { e->out, e->chip, span_cstr(clean) };
		return put(&f, base, "Clock frequency a hwmon sensor reports (GPU clocks), in MHz.",
			   METRIC_GAUGE, v / 1000000.0);
	}
#undef NAME
	return put(e, base, "Value of a hwmon sensor attribute as the driver reports it.",
		   METRIC_GAUGE, v);
}

/* Emit sensor readings d->r[i..j) (one sensor, sorted). Returns 0 or -errno. */
static int emit_sensor(const struct hwmon_data *d, uint32_t i, uint32_t j, const char *chip,
		       const struct filter *sensors, struct metric_sink *out)
{
	const struct hwmon_reading *g = d->r, *label = NULL, *bare = NULL;
	struct emit_ctx e = { out, chip, { d->str.p + g[i].key, g[i].klen } };
	char tmp[1024];
	double v;
	int r = 0;
	if (sensors) {
		int n = snprintf(tmp, sizeof(tmp), "%s;%.*s", chip, (int)e.sensor.len, e.sensor.p);
		if (n < 0 || (size_t)n >= sizeof(tmp) || !filter_pass(sensors, tmp, (size_t)n))
			return 0;
	}
	struct span type = e.sensor;
	while (type.len && ascii_digit(type.p[type.len - 1]))
		type.len--;
	/* of several readings of one property, the last wins */
#define LAST(k) ((k) + 1 == j || g[k].plen != g[(k) + 1].plen || \
		 memcmp(d->str.p + g[k].prop, d->str.p + g[(k) + 1].prop, g[k].plen) != 0)
	for (uint32_t k = i; k < j; k++) {
		if (!LAST(k))
			continue;
		if (g[k].plen == 0)
			bare = &g[k];
		else if (g[k].plen == 5 && memcmp(d->str.p + g[k].prop, "label", 5) == 0)
			label = &g[k];
	}
	if (label) {
		utf8_valid_copy(val_of(d, label), tmp, sizeof(tmp));
		r = sink_add(out, &desc_sensor_label, 1,
			     LABELS(L("chip", chip), LS("sensor", e.sensor), L("label", tmp)));
		if (r < 0 && r != -EEXIST)
			return r;
	}
	if (span_eq(type, "beep_enable"))
		return put(&e, "node_hwmon_beep_enabled", "1 when the chip's alarm beep is enabled.",
			   METRIC_GAUGE, bare && span_eq(val_of(d, bare), "1") ? 1 : 0);
	if (span_eq(type, "vrm"))
		return bare && go_parse_float(val_of(d, bare), &v) == 0
			       ? put(&e, "node_hwmon_voltage_regulator_version",
				     "Voltage regulator module version the chip uses.", METRIC_GAUGE, v)
			       : 0;
	if (span_eq(type, "update_interval"))
		return bare && go_parse_float(val_of(d, bare), &v) == 0
			       ? put(&e, "node_hwmon_update_interval_seconds",
				     "Interval at which the chip refreshes its readings, in seconds.",
				     METRIC_GAUGE, v * 0.001)
			       : 0;
	for (uint32_t k = i; r == 0 && k < j; k++) {
		struct span el = { d->str.p + g[k].prop, g[k].plen };
		if (!LAST(k) || &g[k] == label || go_parse_float(val_of(d, &g[k]), &v) < 0)
			continue;
		bool input = span_eq(el, "input");
		struct span parts[] = { SPAN_LIT("node_hwmon_"), type, SPAN_LIT("_input") };
		int n = span_join(tmp, sizeof(tmp), parts, input && bare ? 3 : 2);
		if (n < 0)
			continue; /* cannot happen: types are short */
		if (!input && el.len) {
			if (el.len > 512)
				continue; /* not a real file name; the family name would not fit */
			tmp[n++] = '_';
			n += (int)hwmon_clean(el, tmp + n, sizeof(tmp) - (size_t)n);
		}
		r = emit_prop(&e, d, type, el, tmp, (size_t)n, sizeof(tmp), v, label);
	}
#undef LAST
	return r;
}

int hwmon_emit(struct hwmon_data *d, struct sort_memo *order, const char *chip,
	       const struct filter *sensors, struct metric_sink *out)
{
	int r = 0;
	sort_readings(d, order);
	for (uint32_t i = 0, j; r == 0 && i < d->n; i = j) {
		for (j = i + 1; j < d->n && d->r[j].klen == d->r[i].klen &&
				memcmp(d->str.p + d->r[j].key, d->str.p + d->r[i].key, d->r[i].klen) == 0;
		     j++)
			;
		r = emit_sensor(d, i, j, chip, sensors, out);
	}
	return r;
}

/* ---- the collector ---------------------------------------------------------------- */

/* One /sys/class/hwmon entry during a collection. */
struct chip {
	char entry[256];   /* hwmonN */
	int fd, devfd;     /* the chip directory and its device directory, or -1 */
	int err;           /* set: the chip is reported as an error and left out */
	char cname[256];   /* cleaned name file, "" when unreadable or empty */
	char base[520];    /* label before telling duplicates apart */
	char label[800];   /* final chip label */
	struct sort_memo order; /* its readings' order, from the chip listed here last time */
};

#define HWMON_MAX_CHIPS 4096u
#define HWMON_HELD_MAX 1024 /* sensor files held open, at most */

struct hwmon_priv {
	struct dirscan cls;
	struct fdscan scan;
	struct filter chips, sensors;
	struct chip *chip;
	uint32_t nchip, chip_cap;
	struct hwmon_data data;
	struct heldattr held; /* sensor files held open, one attribute a slot */
	size_t nfile;         /* sensor files visited this scrape: the slot hint */
	char text[4096];
};

/* Read a whole small file dirfd/name (up to cap-1 bytes) into buf. Returns the length
 * or -errno. */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = regfile_open(dirfd, name, NULL);
	if (fd < 0)
		return fd;
	size_t len = 0;
	ssize_t n = 0;
	while (len < cap - 1) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	int e = n < 0 ? -errno : 0;
	close(fd);
	buf[len] = '\0';
	return e < 0 ? e : (ssize_t)len;
}

/* The path an open directory fd resolves to, from /proc/self/fd, into buf[cap].
 * Returns its length or -errno. */
static ssize_t fd_path(int fd, char *buf, size_t cap)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, cap - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return n;
}

/* Split path at its last '/': *last is the final component; the returned span is
 * everything before it with trailing '/' removed. */
static struct span split_last(struct span path, struct span *last)
{
	size_t i = path.len;
	while (i > 0 && path.p[i - 1] != '/')
		i--;
	*last = (struct span){ path.p + i, path.len - i };
	while (i > 0 && path.p[i - 1] == '/')
		i--;
	return (struct span){ path.p, i };
}

/* Work out c->cname and c->base for an opened chip (fd, devfd set). */
static void chip_names(struct hwmon_priv *p, struct chip *c)
{
	ssize_t n = read_small(c->fd, "name", p->text, sizeof(p->text));
	c->cname[0] = c->base[0] = '\0';
	if (n > 0)
		hwmon_clean((struct span){ p->text, (size_t)n }, c->cname, sizeof(c->cname));
	/* first choice: "<parent>_<device>" of the resolved device link */
	if (c->devfd >= 0 && (n = fd_path(c->devfd, p->text, sizeof(p->text))) > 0) {
		struct span dev, bus, prefix = split_last((struct span){ p->text, (size_t)n }, &dev);
		split_last(prefix, &bus);
		char a[256], b[256];
		size_t al = hwmon_clean(bus, a, sizeof(a)), bl = hwmon_clean(dev, b, sizeof(b));
		if (bl) {
			snprintf(c->base, sizeof(c->base), "%s%s%s", a, al ? "_" : "", b);
			return;
		}
	}
	if (c->cname[0]) {
		snprintf(c->base, sizeof(c->base), "%s", c->cname);
		return;
	}
	/* last: the chip directory's own name */
	struct span last = span_cstr(c->entry);
	if ((n = fd_path(c->fd, p->text, sizeof(p->text))) > 0)
		split_last((struct span){ p->text, (size_t)n }, &last);
	if (hwmon_clean(last, c->base, sizeof(c->base)) == 0)
		c->err = -EINVAL; /* no name to report the chip under */
}

/* Make room for one more chip. Returns 0, -ENOMEM or -E2BIG. */
static int chip_reserve(struct hwmon_priv *p)
{
	if (p->nchip < p->chip_cap)
		return 0;
	if (p->chip_cap >= HWMON_MAX_CHIPS)
		return -E2BIG;
	uint32_t cap = p->chip_cap ? p->chip_cap * 2 : 16;
	struct chip *c = realloc(p->chip, cap * sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (uint32_t i = p->chip_cap; i < cap; i++)
		c[i].order = (struct sort_memo){ 0 };
	p->chip = c;
	p->chip_cap = cap;
	return 0;
}

/* Pass 1: open every chip of the class directory and name it. Entries that are not
 * (links to) directories are skipped. Returns 0 or -errno listing the class. */
static int open_chips(struct hwmon_priv *p)
{
	const char *name;
	unsigned char type;
	int r;
	while ((r = dirscan_next(&p->cls, &name, &type)) > 0) {
		int fd = sysfs_open_dir(dirscan_fd(&p->cls), name);
		if (fd < 0)
			continue;
		if ((r = chip_reserve(p)) < 0) {
			close(fd);
			return r;
		}
		struct chip *c = &p->chip[p->nchip++];
		snprintf(c->entry, sizeof(c->entry), "%s", name);
		c->fd = fd;
		c->err = 0;
		c->devfd = sysfs_open_dir(fd, "device");
		if (c->devfd < 0) {
			c->err = c->devfd == -ENOENT ? 0 : c->devfd; /* present but unreadable */
			c->devfd = -1;
		}
		chip_names(p, c);
	}
	return r;
}

/* Pass 2: final labels. Chips sharing a base label get "_<name>" appended when their
 * cleaned names differ within the group, else "_<hwmonN>". */
static void label_chips(struct hwmon_priv *p)
{
	for (uint32_t i = 0; i < p->nchip; i++) {
		struct chip *c = &p->chip[i];
		bool shared = false, name_unique = c->cname[0] != '\0';
		for (uint32_t k = 0; k < p->nchip; k++) {
			struct chip *o = &p->chip[k];
			if (k == i || o->err || strcmp(o->base, c->base) != 0)
				continue;
			shared = true;
			if (strcmp(o->cname, c->cname) == 0)
				name_unique = false;
		}
		if (!shared) {
			snprintf(c->label, sizeof(c->label), "%s", c->base);
		} else if (name_unique) {
			snprintf(c->label, sizeof(c->label), "%s_%s", c->base, c->cname);
		} else {
			char e[256];
			hwmon_clean(span_cstr(c->entry), e, sizeof(e));
			snprintf(c->label, sizeof(c->label), "%s_%s", c->base, e);
		}
	}
}

/* Read every sensor file of chip c's directory fd into p->data as pass `pass`.
 * Unreadable files are skipped, as node_exporter skips them. Returns 0 or -errno. */
static int read_dir(struct hwmon_priv *p, const struct chip *c, int fd, unsigned pass)
{
	const char *name;
	unsigned char type;
	char val[129], key[HELDATTR_NAME_MAX];
	int r = fdscan_start(&p->scan, fd);
	while (r == 0 && (r = fdscan_next(&p->scan, &name, &type)) > 0) {
		r = 0;
		if (!hwmon_is_sensor_file(span_cstr(name)))
			continue;
		struct span parts[] = { span_cstr(c->entry), pass ? SPAN_LIT("/1/") : SPAN_LIT("/0/"),
					span_cstr(name) };
		int slot = span_join(key, sizeof(key), parts, 3) >= 0 ?
				   heldattr_slot(&p->held, key, p->nfile++) : -1;
		/* one read of at most 128 bytes: drivers that answer EAGAIN are skipped */
		size_t n;
		if (heldattr_read_raw(&p->held, slot, 0, fd, name, val, sizeof(val), &n) < 0)
			continue;
		struct span v = { val, n };
		while (v.len && v.p[0] == '\n')
			v.p++, v.len--;
		while (v.len && v.p[v.len - 1] == '\n')
			v.len--;
		r = hwmon_data_add(&p->data, span_cstr(name), v, pass);
	}
	return r;
}

/* Collect and emit one labelled chip. Returns 0 or -errno (nothing of the chip is
 * emitted when its directories cannot be read). */
static int chip_collect(struct hwmon_priv *p, struct chip *c, struct metric_sink *out)
{
	hwmon_data_reset(&p->data);
	int r = read_dir(p, c, c->fd, 0);
	if (r == 0 && c->devfd >= 0)
		r = read_dir(p, c, c->devfd, 1);
	if (r < 0)
		return r;
	if (c->cname[0]) {
		r = sink_add(out, &desc_chip_names, 1,
			     LABELS(L("chip", c->label), L("chip_name", c->cname)));
		if (r < 0)
			return r;
	}
	return hwmon_emit(&p->data, &c->order, c->label, &p->sensors, out);
}

/* Close every chip's descriptors and forget the chips; the array is kept. */
static void close_chips(struct hwmon_priv *p)
{
	for (uint32_t i = 0; i < p->nchip; i++) {
		close(p->chip[i].fd);
		if (p->chip[i].devfd >= 0)
			close(p->chip[i].devfd);
	}
	p->nchip = 0;
}

static int hwmon_collect(struct collector *c, struct metric_sink *out)
{
	struct hwmon_priv *p = c->priv;
	int r = dirscan_rewind(&p->cls), last = 0;
	if (r < 0)
		return r; /* no hwmon class: node_exporter reports no data */
	heldattr_begin(&p->held);
	p->nfile = 0;
	r = open_chips(p);
	if (r < 0)
		goto out_close;
	label_chips(p);
	for (uint32_t i = 0; i < p->nchip; i++) {
		struct chip *ch = &p->chip[i];
		if (ch->err) {
			last = ch->err;
			continue;
		}
		if (!filter_pass(&p->chips, ch->label, strlen(ch->label)))
			continue;
		int e = chip_collect(p, ch, out);
		if (e == -ENOMEM || e == -E2BIG) {
			r = e;
			goto out_close;
		}
		if (e < 0)
			last = e; /* like node_exporter: report the error, keep the other chips */
	}
	r = last;
out_close:
	heldattr_end(&p->held);
	close_chips(p);
	return r;
}

static int hwmon_init(struct collector *c)
{
	struct hwmon_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->cls.fd = p->scan.fd = -1;
	int r = filter_init(&p->chips, cfg_str(c->cfg, "collector.hwmon.chip-include"),
			    cfg_str(c->cfg, "collector.hwmon.chip-exclude"));
	if (r == 0)
		r = filter_init(&p->sensors, cfg_str(c->cfg, "collector.hwmon.sensor-include"),
				cfg_str(c->cfg, "collector.hwmon.sensor-exclude"));
	if (r == 0)
		r = dirscan_init(&p->cls, cfg_sysfs(c->cfg), "class/hwmon");
	if (r == 0)
		r = heldattr_init(&p->held, 1, HWMON_HELD_MAX, c->fd_budget);
	return r;
}

/* Claim the sensor files it may hold. */
static int hwmon_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, HWMON_HELD_MAX);
}

static void hwmon_fini(struct collector *c)
{
	struct hwmon_priv *p = c->priv;
	if (!p)
		return;
	close_chips(p);
	dirscan_fini(&p->cls);
	filter_fini(&p->chips);
	filter_fini(&p->sensors);
	hwmon_data_fini(&p->data);
	heldattr_fini(&p->held);
	for (uint32_t i = 0; i < p->chip_cap; i++)
		sort_memo_fini(&p->chip[i].order);
	free(p->chip);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_hwmon = {
	.name = "hwmon",
	.default_enabled = true,
	.reads = "/sys/class/hwmon",
	.flags = hwmon_flags,
	.declare = hwmon_declare,
	.init = hwmon_init,
	.collect = hwmon_collect,
	.fini = hwmon_fini,
};
