/*
 * test_expo: the metric sink and the text / OpenMetrics writers.
 *
 * Checks grouping of samples by family, sorting, duplicate removal, type conflicts,
 * invalid names, escaping of hostile label values and HELP texts, number formatting,
 * the OpenMetrics differences, and that a warmed-up sink reuses its memory.
 */
#include <errno.h>

#include "expo/render.h"
#include "expo/sink.h"
#include "t.h"

static const struct metric_desc g = { "test_gauge", "A gauge.", METRIC_GAUGE };
static const struct metric_desc c = { "test_events_total", "Events.", METRIC_COUNTER };
static const struct metric_desc c2 = { "test_bytes", "Bytes \\ with\nnewline \"q\".",
				       METRIC_COUNTER };

static void render(struct metric_sink *s, enum expo_format f, struct buf *out)
{
	buf_reset(out);
	CHECK_INT(sink_finish(s), 0);
	CHECK_INT(render_sink(s, f, out), 0);
}

static void groups_and_sorts(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	sink_add(&s, &g, 2, LABELS(L("x", "b"), L("a", "z")));
	sink_add(&s, &c, 5, NULL, 0);
	sink_add(&s, &g, 1, LABELS(L("x", "a")));
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP test_events_total Events.\n"
			 "# TYPE test_events_total counter\n"
			 "test_events_total 5\n"
			 "# HELP test_gauge A gauge.\n"
			 "# TYPE test_gauge gauge\n"
			 "test_gauge{a=\"z\",x=\"b\"} 2\n"
			 "test_gauge{x=\"a\"} 1\n");
	sink_fini(&s);
	buf_fini(&out);
}

static void duplicates_and_conflicts_dropped(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	static const struct metric_desc clash = { "test_gauge", "x", METRIC_COUNTER };
	static const struct metric_desc badname = { "0bad-name", "x", METRIC_GAUGE };
	sink_init(&s);
	CHECK_INT(sink_add(&s, &g, 1, LABELS(L("x", "a"))), 0);
	CHECK_INT(sink_add(&s, &g, 2, LABELS(L("x", "a"))), 0);
	CHECK_INT(sink_add(&s, &clash, 3, NULL, 0), -EEXIST);
	CHECK_INT(sink_add(&s, &badname, 3, NULL, 0), -EINVAL);
	CHECK_INT(sink_add(&s, &g, 3, LABELS(L("bad-label", "v"))), -EINVAL);
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP test_gauge A gauge.\n# TYPE test_gauge gauge\ntest_gauge{x=\"a\"} 1\n");
	CHECK_INT(s.dropped, 4);
	sink_fini(&s);
	buf_fini(&out);
}

static void escaping(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	const char hostile[] = "a\"b\\c\nd\xff\xc3\xa9";
	sink_add(&s, &c2, 1, LABELS(((struct label){ "v", hostile, sizeof(hostile) - 1 })));
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP test_bytes Bytes \\\\ with\\nnewline \"q\".\n"
			 "# TYPE test_bytes counter\n"
			 "test_bytes{v=\"a\\\"b\\\\c\\nd\xEF\xBF\xBD\xc3\xa9\"} 1\n");
	render(&s, EXPO_OPENMETRICS, &out);
	CHECK_STR(out.p, "# HELP test_bytes Bytes \\\\ with\\nnewline \\\"q\\\".\n"
			 "# TYPE test_bytes counter\n"
			 "test_bytes_total{v=\"a\\\"b\\\\c\\nd\xEF\xBF\xBD\xc3\xa9\"} 1\n"
			 "# EOF\n");
	sink_fini(&s);
	buf_fini(&out);
}

/* Escaped and plain label values side by side in one line, with every value long
 * enough that the output buffer grows in the middle of the line. */
static void escaping_mixed_long(void)
{
	struct metric_sink s;
	struct buf out = { 0 }, want = { 0 };
	char esc[3000], plain[3000];
	memset(esc, 'e', sizeof(esc));
	memset(plain, 'p', sizeof(plain));
	esc[1500] = '\\';
	esc[2999] = '\xff';
	sink_init(&s);
	sink_add(&s, &c2, 0.5,
		 LABELS(((struct label){ "a", esc, sizeof(esc) }),
			((struct label){ "b", plain, sizeof(plain) }),
			((struct label){ "c", esc, sizeof(esc) })));
	render(&s, EXPO_TEXT, &out);
	buf_puts(&want, "# HELP test_bytes Bytes \\\\ with\\nnewline \"q\".\n"
			"# TYPE test_bytes counter\ntest_bytes{");
	for (int k = 0; k < 3; k++) {
		buf_puts(&want, k == 0 ? "a=\"" : k == 1 ? ",b=\"" : ",c=\"");
		if (k == 1) {
			buf_append(&want, plain, sizeof(plain));
		} else {
			buf_append(&want, esc, 1500);
			buf_puts(&want, "\\\\");
			buf_append(&want, esc + 1501, 1498);
			buf_puts(&want, "\xEF\xBF\xBD");
		}
		buf_putc(&want, '"');
	}
	buf_puts(&want, "} 0.5\n");
	CHECK_STR(out.p, want.p);
	sink_fini(&s);
	buf_fini(&out);
	buf_fini(&want);
}

