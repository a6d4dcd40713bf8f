/*
 * auth: HTTP basic authentication against the bcrypt hashes of basic_auth_users.
 *
 * Hashes are checked with libcrypt (libxcrypt's bcrypt). The answer must not tell an
 * attacker which user names exist: a request naming an unknown user pays for a bcrypt
 * run against a dummy hash made at start-up with the highest cost the config uses, and
 * every comparison of secrets runs in constant time. Because bcrypt costs tens of
 * milliseconds, successful checks are remembered in a small fixed cache keyed by a
 * SHA-256 of user, hash and password (a scraper sends the same credentials every
 * time), so only failures and new credentials pay for bcrypt.
 */
#ifndef PLUMB_AUTH_H
#define PLUMB_AUTH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/webconfig.h"

#define AUTH_CACHE_SLOTS 64
#define AUTH_HASH_MAX 64 /* a bcrypt hash is 60 characters */

struct web_auth {
	const struct web_user *users; /* borrowed from the web config */
	size_t nusers;
	char dummy[AUTH_HASH_MAX]; /* checked for unknown users */
	pthread_mutex_t mu;	   /* guards the cache */
	uint8_t cache[AUTH_CACHE_SLOTS][32];
	bool cache_used[AUTH_CACHE_SLOTS];
	unsigned cache_next;	   /* the slot to replace next */
	atomic_ullong bcrypt_runs; /* bcrypt computations, for plumb_http_bcrypt_runs_total */
};

/* Set a up for cfg's users (cfg must outlive a). With users, makes the dummy hash (one
 * bcrypt run). Returns 0, -EIO when libcrypt cannot make a hash, or -errno. */
int web_auth_init(struct web_auth *a, const struct web_config *cfg);
void web_auth_fini(struct web_auth *a);

/* Whether user and password (both may be NULL: no credentials) match a configured
 * user. Thread-safe; takes about one bcrypt run unless the pair is cached. */
bool web_auth_check(struct web_auth *a, const char *user, const char *password);

#endif
