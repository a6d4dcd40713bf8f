/*
 * test_textfile: the textfile collector against node_exporter's textfile fixture cases
 * (each directory and its .out, series by series), hostile files, allocation in the
 * steady state, and the text-format parser under it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_probe.h"
#include "collectors/textfile.h"
#include "expo/textparse.h"
#include "harness.h"
#include "lib/pathmatch.h"
#include "t.h"
#include "tmptree.h"

/* Replace every occurrence of from with to in b. */
static void replace_all(struct buf *b, const char *from, const char *to)
{
	struct buf o = { 0 };
	size_t fl = strlen(from);
	const char *p = b->p;
	for (const char *q; (q = strstr(p, from)); p = q + fl) {
		buf_append(&o, p, (size_t)(q - p));
		buf_puts(&o, to);
	}
	buf_puts(&o, p);
	buf_fini(b);
	*b = o;
}

/* Next line of interest in text at *p: a sample or TYPE line, without the collector
 * self-metrics and plumb's own families (node_exporter has neither); mtime values read
 * as 1. Returns false at the end. */
static bool next_line(const char **p, char *key, size_t cap, double *v, bool *is_type)
{
	while (**p) {
		const char *l = *p, *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		*p = nl ? nl + 1 : l + n;
		if (n == 0 || strncmp(l, "# HELP", 6) == 0 || strncmp(l, "node_scrape_collector", 21) == 0 ||
		    strncmp(l, "# TYPE node_scrape_collector", 28) == 0 || strncmp(l, "plumb_", 6) == 0 ||
		    strncmp(l, "# TYPE plumb_", 13) == 0)
			continue;
		*is_type = l[0] == '#';
		const char *sp = *is_type ? l + n : memrchr(l, ' ', n);
		size_t kl = (size_t)(sp - l) < cap ? (size_t)(sp - l) : cap - 1;
		memcpy(key, l, kl);
		key[kl] = '\0';
		*v = *is_type ? 0 : strtod(sp + 1, NULL);
		if (strncmp(key, "node_textfile_mtime_seconds{", 28) == 0)
			*v = 1;
		return true;
	}
	return false;
}

/* Compare our exposition with a node_exporter .out, line by line in order. */
static int compare_out(const char *got, const char *want, const char *name)
{
	char kg[4096], kw[4096];
	double vg, vw;
	bool tg, tw;
	const char *pg = got, *pw = want;
	int bad = 0;
	for (;;) {
		bool hg = next_line(&pg, kg, sizeof(kg), &vg, &tg);
		bool hw = next_line(&pw, kw, sizeof(kw), &vw, &tw);
		if (!hg && !hw)
			break;
		if (hg != hw || strcmp(kg, kw) != 0 || !(vg == vw || (isnan(vg) && isnan(vw)))) {
			fprintf(stderr, "%s: got  %s %g\n%s: want %s %g\n", name, hg ? kg : "(end)", vg,
				name, hw ? kw : "(end)", vw);
			bad = 1;
			break;
		}
	}
	return bad;
}

static int read_text(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "r");
	char tmp[4096];
	size_t n;
	if (!f)
		return -errno;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(b, tmp, n);
	fclose(f);
	return 0;
}

/* Run the collector on dir (flag value) and compare with fixture file out_name. */
static void run_case(const char *dirflag, const char *out_name)
{
	char flag[PATH_MAX * 3], outpath[PATH_MAX * 2], prefix[PATH_MAX * 2];
	const char *flags[] = { "--collector.disable-defaults", "--collector.textfile", flag, NULL };
	struct buf got = { 0 }, want = { 0 };
	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", dirflag);
	snprintf(outpath, sizeof(outpath), "%s/textfile/%s", fixture_root(), out_name);
	snprintf(prefix, sizeof(prefix), "%s/textfile/", fixture_root());
	CHECK_INT(harness_run(flags, &got), 0);
	CHECK_INT(read_text(outpath, &want), 0);
	replace_all(&got, prefix, "fixtures/textfile/");
	CHECK_INT(compare_out(got.p ? got.p : "", want.p ? want.p : "", out_name), 0);
	CHECK_DBL(collector_success(got.p, "textfile"), 1);
	buf_fini(&got);
	buf_fini(&want);
}

