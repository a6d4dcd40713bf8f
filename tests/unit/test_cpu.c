/*
 * test_cpu: the cpu collector against the fixture host, its counter guard, the
 * /proc/cpuinfo and CPU range parsers on hostile input, missing files, and its
 * allocations per scrape.
 */
#include <sys/stat.h>

#include "alloc_probe.h"
#include "collectors/cpu.h"
#include "harness.h"
#include "lib/cpulist.h"
#include "t.h"
#include "tmptree.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.cpu", "--collector.cpufreq", "--collector.cpu.info",
				"--collector.cpu.info.bugs-include=^(cpu_meltdown|spectre_.*|mds)$",
				"--collector.cpu.info.flags-include=^(aes|avx.?|constant_tsc)$", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	const char *t = out.p;
	CHECK_DBL(series_value(t, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}"), 10870.69);
	CHECK_DBL(series_value(t, "node_cpu_seconds_total{cpu=\"7\",mode=\"user\"}"), 290.98);
	CHECK_DBL(series_value(t, "node_cpu_seconds_total{cpu=\"3\",mode=\"steal\"}"), 0);
	CHECK_DBL(series_value(t, "node_cpu_guest_seconds_total{cpu=\"1\",mode=\"nice\"}"), 0.02);
	CHECK_DBL(series_value(t, "node_cpu_guest_seconds_total{cpu=\"7\",mode=\"user\"}"), 0.09);
	CHECK_DBL(series_value(t, "node_cpu_info{cachesize=\"8192 KB\",core=\"3\",cpu=\"7\","
				  "family=\"6\",microcode=\"0xb4\",model=\"142\",model_name=\"Intel(R) "
				  "Core(TM) i7-8650U CPU @ 1.90GHz\",package=\"0\",stepping=\"10\","
				  "vendor=\"GenuineIntel\"}"),
		  1);
	CHECK_DBL(series_value(t, "node_cpu_frequency_hertz{core=\"0\",cpu=\"0\",package=\"0\"}"),
		  7.99998e+08);
	CHECK(isnan(series_value(t, "node_cpu_frequency_hertz{cpu=\"0\"}")));
	CHECK_DBL(series_value(t, "node_cpu_flag_info{flag=\"avx2\"}"), 1);
	CHECK(isnan(series_value(t, "node_cpu_flag_info{flag=\"fpu\"}")));
	CHECK_DBL(series_value(t, "node_cpu_bug_info{bug=\"spectre_v2\"}"), 1);
	CHECK(isnan(series_value(t, "node_cpu_bug_info{bug=\"l1tf\"}")));
	CHECK_DBL(series_value(t, "node_cpu_core_throttles_total{core=\"0\",package=\"0\"}"), 5);
	CHECK_DBL(series_value(t, "node_cpu_core_throttles_total{core=\"1\",package=\"1\"}"), 9);
	CHECK_DBL(series_value(t, "node_cpu_package_throttles_total{package=\"0\"}"), 30);
	CHECK_DBL(series_value(t, "node_cpu_package_throttles_total{package=\"1\"}"), 6);
	CHECK_DBL(series_value(t, "node_cpu_isolated{cpu=\"9\"}"), 1);
	CHECK(isnan(series_value(t, "node_cpu_isolated{cpu=\"2\"}")));
	CHECK(!has_line(t, "node_cpu_online"));
	CHECK_DBL(collector_success(t, "cpu"), 1);
	buf_fini(&out);
}

