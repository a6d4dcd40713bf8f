/*
 * test_container: the container collector against cgroup trees built under /tmp: v2
 * with the systemd driver and containerd, v1 with the cgroupfs driver and docker, a
 * CRI-O scope, kubelet's log folders for names, the /metrics/resource view,
 * include/exclude, a cgroup that vanishes, malformed files, FIFOs where files should
 * be, a tree watched across scrapes, no cgroup at all, and a
 * steady-state scrape that allocates nothing. Small trees are compared line by line
 * with the exact text expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc_probe.h"
#include "collectors/container.h"
#include "t.h"
#include "tmptree.h"

#define UID "1b2c3d4e-0000-4111-8222-333344445555"
#define UIDS "1b2c3d4e_0000_4111_8222_333344445555"
#define CID "aaaa000000000000000000000000000000000000000000000000000000000001"
#define SID "bbbb000000000000000000000000000000000000000000000000000000000002"
#define POD "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDS ".slice"
#define CG "sys/fs/cgroup/"

/* Keep the lines of text starting with prefix, in order, into out. */
static void grep_lines(const char *text, const char *prefix, struct buf *out)
{
	size_t n = strlen(prefix);
	buf_reset(out);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (strncmp(p, prefix, n) == 0)
			buf_append(out, p, len);
		p = nl ? nl + 1 : NULL;
	}
}

/* Compare got with want line by line, printing the first difference. */
static void check_text(const char *got, const char *want)
{
	int line = 1;
	if (getenv("CT_DUMP"))
		fputs(got, stderr);
	const char *g = got, *w = want;
	while (*g && *w) {
		const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
		size_t gl = ge ? (size_t)(ge - g) : strlen(g), wl = we ? (size_t)(we - w) : strlen(w);
		if (gl != wl || memcmp(g, w, gl) != 0) {
			fprintf(stderr, "line %d:\n  got  %.*s\n  want %.*s\n", line, (int)gl, g,
				(int)wl, w);
			CHECK(0);
			return;
		}
		g += gl + (ge ? 1 : 0);
		w += wl + (we ? 1 : 0);
		line++;
	}
	if (*g || *w) {
		fprintf(stderr, "line %d: got %s, want %s\n", line, *g ? g : "(end)", *w ? w : "(end)");
		CHECK(0);
	}
}

/* check_text with the tokens of want expanded: PODP is the pod's cgroup path below
 * the root (systemd driver), UIDS its UID as systemd writes it, UID as kubelet does,
 * CID the container id, SID the docker container's. */
static void check_expanded(const char *got, const char *want)
{
	static const char *const tok[][2] = { { "PODP", POD }, { "UIDS", UIDS }, { "UID", UID },
					       { "CID", CID }, { "SID", SID } };
	struct buf w = { 0 };
	for (const char *p = want; *p;) {
		size_t i;
		for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++) {
			size_t n = strlen(tok[i][0]);
			if (strncmp(p, tok[i][0], n) == 0) {
				buf_puts(&w, tok[i][1]);
				p += n;
				break;
			}
		}
		if (i == sizeof(tok) / sizeof(tok[0]))
			buf_putc(&w, *p++);
	}
	check_text(got, w.p ? w.p : "");
	buf_fini(&w);
}

