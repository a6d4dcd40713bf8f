/*
 * test_health: the health conditions' parts, each against real-looking input: the
 * eviction-hard parser (good and bad lists), the condition state machine driven through
 * kubelet's 5-minute transition period in simulated time, the kernel log patterns on
 * lines as kernels print them, the kernel log follower on a real file (history not
 * replayed, appends, truncation, rotation), the signals read out of a sink, and the
 * whole part (health_open on fixture files, kernel lines in, status JSON out).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/scrape.h"
#include "health/conditions.h"
#include "health/eviction.h"
#include "health/health.h"
#include "health/inputs.h"
#include "health/kline.h"
#include "health/klog.h"
#include "lib/log.h"
#include "lib/regfile.h"
#include "t.h"

#define MI (1024.0 * 1024.0)
#define MIN_MS (60 * 1000)

static int parse(const char *s, struct eviction *ev)
{
	char err[256] = "";
	int r = eviction_parse(s, strlen(s), ev, err, sizeof(err));
	if (r < 0)
		CHECK(err[0] != '\0'); /* every refusal says why */
	return r;
}

static void test_eviction_parse(void)
{
	struct eviction ev;
	CHECK_INT(parse("memory.available<100Mi,nodefs.available<10%", &ev), 0);
	CHECK(ev.t[EVICT_MEMORY_AVAILABLE].set && !ev.t[EVICT_MEMORY_AVAILABLE].percent);
	CHECK_DBL(ev.t[EVICT_MEMORY_AVAILABLE].value, 100 * MI);
	CHECK(ev.t[EVICT_NODEFS_AVAILABLE].percent);
	CHECK_DBL(ev.t[EVICT_NODEFS_AVAILABLE].value, 0.10);
	CHECK(!ev.t[EVICT_PID_AVAILABLE].set);

	CHECK_INT(parse(EVICTION_DEFAULT, &ev), 0);
	for (int i = 0; i < EVICT_SIGNALS; i++)
		CHECK(ev.t[i].set);
	CHECK_DBL(ev.t[EVICT_IMAGEFS_AVAILABLE].value, 0.15);
	CHECK_DBL(ev.t[EVICT_NODEFS_INODES_FREE].value, 0.05);

	CHECK_INT(parse(" memory.available < 1.5Gi , pid.available<1000 ", &ev), 0);
	CHECK_DBL(ev.t[EVICT_MEMORY_AVAILABLE].value, 1.5 * 1024 * MI);
	CHECK_DBL(ev.t[EVICT_PID_AVAILABLE].value, 1000);
	CHECK_INT(parse("memory.available<500M", &ev), 0);
	CHECK_DBL(ev.t[EVICT_MEMORY_AVAILABLE].value, 500e6);
	CHECK_INT(parse("imagefs.inodesFree<2.5%", &ev), 0);
	CHECK_DBL(ev.t[EVICT_IMAGEFS_INODES_FREE].value, 0.025);
	CHECK_INT(parse("", &ev), 0); /* no thresholds at all */
	for (int i = 0; i < EVICT_SIGNALS; i++)
		CHECK(!ev.t[i].set);

	static const char *const bad[] = {
		"memory.available>100Mi",          /* only < exists */
		"memory.available=100Mi",
		"memory.available<",
		"memory.available<100Xi",
		"memory.available<-1Mi",
		"memory.available<0x10",
		"memory.available<1e3",
		"memory.available<nan",
		"nodefs.available<0%",
		"nodefs.available<101%",
		"nodefs.available<%",
		"nodefs.available<1.2.3%",
		"allocatableMemory.available<1Gi", /* kubelet's, not plumb's */
		"memory.available<1Mi,memory.available<2Mi",
		"memory.available<1Mi,",
		",",
		"<1Mi",
		"memory.available<1Mi<2Mi",
		"memory.available<1234567890123456789012345678901234567890",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i], &ev);
		if (r != -EINVAL)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK_INT(r, -EINVAL);
	}
}

static struct health_time at(int64_t ms)
{
	return (struct health_time){ ms, 1700000000000 + ms };
}

static void set_input(struct health_inputs *in, enum evict_signal s, double avail, double cap)
{
	in->have[s] = true;
	in->available[s] = avail;
	in->capacity[s] = cap;
}

/* Inputs of a healthy node: 4 GiB of 8 free, disks half full, few threads. */
static struct health_inputs healthy(void)
{
	struct health_inputs in = { 0 };
	set_input(&in, EVICT_MEMORY_AVAILABLE, 4096 * MI, 8192 * MI);
	set_input(&in, EVICT_NODEFS_AVAILABLE, 50e9, 100e9);
	set_input(&in, EVICT_NODEFS_INODES_FREE, 5e6, 6e6);
	set_input(&in, EVICT_IMAGEFS_AVAILABLE, 50e9, 100e9);
	set_input(&in, EVICT_IMAGEFS_INODES_FREE, 5e6, 6e6);
	set_input(&in, EVICT_PID_AVAILABLE, 4000000, 4194304);
	return in;
}

