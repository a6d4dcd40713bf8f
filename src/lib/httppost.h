/*
 * httppost: POST requests over one libcurl handle kept for a client's life, for the two
 * parts of plumb that send: remote write (src/push) and the status webhook
 * (src/health). The handle's connection is reused between posts; each post is bounded
 * by a timeout and gives up soon after the owner's abort flag turns true, so shutdown
 * never waits for a slow receiver. Used from one thread at a time.
 *
 * libcurl is loaded on demand (lib/dynlib.h): call dyn_curl_open before
 * httppost_init, and dyn_curl_close after httppost_fini.
 */
#ifndef PLUMB_HTTPPOST_H
#define PLUMB_HTTPPOST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* Bytes of an answer's body kept for the log. */
#define HTTPPOST_KEEP 256

struct httppost {
	const char *url;           /* the caller's string, which outlives the client */
	void *curl;                /* CURL *, owned */
	void *headers;             /* struct curl_slist *, owned */
	struct buf answer;         /* the first HTTPPOST_KEEP bytes of the last answer */
	const atomic_bool *abort;  /* a post gives up soon after *abort turns true */
};

/* Whether url is one plumb posts to: http:// or https://, in any case. */
bool httppost_url_ok(const char *url);

/* Set h up to POST to url (checked with httppost_url_ok by the caller) with the request
 * headers headers[0..n) ("Name: value"), a timeout of timeout_ms per post, and abort
 * (may be NULL). Returns 0 or -ENOMEM (h is then left for httppost_fini). */
int httppost_init(struct httppost *h, const char *url, const char *const *headers, size_t n,
		  int64_t timeout_ms, const atomic_bool *abort);

/* POST body[0..len). Returns 0 when an answer came (*status gets its HTTP status and
 * h->answer the start of its body, NUL-terminated), or -EIO when none did (a timeout, a
 * refused connection, an abort: *err gets libcurl's static description). */
int httppost_send(struct httppost *h, const void *body, size_t len, long *status,
		  const char **err);

void httppost_fini(struct httppost *h); /* accepts a zeroed struct */

#endif