static void fixture_cases(void)
{
	char dir[PATH_MAX], path[PATH_MAX * 2];
	snprintf(dir, sizeof(dir), "%s/textfile", fixture_root());
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	int ncases = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".out") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(n - 4), e->d_name);
		if (strcmp(e->d_name, "glob_extra_dimension.out") == 0)
			snprintf(path, sizeof(path), "%s/*_extra_dimension", dir);
		run_case(path, e->d_name);
		ncases++;
	}
	if (d)
		closedir(d);
	CHECK(ncases >= 14);
}

/* The fixture host's textfile directory: node_exporter's e2e output series. */
static void fixture_host_values(void)
{
	char flag[PATH_MAX + 64];
	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s/textfile/two_metric_files/",
		 fixture_root());
	const char *flags[] = { "--collector.textfile", flag, NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "testmetric1_1{foo=\"bar\"}"), 10);
	CHECK_DBL(series_value(out.p, "testmetric1_2{foo=\"baz\"}"), 20);
	CHECK_DBL(series_value(out.p, "testmetric2_1{foo=\"bar\"}"), 30);
	CHECK_DBL(series_value(out.p, "testmetric2_2{foo=\"baz\"}"), 40);
	CHECK_DBL(series_value(out.p, "node_textfile_scrape_error"), 0);
	CHECK(has_line(out.p, "# TYPE testmetric1_1 untyped"));
	buf_fini(&out);
}

/* The default (no directory): only scrape_error 0. */
static void default_no_directory(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.textfile", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_textfile_scrape_error"), 0);
	CHECK(!has_line(out.p, "node_textfile_mtime_seconds"));
	buf_fini(&out);
}

/* One hostile file next to a good one: scrape_error 1, the good file's metric stays. */
static void hostile_case(const char *name, const char *data, size_t n, int kind)
{
	struct tmptree t;
	char flag[PATH_MAX + 64];
	CHECK(tmptree_make(&t) == 0);
	CHECK(tmptree_write(&t, "good.prom", "good_metric{a=\"1\"} 7\n", 21) == 0);
	if (kind == 1)
		CHECK(tmptree_mkdir(&t, name) == 0);
	else if (kind == 2)
		CHECK(tmptree_link(&t, name, "/nonexistent/nowhere") == 0);
	else
		CHECK(tmptree_write(&t, name, data, n) == 0);
	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", t.root);
	const char *flags[] = { "--collector.disable-defaults", "--collector.textfile", flag, NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_textfile_scrape_error"), 1);
	CHECK_DBL(series_value(out.p, "good_metric{a=\"1\"}"), 7);
	CHECK_DBL(collector_success(out.p, "textfile"), 1);
	if (t_checks_failed)
		fprintf(stderr, "hostile case %s\n", name);
	buf_fini(&out);
	CHECK(tmptree_rm(&t) == 0);
}

static void hostile_files(void)
{
	static const char nul[] = "bad_metric{a=\"x\0y\"} 1\n";
	static const char utf[] = "bad_metric{a=\"\xff\xfe\"} 1\n";
	hostile_case("nul.prom", nul, sizeof(nul) - 1, 0);
	hostile_case("utf8.prom", utf, sizeof(utf) - 1, 0);
	hostile_case("unterminated.prom", "bad_metric{a=\"x} 1\n", 19, 0);
	hostile_case("crlf.prom", "bad_metric 1\r\n", 14, 0);
	hostile_case("nonewline.prom", "bad_metric 1", 12, 0);
	hostile_case("garbage.prom", "\x01\x02 { } = \"\n", 11, 0);
	hostile_case("dup_type.prom", "# TYPE bad_metric gauge\n# TYPE bad_metric counter\nbad_metric 1\n",
		     63, 0);
	hostile_case("timestamp.prom", "bad_metric 1 1441205977284\n", 27, 0);
	hostile_case("huge.prom", "bad_metric 1e999\n", 17, 0);
	hostile_case("dir.prom", NULL, 0, 1);
	hostile_case("dangling.prom", NULL, 0, 2);
	size_t big = 1u << 20;
	char *line = malloc(big + 32);
	CHECK(line != NULL);
	if (line) {
		memcpy(line, "bad_metric{a=\"", 14);
		memset(line + 14, 'x', big);
		memcpy(line + 14 + big, "\"} 1\n", 5);
		hostile_case("long.prom", line, big + 19, 0);
		free(line);
	}
}

/* Count the lines of text that start with prefix. */
static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	size_t pl = strlen(prefix);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += strncmp(l, prefix, pl) == 0;
	return n;
}

