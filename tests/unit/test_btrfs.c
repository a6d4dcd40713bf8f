/*
 * test_btrfs: the btrfs collector against the fixture host, hosts without btrfs, and
 * filesystems whose files are missing or broken (where node_exporter's reader keeps,
 * drops or spreads its error); then the parsers, the listing rule, the ioctl view from
 * a made-up survey, and a survey of mounts that are not btrfs. When this machine has a
 * btrfs mount, the collector's ioctl view of it is checked too.
 */
#include <stdio.h>

#include "collectors/btrfs.h"
#include "harness.h"
#include "lib/btrfsdev.h"
#include "tmptree.h"
#include "t.h"

#define U1 "uuid=\"0abb23a9-579b-43e6-ad30-227ef47fcb9d\""
#define U2 "uuid=\"7f07c59f-6136-449c-ab87-e1cf2328731b\""

static void fixture_values(void)
{
	const char *flags[] = { "--collector.btrfs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK_DBL(series_value(out.p, "node_btrfs_info{label=\"fixture\"," U1 "}"), 1);
	CHECK_DBL(series_value(out.p, "node_btrfs_info{label=\"\"," U2 "}"), 1);
	CHECK_DBL(series_value(out.p, "node_btrfs_global_rsv_size_bytes{" U1 "}"), 16777216);
	CHECK_DBL(series_value(out.p, "node_btrfs_commits_total{" U1 "}"), 258051);
	CHECK_DBL(series_value(out.p, "node_btrfs_commit_seconds_total{" U1 "}"), 47836.09);
	CHECK_DBL(series_value(out.p, "node_btrfs_last_commit_seconds{" U1 "}"), 1);
	CHECK_DBL(series_value(out.p, "node_btrfs_max_commit_seconds{" U1 "}"), 51.462);
	CHECK_DBL(series_value(out.p, "node_btrfs_commits_total{" U2 "}"), 0); /* no file */
	CHECK_DBL(series_value(out.p, "node_btrfs_allocation_ratio{block_group_type=\"data\","
				      "mode=\"raid5\"," U2 "}"), 4.0 / 3);
	CHECK_DBL(series_value(out.p, "node_btrfs_allocation_ratio{block_group_type=\"metadata\","
				      "mode=\"raid6\"," U2 "}"), 2);
	CHECK_DBL(series_value(out.p, "node_btrfs_used_bytes{block_group_type=\"data\","
				      "mode=\"raid0\"," U1 "}"), 808189952);
	CHECK_DBL(series_value(out.p, "node_btrfs_size_bytes{block_group_type=\"system\","
				      "mode=\"raid1\"," U1 "}"), 8388608);
	CHECK_DBL(series_value(out.p, "node_btrfs_reserved_bytes{block_group_type=\"metadata\","
				      U2 "}"), 0);
	CHECK_DBL(series_value(out.p, "node_btrfs_device_size_bytes{device=\"loop25\"," U2 "}"),
		  10737418240.0);
	CHECK(has_line(out.p, "# TYPE node_btrfs_commit_seconds_total counter"));
	CHECK(!has_line(out.p, "node_btrfs_device_errors_total")); /* no btrfs mount there */
	buf_fini(&out);
}

