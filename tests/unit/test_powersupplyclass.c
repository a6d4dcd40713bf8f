/*
 * test_powersupplyclass: the power supply collector against the fixture host and
 * hostile attribute values.
 */
#include "collectors/powersupplyclass.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.powersupplyclass", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_power_supply_energy_watthour{power_supply=\"BAT0\"}"), 36.58);
	CHECK_DBL(series_value(out.p, "node_power_supply_voltage_min_design{power_supply=\"BAT0\"}"), 10.8);
	CHECK_DBL(series_value(out.p, "node_power_supply_online{power_supply=\"AC\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_power_supply_info{power_supply=\"AC\",type=\"Mains\"}"), 1);
	CHECK(has_line(out.p, "node_power_supply_info{capacity_level=\"Normal\",manufacturer=\"LGC\","
			      "model_name=\"LNV-45N1\xef\xbf\xbd\xef\xbf\xbd\""));
	const char *ign[] = { "--collector.powersupplyclass",
			      "--collector.powersupply.ignored-supplies=^BAT", NULL };
	CHECK_INT(harness_run_fixture(ign, &out), 0);
	CHECK(!has_line(out.p, "node_power_supply_capacity"));
	CHECK(has_line(out.p, "node_power_supply_online{power_supply=\"AC\"}"));
	buf_fini(&out);
}

static void hostile_trees(void)
{
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	const char *flags[] = { "--collector.powersupplyclass", NULL };
	struct buf out = { 0 };
	CHECK_INT(tmptree_run(&t, flags, &out), 0); /* no class directory */
	CHECK_DBL(collector_success(out.p, "powersupplyclass"), 0);
	tmptree_put(&t, "sys/class/power_supply/X/capacity", "0x10\n");
	tmptree_put(&t, "sys/class/power_supply/X/model_name", "a\xff\xfe" "b\n");
	tmptree_put(&t, "sys/class/power_supply/X/temp", "-15");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_power_supply_capacity{power_supply=\"X\"}"), 16);
	CHECK_DBL(series_value(out.p, "node_power_supply_temp_celsius{power_supply=\"X\"}"), -1.5);
	CHECK(has_line(out.p, "node_power_supply_info{model_name=\"a\xef\xbf\xbd" "b\",power_supply=\"X\"}"));
	tmptree_put(&t, "sys/class/power_supply/X/capacity", "lots");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "powersupplyclass"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void parse_int(void)
{
	int64_t v;
	CHECK(psu_parse_int(SPAN_LIT("0x1f"), &v) == 0 && v == 31);
	CHECK(psu_parse_int(SPAN_LIT("010"), &v) == 0 && v == 8);
	CHECK(psu_parse_int(SPAN_LIT("0b11"), &v) == 0 && v == 3);
	CHECK(psu_parse_int(SPAN_LIT("-9223372036854775808"), &v) == 0 && v == INT64_MIN);
	CHECK(psu_parse_int(SPAN_LIT("9223372036854775808"), &v) < 0);
	CHECK(psu_parse_int(SPAN_LIT("0x"), &v) < 0);
	CHECK(psu_parse_int(SPAN_LIT("-"), &v) < 0);
	CHECK(psu_parse_int(SPAN_LIT(""), &v) < 0);
	CHECK(psu_parse_int(SPAN_LIT("0"), &v) == 0 && v == 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(hostile_trees);
	RUN(parse_int);
	return T_DONE("test_powersupplyclass");
}
