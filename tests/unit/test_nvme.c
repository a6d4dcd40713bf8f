/*
 * test_nvme: the nvme collector on the shared fixture, through a real class link, and
 * on namespaces and controllers with missing, garbled and odd attributes.
 */
#include "collectors/nvme.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.nvme", NULL };

#define NS1 "{device=\"nvme0\",nsid=\"1\"}"

/* nvme0 and its namespace 1, as in e2e-output.txt. */
static void check_fixture_nvme0(const char *text)
{
	CHECK_DBL(series_value(text, "node_nvme_info{cntlid=\"1997\",device=\"nvme0\","
				     "firmware_revision=\"1B2QEXP7\",model=\"Samsung SSD 970 PRO 512GB\","
				     "serial=\"S680HF8N190894I\",state=\"live\"}"),
		  1);
	CHECK_DBL(series_value(text, "node_nvme_namespace_info{ana_state=\"optimized\","
				     "device=\"nvme0\",nsid=\"1\"}"),
		  1);
	CHECK_DBL(series_value(text, "node_nvme_namespace_capacity_bytes" NS1), 1.6e13);
	CHECK_DBL(series_value(text, "node_nvme_namespace_size_bytes" NS1), 1.6e13);
	CHECK_DBL(series_value(text, "node_nvme_namespace_used_bytes" NS1), 2e12);
	CHECK_DBL(series_value(text, "node_nvme_namespace_logical_block_size_bytes" NS1), 4096);
	CHECK_DBL(collector_success(text, "nvme"), 1);
}

static void shared_fixture(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	check_fixture_nvme0(out.p);
	buf_fini(&out);
}

/* The controller reached through a real symlink reads the same. */
static void class_link(void)
{
	struct tmptree t;
	char target[PATH_MAX];
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	snprintf(target, sizeof(target), "%.3000s/sys/class/nvme/nvme0", fixture_root());
	CHECK_INT(tmptree_link(&t, "sys/class/nvme/nvme0", target), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	check_fixture_nvme0(out.p);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void missing_class(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("nvme", &out), 0);
	CHECK_DBL(collector_success(out.p, "nvme"), 0);
	CHECK(!has_line(out.p, "node_nvme_"));
	buf_fini(&out);
}

/* Write a controller nvme1 with namespace nvme1n<ns> (ana_state left out). */
static void put_controller(struct tmptree *t, const char *size)
{
	static const char *const attrs[] = { "firmware_rev", "model", "serial", "state", "cntlid" };
	char path[128];
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "sys/class/nvme/nvme1/%s", attrs[i]);
		tmptree_put(t, path, i == 4 ? "7\n" : "x \n");
	}
	tmptree_put(t, "sys/class/nvme/nvme1/nvme1n3/nuse", "0x10");
	tmptree_put(t, "sys/class/nvme/nvme1/nvme1n3/size", size);
	tmptree_put(t, "sys/class/nvme/nvme1/nvme1n3/queue/logical_block_size", "512\n");
}

/* Counts that are not plain decimals read 0, products wrap at 2^64, a missing
 * ana_state reads "unknown", multipath paths (nvme1c1n3) are no namespaces; a missing
 * count or controller attribute is no data, nothing half-reported. */
static void odd_attributes(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	put_controller(&t, "9223372036854775808"); /* 2^63 blocks of 512 bytes: 2^72, wraps to 0 */
	tmptree_put(&t, "sys/class/nvme/nvme1/nvme1c1n3/nuse", "garbage, never read");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nvme_info{cntlid=\"7\",device=\"nvme1\","
				      "firmware_revision=\"x\",model=\"x\",serial=\"x\",state=\"x\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_nvme_namespace_info{ana_state=\"unknown\","
				      "device=\"nvme1\",nsid=\"3\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_nvme_namespace_used_bytes{device=\"nvme1\",nsid=\"3\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_nvme_namespace_size_bytes{device=\"nvme1\",nsid=\"3\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_nvme_namespace_logical_block_size_bytes{device=\"nvme1\","
				      "nsid=\"3\"}"),
		  512);
	CHECK(!has_line(out.p, "node_nvme_namespace_info{ana_state=\"unknown\",device=\"nvme1\",nsid=\"1\"}"));
	CHECK_DBL(collector_success(out.p, "nvme"), 1);

	tmptree_put(&t, "sys/class/nvme/nvme1/nvme1n3/size", "1000");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nvme_namespace_capacity_bytes{device=\"nvme1\",nsid=\"3\"}"),
		  512000);

	tmptree_del(&t, "sys/class/nvme/nvme1/nvme1n3/size");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvme"), 0);
	CHECK(!has_line(out.p, "node_nvme_"));
	put_controller(&t, "1");
	tmptree_del(&t, "sys/class/nvme/nvme1/cntlid");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvme"), 0);
	CHECK(!has_line(out.p, "node_nvme_"));
	put_controller(&t, "1");
	tmptree_put(&t, "sys/class/nvme/stray", "a plain file is no controller\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvme"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void namespace_names(void)
{
	static const struct {
		const char *name, *nsid;
	} cases[] = {
		{ "nvme0n1", "1" },	  { "nvme12n345", "345" }, { "xnvme1n2p3", "2" },
		{ "nvme0c0n1", NULL },	  { "ng0n1", NULL },	   { "nvme0n", NULL },
		{ "nvmen1", NULL },	  { "nvme", NULL },	   { "nvmenvme3n4", "4" },
		{ "nvme0c0n1nvme2n5", "5" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct span id;
		bool ok = nvme_namespace_id(cases[i].name, &id);
		CHECK(ok == (cases[i].nsid != NULL));
		if (ok && cases[i].nsid)
			CHECK(span_eq(id, cases[i].nsid));
	}
}

static void record_emit(void)
{
	struct nvme_ns ns;
	struct metric_sink s;
	double v;
	nvme_ns_reset(&ns);
	nvme_ns_record(&ns, "size", SPAN_LIT("8"));
	nvme_ns_record(&ns, "nuse", SPAN_LIT("+8"));
	nvme_ns_record(&ns, "nuse", SPAN_LIT("")); /* cut short: 0, as before */
	nvme_ns_record(&ns, "queue/logical_block_size", SPAN_LIT("4096"));
	nvme_ns_record(&ns, "ana_state", SPAN_LIT("inaccessible"));
	sink_init(&s);
	CHECK_INT(nvme_ns_emit(&ns, "nvme4", SPAN_LIT("2"), &s), 0);
	CHECK_INT(s.nseries, 5);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_nvme_namespace_size_bytes", "nsid", "2", &v) == 0 &&
	      v == 32768);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_nvme_namespace_used_bytes", "nsid", "2", &v) == 0 &&
	      v == 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_nvme_namespace_info", "ana_state", "inaccessible",
			  &v) == 0);
	sink_fini(&s);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(class_link);
	RUN(missing_class);
	RUN(odd_attributes);
	RUN(namespace_names);
	RUN(record_emit);
	return T_DONE("test_nvme");
}
