/*
 * gofloat: Go's ParseFloat grammar in front of strtod. See gofloat.h.
 */
#include "lib/gofloat.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Length of the case-insensitive common prefix of s[0..n) and lower-case word w. */
static size_t prefix_ci(const char *s, size_t n, const char *w)
{
	size_t i = 0;
	while (i < n && w[i]) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			break;
		i++;
	}
	return i;
}

/* Whether c is a decimal digit, or with hex a hex digit of either case. */
static bool is_digit(char c, bool hex)
{
	return (c >= '0' && c <= '9') ||
	       (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

/* Whether s[0..n) is one of Go's special values; sets *v. */
static bool special(const char *s, size_t n, double *v)
{
	double sign = 1;
	size_t i = 0;
	if (n && (s[0] == '+' || s[0] == '-')) {
		sign = s[0] == '-' ? -1 : 1;
		i = 1;
	}
	if (n - i == 3 && prefix_ci(s + i, 3, "inf") == 3) {
		*v = sign * INFINITY;
		return true;
	}
	if (n - i == 8 && prefix_ci(s + i, 8, "infinity") == 8) {
		*v = sign * INFINITY;
		return true;
	}
	if (i == 0 && n == 3 && prefix_ci(s, 3, "nan") == 3) {
		*v = NAN;
		return true;
	}
	return false;
}

/* Whether s[0..n) is a finite number in Go's syntax (no underscores). */
static bool well_formed(const char *s, size_t n)
{
	size_t i = 0, digits = 0;
	bool hex = false, point = false;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		hex = true;
		i += 2;
	}
	for (; i < n; i++) {
		if (s[i] == '.' && !point)
			point = true;
		else if (is_digit(s[i], hex))
			digits++;
		else
			break;
	}
	if (digits == 0)
		return false;
	if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e = i;
		while (i < n && is_digit(s[i], false))
			i++;
		if (i == e)
			return false;
	} else if (hex) {
		return false; /* Go requires the p exponent of a hex float */
	}
	return i == n;
}

int go_parse_float(struct span s, double *out)
{
	char tmp[512];
	double v;
	if (s.len == 0 || s.len >= sizeof(tmp))
		return -EINVAL;
	if (special(s.p, s.len, &v)) {
		*out = v;
		return 0;
	}
	if (!well_formed(s.p, s.len))
		return -EINVAL;
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	char *end;
	errno = 0;
	v = strtod(tmp, &end);
	if (end != tmp + s.len)
		return -EINVAL;
	if (errno == ERANGE && isinf(v))
		return -ERANGE;
	*out = v;
	return 0;
}

uint64_t go_f64_to_u64(double x)
{
	const double two63 = 9223372036854775808.0;
	/* amd64: below 2^63 a signed conversion (CVTTSD2SQ, whose out-of-range answer is
	 * 2^63), else a signed conversion of x - 2^63 with the top bit set */
	if (x < two63)
		return x > -two63 ? (uint64_t)(int64_t)x : UINT64_C(1) << 63;
	double y = x - two63; /* NaN lands here too */
	if (!(y < two63))
		return UINT64_C(1) << 63;
	return (uint64_t)(int64_t)y | UINT64_C(1) << 63;
}