static void defaults_leave_out_info(void)
{
	const char *flags[] = { "--collector.cpu", "--no-collector.cpu.guest", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK(has_line(out.p, "node_cpu_seconds_total{"));
	CHECK(!has_line(out.p, "node_cpu_guest_seconds_total{"));
	CHECK(!has_line(out.p, "node_cpu_info{"));
	CHECK(!has_line(out.p, "node_cpu_flag_info{"));
	CHECK(!has_line(out.p, "node_cpu_frequency_hertz{"));
	buf_fini(&out);
}

static void include_filter_implies_info_without_freq(void)
{
	/* cpufreq disabled: no frequency from cpuinfo; the filter turns cpu.info on. */
	const char *flags[] = { "--collector.cpu", "--collector.cpu.info.flags-include=^aes$", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK(has_line(out.p, "node_cpu_info{"));
	CHECK_DBL(series_value(out.p, "node_cpu_flag_info{flag=\"aes\"}"), 1);
	CHECK(!has_line(out.p, "node_cpu_bug_info{"));
	CHECK(!has_line(out.p, "node_cpu_frequency_hertz{"));
	buf_fini(&out);
}

static int count_cpus(void *ctx, const struct cpuinfo_cpu *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static void cpuinfo_hostile(void)
{
	static const struct {
		const char *text;
		int ok, ncpu;
	} cases[] = {
		{ "", 0, 0 },
		{ "\n\n  \n", 0, 0 },
		{ "vendor_id : x\n", 0, 0 },
		{ "processor\t: 0\n", 1, 1 },
		{ "processor:0\n", 0, 0 },
		{ "processor\t: x\n", 0, 0 },
		{ "processor\t: 99999999999\n", 0, 0 },
		{ "processor\t: 0x10\nprocessor\t: 010\n", 1, 2 },
		{ "processor\t: 0\ncpu MHz\t: fast\n", 0, 0 },
		{ "processor\t: 0\ncpu MHz\t: 1e999\n", 0, 0 },
		{ "processor\t: 0\nsiblings\t: -1\n", 0, 0 },
		{ "processor\t: 0\nflags\t:\nbugs:\npower management:\n", 1, 1 },
		{ "processor\t: 0\n:::: : : \n: \n\0\0\n", 1, 1 },
		{ "processor\t: 0\r\nmodel name\t: a\r\nprocessor : 1", 1, 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = 0;
		int r = cpuinfo_parse(cases[i].text, strlen(cases[i].text), count_cpus, &n);
		if ((r == 0) != cases[i].ok || (r == 0 && n != cases[i].ncpu))
			fprintf(stderr, "case %zu: r=%d n=%d\n", i, r, n);
		CHECK((r == 0) == cases[i].ok);
		if (r == 0)
			CHECK_INT(n, cases[i].ncpu);
	}
}

static void info_emit_odd_values(void)
{
	const char *text = "processor\t: 3\nmodel name\t: a \"quoted\" \\ name\nflags\t\t: x y x\n";
	struct metric_sink s;
	struct buf out = { 0 };
	struct regex *re = NULL;
	CHECK_INT(regex_compile("^x$", &re, NULL, 0), 0);
	struct cpu_info_opts o = { true, re, NULL };
	sink_init(&s);
	CHECK_INT(cpu_info_emit(text, strlen(text), &o, &s), 0);
	CHECK_INT(s.nseries, 4); /* info, frequency 0, flag x twice as node_exporter does */
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK(strstr(out.p, "model_name=\"a \\\"quoted\\\" \\\\ name\"") != NULL);
	CHECK_DBL(series_value(out.p, "node_cpu_frequency_hertz{core=\"\",cpu=\"3\",package=\"\"}"), 0);
	regex_free(re);
	buf_fini(&out);
	sink_fini(&s);
}

/* Value of mode m of CPU id in st, or NAN. */
static double stat_of(const struct cpu_stats *st, int64_t id, int m)
{
	for (size_t i = 0; i < st->ncur; i++)
		if (st->cur[i].id == id)
			return st->cur[i].v[m];
	return NAN;
}

static void counters_never_go_back(void)
{
	struct cpu_stats st = { 0 };
	const char *a = "cpu 1 1 1 1\ncpu0 100 5 50 1000 10 0 0 0 3 1\ncpu1 7 7 7 7\n";
	const char *b = "cpu0 90 6 50 999 9 0 0 0 2 2\ncpu1 8 8 8 8\n";   /* small drops */
	const char *c = "cpu0 1 1 1 500 1 0 0 0 0 0\n";                 /* idle -4.99 s: reset */
	CHECK_INT(cpu_stats_update(&st, a, strlen(a)), 0);
	CHECK_INT(st.ncur, 2);
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_USER), 1.0);
	CHECK_INT(cpu_stats_update(&st, b, strlen(b)), 0);
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_USER), 1.0);   /* kept */
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_NICE), 0.06);  /* rose */
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_IDLE), 10.0);  /* kept */
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_GUEST), 0.03);
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_GUEST_NICE), 0.02);
	CHECK_DBL(stat_of(&st, 1, PROCSTAT_IDLE), 0.08);
	CHECK_INT(cpu_stats_update(&st, c, strlen(c)), 0);
	CHECK_INT(st.ncur, 1);                            /* cpu1 went away */
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_IDLE), 5.0);
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_USER), 0.01);  /* started afresh */
	/* A malformed file leaves the state alone. */
	const char *bad = "cpu0 1 2 3 4\ncpu1 x\n";
	CHECK(cpu_stats_update(&st, bad, strlen(bad)) < 0);
	CHECK_INT(st.ncur, 1);
	CHECK_DBL(stat_of(&st, 0, PROCSTAT_IDLE), 5.0);
	cpu_stats_fini(&st);
}

