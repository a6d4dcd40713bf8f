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
#include <strings.h>

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

/* Run bcrypt over password (NUL-terminated) with the salt and cost of hash, and compare
 * the result with hash in constant time. A failure of libcrypt (a password over its
 * length limit) is a mismatch. Allocates libcrypt's 32 KiB work area (connection
 * threads have small stacks). */
static bool bcrypt_matches(struct web_auth *a, const char *password, const char *hash)
{
	bool ok = false;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	atomic_fetch_add(&a->bcrypt_runs, 1);
	atomic_fetch_add(&a->runs_at_cost[bcrypt_cost(hash)], 1);
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
	bool used[AUTH_COST_MAX + 1] = { false };
	int r = 0;
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	a->users = cfg->users;
	a->nusers = cfg->nusers;
	if (!a->nusers)
		return 0;
	for (size_t i = 0; i < a->nusers; i++) {
		int cost = bcrypt_cost(a->users[i].hash);
		if (cost < 4 || cost > AUTH_COST_MAX)
			return -EINVAL; /* webconfig lets none through */
		used[cost] = true;
	}
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	for (int cost = 4; cost <= AUTH_COST_MAX; cost++) {
		if (!used[cost])
			continue;
		if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, sizeof(salt))) {
			r = -EIO;
			goto out_free;
		}
		const char *out = crypt_rn("plumb: no such user", salt, cd, (int)sizeof(*cd));
		if (!out || out[0] == '*' || strlen(out) >= AUTH_HASH_MAX) {
			r = -EIO;
			goto out_free;
		}
		memcpy(a->dummy[a->ncosts], out, strlen(out) + 1);
		a->costs[a->ncosts++] = cost;
	}
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

/* The value of base64 digit c, or -1. */
static int b64_digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode standard base64 with padding, in[0..len), into out[cap]; *outlen gets the
 * number of bytes. Returns 0, -EINVAL (not such base64) or -E2BIG (out is too small). */
static int b64_decode(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;
	if (len % 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		size_t pad = 0;
		for (size_t j = 0; j < 4; j++) {
			int d = b64_digit(in[i + j]);
			/* '=' only as the last one or two characters */
			if (in[i + j] == '=' && i + 4 == len && j >= 2)
				pad++, d = 0;
			else if (d < 0 || pad)
				return -EINVAL;
			w = w << 6 | (uint32_t)d;
		}
		if (cap - n < 3 - pad)
			return -E2BIG;
		out[n++] = (char)(w >> 16);
		if (pad < 2)
			out[n++] = (char)(w >> 8 & 0xff);
		if (pad < 1)
			out[n++] = (char)(w & 0xff);
	}
	*outlen = n;
	return 0;
}

int web_auth_decode(const char *value, size_t len, char *buf, size_t cap, struct web_cred *cred)
{
	size_t n;
	if (len < 6 || strncasecmp(value, "basic ", 6) != 0)
		return -EINVAL;
	if (cap == 0)
		return -E2BIG;
	int r = b64_decode(value + 6, len - 6, buf, cap - 1, &n);
	if (r < 0)
		return r;
	buf[n] = '\0';
	char *colon = memchr(buf, ':', n);
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	cred->user = buf;
	cred->ulen = (size_t)(colon - buf);
	cred->password = colon + 1;
	cred->plen = n - cred->ulen - 1;
	return 0;
}

/* SHA-256 of the user's name (its length first), hash and password into key. 0 or
 * -EIO. */
static int cache_key(const struct web_cred *cred, const char *hash, uint8_t key[32])
{
	gnutls_hash_hd_t h;
	uint64_t ulen = cred->ulen;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -EIO;
	gnutls_hash(h, &ulen, sizeof(ulen));
	gnutls_hash(h, cred->user, cred->ulen);
	gnutls_hash(h, hash, strlen(hash) + 1);
	gnutls_hash(h, cred->password, cred->plen);
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

bool web_auth_check(struct web_auth *a, const struct web_cred *cred)
{
	static const struct web_cred none = { "", 0, "", 0 };
	const char *hash = "";
	bool known = false;
	if (!cred)
		cred = &none;
	/* look at every user, so the time does not depend on where a name is */
	for (size_t i = 0; i < a->nusers; i++) {
		const char *name = a->users[i].name;
		bool eq = strlen(name) == cred->ulen && ct_equal(name, cred->user, cred->ulen);
		if (eq && !known) {
			hash = a->users[i].hash;
			known = true;
		}
	}
	/* bcrypt reads the password up to its first NUL, so one with a NUL in it would
	 * match the password before it: it matches nothing, after the same work */
	bool whole = !memchr(cred->password, '\0', cred->plen);
	uint8_t key[32];
	bool keyed = cache_key(cred, hash, key) == 0;
	bool ok = keyed && cache_has(a, key) && known; /* the lookup whether known or not */
	if (!ok) {
		/* one run per cost in use: the user's own hash at its cost, dummies at the
		 * others, so every refusal does the same work whoever it names */
		int cost = known ? bcrypt_cost(hash) : 0;
		bool match = false;
		for (size_t i = 0; i < a->ncosts; i++) {
			bool own = a->costs[i] == cost;
			match |= bcrypt_matches(a, cred->password, own ? hash : a->dummy[i]) & own;
		}
		ok = match && known && whole;
		if (ok && keyed)
			cache_add(a, key);
	}
	explicit_bzero(key, sizeof(key)); /* on every path, a cache hit's too */
	return ok;
}
