/*
 * buf: a growable byte buffer with a hard limit.
 *
 * Used for everything input can make longer: rendered expositions, label blobs,
 * response bodies. Growth doubles capacity and stops at max, so a hostile input can
 * cost at most max bytes. Reset keeps the capacity: after warm-up no call allocates.
 */
#ifndef PLUMB_BUF_H
#define PLUMB_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *p;     /* owned; always NUL-terminated when cap > 0 */
	size_t len;
	size_t cap;
	size_t max;  /* hard limit on len; 0 means 256 MiB */
};

/* Make sure at least `more` bytes (plus a NUL) fit after len. 0, -ENOMEM or -E2BIG. */
int buf_reserve(struct buf *b, size_t more);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append v as decimal. */
int buf_put_u64(struct buf *b, unsigned long long v);

/* Most digits dec_digits writes (2^64 - 1 has 20). */
#define DEC_DIGITS_MAX 20

/* Write the decimal digits of m into out (room for DEC_DIGITS_MAX), most significant
 * first, with no NUL, and return how many: what "%llu" prints, without printf. */
size_t dec_digits(unsigned long long m, char *out);
/* Append v the way Prometheus writes sample values: shortest text that reads back to
 * the same double; +Inf, -Inf, NaN. */
int buf_put_double(struct buf *b, double v);
static inline void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->p[0] = '\0';
}
void buf_fini(struct buf *b); /* frees; accepts a zeroed buf */

/* Grow the array *arr of elem-sized items (capacity *cap items) so it holds at least
 * want items, doubling from 64. The array stays owned by the caller. Returns 0,
 * -ENOMEM, or -E2BIG past 2^30 items. */
int grow_array(void **arr, uint32_t *cap, uint32_t want, size_t elem);

#endif