static void stat_hostile(void)
{
	static const char *const bad[] = {
		"cpu0 1 2 x\n", "cpufoo 1 2\n", "cpu0 1e999\n", "btime -1\n", "ctxt 1.5\n",
		"intr 5 1 2 x\n", "intr 99999999999999999999\n", "softirq 1 2 3\n",
		"processes 18446744073709551616\n",
	};
	static const char *const good[] = {
		"", "\n\n", "cpu\ncpu0\nbtime\n", "cpu0 1\n", "cpu3 1 2 3 4 5 6 7 8 9 10 11 12\n",
		"cpu0 1 2\ncpu0 3 4\n", "unknown x y z\n", "intr 5 18446744073709551615\n",
		"cpu-1 5 5 5\n", "cpu12345678 1 1 1 1\n",
	};
	struct cpu_stats st = { 0 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cpu_stats_update(&st, bad[i], strlen(bad[i])) == -EINVAL);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = cpu_stats_update(&st, good[i], strlen(good[i]));
		if (r != 0)
			fprintf(stderr, "good case %zu: %d\n", i, r);
		CHECK_INT(r, 0);
	}
	const char *dup = "cpu0 1 2\ncpu0 3 4\n";
	CHECK_INT(cpu_stats_update(&st, dup, strlen(dup)), 0);
	CHECK_INT(st.ncur, 1);
	cpu_stats_fini(&st);
	/* Too many CPUs for the limit: refused, not grown without bound. */
	struct cpu_stats small = { .max = 2 };
	const char *many = "cpu0 1\ncpu1 1\ncpu2 1\n";
	CHECK_INT(cpu_stats_update(&small, many, strlen(many)), -E2BIG);
	CHECK_INT(small.ncur, 0);
	cpu_stats_fini(&small);
}