static void nul_bytes_replaced(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	sink_add(&s, &g, 1, LABELS(((struct label){ "v", "a\0b", 3 })));
	render(&s, EXPO_TEXT, &out);
	CHECK_INT(out.len, strlen(out.p)); /* no NUL inside the exposition */
	CHECK(strstr(out.p, "test_gauge{v=\"a\xEF\xBF\xBD" "b\"} 1\n") != NULL);
	sink_fini(&s);
	buf_fini(&out);
}

static void openmetrics_counters_and_untyped(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	static const struct metric_desc u = { "test_u", "", METRIC_UNTYPED };
	sink_init(&s);
	sink_add(&s, &c, 7, NULL, 0);
	sink_add(&s, &u, 1, NULL, 0);
	render(&s, EXPO_OPENMETRICS, &out);
	CHECK_STR(out.p, "# HELP test_events Events.\n# TYPE test_events counter\n"
			 "test_events_total 7\n# HELP test_u \n# TYPE test_u unknown\ntest_u 1\n"
			 "# EOF\n");
	sink_fini(&s);
	buf_fini(&out);
}

static void histogram_parts_keep_order(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	static const struct metric_desc h = { "test_h", "H.", METRIC_HISTOGRAM };
	sink_init(&s);
	sink_add_part(&s, &h, SUFFIX_BUCKET, 1, LABELS(L("le", "5")));
	sink_add_part(&s, &h, SUFFIX_BUCKET, 2, LABELS(L("le", "+Inf")));
	sink_add_part(&s, &h, SUFFIX_SUM, 3.5, NULL, 0);
	sink_add_part(&s, &h, SUFFIX_COUNT, 2, NULL, 0);
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP test_h H.\n# TYPE test_h histogram\ntest_h_bucket{le=\"5\"} 1\n"
			 "test_h_bucket{le=\"+Inf\"} 2\ntest_h_sum 3.5\ntest_h_count 2\n");
	sink_fini(&s);
	buf_fini(&out);
}

static void views_are_separate(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(sink_add(&s, &g, 1, LABELS(L("id", "/a"), L("pod", "p"))), 0);
	CHECK_INT(sink_add_view(&s, VIEW_RESOURCE, &g, 2, LABELS(L("pod", "p"))), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_STR(out.p, "# HELP test_gauge A gauge.\n# TYPE test_gauge gauge\n"
			 "test_gauge{id=\"/a\",pod=\"p\"} 1\n");
	buf_reset(&out);
	CHECK_INT(render_sink_view(&s, VIEW_RESOURCE, EXPO_OPENMETRICS, &out), 0);
	CHECK_STR(out.p, "# HELP test_gauge A gauge.\n# TYPE test_gauge gauge\n"
			 "test_gauge{pod=\"p\"} 2\n# EOF\n");
	CHECK_INT(sink_add_view(&s, VIEW_COUNT, &g, 2, NULL, 0), -EINVAL);
	sink_fini(&s);
	buf_fini(&out);
}

static void numbers(void)
{
	struct buf b = { 0 };
	const double v[] = { 0, -0.0, 1, -1, 0.1, 1e-06, 1.8652166505091474e+06, 9007199254740993.0,
			     1e300, INFINITY, -INFINITY, NAN, 123456789012.0, 0.30000000000000004 };
	const char *want[] = { "0", "-0", "1", "-1", "0.1", "1e-06", "1865216.6505091474",
			       "9007199254740992", "1.0000000000000001e+300", "+Inf", "-Inf", "NaN",
			       "123456789012", "0.30000000000000004" };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_reset(&b);
		CHECK_INT(buf_put_double(&b, v[i]), 0);
		/* exact text where it is fixed; otherwise it must read back to the same value */
		if (strcmp(b.p, want[i]) != 0 && !(strtod(b.p, NULL) == v[i]))
			CHECK_STR(b.p, want[i]);
	}
	buf_fini(&b);
}

/* The text buf_put_double gave before its printf-free path: the shortest of %.15g,
 * %.16g and %.17g that reads back to v (non-integers only). */
static void reference_double(double v, char *out, size_t cap)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void numbers_match_printf(void)
{
	struct buf b = { 0 };
	char want[48];
	srand(11);
	for (int k = 0; k < 300000; k++) {
		double v;
		switch (k % 6) {
		case 0: /* microseconds as seconds, as cgroup and PSI counters are written */
			v = (double)((unsigned long long)rand() * (unsigned long long)rand() % 100000000000000ull) / 1e6;
			break;
		case 1: /* nanoseconds as seconds */
			v = (double)((unsigned long long)rand() * (unsigned long long)rand()) / 1e9;
			break;
		case 2: /* any bits in a wide range */
			v = ldexp((double)rand() / RAND_MAX + 0.5, rand() % 120 - 60);
			break;
		case 3: /* few digits, near the ends of the fixed-notation range */
			v = (double)(rand() % 100000) / (rand() % 2 ? 1e8 : 1e-9 * 1e19);
			break;
		case 4: /* a scrape's durations: whole nanoseconds as seconds, most below 1e-4 */
			v = (double)(rand() % 200000) / 1e9;
			break;
		default: /* any bits around the exponent notation's edges (1e-8, 1e-4) */
			v = ldexp((double)rand() / RAND_MAX + 0.5, rand() % 20 - 33);
			break;
		}
		if (rand() % 3 == 0)
			v = -v;
		if (v == floor(v))
			continue;
		reference_double(v, want, sizeof(want));
		buf_reset(&b);
		CHECK_INT(buf_put_double(&b, v), 0);
		if (strcmp(b.p, want) != 0) {
			CHECK_STR(b.p, want);
			break;
		}
	}
	buf_fini(&b);
}

