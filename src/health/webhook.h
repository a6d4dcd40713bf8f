/*
 * webhook: POSTs the status JSON to --push.status.url with libcurl.
 *
 * One curl handle is kept for the life of the webhook, so its connection is reused
 * between posts. A post succeeds on a 2xx answer within the timeout; anything else is
 * an error whose text says what went wrong (for the caller's log). Used from one
 * thread at a time.
 */
#ifndef PLUMB_HEALTH_WEBHOOK_H
#define PLUMB_HEALTH_WEBHOOK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct webhook {
	void *curl;        /* CURL *, owned */
	void *headers;     /* struct curl_slist *, owned */
	char url[2048];
	char err[256];     /* the last failure, for the log */
	const atomic_bool *abort; /* when set and true, a post in progress gives up */
};

/* Set w up to post to url with a timeout of timeout_ms per post; a post in progress
 * gives up soon after *abort turns true (abort may be NULL), so shutdown need not wait
 * for a slow receiver. Load libcurl first with dyn_curl_open (lib/dynlib.h; health_open
 * does, before any thread starts). Returns 0,
 * -EINVAL for a url that is not http:// or https://, -ENAMETOOLONG or -ENOMEM. */
int webhook_init(struct webhook *w, const char *url, int64_t timeout_ms,
		 const atomic_bool *abort);

/* POST body[0..len) as application/json. Returns 0 on a 2xx answer, else -EIO with
 * w->err describing the failure. */
int webhook_post(struct webhook *w, const char *body, size_t len);

void webhook_fini(struct webhook *w); /* accepts a zeroed struct */

#endif