/* A v2 cgroup with every file the collector reads. */
static void v2_cgroup(struct tmptree *t, const char *dir, unsigned usage_usec, const char *mem)
{
	char path[512], text[512];
	snprintf(path, sizeof(path), CG "%s/cpu.stat", dir);
	snprintf(text, sizeof(text),
		 "usage_usec %u\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 10\n"
		 "nr_throttled 2\nthrottled_usec 250000\n", usage_usec);
	tmptree_put(t, path, text);
	snprintf(path, sizeof(path), CG "%s/cpu.max", dir);
	tmptree_put(t, path, "50000 100000\n");
	snprintf(path, sizeof(path), CG "%s/cpu.weight", dir);
	tmptree_put(t, path, "100\n");
	snprintf(path, sizeof(path), CG "%s/memory.current", dir);
	tmptree_put(t, path, mem);
	snprintf(path, sizeof(path), CG "%s/memory.stat", dir);
	tmptree_put(t, path, "anon 4096\nfile 8192\nfile_mapped 1024\ninactive_file 2048\n");
	snprintf(path, sizeof(path), CG "%s/memory.max", dir);
	tmptree_put(t, path, "max\n");
	snprintf(path, sizeof(path), CG "%s/memory.events", dir);
	tmptree_put(t, path, "low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n");
	snprintf(path, sizeof(path), CG "%s/memory.swap.current", dir);
	tmptree_put(t, path, "0\n");
	snprintf(path, sizeof(path), CG "%s/io.stat", dir);
	tmptree_put(t, path, "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
	snprintf(path, sizeof(path), CG "%s/cpu.pressure", dir);
	tmptree_put(t, path, "some avg10=0.00 avg60=0.00 avg300=0.00 total=3000000\n"
			     "full avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n");
}

/* A v2 systemd-driver node: root, kubepods.slice, its burstable QoS slice (not
 * reported), a pod and its containerd container, system.slice and sshd.service, and
 * kubelet's log folders naming the pod and container. */
static void v2_tree(struct tmptree *t)
{
	tmptree_put(t, CG "cgroup.controllers", "cpu memory io\n");
	tmptree_put(t, CG "cpu.stat", "usage_usec 9000000\nuser_usec 6000000\nsystem_usec 3000000\n");
	tmptree_put(t, "proc/meminfo", "MemTotal: 1000 kB\nMemFree: 400 kB\nInactive(file): 100 kB\n");
	v2_cgroup(t, "kubepods.slice", 5000000, "65536\n");
	tmptree_put(t, CG "kubepods.slice/kubepods-burstable.slice/cpu.stat", "usage_usec 4500000\n");
	v2_cgroup(t, POD, 4000000, "32768\n");
	v2_cgroup(t, POD "/cri-containerd-" CID ".scope", 3000000, "16384\n");
	tmptree_mkdir(t, CG "system.slice/sshd.service");
	tmptree_put(t, CG "system.slice/cpu.stat", "usage_usec 1000000\n");
	tmptree_put(t, CG "system.slice/sshd.service/cpu.stat", "usage_usec 250000\n");
	tmptree_put(t, "sys/dev/block/8:0/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n");
	tmptree_mkdir(t, "var/log/pods/default_web-0_" UID "/app");
	tmptree_put(t, "var/log/containers/web-0_default_app-" CID ".log", "");
}

#define LBL_CT "{container=\"app\",id=\"/" POD "/cri-containerd-" CID ".scope\",image=\"\",name=\"" CID "\",namespace=\"default\",pod=\"web-0\""

static void test_v2_exact(void)
{
	struct tmptree t;
	struct buf out = { 0 }, got = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	v2_tree(&t);
	const char *flags[] = { "--collector.container", NULL };
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	grep_lines(out.p, "container_", &got);
	static const char want[] =
		"container_cpu_cfs_periods_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 10\n"
		"container_cpu_cfs_periods_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 10\n"
		"container_cpu_cfs_periods_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 10\n"
		"container_cpu_cfs_throttled_periods_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 2\n"
		"container_cpu_cfs_throttled_periods_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 2\n"
		"container_cpu_cfs_throttled_periods_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 2\n"
		"container_cpu_cfs_throttled_seconds_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 0.25\n"
		"container_cpu_cfs_throttled_seconds_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 0.25\n"
		"container_cpu_cfs_throttled_seconds_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 0.25\n"
		"container_cpu_system_seconds_total{container=\"\",id=\"/\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 3\n"
		"container_cpu_system_seconds_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 0.5\n"
		"container_cpu_system_seconds_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 0.5\n"
		"container_cpu_system_seconds_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 0.5\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 9\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 5\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 4\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/system.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 1\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/system.slice/sshd.service\",image=\"\",name=\"sshd.service\",namespace=\"\",pod=\"\"} 0.25\n"
		"container_cpu_usage_seconds_total{container=\"app\",cpu=\"total\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 3\n"
		"container_cpu_user_seconds_total{container=\"\",id=\"/\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 6\n"
		"container_cpu_user_seconds_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 1.5\n"
		"container_cpu_user_seconds_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 1.5\n"
		"container_cpu_user_seconds_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 1.5\n"
		"container_fs_reads_bytes_total{container=\"\",device=\"/dev/sda\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 100\n"
		"container_fs_reads_bytes_total{container=\"\",device=\"/dev/sda\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 100\n"
		"container_fs_reads_bytes_total{container=\"app\",device=\"/dev/sda\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 100\n"
		"container_fs_reads_total{container=\"\",device=\"/dev/sda\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 1\n"
		"container_fs_reads_total{container=\"\",device=\"/dev/sda\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 1\n"
		"container_fs_reads_total{container=\"app\",device=\"/dev/sda\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 1\n"
		"container_fs_writes_bytes_total{container=\"\",device=\"/dev/sda\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 200\n"
		"container_fs_writes_bytes_total{container=\"\",device=\"/dev/sda\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 200\n"
		"container_fs_writes_bytes_total{container=\"app\",device=\"/dev/sda\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 200\n"
		"container_fs_writes_total{container=\"\",device=\"/dev/sda\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 2\n"
		"container_fs_writes_total{container=\"\",device=\"/dev/sda\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 2\n"
		"container_fs_writes_total{container=\"app\",device=\"/dev/sda\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 2\n"
		"container_memory_cache{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 8192\n"
		"container_memory_cache{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 8192\n"
		"container_memory_cache{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 8192\n"
		"container_memory_mapped_file{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 1024\n"
		"container_memory_mapped_file{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 1024\n"
		"container_memory_mapped_file{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 1024\n"
		"container_memory_rss{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 4096\n"
		"container_memory_rss{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 4096\n"
		"container_memory_rss{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 4096\n"
		"container_memory_swap{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 0\n"
		"container_memory_swap{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 0\n"
		"container_memory_swap{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 0\n"
		"container_memory_usage_bytes{container=\"\",id=\"/\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 614400\n"
		"container_memory_usage_bytes{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 65536\n"
		"container_memory_usage_bytes{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 32768\n"
		"container_memory_usage_bytes{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 16384\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 512000\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 63488\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 30720\n"
		"container_memory_working_set_bytes{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 14336\n"
		"container_oom_events_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 1\n"
		"container_oom_events_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 1\n"
		"container_oom_events_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 1\n"
		"container_pressure_cpu_stalled_seconds_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 1\n"
		"container_pressure_cpu_stalled_seconds_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 1\n"
		"container_pressure_cpu_stalled_seconds_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 1\n"
		"container_pressure_cpu_waiting_seconds_total{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 3\n"
		"container_pressure_cpu_waiting_seconds_total{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 3\n"
		"container_pressure_cpu_waiting_seconds_total{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 3\n"
		"container_spec_cpu_period{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 100000\n"
		"container_spec_cpu_period{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 100000\n"
		"container_spec_cpu_period{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 100000\n"
		"container_spec_cpu_quota{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 50000\n"
		"container_spec_cpu_quota{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 50000\n"
		"container_spec_cpu_quota{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 50000\n"
		"container_spec_cpu_shares{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 2597\n"
		"container_spec_cpu_shares{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 2597\n"
		"container_spec_cpu_shares{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 2597\n"
		"container_spec_memory_limit_bytes{container=\"\",id=\"/kubepods.slice\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 0\n"
		"container_spec_memory_limit_bytes{container=\"\",id=\"/PODP\",image=\"\",name=\"\",namespace=\"default\",pod=\"web-0\"} 0\n"
		"container_spec_memory_limit_bytes{container=\"app\",id=\"/PODP/cri-containerd-CID.scope\",image=\"\",name=\"CID\",namespace=\"default\",pod=\"web-0\"} 0\n";
	check_expanded(got.p, want);
	CHECK_DBL(collector_success(out.p, "container"), 1);
	/* the QoS slice is an intermediate cgroup: not reported by default */
	CHECK(!strstr(out.p, "kubepods-burstable.slice\","));
	tmptree_rm(&t);
	buf_fini(&out);
	buf_fini(&got);
}

/* Run flags (NULL-terminated) once against tree t and render the resource view. */
static int run_resource(struct tmptree *t, const char *const *extra, struct buf *out)
{
	char p[3][PATH_MAX + 32];
	snprintf(p[0], sizeof(p[0]), "--path.procfs=%s/proc", t->root);
	snprintf(p[1], sizeof(p[1]), "--path.sysfs=%s/sys", t->root);
	snprintf(p[2], sizeof(p[2]), "--path.rootfs=%s", t->root);
	char *argv[16] = { "plumb", p[0], p[1], p[2], "--collector.disable-defaults" };
	int argc = 5;
	for (size_t i = 0; extra[i] && argc < 15; i++)
		argv[argc++] = (char *)extra[i];
	struct plumb_config *cfg;
	struct agent a;
	struct metric_sink s;
	if (cfg_parse(argc, argv, &cfg) != 0)
		return -EINVAL;
	sink_init(&s);
	int r = agent_init(&a, cfg);
	if (r == 0) {
		r = agent_collect(&a, &s);
		buf_reset(out);
		if (r == 0)
			r = render_sink_view(&s, VIEW_RESOURCE, EXPO_TEXT, out);
		agent_fini(&a);
	}
	sink_fini(&s);
	cfg_free(cfg);
	return r;
}

static void test_resource_view(void)
{
	struct tmptree t;
	struct buf out = { 0 }, got = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	v2_tree(&t);
	const char *flags[] = { "--collector.container", NULL };
	CHECK_INT(run_resource(&t, flags, &out), 0);
	grep_lines(out.p, "", &got);
	check_text(got.p,
		   "# HELP container_cpu_usage_seconds_total CPU time the container used, in seconds.\n"
		   "# TYPE container_cpu_usage_seconds_total counter\n"
		   "container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\",pod=\"web-0\"} 3\n"
		   "# HELP container_memory_working_set_bytes Working set of the container, in bytes.\n"
		   "# TYPE container_memory_working_set_bytes gauge\n"
		   "container_memory_working_set_bytes{container=\"app\",namespace=\"default\",pod=\"web-0\"} 14336\n"
		   "# HELP node_cpu_usage_seconds_total CPU time the whole node used, in seconds.\n"
		   "# TYPE node_cpu_usage_seconds_total counter\n"
		   "node_cpu_usage_seconds_total 9\n"
		   "# HELP node_memory_working_set_bytes Working set of the whole node, in bytes.\n"
		   "# TYPE node_memory_working_set_bytes gauge\n"
		   "node_memory_working_set_bytes 512000\n"
		   "# HELP pod_cpu_usage_seconds_total CPU time the pod used, in seconds.\n"
		   "# TYPE pod_cpu_usage_seconds_total counter\n"
		   "pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web-0\"} 4\n"
		   "# HELP pod_memory_working_set_bytes Working set of the pod, in bytes.\n"
		   "# TYPE pod_memory_working_set_bytes gauge\n"
		   "pod_memory_working_set_bytes{namespace=\"default\",pod=\"web-0\"} 30720\n");
	tmptree_rm(&t);
	buf_fini(&out);
	buf_fini(&got);
}

/* v1 with the cgroupfs driver (cpu,cpuacct joined; memory; blkio), a docker container
 * outside Kubernetes, and a pod without log folders (no names). */
static void test_v1_cgroupfs(void)
{
	struct tmptree t;
	struct buf out = { 0 }, got = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	const char *ct = "kubepods/burstable/pod" UID "/" CID;
	const char *dk = "docker/" SID;
	const char *dirs[] = { "", "kubepods", "kubepods/burstable", "kubepods/burstable/pod" UID, ct, "docker", dk };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), CG "cpu,cpuacct/%s/cpuacct.usage", dirs[i]);
		tmptree_put(&t, path, "2500000000\n");
		snprintf(path, sizeof(path), CG "memory/%s/memory.usage_in_bytes", dirs[i]);
		tmptree_put(&t, path, "10000\n");
	}
	char path[512];
	snprintf(path, sizeof(path), CG "cpu,cpuacct/%s/cpuacct.stat", ct);
	tmptree_put(&t, path, "user 150\nsystem 50\n");
	snprintf(path, sizeof(path), CG "cpu,cpuacct/%s/cpu.stat", ct);
	tmptree_put(&t, path, "nr_periods 7\nnr_throttled 3\nthrottled_time 1500000000\n");
	snprintf(path, sizeof(path), CG "cpu,cpuacct/%s/cpu.cfs_quota_us", ct);
	tmptree_put(&t, path, "-1\n");
	snprintf(path, sizeof(path), CG "cpu,cpuacct/%s/cpu.cfs_period_us", ct);
	tmptree_put(&t, path, "100000\n");
	snprintf(path, sizeof(path), CG "cpu,cpuacct/%s/cpu.shares", ct);
	tmptree_put(&t, path, "512\n");
	snprintf(path, sizeof(path), CG "memory/%s/memory.stat", ct);
	tmptree_put(&t, path, "cache 1\nrss 2\ntotal_cache 3000\ntotal_rss 4000\ntotal_mapped_file 500\n"
			      "total_inactive_file 12000\n");
	snprintf(path, sizeof(path), CG "memory/%s/memory.limit_in_bytes", ct);
	tmptree_put(&t, path, "536870912\n");
	snprintf(path, sizeof(path), CG "memory/%s/memory.failcnt", ct);
	tmptree_put(&t, path, "4\n");
	snprintf(path, sizeof(path), CG "memory/%s/memory.max_usage_in_bytes", ct);
	tmptree_put(&t, path, "20000\n");
	snprintf(path, sizeof(path), CG "memory/%s/memory.oom_control", ct);
	tmptree_put(&t, path, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	snprintf(path, sizeof(path), CG "memory/%s/memory.memsw.usage_in_bytes", ct);
	tmptree_put(&t, path, "10500\n");
	snprintf(path, sizeof(path), CG "blkio/%s/blkio.throttle.io_service_bytes_recursive", ct);
	tmptree_put(&t, path, "8:16 Read 7\n8:16 Write 9\n8:16 Sync 16\n8:16 Async 0\n8:16 Total 16\nTotal 16\n");
	snprintf(path, sizeof(path), CG "blkio/%s/blkio.throttle.io_serviced_recursive", ct);
	tmptree_put(&t, path, "8:16 Read 2\n8:16 Write 3\n8:16 Sync 5\n8:16 Async 0\n8:16 Total 5\nTotal 5\n");
	/* The kernel prints both files from one list of devices: with none in the bytes
	 * file, the requests file is not read (this one, which no kernel would write beside
	 * an empty bytes file, shows whether it is) */
	snprintf(path, sizeof(path), CG "blkio/%s/blkio.throttle.io_service_bytes_recursive", dk);
	tmptree_put(&t, path, "Total 0\n");
	snprintf(path, sizeof(path), CG "blkio/%s/blkio.throttle.io_serviced_recursive", dk);
	tmptree_put(&t, path, "8:16 Read 6\n8:16 Write 0\n8:16 Total 6\nTotal 6\n");
	const char *flags[] = { "--collector.container", "--collector.container.exclude=^/$", NULL };
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	grep_lines(out.p, "container_", &got);
	static const char want[] =
		"container_cpu_cfs_periods_total{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 7\n"
		"container_cpu_cfs_throttled_periods_total{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 3\n"
		"container_cpu_cfs_throttled_seconds_total{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 1.5\n"
		"container_cpu_system_seconds_total{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 0.5\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/docker\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 2.5\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/docker/SID\",image=\"\",name=\"SID\",namespace=\"\",pod=\"\"} 2.5\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/kubepods\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 2.5\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/kubepods/burstable/podUID\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 2.5\n"
		"container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 2.5\n"
		"container_cpu_user_seconds_total{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 1.5\n"
		"container_fs_reads_bytes_total{container=\"\",device=\"8:16\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 7\n"
		"container_fs_reads_total{container=\"\",device=\"8:16\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 2\n"
		"container_fs_writes_bytes_total{container=\"\",device=\"8:16\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 9\n"
		"container_fs_writes_total{container=\"\",device=\"8:16\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 3\n"
		"container_memory_cache{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 3000\n"
		"container_memory_failcnt{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 4\n"
		"container_memory_mapped_file{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 500\n"
		"container_memory_max_usage_bytes{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 20000\n"
		"container_memory_rss{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 4000\n"
		"container_memory_swap{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 500\n"
		"container_memory_usage_bytes{container=\"\",id=\"/docker\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_usage_bytes{container=\"\",id=\"/docker/SID\",image=\"\",name=\"SID\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_usage_bytes{container=\"\",id=\"/kubepods\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_usage_bytes{container=\"\",id=\"/kubepods/burstable/podUID\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_usage_bytes{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/docker\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/docker/SID\",image=\"\",name=\"SID\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/kubepods\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/kubepods/burstable/podUID\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 10000\n"
		"container_memory_working_set_bytes{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 0\n"
		"container_oom_events_total{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 2\n"
		"container_spec_cpu_period{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 100000\n"
		"container_spec_cpu_shares{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 512\n"
		"container_spec_memory_limit_bytes{container=\"\",id=\"/kubepods/burstable/podUID/CID\",image=\"\",name=\"CID\",namespace=\"\",pod=\"\"} 536870912\n";
	check_expanded(got.p, want);
	tmptree_rm(&t);
	buf_fini(&out);
	buf_fini(&got);
}