/* Add round r's series: test_gauge{cpu="k"} in numeric order (not the sorted one) for
 * rounds 0 and 1, shuffled in 2, shorter in 3, with a label changed in 4, with a repeat
 * in 5; and a counter
 * family after it whose order never changes. */
static void add_round(struct metric_sink *s, int r)
{
	int n = r == 3 ? 17 : 24;
	for (int i = 0; i < n; i++) {
		int k = r == 2 ? (i * 7) % n : i; /* 7 and 24 share no factor: a shuffle */
		char v[16];
		snprintf(v, sizeof(v), r == 4 && k == 5 ? "x%d" : "%d", k);
		sink_add(s, &g, k, LABELS(L("cpu", v)));
		if (r == 5 && k == 9)
			sink_add(s, &g, 99, LABELS(L("cpu", v))); /* a repeat: the first stays */
	}
	sink_add(s, &c, 1, LABELS(L("a", "1")));
	sink_add(s, &c, 2, LABELS(L("a", "2")));
}

/* A sink remembers each family's order from the last collection and checks it instead
 * of sorting: whatever the next collection brings, the text is what a sink without
 * memory writes. */
static void kept_order_matches_a_fresh_sort(void)
{
	static const int rounds[] = { 0, 0, 2, 2, 0, 3, 3, 0, 4, 4, 0, 5, 5, 0 };
	struct metric_sink kept;
	struct buf got = { 0 }, want = { 0 };
	sink_init(&kept);
	for (size_t i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++) {
		struct metric_sink fresh;
		sink_init(&fresh);
		sink_reset(&kept);
		add_round(&kept, rounds[i]);
		add_round(&fresh, rounds[i]);
		render(&kept, EXPO_TEXT, &got);
		render(&fresh, EXPO_TEXT, &want);
		CHECK_STR(got.p, want.p);
		/* the gauge family (index 0) arrived out of order: its order is kept */
		CHECK(kept.perm_nfam == 2 && kept.perm_fam[kept.perm_cur][0].count >= 17);
		CHECK_INT(kept.perm_fam[kept.perm_cur][1].count, 0); /* arrived in order */
		/* a round like the one before is ordered from memory, not sorted */
		bool again = i > 0 && rounds[i] == rounds[i - 1];
		CHECK_INT(kept.perm_reused, again ? 1 : 0);
		sink_fini(&fresh);
	}
	sink_fini(&kept);
	buf_fini(&got);
	buf_fini(&want);
}

static void memory_is_reused(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	for (int round = 0; round < 3; round++) {
		sink_reset(&s);
		for (int i = 0; i < 500; i++) {
			char v[16];
			snprintf(v, sizeof(v), "%d", i);
			sink_add(&s, &g, i, LABELS(L("i", v)));
		}
		render(&s, EXPO_TEXT, &out);
		static void *strings, *series;
		if (round == 1) {
			strings = s.strings.p;
			series = s.series;
		} else if (round == 2) {
			CHECK(strings == s.strings.p);
			CHECK(series == s.series);
		}
	}
	CHECK_INT(s.nseries, 500);
	sink_fini(&s);
	buf_fini(&out);
}

static void series_limit(void)
{
	struct metric_sink s;
	sink_init(&s);
	s.max_series = 10;
	int refused = 0;
	for (int i = 0; i < 20; i++) {
		char v[16];
		snprintf(v, sizeof(v), "%d", i);
		if (sink_add(&s, &g, i, LABELS(L("i", v))) == -E2BIG)
			refused++;
	}
	CHECK_INT(refused, 10);
	CHECK_INT(s.nseries, 10);
	sink_fini(&s);
}

/* Families made while the sink is foreign: refused in plumb's families, invisible to
 * the readers' lookups, still written. */