/* No /sys/fs/btrfs, or only its global entries: success and no series. */
static void host_without_btrfs(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.btrfs", NULL };
	CHECK_INT(tmptree_run_empty("btrfs", &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK(!has_line(out.p, "node_btrfs_"));
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/fs/btrfs/features/raid56", "0\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK(!has_line(out.p, "node_btrfs_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

#define FS "sys/fs/btrfs/aa-bb/"

/* A small filesystem: two devices, raid5 data, one metadata profile. */
static void make_fs(struct tmptree *t)
{
	tmptree_put(t, FS "label", "lab\n");
	tmptree_put(t, FS "metadata_uuid", "\n"); /* empty: the directory's name stands in */
	tmptree_put(t, FS "devices/sda/size", "8\n");
	tmptree_put(t, FS "devices/sdb/size", "16\n");
	tmptree_put(t, FS "devices/sdc/size", "32\n");
	tmptree_mkdir(t, FS "features");
	tmptree_put(t, FS "allocation/global_rsv_size", "4096\n");
	tmptree_put(t, FS "allocation/data/bytes_reserved", "7\n");
	tmptree_put(t, FS "allocation/data/raid5/total_bytes", "100\n");
	tmptree_put(t, FS "allocation/data/raid5/used_bytes", "40\n");
	tmptree_put(t, FS "allocation/data/flags", "1\n");
	tmptree_put(t, FS "allocation/metadata/dup/total_bytes", "10\n");
	tmptree_put(t, FS "allocation/metadata/dup/used_bytes", "not a number\n");
	tmptree_mkdir(t, FS "allocation/system");
	tmptree_put(t, FS "commit_stats", "commits 3\nlast_commit_ms 20\nnew_counter 9\n");
}

#define L_AB "uuid=\"aa-bb\"}"
#define GRSV "node_btrfs_global_rsv_size_bytes{" L_AB
#define DEVSZ(d) "node_btrfs_device_size_bytes{device=\"" d "\"," L_AB

static void reader_errors(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.btrfs", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	make_fs(&t);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK_DBL(series_value(out.p, "node_btrfs_info{label=\"lab\"," L_AB), 1);
	CHECK_DBL(series_value(out.p, GRSV), 4096);
	CHECK_DBL(series_value(out.p, DEVSZ("sdb")), 8192);
	CHECK_DBL(series_value(out.p, "node_btrfs_allocation_ratio{block_group_type=\"data\","
				      "mode=\"raid5\"," L_AB), 1.5);
	CHECK_DBL(series_value(out.p, "node_btrfs_reserved_bytes{block_group_type=\"data\"," L_AB),
		  7);
	CHECK_DBL(series_value(out.p, "node_btrfs_used_bytes{block_group_type=\"metadata\","
				      "mode=\"dup\"," L_AB), 0); /* not a number: 0, no error */
	CHECK_DBL(series_value(out.p, "node_btrfs_last_commit_seconds{" L_AB), 0.02);
	CHECK(!has_line(out.p, "node_btrfs_used_bytes{block_group_type=\"system\""));

	/* a device whose size cannot be read: it and the ones after it in name order read
	 * 0, so does everything the reader reads before its allocation sub-readers; the
	 * collection still succeeds */
	tmptree_del(&t, FS "devices/sdb/size");
	tmptree_mkdir(&t, FS "devices/sdb/size"); /* read(2) fails: EISDIR */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK_DBL(series_value(out.p, DEVSZ("sda")), 4096);
	CHECK_DBL(series_value(out.p, DEVSZ("sdb")), 0);
	CHECK_DBL(series_value(out.p, DEVSZ("sdc")), 0);
	CHECK_DBL(series_value(out.p, GRSV), 0);
	CHECK_DBL(series_value(out.p, "node_btrfs_reserved_bytes{block_group_type=\"data\"," L_AB),
		  7);
	tmptree_del(&t, FS "devices/sdb/size");
	tmptree_put(&t, FS "devices/sdb/size", "16\n");

	/* no features/ is an error of that reader too, cleared the same way */
	tmptree_del(&t, FS "features");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK_DBL(series_value(out.p, GRSV), 0);
	CHECK_DBL(series_value(out.p, DEVSZ("sdc")), 16384);
	tmptree_mkdir(&t, FS "features");

	/* no allocation/data: its error is replaced by metadata's sub-reader (none) */
	tmptree_del(&t, FS "allocation/data");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK_DBL(series_value(out.p, "node_btrfs_reserved_bytes{block_group_type=\"data\"," L_AB),
		  0);
	CHECK(!has_line(out.p, "node_btrfs_size_bytes{block_group_type=\"data\""));

	/* ... but allocation/system's error stays, and so does commit_stats' */
	static const struct {
		const char *del, *file, *text;
	} fatal[] = {
		{ FS "allocation/system", NULL, NULL },
		{ NULL, FS "commit_stats", "commits 3\n\nmax_commit_ms 1\n" }, /* a blank line */
		{ NULL, FS "commit_stats", "commits 3 4\n" },
		{ NULL, FS "commit_stats", "commits -3\n" },
		{ NULL, FS "allocation/system/raid1", "a file where a directory belongs\n" },
	};
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		if (fatal[i].del)
			tmptree_del(&t, fatal[i].del);
		else
			tmptree_put(&t, fatal[i].file, fatal[i].text);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		if (i < 4 && collector_success(out.p, "btrfs") != 0)
			fprintf(stderr, "case %zu passed\n", i);
		/* a plain file among the profiles is no profile: not an error */
		CHECK_DBL(collector_success(out.p, "btrfs"), i < 4 ? 0 : 1);
		CHECK(i == 4 || !has_line(out.p, "node_btrfs_"));
		CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
		tmptree_mkdir(&t, FS "allocation/system");
		tmptree_put(&t, FS "commit_stats", "commits 3\n");
	}
	/* a filesystem entry that is no directory fails the collection */
	tmptree_put(&t, "sys/fs/btrfs/cc-dd", "x\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void parsers(void)
{
	struct btrfs_commit cs;
	const char *text = "commits 258051\nlast_commit_ms 1000\nmax_commit_ms 51462\n"
			   "total_commit_ms 47836090\n";
	CHECK_INT(btrfs_commit_parse(text, strlen(text), &cs), 0);
	CHECK(cs.commits == 258051 && cs.last_ms == 1000 && cs.max_ms == 51462 &&
	      cs.total_ms == 47836090);
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },	       { "other 5\n", 1 },  { "commits 1", 1 },   { "\n", 0 },
		{ "commits\n", 0 },    { "commits +1\n", 0 }, { "a b c\n", 0 }, { "commits 1e3\n", 0 },
		{ "commits 18446744073709551616\n", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_RESULT(btrfs_commit_parse(cases[i].text, strlen(cases[i].text), &cs), cases[i].ok);
	CHECK(btrfs_value(SPAN_LIT(" 42\n")) == 42);
	CHECK(btrfs_value(SPAN_LIT("4k")) == 0);
	CHECK(btrfs_value(SPAN_LIT("")) == 0);
	CHECK_DBL(btrfs_ratio(SPAN_LIT("raid1c3"), 5), 3);
	CHECK_DBL(btrfs_ratio(SPAN_LIT("raid10"), 5), 2);
	CHECK_DBL(btrfs_ratio(SPAN_LIT("raid6"), 6), 1.5);
	CHECK_DBL(btrfs_ratio(SPAN_LIT("raid5"), 1), INFINITY);
	CHECK_DBL(btrfs_ratio(SPAN_LIT("mixed"), 3), 0);
	uint8_t fsid[16] = { 0x0a, 0xbb, 0x23, 0xa9, 0x57, 0x9b, 0x43, 0xe6,
			     0xad, 0x30, 0x22, 0x7e, 0xf4, 0x7f, 0xcb, 0x9d };
	CHECK(btrfs_fsid_matches(SPAN_LIT("0abb23a9-579b-43e6-ad30-227ef47fcb9d"), fsid));
	CHECK(btrfs_fsid_matches(SPAN_LIT("0abb23a9579b43e6ad30227ef47fcb9d"), fsid));
	CHECK(!btrfs_fsid_matches(SPAN_LIT("0ABB23A9-579B-43E6-AD30-227EF47FCB9D"), fsid));
	CHECK(!btrfs_fsid_matches(SPAN_LIT("0abb23a9-579b-43e6-ad30-227ef47fcb9"), fsid));
	CHECK(!btrfs_fsid_matches(SPAN_LIT("0abb23a9-579b-43e6-ad30-227ef47fcb9d0"), fsid));
}

/* The listing rule: read in any order, settled as procfs reads in name order. */
static void settle(void)
{
	const char names[] = "b\0a\0c\0ab";
	struct btrfs_ent e[4] = {
		{ 0, 1, { 1, 2 }, 0, 0 }, { 2, 1, { 3, 4 }, 0, 0 },
		{ 4, 1, { 5, 6 }, 0, 0 }, { 6, 2, { 7, 8 }, 2, -EIO },
	};
	int err = 0;
	btrfs_settle(e, 4, names, &err);
	CHECK_INT(err, -EIO);
	CHECK(e[1].v[0] == 3 && e[1].v[1] == 4); /* "a" comes before "ab" */
	CHECK(e[3].v[0] == 7 && e[3].v[1] == 0); /* "ab" failed on its second value */
	CHECK(e[0].v[0] == 0 && e[2].v[1] == 0); /* "b" and "c" come after it */
	struct btrfs_ent f[1] = { { 0, 1, { 9, 9 }, 0, 0 } };
	err = -ENOTDIR; /* the reader had failed before the listing */
	btrfs_settle(f, 1, names, &err);
	CHECK(f[0].v[0] == 0 && err == -ENOTDIR);
}

static void ioctl_view(void)
{
	struct btrfsdev_survey s = { 0 };
	struct btrfsdev_fs fs = { { 0 }, 0, 0, 2 };
	struct btrfsdev_dev dev[2] = {
		{ 100, 1000, { 1, 2, 3, 4, 5 }, { 0x41, 0xbe }, 0 },
		{ 200, 100, { 0 }, { 0 }, 9 },
	};
	CHECK_INT(buf_append(&s.names, "/dev/sda\0md1\0", 13), 0);
	s.dev = dev;
	s.ndev = 2;
	struct metric_sink sink;
	struct buf out = { 0 };
	sink_init(&sink);
	CHECK_INT(btrfs_emit_ioctl(&s, &fs, "u", &sink), 0);
	CHECK_INT(sink.nseries, 14);
	CHECK_INT(sink_finish(&sink), 0);
	CHECK_INT(render_sink(&sink, EXPO_TEXT, &out), 0);
	const char *sda = "btrfs_dev_uuid=\"41be0000-0000-0000-0000-000000000000\",device=\"sda\"";
	char series[256];
	snprintf(series, sizeof(series), "node_btrfs_device_unused_bytes{%s,uuid=\"u\"}", sda);
	CHECK_DBL(series_value(out.p, series), 900);
	snprintf(series, sizeof(series), "node_btrfs_device_errors_total{%s,type=\"generation\","
		 "uuid=\"u\"}", sda);
	CHECK_DBL(series_value(out.p, series), 5);
	/* a path without '/' is kept whole; used beyond the size wraps as Go's does */
	CHECK_DBL(series_value(out.p, "node_btrfs_device_unused_bytes{btrfs_dev_uuid=\"<zero>\","
				      "device=\"md1\",uuid=\"u\"}"), 18446744073709551516.0);
	sink_fini(&sink);
	buf_fini(&out);
	buf_fini(&s.names);

	/* nothing here is btrfs: the survey finds nothing and fails on nothing */
	char uuid[37];
	btrfsdev_uuid_text((const uint8_t[16]){ 0xff, [15] = 1 }, uuid);
	CHECK_STR(uuid, "ff000000-0000-0000-0000-000000000001");
	CHECK_INT(btrfsdev_open("/proc"), -EINVAL);
	CHECK(btrfsdev_open("/nonexistent/plumb") == -ENOENT);
	struct btrfsdev_survey sv = { 0 };
	const char recs[] = "/dev/x\0/proc\0tmpfs\0/nonexistent\0cut";
	CHECK_INT(btrfsdev_survey_run(&sv, recs, sizeof(recs) - 1), 0);
	CHECK_INT(sv.nfs, 0);
	btrfsdev_survey_fini(&sv);
}

/* On a machine with a btrfs mount, the collector must report its devices by ioctl. */
static void live_btrfs_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	int found = 0;
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, " - btrfs ") != NULL;
	if (f)
		fclose(f);
	if (!found) {
		printf("test_btrfs: no btrfs mount here; the live ioctl check is skipped\n");
		return;
	}
	const char *flags[] = { "--collector.disable-defaults", "--collector.btrfs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "btrfs"), 1);
	CHECK(has_line(out.p, "node_btrfs_device_errors_total{btrfs_dev_uuid="));
	CHECK(has_line(out.p, "node_btrfs_device_unused_bytes{"));
	buf_fini(&out);
}

int main(void)
{
	RUN(fixture_values);
	RUN(host_without_btrfs);
	RUN(reader_errors);
	RUN(parsers);
	RUN(settle);
	RUN(ioctl_view);
	RUN(live_btrfs_mount);
	return T_DONE("test_btrfs");
}
