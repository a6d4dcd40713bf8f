/*
 * test_edac: the edac collector against the fixture host and broken trees.
 */
#include "collectors/edac.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.edac", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_edac_correctable_errors_total{controller=\"0\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_edac_csrow_uncorrectable_errors_total{controller=\"0\",csrow=\"unknown\"}"), 6);
	CHECK_DBL(series_value(out.p, "node_edac_csrow_uncorrectable_errors_total{controller=\"0\",csrow=\"2\"}"), 5);
	CHECK_DBL(series_value(out.p, "node_edac_channel_uncorrectable_errors_total{channel=\"1\",controller=\"0\",csrow=\"1\",dimm_label=\"mc0_csrow1_channel1\"}"), 2);
	CHECK(isnan(series_value(out.p, "node_edac_channel_uncorrectable_errors_total{channel=\"0\",controller=\"0\",csrow=\"2\",dimm_label=\"mc0_csrow2_channel0\"}")));
	CHECK_DBL(collector_success(out.p, "edac"), 1);
	buf_fini(&out);
}

static void hostile_trees(void)
{
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	const char *flags[] = { "--collector.edac", NULL };
	struct buf out = { 0 };
	/* no edac directory at all: success, nothing reported */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "edac"), 1);
	/* a controller with garbage counters fails the collection */
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/ce_count", "lots\n");
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/ue_count", "1\n");
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/ce_noinfo_count", "1\n");
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/ue_noinfo_count", "1\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "edac"), 0);
	/* a huge number and a channel with garbage: the channel is just left out */
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/ce_count", "18446744073709551615\n");
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/csrow0/ce_count", "0");
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/csrow0/ue_count", "0");
	tmptree_put(&t, "sys/devices/system/edac/mc/mc0/csrow0/ch0_ce_count", "zz");
	tmptree_put(&t, "sys/devices/system/edac/mc/mcX/ce_count", "1");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "edac"), 1);
	CHECK(!has_line(out.p, "node_edac_channel_"));
	CHECK_DBL(series_value(out.p, "node_edac_correctable_errors_total{controller=\"0\"}"), 18446744073709551615.0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void name_helpers(void)
{
	struct span n;
	CHECK(edac_numbered("mc12", "mc", &n) && span_eq(n, "12"));
	CHECK(!edac_numbered("mc", "mc", &n));
	CHECK(!edac_numbered("mcx1", "mc", &n));
	CHECK(edac_channel_file("ch3_ce_count", &n) && span_eq(n, "3"));
	CHECK(!edac_channel_file("ch3_ue_count", &n));
	CHECK(!edac_channel_file("ch_ce_count", &n));
	uint64_t v;
	CHECK(edac_parse_count(SPAN_LIT(" 7\n"), &v) == 0 && v == 7);
	CHECK(edac_parse_count(SPAN_LIT("-1"), &v) < 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(hostile_trees);
	RUN(name_helpers);
	return T_DONE("test_edac");
}
