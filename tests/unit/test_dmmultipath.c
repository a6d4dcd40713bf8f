/*
 * test_dmmultipath: the dmmultipath collector against the fixture host and against a
 * copy of its multipath maps with the slaves/ directories the shared tree lost (so every
 * series of node_exporter's output is checked), hosts without maps, and maps with
 * missing, garbled and linked files; then the attribute helpers.
 */
#include "collectors/dmmultipath.h"
#include "harness.h"
#include "lib/procfile.h"
#include "lib/sysfs.h"
#include "tmptree.h"
#include "t.h"

#define MA "{device=\"mpathA\",sysfs_name=\"dm-5\"}"
#define MB "{device=\"mpathB\",sysfs_name=\"dm-6\"}"

/* What the shared tree has whatever it lost: the maps themselves. */
static void fixture_values(void)
{
	const char *flags[] = { "--collector.dmmultipath", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "dmmultipath"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_info{device=\"mpathA\",sysfs_name="
				      "\"dm-5\",uuid=\"mpath-3600508b1001c1234567890abcdef1234\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_active" MA), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_size_bytes" MA), 53687091200.0);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_size_bytes" MB), 107374182400.0);
	CHECK(!has_line(out.p, "node_dmmultipath_device_info{device=\"vg0-root\"")); /* LVM */
	buf_fini(&out);
}

/* Copy one file of the fixture's sys/ into the tree. */
static void copy_fixture(struct tmptree *t, const char *rel)
{
	char path[PATH_MAX], text[256];
	size_t len = 0;
	snprintf(path, sizeof(path), "%.3000s/%.200s", fixture_root(), rel);
	CHECK_INT(read_file_at(NULL, path, text, sizeof(text), &len), 0);
	CHECK_INT(tmptree_write(t, rel, text, len), 0);
}

/* The fixture's maps with their paths, as node_exporter's tree has them. */
static void make_maps(struct tmptree *t)
{
	static const char *const devs[] = { "dm-5", "dm-6", "dm-7" };
	static const char *const files[] = { "size", "dm/name", "dm/uuid", "dm/suspended" };
	static const char *const paths[] = { "sdi", "sdj", "sdk", "sdl", "sdm", "sdn" };
	char rel[64];
	for (size_t d = 0; d < 3; d++) {
		for (size_t f = 0; f < 4; f++) {
			snprintf(rel, sizeof(rel), "sys/block/%s/%s", devs[d], files[f]);
			copy_fixture(t, rel);
		}
	}
	for (size_t i = 0; i < 6; i++) {
		snprintf(rel, sizeof(rel), "sys/block/%s/device/state", paths[i]);
		copy_fixture(t, rel);
		snprintf(rel, sizeof(rel), "sys/block/dm-%d/slaves/%s", i < 4 ? 5 : 6, paths[i]);
		tmptree_mkdir(t, rel);
	}
}

/* Every dmmultipath series of node_exporter's output for its fixture. */
static void all_paths(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.dmmultipath", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	make_maps(&t);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "dmmultipath"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths" MA), 4);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths_active" MA), 3);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths_failed" MA), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths" MB), 2);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths_active" MB), 2);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths_failed" MB), 0);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_info{device=\"mpathB\",sysfs_name="
				      "\"dm-6\",uuid=\"mpath-3600508b1001cabcdef4567890123456\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_path_state{device=\"mpathA\",path=\"sdi\","
				      "state=\"running\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_path_state{device=\"mpathA\",path=\"sdl\","
				      "state=\"offline\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_path_state{device=\"mpathB\",path=\"sdn\","
				      "state=\"running\"}"), 1);
	CHECK(has_line(out.p, "# TYPE node_dmmultipath_path_state gauge"));

	/* NVMe's "live" counts as usable; a suspended map is not active */
	tmptree_put(&t, "sys/block/sdl/device/state", "live\n");
	tmptree_put(&t, "sys/block/dm-6/dm/suspended", "1\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths_active" MA), 4);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_active" MB), 0);

	/* a path whose block entry and device are links stored as files (a copied tree) */
	tmptree_del(&t, "sys/block/sdm");
	tmptree_put(&t, "sys/devices/x/dev/state", "blocked\n");
	tmptree_put(&t, "sys/devices/x/sdm/device", "../dev\n");
	tmptree_put(&t, "sys/block/sdm", "../devices/x/sdm\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "dmmultipath"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_path_state{device=\"mpathB\",path=\"sdm\","
				      "state=\"blocked\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_dmmultipath_device_paths_failed" MB), 1);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* No maps: success and no series; no /sys/block: no data. */
