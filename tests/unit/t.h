/*
 * t.h: the unit-test harness. A test file defines test functions and lists them in
 * main() with RUN(); each check that fails prints file:line and the expression, and
 * the program prints "<name>: N passed, N failed" and exits 1 if anything failed.
 */
#ifndef PLUMB_T_H
#define PLUMB_T_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int t_checks_failed, t_tests_passed, t_tests_failed;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
			t_checks_failed++;                                                 \
		}                                                                          \
	} while (0)

#define CHECK_INT(a, b)                                                                    \
	do {                                                                               \
		long long t_a = (long long)(a), t_b = (long long)(b);                      \
		if (t_a != t_b) {                                                          \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__,  \
				#a, t_a, t_b);                                             \
			t_checks_failed++;                                                 \
		}                                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *t_a = (a), *t_b = (b);                                         \
		if (!t_a || strcmp(t_a, t_b) != 0) {                                       \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,       \
				__LINE__, #a, t_a ? t_a : "(null)", t_b);                  \
			t_checks_failed++;                                                 \
		}                                                                          \
	} while (0)

#define CHECK_DBL(a, b)                                                                    \
	do {                                                                               \
		double t_a = (a), t_b = (b);                                               \
		if (!(t_a == t_b || fabs(t_a - t_b) <= 1e-9 * fmax(fabs(t_a), fabs(t_b)))) {   \
			fprintf(stderr, "%s:%d: %s == %.17g, expected %.17g\n", __FILE__,         \
				__LINE__, #a, t_a, t_b);                                   \
			t_checks_failed++;                                                 \
		}                                                                          \
	} while (0)

/* CHECK_RESULT(r, ok): r is 0 when ok is true, an error (below 0) when it is false; for
 * tables of good and bad inputs. */
#define CHECK_RESULT(r, ok)                                                                \
	do {                                                                               \
		long long t_r = (long long)(r);                                            \
		if ((ok) ? t_r != 0 : t_r >= 0) {                                          \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s\n", __FILE__, __LINE__,   \
				#r, t_r, (ok) ? "0" : "an error (< 0)");                   \
			t_checks_failed++;                                                 \
		}                                                                          \
	} while (0)

#define RUN(fn)                                                                            \
	do {                                                                               \
		int t_before = t_checks_failed;                                            \
		fn();                                                                      \
		if (t_checks_failed == t_before) {                                         \
			t_tests_passed++;                                                  \
		} else {                                                                   \
			t_tests_failed++;                                                  \
			fprintf(stderr, "FAIL %s\n", #fn);                                 \
		}                                                                          \
	} while (0)

/* What a child of t_in_child returns when it cannot set its test up (not root, no such
 * namespace or filesystem here): the test is skipped, not failed. */
#define T_SKIP 77

/* Run fn in a forked child, so that the namespaces and mounts it makes stay there. fn
 * returns its failed checks (the child counts only its own), or T_SKIP; a skip prints
 * name and why, anything else but 0 fails a check here. */
static inline void t_in_child(int (*fn)(void), const char *name, const char *why)
{
	int st = -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		t_checks_failed = 0;
		_exit(fn());
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	if (WIFEXITED(st) && WEXITSTATUS(st) == T_SKIP)
		printf("  (skipped %s: %s)\n", name, why);
	else
		CHECK_INT(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

#define T_DONE(name)                                                                       \
	(printf("%s: %d passed, %d failed\n", (name), t_tests_passed, t_tests_failed),     \
	 t_tests_failed ? 1 : 0)

#endif
