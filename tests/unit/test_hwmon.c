/*
 * test_hwmon: the hwmon collector on the shared node_exporter fixture (values from its
 * e2e-output.txt), its chip and sensor filters, chip naming when labels collide, and
 * hostile chip directories built in temporary trees; plus the file-name, name-cleaning
 * and number parsers it relies on.
 */
#include "collectors/hwmon.h"
#include "harness.h"
#include "lib/gofloat.h"
#include "t.h"
#include "tmptree.h"

#define INCLUDE "--collector.hwmon.chip-include=(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779)"

static void fixture_values(void)
{
	const char *extra[] = { "--collector.hwmon", INCLUDE, NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(extra, &out), 0);
	const char *t = out.p;
	CHECK_DBL(collector_success(t, "hwmon"), 1);
	CHECK_DBL(series_value(t, "node_hwmon_temp_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"}"), 55);
	CHECK_DBL(series_value(t, "node_hwmon_temp_celsius{chip=\"ieee80211_phy0_mt7996_phy0_2\",sensor=\"temp1\"}"), 57);
	CHECK_DBL(series_value(t, "node_hwmon_temp_crit_alarm_celsius{chip=\"hwmon4\",sensor=\"temp2\"}"), 0);
	CHECK_DBL(series_value(t, "node_hwmon_in_max_volts{chip=\"nct6779\",sensor=\"in0\"}"), 1.744);
	CHECK_DBL(series_value(t, "node_hwmon_in_volts{chip=\"nct6779\",sensor=\"in1\"}"), 1.024);
	CHECK_DBL(series_value(t, "node_hwmon_fan_rpm{chip=\"platform_applesmc_768\",sensor=\"fan2\"}"), 1998);
	CHECK_DBL(series_value(t, "node_hwmon_fan_target_rpm{chip=\"nct6779\",sensor=\"fan2\"}"), 27000);
	CHECK_DBL(series_value(t, "node_hwmon_fan_manual{chip=\"platform_applesmc_768\",sensor=\"fan1\"}"), 0);
	CHECK_DBL(series_value(t, "node_hwmon_intrusion_alarm{chip=\"nct6779\",sensor=\"intrusion1\"}"), 1);
	CHECK_DBL(series_value(t, "node_hwmon_pwm_auto_point5_temp{chip=\"nct6779\",sensor=\"pwm1\"}"), 75000);
	CHECK_DBL(series_value(t, "node_hwmon_pwm_enable{chip=\"platform_asus_nb_wmi_asus_wmi_sensors\",sensor=\"pwm1\"}"), 2);
	CHECK_DBL(series_value(t, "node_hwmon_freq_freq_mhz{chip=\"hwmon4\",sensor=\"sclk\"}"), 214);
	CHECK_DBL(series_value(t, "node_hwmon_sensor_label{chip=\"platform_applesmc_768\",label=\"Left side\",sensor=\"fan1\"}"), 1);
	CHECK_DBL(series_value(t, "node_hwmon_sensor_label{chip=\"platform_coretemp_1\",label=\"Physical id 0\",sensor=\"temp1\"}"), 1);
	CHECK_DBL(series_value(t, "node_hwmon_chip_names{chip=\"platform_asus_nb_wmi_asus\",chip_name=\"asus\"}"), 1);
	CHECK_DBL(series_value(t, "node_hwmon_chip_names{chip=\"nct6779\",chip_name=\"nct6779\"}"), 1);
	/* applesmc has no name file; the bogus chip is filtered out; empty fan1_safe skipped */
	CHECK(!has_line(t, "node_hwmon_chip_names{chip=\"platform_applesmc_768\""));
	CHECK(!has_line(t, "node_hwmon_chip_names{chip=\"bogus\""));
	CHECK(!has_line(t, "node_hwmon_fan_safe"));
	buf_fini(&out);
}

static void filters(void)
{
	const char *extra[] = { "--collector.hwmon", "--collector.hwmon.chip-exclude=^(bogus|nct)",
				"--collector.hwmon.sensor-exclude=^platform_coretemp_0;temp[12]$", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(extra, &out), 0);
	CHECK(!has_line(out.p, "node_hwmon_chip_names{chip=\"bogus\""));
	CHECK(!has_line(out.p, "node_hwmon_in_volts"));
	CHECK(isnan(series_value(out.p, "node_hwmon_temp_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"}")));
	CHECK(isnan(series_value(out.p, "node_hwmon_sensor_label{chip=\"platform_coretemp_0\",label=\"Core 0\",sensor=\"temp2\"}")));
	CHECK_DBL(series_value(out.p, "node_hwmon_temp_celsius{chip=\"platform_coretemp_0\",sensor=\"temp3\"}"), 52);
	CHECK_DBL(series_value(out.p, "node_hwmon_temp_celsius{chip=\"platform_coretemp_1\",sensor=\"temp1\"}"), 55);
	const char *inc[] = { "--collector.hwmon", "--collector.hwmon.sensor-include=;fan", NULL };
	CHECK_INT(harness_run_fixture(inc, &out), 0);
	CHECK(!has_line(out.p, "node_hwmon_temp_celsius"));
	CHECK_DBL(series_value(out.p, "node_hwmon_fan_rpm{chip=\"nct6779\",sensor=\"fan2\"}"), 1098);
	/* a bad pattern is a start-up error */
	const char *bad[] = { "--collector.hwmon", "--collector.hwmon.chip-include=(", NULL };
	CHECK_INT(harness_run_fixture(bad, &out), -EINVAL);
	buf_fini(&out);
}

/* Run the hwmon collector on the tree (its sys/) into out. */
static int run_tree(const struct tmptree *t, struct buf *out)
{
	const char *flags[] = { "--collector.hwmon", NULL };
	return tmptree_run(t, flags, out);
}

static double success(const char *text)
{
	return collector_success(text, "hwmon");
}

/* Several hwmon nodes on one device: told apart by name, else by hwmonN. */
static void collisions(void)
{
	struct tmptree tree;
	CHECK_INT(tmptree_make(&tree), 0);
	struct buf out = { 0 };
	const char *dev = "devices/pci0000:00/0000:00:01.0";
	char rel[256];
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "sys/class/hwmon/hwmon%d", i);
		char target[200];
		snprintf(target, sizeof(target), "../../%s/hwmon/hwmon%d", dev, i);
		tmptree_put(&tree, rel, target);
		snprintf(rel, sizeof(rel), "sys/%s/hwmon/hwmon%d/device", dev, i);
		tmptree_put(&tree, rel, "../../../0000:00:01.0");
		snprintf(rel, sizeof(rel), "sys/%s/hwmon/hwmon%d/name", dev, i);
		tmptree_put(&tree, rel, i < 2 ? (i ? "gpu\n" : "GPU Mem\n") : "same\n");
		snprintf(rel, sizeof(rel), "sys/%s/hwmon/hwmon%d/temp1_input", dev, i);
		tmptree_put(&tree, rel, "1000");
	}
	/* a chip behind real symlinks, as on a live /sys */
	char target[PATH_MAX];
	tmptree_put(&tree, "sys/devices/platform/it87.2608/hwmon/hwmon7/in0_input", "1200");
	tmptree_path(&tree, "sys/devices/platform/it87.2608/hwmon/hwmon7", target, sizeof(target));
	CHECK_INT(tmptree_link(&tree, "sys/class/hwmon/hwmon7", target), 0);
	CHECK_INT(tmptree_link(&tree, "sys/devices/platform/it87.2608/hwmon/hwmon7/device",
			       "../../../it87.2608"), 0);
	CHECK_INT(run_tree(&tree, &out), 0);
	CHECK_DBL(success(out.p), 1);
	CHECK_DBL(series_value(out.p, "node_hwmon_in_volts{chip=\"platform_it87_2608\",sensor=\"in0\"}"), 1.2);
	CHECK_DBL(series_value(out.p, "node_hwmon_temp_celsius{chip=\"pci0000:00_0000:00:01_0_gpu_mem\",sensor=\"temp1\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_hwmon_temp_celsius{chip=\"pci0000:00_0000:00:01_0_gpu\",sensor=\"temp1\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_hwmon_chip_names{chip=\"pci0000:00_0000:00:01_0_hwmon2\",chip_name=\"same\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_hwmon_temp_celsius{chip=\"pci0000:00_0000:00:01_0_hwmon3\",sensor=\"temp1\"}"), 1);
	buf_fini(&out);
	tmptree_rm(&tree);
}

/* A chip directory with everything a broken or hostile driver could put there. */
static void hostile_chip(void)
{
	struct tmptree tree;
	CHECK_INT(tmptree_make(&tree), 0);
	struct buf out = { 0 };
	/* no class directory: node_exporter reports no data, a failed collection */
	CHECK_INT(run_tree(&tree, &out), 0);
	CHECK_DBL(success(out.p), 0);

	const char *files[][2] = {
		{ "name", "M\xc3\xbf Chip!\n" },
		{ "temp1_input", "garbage" },  /* not a number: skipped */
		{ "temp2_input", "0x10" },     /* hex without p exponent: Go refuses it */
		{ "temp3_input", " 42000" },   /* leading blank: refused */
		{ "temp4_input", "\n42000\n\n" },
		{ "temp5_label", "ab\xff\xfe" "cd" },
		{ "temp5_input", "1000" },
		{ "in0_input", "1e400" },      /* overflows a double: skipped */
		{ "in1_input", "-Inf" },
		{ "temp01_max", "1000" },      /* same sensor as temp1_max: sorts first, loses */
		{ "temp1_max", "2000" },
		{ "temp6", "3000" },           /* a bare value and an input: two families */
		{ "temp6_input", "4000" },
		{ "temp6_type", "4" },
		{ "beep_enable", "1" },
		{ "vrm", "9.1" },
		{ "update_interval", "1500" },
		{ "energy1_input", "2500000" },
		{ "power1_average_interval", "500" },
		{ "power1_accuracy", "25000" },
		{ "power1_input", "7000000" },
		{ "humidity1_input", "450000" },
		{ "curr1_input", "1500" },
		{ "fan1_pulses", "2" },
		{ "freq1_input", "1000000" },  /* no label: not reported */
		{ "fan2_Weird-Prop", "7" },
		{ "uevent", "DRIVER=x" },
		{ "bogus1_input", "5" },
	};
	char rel[300];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/class/hwmon/hwmon0/%s", files[i][0]);
		tmptree_put(&tree, rel, files[i][1]);
	}
	char big[201];
	memset(big, '0', 200);
	big[0] = '1';
	big[200] = '\0';
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp8_input", big);
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp7_input/x", "1");   /* a directory: skipped */
	tmptree_put(&tree, "sys/class/hwmon/notalink", "just text");          /* not a link: skipped */
	tmptree_put(&tree, "sys/class/hwmon/hwmon9", "../../devices/gone/hwmon9"); /* dangling */
	CHECK_INT(run_tree(&tree, &out), 0);
	const char *t = out.p;
	CHECK_DBL(success(t), 1);
#define V(s) series_value(t, s)
	CHECK_DBL(V("node_hwmon_chip_names{chip=\"m__chip\",chip_name=\"m__chip\"}"), 1);
	CHECK(!has_line(t, "node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp1\"}"));
	CHECK(!has_line(t, "node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp2\"}"));
	CHECK(!has_line(t, "node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp3\"}"));
	CHECK(!has_line(t, "node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp7\"}"));
	CHECK(!has_line(t, "node_hwmon_in_volts{chip=\"m__chip\",sensor=\"in0\"}"));
	CHECK(!has_line(t, "node_hwmon_freq"));
	CHECK(!has_line(t, "node_hwmon_bogus"));
	CHECK_DBL(V("node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp4\"}"), 42);
	CHECK_DBL(V("node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp5\"}"), 1);
	CHECK_DBL(V("node_hwmon_sensor_label{chip=\"m__chip\",label=\"ab\xef\xbf\xbd" "cd\",sensor=\"temp5\"}"), 1);
	CHECK(isinf(V("node_hwmon_in_volts{chip=\"m__chip\",sensor=\"in1\"}")));
	CHECK_DBL(V("node_hwmon_temp_max_celsius{chip=\"m__chip\",sensor=\"temp1\"}"), 2);
	CHECK_DBL(V("node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp6\"}"), 3);
	CHECK_DBL(V("node_hwmon_temp_input_celsius{chip=\"m__chip\",sensor=\"temp6\"}"), 4);
	CHECK_DBL(V("node_hwmon_temp_type{chip=\"m__chip\",sensor=\"temp6\"}"), 4);
	CHECK_DBL(V("node_hwmon_beep_enabled{chip=\"m__chip\",sensor=\"beep_enable0\"}"), 1);
	CHECK_DBL(V("node_hwmon_voltage_regulator_version{chip=\"m__chip\",sensor=\"vrm0\"}"), 9.1);
	CHECK_DBL(V("node_hwmon_update_interval_seconds{chip=\"m__chip\",sensor=\"update_interval0\"}"), 1.5);
	CHECK_DBL(V("node_hwmon_energy_joule_total{chip=\"m__chip\",sensor=\"energy1\"}"), 2.5);
	CHECK(strstr(t, "# TYPE node_hwmon_energy_joule_total counter") != NULL);
	CHECK_DBL(V("node_hwmon_power_average_interval_seconds{chip=\"m__chip\",sensor=\"power1\"}"), 0.5);
	CHECK_DBL(V("node_hwmon_power_accuracy{chip=\"m__chip\",sensor=\"power1\"}"), 0.025);
	CHECK_DBL(V("node_hwmon_power_watt{chip=\"m__chip\",sensor=\"power1\"}"), 7);
	CHECK_DBL(V("node_hwmon_humidity{chip=\"m__chip\",sensor=\"humidity1\"}"), 0.45);
	CHECK_DBL(V("node_hwmon_curr_amps{chip=\"m__chip\",sensor=\"curr1\"}"), 1.5);
	CHECK_DBL(V("node_hwmon_fan_pulses{chip=\"m__chip\",sensor=\"fan1\"}"), 2);
	CHECK_DBL(V("node_hwmon_fan_weird_prop{chip=\"m__chip\",sensor=\"fan2\"}"), 7);
	/* a value longer than 128 bytes is cut at 128, as node_exporter reads it */
	CHECK_DBL(V("node_hwmon_temp_celsius{chip=\"m__chip\",sensor=\"temp8\"}"), 1e124);
#undef V

	/* a device entry that is neither a link nor a directory fails the collection */
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/device", "not a link");
	CHECK_INT(run_tree(&tree, &out), 0);
	CHECK_DBL(success(out.p), 0);
	buf_fini(&out);
	tmptree_rm(&tree);
}