static void range_lists(void)
{
	uint16_t v[16];
	size_t n;
	CHECK_INT(cpu_range_parse("1,3-5,9\n", 8, v, 16, &n), 0);
	CHECK_INT(n, 5);
	CHECK_INT(v[1], 3);
	CHECK_INT(v[4], 9);
	CHECK_INT(cpu_range_parse("\n", 1, v, 16, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(cpu_range_parse(",,2,", 4, v, 16, &n), 0);
	CHECK_INT(n, 1);
	static const char *const bad[] = { "a", "1-", "-1", "1-2-3", "70000", " 1", "1,x", "+1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(cpu_range_parse(bad[i], strlen(bad[i]), v, 16, &n), -EINVAL);
	CHECK_INT(cpu_range_parse("0-65535", 7, v, 16, &n), -E2BIG);
	CHECK_INT(cpu_range_parse("5-1", 3, v, 16, &n), 0); /* an empty range, as in Go */
	CHECK_INT(n, 0);
}

static void missing_and_odd_files(void)
{
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	const char *flags[] = { "--collector.cpu", NULL };
	struct buf out = { 0 };
	/* No /proc/stat: the collector fails, the scrape goes on. */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "cpu"), 0);
	/* /proc/stat but no sysfs: times only. */
	tmptree_put(&t, "proc/stat", "cpu0 1 2 3 4 5 6 7 8 9 10\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "cpu"), 1);
	CHECK_DBL(series_value(out.p, "node_cpu_seconds_total{cpu=\"0\",mode=\"steal\"}"), 0.08);
	/* CPUs with online files, one without topology, a garbage throttle count. */
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/online", "1\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu1/online", "0\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu10/online", "garbage");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count", "x\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count", "7\n");
	tmptree_put(&t, "sys/devices/system/cpu/isolated", "\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_cpu_online{cpu=\"0\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_cpu_online{cpu=\"1\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_cpu_online{cpu=\"10\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_cpu_package_throttles_total{package=\"0\"}"), 7);
	CHECK(!has_line(out.p, "node_cpu_core_throttles_total{"));
	CHECK(!has_line(out.p, "node_cpu_isolated{"));
	/* A malformed isolated list keeps the collector from starting. */
	tmptree_put(&t, "sys/devices/system/cpu/isolated", "1-x\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK(!has_line(out.p, "node_scrape_collector_success{collector=\"cpu\"}"));
	/* cpu.info on with a garbage cpuinfo fails the scrape. */
	tmptree_put(&t, "sys/devices/system/cpu/isolated", "3\n");
	tmptree_put(&t, "proc/cpuinfo", "vendor_id: x\n");
	const char *iflags[] = { "--collector.cpu", "--collector.cpu.info", NULL };
	CHECK_INT(tmptree_run(&t, iflags, &out), 0);
	CHECK_DBL(collector_success(out.p, "cpu"), 0);
	buf_fini(&out);
	CHECK_INT(tmptree_rm(&t), 0);
}

/* A throttle file found absent stays unread while devices/system/cpu/online reads the
 * same for two scrapes running; a change of that list, or a tree without it, makes
 * plumb look again. */
static void absent_files_follow_the_online_list(void)
{
	struct tmptree t;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.cpu", NULL };
	const char *pkg = "node_cpu_package_throttles_total{package=\"0\"}";
	const char *thr = "sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count";
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/stat", "cpu0 1 2 3 4 5 6 7 8 9 10\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
	/* no online list: an absent file is looked for every scrape */
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(isnan(series_value(out.p, pkg)));
	tmptree_put(&t, thr, "3\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, pkg), 3);
	agent_fini(&a);
	cfg_free(cfg);
	/* with one: remembered once the list has held for a scrape (a fresh agent each
	 * time: a held file of a plain tree reads on after it is deleted, where sysfs
	 * would fail with ENODEV) */
	CHECK_INT(tmptree_del(&t, thr), 0);
	tmptree_put(&t, "sys/devices/system/cpu/online", "0\n");
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0); /* the list is new: nothing remembered */
	tmptree_put(&t, thr, "4\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, pkg), 4);
	agent_fini(&a);
	cfg_free(cfg);
	CHECK_INT(tmptree_del(&t, thr), 0);
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_INT(harness_collect(&a, &out), 0); /* absent under a list that held */
	tmptree_put(&t, thr, "5\n");
	CHECK_INT(harness_collect(&a, &out), 0); /* remembered as absent: not looked for */
	CHECK(isnan(series_value(out.p, pkg)));
	CHECK_DBL(collector_success(out.p, "cpu"), 1);
	tmptree_put(&t, "sys/devices/system/cpu/online", "0-1\n"); /* a CPU came up */
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, pkg), 5);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	CHECK_INT(tmptree_rm(&t), 0);
}

/* A CPU's package and core numbers are read again only when the online list changes:
 * while it holds they are kept (here a core_id rewritten in place is not seen), a
 * change of the list makes them read afresh, and without a list they are read each
 * scrape. */
