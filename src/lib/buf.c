/*
 * buf: growable byte buffer with a hard limit. See buf.h.
 */
#include "lib/buf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_DEFAULT_MAX ((size_t)256 << 20)

int buf_reserve(struct buf *b, size_t more)
{
	size_t max = b->max ? b->max : BUF_DEFAULT_MAX;
	if (more > max || b->len > max - more)
		return -E2BIG;
	size_t want = b->len + more + 1;
	if (want <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap *= 2;
	if (ncap > max + 1)
		ncap = max + 1;
	char *p = realloc(b->p, ncap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = ncap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
	int r = buf_reserve(b, n);
	if (r < 0)
		return r;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return buf_append(b, small, (size_t)n);
	int r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

size_t dec_digits(unsigned long long m, char *out)
{
	char rev[24];
	size_t n = 0, i = 0;
	do {
		rev[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	while (n)
		out[i++] = rev[--n];
	return i;
}

int buf_put_u64(struct buf *b, unsigned long long v)
{
	char tmp[DEC_DIGITS_MAX];
	return buf_append(b, tmp, dec_digits(v, tmp));
}

/* x (0 <= x < 2^52) rounded to the nearest integer, ties to even: what nearbyint()
 * gives in the default rounding mode, without linking libm for this one call (plumb
 * needs nothing else from it, and a library loaded is memory resident). Adding 2^52
 * leaves no bits below the units place, so the addition itself rounds; subtracting
 * 2^52 again is exact. */
static double round_even(double x)
{
	return (x + 0x1p52) - 0x1p52;
}

/* Write v (not an integer, 1e-8 <= |v| < 1e15) as %.15g does when 15 significant
 * digits read back to v, without printf: scale |v| to a 15-digit integer m, and if
 * m / 10^k is v again (both exact below 2^53 and 10^22, and IEEE division rounds
 * correctly, so this is the test strtod would make), print m's digits with the point
 * in place and trailing zeros dropped. That is %.15g's text: v lies within half an ulp
 * of m * 10^-k, far less than half a unit of the 15th digit. Below 1e-4 %.15g writes an
 * exponent ("1.5e-05"); from 1e-4 up, a plain decimal. Returns 1 when written, 0 when
 * v needs more digits or lies outside the range (the caller then uses printf), or
 * -errno. */
static int put_decimal15(struct buf *b, double v)
{
	static const double p10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
					1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
					1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	double a = fabs(v);
	if (!(a >= 1e-8 && a < 1e15))
		return 0;
	int e = -8; /* floor(log10(a)), give or take one near a power of ten */
	while (e < 14 && a >= (e + 1 >= 0 ? p10[e + 1] : 1 / p10[-(e + 1)]))
		e++;
	int k = 14 - e; /* 0..22 */
	double scaled = round_even(a * p10[k]);
	/* 15 digits exactly: an e one off near a power of ten gives 14 or 16, and then
	 * printf decides */
	if (scaled < 1e14 || scaled >= 1e15 || scaled / p10[k] != a)
		return 0;
	char digits[24], tmp[48];
	size_t nd = dec_digits((unsigned long long)scaled, digits), n = 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--; /* trailing zeros of the fraction; m is no integer, so some digit stays */
	if (v < 0)
		tmp[n++] = '-';
	if (e < -4) { /* d.ddde-0X */
		tmp[n++] = digits[0];
		if (nd > 1) {
			tmp[n++] = '.';
			memcpy(tmp + n, digits + 1, nd - 1);
			n += nd - 1;
		}
		tmp[n++] = 'e';
		tmp[n++] = '-';
		tmp[n++] = '0';
		tmp[n++] = (char)('0' - e);
	} else if (e < 0) { /* 0.000ddd */
		tmp[n++] = '0';
		tmp[n++] = '.';
		for (int z = -1; z > e; z--)
			tmp[n++] = '0';
		memcpy(tmp + n, digits, nd);
		n += nd;
	} else { /* ddd.ddd: e + 1 integer digits, and v is no integer, so a fraction */
		size_t ni = (size_t)e + 1;
		if (nd <= ni)
			return 0; /* cannot happen: m / 10^k == a would make a an integer */
		memcpy(tmp + n, digits, ni);
		n += ni;
		tmp[n++] = '.';
		memcpy(tmp + n, digits + ni, nd - ni);
		n += nd - ni;
	}
	int r = buf_append(b, tmp, n);
	return r < 0 ? r : 1;
}

int buf_put_double(struct buf *b, double v)
{
	if (isnan(v))
		return buf_append(b, "NaN", 3);
	if (isinf(v))
		return v > 0 ? buf_append(b, "+Inf", 4) : buf_append(b, "-Inf", 4);
	/* integers up to 2^53 are exact: print them without a trip through printf */
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		if (v < 0) {
			int r = buf_putc(b, '-');
			if (r < 0)
				return r;
			return buf_put_u64(b, (unsigned long long)-v);
		}
		if (v == 0 && signbit(v))
			return buf_append(b, "-0", 2);
		return buf_put_u64(b, (unsigned long long)v);
	}
	int r = put_decimal15(b, v);
	if (r != 0)
		return r < 0 ? r : 0;
	/* the shortest of %.15g..%.17g that reads back to the same value */
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		int n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (n < 0 || (size_t)n >= sizeof(tmp))
			return -EINVAL;
		if (prec == 17 || strtod(tmp, NULL) == v)
			return buf_append(b, tmp, (size_t)n);
	}
	return -EINVAL;
}

void buf_fini(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int grow_array(void **arr, uint32_t *cap, uint32_t want, size_t elem)
{
	if (want <= *cap)
		return 0;
	uint32_t ncap = *cap ? *cap : 64;
	while (ncap < want) {
		if (ncap > UINT32_MAX / 4)
			return -E2BIG;
		ncap *= 2;
	}
	void *p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}
