/*
 * test_mdadm: the mdadm collector against the fixture host and hostile /proc/mdstat.
 */
#include "collectors/mdadm.h"
#include "harness.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.mdadm", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_md_blocks_synced{device=\"md6\"}"), 16775552);
	CHECK_DBL(series_value(out.p, "node_md_blocks_synced{device=\"md9\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_md_disks{device=\"md11\",state=\"spare\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_md_disks_required{device=\"md7\"}"), 4);
	CHECK_DBL(series_value(out.p, "node_md_state{device=\"md201\",state=\"check\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_md_state{device=\"md11\",state=\"resync\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_md_state{device=\"md219\",state=\"inactive\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_md_degraded{device=\"md5\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_md_raid_disks{device=\"md10\"}"), 4);
	CHECK_DBL(collector_success(out.p, "mdadm"), 1);
	buf_fini(&out);
}

static void missing_file_fails(void)
{
	const char *flags[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
				"--collector.mdadm", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "mdadm"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "Personalities : [raid1] [x] [\n\nunused devices: <none>\n", 1 },
		{ "md0 : active raid1 sda[0]\n", 0 },                       /* too few lines */
		{ "md0 :\n1 blocks\n\n\n", 0 },                            /* too few fields */
		{ "md0 : active raid1 sda[0]\n   x blocks [1/1] [U]\n\n\n", 0 },
		{ "md0 : active raid1 sda[0]\n   5 blocks [1/1]\n\n\n", 0 },  /* no [U_] */
		{ "md0 : active raid1 sda[0]\n   5 blocks [99999999999999999999/1] [U]\n\n\n", 0 },
		{ "md0 : active raid1 sda[0]\n   5 blocks [2/1] [U_]\n   recovery = 1% (1/5)\n\n", 0 },
		{ "md0 : active raid1 sda[0]\n 5 blocks [2/1] [U_]\n recovery = 1% (1/5) finish=1min "
		  "speed=1K/sec\n\n", 1 },
		{ "md0 : active raid1 sda[99999999999]\n   5 blocks [1/1] [U]\n\n\n", 0 },
		{ "md0 : active raid0 sda[0] sdb[1]\n   5 blocks 64k chunks\n\n\n", 1 },
		{ "md0 : active raid1 sda[0]\n   5 blocks [1/1] [U]\n   resync=DELAYED\n\n", 1 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = mdstat_parse(cases[i].text, strlen(cases[i].text), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK((r == 0) == cases[i].ok);
	}
	CHECK_INT(md_sync_completed_check("none"), 0);
	CHECK_INT(md_sync_completed_check("1 / 2"), 0);
	CHECK(md_sync_completed_check("1 /") < 0);
	CHECK(md_sync_completed_check("x / 2") < 0);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file_fails);
	RUN(hostile_input);
	return T_DONE("test_mdadm");
}