static void host_without_maps(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.dmmultipath", NULL };
	CHECK_INT(tmptree_run_empty("dmmultipath", &out), 0);
	CHECK_DBL(collector_success(out.p, "dmmultipath"), 0);
	CHECK(!has_line(out.p, "node_dmmultipath_"));
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/block/sda/size", "100\n");
	tmptree_put(&t, "sys/block/dm-0/size", "100\n"); /* a dm-* without dm/: skipped */
	tmptree_put(&t, "sys/block/dm-1/dm/uuid", "LVM-xyz\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "dmmultipath"), 1);
	CHECK(!has_line(out.p, "node_dmmultipath_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

/* Missing files report no data (success 0); garbled numbers fail; other collectors go
 * on either way. */
static void broken_maps(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.dmmultipath", "--collector.loadavg", NULL };
	static const struct {
		const char *del, *file, *text;
	} cases[] = {
		{ "sys/block/dm-5/dm/name", NULL, NULL },
		{ "sys/block/dm-5/dm/suspended", NULL, NULL },
		{ "sys/block/dm-5/size", NULL, NULL },
		{ "sys/block/sdj/device/state", NULL, NULL },
		{ NULL, "sys/block/dm-5/size", "lots\n" },
		{ NULL, "sys/block/dm-5/dm/suspended", "-1\n" },
		{ NULL, "sys/block/dm-5/size", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(tmptree_make(&t), 0);
		tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
		make_maps(&t);
		if (cases[i].del)
			tmptree_del(&t, cases[i].del);
		else
			tmptree_put(&t, cases[i].file, cases[i].text);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		if (collector_success(out.p, "dmmultipath") != 0)
			fprintf(stderr, "case %zu passed\n", i);
		CHECK_DBL(collector_success(out.p, "dmmultipath"), 0);
		CHECK(!has_line(out.p, "node_dmmultipath_"));
		CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
		tmptree_rm(&t);
	}
	/* a map without slaves/ has no paths; an over-long name is cut as procfs cuts it */
	CHECK_INT(tmptree_make(&t), 0);
	make_maps(&t);
	tmptree_del(&t, "sys/block/dm-6/slaves");
	char name[200];
	memset(name, 'n', sizeof(name));
	memcpy(name + SYSFS_ATTR_MAX - 4, " end", 4);
	tmptree_write(&t, "sys/block/dm-6/dm/name", name, sizeof(name));
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "dmmultipath"), 1);
	char series[300];
	snprintf(series, sizeof(series), "node_dmmultipath_device_paths{device=\"%.*s end\","
		 "sysfs_name=\"dm-6\"}", SYSFS_ATTR_MAX - 4, name);
	CHECK_DBL(series_value(out.p, series), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void helpers(void)
{
	struct dmmultipath_device d = { .sysfs_name = "dm-1" };
	CHECK(dmmultipath_is_multipath(SPAN_LIT("mpath-36001\n")));
	CHECK(dmmultipath_is_multipath(SPAN_LIT("  mpath-x")));
	CHECK(!dmmultipath_is_multipath(SPAN_LIT("mpath")));
	CHECK(!dmmultipath_is_multipath(SPAN_LIT("LVM-mpath-x")));
	CHECK(dmmultipath_parse_numbers(SPAN_LIT("1\n"), SPAN_LIT(" 8 \n"), &d) == 0);
	CHECK(d.suspended && d.size_bytes == 4096);
	CHECK(dmmultipath_parse_numbers(SPAN_LIT("2"), SPAN_LIT("36028797018963968"), &d) == 0);
	CHECK(!d.suspended && d.size_bytes == 0); /* 2^55 sectors wrap, as Go's product */
	CHECK(dmmultipath_parse_numbers(SPAN_LIT("0"), SPAN_LIT("+8"), &d) < 0);
	CHECK(dmmultipath_parse_numbers(SPAN_LIT("0x1"), SPAN_LIT("8"), &d) < 0);
	CHECK(dmmultipath_path_usable(SPAN_LIT("running")));
	CHECK(dmmultipath_path_usable(SPAN_LIT("live")));
	CHECK(!dmmultipath_path_usable(SPAN_LIT("Running")));
	CHECK(!dmmultipath_path_usable(SPAN_LIT("transport-offline")));
	struct metric_sink s;
	sink_init(&s);
	d.name = SPAN_LIT("m");
	d.uuid = SPAN_LIT("mpath-1");
	CHECK_INT(dmmultipath_emit_path(&d, "sda", SPAN_LIT(" running\n"), &s), 0);
	CHECK_INT(dmmultipath_emit_path(&d, "sdb", SPAN_LIT("offline"), &s), 0);
	CHECK(d.paths == 2 && d.active == 1);
	CHECK_INT(dmmultipath_emit_device(&d, &s), 0);
	CHECK_INT(s.nseries, 8);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(all_paths);
	RUN(host_without_maps);
	RUN(broken_maps);
	RUN(helpers);
	return T_DONE("test_dmmultipath");
}
