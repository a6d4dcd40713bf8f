/*
 * test_udp_queues: the udp_queues collector against the fixture host and hostile input.
 */
#include "collectors/udp_queues.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define LINE4 "   0: 00000000:0016 00000000:0000 0A 00000015:00000002 00:00000000 00000000     0        0 2740 1 ffff88003d3af3c0 100 0 0 10 0\n"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.udp_queues", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_udp_queues{ip=\"v4\",queue=\"tx\"}"), 21);
	CHECK_DBL(series_value(out.p, "node_udp_queues{ip=\"v4\",queue=\"rx\"}"), 0);
	CHECK(isnan(series_value(out.p, "node_udp_queues{ip=\"v6\",queue=\"rx\"}")));
	CHECK_DBL(collector_success(out.p, "udp_queues"), 1);
	buf_fini(&out);
}

static void missing_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.udp_queues", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "udp_queues"), 0);
	tmptree_put(&t, "proc/net/udp6", HDR "   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 07 00000000:00000100 00:00000000 00000000 0 0 999 2 0\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "udp_queues"), 1);
	CHECK_DBL(series_value(out.p, "node_udp_queues{ip=\"v6\",queue=\"rx\"}"), 256);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		uint64_t tx, rx;
	} cases[] = {
		{ "", 1, 0, 0 },
		{ HDR, 1, 0, 0 },
		{ HDR LINE4 LINE4, 1, 42, 4 },
		{ HDR "   0: 00000000:0016 00000000:0000 0A 00000015:00000002 00:00000000 00000000 0 0\n", 0, 0, 0 },
		{ HDR "   0: 00000000:0016 00000000:0000 0A 00000015 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "   0: 0000000:0016 00000000:0000 0A 00000015:00000002 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "   0: 00000000:0016 00000000:0000 0A 1ffffffffffffffff:0 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "   x: 00000000:0016 00000000:0000 0A 1:0 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "\n", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t tx = 99, rx = 99;
		int r = udp_queues_parse(cases[i].text, strlen(cases[i].text), &tx, &rx);
		if (cases[i].ok) {
			CHECK_INT(r, 0);
			CHECK_INT(tx, cases[i].tx);
			CHECK_INT(rx, cases[i].rx);
		} else {
			CHECK(r < 0);
		}
	}
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(hostile_input);
	return T_DONE("test_udp_queues");
}