/* Identity from paths alone: drivers and runtimes. */
static void test_identify(void)
{
	struct ct_ident id;
	const char *p = "/" POD "/crio-" CID ".scope";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_CONTAINER);
	CHECK_STR(id.pod_uid, UID);
	CHECK_STR(id.id, CID);
	p = "/kubepods.slice/kubepods-pod" UIDS ".slice";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_POD);
	CHECK_STR(id.pod_uid, UID);
	p = "/kubepods.slice/kubepods-besteffort.slice";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_OTHER);
	p = "/system.slice/docker-" CID ".scope";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_CONTAINER);
	CHECK_STR(id.pod_uid, "");
	p = "/machine.slice/libpod-conmon-" CID ".scope";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_OTHER);
	p = "/" POD "/crio-conmon-" CID ".scope";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_OTHER);
	p = "/system.slice/cron.service";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_SERVICE);
	CHECK_STR(id.name, "cron.service");
	p = "/user.slice/user-1000.slice";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_OTHER);
	ct_identify("/", 1, &id);
	CHECK_INT(id.kind, CT_ROOT);
	p = "/kubepods.slice";
	ct_identify(p, strlen(p), &id);
	CHECK_INT(id.kind, CT_TOP);
}

static void test_include_exclude(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	v2_tree(&t);
	const char *inc[] = { "--collector.container", "--collector.container.include=burstable\\.slice$", NULL };
	CHECK_INT(tmptree_run(&t, inc, &out), 0);
	CHECK(has_line(out.p, "container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/kubepods.slice/kubepods-burstable.slice\""));
	CHECK(!strstr(out.p, "id=\"/\""));
	CHECK(!strstr(out.p, "cri-containerd"));
	const char *exc[] = { "--collector.container", "--collector.container.exclude=^/system\\.slice", NULL };
	CHECK_INT(tmptree_run(&t, exc, &out), 0);
	CHECK(!strstr(out.p, "system.slice"));
	CHECK(strstr(out.p, "cri-containerd") != NULL);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* A cgroup whose files are gone (removed between the listing and the read, as the
 * walk sees it) is left out without failing the scrape; malformed files leave their
 * values out. */
static void test_vanished_and_malformed(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	v2_tree(&t);
	/* a directory without cpu.stat is what a removed cgroup looks like mid-walk */
	tmptree_mkdir(&t, CG "kubepods.slice/kubepods-pod" UIDS ".slice");
	tmptree_put(&t, CG POD "/cri-containerd-" CID ".scope/memory.stat", "anon x\nfile\n");
	tmptree_put(&t, CG POD "/cri-containerd-" CID ".scope/cpu.max", "garbage\n");
	tmptree_put(&t, CG POD "/cri-containerd-" CID ".scope/io.stat", "8:0 rbytes=-1\n");
	tmptree_put(&t, CG POD "/cri-containerd-" CID ".scope/cpu.pressure", "some total=\n");
	const char *flags[] = { "--collector.container", NULL };
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "container"), 1);
	CHECK(!strstr(out.p, "kubepods-pod" UIDS));
	CHECK_DBL(series_value(out.p, "container_memory_usage_bytes" LBL_CT "}"), 16384);
	CHECK_DBL(series_value(out.p, "container_memory_working_set_bytes" LBL_CT "}"), 16384);
	CHECK(isnan(series_value(out.p, "container_memory_rss" LBL_CT "}")));
	CHECK(isnan(series_value(out.p, "container_spec_cpu_quota" LBL_CT "}")));
	CHECK(isnan(series_value(out.p, "container_fs_reads_bytes_total{container=\"app\",device=\"/dev/sda\",id=\"/" POD "/cri-containerd-" CID ".scope\",image=\"\",name=\"" CID "\",namespace=\"default\",pod=\"web-0\"}")));
	CHECK_DBL(series_value(out.p, "container_cpu_usage_seconds_total{container=\"app\",cpu=\"total\",id=\"/" POD "/cri-containerd-" CID ".scope\",image=\"\",name=\"" CID "\",namespace=\"default\",pod=\"web-0\"}"), 3);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* A fixture tree is no cgroupfs, so its files keep regfile's type check: a FIFO with
 * no writer where memory.stat and cpu.weight should be costs those values only, never
 * a hang, whether the files are opened beneath the held cgroup folder or (no folder
 * held) by their whole path. */
