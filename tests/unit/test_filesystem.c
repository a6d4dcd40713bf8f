/*
 * test_filesystem: the filesystem collector's mountinfo parser, label rules and flags
 * against the fixture host and hostile input, and the lib/deadline worker pool that
 * keeps a hung statfs from holding a scrape (a job blocked on a pipe stands in for the
 * hung mount; tests/e2e/test_hung_mount.py does it with a real FUSE mount).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "alloc_probe.h"
#include "collectors/filesystem.h"
#include "harness.h"
#include "lib/deadline.h"
#include "t.h"
#include "tmptree.h"

#define KUBE_MP                                                                            \
	"/var/lib/kubelet/plugins/kubernetes.io/vsphere-volume/mounts/[vsanDatastore]%c"      \
	"bafb9e5a-8856-7e6c-699c-801844e77a4a/kubernetes-dynamic-pvc-3eba5bba-48a3-11e8-89ab-" \
	"005056b92113.vmdk"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.filesystem", NULL };
	struct buf out = { 0 };
	char s[512];
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	/* the fixture root exists, so "/" is stat'ed; its numbers depend on this machine */
	CHECK_DBL(series_value(out.p, "node_filesystem_device_error{device=\"/dev/dm-2\","
				      "device_error=\"\",fstype=\"ext4\",mountpoint=\"/\"}"),
		  0);
	CHECK_DBL(series_value(out.p, "node_filesystem_mount_info{device=\"/dev/dm-2\","
				      "major=\"259\",minor=\"2\",mountpoint=\"/\"}"),
		  1);
	CHECK(has_line(out.p, "node_filesystem_size_bytes{device=\"/dev/dm-2\",device_error=\"\""));
	/* mount points that do not exist under the fixture root fail with ENOENT */
	CHECK_DBL(series_value(out.p, "node_filesystem_device_error{device=\"/dev/sda3\","
				      "device_error=\"no such file or directory\",fstype=\"ext2\","
				      "mountpoint=\"/boot\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_filesystem_readonly{device=\"/dev/sda3\","
				      "device_error=\"no such file or directory\",fstype=\"ext2\","
				      "mountpoint=\"/boot\"}"),
		  0);
	CHECK(!has_line(out.p, "node_filesystem_size_bytes{device=\"/dev/sda3\""));
	CHECK(!has_line(out.p, "node_filesystem_mount_info{device=\"/dev/sda3\""));
	CHECK_DBL(series_value(out.p, "node_filesystem_device_error{device=\"gvfsd-fuse\","
				      "device_error=\"no such file or directory\","
				      "fstype=\"fuse.gvfsd-fuse\",mountpoint=\"/run/user/1000/gvfs\"}"),
		  1);
	/* \040 and \011 in mount points are decoded (a tab goes out raw; writers keep it) */
	for (int i = 0; i < 2; i++) {
		char mp[300];
		snprintf(mp, sizeof(mp), KUBE_MP, i ? '\t' : ' ');
		snprintf(s, sizeof(s),
			 "node_filesystem_device_error{device=\"/dev/sda\",device_error=\"no such "
			 "file or directory\",fstype=\"ext4\",mountpoint=\"%s\"}",
			 mp);
		CHECK_DBL(series_value(out.p, s), 1);
	}
	/* default excludes: pseudo filesystems and /dev /proc /sys, container storage */
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"sysfs\""));
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"tmpfs\",device_error="
			       "\"no such file or directory\",fstype=\"tmpfs\",mountpoint=\"/dev/shm\"}"));
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"rpc_pipefs\""));
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"/dev/mapper/rhel-root\""));
	CHECK(has_line(out.p, "node_filesystem_device_error{device=\"tmpfs\",device_error=\"no "
			      "such file or directory\",fstype=\"tmpfs\",mountpoint=\"/run/lock\"}"));
	CHECK_DBL(collector_success(out.p, "filesystem"),
		  1);
	buf_fini(&out);
}

