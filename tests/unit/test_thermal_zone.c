/*
 * test_thermal_zone: the thermal_zone collector on the shared fixture as it is (class
 * links stored as files), on a tree with real class symlinks, and on broken trees.
 */
#include "collectors/thermal_zone.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static void fixture_values(void)
{
	struct tmptree t;
	char target[3200], link[200];
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/class/thermal/.keep", "");
	const char *names[] = { "thermal_zone0", "cooling_device0" };
	for (int i = 0; i < 2; i++) {
		snprintf(target, sizeof(target), "%.3000s/sys/devices/virtual/thermal/%s", fixture_root(), names[i]);
		snprintf(link, sizeof(link), "sys/class/thermal/%s", names[i]);
		CHECK_INT(tmptree_link(&t, link, target), 0);
	}
	const char *flags[] = { "--collector.thermal_zone", NULL };
	struct buf out = { 0 };
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_thermal_zone_temp{type=\"cpu-thermal\",zone=\"0\"}"), 12.376);
	CHECK_DBL(series_value(out.p, "node_cooling_device_max_state{name=\"0\",type=\"Processor\"}"), 3);
	CHECK_DBL(series_value(out.p, "node_cooling_device_cur_state{name=\"0\",type=\"Processor\"}"), 0);
	/* a zone missing its policy is skipped; a garbage temperature fails */
	tmptree_put(&t, "sys/class/thermal/thermal_zone7/type", "x");
	tmptree_put(&t, "sys/class/thermal/thermal_zone7/temp", "1000");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK(!has_line(out.p, "node_thermal_zone_temp{type=\"x\""));
	CHECK_DBL(collector_success(out.p, "thermal_zone"), 1);
	tmptree_put(&t, "sys/class/thermal/thermal_zone7/policy", "step_wise");
	tmptree_put(&t, "sys/class/thermal/thermal_zone7/temp", "hot");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "thermal_zone"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* The shared tree keeps the class/thermal entries as link files: values match e2e-output.txt. */
static void shared_fixture(void)
{
	const char *extra[] = { "--collector.thermal_zone", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(extra, &out), 0);
	CHECK_DBL(series_value(out.p, "node_thermal_zone_temp{type=\"cpu-thermal\",zone=\"0\"}"), 12.376);
	CHECK_DBL(series_value(out.p, "node_cooling_device_max_state{name=\"0\",type=\"Processor\"}"), 3);
	CHECK_DBL(series_value(out.p, "node_cooling_device_cur_state{name=\"0\",type=\"Processor\"}"), 0);
	CHECK_DBL(collector_success(out.p, "thermal_zone"), 1);
	buf_fini(&out);
}

/* One agent scraping again and again: the entries' files are held, so a value written
 * in place is read through them; an entry that leaves the class directory lets go of
 * its files and is read afresh when it is back (here as another device). */
static void held_across_scrapes(void)
{
	struct tmptree t;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.thermal_zone", NULL };
	const char *z = "node_thermal_zone_temp{type=\"acpitz\",zone=\"1\"}";
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/devices/virtual/thermal/thermal_zone1/type", "acpitz\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/thermal_zone1/policy", "step_wise\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/thermal_zone1/temp", "40000\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/cooling_device3/type", "Processor\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/cooling_device3/max_state", "3\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/cooling_device3/cur_state", "0\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/cooling_device4/type", "Fan\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/cooling_device4/max_state", "9\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/cooling_device4/cur_state", "8\n");
	CHECK_INT(tmptree_link(&t, "sys/class/thermal/thermal_zone1",
			       "../../devices/virtual/thermal/thermal_zone1"), 0);
	CHECK_INT(tmptree_link(&t, "sys/class/thermal/cooling_device3",
			       "../../devices/virtual/thermal/cooling_device3"), 0);
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, z), 40);
	tmptree_put(&t, "sys/devices/virtual/thermal/thermal_zone1/temp", "45500\n");
	tmptree_put(&t, "sys/devices/virtual/thermal/cooling_device3/cur_state", "2\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, z), 45.5);
	CHECK_DBL(series_value(out.p, "node_cooling_device_cur_state{name=\"3\",type=\"Processor\"}"), 2);
	/* cooling_device3 goes; when it is back it is another device */
	CHECK_INT(tmptree_del(&t, "sys/class/thermal/cooling_device3"), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(!has_line(out.p, "node_cooling_device_cur_state{"));
	CHECK_INT(tmptree_link(&t, "sys/class/thermal/cooling_device3",
			       "../../devices/virtual/thermal/cooling_device4"), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, "node_cooling_device_cur_state{name=\"3\",type=\"Fan\"}"), 8);
	CHECK_DBL(series_value(out.p, "node_cooling_device_max_state{name=\"3\",type=\"Fan\"}"), 9);
	CHECK_DBL(collector_success(out.p, "thermal_zone"), 1);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void parse_int(void)
{
	int64_t v;
	CHECK(thermal_parse_int(SPAN_LIT("-1\n"), &v) == 0 && v == -1);
	CHECK(thermal_parse_int(SPAN_LIT(""), &v) < 0);
	CHECK(thermal_parse_int(SPAN_LIT("99999999999999999999"), &v) < 0);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(held_across_scrapes);
	RUN(fixture_values);
	RUN(parse_int);
	return T_DONE("test_thermal_zone");
}
