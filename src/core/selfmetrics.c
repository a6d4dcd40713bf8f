/*
 * selfmetrics: the process_* and build-information families. See selfmetrics.h.
 *
 * Each value is the fact client_golang's process collector reports on Linux, read the
 * cheap way: CPU time, virtual and resident size and start tick from one held-open
 * /proc/self/stat (re-read with pread), the descriptor limits with getrlimit (the soft
 * limits /proc/self/limits prints; "unlimited" is 2^64-1 there as here), the open
 * descriptors as the size procfs gives /proc/self/fd (Linux 6.2 and later; counted
 * with getdents64 before that, or on a tree that is not procfs). The start time adds
 * the boot time, which the kernel computes as the realtime clock minus the boottime
 * clock, exactly as /proc/stat's btime (so a clock step moves both alike); here it is
 * computed from the two clocks rather than read from /proc/stat, which is large on
 * hosts with many CPUs.
 */
#include "core/selfmetrics.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdscan.h"
#include "lib/pidstat.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/strparse.h"
#include "version.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define SELF_USER_HZ 100.0 /* /proc reports times in USER_HZ ticks, 100 for userspace */

const struct flag_def selfmetrics_flags[] = {
	{ "web.disable-exporter-metrics", FLAG_BOOL, "false",
	  "Leave out the figures about plumb's own process (process_*); the build "
	  "information stays.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* The build, as the Makefile describes it in version.h, and the compiler's macros. */
#define SELF_STR2(x) #x
#define SELF_STR(x) SELF_STR2(x)
#if defined(__clang__)
#define SELF_COMPILER                                                                      \
	"clang " SELF_STR(__clang_major__) "." SELF_STR(__clang_minor__) "." SELF_STR(     \
		__clang_patchlevel__)
#elif defined(__GNUC__)
#define SELF_COMPILER                                                                      \
	"gcc " SELF_STR(__GNUC__) "." SELF_STR(__GNUC_MINOR__) "." SELF_STR(__GNUC_PATCHLEVEL__)
#else
#define SELF_COMPILER "unknown"
#endif
/* The target as Go's GOARCH names it (node_exporter_build_info's goarch), and as the
 * kernel's uname -m does (plumb_build_info's arch). */
#if defined(__x86_64__)
#define SELF_GOARCH "amd64"
#define SELF_ARCH "x86_64"
#elif defined(__i386__)
#define SELF_GOARCH "386"
#define SELF_ARCH "i686"
#elif defined(__aarch64__)
#define SELF_GOARCH "arm64"
#define SELF_ARCH "aarch64"
#elif defined(__arm__)
#define SELF_GOARCH "arm"
#define SELF_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SELF_GOARCH "ppc64le"
#define SELF_ARCH "ppc64le"
#elif defined(__powerpc64__)
#define SELF_GOARCH "ppc64"
#define SELF_ARCH "ppc64"
#elif defined(__s390x__)
#define SELF_GOARCH "s390x"
#define SELF_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define SELF_GOARCH "riscv64"
#define SELF_ARCH "riscv64"
#elif defined(__loongarch64)
#define SELF_GOARCH "loong64"
#define SELF_ARCH "loongarch64"
#else
#define SELF_GOARCH "unknown"
#define SELF_ARCH "unknown"
#endif
/* Go's build tags have no C counterpart; the nearest is how this binary was built. */
#if defined(__SANITIZE_THREAD__)
#define SELF_TAGS "tsan"
#elif defined(__SANITIZE_ADDRESS__)
#define SELF_TAGS "asan"
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SELF_TAGS "tsan"
#elif __has_feature(address_sanitizer)
#define SELF_TAGS "asan"
#endif
#endif
#ifndef SELF_TAGS
#define SELF_TAGS "none"
#endif

static const struct metric_desc desc_ne_build = {
	"node_exporter_build_info",
	"Always 1; the labels name the build of plumb serving node_exporter's metrics here "
	"(goversion holds the C compiler: plumb is not written in Go).",
	METRIC_GAUGE,
};
static const struct metric_desc desc_build = {
	"plumb_build_info", "Always 1; the labels name this build of plumb.", METRIC_GAUGE,
};
static const struct metric_desc desc_cpu = {
	"process_cpu_seconds_total", "CPU time plumb's process has used, user and system, in seconds.",
	METRIC_COUNTER,
};
static const struct metric_desc desc_rss = {
	"process_resident_memory_bytes", "Memory of plumb's process resident in RAM, in bytes.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_vsize = {
	"process_virtual_memory_bytes", "Size of plumb's address space, in bytes.", METRIC_GAUGE,
};
static const struct metric_desc desc_vmax = {
	"process_virtual_memory_max_bytes",
	"Largest address space plumb's process may have (its soft RLIMIT_AS), in bytes.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_open_fds = {
	"process_open_fds", "File descriptors plumb's process has open.", METRIC_GAUGE,
};
static const struct metric_desc desc_max_fds = {
	"process_max_fds", "Most file descriptors plumb's process may open (its soft RLIMIT_NOFILE).",
	METRIC_GAUGE,
};
static const struct metric_desc desc_start = {
	"process_start_time_seconds", "When plumb's process started, in seconds since the Unix epoch.",
	METRIC_GAUGE,
};

struct selfmetrics {
	bool process;         /* report process_* */
	bool procfs;          /* self_dir is on procfs: fd/'s size is its entry count */
	int last_err;         /* the last collection's first read error, for logs */
	double page_size;
	struct procfile stat; /* <self_dir>/stat */
	char fd_path[PATH_MAX];
	struct fdscan scan;   /* counts fd/ where its size does not */
};

int selfmetrics_declare(const struct plumb_config *cfg, struct resources *res)
{
	(void)cfg;
	res_small(res);
	return 0;
}

int selfmetrics_new(const struct plumb_config *cfg, const char *self_dir,
		    struct selfmetrics **out)
{
	struct selfmetrics *s = calloc(1, sizeof(*s));
	struct statfs fs;
	int r = -ENOMEM;
	*out = NULL;
	if (!s)
		goto out;
	s->stat.fd = -1;
	s->scan.fd = -1;
	s->process = !cfg_bool(cfg, "web.disable-exporter-metrics");
	long page = sysconf(_SC_PAGESIZE);
	s->page_size = page > 0 ? (double)page : 4096;
	s->procfs = statfs(self_dir, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
	if ((r = procfile_init(&s->stat, self_dir, "stat", 0)) < 0 ||
	    (r = path_join(s->fd_path, sizeof(s->fd_path), self_dir, "fd")) < 0)
		goto out_free;
	procfile_set_whole(&s->stat); /* one record, made whole */
	*out = s;
	return 0;
out_free:
	selfmetrics_free(s);
out:
	return r;
}

void selfmetrics_free(struct selfmetrics *s)
{
	if (!s)
		return;
	procfile_fini(&s->stat);
	free(s);
}

/* The boot time in whole seconds since the epoch, as /proc/stat's btime: the realtime
 * clock minus the boottime clock, the latter read on both sides so that the time
 * between the reads cancels out. */
static double boot_time(void)
{
	struct timespec b1, rt, b2;
	clock_gettime(CLOCK_BOOTTIME, &b1);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &b2);
	int64_t boot_ns = ((int64_t)b1.tv_sec * 1000000000 + b1.tv_nsec +
			   (int64_t)b2.tv_sec * 1000000000 + b2.tv_nsec) / 2;
	int64_t off = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - boot_ns;
	int64_t sec = off / 1000000000;
	if (off < 0 && off % 1000000000)
		sec--; /* floor, as the kernel's timespec */
	return (double)sec;
}

/* Descriptors open in the process: the size of fd/ on procfs when it gives one, else
 * its entries counted. Returns the count or -errno. */
static int64_t open_fds(struct selfmetrics *s)
{
	struct stat st;
	if (s->procfs && stat(s->fd_path, &st) == 0 && st.st_size > 0)
		return (int64_t)st.st_size;
	int fd = open(s->fd_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	const char *name;
	unsigned char type;
	int64_t n = 0;
	int r = fdscan_start(&s->scan, fd);
	while (r == 0 && (r = fdscan_next(&s->scan, &name, &type)) > 0) {
		n++;
		r = 0;
	}
	close(fd);
	return r < 0 ? r : n;
}

/* A soft resource limit as the client libraries report it (unlimited: 2^64-1). */
static double soft_limit(int resource)
{
	struct rlimit rl;
	if (getrlimit(resource, &rl) < 0)
		return -1;
	return rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : (double)rl.rlim_cur;
}

/* Add the build information. Returns 0 or -errno. */
static int add_build(struct metric_sink *out)
{
	int r = sink_add(out, &desc_ne_build, 1,
			 LABELS(L("branch", PLUMB_BRANCH), L("goarch", SELF_GOARCH),
				L("goos", "linux"), L("goversion", SELF_COMPILER),
				L("revision", PLUMB_REVISION), L("tags", SELF_TAGS),
				L("version", PLUMB_VERSION)));
	if (r == 0)
		r = sink_add(out, &desc_build, 1,
			     LABELS(L("arch", SELF_ARCH), L("branch", PLUMB_BRANCH),
				    L("compiler", SELF_COMPILER), L("revision", PLUMB_REVISION),
				    L("version", PLUMB_VERSION)));
	return r;
}

/* Log the first read error of a collection when it differs from the last one's. */
static void log_change(struct selfmetrics *s, int err)
{
	if (err == s->last_err)
		return;
	if (err < 0)
		plog(LOG_WARN, "cannot read plumb's own process figures; they are left out",
		     "err", strerror(-err), PLOG_END);
	else
		plog(LOG_INFO, "plumb's own process figures are readable again", PLOG_END);
	s->last_err = err;
}

int selfmetrics_collect(void *ctx, struct metric_sink *out)
{
	struct selfmetrics *s = ctx;
	struct pidstat st;
	int r = add_build(out);
	if (r < 0 || !s->process)
		return r;
	int err = procfile_read(&s->stat);
	if (err == 0)
		err = pidstat_parse(s->stat.buf, s->stat.len, &st);
	if (err == 0) {
		r = sink_gauge(out, &desc_cpu, (double)(st.utime + st.stime) / SELF_USER_HZ);
		if (r == 0)
			r = sink_gauge(out, &desc_vsize, (double)st.vsize);
		if (r == 0)
			r = sink_gauge(out, &desc_rss, (double)st.rss * s->page_size);
		if (r == 0)
			r = sink_gauge(out, &desc_start,
				       boot_time() + (double)st.starttime / SELF_USER_HZ);
	}
	int64_t fds = open_fds(s);
	if (fds < 0 && err == 0)
		err = (int)fds;
	if (r == 0 && fds >= 0)
		r = sink_gauge(out, &desc_open_fds, (double)fds);
	if (r == 0)
		r = sink_gauge(out, &desc_max_fds, soft_limit(RLIMIT_NOFILE));
	if (r == 0)
		r = sink_gauge(out, &desc_vmax, soft_limit(RLIMIT_AS));
	log_change(s, err);
	return r;
}
