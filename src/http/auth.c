/*
 * auth: basic authentication with bcrypt through libcrypt. See auth.h.
 */
#include "http/auth.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* Compare a[0..n) and b[0..n) in time that depends on n only. */
static bool ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

/* The cost field of a bcrypt hash ("$2b$10$..." -> 10); the hashes were checked when
 * the config was parsed. */
static int bcrypt_cost(const char *hash)
{
	return (hash[4] - '0') * 10 + (hash[5] - '0');
}

/* Run bcrypt over password with the salt and cost of hash, and compare the result with
 * hash in constant time. A failure of libcrypt (a password over its length limit) is a
 * mismatch. Allocates libcrypt's 32 KiB work area (connection threads have small
 * stacks). */
static bool bcrypt_matches(struct web_auth *a, const char *password, const char *hash)
{
	bool ok = false;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	atomic_fetch_add(&a->bcrypt_runs, 1);
	const char *out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	size_t n = strlen(hash);
	if (out && out[0] != '*' && strlen(out) == n)
		ok = ct_equal(out, hash, n);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

int web_auth_init(struct web_auth *a, const struct web_config *cfg)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	int r = 0;
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	a->users = cfg->users;
	a->nusers = cfg->nusers;
	if (!a->nusers)
		return 0;
	int cost = 4;
	for (size_t i = 0; i < a->nusers; i++)
		if (bcrypt_cost(a->users[i].hash) > cost)
			cost = bcrypt_cost(a->users[i].hash);
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, sizeof(salt))) {
		r = -EIO;
		goto out_free;
	}
	const char *out = crypt_rn("plumb: no such user", salt, cd, (int)sizeof(*cd));
	if (!out || out[0] == '*' || strlen(out) >= sizeof(a->dummy)) {
		r = -EIO;
		goto out_free;
	}
	memcpy(a->dummy, out, strlen(out) + 1);
out_free:
	free(cd);
	if (r < 0)
		plog(LOG_ERROR, "libcrypt cannot make a bcrypt hash", PLOG_END);
	return r;
}

void web_auth_fini(struct web_auth *a)
{
	pthread_mutex_destroy(&a->mu);
	explicit_bzero(a->cache, sizeof(a->cache));
}

/* SHA-256 of user, hash and password, NUL-separated, into key. 0 or -EIO. */
static int cache_key(const char *user, const char *hash, const char *password, uint8_t key[32])
{
	gnutls_hash_hd_t h;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -EIO;
	gnutls_hash(h, user, strlen(user) + 1);
	gnutls_hash(h, hash, strlen(hash) + 1);
	gnutls_hash(h, password, strlen(password));
	gnutls_hash_deinit(h, key);
	return 0;
}

/* Whether key is in the cache; every slot is compared, in constant time. */
static bool cache_has(struct web_auth *a, const uint8_t key[32])
{
	bool hit = false;
	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
		hit |= a->cache_used[i] & ct_equal(a->cache[i], key, 32);
	pthread_mutex_unlock(&a->mu);
	return hit;
}

/* Copy key into the next cache slot, round robin (the oldest is overwritten), under
 * a->mu. */
static void cache_add(struct web_auth *a, const uint8_t key[32])
{
	pthread_mutex_lock(&a->mu);
	memcpy(a->cache[a->cache_next], key, 32);
	a->cache_used[a->cache_next] = true;
	a->cache_next = (a->cache_next + 1) % AUTH_CACHE_SLOTS;
	pthread_mutex_unlock(&a->mu);
}

bool web_auth_check(struct web_auth *a, const char *user, const char *password)
{
	const char *hash = a->dummy;
	bool known = false;
	if (!user || !password) {
		user = "";
		password = "";
	}
	/* look at every user, so the time does not depend on where a name is */
	size_t ulen = strlen(user);
	for (size_t i = 0; i < a->nusers; i++) {
		const char *name = a->users[i].name;
		bool eq = strlen(name) == ulen && ct_equal(name, user, ulen);
		if (eq && !known) {
			hash = a->users[i].hash;
			known = true;
		}
	}
	uint8_t key[32];
	bool keyed = cache_key(user, hash, password, key) == 0;
	bool ok = keyed && cache_has(a, key) && known; /* the lookup whether known or not */
	if (!ok) {
		ok = bcrypt_matches(a, password, hash) && known;
		if (ok && keyed)
			cache_add(a, key);
	}
	explicit_bzero(key, sizeof(key)); /* on every path, a cache hit's too */
	return ok;
}
