/* fuzz_basic_auth: the Authorization header decoder of basic auth (web_auth_decode).
 * Input: one byte that picks the buffer's size, then the header's value. Whatever the
 * input: the decoder stays inside the given bytes and the buffer; on success the
 * name has no ':', name and password lie in the buffer, each followed by a NUL, and
 * together with the ':' they are all the decoded bytes; encoding those again and
 * decoding the result gives the same name and password, byte for byte. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include "http/auth.h"

/* Standard padded base64 of in[0..n) after "Basic " into out (room for it checked by
 * the caller); returns the length written. */
static size_t encode(const char *in, size_t n, char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	memcpy(out, "Basic ", 6);
	o = 6;
	for (size_t i = 0; i < n; i += 3) {
		unsigned w = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			w |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			w |= (unsigned char)in[i + 2];
		out[o++] = digits[w >> 18 & 63];
		out[o++] = digits[w >> 12 & 63];
		out[o++] = i + 1 < n ? digits[w >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? digits[w & 63] : '=';
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first byte picks the size of the buffer (so -E2BIG is reached too); the
	 * rest is the header's value, copied to an exact-size heap block so that ASan
	 * catches a read past its end */
	if (size == 0)
		return 0;
	size_t cap = data[0] % 80, len = size - 1;
	char *p = malloc(len ? len : 1);
	char *buf = malloc(cap ? cap : 1);
	char *again = malloc(AUTH_CRED_MAX * 2);
	char buf2[AUTH_CRED_MAX];
	if (!p || !buf || !again)
		abort();
	memcpy(p, data + 1, len);
	struct web_cred c, c2;
	int r = web_auth_decode(p, len, buf, cap, &c);
	if (r != 0 && r != -EINVAL && r != -E2BIG)
		abort();
	if (r == 0) {
		size_t n = c.ulen + 1 + c.plen;
		if (c.user != buf || c.password != buf + c.ulen + 1 || n + 1 > cap ||
		    memchr(c.user, ':', c.ulen) || c.user[c.ulen] != '\0' ||
		    c.password[c.plen] != '\0')
			abort();
		char plain[AUTH_CRED_MAX];
		memcpy(plain, c.user, c.ulen);
		plain[c.ulen] = ':';
		memcpy(plain + c.ulen + 1, c.password, c.plen);
		size_t elen = encode(plain, n, again);
		if (web_auth_decode(again, elen, buf2, sizeof(buf2), &c2) != 0 || c2.ulen != c.ulen ||
		    c2.plen != c.plen || memcmp(c2.user, c.user, c.ulen) != 0 ||
		    memcmp(c2.password, c.password, c.plen) != 0)
			abort();
	}
	free(again);
	free(buf);
	free(p);
	return 0;
}