/* The same histogram series (and summary series) in two files: the first file's is
 * kept whole and the later one dropped whole, as for counters and gauges; mixing their
 * parts would give a histogram that is not cumulative. Another series of the family,
 * from a third file, stays. */
static void duplicate_series_across_files(void)
{
	static const char a[] = "# TYPE h histogram\n"
				"h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
				"# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n";
	static const char b[] = "# TYPE h histogram\n"
				"h_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 6\nh_bucket{le=\"+Inf\"} 6\n"
				"h_sum 9\nh_count 6\n"
				"# TYPE s summary\ns{quantile=\"0.9\"} 7\ns_sum 7\ns_count 7\n";
	static const char c[] = "# TYPE h histogram\n"
				"h_bucket{x=\"y\",le=\"+Inf\"} 4\nh_sum{x=\"y\"} 4\nh_count{x=\"y\"} 4\n";
	struct tmptree t;
	char flag[PATH_MAX + 64];
	CHECK(tmptree_make(&t) == 0);
	CHECK(tmptree_write(&t, "a.prom", a, sizeof(a) - 1) == 0);
	CHECK(tmptree_write(&t, "b.prom", b, sizeof(b) - 1) == 0);
	CHECK(tmptree_write(&t, "c.prom", c, sizeof(c) - 1) == 0);
	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", t.root);
	const char *flags[] = { "--collector.disable-defaults", "--collector.textfile", flag, NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	const char *text = out.p ? out.p : "";
	CHECK_INT(count_lines(text, "h_bucket{le="), 2);
	CHECK_DBL(series_value(text, "h_bucket{le=\"1\"}"), 1);
	CHECK_DBL(series_value(text, "h_bucket{le=\"+Inf\"}"), 2);
	CHECK_INT(count_lines(text, "h_bucket{le=\"2\"}"), 0);
	CHECK_INT(count_lines(text, "h_sum "), 1);
	CHECK_DBL(series_value(text, "h_count"), 2);
	CHECK_DBL(series_value(text, "h_count{x=\"y\"}"), 4); /* c's other series stays */
	CHECK_INT(count_lines(text, "s{quantile="), 1);
	CHECK_DBL(series_value(text, "s{quantile=\"0.5\"}"), 1);
	CHECK_INT(count_lines(text, "s_count "), 1);
	if (t_checks_failed)
		fprintf(stderr, "%s\n", text);
	buf_fini(&out);
	CHECK(tmptree_rm(&t) == 0);
}

/* Run textfile over directory dir on the fixture host, with the extra flags (NULL-
 * terminated; they name the other collectors to run and the textfile bounds), into out.
 * Returns harness_run's result. */
static int run_dir(const char *dir, const char *const *extra, struct buf *out)
{
	char flag[PATH_MAX + 64];
	const char *flags[32];
	size_t n = 0;
	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", dir);
	flags[n++] = "--collector.textfile";
	flags[n++] = flag;
	for (size_t i = 0; extra[i] && n + 1 < sizeof(flags) / sizeof(*flags); i++)
		flags[n++] = extra[i];
	flags[n] = NULL;
	return harness_run_fixture(flags, out);
}

/* A file defining families of collectors that run before it (time, uname, loadavg,
 * stat), names plumb keeps for itself and the collector's own: all left out, the real
 * series stay, and every collector succeeds. Names no collector emitted (node_ ones
 * too) and names that only look alike are served. */
static void collisions_leave_plumb_families_alone(void)
{
	static const char evil[] =
		"node_time_seconds 1\n"
		"node_uname_info{sysname=\"x\"} 1\n"
		"# TYPE node_load1 gauge\nnode_load1 99\n"
		/* OpenMetrics writes the counter node_context_switches_total as this family */
		"node_context_switches 5\n"
		"node_scrape_collector_success{collector=\"time\"} 0\n"
		"node_scrape_collector_duration_seconds{collector=\"x\"} 0\n"
		"plumb_runtime_sandbox{feature=\"seccomp\"} 0\n"
		"process_resident_memory_bytes 1\n"
		"node_exporter_build_info{version=\"x\"} 1\n"
		"node_textfile_scrape_error 0\n"
		"node_textfile_mtime_seconds{file=\"/x\"} 1\n";
	static const char good[] = "node_memory_MemTotal_bytes 5\n"
				   "node_load 3\n"
				   "# TYPE node_time summary\nnode_time_sum 1\nnode_time_count 2\n"
				   "node_backup_success 1\n";
	struct tmptree t;
	CHECK(tmptree_make(&t) == 0);
	CHECK(tmptree_put(&t, "a_evil.prom", evil) == 0);
	CHECK(tmptree_put(&t, "b_good.prom", good) == 0);
	const char *extra[] = { "--collector.time", "--collector.uname", "--collector.loadavg",
				"--collector.stat", NULL };
	struct buf out = { 0 };
	CHECK_INT(run_dir(t.root, extra, &out), 0);
	const char *text = out.p ? out.p : "";
	static const char *const collectors[] = { "time", "uname", "loadavg", "stat", "textfile" };
	for (size_t i = 0; i < sizeof(collectors) / sizeof(*collectors); i++)
		CHECK_DBL(collector_success(text, collectors[i]), 1);
	CHECK(series_value(text, "node_time_seconds") > 1e9);
	CHECK(!has_line(text, "node_uname_info{sysname=\"x\"}"));
	CHECK(has_line(text, "node_uname_info{"));
	CHECK_DBL(series_value(text, "node_load1"), 0.21);
	CHECK_DBL(series_value(text, "node_context_switches_total"), 38014093);
	CHECK(!has_line(text, "node_context_switches "));
	CHECK_INT(count_lines(text, "node_scrape_collector_duration_seconds{collector=\"x\"}"), 0);
	CHECK_INT(count_lines(text, "plumb_runtime_sandbox"), 0);
	CHECK_INT(count_lines(text, "process_"), 0);
	CHECK_INT(count_lines(text, "node_exporter_build_info"), 0);
	CHECK_INT(count_lines(text, "node_textfile_mtime_seconds{file=\"/x\"}"), 0);
	CHECK_DBL(series_value(text, "node_textfile_scrape_error"), 1);
	CHECK_DBL(series_value(text, "plumb_textfile_dropped_series_total{reason=\"collision\"}"), 11);
	CHECK_DBL(series_value(text, "plumb_textfile_dropped_series_total{reason=\"limit\"}"), 0);
	CHECK_DBL(series_value(text, "node_memory_MemTotal_bytes"), 5);
	CHECK_DBL(series_value(text, "node_load"), 3);
	CHECK_DBL(series_value(text, "node_time_count"), 2);
	CHECK_DBL(series_value(text, "node_backup_success"), 1);
	if (t_checks_failed)
		fprintf(stderr, "%s\n", text);
	buf_fini(&out);
	CHECK(tmptree_rm(&t) == 0);
}

/* --collector.textfile.max-series: families that do not fit whole are left out and
 * counted, later ones that fit are still served. */
static void series_bound(void)
{
	struct tmptree t;
	CHECK(tmptree_make(&t) == 0);
	CHECK(tmptree_put(&t, "a.prom", "a{i=\"1\"} 1\na{i=\"2\"} 1\na{i=\"3\"} 1\n") == 0);
	/* a histogram's buckets (the +Inf one added), sum and count: 5 samples */
	CHECK(tmptree_put(&t, "b.prom", "# TYPE b histogram\nb_bucket{le=\"1\"} 1\n"
					"b_bucket{le=\"2\"} 2\nb_sum 3\nb_count 2\n") == 0);
	CHECK(tmptree_put(&t, "c.prom", "c 1\nd 1\n") == 0);
	const char *extra[] = { "--collector.loadavg", "--collector.textfile.max-series=6", NULL };
	struct buf out = { 0 };
	CHECK_INT(run_dir(t.root, extra, &out), 0);
	const char *text = out.p ? out.p : "";
	CHECK_INT(count_lines(text, "a{"), 3);
	CHECK_INT(count_lines(text, "b_"), 0);
	CHECK_DBL(series_value(text, "c"), 1);
	CHECK_DBL(series_value(text, "d"), 1);
	CHECK_DBL(series_value(text, "plumb_textfile_dropped_series_total{reason=\"limit\"}"), 5);
	CHECK_DBL(series_value(text, "node_textfile_scrape_error"), 1);
	CHECK_DBL(series_value(text, "node_load1"), 0.21);
	CHECK_DBL(collector_success(text, "textfile"), 1);
	/* with room for all of them, nothing is left out */
	extra[1] = "--collector.textfile.max-series=10";
	CHECK_INT(run_dir(t.root, extra, &out), 0);
	text = out.p ? out.p : "";
	CHECK_DBL(series_value(text, "b_count"), 2);
	CHECK_DBL(series_value(text, "plumb_textfile_dropped_series_total{reason=\"limit\"}"), 0);
	CHECK_DBL(series_value(text, "node_textfile_scrape_error"), 0);
	if (t_checks_failed)
		fprintf(stderr, "%s\n", text);
	buf_fini(&out);
	CHECK(tmptree_rm(&t) == 0);
}

/* --collector.textfile.max-bytes counts names, help texts and labels as the sink keeps
 * them: "# HELP x h" and x{a="bb"} cost 1 + 1 + 2 (name, help, their ends) and
 * 8 + 1 + 2 (label header, name, value): 15 bytes a file. A family left out is
 * counted whether its labels are long or its series many. */
static void byte_bound(void)
{
	struct tmptree t;
	CHECK(tmptree_make(&t) == 0);
	CHECK(tmptree_put(&t, "a.prom", "# HELP x h\nx{a=\"bb\"} 1\n") == 0);
	CHECK(tmptree_put(&t, "b.prom", "# HELP y h\ny{a=\"bb\"} 2\n") == 0);
	const char *extra[] = { "--collector.textfile.max-bytes=30", NULL };
	struct buf out = { 0 };
	CHECK_INT(run_dir(t.root, extra, &out), 0);
	CHECK_DBL(series_value(out.p, "y{a=\"bb\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_textfile_scrape_error"), 0);
	extra[0] = "--collector.textfile.max-bytes=29";
	CHECK_INT(run_dir(t.root, extra, &out), 0);
	CHECK_DBL(series_value(out.p, "x{a=\"bb\"}"), 1);
	CHECK(!has_line(out.p, "y{"));
	CHECK_DBL(series_value(out.p, "plumb_textfile_dropped_series_total{reason=\"limit\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_textfile_scrape_error"), 1);
	/* one series, but a family whose label names every series gets: over 1 MB of sink
	 * strings from a 70 kB file */
	struct buf big = { 0 };
	buf_puts(&big, "z{");
	for (int i = 0; i < 60; i++)
		buf_printf(&big, "%sl%d_%0900d=\"\"", i ? "," : "", i, 0);
	buf_puts(&big, "} 1\n");
	for (int i = 0; i < 20; i++)
		buf_printf(&big, "z{l0_%0900d=\"%d\"} 1\n", 0, i);
	CHECK(tmptree_write(&t, "c.prom", big.p, big.len) == 0);
	extra[0] = "--collector.textfile.max-bytes=100000";
	CHECK_INT(run_dir(t.root, extra, &out), 0);
	CHECK(!has_line(out.p, "z{"));
	CHECK_DBL(series_value(out.p, "plumb_textfile_dropped_series_total{reason=\"limit\"}"), 21);
	CHECK_DBL(series_value(out.p, "y{a=\"bb\"}"), 2);
	buf_fini(&big);
	buf_fini(&out);
	CHECK(tmptree_rm(&t) == 0);
}

/* A textfile bound above the sink's own: the sink fills with the files' series, yet the
 * lines the agent adds after the textfile collector (its success, the collection count)
 * and every other collector's series are still there. */
static void sink_room_kept_for_plumb(void)
{
	struct tmptree t;
	struct buf text = { 0 }, out = { 0 };
	CHECK(tmptree_make(&t) == 0);
	for (int i = 0; i < 500; i++)
		buf_printf(&text, "many{i=\"%d\"} 1\n", i);
	CHECK(tmptree_write(&t, "many.prom", text.p, text.len) == 0);
	char flag[PATH_MAX + 64];
	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", t.root);
	const char *extra[] = { "--collector.textfile", flag, "--collector.loadavg", NULL };
	const char *flags[32];
	fixture_flags(extra, flags, 32);
	int argc = 0;
	char *argv[33];
	argv[argc++] = "plumb";
	while (flags[argc - 1])
		argv[argc] = (char *)flags[argc - 1], argc++;
	argv[argc] = NULL;
	struct plumb_config *cfg;
	struct agent a;
	struct metric_sink s;
	log_setup("error", "logfmt");
	CHECK_INT(cfg_parse(argc, argv, &cfg), 0);
	sink_init(&s);
	s.max_series = 100;
	CHECK_INT(agent_init(&a, cfg), 0);
	a.report_collections = true;
	CHECK_INT(agent_collect(&a, &s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	const char *o = out.p ? out.p : "";
	CHECK_DBL(collector_success(o, "textfile"), 1);
	CHECK_DBL(collector_success(o, "loadavg"), 1);
	CHECK(has_line(o, "node_scrape_collector_duration_seconds{collector=\"textfile\"}"));
	CHECK_DBL(series_value(o, "plumb_scrape_collections_total"), 1);
	CHECK_DBL(series_value(o, "node_load15"), 0.39);
	CHECK(count_lines(o, "many{") > 50);
	agent_fini(&a);
	sink_fini(&s);
	cfg_free(cfg);
	buf_fini(&text);
	buf_fini(&out);
	CHECK(tmptree_rm(&t) == 0);
}

/* Steady state with families left out (colliding and over the bound): no allocation,
 * and the same outcome every scrape. */
static void steady_state_with_drops(void)
{
	struct tmptree t;
	CHECK(tmptree_make(&t) == 0);
	CHECK(tmptree_put(&t, "a.prom", "node_load1 9\nplumb_x 1\nbig{i=\"1\"} 1\nbig{i=\"2\"} 1\n"
					"small 1\n") == 0);
	char flag[PATH_MAX + 64];
	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", t.root);
	const char *extra[] = { "--collector.textfile", flag, "--collector.loadavg",
				"--collector.textfile.max-series=1", NULL };
	const char *flags[32];
	fixture_flags(extra, flags, 32);
	int argc = 0;
	char *argv[33];
	argv[argc++] = "plumb";
	while (flags[argc - 1])
		argv[argc] = (char *)flags[argc - 1], argc++;
	argv[argc] = NULL;
	struct plumb_config *cfg;
	struct agent a;
	struct metric_sink s;
	log_setup("error", "logfmt");
	CHECK_INT(cfg_parse(argc, argv, &cfg), 0);
	sink_init(&s);
	CHECK_INT(agent_init(&a, cfg), 0);
	for (int i = 0; i < 3; i++)
		CHECK_INT(agent_collect(&a, &s), 0);
	alloc_probe_start();
	CHECK_INT(agent_collect(&a, &s), 0);
	long allocs = alloc_probe_stop();
	if (alloc_probe_ready())
		CHECK_INT(allocs, 0);
	double v;
	CHECK_INT(sink_lookup(&s, VIEW_METRICS, "node_load1", NULL, NULL, &v), 0);
	CHECK_DBL(v, 0.21);
	/* four collections: 2 colliding and 2 over the bound each time */
	double drops = 0;
	int fam = -1;
	for (uint32_t i = 0; i < s.nfamilies; i++)
		if (strcmp(sink_str(&s, s.families[i].name_off), "plumb_textfile_dropped_series_total") == 0)
			fam = (int)i;
	uint32_t pos = 0;
	const struct sink_series *se;
	while (fam >= 0 && (se = sink_family_next(&s, fam, &pos)))
		drops += se->value;
	CHECK_DBL(drops, 16);
	agent_fini(&a);
	sink_fini(&s);
	cfg_free(cfg);
	CHECK(tmptree_rm(&t) == 0);
}

/* Steady state: scraping the same files again allocates nothing. */
static void steady_state_allocates_nothing(void)
{
	char f1[PATH_MAX * 2], f2[PATH_MAX * 2], f3[PATH_MAX * 2];
	snprintf(f1, sizeof(f1), "--collector.textfile.directory=%s/textfile/*_dimension",
		 fixture_root());
	snprintf(f2, sizeof(f2), "--collector.textfile.directory=%s/textfile/inconsistent_metrics",
		 fixture_root());
	snprintf(f3, sizeof(f3), "--collector.textfile.directory=%s/textfile/metrics_merge_no_help",
		 fixture_root());
	char *argv[] = { "plumb", "--collector.disable-defaults", "--collector.textfile", f1, f2, f3,
			 NULL };
	struct plumb_config *cfg;
	struct agent a;
	struct metric_sink s;
	log_setup("error", "logfmt");
	CHECK_INT(cfg_parse(6, argv, &cfg), 0);
	sink_init(&s);
	CHECK_INT(agent_init(&a, cfg), 0);
	for (int i = 0; i < 3; i++)
		CHECK_INT(agent_collect(&a, &s), 0);
	alloc_probe_start();
	CHECK_INT(agent_collect(&a, &s), 0);
	long allocs = alloc_probe_stop();
	if (alloc_probe_ready())
		CHECK_INT(allocs, 0);
	CHECK(s.nseries > 50);
	agent_fini(&a);
	sink_fini(&s);
	cfg_free(cfg);
}

static int parse(struct textparse *tp, const char *text)
{
	return textparse_run(tp, text, strlen(text));
}

static void parser_accepts_and_rejects(void)
{
	static const char *const good[] = {
		"", "\n\n", "   \n", "foo 1\n", "foo{} 1\n", "foo{a=\"b\",} 1\n", "foo {a = \"b\"} 1\n",
		"foo NaN\n", "foo +Inf\n", "foo -inf\n", "foo .5\n", "foo 5.\n", "foo 1e-400\n",
		"# just a comment\n", "#\n", "# HELP\n", "# HELP foo\n", "# HELP foo \n",
		"# TYPE foo COUNTER\nfoo 1\n", "foo{a=\"\\\\\\\"\\n\"} 1\n", "foo 1 -5\n",
		"# HELP foo a\\\\b\\nc\\\"d\nfoo 1\n", "a:b_c 1\n", "foo\t1\n", "  foo 1\n"
	};
	static const char *const bad[] = {
		"foo 1", "foo 1 \n", "  foo 1  \n", "foo\n", "foo x\n", "foo 0x1p3\n", "foo 1_000\n", "foo -nan\n",
		"foo 1e999\n", "foo 1\r\n", "1foo 1\n", "foo{a=\"b\"\n", "foo{a=b} 1\n",
		"foo{a=\"\\x\"} 1\n", "foo{a=\"1\",a=\"2\"} 1\n", "foo{__name__=\"x\"} 1\n",
		"# TYPE foo counter\n# TYPE foo counter\n", "foo 1\n# TYPE foo gauge\n",
		"# TYPE foo bogus\n", "# TYPE foo counter \n", "# HELP foo a\\b\n",
		"# HELP foo a\n# HELP foo b\n", "# HELP 1x y\n", "foo 1 2 3\n", "foo 1 1.5\n",
		"{a=\"b\"} 1\n", "\"foo\" 1\n", "foo{\"a\"=\"b\"} 1\n",
		"# TYPE foo gauge_histogram\nfoo 1\n", "foo{a=\"\xc0\x80\"} 1\n",
		"foo{a=\"\xed\xa0\x80\"} 1\n", "foo 99999999999999999999999\n#x",
	};
	struct textparse tp;
	textparse_init(&tp);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = parse(&tp, good[i]);
		if (r != 0)
			fprintf(stderr, "rejected good input %zu: %s\n", i, tp.err_msg);
		CHECK_INT(r, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(&tp, bad[i]);
		if (r == 0 && !tp.has_timestamps)
			fprintf(stderr, "accepted bad input %zu\n", i);
		CHECK(r < 0);
	}
	/* a timestamp parses but is flagged */
	CHECK_INT(parse(&tp, "foo 1 1441205977284\n"), 0);
	CHECK(tp.has_timestamps);
	textparse_fini(&tp);
}

static void parser_summary_folding(void)
{
	struct textparse tp;
	textparse_init(&tp);
	const char *text = "# TYPE s summary\n"
			   "s{quantile=\"0.9\",x=\"a\"} 2\n"
			   "s{x=\"b\",quantile=\"0.5\"} 3\n"
			   "s_sum{x=\"a\"} 10\n"
			   "s{x=\"a\",quantile=\"0.5\"} 1\n"
			   "s_count{x=\"a\"} 4.7\n"
			   "s{x=\"a\",quantile=\"0.5\"} 1.5\n"
			   "# TYPE h histogram\n"
			   "h_bucket{le=\"+Inf\"} 9\n"
			   "h_bucket{le=\"1\"} 3\n"
			   "h_count 9\n"
			   "h_sum 4\n"
			   "s_bucket 1\n";
	CHECK_INT(parse(&tp, text), 0);
	CHECK_INT(tp.nmets, 4); /* s{x=a}, s{x=b}, h{}, s_bucket */
	const struct tp_metric *m = &tp.mets[0];
	CHECK_INT(m->nlabels, 1);
	CHECK_DBL(m->sum, 10);
	CHECK_DBL(m->count, 4);
	CHECK_INT(m->nparts, 2);
	CHECK_DBL(tp.parts[m->parts_first].bound, 0.5);
	CHECK_DBL(tp.parts[m->parts_first].value, 1.5); /* the last of a repeated quantile */
	CHECK_DBL(tp.parts[m->parts_first + 1].bound, 0.9);
	const struct tp_metric *h = &tp.mets[2];
	CHECK_INT(h->nparts, 2);
	CHECK_DBL(tp.parts[h->parts_first].bound, 1);
	CHECK(isinf(tp.parts[h->parts_first + 1].bound));
	CHECK_DBL(h->count, 9);
	CHECK_STR(tp_str(&tp, tp.fams[tp.mets[3].family].name_off), "s_bucket");
	textparse_fini(&tp);
}

static void bound_format(void)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = { { 0.5, "0.5" },       { 25600, "25600" },     { 102400, "102400" },
		      { 1.6384e6, "1.6384e+06" }, { 1e6, "1e+06" }, { 1e-5, "1e-05" },
		      { 0.0001, "0.0001" },  { 2.62144e7, "2.62144e+07" }, { 0.99, "0.99" },
		      { -3, "-3" },          { 1e21, "1e+21" },      { 123456, "123456" } };
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(textfile_format_bound(cases[i].v, out, sizeof(out)) > 0);
		CHECK_STR(out, cases[i].s);
	}
	textfile_format_bound(INFINITY, out, sizeof(out));
	CHECK_STR(out, "+Inf");
}

static void glob_patterns(void)
{
	char pat[PATH_MAX * 2];
	/* two wildcard components, and a class */
	snprintf(pat, sizeof(pat), "%s/t[a-z]xtfil?/*_extra_dimension", fixture_root());
	run_case(pat, "glob_extra_dimension.out");
	static const struct {
		const char *pat, *name;
		int want;
	} m[] = { { "*.prom", "a.prom", 1 },  { "*.prom", "a/b.prom", 0 }, { "a?c", "abc", 1 },
		  { "a?c", "a/c", 0 },        { "[a-c]x", "bx", 1 },       { "[^a-c]x", "bx", 0 },
		  { "\\*", "*", 1 },          { "[", "a", -EINVAL },       { "a\\", "a", -EINVAL },
		  { "*_dim*", "x_dimension", 1 }, { "[]a]", "a", -EINVAL }, { "", "", 1 } };
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		CHECK_INT(path_match(m[i].pat, strlen(m[i].pat), m[i].name, strlen(m[i].name)), m[i].want);
	static const struct {
		const char *in, *out;
	} c[] = { { "a//b/", "a/b" }, { "/../x", "/x" }, { "a/./b/../c", "a/c" }, { "", "." },
		  { "../../a", "../../a" }, { "/", "/" }, { "a/..", "." } };
	char out[64];
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK_INT(path_clean(c[i].in, out, sizeof(out)), 0);
		CHECK_STR(out, c[i].out);
	}
}

int main(void)
{
	RUN(fixture_cases);
	RUN(fixture_host_values);
	RUN(default_no_directory);
	RUN(hostile_files);
	RUN(duplicate_series_across_files);
	RUN(collisions_leave_plumb_families_alone);
	RUN(series_bound);
	RUN(byte_bound);
	RUN(sink_room_kept_for_plumb);
	RUN(steady_state_with_drops);
	RUN(steady_state_allocates_nothing);
	RUN(parser_accepts_and_rejects);
	RUN(parser_summary_folding);
	RUN(bound_format);
	RUN(glob_patterns);
	return T_DONE("test_textfile");
}
