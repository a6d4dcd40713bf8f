/*
 * test_processes: the processes collector on the fixture host, on a tree with threads,
 * ended processes and odd entries, without its limits (lib/pidstat's parser has
 * test_pidstat), and on this machine's /proc, where it skips listing single-threaded
 * processes.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/processes.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.processes", NULL };

/* A kernel's stat line for a task in state st with n threads (41 numbers after it). */
static void stat_line(char *buf, size_t cap, const char *comm, const char *st, int n)
{
	snprintf(buf, cap,
		 "1 (%s) %s 0 1 1 0 -1 4194560 9061 9416027 94 2620 36 98 54406 13885 20 0 %d 0 29 "
		 "109604864 2507 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 0 "
		 "0 19 0 0 0 0 0 0 0 0 0 0\n",
		 comm, st, n);
}

static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_processes_pids"), 3);
	CHECK_DBL(series_value(out.p, "node_processes_threads"), 3);
	CHECK_DBL(series_value(out.p, "node_processes_max_threads"), 7801);
	CHECK_DBL(series_value(out.p, "node_processes_max_processes"), 123);
	CHECK_DBL(series_value(out.p, "node_processes_state{state=\"S\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_processes_state{state=\"I\"}"), 1);
	CHECK(!has_line(out.p, "node_processes_threads_state")); /* the fixture has no task/ */
	CHECK_DBL(collector_success(out.p, "processes"), 1);
	buf_fini(&out);
}

/* Two processes, one with three threads (its own, a running one, one that ended), one
 * without task/; a pid directory whose stat is gone; entries that are no pid. */
static void threads_and_leftovers(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char line[400];
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/sys/kernel/threads-max", "100\n");
	tmptree_put(&t, "proc/sys/kernel/pid_max", "32768\n");
	stat_line(line, sizeof(line), "a) (b", "S", 3);
	tmptree_put(&t, "proc/10/stat", line);
	stat_line(line, sizeof(line), "x", "R", 1);
	tmptree_put(&t, "proc/10/task/11/stat", line);
	tmptree_put(&t, "proc/10/task/10/stat", "never read: the process's own state counts");
	CHECK_INT(tmptree_mkdir(&t, "proc/10/task/12"), 0); /* ended: no stat */
	CHECK_INT(tmptree_mkdir(&t, "proc/10/task/self"), 0);
	stat_line(line, sizeof(line), "zombie", "Z", 1);
	tmptree_put(&t, "proc/20/stat", line);
	CHECK_INT(tmptree_mkdir(&t, "proc/30"), 0); /* ended between listing and reading */
	tmptree_put(&t, "proc/self", "not a pid");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "processes"), 1);
	CHECK_DBL(series_value(out.p, "node_processes_pids"), 2);
	CHECK_DBL(series_value(out.p, "node_processes_threads"), 4);
	CHECK_DBL(series_value(out.p, "node_processes_state{state=\"S\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_processes_state{state=\"Z\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_processes_threads_state{thread_state=\"S\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_processes_threads_state{thread_state=\"R\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_processes_max_threads"), 100);
	CHECK_DBL(series_value(out.p, "node_processes_max_processes"), 32768);

	/* a thread's stat that does not parse fails the collection */
	tmptree_put(&t, "proc/10/task/11/stat", "11 (x) R 0 1");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "processes"), 0);
	CHECK(!has_line(out.p, "node_processes_"));
	stat_line(line, sizeof(line), "x", "R", 1);
	tmptree_put(&t, "proc/10/task/11/stat", line);

	/* so does a task that is a file, and a missing or garbled limit */
	tmptree_put(&t, "proc/20/task", "not a directory");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "processes"), 0);
	tmptree_del(&t, "proc/20/task");
	tmptree_put(&t, "proc/sys/kernel/pid_max", "lots\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "processes"), 0);
	tmptree_del(&t, "proc/sys/kernel/threads-max");
	tmptree_put(&t, "proc/sys/kernel/pid_max", "32768\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "processes"), 0);
	CHECK(!has_line(out.p, "node_processes_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

static void missing_proc(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("processes", &out), 0);
	CHECK_DBL(collector_success(out.p, "processes"), 0);
	CHECK(!has_line(out.p, "node_processes_"));
	buf_fini(&out);
}

/* The state tables are bounded. */
static void state_tables(void)
{
	struct proc_states t;
	struct proc_counts pc;
	struct metric_sink s;
	char name[16];
	double v;
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < PROC_MAX_STATES; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		CHECK_INT(proc_states_add(&t, span_cstr(name)), 0);
	}
	CHECK_INT(proc_states_add(&t, SPAN_LIT("s0")), 0);
	CHECK_INT(t.v[0].count, 2);
	CHECK_INT(proc_states_add(&t, SPAN_LIT("new")), -E2BIG);
	CHECK_INT(proc_states_add(&t, SPAN_LIT("0123456789abcdefg")), -EINVAL);
	memset(&pc, 0, sizeof(pc));
	pc.threads = (uint64_t)-5; /* wraps as Go's int */
	pc.procs = t;
	sink_init(&s);
	CHECK_INT(processes_emit(&pc, 1, 2, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_processes_threads", NULL, NULL, &v) == 0 &&
	      v == -5);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_processes_state", "state", "s0", &v) == 0 &&
	      v == 2);
	CHECK_INT(s.nseries, 4 + PROC_MAX_STATES);
	sink_fini(&s);
}

static pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;

/* A thread that sleeps (state S) until the test lets go of hold. */
static void *sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hold);
	pthread_mutex_unlock(&hold);
	return NULL;
}

