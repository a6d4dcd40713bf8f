/*
 * test_bonding: the bonding collector against the fixture host and hostile trees.
 */
#include "collectors/bonding.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.bonding", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_bonding_slaves{master=\"int\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_bonding_active{master=\"int\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_bonding_active{master=\"dmz\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_bonding_slaves{master=\"bond0\"}"), 0);
	CHECK_DBL(collector_success(out.p, "bonding"), 1);
	buf_fini(&out);
}

static void tmp_tree_cases(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.bonding", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bonding"), 0);
	tmptree_put(&t, "sys/class/net/bonding_masters", "b1\n");
	tmptree_put(&t, "sys/class/net/b1/bonding/slaves", "e1 e2\n");
	tmptree_put(&t, "sys/class/net/b1/lower_e1/bonding_slave/mii_status", "up\n");
	/* e2's status missing: the collection fails */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bonding"), 0);
	tmptree_put(&t, "sys/class/net/b1/slave_e2/bonding_slave/mii_status", "down\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_bonding_slaves{master=\"b1\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_bonding_active{master=\"b1\"}"), 1);
	tmptree_put(&t, "sys/class/net/bonding_masters", "../../etc\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bonding"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

int main(void)
{
	RUN(fixture_values);
	RUN(tmp_tree_cases);
	return T_DONE("test_bonding");
}