static void test_state_machine_memory(void)
{
	struct eviction ev;
	struct health_state st;
	CHECK_INT(parse(EVICTION_DEFAULT, &ev), 0);
	health_state_init(&st, &ev, 5 * MIN_MS, true, at(0));
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].status, STATUS_UNKNOWN);
	CHECK_INT(st.c[COND_KERNEL_DEADLOCK].status, STATUS_FALSE);

	struct health_inputs in = healthy();
	unsigned ch = health_evaluate(&st, &in, at(0));
	CHECK(ch & (1u << COND_MEMORY_PRESSURE));
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].status, STATUS_FALSE);
	CHECK_INT(st.c[COND_READY].status, STATUS_TRUE);
	CHECK_STR(st.c[COND_MEMORY_PRESSURE].reason, "HasSufficientMemory");
	CHECK_INT(health_evaluate(&st, &in, at(10000)), 0); /* nothing changed */

	/* 80Mi left: below 100Mi, pressure at once */
	in.available[EVICT_MEMORY_AVAILABLE] = 80 * MI;
	ch = health_evaluate(&st, &in, at(20000));
	CHECK(ch & (1u << COND_MEMORY_PRESSURE));
	CHECK(ch & (1u << COND_READY));
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].status, STATUS_TRUE);
	CHECK_STR(st.c[COND_MEMORY_PRESSURE].reason, "HasInsufficientMemory");
	CHECK(strstr(st.c[COND_MEMORY_PRESSURE].message, "memory.available is 80.0Mi") != NULL);
	CHECK(strstr(st.c[COND_MEMORY_PRESSURE].message, "100.0Mi") != NULL);
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].transition_wall_ms, at(20000).wall_ms);
	CHECK_INT(st.c[COND_READY].status, STATUS_FALSE);
	CHECK(strstr(st.c[COND_READY].message, "MemoryPressure") != NULL);

	/* recovered at 30s, but held through the transition period (until 30s + 5m:
	 * kubelet counts from the last time the threshold was seen met, here 40s) */
	in.available[EVICT_MEMORY_AVAILABLE] = 80 * MI;
	health_evaluate(&st, &in, at(40000));
	in.available[EVICT_MEMORY_AVAILABLE] = 4096 * MI;
	for (int64_t t = 50000; t < 40000 + 5 * MIN_MS; t += 10000) {
		health_evaluate(&st, &in, at(t));
		CHECK_INT(st.c[COND_MEMORY_PRESSURE].status, STATUS_TRUE);
	}
	CHECK(strstr(st.c[COND_MEMORY_PRESSURE].message, "transition period") != NULL);
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].transition_wall_ms, at(20000).wall_ms);
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].heartbeat_wall_ms, at(330000).wall_ms);
	/* pressure again inside the period restarts it */
	in.available[EVICT_MEMORY_AVAILABLE] = 10 * MI;
	health_evaluate(&st, &in, at(335000));
	in.available[EVICT_MEMORY_AVAILABLE] = 4096 * MI;
	health_evaluate(&st, &in, at(335000 + 5 * MIN_MS - 1));
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].status, STATUS_TRUE);
	ch = health_evaluate(&st, &in, at(335000 + 5 * MIN_MS));
	CHECK(ch & (1u << COND_MEMORY_PRESSURE));
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].status, STATUS_FALSE);
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].transition_wall_ms, at(335000 + 5 * MIN_MS).wall_ms);
	CHECK_INT(st.c[COND_READY].status, STATUS_TRUE);
}

static void test_state_machine_disk_pid(void)
{
	struct eviction ev;
	struct health_state st;
	CHECK_INT(parse(EVICTION_DEFAULT, &ev), 0);
	health_state_init(&st, &ev, 0, true, at(0)); /* no transition period */
	struct health_inputs in = healthy();
	health_evaluate(&st, &in, at(0));
	CHECK_INT(st.c[COND_DISK_PRESSURE].status, STATUS_FALSE);

	/* each disk signal alone makes DiskPressure */
	const enum evict_signal disk[] = { EVICT_NODEFS_AVAILABLE, EVICT_NODEFS_INODES_FREE,
					   EVICT_IMAGEFS_AVAILABLE, EVICT_IMAGEFS_INODES_FREE };
	const double low[] = { 9e9, 0.04 * 6e6, 14e9, 0.04 * 6e6 };
	for (int i = 0; i < 4; i++) {
		struct health_inputs x = healthy();
		x.available[disk[i]] = low[i];
		health_evaluate(&st, &x, at(1000 + i * 2000));
		CHECK_INT(st.c[COND_DISK_PRESSURE].status, STATUS_TRUE);
		CHECK(strstr(st.c[COND_DISK_PRESSURE].message, eviction_signal_name(disk[i])));
		health_evaluate(&st, &in, at(2000 + i * 2000));
		CHECK_INT(st.c[COND_DISK_PRESSURE].status, STATUS_FALSE);
	}
	/* just above the threshold is no pressure: 10% of 100e9 is 10e9 */
	in.available[EVICT_NODEFS_AVAILABLE] = 10e9;
	health_evaluate(&st, &in, at(20000));
	CHECK_INT(st.c[COND_DISK_PRESSURE].status, STATUS_FALSE);

	/* PIDs: 10% of 32768 is 3276.8 */
	in.available[EVICT_PID_AVAILABLE] = 3000;
	in.capacity[EVICT_PID_AVAILABLE] = 32768;
	health_evaluate(&st, &in, at(30000));
	CHECK_INT(st.c[COND_PID_PRESSURE].status, STATUS_TRUE);
	CHECK_STR(st.c[COND_PID_PRESSURE].reason, "HasInsufficientPID");
	CHECK(strstr(st.c[COND_PID_PRESSURE].message, "pid.available is 3000") != NULL);
	in.available[EVICT_PID_AVAILABLE] = 30000;
	health_evaluate(&st, &in, at(31000));
	CHECK_INT(st.c[COND_PID_PRESSURE].status, STATUS_FALSE);

	/* missing figures: Unknown, and Ready with it */
	struct health_inputs none = { 0 };
	health_evaluate(&st, &none, at(40000));
	CHECK_INT(st.c[COND_MEMORY_PRESSURE].status, STATUS_UNKNOWN);
	CHECK_STR(st.c[COND_MEMORY_PRESSURE].reason, "NoData");
	CHECK_INT(st.c[COND_READY].status, STATUS_UNKNOWN);

	/* a condition without thresholds is False whatever the figures */
	CHECK_INT(parse("memory.available<1Mi", &ev), 0);
	health_state_init(&st, &ev, 0, false, at(0));
	health_evaluate(&st, &none, at(1000));
	CHECK_INT(st.c[COND_DISK_PRESSURE].status, STATUS_FALSE);
	CHECK_INT(st.c[COND_KERNEL_DEADLOCK].status, STATUS_UNKNOWN); /* no kernel log */
	CHECK_STR(st.c[COND_KERNEL_DEADLOCK].reason, "NoKernelLog");
}

