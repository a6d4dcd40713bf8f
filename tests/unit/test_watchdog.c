/*
 * test_watchdog: the watchdog collector on the shared fixture, on trees with real
 * links, empty and dangling entries, and on missing, garbled and cut attributes.
 */
#include <sys/stat.h>

#include "collectors/watchdog.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.watchdog", NULL };

#define WD0 "{name=\"watchdog0\"}"

/* The fixture's watchdog0, values as in e2e-output.txt. */
static void shared_fixture(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_bootstatus" WD0), 1);
	CHECK_DBL(series_value(out.p, "node_watchdog_fw_version" WD0), 2);
	CHECK_DBL(series_value(out.p, "node_watchdog_nowayout" WD0), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeleft_seconds" WD0), 300);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeout_seconds" WD0), 60);
	CHECK_DBL(series_value(out.p, "node_watchdog_pretimeout_seconds" WD0), 120);
	CHECK_DBL(series_value(out.p, "node_watchdog_access_cs0" WD0), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_info{identity=\"Software Watchdog\","
				      "name=\"watchdog0\",options=\"0x8380\",pretimeout_governor="
				      "\"noop\",state=\"active\",status=\"0x8000\"}"),
		  1);
	CHECK_DBL(collector_success(out.p, "watchdog"), 1);
	buf_fini(&out);
}

/* A real symlink to the fixture's device, an empty directory (node_exporter's fixture
 * has watchdog1 so; the shared copy lost it) and a dangling link each give an info
 * series; only the first has gauges. */
static void links_and_empty_entries(void)
{
	struct tmptree t;
	char target[PATH_MAX];
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	snprintf(target, sizeof(target), "%.3000s/sys/class/watchdog/watchdog0", fixture_root());
	CHECK_INT(tmptree_link(&t, "sys/class/watchdog/watchdog0", target), 0);
	CHECK_INT(tmptree_mkdir(&t, "sys/class/watchdog/watchdog1"), 0);
	CHECK_INT(tmptree_link(&t, "sys/class/watchdog/watchdog2", "../../devices/gone"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeout_seconds" WD0), 60);
	CHECK_DBL(series_value(out.p, "node_watchdog_info{identity=\"\",name=\"watchdog1\","
				      "options=\"\",pretimeout_governor=\"\",state=\"\",status=\"\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_watchdog_info{identity=\"\",name=\"watchdog2\","
				      "options=\"\",pretimeout_governor=\"\",state=\"\",status=\"\"}"),
		  1);
	CHECK(!has_line(out.p, "node_watchdog_timeout_seconds{name=\"watchdog1\"}"));
	CHECK_DBL(collector_success(out.p, "watchdog"), 1);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* No class directory: no data (success 0), no series. */
static void missing_class(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("watchdog", &out), 0);
	CHECK_DBL(collector_success(out.p, "watchdog"), 0);
	CHECK(!has_line(out.p, "node_watchdog_"));
	buf_fini(&out);
}

/* Go's base-0 numbers are read as node_exporter reads them; a value that is not one,
 * an empty value, or an entry that is a plain file fails the collection with nothing
 * half-reported; long text is cut at 128 bytes. */
static void hostile_attributes(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char id[300];
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/class/watchdog/watchdog0/timeout", "0x3c\n");
	tmptree_put(&t, "sys/class/watchdog/watchdog0/bootstatus", "010");
	tmptree_put(&t, "sys/class/watchdog/watchdog0/timeleft", "-5");
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	tmptree_put(&t, "sys/class/watchdog/watchdog0/identity", id);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeout_seconds" WD0), 60);
	CHECK_DBL(series_value(out.p, "node_watchdog_bootstatus" WD0), 8);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeleft_seconds" WD0), -5);
	id[SYSFS_ATTR_MAX] = '\0';
	char want[600];
	snprintf(want, sizeof(want),
		 "node_watchdog_info{identity=\"%s\",name=\"watchdog0\",options=\"\","
		 "pretimeout_governor=\"\",state=\"\",status=\"\"}",
		 id);
	CHECK_DBL(series_value(out.p, want), 1);

	static const char *const bad[] = { "60s", "", "0x", "1_", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tmptree_put(&t, "sys/class/watchdog/watchdog0/timeout", bad[i]);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		CHECK_DBL(collector_success(out.p, "watchdog"), 0);
		CHECK(!has_line(out.p, "node_watchdog_"));
	}
	tmptree_put(&t, "sys/class/watchdog/watchdog0/timeout", "60");
	tmptree_put(&t, "sys/class/watchdog/stray", "not a directory\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "watchdog"), 0);
	tmptree_del(&t, "sys/class/watchdog/stray");
	if (geteuid() != 0) { /* root reads anything: the EACCES path needs another user */
		char path[PATH_MAX];
		tmptree_path(&t, "sys/class/watchdog/watchdog0/timeout", path, sizeof(path));
		chmod(path, 0);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		CHECK_DBL(collector_success(out.p, "watchdog"), 0);
	}
	buf_fini(&out);
	tmptree_rm(&t);
}

/* The record and emit pair on its own. */
static void record_emit(void)
{
	struct wd_values v;
	struct metric_sink s;
	double x;
	memset(&v, 0, sizeof(v));
	sink_init(&s);
	CHECK_INT(wd_record(&v, "nowayout", SPAN_LIT("1")), 0);
	CHECK_INT(wd_record(&v, "state", SPAN_LIT("inactive")), 0);
	CHECK_INT(wd_record(&v, "unknown_attr", SPAN_LIT("garbage")), 0);
	CHECK(wd_record(&v, "fw_version", SPAN_LIT("v2")) < 0);
	CHECK_INT(wd_emit(&v, "watchdog3", &s), 0);
	CHECK_INT(s.nseries, 2);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_watchdog_nowayout", "name", "watchdog3", &x) == 0 &&
	      x == 1);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_watchdog_info", "state", "inactive", &x) == 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_watchdog_fw_version", NULL, NULL, &x) == -ENOENT);
	sink_fini(&s);
}