static void include_and_exclude_flags(void)
{
	struct buf out = { 0 };
	const char *inc[] = { "--collector.filesystem",
			      "--collector.filesystem.mount-points-include=^/boot$", NULL };
	CHECK_INT(harness_run_fixture(inc, &out), 0);
	CHECK(has_line(out.p, "node_filesystem_device_error{device=\"/dev/sda3\""));
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"/dev/dm-2\""));
	/* an include drops the default exclude: /sys/fs/cgroup (ro tmpfs) shows up */
	const char *inc2[] = { "--collector.filesystem",
			       "--collector.filesystem.mount-points-include=^/sys/fs/cgroup$", NULL };
	CHECK_INT(harness_run_fixture(inc2, &out), 0);
	CHECK_DBL(series_value(out.p, "node_filesystem_readonly{device=\"tmpfs\",device_error="
				      "\"no such file or directory\",fstype=\"tmpfs\","
				      "mountpoint=\"/sys/fs/cgroup\"}"),
		  1);
	const char *fst[] = { "--collector.filesystem",
			      "--collector.filesystem.fs-types-exclude=^(ext.|tmpfs)$", NULL };
	CHECK_INT(harness_run_fixture(fst, &out), 0);
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"/dev/sda3\""));
	CHECK(has_line(out.p, "node_filesystem_device_error{device=\"gvfsd-fuse\""));
	CHECK(has_line(out.p, "node_filesystem_device_error{device=\"rpc_pipefs\""));
	/* both at once is refused: the collector is left out */
	const char *both[] = { "--collector.filesystem",
			       "--collector.filesystem.mount-points-include=^/boot$",
			       "--collector.filesystem.mount-points-exclude=^/x$", NULL };
	CHECK_INT(harness_run_fixture(both, &out), 0);
	CHECK(!has_line(out.p, "node_scrape_collector_success{collector=\"filesystem\"}"));
	/* the deprecated spelling stands in for the exclude */
	const char *old[] = { "--collector.filesystem",
			      "--collector.filesystem.ignored-mount-points=^/(run|boot)", NULL };
	CHECK_INT(harness_run_fixture(old, &out), 0);
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"/dev/sda3\""));
	CHECK(!has_line(out.p, "node_filesystem_device_error{device=\"tmpfs\",device_error="
			       "\"no such file or directory\",fstype=\"tmpfs\",mountpoint=\"/run\"}"));
	CHECK(has_line(out.p, "node_filesystem_device_error{device=\"tmpfs\",device_error="
			      "\"no such file or directory\",fstype=\"tmpfs\",mountpoint=\"/dev/shm\"}"));
	buf_fini(&out);
}