static void test_kernel_conditions(void)
{
	struct eviction ev;
	struct health_state st;
	CHECK_INT(parse(EVICTION_DEFAULT, &ev), 0);
	health_state_init(&st, &ev, 5 * MIN_MS, true, at(0));
	struct health_inputs in = healthy();
	health_evaluate(&st, &in, at(0));
	CHECK_INT(st.c[COND_READY].status, STATUS_TRUE);
	unsigned ch = health_kernel_problem(&st, COND_READONLY_FS, "FilesystemIsReadOnly",
					    "EXT4-fs (sda1): Remounting filesystem read-only", at(5));
	CHECK(ch & (1u << COND_READONLY_FS));
	CHECK(ch & (1u << COND_READY));
	CHECK_INT(st.c[COND_READY].status, STATUS_FALSE);
	/* permanent: evaluations do not clear it */
	health_evaluate(&st, &in, at(10 * MIN_MS));
	CHECK_INT(st.c[COND_READONLY_FS].status, STATUS_TRUE);
	CHECK_INT(st.c[COND_READONLY_FS].transition_wall_ms, at(5).wall_ms);
	CHECK_INT(health_kernel_problem(&st, COND_READY, "x", "y", at(6)), 0); /* not a kernel one */
}

/* An unreadable kernel log makes the kernel conditions Unknown, except one already
 * True; a readable one again makes them False, and Ready follows each step. */
static void test_kernel_log_unreadable(void)
{
	struct eviction ev;
	struct health_state st;
	CHECK_INT(parse(EVICTION_DEFAULT, &ev), 0);
	health_state_init(&st, &ev, 5 * MIN_MS, true, at(0));
	struct health_inputs in = healthy();
	health_evaluate(&st, &in, at(0));
	CHECK_INT(st.c[COND_READY].status, STATUS_TRUE);
	unsigned ch = health_kernel_log(&st, false, "not a regular file", at(1));
	CHECK(ch & (1u << COND_KERNEL_DEADLOCK));
	CHECK(ch & (1u << COND_READONLY_FS));
	CHECK(ch & (1u << COND_READY));
	CHECK_INT(st.c[COND_KERNEL_DEADLOCK].status, STATUS_UNKNOWN);
	CHECK_STR(st.c[COND_KERNEL_DEADLOCK].reason, "KernelLogUnreadable");
	CHECK(strstr(st.c[COND_KERNEL_DEADLOCK].message, "not a regular file") != NULL);
	CHECK_INT(st.c[COND_READY].status, STATUS_UNKNOWN);
	CHECK_INT(health_kernel_log(&st, false, "not a regular file", at(2)), 0); /* no change */
	/* a problem seen stays: it does not turn Unknown, nor False when reading resumes */
	health_kernel_problem(&st, COND_KERNEL_DEADLOCK, "KernelHasDeadlock", "task hung", at(3));
	CHECK_INT(health_kernel_log(&st, false, "gone", at(4)) & (1u << COND_KERNEL_DEADLOCK), 0);
	CHECK_INT(st.c[COND_KERNEL_DEADLOCK].status, STATUS_TRUE);
	ch = health_kernel_log(&st, true, NULL, at(5));
	CHECK(ch & (1u << COND_READONLY_FS));
	CHECK_INT(st.c[COND_READONLY_FS].status, STATUS_FALSE);
	CHECK_STR(st.c[COND_READONLY_FS].reason, "FilesystemIsNotReadOnly");
	CHECK_INT(st.c[COND_KERNEL_DEADLOCK].status, STATUS_TRUE);
	CHECK_INT(st.c[COND_READY].status, STATUS_FALSE);
}

static struct kline_hits match(const struct kline_rules *r, const char *line)
{
	struct span text;
	bool kernel;
	struct kline_hits none = { 0 };
	if (kline_text(line, strlen(line), &text, &kernel) < 0 || !kernel)
		return none;
	return kline_match(r, text);
}

