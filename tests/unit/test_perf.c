/*
 * test_perf: the perf collector's flag parsers on good and hostile values, the group
 * read layout, and live counting on this machine: software counters on each CPU that
 * grow between two collections, --collector.perf.cpus picking CPUs, a CPU the machine
 * lacks, tracepoints counted through a tracefs mounted in a private mount namespace
 * (a forked child's, never the host's), and tracepoints that cannot be found or opened
 * keeping the collector out without failing the others.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/perf.h"
#include "core/agent.h"
#include "lib/perfev.h"
#include "tmptree.h"

/* perf_cpus_parse of s: the count, or the error; the CPUs go to out. */
static long cpus(const char *s, uint16_t *out, size_t cap)
{
	size_t n = 12345;
	int r = perf_cpus_parse(s, strlen(s), out, cap, &n);
	return r < 0 ? r : (long)n;
}

static void cpus_good(void)
{
	uint16_t out[PERF_CPUS_MAX];
	CHECK_INT(cpus("0-3,5", out, PERF_CPUS_MAX), 5);
	CHECK(out[0] == 0 && out[1] == 1 && out[2] == 2 && out[3] == 3 && out[4] == 5);
	/* a stride steps from the start, as node_exporter's loop does: 1, 6 */
	CHECK_INT(cpus("1-10:5", out, PERF_CPUS_MAX), 2);
	CHECK(out[0] == 1 && out[1] == 6);
	CHECK_INT(cpus("0-10:5", out, PERF_CPUS_MAX), 3);
	CHECK(out[0] == 0 && out[1] == 5 && out[2] == 10);
	CHECK_INT(cpus("7", out, PERF_CPUS_MAX), 1);
	CHECK_INT(out[0], 7);
	CHECK_INT(cpus("+3", out, PERF_CPUS_MAX), 1); /* Go's Atoi takes a sign */
	CHECK_INT(out[0], 3);
	/* named twice: kept once, first-seen order */
	CHECK_INT(cpus("2,0-2,1", out, PERF_CPUS_MAX), 3);
	CHECK(out[0] == 2 && out[1] == 0 && out[2] == 1);
	CHECK_INT(cpus("3-1", out, PERF_CPUS_MAX), 0); /* start above end: none */
	CHECK_INT(cpus("65535", out, PERF_CPUS_MAX), 1);
	CHECK_INT(cpus("0-8191", out, PERF_CPUS_MAX), PERF_CPUS_MAX);
}

static void cpus_bad(void)
{
	static const char *const bad[] = {
		"", ",", "0,", ",0", "0,,1", "a", "-1", "1-", "-", "1-2-3", "1--2", "1-3:0",
		"1-3:-1", "1-3:x", "1-3:", "1-3:2:4", "5:2", "1:2-3", "65536", "0-65536",
		" 1", "1 ", "1\n", "0x1", "99999999999999999999", "1-99999999999999999999",
	};
	uint16_t out[16];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = cpus(bad[i], out, 16);
		if (r != -EINVAL)
			fprintf(stderr, "cpus(\"%s\") == %ld\n", bad[i], r);
		CHECK_INT(r, -EINVAL);
	}
	CHECK_INT(cpus("0-16", out, 16), -E2BIG);
	CHECK_INT(cpus("0-15,0-15", out, 16), 16);
	char *big = malloc(PERF_CPUS_TEXT_MAX + 2);
	CHECK(big != NULL);
	if (big) {
		for (size_t i = 0; i < PERF_CPUS_TEXT_MAX + 1; i++)
			big[i] = (i % 2) ? ',' : '1';
		big[PERF_CPUS_TEXT_MAX] = '1';
		big[PERF_CPUS_TEXT_MAX + 1] = '\0';
		CHECK_INT(cpus(big, out, 16), -EINVAL);
		free(big);
	}
}

