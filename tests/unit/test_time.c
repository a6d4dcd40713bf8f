/*
 * test_time: the time collector against the fixture host and the live clock, clock
 * source directories that are missing, many or odd, and the no-allocation promise.
 */
#include <time.h>

#include "collectors/time.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

#define AVAIL(cs, dev)                                                                     \
	"node_time_clocksource_available_info{clocksource=\"" cs "\",device=\"" dev "\"}"
#define CURRENT(cs, dev)                                                                   \
	"node_time_clocksource_current_info{clocksource=\"" cs "\",device=\"" dev "\"}"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.time", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, AVAIL("tsc", "0")), 1);
	CHECK_DBL(series_value(out.p, AVAIL("hpet", "0")), 1);
	CHECK_DBL(series_value(out.p, AVAIL("acpi_pm", "0")), 1);
	CHECK_DBL(series_value(out.p, CURRENT("tsc", "0")), 1);
	double now = series_value(out.p, "node_time_seconds");
	CHECK(fabs(now - (double)time(NULL)) < 5);
	CHECK(has_line(out.p, "# TYPE node_time_seconds gauge"));
	/* the zone label and offset agree with the C library's view */
	struct tm tm;
	time_t t = time(NULL);
	localtime_r(&t, &tm);
	char series[128];
	snprintf(series, sizeof(series), "node_time_zone_offset_seconds{time_zone=\"%s\"}", tm.tm_zone);
	CHECK_DBL(series_value(out.p, series), (double)tm.tm_gmtoff);
	buf_fini(&out);
}

static void clocksource_dirs(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.time", NULL };
	const char *ok = "node_scrape_collector_success{collector=\"time\"}";
	CHECK_INT(tmptree_make(&t), 0);
	/* no clocksource directory: time and zone only, success */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 1);
	CHECK(!has_line(out.p, "node_time_clocksource"));
	CHECK(!isnan(series_value(out.p, "node_time_seconds")));
	/* devices are numbered in name order, as a glob lists them: 0, 1, 10, 2 */
	const char *names[] = { "clocksource2", "clocksource10", "clocksource0", "clocksource1" };
	const char *cur[] = { "two", "ten", "zero", "one" };
	char rel[128];
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/clocksource/%s/available_clocksource",
			 names[i]);
		CHECK_INT(tmptree_put(&t, rel, "a  b\n"), 0);
		snprintf(rel, sizeof(rel), "sys/devices/system/clocksource/%s/current_clocksource",
			 names[i]);
		CHECK_INT(tmptree_put(&t, rel, cur[i]), 0);
	}
	CHECK_INT(tmptree_put(&t, "sys/devices/system/clocksource/clocksourceX/current_clocksource",
			      "ignored"), 0);
	CHECK_INT(tmptree_put(&t, "sys/devices/system/clocksource/uevent", ""), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, CURRENT("zero", "0")), 1);
	CHECK_DBL(series_value(out.p, CURRENT("one", "1")), 1);
	CHECK_DBL(series_value(out.p, CURRENT("ten", "2")), 1);
	CHECK_DBL(series_value(out.p, CURRENT("two", "3")), 1);
	CHECK_DBL(series_value(out.p, AVAIL("b", "3")), 1);
	CHECK(!has_line(out.p, "node_time_clocksource_current_info{clocksource=\"ignored\""));
	/* an unreadable attribute fails the collection */
	CHECK_INT(tmptree_put(&t, "sys/devices/system/clocksource/clocksource3/uevent", ""), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, ok), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* One agent collecting again and again: the held clock-source files give what is in
 * them now (a switch of clock source shows at the next scrape), a source that goes
 * lets go of its files, and one that comes is read. */
static void held_sources_follow_changes(void)
{
	struct tmptree t;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.time", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	const char *dir = "sys/devices/system/clocksource/";
	char rel[128];
	snprintf(rel, sizeof(rel), "%sclocksource0/available_clocksource", dir);
	CHECK_INT(tmptree_put(&t, rel, "tsc hpet\n"), 0);
	snprintf(rel, sizeof(rel), "%sclocksource0/current_clocksource", dir);
	CHECK_INT(tmptree_put(&t, rel, "tsc\n"), 0);
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, CURRENT("tsc", "0")), 1);
	CHECK_INT(tmptree_put(&t, rel, "hpet\n"), 0); /* the kernel switched */
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, CURRENT("hpet", "0")), 1);
	CHECK(isnan(series_value(out.p, CURRENT("tsc", "0"))));
	/* clocksource0 goes, clocksource1 comes */
	CHECK_INT(tmptree_del(&t, rel), 0);
	snprintf(rel, sizeof(rel), "%sclocksource0/available_clocksource", dir);
	CHECK_INT(tmptree_del(&t, rel), 0);
	snprintf(rel, sizeof(rel), "%sclocksource0", dir);
	CHECK_INT(tmptree_del(&t, rel), 0);
	snprintf(rel, sizeof(rel), "%sclocksource1/available_clocksource", dir);
	CHECK_INT(tmptree_put(&t, rel, "kvm-clock\n"), 0);
	snprintf(rel, sizeof(rel), "%sclocksource1/current_clocksource", dir);
	CHECK_INT(tmptree_put(&t, rel, "kvm-clock\n"), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, CURRENT("kvm-clock", "0")), 1);
	CHECK(isnan(series_value(out.p, CURRENT("hpet", "0"))));
	CHECK(isnan(series_value(out.p, AVAIL("tsc", "0"))));
	CHECK_DBL(series_value(out.p, "node_scrape_collector_success{collector=\"time\"}"), 1);
	agent_fini(&a);
	cfg_free(cfg);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	struct metric_sink s;
	sink_init(&s);
	CHECK_INT(time_clocksource_emit("0", "", 0, "", 0, &s), 0);
	CHECK_INT(s.nseries, 1); /* an empty current clock source is still reported */
	sink_reset(&s);
	const char *avail = "\"q\\ \n\n x\xff";
	CHECK_INT(time_clocksource_emit("0", avail, strlen(avail), " tsc \n", 6, &s), 0);
	CHECK_INT(s.nseries, 3);
	sink_reset(&s);
	CHECK_INT(time_now_emit(0, 0, "", 0, &s), 0);
	CHECK_INT(time_now_emit(1700000000, 999999999, "a\"b", -12600, &s), 0);
	CHECK_DBL(s.series[2].value, 1700000000.999999999);
	sink_fini(&s);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.time", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.time", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(clocksource_dirs);
	RUN(held_sources_follow_changes);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_time");
}
