/*
 * test_webauth: basic-auth checks (src/http/auth.c) against hashes libcrypt makes here:
 * right and wrong passwords for $2a$, $2b$ and $2y$ hashes; every refusal (wrong
 * password, unknown user, missing credentials, a NUL inside the name or password) doing
 * the same bcrypt runs at the same costs whatever costs the users' hashes have; the
 * decoding of the Authorization header; the cache of successes (a hit runs no bcrypt;
 * it stays bounded and keeps working when full).
 */
#include <crypt.h>
#include <errno.h>
#include <stdbool.h>
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

/* Credentials from C strings (NULL user: none). */
static const struct web_cred *cred(const char *user, const char *password)
{
	static struct web_cred c;
	if (!user)
		return NULL;
	c = (struct web_cred){ user, strlen(user), password, strlen(password) };
	return &c;
}

/* Whether user/password pass. */
static bool check(struct web_auth *a, const char *user, const char *password)
{
	return web_auth_check(a, cred(user, password));
}

/* The bcrypt runs at each cost since the snapshot `before`, into `delta`; `before` is
 * updated to now. */
static void runs_by_cost(struct web_auth *a, unsigned long long before[AUTH_COST_MAX + 1],
			 unsigned long long delta[AUTH_COST_MAX + 1])
{
	for (int c = 0; c <= AUTH_COST_MAX; c++) {
		unsigned long long now = atomic_load(&a->runs_at_cost[c]);
		delta[c] = now - before[c];
		before[c] = now;
	}
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
	CHECK_INT(a.ncosts, 2); /* one dummy per cost in use */
	CHECK(strncmp(a.dummy[0], "$2b$04$", 7) == 0);
	CHECK(strncmp(a.dummy[1], "$2b$05$", 7) == 0);
	CHECK_INT(runs(&a), 0);
	CHECK(check(&a, "alice", "wonderland"));
	CHECK(check(&a, "bob", "builder"));
	CHECK(check(&a, "carol", "c:ol\xc3\xa9"));
	CHECK_INT(runs(&a), 6); /* a run per cost, the checks that pass too */
	/* cached: no more bcrypt runs */
	CHECK(check(&a, "alice", "wonderland"));
	CHECK(check(&a, "bob", "builder"));
	CHECK_INT(runs(&a), 6);
	/* each refusal pays a run per cost, whatever its cause */
	static const char *const bad[][2] = {
	    {"alice", "Wonderland"}, {"alice", ""},
	    {"bob", "wonderland"},   {"mallory", "x"},
	    {"Alice", "wonderland"}, {"", ""},
	    {"alic", "wonderland"},  {"alicee", "wonderland"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long long before = runs(&a);
		CHECK(!check(&a, bad[i][0], bad[i][1]));
		CHECK_INT(runs(&a) - before, 2);
	}
	unsigned long long before = runs(&a);
	CHECK(!check(&a, NULL, NULL));
	CHECK_INT(runs(&a) - before, 2);
	web_auth_fini(&a);
}

static void test_same_work_whatever_the_costs(void)
{
	/* users at costs 4 and 6: a refusal must not tell them from each other or from an
	 * unknown name by the bcrypt work it does (a run at 4 and a run at 6, every time) */
	struct web_user users[3] = {
	    {"alice", hash_of("$2y$", 4, "alicepw", 0)},
	    {"bob", hash_of("$2y$", 6, "bobpw", 1)},
	    {"carol", hash_of("$2b$", 4, "carolpw", 2)},
	};
	struct web_config cfg = {.users = users, .nusers = 3};
	struct web_auth a;
	CHECK_INT(web_auth_init(&a, &cfg), 0);
	unsigned long long at[AUTH_COST_MAX + 1] = {0}, delta[AUTH_COST_MAX + 1];
	runs_by_cost(&a, at, delta);
	static const struct {
		const char *user;
		size_t ulen;
		const char *password;
		size_t plen;
	} refusals[] = {
	    {"alice", 5, "nope", 4},           /* known, cost 4, wrong password */
	    {"bob", 3, "nope", 4},             /* known, cost 6 */
	    {"carol", 5, "alicepw", 7},        /* another user's password */
	    {"mallory", 7, "nope", 4},         /* unknown */
	    {"", 0, "", 0},                    /* empty */
	    {"alice", 5, "alicepw\0extra", 13}, /* the password, then a NUL and more */
	    {"bob", 3, "bobpw\0", 6},          /* the password and a NUL */
	    {"alice\0x", 7, "alicepw", 7},     /* the name, then a NUL and more */
	};
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct web_cred c = {refusals[i].user, refusals[i].ulen, refusals[i].password,
				     refusals[i].plen};
		CHECK(!web_auth_check(&a, &c));
		runs_by_cost(&a, at, delta);
		for (int cost = 0; cost <= AUTH_COST_MAX; cost++)
			if (delta[cost] != (cost == 4 || cost == 6)) {
				fprintf(stderr, "refusal %zu: %llu runs at cost %d\n", i,
					delta[cost], cost);
				CHECK(0);
			}
	}
	CHECK(!web_auth_check(&a, NULL));
	runs_by_cost(&a, at, delta);
	CHECK(delta[4] == 1 && delta[6] == 1);
	/* and the right passwords still pass, with the same work */
	CHECK(check(&a, "alice", "alicepw"));
	runs_by_cost(&a, at, delta);
	CHECK(delta[4] == 1 && delta[6] == 1);
	CHECK(check(&a, "bob", "bobpw"));
	runs_by_cost(&a, at, delta);
	CHECK(delta[4] == 1 && delta[6] == 1);
	web_auth_fini(&a);
}

