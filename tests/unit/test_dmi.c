/*
 * test_dmi: the dmi collector against the fixture host, hosts without DMI, and trees with
 * long, untrimmed, non-UTF-8, unknown, unreadable and odd-typed attribute files.
 */
#include "collectors/dmi.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.dmi", NULL };

/* As in e2e-output.txt; product_version holds two bad runs around 0x1c and '['. */
static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p,
			       "node_dmi_info{bios_date=\"04/12/2021\",bios_release=\"2.2\","
			       "bios_vendor=\"Dell Inc.\",bios_version=\"2.2.4\",board_name=\"07PXPY\","
			       "board_serial=\".7N62AI2.GRTCL6944100GP.\",board_vendor=\"Dell Inc.\","
			       "board_version=\"A01\",chassis_asset_tag=\"\",chassis_serial=\"7N62AI2\","
			       "chassis_vendor=\"Dell Inc.\",chassis_version=\"\",product_family="
			       "\"PowerEdge\",product_name=\"PowerEdge R6515\",product_serial="
			       "\"7N62AI2\",product_sku=\"SKU=NotProvided;ModelName=PowerEdge R6515\","
			       "product_uuid=\"83340ca8-cb49-4474-8c29-d2088ca84dd9\",product_version="
			       "\"\xef\xbf\xbd\x1c[\xef\xbf\xbd\",system_vendor=\"Dell Inc.\"}"),
		  1);
	CHECK_DBL(collector_success(out.p, "dmi"), 1);
	buf_fini(&out);
}

/* No /sys/class/dmi/id (many ARM boards): no data on every scrape; an empty folder too. */
static void no_dmi(void)
{
	struct buf out = { 0 };
	struct tmptree t;
	CHECK_INT(tmptree_run_empty("dmi", &out), 0);
	CHECK_DBL(collector_success(out.p, "dmi"), 0);
	CHECK(!has_line(out.p, "node_dmi_"));
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_mkdir(&t, "sys/class/dmi/id"), 0);
	tmptree_put(&t, "sys/class/dmi/id/modalias", "dmi:bvnX:\n");
	tmptree_put(&t, "sys/class/dmi/id/chassis_type", "23\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "dmi"), 0);
	CHECK(!has_line(out.p, "node_dmi_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

/* Run by tmptree_unreadable, as one who may not read board_name. */
static void unreadable_name(struct tmptree *t, void *ctx)
{
	struct buf out = { 0 };
	(void)ctx;
	CHECK_INT(tmptree_run(t, flags, &out), 0);
	CHECK(has_line(out.p, "node_dmi_info{bios_vendor="));
	CHECK(out.p && !strstr(out.p, "board_name="));
	CHECK(out.p && strstr(out.p, "product_name="));
	CHECK_DBL(collector_success(out.p, "dmi"), 1);
	buf_fini(&out);
}

/* Values are cut at 128 bytes then trimmed; bad bytes become U+FFFD, a run of them one;
 * links, folders, modalias and unknown files are not labels. */
static void odd_values(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char longv[300], want[600];
	CHECK_INT(tmptree_make(&t), 0);
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	longv[0] = ' ';
	tmptree_put(&t, "sys/class/dmi/id/bios_vendor", longv);
	tmptree_put(&t, "sys/class/dmi/id/board_name", "\t a\xff\xfe" "b\xc3\xa9 \n");
	tmptree_put(&t, "sys/class/dmi/id/product_name", "say \"hi\"\\\n");
	tmptree_put(&t, "sys/class/dmi/id/unknown_attr", "x\n");
	tmptree_put(&t, "sys/class/dmi/id/uevent", "MODALIAS=dmi:x\n");
	CHECK_INT(tmptree_mkdir(&t, "sys/class/dmi/id/power"), 0);
	CHECK_INT(tmptree_link(&t, "sys/class/dmi/id/sys_vendor", "board_name"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	snprintf(want, sizeof(want),
		 "node_dmi_info{bios_vendor=\"%.127s\",board_name=\"a\xef\xbf\xbd" "b\xc3\xa9\","
		 "product_name=\"say \\\"hi\\\"\\\\\"}",
		 longv + 1);
	CHECK_DBL(series_value(out.p, want), 1);
	CHECK_DBL(collector_success(out.p, "dmi"), 1);
	buf_fini(&out);
	/* a serial number, as the kernel makes it (root's alone): left out with its label */
	CHECK_INT(tmptree_unreadable(&t, "sys/class/dmi/id/board_name", unreadable_name, NULL), 0);
	tmptree_rm(&t);
}

/* The record and emit pair on its own. */
static void record_emit(void)
{
	struct dmi_info *d = calloc(1, sizeof(*d));
	struct metric_sink s;
	char raw[200];
	sink_init(&s);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK_INT(dmi_emit(d, &s), -ENOENT);
	CHECK_INT(s.nseries, 0);
	CHECK_INT(dmi_record(d, "modalias", SPAN_LIT("x")), 0);
	CHECK_INT(d->have, 0);
	CHECK_INT(dmi_record(d, "sys_vendor", SPAN_LIT("  ACME \n")), 0);
	CHECK_INT(d->len[DMI_NLABELS - 1], 4);
	CHECK_STR(d->val[DMI_NLABELS - 1], "ACME");
	memset(raw, 0xff, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i += 2)
		raw[i] = 'a'; /* 64 single bad bytes within the first 128: the worst growth */
	CHECK_INT(dmi_record(d, "bios_date", (struct span){ raw, sizeof(raw) }), 0);
	CHECK_INT(d->len[0], 64 * 4);
	CHECK_INT(dmi_record(d, "bios_date", SPAN_LIT("")), 0);
	CHECK_INT(d->len[0], 0);
	CHECK_INT(dmi_emit(d, &s), 0);
	CHECK_INT(s.nseries, 1);
	sink_fini(&s);
	free(d);
}

int main(void)
{
	RUN(fixture_values);
	RUN(no_dmi);
	RUN(odd_values);
	RUN(record_emit);
	return T_DONE("test_dmi");
}