static void foreign_families(void)
{
	static const struct metric_desc own = { "own_gauge", "plumb's", METRIC_GAUGE };
	static const struct metric_desc file = { "file_gauge", "a file's", METRIC_GAUGE };
	struct metric_sink s;
	struct buf out = { 0 };
	double v;
	sink_init(&s);
	CHECK_INT(sink_gauge(&s, &own, 1), 0);
	sink_foreign(&s, true);
	CHECK_INT(sink_gauge(&s, &own, 2), -EEXIST);
	CHECK_INT(sink_add(&s, &own, 2, LABELS(L("a", "b"))), -EEXIST);
	CHECK_INT(sink_gauge(&s, &file, 3), 0);
	CHECK_INT(sink_add(&s, &file, 4, LABELS(L("a", "b"))), 0);
	sink_foreign(&s, false);
	CHECK_INT(sink_find_family(&s, "file_gauge", 10), -ENOENT);
	CHECK_INT(sink_lookup(&s, VIEW_METRICS, "file_gauge", NULL, NULL, &v), -ENOENT);
	CHECK_INT(sink_find_clash(&s, "file_gauge", 10, METRIC_GAUGE), -ENOENT);
	CHECK(sink_find_family(&s, "own_gauge", 9) >= 0);
	CHECK_INT(sink_lookup(&s, VIEW_METRICS, "own_gauge", NULL, NULL, &v), 0);
	CHECK_DBL(v, 1);
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP file_gauge a file's\n# TYPE file_gauge gauge\nfile_gauge 3\n"
			 "file_gauge{a=\"b\"} 4\n# HELP own_gauge plumb's\n# TYPE own_gauge gauge\n"
			 "own_gauge 1\n");
	/* a reset forgets the mode */
	sink_foreign(&s, true);
	sink_reset(&s);
	CHECK_INT(sink_gauge(&s, &file, 1), 0);
	CHECK(sink_find_family(&s, "file_gauge", 10) >= 0);
	sink_fini(&s);
	buf_fini(&out);
}

/* A family is found by the position of its lookup in the last collection only when it
 * has the name and view asked for: names that change at a position (one buffer, a
 * prefix, the other view) go to their own families, and a type or foreign clash found
 * that way is still refused. */
static void families_found_by_position(void)
{
	static const struct metric_desc gauge = { "m", "m", METRIC_GAUGE };
	static const struct metric_desc counter = { "m", "m", METRIC_COUNTER };
	struct metric_sink s;
	struct buf out = { 0 };
	char name[16];
	struct metric_desc d = { name, "h", METRIC_GAUGE };
	sink_init(&s);
	for (int round = 0; round < 2; round++) {
		sink_reset(&s);
		CHECK_INT(sink_gauge(&s, &gauge, 1), 0);
		CHECK_INT(sink_gauge(&s, &gauge, 2), 0);
		CHECK_INT(sink_gauge(&s, &gauge, 3), 0);
		snprintf(name, sizeof(name), "%s", "abc_def");
		CHECK_INT(sink_gauge(&s, &d, 4), 0);
		snprintf(name, sizeof(name), "%s", "abc");
		CHECK_INT(sink_gauge(&s, &d, 5), 0);
		CHECK_INT(sink_gauge(&s, &gauge, 6), 0);
	}
	/* the same calls, with other names, views and types at each position */
	sink_reset(&s);
	CHECK_INT(sink_gauge(&s, &gauge, 1), 0);
	CHECK_INT(sink_add_view(&s, VIEW_RESOURCE, &gauge, 2, NULL, 0), 0);
	CHECK_INT(sink_gauge(&s, &counter, 3), -EEXIST);
	snprintf(name, sizeof(name), "%s", "abc");
	CHECK_INT(sink_gauge(&s, &d, 6), 0);
	snprintf(name, sizeof(name), "%s", "abc_def");
	CHECK_INT(sink_gauge(&s, &d, 7), 0);
	sink_foreign(&s, true);
	CHECK_INT(sink_gauge(&s, &gauge, 8), -EEXIST);
	sink_foreign(&s, false);
	CHECK(sink_find_family_view(&s, "m", 1, VIEW_RESOURCE) >= 0);
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP abc h\n# TYPE abc gauge\nabc 6\n"
			 "# HELP abc_def h\n# TYPE abc_def gauge\nabc_def 7\n"
			 "# HELP m m\n# TYPE m gauge\nm 1\n");
	sink_fini(&s);
	buf_fini(&out);
}

/* Samples with the labels of the one before share its copy of them: the strings grow by
 * one copy for a run of them, a sample with other labels or another set gets its own,
 * and a copy taken back with its series still serves the next one. */