static void test_kline(void)
{
	struct kline_rules *r;
	CHECK_INT(kline_rules_new(&r), 0);
	struct kline_hits h;
	h = match(r, "3,1234,567890123,-;Out of memory: Killed process 4321 (stress) "
		     "total-vm:1056064kB, anon-rss:1048576kB, file-rss:4kB, shmem-rss:0kB, UID:0 "
		     "pgtables:2108kB oom_score_adj:0\n");
	CHECK_INT(h.events, 1u << KEVENT_OOM_KILLING);
	h = match(r, "Nov 21 07:00:01 node1 kernel: [ 1234.5678] Memory cgroup out of memory: "
		     "Killed process 77 (java) total-vm:5000kB, anon-rss:3000kB, file-rss:200kB");
	CHECK_INT(h.events, 1u << KEVENT_OOM_KILLING);
	h = match(r, "3,900,1000,-;INFO: task kworker/1:2:123 blocked for more than 120 seconds.");
	CHECK_INT(h.events, 1u << KEVENT_TASK_HUNG);
	CHECK(h.deadlock && !h.readonly);
	h = match(r, "kernel: INFO: task dockerd:2211 blocked for more than 122 seconds.");
	CHECK(h.deadlock);
	h = match(r, "1,55,99,-;BUG: unable to handle kernel NULL pointer dereference at "
		     "0000000000000008");
	CHECK_INT(h.events, 1u << KEVENT_KERNEL_OOPS);
	h = match(r, "1,56,99,-;BUG: kernel NULL pointer dereference, address: 0000000000000000");
	CHECK_INT(h.events, 1u << KEVENT_KERNEL_OOPS);
	h = match(r, "4,57,99,-;divide error: 0000 [#1] SMP PTI");
	CHECK_INT(h.events, 1u << KEVENT_KERNEL_OOPS);
	h = match(r, "4,58,99,-;Oops: 0002 [#1] PREEMPT SMP NOPTI");
	CHECK_INT(h.events, 1u << KEVENT_KERNEL_OOPS);
	h = match(r, "3,60,99,-;EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: "
		     "comm ls: reading directory lblock 0");
	CHECK_INT(h.events, 1u << KEVENT_EXT4_ERROR);
	h = match(r, "3,61,99,-;Buffer I/O error on dev sdb1, logical block 0, async page read");
	CHECK_INT(h.events, 1u << KEVENT_IO_ERROR);
	h = match(r, "3,62,99,-;blk_update_request: I/O error, dev sdb, sector 2048 op "
		     "0x0:(READ) flags 0x0 phys_seg 1 prio class 0");
	CHECK_INT(h.events, 1u << KEVENT_IO_ERROR);
	h = match(r, "2,63,99,-;EXT4-fs (sda1): Remounting filesystem read-only");
	CHECK(h.readonly && !h.deadlock && h.events == 0);

	/* ordinary lines, near misses, and the same text from a process (facility user) */
	h = match(r, "6,70,99,-;EXT4-fs (sda1): mounted filesystem with ordered data mode.");
	CHECK(!h.events && !h.readonly && !h.deadlock);
	h = match(r, "6,71,99,-;task foo blocked for a while");
	CHECK(!h.events && !h.deadlock);
	h = match(r, "12,72,99,-;EXT4-fs error (device sda1): forged by a process");
	CHECK_INT(h.events, 0);
	h = match(r, " SUBSYSTEM=block");
	CHECK_INT(h.events, 0);

	/* kline_text: record text stops at the first newline; plain lines are whole */
	struct span t;
	bool k;
	const char *rec = "6,1,2,-;hello world\n SUBSYSTEM=x\n";
	CHECK_INT(kline_text(rec, strlen(rec), &t, &k), 0);
	CHECK(k && span_eq(t, "hello world"));
	CHECK_INT(kline_text("a,b,c,d;x", 9, &t, &k), 0); /* not a record: the whole line */
	CHECK(span_eq(t, "a,b,c,d;x"));
	CHECK_INT(kline_text("", 0, &t, &k), -EINVAL);
	CHECK_STR(kevent_reason(KEVENT_IO_ERROR), "IOError");
	kline_rules_free(r);
}

/* Lines klog hands over, joined with '|'. */
struct collected {
	char text[4096];
	int n;
};

static void collect_line(void *ctx, const char *line, size_t len)
{
	struct collected *c = ctx;
	size_t used = strlen(c->text);
	snprintf(c->text + used, sizeof(c->text) - used, "%s%.*s", c->n ? "|" : "", (int)len, line);
	c->n++;
}

