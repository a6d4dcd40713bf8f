/*
 * test_webauth: basic-auth checks (src/http/auth.c) against hashes libcrypt makes here:
 * right and wrong passwords for $2a$, $2b$ and $2y$ hashes, unknown users and missing
 * credentials paying one bcrypt run like a wrong password, the cache of successes
 * (a hit runs no bcrypt; it stays bounded and keeps working when full).
 */
#include <crypt.h>
#include <stdio.h>

#include "http/auth.h"
#include "t.h"

/* A bcrypt hash of password with prefix ("$2b$" ...) and cost, in a static buffer per
 * slot. */
static char *hash_of(const char *prefix, unsigned long cost, const char *password, int slot)
{
	static char out[4][128];
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	memset(&cd, 0, sizeof(cd));
	if (!crypt_gensalt_rn(prefix, cost, NULL, 0, salt, sizeof(salt)))
		return NULL;
	const char *h = crypt_rn(password, salt, &cd, sizeof(cd));
	if (!h || h[0] == '*')
		return NULL;
	snprintf(out[slot], sizeof(out[slot]), "%s", h);
	return out[slot];
}

static unsigned long long runs(struct web_auth *a)
{
	return atomic_load(&a->bcrypt_runs);
}

static void test_check(void)
{
	struct web_user users[3] = {
	    {"alice", hash_of("$2a$", 4, "wonderland", 0)},
	    {"bob", hash_of("$2b$", 5, "builder", 1)},
	    {"carol", hash_of("$2y$", 4, "c:ol\xc3\xa9", 2)},
	};
	for (int i = 0; i < 3; i++)
		CHECK(users[i].hash != NULL);
	struct web_config cfg = {.users = users, .nusers = 3};
	struct web_auth a;
	CHECK_INT(web_auth_init(&a, &cfg), 0);
	CHECK(strncmp(a.dummy, "$2b$05$", 7) == 0); /* the highest cost in use */
	CHECK_INT(runs(&a), 0);
	CHECK(web_auth_check(&a, "alice", "wonderland"));
	CHECK(web_auth_check(&a, "bob", "builder"));
	CHECK(web_auth_check(&a, "carol", "c:ol\xc3\xa9"));
	CHECK_INT(runs(&a), 3);
	/* cached: no more bcrypt runs */
	CHECK(web_auth_check(&a, "alice", "wonderland"));
	CHECK(web_auth_check(&a, "bob", "builder"));
	CHECK_INT(runs(&a), 3);
	/* each refusal pays one run, whatever its cause */
	static const char *const bad[][2] = {
	    {"alice", "Wonderland"}, {"alice", ""},
	    {"bob", "wonderland"},   {"mallory", "x"},
	    {"Alice", "wonderland"}, {"", ""},
	    {"alic", "wonderland"},  {"alicee", "wonderland"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long long before = runs(&a);
		CHECK(!web_auth_check(&a, bad[i][0], bad[i][1]));
		CHECK_INT(runs(&a) - before, 1);
	}
	unsigned long long before = runs(&a);
	CHECK(!web_auth_check(&a, NULL, NULL));
	CHECK_INT(runs(&a) - before, 1);
	web_auth_fini(&a);
}

static void test_cache_bounded(void)
{
	struct web_user users[1] = {{"u", hash_of("$2b$", 4, "pw", 0)}};
	struct web_config cfg = {.users = users, .nusers = 1};
	struct web_auth a;
	CHECK_INT(web_auth_init(&a, &cfg), 0);
	CHECK(web_auth_check(&a, "u", "pw"));
	/* failures are never cached: many of them leave the cached success in place */
	for (int i = 0; i < 3 * AUTH_CACHE_SLOTS; i++) {
		char pw[32];
		snprintf(pw, sizeof(pw), "wrong%d", i);
		CHECK(!web_auth_check(&a, "u", pw));
	}
	unsigned long long before = runs(&a);
	CHECK(web_auth_check(&a, "u", "pw"));
	CHECK_INT(runs(&a) - before, 0);
	web_auth_fini(&a);
}

static void test_cache_wraps(void)
{
	/* AUTH_CACHE_SLOTS + 1 users, each checked once: the first entry is replaced, so
	 * its next check runs bcrypt again, and still succeeds */
	enum { N = AUTH_CACHE_SLOTS + 1 };
	static struct web_user users[N];
	static char names[N][16];
	const char *h = hash_of("$2b$", 4, "pw", 3);
	CHECK(h != NULL);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "user%d", i);
		users[i] = (struct web_user){names[i], (char *)h};
	}
	struct web_config cfg = {.users = users, .nusers = N};
	struct web_auth a;
	CHECK_INT(web_auth_init(&a, &cfg), 0);
	for (int i = 0; i < N; i++)
		CHECK(web_auth_check(&a, names[i], "pw"));
	unsigned long long before = runs(&a);
	CHECK(web_auth_check(&a, names[N - 1], "pw")); /* still cached */
	CHECK_INT(runs(&a) - before, 0);
	CHECK(web_auth_check(&a, names[0], "pw")); /* evicted */
	CHECK_INT(runs(&a) - before, 1);
	web_auth_fini(&a);
}

static void test_no_users(void)
{
	struct web_config cfg = {0};
	struct web_auth a;
	CHECK_INT(web_auth_init(&a, &cfg), 0);
	CHECK_INT(a.nusers, 0);
	web_auth_fini(&a);
}

int main(void)
{
	RUN(test_check);
	RUN(test_cache_bounded);
	RUN(test_cache_wraps);
	RUN(test_no_users);
	return T_DONE("test_webauth");
}