static void test_decode(void)
{
	char buf[64];
	struct web_cred c;
	/* "alice:pw:x" */
	CHECK_INT(web_auth_decode("Basic YWxpY2U6cHc6eA==", 22, buf, sizeof(buf), &c), 0);
	CHECK(c.ulen == 5 && memcmp(c.user, "alice", 5) == 0 && c.user[5] == '\0');
	CHECK(c.plen == 4 && memcmp(c.password, "pw:x", 4) == 0 && c.password[4] == '\0');
	/* the scheme in any case; "alicepw\0anything" for user "u" keeps its length */
	const char *nul = "bAsIc dTphbGljZXB3AGFueXRoaW5n";
	CHECK_INT(web_auth_decode(nul, strlen(nul), buf, sizeof(buf), &c), 0);
	CHECK(c.ulen == 1 && c.plen == 16 && memcmp(c.password, "alicepw\0anything", 16) == 0);
	/* ":" alone: empty name and password; padding of one and two characters */
	CHECK_INT(web_auth_decode("Basic Og==", 10, buf, sizeof(buf), &c), 0);
	CHECK(c.ulen == 0 && c.plen == 0);
	CHECK_INT(web_auth_decode("Basic YTpi", 10, buf, sizeof(buf), &c), 0); /* "a:b" */
	CHECK(c.ulen == 1 && c.plen == 1 && c.password[0] == 'b');
	CHECK_INT(web_auth_decode("Basic YTpiYw==", 14, buf, sizeof(buf), &c), 0); /* "a:bc" */
	CHECK(c.plen == 2);
	CHECK_INT(web_auth_decode("Basic YTpiY2Q=", 14, buf, sizeof(buf), &c), 0); /* "a:bcd" */
	CHECK(c.plen == 3);
	static const char *const bad[] = {
	    "",
	    "Basic",
	    "Basic ",              /* nothing: no ':' */
	    "Bearer YTpi",
	    "BasicYTpi",
	    "Basic  YTpi",         /* two spaces */
	    "Basic YTpi ",         /* trailing space */
	    "Basic YWxpY2U=",      /* "alice": no ':' */
	    "Basic YTp",           /* not a multiple of 4 */
	    "Basic YT=i",          /* '=' inside */
	    "Basic Y===",
	    "Basic YTpi====",
	    "Basic YTpi!!!!",
	    "Basic YTp\x00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = i == sizeof(bad) / sizeof(bad[0]) - 1 ? 10 : strlen(bad[i]);
		int r = web_auth_decode(bad[i], len, buf, sizeof(buf), &c);
		if (r != -EINVAL)
			fprintf(stderr, "bad header %zu (%s): %d\n", i, bad[i], r);
		CHECK_INT(r, -EINVAL);
	}
	/* bounded by the buffer, its NUL included: "a:bcd" is 5 bytes */
	CHECK_INT(web_auth_decode("Basic YTpiY2Q=", 14, buf, 6, &c), 0);
	CHECK_INT(web_auth_decode("Basic YTpiY2Q=", 14, buf, 5, &c), -E2BIG);
	CHECK_INT(web_auth_decode("Basic YTpiY2Q=", 14, buf, 0, &c), -E2BIG);
}

static void test_cache_bounded(void)
{
	struct web_user users[1] = {{"u", hash_of("$2b$", 4, "pw", 0)}};
	struct web_config cfg = {.users = users, .nusers = 1};
	struct web_auth a;
	CHECK_INT(web_auth_init(&a, &cfg), 0);
	CHECK(check(&a, "u", "pw"));
	/* failures are never cached: many of them leave the cached success in place */
	for (int i = 0; i < 3 * AUTH_CACHE_SLOTS; i++) {
		char pw[32];
		snprintf(pw, sizeof(pw), "wrong%d", i);
		CHECK(!check(&a, "u", pw));
	}
	unsigned long long before = runs(&a);
	CHECK(check(&a, "u", "pw"));
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
		CHECK(check(&a, names[i], "pw"));
	unsigned long long before = runs(&a);
	CHECK(check(&a, names[N - 1], "pw")); /* still cached */
	CHECK_INT(runs(&a) - before, 0);
	CHECK(check(&a, names[0], "pw")); /* evicted */
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
	RUN(test_same_work_whatever_the_costs);
	RUN(test_decode);
	RUN(test_cache_bounded);
	RUN(test_cache_wraps);
	RUN(test_no_users);
	return T_DONE("test_webauth");
}
