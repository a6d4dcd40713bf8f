/*
 * eviction: kubelet's eviction-hard syntax. See eviction.h.
 */
#include "health/eviction.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/strparse.h"

static const char *const signal_names[EVICT_SIGNALS] = {
	[EVICT_MEMORY_AVAILABLE] = "memory.available",
	[EVICT_NODEFS_AVAILABLE] = "nodefs.available",
	[EVICT_NODEFS_INODES_FREE] = "nodefs.inodesFree",
	[EVICT_IMAGEFS_AVAILABLE] = "imagefs.available",
	[EVICT_IMAGEFS_INODES_FREE] = "imagefs.inodesFree",
	[EVICT_PID_AVAILABLE] = "pid.available",
};

const char *eviction_signal_name(enum evict_signal s)
{
	return (unsigned)s < EVICT_SIGNALS ? signal_names[s] : "?";
}

/* Multipliers of the Kubernetes quantity suffixes plumb accepts. */
static const struct {
	const char *suffix;
	double mult;
} suffixes[] = {
	{ "Ki", 1024.0 }, { "Mi", 1048576.0 }, { "Gi", 1073741824.0 },
	{ "Ti", 1099511627776.0 }, { "Pi", 1125899906842624.0 },
	{ "Ei", 1152921504606846976.0 }, { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 },
	{ "T", 1e12 }, { "P", 1e15 }, { "E", 1e18 }, { "", 1.0 },
};

/* Parse a plain decimal (digits with at most one '.') in s. Returns 0 or -EINVAL. */
static int plain_decimal(struct span s, double *out)
{
	size_t dots = 0, digits = 0;
	if (s.len == 0 || s.len > 32)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '.')
			dots++;
		else if (ascii_digit(s.p[i]))
			digits++;
		else
			return -EINVAL;
	}
	if (dots > 1 || digits == 0)
		return -EINVAL;
	return span_double(s, out);
}

/* Parse one quantity ("10%", "100Mi", "5000") into *t. Returns 0 or -EINVAL. */
static int parse_quantity(struct span q, struct evict_threshold *t)
{
	double v;
	if (q.len && q.p[q.len - 1] == '%') {
		q.len--;
		if (plain_decimal(q, &v) < 0 || !(v > 0 && v <= 100))
			return -EINVAL;
		t->percent = true;
		t->value = v / 100.0;
		t->set = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (!span_ends(q, suffixes[i].suffix))
			continue;
		struct span num = { q.p, q.len - strlen(suffixes[i].suffix) };
		if (plain_decimal(num, &v) < 0)
			return -EINVAL;
		t->percent = false;
		t->value = v * suffixes[i].mult;
		t->set = true;
		return isfinite(t->value) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* Parse one "signal<quantity" entry into out. Returns 0 or -EINVAL with err set. */
static int parse_entry(struct span e, struct eviction *out, char *err, size_t errcap)
{
	const char *lt = memchr(e.p, '<', e.len);
	if (!lt) {
		snprintf(err, errcap, "entry \"%.*s\" is not signal<quantity (only < is allowed)",
			 (int)(e.len > 64 ? 64 : e.len), e.p);
		return -EINVAL;
	}
	struct span name = span_trim((struct span){ e.p, (size_t)(lt - e.p) });
	struct span q = span_trim((struct span){ lt + 1, e.len - (size_t)(lt - e.p) - 1 });
	int s = -1;
	for (int i = 0; i < EVICT_SIGNALS; i++)
		if (span_eq(name, signal_names[i]))
			s = i;
	if (s < 0) {
		snprintf(err, errcap, "unknown signal \"%.*s\" (plumb knows memory.available, "
			 "nodefs.available, nodefs.inodesFree, imagefs.available, "
			 "imagefs.inodesFree, pid.available)",
			 (int)(name.len > 64 ? 64 : name.len), name.p);
		return -EINVAL;
	}
	if (out->t[s].set) {
		snprintf(err, errcap, "signal %s is given twice", signal_names[s]);
		return -EINVAL;
	}
	if (parse_quantity(q, &out->t[s]) < 0) {
		snprintf(err, errcap, "bad quantity \"%.*s\" for %s (want e.g. 100Mi, 5000 or "
			 "10%%)", (int)(q.len > 64 ? 64 : q.len), q.p, signal_names[s]);
		return -EINVAL;
	}
	return 0;
}

int eviction_parse(const char *text, size_t len, struct eviction *out, char *err,
		   size_t errcap)
{
	memset(out, 0, sizeof(*out));
	struct span rest = { text, len }, e;
	if (span_trim(rest).len == 0)
		return 0;
	while (span_field(&rest, ',', &e)) {
		e = span_trim(e);
		if (e.len == 0) {
			snprintf(err, errcap, "empty entry in the list");
			return -EINVAL;
		}
		if (parse_entry(e, out, err, errcap) < 0)
			return -EINVAL;
	}
	return 0;
}

double eviction_limit(const struct evict_threshold *t, double capacity)
{
	return t->percent ? t->value * capacity : t->value;
}

bool eviction_met(const struct evict_threshold *t, double available, double capacity)
{
	return t->set && available < eviction_limit(t, capacity);
}

void eviction_format(double v, bool bytes, char *out, size_t cap)
{
	static const char *const units[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	size_t u = 0;
	if (!bytes || !isfinite(v)) {
		snprintf(out, cap, "%.0f", v);
		return;
	}
	while (fabs(v) >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, u ? "%.1f%s" : "%.0f%s", v, units[u]);
}