/* Across collections of one agent the held files give new values; when they fail (the
 * device went away and came back under the same name) the entry's directory is opened
 * again and the new device's files are read; an entry that leaves the class lets go of
 * its files. */
static void held_across_scrapes(void)
{
	struct tmptree t;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/devices/wd/watchdog0/timeout", "60\n");
	tmptree_put(&t, "sys/devices/wd/watchdog0/identity", "first\n");
	CHECK_INT(tmptree_link(&t, "sys/class/watchdog/watchdog0", "../../devices/wd/watchdog0"), 0);
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeout_seconds" WD0), 60);
	CHECK_INT(tmptree_rewrite(&t, "sys/devices/wd/watchdog0/timeout", "30\n"), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeout_seconds" WD0), 30);

	int dir = open(t.root, O_RDONLY | O_DIRECTORY);
	CHECK_INT(tmptree_break_held("/devices/wd/watchdog0/", dir), 2);
	CHECK_INT(tmptree_del(&t, "sys/devices/wd/watchdog0"), 0);
	tmptree_put(&t, "sys/devices/wd/watchdog0/timeout", "90\n");
	tmptree_put(&t, "sys/devices/wd/watchdog0/identity", "second\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, "node_watchdog_timeout_seconds" WD0), 90);
	CHECK(has_line(out.p, "node_watchdog_info{identity=\"second\",name=\"watchdog0\""));
	CHECK_DBL(collector_success(out.p, "watchdog"), 1);

	CHECK_INT(tmptree_del(&t, "sys/class/watchdog/watchdog0"), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(!has_line(out.p, "node_watchdog_"));
	CHECK_INT(tmptree_break_held("/devices/wd/watchdog0/", dir), 0); /* none held */
	close(dir);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	CHECK_INT(tmptree_rm(&t), 0);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(links_and_empty_entries);
	RUN(held_across_scrapes);
	RUN(missing_class);
	RUN(hostile_attributes);
	RUN(record_emit);
	return T_DONE("test_watchdog");
}
