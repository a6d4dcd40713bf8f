/*
 * test_pidstat: the /proc/<pid>/stat parser behind the processes collector and plumb's
 * process_* series, on this process's own stat, on odd command names, and on cut,
 * garbled and out-of-range lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/pidstat.h"
#include "lib/procfile.h"
#include "t.h"

/* A kernel's stat line for a task named comm in state st with n threads: the 41 numbers
 * procfs requires and a few more, with utime 5, stime 7, starttime 250, vsize 4096 and
 * rss 3. */
static void stat_line(char *buf, size_t cap, const char *comm, const char *st, int n)
{
	snprintf(buf, cap,
		 "1 (%s) %s 0 1 1 0 -1 4194560 9061 9416027 94 2620 5 7 54406 13885 20 0 %d 0 250 "
		 "4096 3 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 0 "
		 "0 19 0 0 0 0 0 0 0 0 0 0\n",
		 comm, st, n);
}

/* Command names may hold spaces, parentheses and newlines: fields count from the last
 * ')'. The kept fields land where they belong; num_threads may be negative. */
static void fields(void)
{
	static const char *const names[] = { "x", "we(ird) )", "a) (b", ")", "x\ny", "" };
	char line[512];
	struct pidstat st;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		stat_line(line, sizeof(line), names[i], "D", 7);
		CHECK_INT(pidstat_parse(line, strlen(line), &st), 0);
		CHECK(span_eq(st.state, "D"));
		CHECK_INT(st.num_threads, 7);
		CHECK_INT(st.utime, 5);
		CHECK_INT(st.stime, 7);
		CHECK_INT(st.starttime, 250);
		CHECK_INT(st.vsize, 4096);
		CHECK_INT(st.rss, 3);
	}
	stat_line(line, sizeof(line), "x", "S", -2);
	CHECK_INT(pidstat_parse(line, strlen(line), &st), 0);
	CHECK_INT(st.num_threads, -2);
}

/* This process's own stat parses, and its start time is not in the future. */
static void own_stat(void)
{
	char buf[4096];
	size_t len = 0;
	struct pidstat st;
	CHECK_INT(read_file_at(NULL, "/proc/self/stat", buf, sizeof(buf), &len), 0);
	CHECK_INT(pidstat_parse(buf, len, &st), 0);
	CHECK(span_eq(st.state, "R"));
	CHECK(st.num_threads >= 1);
	CHECK(st.vsize > 0 && st.rss > 0);
}

/* Missing fields, a sign on an unsigned field, garbage and overflow are refused, and
 * leave *out as it was. */
static void malformed(void)
{
	char line[512];
	struct pidstat st = { .rss = 42 };
	static const char *const bad[] = {
		"", "1 x S 0", "1 (x", "1 x) S", ")(", "1 (x)", "1 (x) ", "1 (x) S",
		/* 22 numbers: enough for process_* but not the 41 procfs requires */
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 7 0 0 20 0 1 0 250 4096 3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(pidstat_parse(bad[i], strlen(bad[i]), &st), -EINVAL);
	CHECK_INT(st.rss, 42);
	/* each of these edits one number of a good line */
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ " 4194560 ", " -4194560 " },             /* flags is unsigned */
		{ " 5 7 ", " -5 7 " },                     /* utime is unsigned */
		{ " 250 ", " 25x0 " },                     /* not a number */
		{ " 4096 3 ", " 4096 3x " },               /* rss */
		{ " 9061 ", " 99999999999999999999 " },    /* past 64 bits */
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char good[512], *at;
		stat_line(good, sizeof(good), "x", "S", 1);
		at = strstr(good, edits[i].from);
		CHECK(at != NULL);
		if (!at)
			continue;
		snprintf(line, sizeof(line), "%.*s%s%s", (int)(at - good), good, edits[i].to,
			 at + strlen(edits[i].from));
		CHECK_INT(pidstat_parse(line, strlen(line), &st), -EINVAL);
	}
}

int main(void)
{
	RUN(fields);
	RUN(own_stat);
	RUN(malformed);
	return T_DONE("test_pidstat");
}