/* A chip read again and again with one agent: its readings are put in order from the
 * last scrape's order, and what wins among files naming the same sensor and property
 * (the later in file-name order) is what a fresh agent finds, through files that
 * change, appear and go between scrapes without the count changing. */
static void kept_order_across_scrapes(void)
{
	struct tmptree tree;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 }, fresh = { 0 };
	const char *flags[] = { "--collector.hwmon", NULL };
	const char *max1 = "node_hwmon_temp_max_celsius{chip=\"hwmon0\",sensor=\"temp1\"}";
	const char *in1 = "node_hwmon_temp_celsius{chip=\"hwmon0\",sensor=\"temp1\"}";
	const char *in2 = "node_hwmon_temp_celsius{chip=\"hwmon0\",sensor=\"temp2\"}";
	CHECK_INT(tmptree_make(&tree), 0);
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp01_max", "1000");
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp1_max", "2000");
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp1_input", "3000");
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp2_input", "4000");
	CHECK_INT(tmptree_start(&tree, flags, &a, &cfg), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_INT(harness_collect(&a, &out), 0);
		CHECK_DBL(series_value(out.p, max1), 2);
		CHECK_DBL(series_value(out.p, in1), 3);
		CHECK_DBL(series_value(out.p, in2), 4);
	}
	/* as many files, another winner: temp1_max goes, temp001_max sorts before temp01_max */
	CHECK_INT(tmptree_del(&tree, "sys/class/hwmon/hwmon0/temp1_max"), 0);
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp001_max", "5000");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_INT(run_tree(&tree, &fresh), 0);
	CHECK_DBL(series_value(fresh.p, max1), 1);
	CHECK_DBL(series_value(out.p, max1), 1);
	CHECK_DBL(series_value(out.p, in2), 4);
	/* one more file, and a sensor that moves in the order */
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp1_max", "6000");
	CHECK_INT(tmptree_del(&tree, "sys/class/hwmon/hwmon0/temp2_input"), 0);
	tmptree_put(&tree, "sys/class/hwmon/hwmon0/temp0002_input", "7000");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_INT(run_tree(&tree, &fresh), 0);
	CHECK_DBL(series_value(fresh.p, max1), 6);
	CHECK_DBL(series_value(out.p, max1), 6);
	CHECK_DBL(series_value(out.p, in2), 7);
	CHECK_DBL(collector_success(out.p, "hwmon"), 1);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	buf_fini(&fresh);
	CHECK_INT(tmptree_rm(&tree), 0);
}