static void test_fifo_in_tree(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char path[PATH_MAX];
	const char *held[] = { "--collector.container", NULL };
	const char *unheld[] = { "--collector.container", "--collector.container.max-held-files=0",
				 "--collector.container.include=^/kubepods", NULL };
	const char *const *runs[] = { held, unheld };
	CHECK_INT(tmptree_make(&t), 0);
	v2_tree(&t);
	CHECK_INT(tmptree_del(&t, CG POD "/cri-containerd-" CID ".scope/memory.stat"), 0);
	CHECK_INT(tmptree_del(&t, CG POD "/cri-containerd-" CID ".scope/cpu.weight"), 0);
	CHECK_INT(mkfifo(tmptree_path(&t, CG POD "/cri-containerd-" CID ".scope/memory.stat",
				      path, sizeof(path)), 0644), 0);
	CHECK_INT(mkfifo(tmptree_path(&t, CG POD "/cri-containerd-" CID ".scope/cpu.weight",
				      path, sizeof(path)), 0644), 0);
	for (size_t i = 0; i < 2; i++) {
		CHECK_INT(tmptree_run(&t, runs[i], &out), 0);
		CHECK_DBL(collector_success(out.p, "container"), 1);
		CHECK(isnan(series_value(out.p, "container_memory_rss" LBL_CT "}")));
		CHECK(isnan(series_value(out.p, "container_spec_cpu_shares" LBL_CT "}")));
		CHECK_DBL(series_value(out.p, "container_memory_usage_bytes" LBL_CT "}"), 16384);
		CHECK_DBL(series_value(out.p, "container_spec_cpu_quota" LBL_CT "}"), 50000);
	}
	tmptree_rm(&t);
	buf_fini(&out);
}

