/*
 * test_rapl: the rapl collector against the fixture host (with node_exporter's exact
 * path labels when run as its end-to-end test runs), with the zone-label flag, on made-up
 * zone trees, and on hosts without powercap or with missing, unreadable or garbled
 * counters.
 */

#include "collectors/rapl.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.rapl", NULL };

/* A zone named name at sys/class/powercap/entry with energy uj. */
static void zone(struct tmptree *t, const char *entry, const char *name, const char *uj)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "sys/class/powercap/%s/name", entry);
	tmptree_put(t, rel, name);
	snprintf(rel, sizeof(rel), "sys/class/powercap/%s/max_energy_range_uj", entry);
	tmptree_put(t, rel, "262143328850\n");
	snprintf(rel, sizeof(rel), "sys/class/powercap/%s/energy_uj", entry);
	tmptree_put(t, rel, uj);
}

static void fixture_values(void)
{
	struct buf out = { 0 };
	char series[PATH_MAX + 200];
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	snprintf(series, sizeof(series),
		 "node_rapl_core_joules_total{index=\"0\",path=\"%.3000s/sys/class/powercap/"
		 "intel-rapl:0:0\"}",
		 fixture_root());
	CHECK_DBL(series_value(out.p, series), 118821.284256);
	snprintf(series, sizeof(series),
		 "node_rapl_package_joules_total{index=\"0\",path=\"%.3000s/sys/class/powercap/"
		 "intel-rapl:0\"}",
		 fixture_root());
	CHECK_DBL(series_value(out.p, series), 240422.366267);
	CHECK(has_line(out.p, "# TYPE node_rapl_package_joules_total counter"));
	CHECK_DBL(collector_success(out.p, "rapl"), 1);
	buf_fini(&out);
}

/* node_exporter's end-to-end test runs with --path.sysfs=collector/fixtures/sys: so run,
 * the path labels are e2e-output.txt's, byte for byte. */
