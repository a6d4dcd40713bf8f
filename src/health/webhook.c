/*
 * webhook: status POSTs over libcurl. See webhook.h.
 */
#include "health/webhook.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/dynlib.h"

/* Throw the receiver's answer away: only its status code matters. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* libcurl's progress callback: non-zero aborts the transfer. */
static int check_abort(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct webhook *w = ctx;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return w->abort && atomic_load(w->abort);
}

int webhook_init(struct webhook *w, const char *url, int64_t timeout_ms,
		 const atomic_bool *abort)
{
	int r = -ENOMEM;
	memset(w, 0, sizeof(*w));
	w->abort = abort;
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return -EINVAL;
	if (snprintf(w->url, sizeof(w->url), "%s", url) >= (int)sizeof(w->url))
		return -ENAMETOOLONG;
	CURL *c = dyn_curl.easy_init();
	if (!c)
		return -ENOMEM;
	w->curl = c;
	struct curl_slist *h = dyn_curl.slist_append(NULL, "Content-Type: application/json");
	if (!h)
		goto out_fini;
	w->headers = h;
	if (dyn_setopt_ptr(c, CURLOPT_URL, w->url) != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    dyn_setopt_long(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    dyn_setopt_long(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_USERAGENT, "plumb") != CURLE_OK ||
	    dyn_setopt_writefunction(c, discard) != CURLE_OK ||
	    dyn_setopt_xferinfofunction(c, check_abort) != CURLE_OK ||
	    dyn_setopt_ptr(c, CURLOPT_XFERINFODATA, w) != CURLE_OK ||
	    dyn_setopt_long(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK) {
		r = -EINVAL;
		goto out_fini;
	}
	return 0;
out_fini:
	webhook_fini(w);
	return r;
}

int webhook_post(struct webhook *w, const char *body, size_t len)
{
	long code = 0;
	CURLcode rc = dyn_setopt_ptr(w->curl, CURLOPT_POSTFIELDS, body);
	if (rc == CURLE_OK)
		rc = dyn_setopt_off(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (rc == CURLE_OK)
		rc = dyn_curl.easy_perform(w->curl);
	if (rc != CURLE_OK) {
		snprintf(w->err, sizeof(w->err), "%s", dyn_curl.easy_strerror(rc));
		return -EIO;
	}
	dyn_getinfo_long(w->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		snprintf(w->err, sizeof(w->err), "the receiver answered HTTP %ld", code);
		return -EIO;
	}
	return 0;
}

void webhook_fini(struct webhook *w)
{
	if (w->curl)
		dyn_curl.easy_cleanup(w->curl);
	if (w->headers)
		dyn_curl.slist_free_all(w->headers);
	w->curl = NULL;
	w->headers = NULL;
}