/* Scrape an agent once into out (metrics view). Returns 0 or -errno. */
static int scrape(struct agent *a, struct metric_sink *s, struct buf *out)
{
	int r = agent_collect(a, s);
	buf_reset(out);
	return r ? r : render_sink(s, EXPO_TEXT, out);
}

/* An agent with the container collector alone on a tree, kept across scrapes. */
struct tree_agent {
	char p[3][PATH_MAX + 32];
	struct plumb_config *cfg;
	struct agent a;
	struct metric_sink s;
};

/* Make tree t (the v2 pod and container of v2_tree), start ta on it and scrape it once
 * into out, which must show the container. */
static void tree_agent_start(struct tree_agent *ta, struct tmptree *t, struct buf *out)
{
	CHECK_INT(tmptree_make(t), 0);
	v2_tree(t);
	snprintf(ta->p[0], sizeof(ta->p[0]), "--path.procfs=%s/proc", t->root);
	snprintf(ta->p[1], sizeof(ta->p[1]), "--path.sysfs=%s/sys", t->root);
	snprintf(ta->p[2], sizeof(ta->p[2]), "--path.rootfs=%s", t->root);
	char *argv[] = { "plumb", ta->p[0], ta->p[1], ta->p[2], "--collector.disable-defaults",
			 "--collector.container", NULL };
	CHECK_INT(cfg_parse(6, argv, &ta->cfg), 0);
	sink_init(&ta->s);
	CHECK_INT(agent_init(&ta->a, ta->cfg), 0);
	CHECK_INT(scrape(&ta->a, &ta->s, out), 0);
	CHECK(strstr(out->p, "cri-containerd-" CID) != NULL);
}