static void missing_and_fallback_mountinfo(void)
{
	struct buf out = { 0 };
	const char *none[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.filesystem", NULL };
	CHECK_INT(harness_run(none, &out), 0);
	CHECK_DBL(collector_success(out.p, "filesystem"),
		  0);
	CHECK(!has_line(out.p, "node_filesystem_"));

	struct tmptree t;
	char flag[PATH_MAX + 32];
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_put(&t, "self/mountinfo",
			      "1 0 8:1 / / rw,relatime - ext4 /dev/root ro,data=ordered\n"
			      "2 1 0:5 / /we\\134ird\\012mp\\040x rw - tmp\\040fs dev\\011ice rw\n"),
		  0);
	snprintf(flag, sizeof(flag), "--path.procfs=%s", t.root);
	const char *self[] = { flag, "--collector.disable-defaults", "--collector.filesystem",
			       NULL };
	CHECK_INT(harness_run(self, &out), 0);
	CHECK_DBL(series_value(out.p, "node_filesystem_readonly{device=\"/dev/root\","
				      "device_error=\"\",fstype=\"ext4\",mountpoint=\"/\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_filesystem_device_error{device=\"dev\tice\","
				      "device_error=\"no such file or directory\","
				      "fstype=\"tmp fs\",mountpoint=\"/we\\\\ird\\nmp x\"}"),
		  1);
	/* a malformed line rejects the file, as node_exporter's procfs does */
	CHECK_INT(tmptree_put(&t, "1/mountinfo", "1 0 8:1 / / rw,relatime ext4 /dev/root rw\n"), 0);
	CHECK_INT(harness_run(self, &out), 0);
	CHECK_DBL(collector_success(out.p, "filesystem"),
		  0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void parse_escapes_and_fields(void)
{
	struct mount_table t = { 0 };
	const char *text =
		"36 35 98:0 /mnt1 /mnt/a\\040b\\011c\\012d\\134e rw,noatime master:1 - ext3 "
		"/dev/ro\\040ot rw,errors=continue\n"
		"37 35 98:1 / /x\\041\\13\\ rw shared:2 shared:3 master:4 - my\\040fs src rw,ro\r\n";
	CHECK_INT(mountinfo_parse(text, strlen(text), &t), 0);
	CHECK_INT(t.n, 2);
	if (t.n == 2) {
		CHECK_STR(mount_str(&t, t.v[0].mp_off), "/mnt/a b\tc\nd\\e");
		CHECK_STR(mount_str(&t, t.v[0].dev_off), "/dev/ro ot");
		CHECK_STR(mount_str(&t, t.v[0].fs_off), "ext3");
		CHECK_INT(t.v[0].major, 98);
		CHECK_INT(t.v[0].minor, 0);
		CHECK(!t.v[0].ro);
		/* only the kernel's four escapes are decoded; the rest stays as written */
		CHECK_STR(mount_str(&t, t.v[1].mp_off), "/x\\041\\13\\");
		CHECK_STR(mount_str(&t, t.v[1].fs_off), "my fs");
		CHECK(t.v[1].ro);
		CHECK_INT(t.v[1].mp_len, strlen("/x\\041\\13\\"));
	}
	mount_table_fini(&t);
}

static void hostile_lines(void)
{
	static const char *const bad[] = {
		"",
		"\n",
		"1 2 3:4 / /",
		"36 35 98:0 / /mnt rw - ext3 /dev/root",                  /* 9 fields */
		"36 35 98:0 / /mnt rw master:1 ext3 /dev/root rw",        /* no "-" */
		"36 35 98:0 / /mnt rw - - ext3 /dev/root rw x",           /* "-" misplaced */
		"x 35 98:0 / /mnt rw - ext3 /dev/root rw",                /* bad mount id */
		"36 35 98 / /mnt rw - ext3 /dev/root rw",                 /* no major:minor */
		"36 35 98:y / /mnt rw - ext3 /dev/root rw",
		"36 35 99999999999999999999:0 / /mnt rw - ext3 /dev/root rw",
		"36 35 98:0 / /m\0t rw - ext3 /dev/root rw",             /* NUL */
		"36 35 98:0 / /mnt rw - ext3 /dev/root rw\n\n",           /* empty line */
		"36 35 98:0 / /mnt rw - ext3 /dev/root rw\n36 35",        /* truncated */
	};
	static const size_t badlen[] = { 0, 1, 11, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0 };
	struct mount_table t = { 0 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = badlen[i] ? badlen[i] : strlen(bad[i]);
		int r = mountinfo_parse(bad[i], len, &t);
		if (len == 0) {
			CHECK_INT(r, 0); /* an empty file lists no mounts */
		} else {
			CHECK_INT(r, -EINVAL);
		}
		CHECK_INT(t.n, 0);
	}
	/* a huge line: a 1 MiB mount point and 100k optional fields */
	size_t big = 1u << 20;
	char *line = malloc(3 * big);
	CHECK(line != NULL);
	if (line) {
		size_t n = (size_t)snprintf(line, 64, "1 0 1:2 / /");
		memset(line + n, 'a', big);
		n += big;
		for (int i = 0; i < 100000; i++)
			n += (size_t)snprintf(line + n, 32, " shared:%d", i);
		n += (size_t)snprintf(line + n, 64, " - ext4 /dev/x rw\n");
		CHECK_INT(mountinfo_parse(line, n, &t), 0);
		CHECK_INT(t.n, 1);
		if (t.n == 1)
			CHECK_INT(t.v[0].mp_len, big + 1);
		free(line);
	}
	mount_table_fini(&t);
}

static void rootfs_and_errors(void)
{
	struct span s = rootfs_strip("/host", SPAN_LIT("/host/boot"));
	CHECK(span_eq(s, "/boot"));
	s = rootfs_strip("/host", SPAN_LIT("/host"));
	CHECK(span_eq(s, "/"));
	s = rootfs_strip("/host", SPAN_LIT("/boot"));
	CHECK(span_eq(s, "/boot"));
	s = rootfs_strip("/", SPAN_LIT("/boot"));
	CHECK(span_eq(s, "/boot"));
	s = rootfs_strip("/host", SPAN_LIT("/hostname")); /* node_exporter strips text */
	CHECK(span_eq(s, "name"));
	char e[128];
	errno_label(ENOENT, e, sizeof(e));
	CHECK_STR(e, "no such file or directory");
	errno_label(ENOTCONN, e, sizeof(e));
	CHECK_STR(e, "transport endpoint is not connected");
	errno_label(EACCES, e, sizeof(e));
	CHECK_STR(e, "permission denied");
	errno_label(100000, e, sizeof(e));
	CHECK_STR(e, "errno 100000");
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	/* this machine's own mounts, stat'ed through the worker pool */
	const char *live[] = { "--log.level=error", "--collector.disable-defaults",
			       "--collector.filesystem", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
	const char *fix[] = { "--collector.filesystem", NULL };
	CHECK_INT(alloc_probe_fixture(fix), 0);
}

/* ---- deadline pool ---------------------------------------------------------------- */

struct pipe_job {
	struct dl_job dl;
	int fd;   /* read one byte from it: blocks until someone writes */
	int got;
};

static void pipe_read(struct dl_job *dj)
{
	struct pipe_job *j = (struct pipe_job *)dj;
	char c;
	j->got = (int)read(j->fd, &c, 1);
}

static void quick(struct dl_job *dj)
{
	((struct pipe_job *)dj)->got = 42;
}

static void wait_not_busy(struct dl_pool *p, struct dl_job *j)
{
	for (int i = 0; i < 2000 && dl_job_busy(p, j); i++)
		usleep(1000);
}

static void deadline_abandons_and_replaces(void)
{
	struct dl_pool *p;
	int fds[2];
	CHECK_INT(pipe(fds), 0);
	CHECK_INT(dl_pool_create(2, 4, &p), 0);
	struct pipe_job hung = { .dl.fn = pipe_read, .fd = fds[0] };
	struct pipe_job ok[3] = { { .dl.fn = quick }, { .dl.fn = quick }, { .dl.fn = quick } };
	struct dl_job *batch[4] = { &hung.dl, &ok[0].dl, &ok[1].dl, &ok[2].dl };
	CHECK_INT(dl_pool_run(p, batch, 4, 100), 0);
	CHECK_INT(hung.dl.state, DL_TIMEDOUT);
	for (int i = 0; i < 3; i++)
		CHECK_INT(ok[i].dl.state, DL_DONE);
	CHECK(dl_job_busy(p, &hung.dl));
	CHECK_INT(dl_pool_run(p, batch, 1, 100), -EBUSY); /* a busy job is refused */
	unsigned threads, stuck;
	dl_pool_counts(p, &threads, &stuck);
	CHECK_INT(threads, 3); /* two workers plus the stuck one */
	CHECK_INT(stuck, 1);
	/* the pool still works while one thread is stuck */
	ok[0].got = 0;
	CHECK_INT(dl_pool_run(p, batch + 1, 3, 100), 0);
	CHECK_INT(ok[0].got, 42);
	/* release: the stuck call returns, the job is ours again, the extra thread ends */
	CHECK_INT(write(fds[1], "x", 1), 1);
	wait_not_busy(p, &hung.dl);
	CHECK(!dl_job_busy(p, &hung.dl));
	CHECK_INT(hung.got, 1);
	for (int i = 0; i < 2000; i++) {
		dl_pool_counts(p, &threads, &stuck);
		if (threads == 2)
			break;
		usleep(1000);
	}
	CHECK_INT(threads, 2);
	CHECK_INT(stuck, 0);
	dl_pool_destroy(p);
	close(fds[0]);
	close(fds[1]);
}

struct stamp_job {
	struct dl_job dl;
	struct timespec ran; /* when it ran */
};

static void stamp(struct dl_job *dj)
{
	clock_gettime(CLOCK_MONOTONIC, &((struct stamp_job *)dj)->ran);
}

/* One worker starts a batch and more join only while jobs wait: three stuck calls at
 * the head of the queue must not keep the quick jobs behind them waiting for their
 * limit (2 s here; the quick ones must have run within the first second). */
/* Started, then waited for after other work: a quick job is done by then, and a hung
 * one has overrun its limit, which the wait finds. */
static void deadline_start_then_wait(void)
{
	struct dl_pool *p;
	int fds[2];
	CHECK_INT(pipe(fds), 0);
	CHECK_INT(dl_pool_create(2, 4, &p), 0);
	struct pipe_job hung = { .dl.fn = pipe_read, .fd = fds[0] };
	struct pipe_job ok = { .dl.fn = quick };
	struct dl_job *batch[2] = { &ok.dl, &hung.dl };
	CHECK_INT(dl_pool_start(p, batch, 2, 100), 0);
	usleep(300 * 1000); /* the caller's other work, longer than the limit */
	dl_pool_wait(p, batch, 2);
	CHECK_INT(ok.dl.state, DL_DONE);
	CHECK_INT(ok.got, 42);
	CHECK_INT(hung.dl.state, DL_TIMEDOUT);
	CHECK_INT(dl_pool_start(p, batch + 1, 1, 100), -EBUSY); /* still stuck: refused */
	CHECK_INT((int)write(fds[1], "x", 1), 1);
	wait_not_busy(p, &hung.dl);
	CHECK(!dl_job_busy(p, &hung.dl));
	dl_pool_destroy(p);
	close(fds[0]);
	close(fds[1]);
}

static void deadline_stuck_do_not_hold_the_rest(void)
{
	struct dl_pool *p;
	int fds[2];
	struct timespec start;
	CHECK_INT(pipe(fds), 0);
	CHECK_INT(dl_pool_create(4, 8, &p), 0);
	struct pipe_job hung[3];
	struct stamp_job ok[4];
	struct dl_job *batch[7];
	for (int i = 0; i < 3; i++) {
		hung[i] = (struct pipe_job){ .dl.fn = pipe_read, .fd = fds[0] };
		batch[i] = &hung[i].dl;
	}
	for (int i = 0; i < 4; i++) {
		ok[i] = (struct stamp_job){ .dl.fn = stamp };
		batch[3 + i] = &ok[i].dl;
	}
	usleep(50000); /* let every worker reach its wait: none may see the batch unwoken */
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_INT(dl_pool_run(p, batch, 7, 2000), 0);
	for (int i = 0; i < 3; i++)
		CHECK_INT(hung[i].dl.state, DL_TIMEDOUT);
	for (int i = 0; i < 4; i++) {
		CHECK_INT(ok[i].dl.state, DL_DONE);
		int64_t waited = (int64_t)(ok[i].ran.tv_sec - start.tv_sec) * 1000 +
				 (ok[i].ran.tv_nsec - start.tv_nsec) / 1000000;
		CHECK(waited < 1000);
	}
	CHECK_INT(write(fds[1], "xxx", 3), 3);
	for (int i = 0; i < 3; i++)
		wait_not_busy(p, &hung[i].dl);
	dl_pool_destroy(p);
	close(fds[0]);
	close(fds[1]);
}

static void deadline_cap_skips(void)
{
	struct dl_pool *p;
	int fds[2];
	CHECK_INT(pipe(fds), 0);
	CHECK_INT(dl_pool_create(1, 1, &p), 0);
	struct pipe_job hung = { .dl.fn = pipe_read, .fd = fds[0] };
	struct pipe_job ok = { .dl.fn = quick };
	struct dl_job *batch[2] = { &hung.dl, &ok.dl };
	CHECK_INT(dl_pool_run(p, batch, 2, 50), 0);
	CHECK_INT(hung.dl.state, DL_TIMEDOUT);
	CHECK_INT(ok.dl.state, DL_SKIPPED); /* no thread left and none may be added */
	CHECK_INT(ok.got, 0);
	struct dl_job *one[1] = { &ok.dl };
	CHECK_INT(dl_pool_run(p, one, 1, 50), 0);
	CHECK_INT(ok.dl.state, DL_SKIPPED);
	CHECK_INT(write(fds[1], "x", 1), 1);
	wait_not_busy(p, &hung.dl);
	CHECK_INT(dl_pool_run(p, one, 1, 1000), 0);
	CHECK_INT(ok.dl.state, DL_DONE);
	CHECK_INT(ok.got, 42);
	dl_pool_destroy(p);
	close(fds[0]);
	close(fds[1]);
}

static void free_job(struct dl_job *j)
{
	free(j);
}

static void deadline_destroy_while_stuck(void)
{
	struct dl_pool *p;
	int fds[2];
	CHECK_INT(pipe(fds), 0);
	CHECK_INT(dl_pool_create(1, 2, &p), 0);
	struct pipe_job *hung = calloc(1, sizeof(*hung));
	hung->dl.fn = pipe_read;
	hung->fd = fds[0];
	struct dl_job *batch[1] = { &hung->dl };
	CHECK_INT(dl_pool_run(p, batch, 1, 20), 0);
	CHECK_INT(hung->dl.state, DL_TIMEDOUT);
	/* the owner goes away first; the stuck worker frees the job and the pool later */
	dl_job_release(p, &hung->dl, free_job);
	dl_pool_destroy(p);
	CHECK_INT(write(fds[1], "x", 1), 1);
	usleep(200 * 1000); /* let the worker finish before the leak check at exit */
	close(fds[1]);
	close(fds[0]);
}

int main(void)
{
	RUN(fixture_values);
	RUN(include_and_exclude_flags);
	RUN(missing_and_fallback_mountinfo);
	RUN(parse_escapes_and_fields);
	RUN(hostile_lines);
	RUN(rootfs_and_errors);
	RUN(steady_state_allocates_nothing);
	RUN(deadline_abandons_and_replaces);
	RUN(deadline_start_then_wait);
	RUN(deadline_stuck_do_not_hold_the_rest);
	RUN(deadline_cap_skips);
	RUN(deadline_destroy_while_stuck);
	return T_DONE("test_filesystem");
}