static void append(const char *path, const char *s)
{
	FILE *f = fopen(path, "a");
	CHECK(f != NULL);
	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static void test_klog_file(void)
{
	char dir[] = "/tmp/plumb-klog-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256], old[256];
	snprintf(path, sizeof(path), "%s/kern.log", dir);
	snprintf(old, sizeof(old), "%s/kern.log.1", dir);
	append(path, "history line 1\nhistory line 2\n");
	struct collected c = { "", 0 };
	struct klog k;
	CHECK_INT(klog_open(&k, path, 1000, collect_line, NULL, &c), 0);
	CHECK(!k.is_kmsg);
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_INT(c.n, 0); /* history is not replayed */

	append(path, "new 1\nnew 2\npart");
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_STR(c.text, "new 1|new 2");
	append(path, "ial\n");
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_STR(c.text, "new 1|new 2|partial");

	/* copytruncate: the file starts over */
	CHECK_INT(truncate(path, 0), 0);
	append(path, "after truncate\n");
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_STR(c.text, "new 1|new 2|partial|after truncate");

	/* rotation: the old file's tail is read, then the new file from its start */
	append(path, "last of old\n");
	CHECK_INT(rename(path, old), 0);
	append(path, "first of new\n");
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_STR(c.text, "new 1|new 2|partial|after truncate|last of old|first of new");

	/* a line longer than the buffer is handed over cut, not lost or overflowed */
	static char longline[KLOG_LINE_MAX * 2 + 2];
	memset(longline, 'x', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	c.n = 0;
	c.text[0] = '\0';
	append(path, longline);
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK(c.n >= 2);
	klog_close(&k);
	klog_close(&k); /* twice is safe */
	unlink(path);
	unlink(old);
	rmdir(dir);

	CHECK_INT(klog_open(&k, "/nonexistent/kern.log", 1000, collect_line, NULL, &c), -ENOENT);
	klog_close(&k);
}

/* What klog's state callback heard: how often, and the last state. */
struct heard {
	int calls;
	bool following;
	char why[128];
};

/* A kernel log's lines and states, side by side: collect_line gets it as the struct
 * collected it starts with, hear_state whole. */
struct klog_seen {
	struct collected c;
	struct heard h;
};

static void hear_state(void *ctx, bool following, const char *why)
{
	struct klog_seen *s = ctx;
	s->h.calls++;
	s->h.following = following;
	snprintf(s->h.why, sizeof(s->h.why), "%s", why ? why : "");
}

/* Rotation to a FIFO and back: the old file's tail is read, following stops with "not
 * a regular file" while the FIFO is there (reported once, polls do not block), and a
 * regular file at the path is followed from its start. Before, the FIFO was opened as
 * the new log and every read failed with "Illegal seek" for good. */
static void test_klog_rotation_to_fifo(void)
{
	char dir[] = "/tmp/plumb-klog-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256], old[256];
	snprintf(path, sizeof(path), "%s/kern.log", dir);
	snprintf(old, sizeof(old), "%s/kern.log.1", dir);
	append(path, "history\n");
	struct klog_seen s = { { "", 0 }, { 0, false, "" } };
	struct klog k;
	CHECK_INT(klog_open(&k, path, 1000, collect_line, hear_state, &s), 0);
	CHECK_INT(k.err, 0);
	append(path, "before\n");
	CHECK_INT(klog_poll_file(&k), 0);
	append(path, "tail of old");
	CHECK_INT(rename(path, old), 0);
	CHECK_INT(mkfifo(path, 0600), 0);
	CHECK_INT(klog_poll_file(&k), -REGFILE_ENOTREG);
	CHECK_STR(s.c.text, "before|tail of old");
	CHECK_INT(s.h.calls, 1);
	CHECK(!s.h.following);
	CHECK_STR(s.h.why, "not a regular file");
	CHECK_INT(klog_poll_file(&k), -REGFILE_ENOTREG);
	CHECK_INT(s.h.calls, 1); /* reported once */
	CHECK_INT(unlink(path), 0);
	CHECK_INT(klog_poll_file(&k), -ENOENT); /* nothing there: still not followed */
	CHECK_INT(s.h.calls, 2);
	append(path, "INFO: task x:1 blocked for more than 120 seconds.\n");
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_INT(s.h.calls, 3);
	CHECK(s.h.following);
	CHECK_STR(s.c.text, "before|tail of old|INFO: task x:1 blocked for more than 120 seconds.");
	append(path, "and more\n");
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_STR(s.c.text, "before|tail of old|INFO: task x:1 blocked for more than 120 "
			    "seconds.|and more");
	klog_close(&k);
	unlink(path);
	unlink(old);
	rmdir(dir);
}

/* A path that is no log file at start-up (a FIFO, /dev/null) is not opened, never
 * blocks, and is followed from its start once a regular file is there. */
static void test_klog_starts_on_no_file(void)
{
	char dir[] = "/tmp/plumb-klog-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof(path), "%s/kern.log", dir);
	CHECK_INT(mkfifo(path, 0600), 0);
	struct klog_seen s = { { "", 0 }, { 0, false, "" } };
	struct klog k;
	CHECK_INT(klog_open(&k, path, 1000, collect_line, hear_state, &s), 0);
	CHECK_INT(k.err, -REGFILE_ENOTREG);
	CHECK(!k.is_kmsg && k.fd < 0);
	CHECK_INT(klog_poll_file(&k), -REGFILE_ENOTREG);
	CHECK_INT(s.h.calls, 0); /* the state at open is the caller's to report */
	CHECK_INT(unlink(path), 0);
	append(path, "first line\n");
	CHECK_INT(klog_poll_file(&k), 0);
	CHECK_STR(s.c.text, "first line");
	CHECK_INT(s.h.calls, 1);
	CHECK(s.h.following);
	klog_close(&k);
	unlink(path);
	rmdir(dir);

	/* a character device that is not /dev/kmsg is no kernel log either */
	CHECK_INT(klog_open(&k, "/dev/null", 1000, collect_line, NULL, &s), 0);
	CHECK(!k.is_kmsg && k.fd < 0);
	CHECK_INT(k.err, -REGFILE_ENOTREG);
	klog_close(&k);
}

/* /dev/kmsg, when this test may read it: opening seeks to the end, so nothing old
 * comes back. */
static void test_klog_kmsg(void)
{
	struct collected c = { "", 0 };
	struct klog k;
	if (klog_open(&k, "/dev/kmsg", 1000, collect_line, NULL, &c) < 0) {
		printf("skip test_klog_kmsg: /dev/kmsg not readable\n");
		return;
	}
	CHECK(k.is_kmsg);
	CHECK_INT(klog_drain_kmsg(&k), 0);
	/* a record written now comes back; one from a process has the user facility, so
	 * kline_text says it is not the kernel's (a process cannot forge a problem) */
	char marker[96];
	snprintf(marker, sizeof(marker), "<4>plumb test_health: kmsg reader check %d\n",
		 (int)getpid());
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		CHECK(write(fd, marker, strlen(marker)) == (ssize_t)strlen(marker));
		close(fd);
		CHECK_INT(klog_drain_kmsg(&k), 0);
		char *rec = strstr(c.text, marker + 3);
		CHECK(rec != NULL);
		/* history before the open did not come back: the first record handed over
		 * is at most a few kernel lines before ours */
		CHECK(c.n >= 1 && c.n < 50);
		if (rec) {
			char *start = rec;
			while (start > c.text && start[-1] != '|')
				start--;
			struct span t;
			bool kernel = true;
			CHECK_INT(kline_text(start, strlen(start), &t, &kernel), 0);
			CHECK(!kernel);
		}
	}
	CHECK_INT(klog_start(&k), 0);
	klog_close(&k); /* wakes and joins the blocked reader */
	CHECK(!k.started && k.fd == -1);
}

/* A sink as the filesystem and meminfo collectors fill it. */
static void add_fs(struct metric_sink *s, const char *mp, double avail, double size,
		   double ffree, double files)
{
	static const struct metric_desc d[4] = {
		{ "node_filesystem_avail_bytes", "", METRIC_GAUGE },
		{ "node_filesystem_size_bytes", "", METRIC_GAUGE },
		{ "node_filesystem_files_free", "", METRIC_GAUGE },
		{ "node_filesystem_files", "", METRIC_GAUGE },
	};
	const double v[4] = { avail, size, ffree, files };
	for (int i = 0; i < 4; i++)
		CHECK_INT(sink_add(s, &d[i], v[i],
				   LABELS(L("device", "/dev/x"), L("fstype", "ext4"),
					  L("mountpoint", mp))),
			  0);
}

static void add_gauge(struct metric_sink *s, enum metric_view view, const char *name, double v)
{
	struct metric_desc d = { name, "", METRIC_GAUGE };
	CHECK_INT(sink_add_view(s, view, &d, v, NULL, 0), 0);
}

static void test_inputs_from_sink(void)
{
	struct metric_sink s;
	sink_init(&s);
	add_fs(&s, "/", 10, 100, 50, 1000);
	add_fs(&s, "/var", 20, 200, 60, 2000);
	add_fs(&s, "/var/lib/containerd", 30, 300, 70, 0); /* no inode accounting */
	add_fs(&s, "/var/lib/containerd-old", 40, 400, 80, 4000);
	add_gauge(&s, VIEW_METRICS, "node_memory_MemTotal_bytes", 8000);
	add_gauge(&s, VIEW_METRICS, "node_memory_MemFree_bytes", 1000);
	add_gauge(&s, VIEW_METRICS, "node_memory_Inactive_file_bytes", 500);
	for (int finished = 0; finished < 2; finished++) {
		if (finished)
			CHECK_INT(sink_finish(&s), 0);
		struct health_inputs in = { 0 };
		health_inputs_from_sink(&s, "/var/lib/containerd/io.containerd.snapshotter", &in);
		CHECK(in.have[EVICT_NODEFS_AVAILABLE] && in.have[EVICT_NODEFS_INODES_FREE]);
		CHECK_DBL(in.available[EVICT_NODEFS_AVAILABLE], 10);
		CHECK_DBL(in.capacity[EVICT_NODEFS_AVAILABLE], 100);
		CHECK_DBL(in.available[EVICT_NODEFS_INODES_FREE], 50);
		CHECK_DBL(in.capacity[EVICT_NODEFS_INODES_FREE], 1000);
		CHECK(in.have[EVICT_IMAGEFS_AVAILABLE]);
		CHECK_DBL(in.available[EVICT_IMAGEFS_AVAILABLE], 30); /* longest prefix */
		CHECK(!in.have[EVICT_IMAGEFS_INODES_FREE]); /* files == 0 */
		CHECK(in.have[EVICT_MEMORY_AVAILABLE]);
		CHECK_DBL(in.available[EVICT_MEMORY_AVAILABLE], 1500); /* MemFree + Inactive(file) */
		CHECK_DBL(in.capacity[EVICT_MEMORY_AVAILABLE], 8000);
		CHECK(!in.have[EVICT_PID_AVAILABLE]);
	}
	struct health_inputs in = { 0 };
	health_inputs_from_sink(&s, "/srv/images", &in); /* only "/" covers it */
	CHECK_DBL(in.available[EVICT_IMAGEFS_AVAILABLE], 10);
	memset(&in, 0, sizeof(in));
	health_inputs_from_sink(&s, "/var/lib/containerd-old/x", &in);
	CHECK_DBL(in.available[EVICT_IMAGEFS_AVAILABLE], 40);

	/* the container collector's working set wins over meminfo */
	add_gauge(&s, VIEW_RESOURCE, "node_memory_working_set_bytes", 7000);
	memset(&in, 0, sizeof(in));
	health_inputs_from_sink(&s, "/", &in);
	CHECK_DBL(in.available[EVICT_MEMORY_AVAILABLE], 1000);

	/* sink_lookup by label, and misses */
	double v;
	CHECK_INT(sink_lookup(&s, VIEW_METRICS, "node_filesystem_size_bytes", "mountpoint", "/var",
			      &v), 0);
	CHECK_DBL(v, 200);
	CHECK_INT(sink_lookup(&s, VIEW_METRICS, "node_filesystem_size_bytes", "mountpoint", "/nope",
			      &v), -ENOENT);
	CHECK_INT(sink_lookup(&s, VIEW_METRICS, "no_such_family", NULL, NULL, &v), -ENOENT);
	CHECK_INT(sink_lookup(&s, VIEW_METRICS, "node_memory_working_set_bytes", NULL, NULL, &v),
		  -ENOENT); /* it is in the resource view only */

	sink_reset(&s);
	memset(&in, 0, sizeof(in));
	health_inputs_from_sink(&s, "/", &in);
	for (int i = 0; i < EVICT_SIGNALS; i++)
		CHECK(!in.have[i]);
	sink_fini(&s);
}

static void test_pid_signal(void)
{
	double avail, cap;
	CHECK_INT(pid_signal_parse(SPAN_LIT("4194304\n"), SPAN_LIT("63304\n"),
				   SPAN_LIT("0.52 0.58 0.59 3/1234 5678\n"), &avail, &cap), 0);
	CHECK_DBL(cap, 63304); /* the smaller limit */
	CHECK_DBL(avail, 63304 - 1234);
	CHECK_INT(pid_signal_parse(SPAN_LIT("32768"), SPAN_LIT("100000"),
				   SPAN_LIT("0.00 0.00 0.00 1/30000 1"), &avail, &cap), 0);
	CHECK_DBL(avail, 2768);
	CHECK_INT(pid_signal_parse(SPAN_LIT("x"), SPAN_LIT("1"), SPAN_LIT("0 0 0 1/2 3"), &avail,
				   &cap), -EINVAL);
	CHECK_INT(pid_signal_parse(SPAN_LIT("1"), SPAN_LIT("1"), SPAN_LIT("0 0 0"), &avail, &cap),
		  -EINVAL);
	CHECK_INT(pid_signal_parse(SPAN_LIT("1"), SPAN_LIT("1"), SPAN_LIT("0 0 0 12 3"), &avail,
				   &cap), -EINVAL);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The condition named type in the status JSON. */
static json_t *cond_of(json_t *root, const char *type)
{
	json_t *arr = json_object_get(root, "conditions"), *c;
	size_t i;
	json_array_foreach(arr, i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
			return c;
	return NULL;
}

static const char *cond_status(json_t *root, const char *type)
{
	json_t *c = cond_of(root, type);
	return c ? json_string_value(json_object_get(c, "status")) : "(missing)";
}

static json_t *status_json(struct health *h)
{
	char *body;
	size_t len;
	CHECK_INT(health_render_status(h, &body, &len), 0);
	json_error_t err;
	json_t *root = json_loadb(body, len, 0, &err);
	CHECK(root != NULL);
	free(body);
	return root;
}

/* The whole part without its threads: fixture procfs, a kernel log file, lines in,
 * checks run by hand, JSON and metrics out. */
static void test_health_part(void)
{
	char dir[] = "/tmp/plumb-health-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char sub[512], klog[512], procarg[600], klogarg[600];
	snprintf(sub, sizeof(sub), "%s/sys", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/sys/kernel", dir);
	mkdir(sub, 0755);
	write_file(dir, "sys/kernel/pid_max", "32768\n");
	write_file(dir, "sys/kernel/threads-max", "100000\n");
	write_file(dir, "loadavg", "0.10 0.20 0.30 2/300 999\n");
	write_file(dir, "meminfo", "MemTotal:       8000000 kB\nMemFree:         100 kB\n"
				   "Inactive(file):   50 kB\n");
	snprintf(klog, sizeof(klog), "%s/kern.log", dir);
	write_file(dir, "kern.log", "EXT4-fs error (device sda1): old history\n");
	snprintf(procarg, sizeof(procarg), "--path.procfs=%s", dir);
	snprintf(klogarg, sizeof(klogarg), "--health.kernel-log=%s", klog);
	char *argv[] = { "plumb", "--collector.disable-defaults", "--collector.meminfo", procarg,
			 klogarg, "--health.node-name=node-a", NULL };
	struct plumb_config *cfg = NULL;
	CHECK_INT(cfg_parse(6, argv, &cfg), 0);
	if (!cfg)
		return;
	struct agent agent = { 0 };
	struct scraper scraper;
	struct health h = { 0 };
	CHECK_INT(agent_init(&agent, cfg), 0);
	scraper_init(&scraper, &agent);
	CHECK(health_status_hook(&h, cfg) != NULL);
	CHECK_INT(health_open(&h, cfg, &agent, &scraper), 0);
	CHECK(h.klog_open);
	CHECK_INT(health_check(&h, health_now()), 0);

	json_t *root = status_json(&h);
	CHECK_STR(json_string_value(json_object_get(root, "nodeName")), "node-a");
	CHECK_INT(json_array_size(json_object_get(root, "conditions")), COND_COUNT);
	CHECK_STR(cond_status(root, "MemoryPressure"), "True"); /* 150 kB available */
	CHECK_STR(cond_status(root, "PIDPressure"), "False");
	CHECK_STR(cond_status(root, "DiskPressure"), "Unknown"); /* filesystem collector off */
	CHECK_STR(cond_status(root, "KernelDeadlock"), "False");
	CHECK_STR(cond_status(root, "Ready"), "False");
	json_t *c = cond_of(root, "MemoryPressure");
	static const char *const keys[] = { "type", "status", "reason", "message",
					    "lastTransitionTime", "lastHeartbeatTime" };
	for (size_t i = 0; c && i < 6; i++)
		CHECK(json_is_string(json_object_get(c, keys[i])));
	CHECK_INT(json_object_size(c), 6);
	CHECK_INT(json_array_size(json_object_get(root, "events")), 0); /* no replay */
	json_decref(root);

	/* kernel lines, as the reader thread would hand them over */
	CHECK_INT(klog_poll_file(&h.klog), 0);
	append(klog, "[  100.1] INFO: task jbd2/sda1-8:300 blocked for more than 120 seconds.\n"
		     "[  100.2] EXT4-fs (sda1): Remounting filesystem read-only\n"
		     "[  100.3] bad utf-8 \xff\xfe here: EXT4-fs error (device sda1): x\n");
	CHECK_INT(klog_poll_file(&h.klog), 0);
	for (int i = 0; i < 40; i++) /* more than the ring holds */
		health_kernel_line(&h, "Buffer I/O error on dev sdb1, logical block 7", 45);
	root = status_json(&h);
	CHECK_STR(cond_status(root, "KernelDeadlock"), "True");
	CHECK_STR(cond_status(root, "ReadonlyFilesystem"), "True");
	c = cond_of(root, "ReadonlyFilesystem");
	CHECK(c && strstr(json_string_value(json_object_get(c, "message")), "Remounting"));
	json_t *events = json_object_get(root, "events");
	CHECK_INT(json_array_size(events), HEALTH_EVENTS);
	json_t *last = json_array_get(events, HEALTH_EVENTS - 1);
	CHECK_STR(json_string_value(json_object_get(last, "reason")), "IOError");
	CHECK(json_is_string(json_object_get(last, "timestamp")));
	json_decref(root);
	CHECK_INT(h.counts[KEVENT_TASK_HUNG], 1);
	CHECK_INT(h.counts[KEVENT_EXT4_ERROR], 1); /* the new line, not the history */
	CHECK_INT(h.counts[KEVENT_IO_ERROR], 40);
	CHECK_INT(h.counts[KEVENT_OOM_KILLING], 0);

	/* the metrics, through a collection */
	struct snapshot *snap;
	double v;
	CHECK_INT(scraper_collect(&scraper, &snap), 0);
	CHECK_INT(sink_lookup(&snap->sink, VIEW_METRICS, "plumb_problem_events_total", "reason",
			      "IOError", &v), 0);
	CHECK_DBL(v, 40);
	int fam = sink_find_family(&snap->sink, "plumb_node_condition", 20);
	uint32_t pos = 0, n = 0;
	double ones = 0;
	const struct sink_series *se;
	while ((se = sink_family_next(&snap->sink, fam, &pos))) {
		n++;
		ones += se->value;
	}
	CHECK_INT(n, COND_COUNT * 3);
	CHECK_DBL(ones, COND_COUNT); /* one status per condition */
	scraper_put(&scraper, snap);

	health_stop(&h);
	health_fini(&h);
	health_fini(&h); /* twice is safe */
	scraper_fini(&scraper);
	agent_fini(&agent);
	cfg_free(cfg);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
}

/* Bad flag values are refused at open with -EINVAL. */
static void test_health_flags(void)
{
	static const char *const bad[] = {
		"--health.eviction-hard=memory.available>1Gi",
		"--health.check-interval=500ms",
		"--push.status.interval=0s",
		"--health.imagefs-path=relative/path",
		"--push.status.url=ftp://example.invalid/x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "plumb", "--collector.disable-defaults", "--health.kernel-log=",
				 (char *)bad[i], NULL };
		struct plumb_config *cfg = NULL;
		struct agent agent = { 0 };
		struct scraper scraper;
		struct health h = { 0 };
		CHECK_INT(cfg_parse(4, argv, &cfg), 0);
		if (!cfg)
			continue;
		agent_init(&agent, cfg);
		scraper_init(&scraper, &agent);
		int r = health_open(&h, cfg, &agent, &scraper);
		if (r != -EINVAL)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK_INT(r, -EINVAL);
		health_fini(&h);
		scraper_fini(&scraper);
		agent_fini(&agent);
		cfg_free(cfg);
	}
}

int main(void)
{
	log_setup("error", "logfmt");
	RUN(test_eviction_parse);
	RUN(test_state_machine_memory);
	RUN(test_state_machine_disk_pid);
	RUN(test_kernel_conditions);
	RUN(test_kernel_log_unreadable);
	RUN(test_kline);
	RUN(test_klog_file);
	RUN(test_klog_rotation_to_fifo);
	RUN(test_klog_starts_on_no_file);
	RUN(test_klog_kmsg);
	RUN(test_inputs_from_sink);
	RUN(test_pid_signal);
	RUN(test_health_part);
	RUN(test_health_flags);
	return T_DONE("test_health");
}