/* Stop ta, free what it and out hold and remove tree t. */
static void tree_agent_stop(struct tree_agent *ta, struct tmptree *t, struct buf *out)
{
	agent_fini(&ta->a);
	sink_fini(&ta->s);
	cfg_free(ta->cfg);
	tmptree_rm(t);
	buf_fini(out);
}

/* One agent across scrapes: a container removed between scrapes disappears without an
 * error (its held files are let go), and comes back when made again. */
static void test_removed_between_scrapes(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	struct tree_agent ta;
	tree_agent_start(&ta, &t, &out);
	CHECK_INT(tmptree_del(&t, CG POD "/cri-containerd-" CID ".scope"), 0);
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK_DBL(collector_success(out.p, "container"), 1);
	CHECK(!strstr(out.p, "cri-containerd-" CID));
	CHECK(strstr(out.p, "pod=\"web-0\"") != NULL);
	v2_cgroup(&t, POD "/cri-containerd-" CID ".scope", 7000000, "16384\n");
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK(has_line(out.p, "container_cpu_usage_seconds_total{container=\"app\",cpu=\"total\",id=\"/" POD "/cri-containerd-" CID ".scope\",image=\"\",name=\"" CID "\",namespace=\"default\",pod=\"web-0\"} 7"));
	tree_agent_stop(&ta, &t, &out);
}