/* Sum of the values of the series whose line starts with prefix. */
static double sum_series(const char *text, const char *prefix)
{
	double sum = 0;
	size_t n = strlen(prefix);
	for (const char *p = text; p && *p;) {
		const char *sp = strchr(p, ' ');
		if (strncmp(p, prefix, n) == 0 && sp)
			sum += strtod(sp + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return sum;
}

/* The kernel's /proc, with this process holding three sleeping threads and a zombie
 * child: single-threaded processes count one thread in their own state without a look
 * at task/, the others have task/ listed, so the threads by state add up to the sum of
 * num_threads (on a quiet moment: other processes come and go, so up to 20 tries). */
static void live_proc(void)
{
	static const char *const live[] = { "--path.procfs=/proc", "--collector.disable-defaults",
					    "--collector.processes", NULL };
	struct buf out = { 0 };
	pthread_t th[3];
	pthread_mutex_lock(&hold);
	for (int i = 0; i < 3; i++)
		CHECK_INT(pthread_create(&th[i], NULL, sleeper, NULL), 0);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	CHECK(child > 0);
	usleep(100 * 1000); /* the threads are asleep, the child a zombie */
	int same = 0;
	for (int i = 0; i < 20 && !same; i++) {
		CHECK_INT(harness_run(live, &out), 0);
		CHECK_DBL(collector_success(out.p, "processes"), 1);
		double threads = series_value(out.p, "node_processes_threads");
		same = threads == sum_series(out.p, "node_processes_threads_state{");
	}
	CHECK(same);
	CHECK(series_value(out.p, "node_processes_threads") >= 5);
	CHECK(series_value(out.p, "node_processes_state{state=\"Z\"}") >= 1);
	CHECK(series_value(out.p, "node_processes_threads_state{thread_state=\"Z\"}") >= 1);
	CHECK(series_value(out.p, "node_processes_threads_state{thread_state=\"S\"}") >= 3);
	CHECK(series_value(out.p, "node_processes_pids") >= 2);
	pthread_mutex_unlock(&hold);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	if (child > 0)
		waitpid(child, NULL, 0);
	buf_fini(&out);
}

/* One agent collecting again and again on this machine's /proc, where stat files stay
 * open between scrapes: a zombie child counts while it exists and stops counting once
 * reaped (its held file then fails to read and is closed), a new child counts, and
 * threads that come and go keep the thread totals right. */
static void held_across_scrapes(void)
{
	char *argv[] = { "plumb", "--path.procfs=/proc", "--collector.disable-defaults",
			 "--collector.processes", NULL };
	struct plumb_config *cfg;
	struct agent a;
	struct buf out = { 0 };
	CHECK_INT(cfg_parse(4, argv, &cfg), 0);
	CHECK_INT(agent_init(&a, cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	double z0 = series_value(out.p, "node_processes_state{state=\"Z\"}");
	if (isnan(z0))
		z0 = 0;
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	CHECK(child > 0);
	usleep(100 * 1000);
	bool seen = false;
	for (int i = 0; i < 20 && !seen; i++) {
		CHECK_INT(harness_collect(&a, &out), 0);
		seen = series_value(out.p, "node_processes_state{state=\"Z\"}") >= z0 + 1;
	}
	CHECK(seen); /* held now */
	waitpid(child, NULL, 0);
	bool gone = false;
	for (int i = 0; i < 20 && !gone; i++) {
		CHECK_INT(harness_collect(&a, &out), 0);
		CHECK_DBL(collector_success(out.p, "processes"), 1);
		double z = series_value(out.p, "node_processes_state{state=\"Z\"}");
		gone = isnan(z) || z <= z0;
	}
	CHECK(gone);
	child = fork(); /* a new zombie, perhaps under a pid another held before */
	if (child == 0)
		_exit(0);
	usleep(100 * 1000);
	seen = false;
	for (int i = 0; i < 20 && !seen; i++) {
		CHECK_INT(harness_collect(&a, &out), 0);
		seen = series_value(out.p, "node_processes_state{state=\"Z\"}") >= z0 + 1;
	}
	CHECK(seen);
	if (child > 0)
		waitpid(child, NULL, 0);
	/* threads' files are held too: threads that come and go between scrapes still add
	 * up to the sum of num_threads */
	pthread_t th[3];
	pthread_mutex_lock(&hold);
	for (int i = 0; i < 3; i++)
		CHECK_INT(pthread_create(&th[i], NULL, sleeper, NULL), 0);
	for (int round = 0; round < 2; round++) {
		bool same = false;
		for (int i = 0; i < 20 && !same; i++) {
			CHECK_INT(harness_collect(&a, &out), 0);
			same = series_value(out.p, "node_processes_threads") ==
			       sum_series(out.p, "node_processes_threads_state{");
		}
		CHECK(same);
		if (round == 0) { /* the three end: their held files fail and are closed */
			pthread_mutex_unlock(&hold);
			for (int i = 0; i < 3; i++)
				pthread_join(th[i], NULL);
		}
	}
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
}

int main(void)
{
	RUN(fixture_values);
	RUN(threads_and_leftovers);
	RUN(missing_proc);
	RUN(state_tables);
	RUN(live_proc);
	RUN(held_across_scrapes);
	return T_DONE("test_processes");
}
