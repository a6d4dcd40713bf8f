/*
 * test_arp: the arp collector against the fixture host and hostile input.
 */
#include "collectors/arp.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.arp", "--collector.arp.device-exclude=nope", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_arp_entries{device=\"eth0\"}"), 3);
	CHECK_DBL(series_value(out.p, "node_arp_entries{device=\"eth1\"}"), 3);
	CHECK(isnan(series_value(out.p, "node_arp_entries{device=\"nope\"}")));
	CHECK_DBL(collector_success(out.p, "arp"), 1);
	const char *inc[] = { "--collector.arp", "--collector.arp.device-include=^eth1$", NULL };
	CHECK_INT(harness_run_fixture(inc, &out), 0);
	CHECK(isnan(series_value(out.p, "node_arp_entries{device=\"eth0\"}")));
	CHECK_DBL(series_value(out.p, "node_arp_entries{device=\"eth1\"}"), 3);
	const char *both[] = { "--collector.arp", "--collector.arp.device-include=a",
			       "--collector.arp.device-exclude=b", NULL };
	CHECK_INT(harness_run_fixture(both, &out), 0);
	CHECK(!has_line(out.p, "node_scrape_collector_success{collector=\"arp\"}"));
	buf_fini(&out);
}

static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("arp", &out), 0);
	CHECK_DBL(collector_success(out.p, "arp"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ "IP address       HW type     Flags       HW address            Mask     Device\n", 1, 0 },
		{ "10.0.0.1 0x1 0x2 de:ad:be:ef:00:00 * eth0\n\n", 1, 1 },
		{ "10.0.0.1 0x1 0x2 de:ad:be:ef:00:00 *\n", 0, 0 },
		{ "10.0.0.1 0x1 0x2 de:ad:be:ef:00 * eth0\n", 0, 0 },
		{ "10.0.0.1 0x1 0xzz de:ad:be:ef:00:00 * eth0\n", 0, 0 },
		{ "10.0.0.1 0x1 0x2 de:ad:be:ef:00:00 * eth\"0\\\n", 1, 1 }, /* escaped on output */
		{ "1 1 2 00-00-00-00-00-00 * a\n1 1 2 00:00:00:00:00:00 * b\n1 1 2 00:00:00:00:00:00 * a\n", 1, 2 },
	};
	struct metric_sink s;
	struct arp_counts tab = { 0 };
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = arp_parse(cases[i].text, strlen(cases[i].text), NULL, &tab, &s);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	/* many distinct devices: bounded */
	struct buf big = { 0 };
	for (int i = 0; i < ARP_MAX_DEVICES + 10; i++)
		buf_printf(&big, "1 1 2 00:00:00:00:00:00 * d%d\n", i);
	sink_reset(&s);
	CHECK(arp_parse(big.p, big.len, NULL, &tab, &s) < 0);
	buf_fini(&big);
	arp_counts_fini(&tab);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(hostile_input);
	return T_DONE("test_arp");
}