static void e2e_path_labels(void)
{
	struct tmptree t;
	char cwd[PATH_MAX];
	struct buf out = { 0 };
	const char *rel[] = { "--path.sysfs=collector/fixtures/sys", "--collector.disable-defaults",
			      "--collector.rapl", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_link(&t, "collector/fixtures", fixture_root()), 0);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_INT(chdir(t.root), 0);
	CHECK_INT(harness_run(rel, &out), 0);
	CHECK_INT(chdir(cwd), 0);
	CHECK_DBL(series_value(out.p, "node_rapl_core_joules_total{index=\"0\",path=\"collector/"
				      "fixtures/sys/class/powercap/intel-rapl:0:0\"}"),
		  118821.284256);
	CHECK_DBL(series_value(out.p, "node_rapl_package_joules_total{index=\"0\",path=\"collector/"
				      "fixtures/sys/class/powercap/intel-rapl:0\"}"),
		  240422.366267);
	/* the path is cleaned as Go's filepath.Join cleans it */
	rel[0] = "--path.sysfs=./collector//fixtures/sys/";
	CHECK_INT(chdir(t.root), 0);
	CHECK_INT(harness_run(rel, &out), 0);
	CHECK_INT(chdir(cwd), 0);
	CHECK_DBL(series_value(out.p, "node_rapl_core_joules_total{index=\"0\",path=\"collector/"
				      "fixtures/sys/class/powercap/intel-rapl:0:0\"}"),
		  118821.284256);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void zone_label_flag(void)
{
	const char *f[] = { "--collector.rapl", "--collector.rapl.enable-zone-label", NULL };
	struct buf out = { 0 };
	char series[PATH_MAX + 200];
	CHECK_INT(harness_run_fixture(f, &out), 0);
	snprintf(series, sizeof(series),
		 "node_rapl_joules_total{index=\"0\",path=\"%.3000s/sys/class/powercap/"
		 "intel-rapl:0\",rapl_zone=\"package\"}",
		 fixture_root());
	CHECK_DBL(series_value(out.p, series), 240422.366267);
	CHECK(!has_line(out.p, "node_rapl_package_joules_total"));
	CHECK(has_line(out.p, "# TYPE node_rapl_joules_total counter"));
	buf_fini(&out);
}

/* Zones in entry-name order (not listing order); numbered names; repeated names counted;
 * names that are no metric name; entries that are no zone. */
static void made_up_zones(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char series[PATH_MAX + 200];
	CHECK_INT(tmptree_make(&t), 0);
	zone(&t, "z:3", "dram\n", "3000000\n");
	zone(&t, "z:1", "dram", "1000000");
	zone(&t, "z:2", "package-7\n", "2500000\n");
	zone(&t, "z:4", "package\n", "4000000\n");   /* after package-7: index 8 */
	zone(&t, "z:5", "psys x/y\n", "5000000\n");
	zone(&t, "z:6", "a-b-1\n", "6000000\n");     /* two dashes: no index in the name */
	zone(&t, "z:7", "core-x\n", "7000000\n");    /* no number after the dash */
	CHECK_INT(tmptree_mkdir(&t, "sys/class/powercap/intel-rapl"), 0); /* no name: skipped */
	tmptree_put(&t, "sys/class/powercap/stray", "not a folder\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 1);
#define Z(metric, index, entry, v)                                                           \
	snprintf(series, sizeof(series),                                                      \
		 metric "{index=\"" index "\",path=\"%.3000s/sys/class/powercap/" entry "\"}",   \
		 t.root);                                                                      \
	CHECK_DBL(series_value(out.p, series), v)
	Z("node_rapl_dram_joules_total", "0", "z:1", 1);
	Z("node_rapl_dram_joules_total", "1", "z:3", 3);
	Z("node_rapl_package_joules_total", "7", "z:2", 2.5);
	Z("node_rapl_package_joules_total", "8", "z:4", 4);
	Z("node_rapl_psys_x_y_joules_total", "0", "z:5", 5);
	Z("node_rapl_a_b_1_joules_total", "0", "z:6", 6);
	Z("node_rapl_core_x_joules_total", "0", "z:7", 7);
#undef Z
	/* a zone whose energy is not a number fails the scrape */
	zone(&t, "z:9", "uncore\n", "12 joules\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 0);
	CHECK(!has_line(out.p, "node_rapl_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

/* Run by tmptree_unreadable, as one who may not read energy_uj. */
static void unreadable_energy(struct tmptree *t, void *ctx)
{
	struct buf out = { 0 };
	(void)ctx;
	CHECK_INT(tmptree_run(t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 0);
	CHECK(!has_line(out.p, "node_rapl_"));
	buf_fini(&out);
}

/* No powercap class: no data. A zone without max_energy_range_uj: no data. A garbled
 * max_energy_range_uj, or an energy_uj missing or cut: a failure. Unreadable energy: no
 * data. */
static void missing_and_garbled(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("rapl", &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 0);
	CHECK(!has_line(out.p, "node_rapl_"));
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_mkdir(&t, "sys/class/powercap"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 1); /* the class, with no zone: success */
	zone(&t, "intel-rapl:0", "package-0\n", "100\n");
	tmptree_del(&t, "sys/class/powercap/intel-rapl:0/max_energy_range_uj");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 0);
	tmptree_put(&t, "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "-1\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 0);
	tmptree_put(&t, "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "5\n");
	tmptree_put(&t, "sys/class/powercap/intel-rapl:0/energy_uj", "");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 0);
	tmptree_del(&t, "sys/class/powercap/intel-rapl:0/energy_uj");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 0);
	tmptree_put(&t, "sys/class/powercap/intel-rapl:0/energy_uj", "1");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "rapl"), 1);
	CHECK(has_line(out.p, "node_rapl_package_joules_total{index=\"0\""));
	buf_fini(&out);
	/* energy_uj as current kernels make it, root's alone: no data, as in node_exporter */
	CHECK_INT(tmptree_unreadable(&t, "sys/class/powercap/intel-rapl:0/energy_uj",
				     unreadable_energy, NULL),
		  0);
	tmptree_rm(&t);
}

static void sanitize(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "package", "package" }, { "a__-__b", "a_b" },	 { "a-_-b", "a__b" },
		{ "__x__", "__x__" },	  { "x-", "x_" },	 { "-x", "_x" },
		{ "", "" },		  { "\xc3\xa9t\xc3\xa9", "_t_" }, { "a b\xff" "c", "a_b_c" },
		{ "1:2", "1_2" },	  { "_-_", "_" },
	};
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rapl_sanitize(span_cstr(cases[i].in), out, sizeof(out));
		CHECK_STR(out, cases[i].out);
	}
	CHECK_INT(rapl_sanitize(SPAN_LIT("abcdef"), out, 4), 3);
	CHECK_STR(out, "abc");
}

/* Names and indexes as prometheus/procfs gives them, through the pure functions. */
static void zone_numbering(void)
{
	struct rapl_zones zs = { 0 };
	static const char *const names[] = { "dram", "dram-+2", " dram \n", "x-9223372036854775807",
					     "x", "-3", "y-9223372036854775808" };
	static const long long want[] = { 0, 2, 3, 9223372036854775807LL,
					  (long long)(-9223372036854775807LL - 1), 3, 0 };
	static const char *const final[] = { "dram", "dram", "dram", "x", "x", "",
					     "y-9223372036854775808" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_INT(rapl_add_entry(&zs, "e"), 0);
		CHECK_INT(rapl_add_zone(&zs, (uint32_t)i, span_cstr(names[i]), 0, 1), 0);
		CHECK_INT(zs.z[i].index, want[i]);
		CHECK_STR(zs.names.p + zs.z[i].name_off, final[i]);
	}
	rapl_zones_reset(&zs);
	CHECK_INT(zs.n, 0);
	CHECK_INT(rapl_add_entry(&zs, "b"), 0);
	CHECK_INT(rapl_add_entry(&zs, "a"), 0);
	rapl_sort_entries(&zs);
	CHECK_STR(rapl_entry(&zs, 0), "a");
	rapl_zones_fini(&zs);
}

int main(void)
{
	RUN(fixture_values);
	RUN(e2e_path_labels);
	RUN(zone_label_flag);
	RUN(made_up_zones);
	RUN(missing_and_garbled);
	RUN(sanitize);
	RUN(zone_numbering);
	return T_DONE("test_rapl");
}
