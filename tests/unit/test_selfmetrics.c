/*
 * test_selfmetrics: the process_* and build-information families, on this test's own
 * process (compared with what the kernel says by other routes), on a fixture process
 * directory (garbled and missing files included), and with --web.disable-exporter-metrics
 * (lib/pidstat's parser has test_pidstat).
 */
#include <dirent.h>
#include <sys/resource.h>

#include "core/selfmetrics.h"
#include "lib/pidstat.h"
#include "lib/procfile.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

/* Run the source once for the process directory dir with flags (NULL-terminated);
 * render into out. Returns the collect result. */
static int run_self(const char *dir, const char *const *flags, struct buf *out)
{
	char *argv[16] = { "plumb" };
	int argc = 1;
	for (size_t i = 0; flags[i] && argc < 15; i++)
		argv[argc++] = (char *)flags[i];
	struct plumb_config *cfg = NULL;
	struct selfmetrics *s = NULL;
	struct metric_sink sink;
	sink_init(&sink);
	log_setup("error", "logfmt");
	int r = cfg_parse(argc, argv, &cfg);
	if (r == 0)
		r = selfmetrics_new(cfg, dir, &s);
	if (r == 0)
		r = selfmetrics_collect(s, &sink);
	if (r == 0)
		r = sink_finish(&sink);
	buf_reset(out);
	if (r == 0)
		r = render_sink(&sink, EXPO_TEXT, out);
	selfmetrics_free(s);
	sink_fini(&sink);
	cfg_free(cfg);
	return r;
}

/* /proc/stat's btime: the boot time the kernel states. */
static double kernel_btime(void)
{
	char buf[1 << 16];
	size_t len = 0;
	if (read_file_at(NULL, "/proc/stat", buf, sizeof(buf), &len) < 0 && len == 0)
		return NAN;
	const char *p = strstr(buf, "\nbtime ");
	return p ? strtod(p + 7, NULL) : NAN;
}

/* Entries in /proc/self/fd, counted with readdir (its own descriptor included). */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void own_process(void)
{
	const char *none[] = { NULL };
	struct buf out = { 0 };
	struct pidstat st;
	char stat[4096];
	size_t len = 0;
	CHECK_INT(run_self("/proc/self", none, &out), 0);
	/* the build information */
	CHECK(has_line(out.p, "node_exporter_build_info{branch=\""));
#ifdef __x86_64__
	CHECK(strstr(out.p, "{branch=\"") && strstr(out.p, ",goarch=\"amd64\","));
#endif
	CHECK(strstr(out.p, ",goos=\"linux\",") != NULL);
	CHECK(strstr(out.p, ",tags=\"") != NULL);
	CHECK(has_line(out.p, "plumb_build_info{arch=\""));
	CHECK(strstr(out.p, "# TYPE process_cpu_seconds_total counter\n") != NULL);
	CHECK(strstr(out.p, "# TYPE process_start_time_seconds gauge\n") != NULL);
	/* the values, against the kernel's other ways of saying them */
	CHECK_INT(read_file_at(NULL, "/proc/self/stat", stat, sizeof(stat), &len), 0);
	CHECK_INT(pidstat_parse(stat, len, &st), 0);
	double start = series_value(out.p, "process_start_time_seconds");
	CHECK(fabs(start - (kernel_btime() + (double)st.starttime / 100)) < 0.001);
	double rss = series_value(out.p, "process_resident_memory_bytes");
	CHECK(rss > 0 && fabs(rss - (double)st.rss * (double)sysconf(_SC_PAGESIZE)) < (8 << 20));
	CHECK(series_value(out.p, "process_virtual_memory_bytes") >= rss);
	double cpu = series_value(out.p, "process_cpu_seconds_total");
	CHECK(cpu >= 0 && cpu <= (double)(st.utime + st.stime) / 100 + 1);
	struct rlimit rl;
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
	CHECK_DBL(series_value(out.p, "process_max_fds"), (double)rl.rlim_cur);
	CHECK_INT(getrlimit(RLIMIT_AS, &rl), 0);
	CHECK_DBL(series_value(out.p, "process_virtual_memory_max_bytes"),
		  rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : (double)rl.rlim_cur);
	/* readdir's count includes its own descriptor; the source's no extra one */
	double fds = series_value(out.p, "process_open_fds");
	CHECK(fds >= 3 && fds <= count_fds());
	buf_fini(&out);
}

static void disabled(void)
{
	const char *flags[] = { "--web.disable-exporter-metrics", NULL };
	struct buf out = { 0 };
	CHECK_INT(run_self("/proc/self", flags, &out), 0);
	CHECK(has_line(out.p, "node_exporter_build_info{"));
	CHECK(has_line(out.p, "plumb_build_info{"));
	CHECK(!strstr(out.p, "process_"));
	buf_fini(&out);
}

static void fixture_process(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *none[] = { NULL };
	CHECK_INT(tmptree_make(&t), 0);
	/* a command name with spaces and parentheses; 5 + 7 ticks of CPU, start at tick
	 * 250, 123456789 bytes of address space, 10 pages resident */
	tmptree_put(&t, "self/stat",
		    "4242 (we (i)rd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 7 0 0 20 0 "
		    "3 0 250 123456789 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 "
		    "0 0 0\n");
	tmptree_put(&t, "self/fd/0", "");
	tmptree_put(&t, "self/fd/1", "");
	tmptree_put(&t, "self/fd/7", "");
	char dir[PATH_MAX];
	tmptree_path(&t, "self", dir, sizeof(dir));
	CHECK_INT(run_self(dir, none, &out), 0);
	CHECK_DBL(series_value(out.p, "process_cpu_seconds_total"), 0.12);
	CHECK_DBL(series_value(out.p, "process_virtual_memory_bytes"), 123456789);
	CHECK_DBL(series_value(out.p, "process_resident_memory_bytes"),
		  10.0 * (double)sysconf(_SC_PAGESIZE));
	CHECK(fabs(series_value(out.p, "process_start_time_seconds") - (kernel_btime() + 2.5)) <
	      0.001);
	CHECK_DBL(series_value(out.p, "process_open_fds"), 3); /* not procfs: counted */

	/* a garbled stat leaves out what it gives, and nothing else */
	tmptree_put(&t, "self/stat", "4242 (x) S 1 2 3\n");
	CHECK_INT(run_self(dir, none, &out), 0);
	CHECK(!has_line(out.p, "process_cpu_seconds_total "));
	CHECK(!has_line(out.p, "process_start_time_seconds "));
	CHECK_DBL(series_value(out.p, "process_open_fds"), 3);
	CHECK(has_line(out.p, "process_max_fds "));
	CHECK(has_line(out.p, "node_exporter_build_info{"));
	/* nothing there at all */
	tmptree_del(&t, "self/stat");
	tmptree_del(&t, "self/fd");
	CHECK_INT(run_self(dir, none, &out), 0);
	CHECK(!has_line(out.p, "process_open_fds "));
	CHECK(!has_line(out.p, "process_resident_memory_bytes "));
	CHECK(has_line(out.p, "process_virtual_memory_max_bytes "));
	CHECK(has_line(out.p, "plumb_build_info{"));
	tmptree_rm(&t);
	buf_fini(&out);
}

int main(void)
{
	RUN(own_process);
	RUN(disabled);
	RUN(fixture_process);
	return T_DONE("test_selfmetrics");
}
