/*
 * test_cpufreq: the cpufreq collector against the fixture host, made-up sysfs trees
 * and hostile attribute text.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_probe.h"
#include "collectors/cpufreq.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.cpufreq", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	const char *t = out.p;
	CHECK_DBL(series_value(t, "node_cpu_scaling_frequency_hertz{cpu=\"0\"}"), 1.699981e+09);
	CHECK_DBL(series_value(t, "node_cpu_scaling_frequency_hertz{cpu=\"3\"}"), 8e+06);
	CHECK_DBL(series_value(t, "node_cpu_scaling_frequency_max_hertz{cpu=\"2\"}"), 4.2e+09);
	CHECK_DBL(series_value(t, "node_cpu_scaling_frequency_min_hertz{cpu=\"1\"}"), 8e+08);
	CHECK_DBL(series_value(t, "node_cpu_scaling_governor{cpu=\"0\",governor=\"powersave\"}"), 1);
	CHECK_DBL(series_value(t, "node_cpu_scaling_governor{cpu=\"0\",governor=\"performance\"}"), 0);
	CHECK(!has_line(t, "node_cpu_frequency_hertz{"));
	CHECK_DBL(collector_success(t, "cpufreq"), 1);
	buf_fini(&out);
}

/* Run cpufreq and the collectors in extra (NULL-terminated, or NULL) on the tree;
 * returns cpufreq's success value. */
static double success(const struct tmptree *t, const char *const *extra, struct buf *out)
{
	const char *flags[16] = { "--collector.cpufreq" };
	size_t n = 1;
	for (size_t i = 0; extra && extra[i] && n < 15; i++)
		flags[n++] = extra[i];
	flags[n] = NULL;
	CHECK_INT(tmptree_run(t, flags, out), 0);
	return collector_success(out->p, "cpufreq");
}

static void made_up_trees(void)
{
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	struct buf out = { 0 };
	CHECK_DBL(success(&t, NULL, &out), 0); /* no CPUs at all */
	const char *c = "sys/devices/system/cpu/";
	char rel[256];
#define PUT(cpu, file, text)                                                                       \
	do {                                                                               \
		snprintf(rel, sizeof(rel), "%s%s/cpufreq/%s", c, cpu, file);               \
		tmptree_put(&t, rel, text);                                                       \
	} while (0)
	PUT("cpu0", "cpuinfo_cur_freq", "1000\n");
	PUT("cpu0", "cpuinfo_avg_freq", "900\n");
	PUT("cpu0", "scaling_governor", "\n");
	PUT("cpu0", "scaling_available_governors", "a b\n");
	CHECK_DBL(success(&t, NULL, &out), 0); /* offline file missing */
	snprintf(rel, sizeof(rel), "%soffline", c);
	tmptree_put(&t, rel, "1-2\n");
	PUT("cpu1", "cpuinfo_cur_freq", "junk\n"); /* offline: never read */
	snprintf(rel, sizeof(rel), "%scpu5/online", c);
	tmptree_put(&t, rel, "1\n"); /* no cpufreq directory: skipped */
	CHECK_DBL(success(&t, NULL, &out), 1);
	CHECK_DBL(series_value(out.p, "node_cpu_frequency_hertz{cpu=\"0\"}"), 1e6);
	CHECK_DBL(series_value(out.p, "node_cpu_frequency_avg_hertz{cpu=\"0\"}"), 9e5);
	CHECK(!has_line(out.p, "node_cpu_scaling_governor{")); /* no governor set */
	CHECK(!has_line(out.p, "{cpu=\"1\"}"));
	/* With cpu.info on and the cpu collector enabled, the frequency is the cpu
	 * collector's to report, from /proc/cpuinfo: cpufreq leaves the family to it. */
	const char *info[] = { "--collector.cpu", "--collector.cpu.info", NULL };
	tmptree_put(&t, "proc/stat", "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\n");
	tmptree_put(&t, "proc/cpuinfo", "processor\t: 0\nphysical id\t: 0\ncore id\t: 0\n"
					 "cpu MHz\t\t: 1500.000\n\n");
	success(&t, info, &out);
	CHECK(!has_line(out.p, "node_cpu_frequency_hertz{cpu="));
	CHECK(has_line(out.p, "node_cpu_frequency_hertz{core=\"0\",cpu=\"0\",package=\"0\"}"));
	CHECK(has_line(out.p, "node_cpu_frequency_avg_hertz{cpu=\"0\"}"));
	/* When the cpu collector fails (no /proc/stat), the family is not lost: cpufreq
	 * reports its own reading. */
	tmptree_del(&t, "proc/stat");
	success(&t, info, &out);
	CHECK(has_line(out.p, "node_cpu_frequency_hertz{cpu=\"0\"}"));
	/* A garbage number fails the collector, a missing governor file too. */
	PUT("cpu0", "scaling_min_freq", "12x\n");
	CHECK_DBL(success(&t, NULL, &out), 0);
	PUT("cpu0", "scaling_min_freq", "12\n");
	PUT("cpu0", "scaling_governor", "b\n");
	CHECK_DBL(success(&t, NULL, &out), 1);
	CHECK_DBL(series_value(out.p, "node_cpu_scaling_governor{cpu=\"0\",governor=\"b\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_cpu_scaling_governor{cpu=\"0\",governor=\"a\"}"), 0);
	PUT("cpu2", "scaling_governor", "x\n"); /* cpu2 is offline anyway */
	snprintf(rel, sizeof(rel), "%scpu0/cpufreq/scaling_available_governors", c);
	tmptree_del(&t, rel);
	CHECK_DBL(success(&t, NULL, &out), 0);
	/* A bad offline list fails the collector. */
	snprintf(rel, sizeof(rel), "%soffline", c);
	tmptree_put(&t, rel, "x\n");
	CHECK_DBL(success(&t, NULL, &out), 0);
#undef PUT
	buf_fini(&out);
	CHECK_INT(tmptree_rm(&t), 0);
}

