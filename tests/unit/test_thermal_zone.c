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
	RUN(fixture_values);
	RUN(parse_int);
	return T_DONE("test_thermal_zone");
}