static void consecutive_labels_share_a_copy(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	uint32_t ls, ls2;
	sink_init(&s);
	CHECK_INT(sink_add(&s, &c2, 0, NULL, 0), 0); /* the families, made before */
	CHECK_INT(sink_add(&s, &c, 0, NULL, 0), 0);
	CHECK_INT(sink_add(&s, &g, 1, LABELS(L("device", "eth0"))), 0);
	size_t one = s.strings.len;
	CHECK_INT(sink_add(&s, &c, 2, LABELS(L("device", "eth0"))), 0);
	CHECK_INT(sink_add(&s, &c2, 3, LABELS(L("device", "eth0"))), 0);
	CHECK_INT((int)(s.strings.len - one), 0);
	CHECK_INT(sink_add(&s, &g, 4, LABELS(L("device", "eth1"))), 0);
	CHECK(s.strings.len > one);
	/* taken back: its labels stay in strings and serve the sample after */
	uint32_t mark = sink_mark(&s);
	CHECK_INT(sink_add(&s, &c, 5, LABELS(L("device", "eth2"))), 0);
	sink_rollback(&s, mark);
	size_t before = s.strings.len;
	CHECK_INT(sink_add(&s, &c, 6, LABELS(L("device", "eth1"))), 0);
	CHECK_INT((int)(s.strings.len - before), 0);
	/* the same extra labels on two sets are two copies */
	CHECK_INT(sink_labelset(&s, LABELS(L("pod", "p")), &ls), 0);
	CHECK_INT(sink_labelset(&s, LABELS(L("pod", "q")), &ls2), 0);
	CHECK_INT(sink_add_ls(&s, &c2, 7, ls, LABELS(L("cpu", "0"))), 0);
	before = s.strings.len;
	CHECK_INT(sink_add_ls(&s, &c2, 8, ls2, LABELS(L("cpu", "0"))), 0);
	CHECK(s.strings.len > before);
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP test_bytes Bytes \\\\ with\\nnewline \"q\".\n"
			 "# TYPE test_bytes counter\n"
			 "test_bytes 0\n"
			 "test_bytes{cpu=\"0\",pod=\"p\"} 7\n"
			 "test_bytes{cpu=\"0\",pod=\"q\"} 8\n"
			 "test_bytes{device=\"eth0\"} 3\n"
			 "# HELP test_events_total Events.\n"
			 "# TYPE test_events_total counter\n"
			 "test_events_total 0\n"
			 "test_events_total{device=\"eth0\"} 2\n"
			 "test_events_total{device=\"eth1\"} 6\n"
			 "# HELP test_gauge A gauge.\n"
			 "# TYPE test_gauge gauge\n"
			 "test_gauge{device=\"eth0\"} 1\n"
			 "test_gauge{device=\"eth1\"} 4\n");
	sink_fini(&s);
	buf_fini(&out);
}

/* Room held back: later adds stop short of it, and giving it back lets them in. */
static void held_room(void)
{
	struct metric_sink s;
	sink_init(&s);
	s.max_series = 10;
	sink_hold(&s, 3, 0);
	int added = 0;
	for (int i = 0; i < 20; i++) {
		char v[16];
		snprintf(v, sizeof(v), "%d", i);
		added += sink_add(&s, &g, i, LABELS(L("i", v))) == 0;
	}
	CHECK_INT(added, 7);
	sink_hold(&s, 0, 0);
	CHECK_INT(sink_add(&s, &g, 1, LABELS(L("i", "x"))), 0);
	/* bytes: a hold of all but a little of the strings' limit refuses a long label */
	sink_reset(&s);
	s.max_series = 0;
	sink_hold(&s, 0, ((size_t)512 << 20) - 4096);
	static char longv[8192];
	memset(longv, 'x', sizeof(longv) - 1);
	CHECK_INT(sink_add(&s, &g, 1, LABELS(L("i", longv))), -E2BIG);
	CHECK_INT(sink_add(&s, &g, 1, LABELS(L("i", "short"))), 0);
	sink_reset(&s);
	CHECK_INT(sink_add(&s, &g, 1, LABELS(L("i", longv))), 0);
	sink_fini(&s);
}

/* Which pairs of families would show a name in common in text or OpenMetrics. */
static void name_clashes(void)
{
	static const struct {
		const char *a;
		enum metric_type at;
		const char *b;
		enum metric_type bt;
		bool clash;
	} cases[] = {
		{ "x", METRIC_GAUGE, "x", METRIC_COUNTER, true },
		{ "x", METRIC_SUMMARY, "x_sum", METRIC_GAUGE, true },
		{ "x", METRIC_SUMMARY, "x_count", METRIC_UNTYPED, true },
		{ "x", METRIC_SUMMARY, "x_bucket", METRIC_GAUGE, false },
		{ "x", METRIC_HISTOGRAM, "x_bucket", METRIC_GAUGE, true },
		{ "x", METRIC_HISTOGRAM, "x_sum", METRIC_SUMMARY, true },
		{ "x_total", METRIC_COUNTER, "x", METRIC_GAUGE, true },
		{ "x", METRIC_COUNTER, "x_total", METRIC_GAUGE, true },
		{ "x_total", METRIC_GAUGE, "x", METRIC_GAUGE, false },
		{ "x", METRIC_GAUGE, "x_sum", METRIC_GAUGE, false },
		{ "x_sum", METRIC_GAUGE, "x_count", METRIC_GAUGE, false },
		{ "x_total", METRIC_COUNTER, "x", METRIC_SUMMARY, true },
		{ "xy", METRIC_GAUGE, "x", METRIC_SUMMARY, false },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		bool ab = sink_names_clash(cases[i].a, strlen(cases[i].a), cases[i].at, cases[i].b, strlen(cases[i].b),
					   cases[i].bt);
		bool ba = sink_names_clash(cases[i].b, strlen(cases[i].b), cases[i].bt, cases[i].a, strlen(cases[i].a),
					   cases[i].at);
		/* and the lookup finds the same: b in the sink, a asked about */
		const struct metric_desc d = { cases[i].b, "h", cases[i].bt };
		sink_reset(&s);
		CHECK_INT(sink_gauge(&s, &d, 1), 0);
		int idx = sink_find_clash(&s, cases[i].a, strlen(cases[i].a), cases[i].at);
		if (ab != cases[i].clash || ba != cases[i].clash || (idx >= 0) != cases[i].clash)
			fprintf(stderr, "clash case %zu: %s/%d and %s/%d\n", i, cases[i].a, cases[i].at, cases[i].b,
				cases[i].bt);
		CHECK(ab == cases[i].clash && ba == cases[i].clash && (idx >= 0) == cases[i].clash);
	}
	sink_fini(&s);
}

