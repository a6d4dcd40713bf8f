/*
 * accept: content negotiation for /metrics. See render.h.
 *
 * Parses the Accept and Accept-Encoding headers without allocating: a list of media
 * ranges separated by commas, each with ;-separated parameters of which only q
 * matters here (and version for OpenMetrics). Malformed parts are skipped, never fatal.
 */
#include <string.h>

#include "expo/render.h"
#include "lib/strparse.h"

/* Parse a q parameter value "0.5" into thousandths; malformed means 0. */
static int parse_q(struct span v)
{
	double q;
	if (span_double(v, &q) < 0 || !(q >= 0) || q > 1)
		return 0;
	return (int)(q * 1000 + 0.5);
}

/* Whether s equals the lower-case literal lit, ignoring ASCII case. */
static bool span_ieq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s.p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return false;
	}
	return true;
}

/* Walk one media range: its type in *type, its q, and whether its version parameter
 * (if any) equals want_version. */
static void parse_range(struct span item, struct span *type, int *q, bool *version_ok,
			const char *want_version)
{
	struct span part;
	bool first = true;
	*q = 1000;
	*version_ok = true;
	while (span_field(&item, ';', &part)) {
		part = span_trim(part);
		if (first) {
			*type = part;
			first = false;
			continue;
		}
		struct span key;
		if (!span_field(&part, '=', &key) || !part.p)
			continue;
		key = span_trim(key);
		struct span val = span_trim(part);
		if (span_ieq(key, "q"))
			*q = parse_q(val);
		else if (span_ieq(key, "version") && want_version)
			*version_ok = span_eq(val, want_version) || span_eq(val, "0.0.1");
	}
}

enum expo_format accept_format(const char *accept, size_t len)
{
	if (!accept)
		return EXPO_TEXT;
	struct span all = { accept, len }, item;
	int best_q = 0;
	enum expo_format best = EXPO_TEXT;
	while (span_field(&all, ',', &item)) {
		struct span type = { "", 0 };
		int q;
		bool vok;
		parse_range(item, &type, &q, &vok, "1.0.0");
		enum expo_format f;
		if (span_ieq(type, "application/openmetrics-text") && vok)
			f = EXPO_OPENMETRICS;
		else if (span_ieq(type, "text/plain") || span_ieq(type, "*/*") ||
			 span_ieq(type, "text/*"))
			f = EXPO_TEXT;
		else
			continue;
		if (q > best_q) {
			best_q = q;
			best = f;
		}
	}
	return best;
}

int accept_gzip(const char *accept_encoding, size_t len)
{
	if (!accept_encoding)
		return 0;
	struct span all = { accept_encoding, len }, item;
	int gzip_q = -1, star_q = -1;
	while (span_field(&all, ',', &item)) {
		struct span type = { "", 0 };
		int q;
		bool vok;
		parse_range(item, &type, &q, &vok, NULL);
		if (span_ieq(type, "gzip") || span_ieq(type, "x-gzip"))
			gzip_q = q;
		else if (span_eq(type, "*"))
			star_q = q;
	}
	if (gzip_q >= 0)
		return gzip_q > 0;
	return star_q > 0;
}
