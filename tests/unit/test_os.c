/*
 * test_os: the os collector against the fixture host, the file fallback, re-reading
 * on change, the env-file syntax, hostile input, and the no-allocation promise.
 */
#include <fcntl.h>
#include <time.h>

#include "collectors/os.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.os", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	/* the fixture has only usr/lib/os-release */
	CHECK_DBL(series_value(out.p,
			       "node_os_info{build_id=\"\",id=\"ubuntu\",id_like=\"debian\","
			       "image_id=\"\",image_version=\"\",name=\"Ubuntu\","
			       "pretty_name=\"Ubuntu 20.04.2 LTS\",variant=\"\",variant_id=\"\","
			       "version=\"20.04.2 LTS (Focal Fossa)\",version_codename=\"focal\","
			       "version_id=\"20.04\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_os_version{id=\"ubuntu\",id_like=\"debian\",name=\"Ubuntu\"}"),
		  20.04);
	buf_fini(&out);
}

static void fallback_and_change(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.os", NULL };
	const char *ok = "node_scrape_collector_success{collector=\"os\"}";
	CHECK_INT(tmptree_make(&t), 0);
	/* neither file: fails with no series */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 0);
	CHECK(!has_line(out.p, "node_os_"));
	/* usr/lib only */
	CHECK_INT(tmptree_put(&t, "usr/lib/os-release", "ID=lib\nVERSION_ID=1\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK(strstr(out.p, "id=\"lib\"") != NULL);
	/* etc wins over usr/lib; no number in VERSION_ID means no node_os_version */
	CHECK_INT(tmptree_put(&t, "etc/os-release", "ID=etc\nVERSION_ID=rolling\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK(strstr(out.p, "id=\"etc\"") != NULL);
	CHECK(!has_line(out.p, "node_os_version"));
	/* a malformed file fails the collection */
	CHECK_INT(tmptree_put(&t, "etc/os-release", "ID=\"unterminated\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* One collector instance sees the file change between scrapes (its mtime moves). */
static void reread_on_mtime_change(void)
{
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_put(&t, "etc/os-release", "ID=one\nVERSION_ID=1.5\n"), 0);
	char root[PATH_MAX + 32], path[PATH_MAX];
	snprintf(root, sizeof(root), "--path.rootfs=%s", t.root);
	tmptree_path(&t, "etc/os-release", path, sizeof(path));
	char *argv[] = { "plumb", root, "--collector.disable-defaults", "--collector.os", NULL };
	struct plumb_config *cfg;
	struct agent a;
	struct metric_sink s;
	struct buf out = { 0 };
	CHECK_INT(cfg_parse(4, argv, &cfg), 0);
	sink_init(&s);
	CHECK_INT(agent_init(&a, cfg), 0);
	CHECK_INT(agent_collect(&a, &s), 0);
	render_sink(&s, EXPO_TEXT, &out);
	CHECK_DBL(series_value(out.p, "node_os_version{id=\"one\",id_like=\"\",name=\"\"}"), 1.5);
	CHECK_INT(tmptree_put(&t, "etc/os-release", "ID=two\nVERSION_ID=2.25.1\n"), 0);
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };
	CHECK_INT(utimensat(AT_FDCWD, path, times, 0), 0);
	CHECK_INT(agent_collect(&a, &s), 0);
	buf_reset(&out);
	render_sink(&s, EXPO_TEXT, &out);
	CHECK_DBL(series_value(out.p, "node_os_version{id=\"two\",id_like=\"\",name=\"\"}"), 2.25);
	agent_fini(&a);
	sink_fini(&s);
	cfg_free(cfg);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* Parse text; on success copy field f into val. Returns the parse result. */
static int parse_field(const char *text, enum os_field f, char *val, size_t cap)
{
	static char scratch[4096];
	struct os_release rel;
	int r = os_release_parse(text, strlen(text), scratch, sizeof(scratch), &rel);
	if (r == 0)
		span_copy(rel.field[f], val, cap);
	return r;
}

static void syntax(void)
{
	char v[256];
	CHECK_INT(parse_field("NAME=\"A \\\"q\\\" \\\\ b\\tc\"", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "A \"q\" \\ b\tc");
	CHECK_INT(parse_field("NAME='lit \\n $x'", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "lit \\n $x");
	CHECK_INT(parse_field("  export NAME = plain words   # comment", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "plain words");
	CHECK_INT(parse_field("# c\n\nNAME=a#b", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "a");
	CHECK_INT(parse_field("NAME=\"caf\\u00e9 \\ud83d\\ude00\"", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	CHECK_INT(parse_field("NAME=\"\\ud83dx\"", OS_NAME, v, sizeof(v)), -EINVAL);
	CHECK_INT(parse_field("NAME=\"\\ud83d\\u0041\"", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "\xef\xbf\xbd");
	CHECK_INT(parse_field("NAME=ab\"cd\"'ef'", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "abcdef");
	CHECK_INT(parse_field("NAME=first\nNAME=second", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "second");
	CHECK_INT(parse_field("NAME=", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "");
	CHECK_INT(parse_field("OTHER.KEY/x=1\nNAME=n", OS_NAME, v, sizeof(v)), 0);
	CHECK_STR(v, "n");
	CHECK_INT(parse_field("VERSION_ID=\"10\"", OS_VERSION_ID, v, sizeof(v)), 0);
	CHECK_STR(v, "10");
}

static void hostile_input(void)
{
	static const char *const bad[] = {
		"NAME",             /* no = */
		"=x",               /* empty key */
		"1NAME=x",          /* key starts with a digit */
		"NA-ME=x",          /* bad key character */
		"NAME=\"open",      /* unterminated double quote */
		"NAME='open",       /* unterminated single quote */
		"NAME=\"x\\",       /* escape at the end */
		"NAME=\"\\q\"",     /* unknown escape */
		"NAME=\"\\u12\"",   /* short \u */
		"NAME=\"\\uzzzz\"", /* bad hex */
		"NAME=\"\\u0000\"", /* a NUL */
		"NAME=a\x01z",      /* control character */
		"NAME=a\tb",        /* tab inside is a control character too */
		"NAME=\"\\\xc3\xa9\"", /* escaped multibyte */
	};
	char scratch[256];
	struct os_release rel;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(os_release_parse(bad[i], strlen(bad[i]), scratch, sizeof(scratch), &rel),
			  -EINVAL);
	/* too small a scratch is refused, not overrun */
	CHECK_INT(os_release_parse("NAME=x", 6, scratch, 3, &rel), -ENOBUFS);
	/* a VERSION_ID number too long to parse fails */
	char big[400] = "VERSION_ID=";
	memset(big + 11, '9', 300);
	big[311] = '\0';
	CHECK(os_release_parse(big, strlen(big), scratch, sizeof(scratch), &rel) < 0);
	/* version extraction */
	const char *v = "VERSION_ID=2023.1.5beta";
	CHECK_INT(os_release_parse(v, strlen(v), scratch, sizeof(scratch), &rel), 0);
	CHECK_DBL(rel.version, 2023.1);
	/* label values with quotes, backslashes and newlines are escaped by the writer */
	const char *q = "NAME=\"a\\\"b\\\\c\\nd\"\nVERSION_ID=1";
	CHECK_INT(os_release_parse(q, strlen(q), scratch, sizeof(scratch), &rel), 0);
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(os_release_emit(&rel, &s), 0);
	sink_finish(&s);
	render_sink(&s, EXPO_TEXT, &out);
	CHECK(strstr(out.p, "name=\"a\\\"b\\\\c\\nd\"") != NULL);
	sink_fini(&s);
	buf_fini(&out);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.os", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.os", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(fallback_and_change);
	RUN(reread_on_mtime_change);
	RUN(syntax);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_os");
}
