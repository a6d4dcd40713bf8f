/*
 * httppost: POSTs over a reused libcurl handle. See httppost.h.
 */
#include "lib/httppost.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "lib/dynlib.h"
#include "version.h"

/* libcurl's write callback: keep the first HTTPPOST_KEEP bytes of the answer. */
static size_t keep_answer(char *data, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t len = size * n;
	if (b->len < HTTPPOST_KEEP)
		buf_append(b, data, len < HTTPPOST_KEEP - b->len ? len : HTTPPOST_KEEP - b->len);
	return len;
}

/* libcurl's progress callback: non-zero aborts the transfer. */
static int check_abort(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct httppost *h = ctx;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return h->abort && atomic_load(h->abort);
}

bool httppost_url_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

int httppost_init(struct httppost *h, const char *url, const char *const *headers, size_t n,
		  int64_t timeout_ms, const atomic_bool *abort)
{
	memset(h, 0, sizeof(*h));
	h->url = url;
	h->abort = abort;
	CURL *c = dyn_curl.easy_init();
	if (!c)
		return -ENOMEM;
	h->curl = c;
	for (size_t i = 0; i < n; i++) {
		struct curl_slist *l = dyn_curl.slist_append(h->headers, headers[i]);
		if (!l)
			return -ENOMEM;
		h->headers = l;
	}
	if (dyn_setopt_ptr(c, CURLOPT_URL, url) != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_HTTPHEADER, h->headers) != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_USERAGENT, "plumb/" PLUMB_VERSION) != CURLE_OK ||
	    dyn_setopt_long(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    dyn_setopt_long(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK ||
	    dyn_setopt_long(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    dyn_setopt_writefunction(c, keep_answer) != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_WRITEDATA, &h->answer) != CURLE_OK ||
	    dyn_setopt_long(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
	    dyn_setopt_xferinfofunction(c, check_abort) != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_XFERINFODATA, h) != CURLE_OK)
		return -ENOMEM;
	return 0;
}

int httppost_send(struct httppost *h, const void *body, size_t len, long *status,
		  const char **err)
{
	*status = 0;
	buf_reset(&h->answer);
	CURLcode c = dyn_setopt_ptr(h->curl, CURLOPT_POSTFIELDS, body);
	if (c == CURLE_OK)
		c = dyn_setopt_off(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (c == CURLE_OK)
		c = dyn_curl.easy_perform(h->curl);
	if (c != CURLE_OK) {
		*err = dyn_curl.easy_strerror(c);
		return -EIO;
	}
	dyn_getinfo_long(h->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

void httppost_fini(struct httppost *h)
{
	if (h->curl)
		dyn_curl.easy_cleanup(h->curl);
	if (h->headers)
		dyn_curl.slist_free_all(h->headers);
	h->curl = NULL;
	h->headers = NULL;
	buf_fini(&h->answer);
}