/* Across collections of one agent: held files are read again, a CPU whose cpufreq
 * directory goes away (its held files failing as on sysfs) drops out without failing
 * the collection, and comes back with the directory. */
static void directory_comes_and_goes(void)
{
	struct tmptree t;
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	char rel[256];
	const char *flags[] = { "--collector.cpufreq", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/devices/system/cpu/offline", "\n");
	for (int cpu = 0; cpu < 2; cpu++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq", cpu);
		tmptree_put(&t, rel, "1000\n");
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
		tmptree_put(&t, rel, "a\n");
		snprintf(rel, sizeof(rel),
			 "sys/devices/system/cpu/cpu%d/cpufreq/scaling_available_governors", cpu);
		tmptree_put(&t, rel, "a b\n");
	}
	CHECK_INT(tmptree_start(&t, flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, "node_cpu_scaling_frequency_hertz{cpu=\"0\"}"), 1e6);
	tmptree_put(&t, "sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", "2000\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, "node_cpu_scaling_frequency_hertz{cpu=\"1\"}"), 2e6);

	int dir = open(t.root, O_RDONLY | O_DIRECTORY);
	CHECK_INT(tmptree_break_held("/cpu0/cpufreq/", dir), 3);
	CHECK_INT(tmptree_del(&t, "sys/devices/system/cpu/cpu0/cpufreq"), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(harness_collect(&a, &out), 0);
		CHECK_DBL(collector_success(out.p, "cpufreq"), 1);
		CHECK(!has_line(out.p, "node_cpu_scaling_frequency_hertz{cpu=\"0\"}"));
		CHECK_DBL(series_value(out.p, "node_cpu_scaling_frequency_hertz{cpu=\"1\"}"), 2e6);
	}
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "3000\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "b\n");
	tmptree_put(&t, "sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors", "a b\n");
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(collector_success(out.p, "cpufreq"), 1);
	CHECK_DBL(series_value(out.p, "node_cpu_scaling_frequency_hertz{cpu=\"0\"}"), 3e6);
	CHECK_DBL(series_value(out.p, "node_cpu_scaling_governor{cpu=\"0\",governor=\"b\"}"), 1);
	/* a held file failing while its directory stays: the directory is looked up, and
	 * the file's absence fails the collection as it does when nothing is held */
	CHECK_INT(tmptree_break_held("/cpu1/cpufreq/scaling_available_governors", dir), 1);
	CHECK_INT(tmptree_del(&t, "sys/devices/system/cpu/cpu1/cpufreq/scaling_available_governors"), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(collector_success(out.p, "cpufreq"), 0);
	close(dir);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	CHECK_INT(tmptree_rm(&t), 0);
}

static void hostile_text(void)
{
	struct metric_sink s;
	struct cpufreq_text t = { 0 };
	sink_init(&s);
	t.have[CPUFREQ_MAX] = true;
	static const char *const bad[] = { "", "-1", "1.5", "18446744073709551616", "0x10", "1 2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sink_reset(&s);
		t.attr[CPUFREQ_MAX] = span_cstr(bad[i]);
		CHECK_INT(cpufreq_emit("0", &t, false, &s), -EINVAL);
		CHECK_INT(s.nseries, 0);
	}
	sink_reset(&s);
	t.attr[CPUFREQ_MAX] = span_cstr(" 18446744073709551615\n");
	t.governor = span_cstr("x");
	t.available = span_cstr("x  y"); /* split on single spaces, as node_exporter does */
	CHECK_INT(cpufreq_emit("0", &t, false, &s), 0);
	CHECK_INT(s.nseries, 4);
	sink_fini(&s);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	const char *flags[] = { "--collector.cpufreq", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(made_up_trees);
	RUN(directory_comes_and_goes);
	RUN(hostile_text);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_cpufreq");
}