static void explode(void)
{
	struct span type, prop;
	int64_t num;
#define EX(s, ok, ty, n, pr)                                                                 \
	do {                                                                                 \
		bool r_ = hwmon_explode(SPAN_LIT(s), &type, &num, &prop);                    \
		CHECK(r_ == (ok));                                                           \
		if (r_ && (ok)) {                                                            \
			CHECK(span_eq(type, ty));                                            \
			CHECK_INT(num, n);                                                   \
			CHECK(span_eq(prop, pr));                                            \
		}                                                                            \
	} while (0)
	EX("temp1_input", true, "temp", 1, "input");
	EX("pwm1_auto_point1_pwm", true, "pwm", 1, "auto_point1_pwm");
	EX("beep_enable", true, "beep_enable", 0, "");
	EX("in10", true, "in", 10, "");
	EX("temp007_max", true, "temp", 7, "max");
	EX("foo_1x", true, "foo", 0, "1x");   /* backtracks to a shorter type */
	EX("foo1_", false, "", 0, "");
	EX("1temp", false, "", 0, "");
	EX("temp1x", false, "", 0, "");
	EX("temp1_a\nb", false, "", 0, "");   /* '.' does not match a newline */
	EX("temp99999999999999999999_input", false, "", 0, "");
#undef EX
	CHECK(hwmon_is_sensor_file(SPAN_LIT("fan3_min")));
	CHECK(!hwmon_is_sensor_file(SPAN_LIT("name")));
	CHECK(!hwmon_is_sensor_file(SPAN_LIT("temp_input")));
}