static void labelset_render_exact(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	uint32_t ls, ls2;
	sink_init(&s);
	CHECK_INT(sink_labelset(&s, LABELS(L("pod", "p"), L("id", "/a\"b"), L("container", "")), &ls),
		  0);
	CHECK_INT(sink_labelset(&s, LABELS(L("pod", "q")), &ls2), 0);
	CHECK_INT(sink_add_ls(&s, &g, 1, ls, NULL, 0), 0);
	CHECK_INT(sink_add_ls(&s, &c, 2, ls, LABELS(L("cpu", "total"))), 0);
	CHECK_INT(sink_add_ls(&s, &c, 3, ls, LABELS(L("zz", "last"), L("a", "first"))), 0);
	CHECK_INT(sink_add_ls(&s, &c, 4, ls, LABELS(L("le", "1"))), 0);
	CHECK_INT(sink_add_ls(&s, &c, 5, ls2, LABELS(L("x", "a\nb"))), 0);
	CHECK_INT(sink_add_ls_view(&s, VIEW_RESOURCE, &g, 6, ls2, NULL, 0), 0);
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP test_events_total Events.\n"
			 "# TYPE test_events_total counter\n"
			 "test_events_total{a=\"first\",container=\"\",id=\"/a\\\"b\",pod=\"p\",zz=\"last\"} 3\n"
			 "test_events_total{container=\"\",cpu=\"total\",id=\"/a\\\"b\",pod=\"p\"} 2\n"
			 "test_events_total{container=\"\",id=\"/a\\\"b\",pod=\"p\",le=\"1\"} 4\n"
			 "test_events_total{pod=\"q\",x=\"a\\nb\"} 5\n"
			 "# HELP test_gauge A gauge.\n"
			 "# TYPE test_gauge gauge\n"
			 "test_gauge{container=\"\",id=\"/a\\\"b\",pod=\"p\"} 1\n");
	buf_reset(&out);
	CHECK_INT(render_sink_view(&s, VIEW_RESOURCE, EXPO_OPENMETRICS, &out), 0);
	CHECK_STR(out.p, "# HELP test_gauge A gauge.\n# TYPE test_gauge gauge\n"
			 "test_gauge{pod=\"q\"} 6\n# EOF\n");
	/* an empty set, with and without extras */
	sink_reset(&s);
	CHECK_INT(sink_labelset(&s, NULL, 0, &ls), 0);
	CHECK_INT(sink_add_ls(&s, &g, 1, ls, NULL, 0), 0);
	CHECK_INT(sink_add_ls(&s, &g, 2, ls, LABELS(L("x", "y"))), 0);
	render(&s, EXPO_TEXT, &out);
	CHECK_STR(out.p, "# HELP test_gauge A gauge.\n# TYPE test_gauge gauge\n"
			 "test_gauge 1\ntest_gauge{x=\"y\"} 2\n");
	sink_fini(&s);
	buf_fini(&out);
}

static void labelset_limits(void)
{
	struct metric_sink s;
	struct label many[SINK_MAX_LABELS + 1];
	char names[SINK_MAX_LABELS + 1][16];
	uint32_t ls, ls2;
	sink_init(&s);
	for (int i = 0; i <= SINK_MAX_LABELS; i++) {
		snprintf(names[i], sizeof(names[i]), "l%d", i);
		many[i] = L(names[i], "v");
	}
	CHECK_INT(sink_labelset(&s, many, SINK_MAX_LABELS + 1, &ls), -E2BIG);
	CHECK_INT(sink_labelset(&s, LABELS(L("bad-name", "v")), &ls), -EINVAL);
	CHECK_INT(sink_labelset(&s, many, SINK_MAX_LABELS, &ls), 0);
	CHECK_INT(sink_add_ls(&s, &g, 1, ls, LABELS(L("x", "y"))), -E2BIG);
	CHECK_INT(sink_labelset(&s, LABELS(L("id", "a")), &ls2), 0);
	CHECK_INT(sink_add_ls(&s, &g, 1, ls2, LABELS(L("id", "b"))), -EINVAL);
	CHECK_INT(sink_add_ls(&s, &g, 1, ls2, LABELS(L("bad-name", "b"))), -EINVAL);
	CHECK_INT(sink_add_ls(&s, &g, 1, ls2 + 1, NULL, 0), -EINVAL);
	CHECK_INT(sink_add_ls(&s, &g, 1, UINT32_MAX, NULL, 0), -EINVAL);
	CHECK_INT(s.dropped, 7);
	CHECK_INT(s.nseries, 0);
	/* the series limit bounds sets too */
	sink_reset(&s);
	s.max_series = 3;
	int refused = 0;
	for (int i = 0; i < 5; i++)
		refused += sink_labelset(&s, LABELS(L("i", "x")), &ls) == -E2BIG;
	CHECK_INT(refused, 2);
	sink_fini(&s);
}

