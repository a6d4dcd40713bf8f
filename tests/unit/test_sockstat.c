/*
 * test_sockstat: the sockstat collector against the fixture host and hostile input.
 */
#include <unistd.h>

#include "collectors/sockstat.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.sockstat", NULL };
	struct buf out = { 0 };
	double page = (double)sysconf(_SC_PAGESIZE);
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_sockstat_sockets_used"), 229);
	CHECK_DBL(series_value(out.p, "node_sockstat_TCP_alloc"), 17);
	CHECK_DBL(series_value(out.p, "node_sockstat_TCP_mem"), 1);
	CHECK_DBL(series_value(out.p, "node_sockstat_TCP_mem_bytes"), page);
	CHECK_DBL(series_value(out.p, "node_sockstat_FRAG6_memory"), 0);
	CHECK_DBL(series_value(out.p, "node_sockstat_TCP6_inuse"), 17);
	CHECK_DBL(series_value(out.p, "node_sockstat_RAW6_inuse"), 1);
	CHECK(isnan(series_value(out.p, "node_sockstat_TCP6_tw")));
	CHECK_DBL(collector_success(out.p, "sockstat"), 1);
	buf_fini(&out);
}

static void missing_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.sockstat", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	/* neither file: nothing to report, but not an error (IPv4 and IPv6 both off) */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "sockstat"), 1);
	/* only sockstat6 */
	CHECK_INT(tmptree_put(&t, "proc/net/sockstat6", "TCP6: inuse 3\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_sockstat_TCP6_inuse"), 3);
	CHECK(isnan(series_value(out.p, "node_sockstat_sockets_used")));
	/* a garbled IPv4 file fails the collector */
	CHECK_INT(tmptree_put(&t, "proc/net/sockstat", "sockets: used\n"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "sockstat"), 0);
	CHECK(isnan(series_value(out.p, "node_sockstat_TCP6_inuse")));
	tmptree_rm(&t);
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
		{ "\n", 0, 0 },
		{ "TCP:\n", 0, 0 },
		{ "TCP: inuse\n", 0, 0 },
		{ "TCP: inuse x\n", 0, 0 },
		{ "TCP: inuse 99999999999999999999999\n", 0, 0 },
		{ "TCP inuse 1\n", 0, 0 },
		{ "TCP: inuse 1 mem 2", 1, 3 },
		{ "TCP: orphan 1\n", 1, 2 },         /* inuse 0 is added */
		{ "T{}P: inuse 1\n", 1, 0 },         /* a name the sink refuses is skipped */
		{ "TCP: bogus 5 inuse 1\n", 1, 1 },  /* unknown keys are ignored */
		{ "sockets: used -3\nTCP: inuse 1\nTCP: tw 2\n", 1, 3 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = sockstat_parse(cases[i].text, strlen(cases[i].text), false, 4096, &s);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	sink_reset(&s);
	CHECK_INT(sockstat_parse("sockets: used 5\n", 16, true, 4096, &s), 0);
	CHECK_INT(s.nseries, 0); /* sockstat6 has no sockets_used */
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(hostile_input);
	return T_DONE("test_sockstat");
}
