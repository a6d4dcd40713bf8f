/*
 * utf8valid: Go's strings.ToValidUTF8 with U+FFFD as the replacement. See utf8valid.h.
 */
#include "lib/utf8valid.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p[0..n), or 0 if it is not one (overlong
 * forms, surrogates and code points past U+10FFFF are invalid, as in Go). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
	if (len == 0 || c > 0xF4 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if (c == 0xE0 && p[1] < 0xA0)
		return 0; /* overlong */
	if (c == 0xED && p[1] >= 0xA0)
		return 0; /* surrogate */
	if (c == 0xF0 && p[1] < 0x90)
		return 0; /* overlong */
	if (c == 0xF4 && p[1] >= 0x90)
		return 0; /* past U+10FFFF */
	return len;
}

size_t utf8_valid_copy(struct span in, char *out, size_t cap)
{
	static const char repl[3] = { (char)0xEF, (char)0xBF, (char)0xBD };
	const unsigned char *p = (const unsigned char *)in.p;
	size_t i = 0, o = 0;
	int in_bad = 0;
	while (i < in.len) {
		size_t l = utf8_seq(p + i, in.len - i);
		const char *src = (const char *)p + i;
		size_t w = l;
		if (l == 0) {
			i++;
			if (in_bad)
				continue;
			in_bad = 1;
			src = repl;
			w = 3;
		} else {
			in_bad = 0;
			i += l;
		}
		if (o + w + 1 > cap)
			break;
		memcpy(out + o, src, w);
		o += w;
	}
	out[o] = '\0';
	return o;
}
