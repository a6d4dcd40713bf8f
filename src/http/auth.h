/*
 * auth: HTTP basic authentication against the bcrypt hashes of basic_auth_users.
 *
 * Hashes are checked with libcrypt (libxcrypt's bcrypt). The answer must not tell an
 * attacker which user names exist, whatever costs the configured hashes have: every
 * check that misses the cache runs bcrypt once at each distinct cost the config uses,
 * against the named user's hash at its own cost and against dummy hashes (made at
 * start-up, one per cost) at the others, so a known user with a wrong password, an
 * unknown user and missing credentials all cost the same runs. Secrets are compared in
 * constant time and over their whole length (a password with a NUL byte in it matches
 * nothing). Because bcrypt costs tens of milliseconds, successful checks are remembered
 * in a small fixed cache keyed by a SHA-256 of user, hash and password (a scraper sends
 * the same credentials every time), so only failures and new credentials pay for bcrypt.
 */
#ifndef PLUMB_AUTH_H
#define PLUMB_AUTH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/webconfig.h"

#define AUTH_CACHE_SLOTS 64
#define AUTH_HASH_MAX 64   /* a bcrypt hash is 60 characters */
#define AUTH_COST_MAX 31   /* bcrypt's costs are 4 to 31 */
#define AUTH_CRED_MAX 1024 /* longest "user:password" decoded; longer is refused */

/* Credentials from an Authorization header: spans into the caller's buffer, each also
 * followed by a NUL (which may not be the first NUL: lengths are what count). */
struct web_cred {
	const char *user;
	size_t ulen;
	const char *password;
	size_t plen;
};

struct web_auth {
	const struct web_user *users; /* borrowed from the web config */
	size_t nusers;
	/* the distinct costs of the users' hashes, ascending, and a dummy hash for each */
	int costs[AUTH_COST_MAX + 1];
	char dummy[AUTH_COST_MAX + 1][AUTH_HASH_MAX];
	size_t ncosts;
	pthread_mutex_t mu;	   /* guards the cache */
	uint8_t cache[AUTH_CACHE_SLOTS][32];
	bool cache_used[AUTH_CACHE_SLOTS];
	unsigned cache_next;	   /* the slot to replace next */
	atomic_ullong bcrypt_runs; /* bcrypt computations, for plumb_http_bcrypt_runs_total */
	atomic_ullong runs_at_cost[AUTH_COST_MAX + 1]; /* the same by cost, for tests */
};

/* Set a up for cfg's users (cfg must outlive a). With users, makes one dummy hash per
 * distinct cost (one bcrypt run at each). Returns 0, -EIO when libcrypt cannot make a
 * hash, or -errno. */
int web_auth_init(struct web_auth *a, const struct web_config *cfg);
void web_auth_fini(struct web_auth *a);

/* Decode the value[0..len) of an Authorization header: "Basic" (in any case), one
 * space, then standard base64, with padding, of "user:password" (the user ends at the
 * first ':'). The decoded bytes go to buf[cap], which *cred then points into; the
 * caller clears buf when done. Returns 0, -EINVAL when value is not basic-auth
 * credentials, or -E2BIG when they do not fit in buf. */
int web_auth_decode(const char *value, size_t len, char *buf, size_t cap, struct web_cred *cred);

/* Whether cred (NULL: no credentials) matches a configured user, name and password
 * compared over their whole length. Thread-safe; a check that misses the cache runs
 * bcrypt once per distinct cost, whatever the outcome. */
bool web_auth_check(struct web_auth *a, const struct web_cred *cred);

#endif
