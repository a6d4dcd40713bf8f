/*
 * test_diskstats: the diskstats collector against the fixture host and hostile input,
 * and a device's udev file changing under one agent.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "collectors/diskstats.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.diskstats", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_disk_read_bytes_total{device=\"dm-0\"}"), 5.13708655616e+11);
	CHECK_DBL(series_value(out.p, "node_disk_io_time_seconds_total{device=\"sda\"}"), 9653.880000000001);
	CHECK_DBL(series_value(out.p, "node_disk_discarded_sectors_total{device=\"sdb\"}"), 1925173784);
	CHECK_DBL(series_value(out.p, "node_disk_flush_requests_total{device=\"sdc\"}"), 1555);
	CHECK_DBL(series_value(out.p, "node_disk_ata_rotation_rate_rpm{device=\"sda\"}"), 7200);
	CHECK_DBL(series_value(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\","
				      "model=\"TOSHIBA_KSDB4U86\",path=\"pci-0000:3b:00.0-sas-phy7-lun-0\","
				      "revision=\"0102\",rotational=\"1\",serial=\"2160A0D5FVGG\","
				      "wwn=\"0x7c72382b8de36a64\"}"), 1);
	CHECK(isnan(series_value(out.p, "node_disk_reads_completed_total{device=\"sda1\"}")));
	CHECK(isnan(series_value(out.p, "node_disk_discards_completed_total{device=\"sda\"}")));
	CHECK(has_line(out.p, "node_disk_device_mapper_info{device=\"dm-1\""));
	CHECK_DBL(collector_success(out.p, "diskstats"), 1);
	buf_fini(&out);
}

static void include_flag_needs_empty_exclude(void)
{
	const char *bad[] = { "--collector.diskstats", "--collector.diskstats.device-include=^sda$", NULL };
	const char *good[] = { "--collector.diskstats", "--collector.diskstats.device-exclude=",
			       "--collector.diskstats.device-include=^sda$", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(bad, &out), 0);
	CHECK(!has_line(out.p, "node_disk_"));
	CHECK_INT(harness_run_fixture(good, &out), 0);
	CHECK(has_line(out.p, "node_disk_reads_completed_total{device=\"sda\"}"));
	CHECK(!has_line(out.p, "node_disk_reads_completed_total{device=\"sdb\"}"));
	buf_fini(&out);
}

static void missing_file_fails(void)
{
	const char *flags[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
				"--collector.diskstats", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "diskstats"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ret;
		unsigned series;
	} cases[] = {
		{ "", 0, 0 },
		{ "8 0 sda 1 2 3\n", 0, 0 },                               /* too short: skipped */
		{ "8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", 0, 11 },
		{ "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n", 0, 17 },
		{ "8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n", -EINVAL, 0 },        /* garbage is fatal */
		{ "99999999999 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", -EINVAL, 0 },
		{ "8 0 sda 1 2 3 4 5 6 7 8 9 10 99999999999999999999999\n", -EINVAL, 0 },
		{ "8 0 sda 18446744073709551615 2 3 4 5 6 7 8 9 10 11", 0, 11 },
		{ "\n\n   \n", 0, 0 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = diskstats_parse(cases[i].text, strlen(cases[i].text), NULL, &s);
		CHECK_INT(r < 0 ? -EINVAL : 0, cases[i].ret);
		if (r == 0)
			CHECK_INT(s.nseries, cases[i].series);
	}
	sink_fini(&s);
}

static void udev_properties(void)
{
	const char *text = "S:disk\nE:ID_FS_TYPE=ext4\nE:ID_FS_UUID=a\nE:ID_FS_UUID=b\nE:ID_ATA=1\n"
			   "E:ID_ATA_WRITE_CACHE=x\nE:ID_ATA_ROTATION_RATE_RPM=5400\nE:\nE:=\nE:DM_NAME";
	struct span v;
	CHECK(udev_prop(span_cstr(text), "ID_FS_UUID", &v) && span_eq(v, "b"));
	CHECK(!udev_prop(span_cstr(text), "DM_NAME", &v));
	CHECK(!udev_prop(span_cstr(text), "ID_FS", &v));
	struct metric_sink s;
	sink_init(&s);
	CHECK_INT(diskstats_emit_udev(SPAN_LIT("sdz"), span_cstr(text), &s), 0);
	CHECK_INT(s.nseries, 2); /* filesystem_info and the one parseable ATA value */
	sink_fini(&s);
}

/* One agent scraping again and again follows a device's udev file as udev changes it:
 * replaced by a rename, rewritten in place at another size, removed, put back, and
 * replaced by a FIFO (not read, the device still reported). */
static void udev_file_changes(void)
{
	struct tmptree t;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	char from[PATH_MAX], to[PATH_MAX], udev[PATH_MAX + 32];
	const char *flags[] = { "--collector.diskstats", udev, NULL };
	const char *db = "run/udev/data/b8:0";
	CHECK_INT(tmptree_make(&t), 0);
	snprintf(udev, sizeof(udev), "--path.udev.data=%s/run/udev/data", t.root);
	tmptree_put(&t, "proc/diskstats", "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
	tmptree_put(&t, "sys/block/sda/queue/rotational", "1\n");
	tmptree_put(&t, db, "E:ID_MODEL=first\n");
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(has_line(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"first\""));
	CHECK_INT(harness_collect(&a, &out), 0); /* the same file: its text kept */
	CHECK(has_line(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"first\""));
	tmptree_put(&t, "run/udev/data/.tmp", "E:ID_MODEL=renamed\n"); /* as udev writes */
	CHECK_INT(rename(tmptree_path(&t, "run/udev/data/.tmp", from, sizeof(from)),
			 tmptree_path(&t, db, to, sizeof(to))), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(has_line(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"renamed\""));
	tmptree_put(&t, db, "E:ID_MODEL=in place, longer\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(has_line(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"in place, longer\""));
	CHECK_INT(tmptree_del(&t, db), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(has_line(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"\""));
	tmptree_put(&t, db, "E:ID_MODEL=back\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(has_line(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"back\""));
	CHECK_INT(tmptree_del(&t, db), 0);
	CHECK_INT(mkfifo(tmptree_path(&t, db, to, sizeof(to)), 0644), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(has_line(out.p, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"\""));
	CHECK_DBL(collector_success(out.p, "diskstats"), 1);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	tmptree_rm(&t);
}

int main(void)
{
	RUN(fixture_values);
	RUN(include_flag_needs_empty_exclude);
	RUN(missing_file_fails);
	RUN(hostile_input);
	RUN(udev_properties);
	RUN(udev_file_changes);
	return T_DONE("test_diskstats");
}