/* A small deterministic generator for the equivalence test. */
static uint32_t rnd(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

/* Two sinks fed the same samples, one with all labels through sink_add and one through
 * label sets, and their renderings. */
struct twin {
	struct metric_sink plain, sets;
	struct buf a, b;
};

static void twin_init(struct twin *t)
{
	memset(t, 0, sizeof(*t));
	sink_init(&t->plain);
	sink_init(&t->sets);
}

static void twin_reset(struct twin *t)
{
	sink_reset(&t->plain);
	sink_reset(&t->sets);
}

/* Both sinks render to the same text and dropped the same samples. */
static void twin_check(struct twin *t)
{
	render(&t->plain, EXPO_TEXT, &t->a);
	render(&t->sets, EXPO_TEXT, &t->b);
	CHECK_STR(t->b.p, t->a.p);
	CHECK_INT(t->sets.dropped, t->plain.dropped);
}

static void twin_fini(struct twin *t)
{
	sink_fini(&t->plain);
	sink_fini(&t->sets);
	buf_fini(&t->a);
	buf_fini(&t->b);
}

/* Samples added through label sets must come out exactly as the same samples added with
 * all their labels through sink_add: same order, same duplicates dropped. */
static void labelset_matches_plain(void)
{
	static const char *lnames[] = { "a", "container", "cpu", "device", "id", "le", "pod", "z" };
	static const char *vals[] = { "", "a", "ab", "b", "a\"b", "/kubepods.slice/x", "/kubepods.slice/y" };
	static const struct metric_desc fams[] = {
		{ "t_one", "", METRIC_GAUGE },
		{ "t_two_total", "", METRIC_COUNTER },
		{ "t_three", "", METRIC_UNTYPED },
	};
	static struct twin t;
	struct metric_sink *plain = &t.plain, *sets = &t.sets;
	uint32_t seed = 7;
	twin_init(&t);
	for (int round = 0; round < 40; round++) {
		twin_reset(&t);
		int nsets = 1 + (int)(rnd(&seed) % 30);
		/* shapes vary little in most rounds (the fast paths), a lot in some */
		uint32_t shape_mask = round % 4 == 0 ? 0 : 0x53;
		for (int k = 0; k < nsets; k++) {
			struct label set[8], all[8];
			size_t n = 0;
			uint32_t m = shape_mask ? shape_mask : rnd(&seed) & 0xff;
			for (int j = 0; j < 8; j++) {
				const char *val = vals[rnd(&seed) % 7]; /* L() reads it twice */
				if (m & (1u << j))
					set[n++] = L(lnames[j], val);
			}
			uint32_t ls;
			CHECK_INT(sink_labelset(sets, set, n, &ls), 0);
			int nser = 1 + (int)(rnd(&seed) % 12);
			for (int i = 0; i < nser; i++) {
				struct label extra[8];
				size_t ne = 0;
				uint32_t em = rnd(&seed) % 3 == 0 ? rnd(&seed) & 0xff & ~m : (1u << 2) & ~m;
				for (int j = 0; j < 8; j++) {
					const char *val = vals[rnd(&seed) % (i % 2 ? 7 : 2)];
					if (em & (1u << j))
						extra[ne++] = L(lnames[j], val);
				}
				memcpy(all, set, n * sizeof(*set));
				memcpy(all + n, extra, ne * sizeof(*extra));
				const struct metric_desc *d = &fams[rnd(&seed) % 3];
				double v = (double)(k * 100 + i);
				CHECK_INT(sink_add(plain, d, v, all, n + ne), 0);
				if (rnd(&seed) % 5 == 0)
					CHECK_INT(sink_add(sets, d, v, all, n + ne), 0);
				else
					CHECK_INT(sink_add_ls(sets, d, v, ls, extra, ne), 0);
			}
		}
		twin_check(&t);
	}
	twin_fini(&t);
}

/* Families whose every series has a set of one shape and one extra label of one name
 * (the container collector's per-device counters) take their own sorting path; it
 * must order exactly as plain labels do, duplicates included. */
static void labelset_one_extra_matches_plain(void)
{
	static const char *vals[] = { "", "a", "ab", "b", "a\"b", "/x", "/y" };
	static const char *extras[] = { "device", "a", "zz" }; /* before, inside, after */
	static const struct metric_desc fam = { "t_dev_bytes_total", "", METRIC_COUNTER };
	static struct twin t;
	struct metric_sink *plain = &t.plain, *sets = &t.sets;
	uint32_t seed = 11;
	twin_init(&t);
	for (int round = 0; round < 30; round++) {
		twin_reset(&t);
		const char *ename = extras[round % 3];
		int nsets = 1 + (int)(rnd(&seed) % 200);
		for (int k = 0; k < nsets; k++) {
			const char *ctr = vals[rnd(&seed) % 7], *id = vals[rnd(&seed) % 7];
			const char *pod = vals[rnd(&seed) % 3];
			struct label set[3] = { L("container", ctr), L("id", id), L("pod", pod) };
			uint32_t ls;
			CHECK_INT(sink_labelset(sets, set, 3, &ls), 0);
			int nser = (int)(rnd(&seed) % 4);
			for (int i = 0; i < nser; i++) {
				const char *ev = vals[rnd(&seed) % 7]; /* L() reads it twice */
				struct label all[4] = { set[0], set[1], set[2], L(ename, ev) };
				double v = (double)(k * 10 + i);
				CHECK_INT(sink_add(plain, &fam, v, all, 4), 0);
				CHECK_INT(sink_add_ls(sets, &fam, v, ls, all + 3, 1), 0);
			}
		}
		twin_check(&t);
	}
	twin_fini(&t);
}

static void labelset_duplicates_and_reuse(void)
{
	struct metric_sink s;
	struct buf out = { 0 };
	void *strings = NULL, *lsets = NULL, *lstext = NULL;
	sink_init(&s);
	for (int round = 0; round < 3; round++) {
		uint32_t ls1, ls2;
		sink_reset(&s);
		/* the same set twice, a series on each, and one added in full: one survives */
		CHECK_INT(sink_labelset(&s, LABELS(L("pod", "p"), L("id", "/x")), &ls1), 0);
		CHECK_INT(sink_labelset(&s, LABELS(L("id", "/x"), L("pod", "p")), &ls2), 0);
		CHECK_INT(sink_add_ls(&s, &g, 1, ls1, LABELS(L("cpu", "0"))), 0);
		CHECK_INT(sink_add_ls(&s, &g, 2, ls2, LABELS(L("cpu", "0"))), 0);
		CHECK_INT(sink_add(&s, &g, 3, LABELS(L("cpu", "0"), L("id", "/x"), L("pod", "p"))), 0);
		CHECK_INT(sink_add_ls(&s, &g, 4, ls2, LABELS(L("cpu", "1"))), 0);
		for (int i = 0; i < 300; i++) {
			char v[16];
			uint32_t ls;
			snprintf(v, sizeof(v), "/c%03d", 299 - i);
			CHECK_INT(sink_labelset(&s, LABELS(L("id", v)), &ls), 0);
			CHECK_INT(sink_add_ls(&s, &c, i, ls, NULL, 0), 0);
		}
		render(&s, EXPO_TEXT, &out);
		CHECK_INT(s.dropped, 2);
		CHECK(strstr(out.p, "test_gauge{cpu=\"0\",id=\"/x\",pod=\"p\"} 1\n"
				    "test_gauge{cpu=\"1\",id=\"/x\",pod=\"p\"} 4\n") != NULL);
		CHECK(strstr(out.p, "test_events_total{id=\"/c000\"} 299\n"
				    "test_events_total{id=\"/c001\"} 298\n") != NULL);
		if (round == 1) {
			strings = s.strings.p;
			lsets = s.lsets;
			lstext = s.lstext.p;
		} else if (round == 2) {
			CHECK(strings == s.strings.p);
			CHECK(lsets == s.lsets);
			CHECK(lstext == s.lstext.p);
		}
	}
	sink_fini(&s);
	buf_fini(&out);
}

static void accept_negotiation(void)
{
	const char *prom = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
			   "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
	CHECK_INT(accept_format(prom, strlen(prom)), EXPO_OPENMETRICS);
	CHECK_INT(accept_format(NULL, 0), EXPO_TEXT);
	CHECK_INT(accept_format("text/plain", 10), EXPO_TEXT);
	const char *pref_text = "application/openmetrics-text;q=0.2, text/plain;q=0.9";
	CHECK_INT(accept_format(pref_text, strlen(pref_text)), EXPO_TEXT);
	const char *junk = ";;;,,,=;q=;application/openmetrics-text;q=abc";
	CHECK_INT(accept_format(junk, strlen(junk)), EXPO_TEXT);
	CHECK(accept_gzip("gzip, deflate", 13));
	CHECK(!accept_gzip("gzip;q=0", 8));
	CHECK(!accept_gzip("identity", 8));
	CHECK(accept_gzip("*", 1));
	CHECK(!accept_gzip(NULL, 0));
}

int main(void)
{
	RUN(groups_and_sorts);
	RUN(duplicates_and_conflicts_dropped);
	RUN(escaping);
	RUN(escaping_mixed_long);
	RUN(nul_bytes_replaced);
	RUN(openmetrics_counters_and_untyped);
	RUN(histogram_parts_keep_order);
	RUN(views_are_separate);
	RUN(numbers);
	RUN(numbers_match_printf);
	RUN(kept_order_matches_a_fresh_sort);
	RUN(memory_is_reused);
	RUN(series_limit);
	RUN(foreign_families);
	RUN(families_found_by_position);
	RUN(consecutive_labels_share_a_copy);
	RUN(held_room);
	RUN(name_clashes);
	RUN(labelset_render_exact);
	RUN(labelset_limits);
	RUN(labelset_matches_plain);
	RUN(labelset_one_extra_matches_plain);
	RUN(labelset_duplicates_and_reuse);
	RUN(accept_negotiation);
	return T_DONE("test_expo");
}
