/*
 * test_xfs: the xfs collector against the fixture host, and hosts without XFS or with
 * truncated, garbled and hostile stats files.
 */
#include "collectors/xfs.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define XFS "node_xfs_"
#define SDA1 "{device=\"sda1\"}"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.xfs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, XFS "extent_allocation_extents_allocated_total" SDA1), 1);
	CHECK_DBL(series_value(out.p, XFS "extent_allocation_blocks_allocated_total" SDA1), 872);
	CHECK_DBL(series_value(out.p, "node_xfs_block_mapping_reads_total" SDA1), 61);
	CHECK_DBL(series_value(out.p, "node_xfs_block_mapping_writes_total" SDA1), 29);
	CHECK_DBL(series_value(out.p, "node_xfs_block_mapping_extent_list_lookups_total" SDA1), 91);
	CHECK_DBL(series_value(out.p, "node_xfs_directory_operation_lookup_total" SDA1), 3);
	CHECK_DBL(series_value(out.p, "node_xfs_directory_operation_getdents_total" SDA1), 52);
	CHECK_DBL(series_value(out.p, "node_xfs_inode_operation_attempts_total" SDA1), 5);
	CHECK_DBL(series_value(out.p, "node_xfs_inode_operation_missed_total" SDA1), 4);
	CHECK_DBL(series_value(out.p, "node_xfs_inode_operation_attribute_changes_total" SDA1), 1);
	/* rw: writes come first */
	CHECK_DBL(series_value(out.p, "node_xfs_write_calls_total" SDA1), 28);
	CHECK_DBL(series_value(out.p, "node_xfs_read_calls_total" SDA1), 0);
	CHECK_DBL(series_value(out.p, "node_xfs_vnode_active_total" SDA1), 4);
	CHECK_DBL(series_value(out.p, "node_xfs_vnode_remove_total" SDA1), 1);
	CHECK(has_line(out.p, "# TYPE node_xfs_vnode_active_total counter"));
	CHECK_DBL(collector_success(out.p, "xfs"), 1);
	buf_fini(&out);
}

/* Without /sys/fs/xfs, or with only its global entries, node_exporter reports success
 * and no series. */
static void host_without_xfs(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.xfs", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "xfs"), 1);
	CHECK(!has_line(out.p, "node_xfs_"));
	/* the global statistics (/sys/fs/xfs/stats/stats) are not a filesystem */
	tmptree_put(&t, "sys/fs/xfs/stats/stats", "extent_alloc 1 2 3 4\n");
	tmptree_put(&t, "sys/fs/xfs/stats/stats_clear", "0\n");
	tmptree_mkdir(&t, "sys/fs/xfs/sdb1");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "xfs"), 1);
	CHECK(!has_line(out.p, "node_xfs_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

/* Two filesystems; then one cut short or garbled fails the collection, alone. */
static void several_and_broken_filesystems(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.xfs", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "sys/fs/xfs/dm-0/stats/stats", "extent_alloc 1 2 3 4\nrw 5 6\n");
	tmptree_put(&t, "sys/fs/xfs/nvme0n1p2/stats/stats", "vnodes 1 2 3 4 5 6 7\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "xfs"), 1);
	CHECK_DBL(series_value(out.p, XFS "extent_allocation_blocks_freed_total{device=\"dm-0\"}"),
		  4);
	CHECK_DBL(series_value(out.p, "node_xfs_read_calls_total{device=\"dm-0\"}"), 6);
	CHECK_DBL(series_value(out.p, "node_xfs_vnode_active_total{device=\"dm-0\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_xfs_vnode_remove_total{device=\"nvme0n1p2\"}"), 7);
	CHECK_DBL(series_value(out.p, "node_xfs_write_calls_total{device=\"nvme0n1p2\"}"), 0);
	tmptree_put(&t, "sys/fs/xfs/nvme0n1p2/stats/stats", "vnodes 1 2 3 4 5 6 7\nblk_map 1 2 3");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "xfs"), 0);
	CHECK(!has_line(out.p, "node_xfs_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	/* binary garbage: its second word is no number */
	tmptree_write(&t, "sys/fs/xfs/nvme0n1p2/stats/stats", "\x7f" "ELF\2\1 \1\0\0\n", 11);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "xfs"), 0);
	/* a first word of any bytes is a line node_exporter does not know: fine */
	tmptree_write(&t, "sys/fs/xfs/nvme0n1p2/stats/stats", "\xff\xfe\0 1\n", 6);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "xfs"), 1);
	/* a stats path that is a directory cannot be read */
	tmptree_del(&t, "sys/fs/xfs/nvme0n1p2/stats/stats");
	tmptree_mkdir(&t, "sys/fs/xfs/nvme0n1p2/stats/stats");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "xfs"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "\n\n", 1 },
		{ "lonely\n", 1 },                          /* one word: skipped */
		{ "extent_alloc 1 2 3\n", 0 },
		{ "extent_alloc 1 2 3 4 5\n", 0 },
		{ "extent_alloc 1 2 3 4294967296\n", 0 },   /* past 32 bits */
		{ "extent_alloc 1 2 3 4294967295\n", 1 },
		{ "xpc 1 2 18446744073709551615\n", 1 },   /* 64-bit */
		{ "xpc 1 2\n", 0 },
		{ "vnodes 1 2 3 4 5 6 7 8\n", 1 },
		{ "vnodes 1 2 3 4 5 6 7 8 9\n", 0 },
		{ "qm 1 2 3 4 5 6 7 8 9\n", 1 },
		{ "qm 1 2 3 4 5 6 7\n", 0 },
		{ "zoned 1 2 3 4 5\n", 1 },
		{ "zoned 1 2\n", 0 },
		{ "abtb2 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n", 0 },
		{ "gc xpc 123\n", 1 },
		{ "gc xpc 123 4\n", 0 },
		{ "gc xpc\n", 0 },
		{ "gc 1 2\n", 1 },                           /* any other line: 32-bit values */
		{ "newthing 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n", 1 },
		{ "newthing 1 x\n", 0 },
		{ "rw -1 2\n", 0 },
		{ "rw +1 2\n", 0 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = xfs_parse(cases[i].text, strlen(cases[i].text), "sda", &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, r == 0 ? 39 : 0); /* all or nothing */
	}
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(host_without_xfs);
	RUN(several_and_broken_filesystems);
	RUN(hostile_input);
	return T_DONE("test_xfs");
}