/* Set the access time of root/rel two days back; returns its new value, or -1. */
static time_t age_atime(const struct tmptree *t, const char *rel)
{
	char path[PATH_MAX];
	struct timespec ts[2] = { { time(NULL) - 2 * 86400, 0 }, { 0, UTIME_OMIT } };
	if (!tmptree_path(t, rel, path, sizeof(path)) || utimensat(AT_FDCWD, path, ts, 0) != 0)
		return -1;
	return ts[0].tv_sec;
}

/* The access time of root/rel, or -1. */
static time_t atime_of(const struct tmptree *t, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	if (!tmptree_path(t, rel, path, sizeof(path)) || stat(path, &st) != 0)
		return -1;
	return st.st_atime;
}

#define CID2 "cccc000000000000000000000000000000000000000000000000000000000003"
#define CID3 "dddd000000000000000000000000000000000000000000000000000000000004"
#define CID4 "eeee000000000000000000000000000000000000000000000000000000000005"

/* One agent across scrapes, the tree watched with inotify: a scrape of an unchanged
 * tree does not list it again (a listed folder's access time, set two days back, would
 * move), and every change shows at the next scrape: a container made in a pod, the pod
 * removed and made again at the same path (a new folder, which is watched in its turn:
 * a container made in it later shows too), the pod removed (and nothing listed the
 * scrape after). */