static void topology_follows_the_online_list(void)
{
	struct tmptree t;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.cpu", NULL };
	const char *core = "sys/devices/system/cpu/cpu0/topology/core_id";
	const char *c0 = "node_cpu_core_throttles_total{core=\"0\",package=\"0\"}";
	const char *c7 = "node_cpu_core_throttles_total{core=\"7\",package=\"0\"}";
	const char *c9 = "node_cpu_core_throttles_total{core=\"9\",package=\"0\"}";
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/stat", "cpu0 1 2 3 4 5 6 7 8 9 10\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
	tmptree_put(&t, core, "0\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count", "2\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count", "1\n");
	/* without a list: read each scrape */
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, c0), 2);
	tmptree_put(&t, core, "7\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, c7), 2);
	CHECK(isnan(series_value(out.p, c0)));
	agent_fini(&a);
	cfg_free(cfg);
	/* with one: kept from the scrape the list first held in */
	tmptree_put(&t, "sys/devices/system/cpu/online", "0\n");
	tmptree_put(&t, core, "0\n");
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0); /* the list is new: read, not kept */
	tmptree_put(&t, core, "7\n");
	CHECK_INT(harness_collect(&a, &out), 0); /* read under a list that held: kept */
	CHECK_DBL(series_value(out.p, c7), 2);
	tmptree_put(&t, core, "9\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, c7), 2);
	CHECK(isnan(series_value(out.p, c9)));
	tmptree_put(&t, "sys/devices/system/cpu/online", "0-1\n"); /* the list changed */
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, c9), 2);
	CHECK(isnan(series_value(out.p, c7)));
	CHECK_DBL(collector_success(out.p, "cpu"), 1);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	CHECK_INT(tmptree_rm(&t), 0);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	const char *flags[] = { "--collector.cpu", "--collector.cpufreq", "--collector.cpu.info",
				"--collector.cpu.info.flags-include=.", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
}

/* The names of cl, joined with spaces into buf[cap]. */
static const char *joined(const struct cpulist *cl, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < cl->n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", cl->names[i]);
	return buf;
}

/* Listings come out byte-wise sorted, the same again, and after CPUs come and go. */
static void cpu_listing(void)
{
	struct tmptree t;
	struct cpulist cl;
	char sys[PATH_MAX], text[256];
	CHECK_INT(tmptree_make(&t), 0);
	const char *dirs[] = { "cpu2", "cpu10", "cpu0", "cpufreq", "cpu1", "cpuidle" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(text, sizeof(text), "sys/devices/system/cpu/%s", dirs[i]);
		CHECK_INT(tmptree_mkdir(&t, text), 0);
	}
	CHECK_INT(cpulist_init(&cl, tmptree_path(&t, "sys", sys, sizeof(sys))), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(cpulist_scan(&cl), 0);
		CHECK_STR(joined(&cl, text, sizeof(text)), "cpu0 cpu1 cpu10 cpu2");
	}
	CHECK_INT(tmptree_del(&t, "sys/devices/system/cpu/cpu1"), 0);
	CHECK_INT(tmptree_mkdir(&t, "sys/devices/system/cpu/cpu3"), 0);
	CHECK_INT(cpulist_scan(&cl), 0);
	CHECK_STR(joined(&cl, text, sizeof(text)), "cpu0 cpu10 cpu2 cpu3");
	CHECK_INT(tmptree_del(&t, "sys/devices/system/cpu/cpu3"), 0);
	CHECK_INT(tmptree_mkdir(&t, "sys/devices/system/cpu/cpu1"), 0);
	CHECK_INT(cpulist_scan(&cl), 0);
	CHECK_STR(joined(&cl, text, sizeof(text)), "cpu0 cpu1 cpu10 cpu2");
	cpulist_fini(&cl);
	CHECK_INT(tmptree_rm(&t), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(defaults_leave_out_info);
	RUN(include_filter_implies_info_without_freq);
	RUN(cpuinfo_hostile);
	RUN(info_emit_odd_values);
	RUN(counters_never_go_back);
	RUN(stat_hostile);
	RUN(range_lists);
	RUN(cpu_listing);
	RUN(missing_and_odd_files);
	RUN(absent_files_follow_the_online_list);
	RUN(topology_follows_the_online_list);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_cpu");
}