static void clean(void)
{
	char out[64];
	CHECK_INT(hwmon_clean(SPAN_LIT("platform"), out, sizeof(out)), 8);
	hwmon_clean(SPAN_LIT("Core 0"), out, sizeof(out));
	CHECK_STR(out, "core_0");
	hwmon_clean(SPAN_LIT("__asus-nb-wmi__\n"), out, sizeof(out));
	CHECK_STR(out, "asus_nb_wmi");
	hwmon_clean(SPAN_LIT("a\xc3\xa9" "b"), out, sizeof(out)); /* one rune, one '_' */
	CHECK_STR(out, "a_b");
	hwmon_clean(SPAN_LIT("a\xff\xfe" "b"), out, sizeof(out)); /* two bad bytes */
	CHECK_STR(out, "a__b");
	hwmon_clean(SPAN_LIT("\xc4\xb0x\xe2\x84\xaa"), out, sizeof(out)); /* İ and Kelvin */
	CHECK_STR(out, "ixk");
	CHECK_INT(hwmon_clean(SPAN_LIT("!!!"), out, sizeof(out)), 0);
	CHECK_INT(hwmon_clean(SPAN_LIT("abcdef"), out, 4), 3);
}

static void gofloat(void)
{
	double v;
	CHECK(go_parse_float(SPAN_LIT("55000"), &v) == 0 && v == 55000);
	CHECK(go_parse_float(SPAN_LIT("-1.5e3"), &v) == 0 && v == -1500);
	CHECK(go_parse_float(SPAN_LIT(".5"), &v) == 0 && v == 0.5);
	CHECK(go_parse_float(SPAN_LIT("5."), &v) == 0 && v == 5);
	CHECK(go_parse_float(SPAN_LIT("0x1p4"), &v) == 0 && v == 16);
	CHECK(go_parse_float(SPAN_LIT("+Infinity"), &v) == 0 && isinf(v) && v > 0);
	CHECK(go_parse_float(SPAN_LIT("NaN"), &v) == 0 && isnan(v));
	CHECK(go_parse_float(SPAN_LIT("1e-400"), &v) == 0 && v == 0);
	CHECK_INT(go_parse_float(SPAN_LIT("1e400"), &v), -ERANGE);
	const char *bad[] = { "", " 1", "1 ", "0x10", "+nan", "infin", "1e", "1e+", ".", "1_000",
			      "nan(1)", "--1", "1.2.3", "0x", "e5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(go_parse_float(span_cstr(bad[i]), &v), -EINVAL);
}

int main(void)
{
	RUN(fixture_values);
	RUN(filters);
	RUN(collisions);
	RUN(hostile_chip);
	RUN(kept_order_across_scrapes);
	RUN(explode);
	RUN(clean);
	RUN(gofloat);
	return T_DONE("test_hwmon");
}