static void tracepoint_values(void)
{
	struct perf_tracepoint tp[PERF_TP_MAX + 1];
	size_t bad = 99;
	const char *ok[] = { "sched:sched_switch", "syscalls:sys_enter_read" };
	CHECK_INT(perf_tracepoints_parse(ok, 2, tp, &bad), 0);
	CHECK_STR(tp[0].sys, "sched");
	CHECK_STR(tp[0].event, "sched_switch");
	CHECK_STR(tp[0].metric, "node_perf_sched_sched_switch");
	CHECK_STR(tp[1].metric, "node_perf_syscalls_sys_enter_read");

	static const char *const hostile[] = {
		"", "sched", ":x", "x:", "a:b:c", "a/..:b", "..:b", "a:b c", "a:b\n", "a-b:c",
		"a:b/id", "a:\xff",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		CHECK_INT(perf_tracepoint_parse(hostile[i], strlen(hostile[i]), tp), -EINVAL);
	char longp[PERF_TP_PART_MAX + 8];
	memset(longp, 'a', sizeof(longp));
	longp[0] = 'x';
	longp[1] = ':';
	CHECK_INT(perf_tracepoint_parse(longp, PERF_TP_PART_MAX + 2, tp), 0);
	CHECK_INT(perf_tracepoint_parse(longp, PERF_TP_PART_MAX + 3, tp), -EINVAL);

	/* two values giving one metric name, or one of the counters' names */
	const char *clash[] = { "a_b:c", "a:b_c" };
	CHECK_INT(perf_tracepoints_parse(clash, 2, tp, &bad), -EINVAL);
	CHECK_INT(bad, 1);
	const char *twice[] = { "sched:sched_switch", "x:y", "sched:sched_switch" };
	CHECK_INT(perf_tracepoints_parse(twice, 3, tp, &bad), -EINVAL);
	CHECK_INT(bad, 2);
	const char *own[] = { "cache:misses_total" };
	CHECK_INT(perf_tracepoints_parse(own, 1, tp, &bad), -EINVAL);
	const char *many[PERF_TP_MAX + 1];
	for (size_t i = 0; i <= PERF_TP_MAX; i++)
		many[i] = "a:b";
	CHECK_INT(perf_tracepoints_parse(many, PERF_TP_MAX + 1, tp, &bad), -E2BIG);
}

static void tracepoint_ids(void)
{
	uint64_t id = 0;
	CHECK_INT(perf_tracepoint_id_parse("372\n", 4, &id), 0);
	CHECK_INT(id, 372);
	CHECK_INT(perf_tracepoint_id_parse("18446744073709551615", 20, &id), 0);
	static const char *const bad[] = { "", "\n", "x", "1 2", "-1", " 1", "1\n\n",
					   "18446744073709551616" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(perf_tracepoint_id_parse(bad[i], strlen(bad[i]), &id), -EINVAL);
}

static void group_layout(void)
{
	uint64_t in[5] = { 2, 100, 90, 7, 8 }, out[2] = { 0, 0 };
	CHECK_INT(perfev_group_parse(in, sizeof(in), 2, out), 0);
	CHECK(out[0] == 7 && out[1] == 8);
	CHECK_INT(perfev_group_parse(in, sizeof(in) - 8, 2, out), -EIO);
	CHECK_INT(perfev_group_parse(in, sizeof(in), 3, out), -EIO);
	in[0] = 3;
	CHECK_INT(perfev_group_parse(in, sizeof(in), 2, out), -EIO);
	CHECK_INT(perfev_group_parse(in, 0, SIZE_MAX, out), -EIO);
}

/* Whether this machine lets plumb count software events for every process on CPU 0
 * (root, or perf_event_paranoid 0 or less). */
static bool can_count(void)
{
	int fd;
	if (perfev_open(PERFEV_SOFTWARE, 3, 0, -1, 0, &fd) < 0)
		return false;
	close(fd);
	return true;
}

static void software_counters_live(void)
{
	if (!can_count()) {
		printf("  (skipped: this user may not count events for every process)\n");
		return;
	}
	const char *flags[] = { "--collector.disable-defaults", "--collector.perf", NULL };
	struct plumb_config *cfg = NULL;
	struct agent a;
	struct buf one = { 0 }, two = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	CHECK_INT(harness_start(flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &one), 0);
	/* An idle CPU 0 may switch nothing for a while, so switch on it ourselves: each
	 * sleep there goes to another task and back. */
	cpu_set_t was, zero;
	CPU_ZERO(&zero);
	CPU_SET(0, &zero);
	CHECK_INT(sched_getaffinity(0, sizeof(was), &was), 0);
	CHECK_INT(sched_setaffinity(0, sizeof(zero), &zero), 0);
	for (int i = 0; i < 20; i++)
		usleep(1000);
	CHECK_INT(sched_setaffinity(0, sizeof(was), &was), 0);
	CHECK_INT(harness_collect(&a, &two), 0);
	CHECK_DBL(collector_success(two.p, "perf"), 1);
	double cs1 = series_value(one.p, "node_perf_context_switches_total{cpu=\"0\"}");
	double cs2 = series_value(two.p, "node_perf_context_switches_total{cpu=\"0\"}");
	CHECK(cs1 >= 0 && cs2 > cs1);
	static const char *const sw[] = { "page_faults", "context_switches", "cpu_migrations",
					  "minor_faults", "major_faults" };
	char series[96];
	for (long c = 0; c < ncpu && c < 64; c++)
		for (size_t k = 0; k < 5; k++) {
			snprintf(series, sizeof(series), "node_perf_%s_total{cpu=\"%ld\"}", sw[k], c);
			CHECK(!isnan(series_value(two.p, series)));
		}
	CHECK(has_line(two.p, "# TYPE node_perf_context_switches_total counter"));
	/* hardware counters appear exactly when this machine has a PMU */
	int fd;
	bool pmu = perfev_open(PERFEV_HARDWARE, 0, 0, -1, 0, &fd) == 0;
	if (pmu)
		close(fd);
	CHECK(pmu == !isnan(series_value(two.p, "node_perf_cpucycles_total{cpu=\"0\"}")));
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&one);
	buf_fini(&two);
}

static void cpus_flag_live(void)
{
	if (!can_count() || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	const char *one[] = { "--collector.disable-defaults", "--collector.perf",
			      "--collector.perf.cpus=1", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(one, &out), 0);
	CHECK(!isnan(series_value(out.p, "node_perf_context_switches_total{cpu=\"1\"}")));
	CHECK(isnan(series_value(out.p, "node_perf_context_switches_total{cpu=\"0\"}")));
	/* a CPU the machine lacks: nothing to count, the collector stays out quietly */
	const char *none[] = { "--collector.disable-defaults", "--collector.perf",
			       "--collector.loadavg", "--collector.perf.cpus=4000", NULL };
	CHECK_INT(harness_run(none, &out), 0);
	CHECK(!has_line(out.p, "node_perf_"));
	CHECK_DBL(collector_success(out.p, "loadavg"), 1);
	/* a bad value: the collector is left out, the others run */
	const char *bad[] = { "--collector.disable-defaults", "--collector.perf",
			      "--collector.loadavg", "--collector.perf.cpus=0-3:0", NULL };
	CHECK_INT(harness_run(bad, &out), 0);
	CHECK(isnan(collector_success(out.p, "perf")));
	CHECK_DBL(collector_success(out.p, "loadavg"), 1);
	buf_fini(&out);
}

/* In a child with a private mount namespace and tracefs mounted at
 * /sys/kernel/tracing: count sched:sched_switch and syscalls:sys_enter_getpid on CPU 0
 * and check both series. Returns the failed checks, or T_SKIP when tracefs cannot be
 * had. */
static int tracepoints_child(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
		return T_SKIP;
	const char *flags[] = { "--collector.disable-defaults", "--collector.perf",
				"--collector.perf.cpus=0",
				"--collector.perf.tracepoint=sched:sched_switch",
				"--collector.perf.tracepoint=syscalls:sys_enter_getpid", NULL };
	struct plumb_config *cfg = NULL;
	struct agent a;
	struct buf one = { 0 }, two = { 0 };
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	CHECK_INT(harness_start(flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &one), 0);
	for (int i = 0; i < 100; i++)
		syscall(SYS_getpid);
	CHECK_INT(harness_collect(&a, &two), 0);
	double g1 = series_value(one.p, "node_perf_syscalls_sys_enter_getpid{cpu=\"0\"}");
	double g2 = series_value(two.p, "node_perf_syscalls_sys_enter_getpid{cpu=\"0\"}");
	CHECK(g2 - g1 >= 100);
	CHECK(series_value(two.p, "node_perf_sched_sched_switch{cpu=\"0\"}") >= 0);
	CHECK(has_line(two.p, "# TYPE node_perf_sched_sched_switch counter"));
	CHECK(!has_line(two.p, "node_perf_sched_sched_switch{cpu=\"1\"}"));
	CHECK_DBL(collector_success(two.p, "perf"), 1);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&one);
	buf_fini(&two);
	return t_checks_failed ? 1 : 0;
}

static void tracepoints_live(void)
{
	if (!can_count() || geteuid() != 0) {
		printf("  (skipped: tracepoints need root)\n");
		return;
	}
	t_in_child(tracepoints_child, "tracepoints_live", "no tracefs in a private mount namespace");
}

static void tracepoint_failures(void)
{
	if (!can_count())
		return;
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	/* not in tracefs under this sysfs */
	const char *missing[] = { "--collector.perf",
				  "--collector.loadavg", "--collector.perf.tracepoint=nosuch:event",
				  NULL };
	CHECK_INT(tmptree_run(&t, missing, &out), 0);
	CHECK(isnan(collector_success(out.p, "perf")));
	/* found under kernel/debug/tracing, but the kernel has no such id */
	CHECK_INT(tmptree_put(&t, "sys/kernel/debug/tracing/events/fake/event/id", "4000000000\n"),
		  0);
	const char *bogus[] = { "--collector.perf",
				"--collector.perf.tracepoint=fake:event", NULL };
	CHECK_INT(tmptree_run(&t, bogus, &out), 0);
	CHECK(isnan(collector_success(out.p, "perf")));
	/* an id file that is not a number */
	CHECK_INT(tmptree_put(&t, "sys/kernel/tracing/events/fake/event/id", "x\n"), 0);
	CHECK_INT(tmptree_run(&t, bogus, &out), 0);
	CHECK(isnan(collector_success(out.p, "perf")));
	/* a bad value */
	const char *bad[] = { "--collector.perf",
			      "--collector.perf.tracepoint=../x:y", NULL };
	CHECK_INT(tmptree_run(&t, bad, &out), 0);
	CHECK(isnan(collector_success(out.p, "perf")));
	tmptree_rm(&t);
	buf_fini(&out);
}

int main(void)
{
	RUN(cpus_good);
	RUN(cpus_bad);
	RUN(tracepoint_values);
	RUN(tracepoint_ids);
	RUN(group_layout);
	RUN(software_counters_live);
	RUN(cpus_flag_live);
	RUN(tracepoints_live);
	RUN(tracepoint_failures);
	return T_DONE("test_perf");
}