static void test_watched_tree(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	struct tree_agent ta;
	tree_agent_start(&ta, &t, &out);
	/* a change: the pod's folder is listed again, which moves its access time (unless
	 * this filesystem keeps none: then the check below cannot tell) */
	time_t old = age_atime(&t, CG POD);
	CHECK(old > 0);
	v2_cgroup(&t, POD "/cri-containerd-" CID2 ".scope", 5000000, "4096\n");
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK(strstr(out.p, "cri-containerd-" CID2) != NULL);
	bool atimes = atime_of(&t, CG POD) > old;
	if (!atimes)
		fprintf(stderr, "note: no access times here; not checking that a scrape lists nothing\n");
	/* no change: nothing is listed */
	old = age_atime(&t, CG POD);
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK_DBL(collector_success(out.p, "container"), 1);
	CHECK(strstr(out.p, "cri-containerd-" CID2) != NULL);
	if (atimes)
		CHECK(atime_of(&t, CG POD) == old);
	/* the pod made again: a new folder at the same path */
	CHECK_INT(tmptree_del(&t, CG POD), 0);
	v2_cgroup(&t, POD, 4000000, "32768\n");
	v2_cgroup(&t, POD "/cri-containerd-" CID3 ".scope", 1000000, "8192\n");
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK(strstr(out.p, "cri-containerd-" CID3) != NULL);
	CHECK(!strstr(out.p, "cri-containerd-" CID2));
	CHECK(!strstr(out.p, "cri-containerd-" CID ".scope"));
	v2_cgroup(&t, POD "/cri-containerd-" CID4 ".scope", 2000000, "8192\n");
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK(strstr(out.p, "cri-containerd-" CID4) != NULL);
	/* a file made where a folder was listed is no cgroup: still nothing to list */
	old = age_atime(&t, CG POD);
	tmptree_put(&t, CG POD "/notes.txt", "x\n");
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	if (atimes)
		CHECK(atime_of(&t, CG POD) == old);
	/* the pod removed: seen at the next scrape, and the one after lists nothing (the
	 * removed folder's own watch ending is no change of the tree) */
	CHECK_INT(tmptree_del(&t, CG POD), 0);
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK(!strstr(out.p, "cri-containerd-" CID4));
	old = age_atime(&t, CG "kubepods.slice/kubepods-burstable.slice");
	CHECK_INT(scrape(&ta.a, &ta.s, &out), 0);
	CHECK_DBL(collector_success(out.p, "container"), 1);
	if (atimes)
		CHECK(atime_of(&t, CG "kubepods.slice/kubepods-burstable.slice") == old);
	tree_agent_stop(&ta, &t, &out);
}

/* No cgroup hierarchy: the collector is left out quietly (no success series). */
static void test_no_cgroup(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("container", &out), 0);
	CHECK(isnan(collector_success(out.p, "container")));
	CHECK(!has_line(out.p, "container_"));
	buf_fini(&out);
}

/* Once warm, a scrape of an unchanged tree allocates nothing in the collector. */
static void test_steady_state_allocs(void)
{
	struct tmptree t;
	if (!alloc_probe_ready() || !alloc_probe_works())
		return;
	CHECK_INT(tmptree_make(&t), 0);
	v2_tree(&t);
	char p[3][PATH_MAX + 32];
	snprintf(p[0], sizeof(p[0]), "--path.procfs=%s/proc", t.root);
	snprintf(p[1], sizeof(p[1]), "--path.sysfs=%s/sys", t.root);
	snprintf(p[2], sizeof(p[2]), "--path.rootfs=%s", t.root);
	const char *flags[] = { p[0], p[1], p[2], "--collector.disable-defaults",
				"--collector.container", NULL };
	CHECK_INT(alloc_probe_scrape(flags, 2), 0);
	tmptree_rm(&t);
}

int main(void)
{
	RUN(test_v2_exact);
	RUN(test_resource_view);
	RUN(test_v1_cgroupfs);
	RUN(test_identify);
	RUN(test_include_exclude);
	RUN(test_vanished_and_malformed);
	RUN(test_fifo_in_tree);
	RUN(test_removed_between_scrapes);
	RUN(test_watched_tree);
	RUN(test_no_cgroup);
	RUN(test_steady_state_allocs);
	return T_DONE("test_container");
}
