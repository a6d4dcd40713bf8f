/*
 * processes: processes and threads by state and the kernel's limits on them, from
 * /proc/<pid>/stat, /proc/<pid>/task/<tid>/stat, /proc/sys/kernel/threads-max and
 * pid_max, as node_exporter's processes collector reports them.
 *
 * Every numeric entry of /proc is a process: its stat gives its state and its number of
 * threads, and each entry of its task/ directory is a thread, whose own stat gives the
 * thread's state (the main thread takes the process's). A process or thread that ends
 * while it is being read (ENOENT, ESRCH) is skipped, and so is a process without a
 * task/ directory; any other read error, a stat that does not parse, or a limit that is
 * missing or not a number fails the collection, as in node_exporter.
 *
 * Cost: on the kernel's procfs (checked with fstatfs each scrape) a stat is read with
 * openat, one read and close (the kernel writes it whole in one read and it is always a
 * regular file), and a process whose stat says it has one thread is not listed: its
 * task/ holds only itself, so it counts one thread in the process's state. The stat
 * files of up to PROC_HELD_MAX processes and threads (within the core's descriptor
 * grant, half for each) stay open and are re-read with one pread: /proc lists processes
 * in ascending order and task/ its threads, so last scrape's (pid, tid, fd) lists, also
 * ascending, are merged with this one's as it goes. A held
 * file whose process ended fails to read (ESRCH) and is closed; the pid, if listed
 * again (reused), is opened afresh. Elsewhere (a
 * fixture tree) every file goes through lib/regfile's checks and every task/ is listed.
 * Steady state: /proc is a dirscan and the limits are procfiles held in priv; task/
 * directories are opened one at a time and listed with an fdscan in priv; stat files are
 * read into a buffer in priv; the state tallies are fixed tables: a scrape allocates
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "collectors/processes.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/pidstat.h"
#include "lib/procfile.h"

/* A stat file is about 300 bytes; far more than any kernel writes. */
#define STAT_MAX 4096
/* A limit is a decimal of at most 20 digits. */
#define LIMIT_MAX 64
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
/* Processes whose stat file is held open, at most. */
#define PROC_HELD_MAX 4096

/* A process's (tid 0) or thread's stat file held open between scrapes. */
struct proc_held {
	int64_t pid, tid;
	int fd;
};

/* Held stat files: v[cur] from the last scrape (n[cur], ascending keys), being merged
 * (up to pos) into v[!cur] (n[!cur]) by this one; cap each. Processes are visited in
 * ascending pid order and each one's threads in ascending tid order, so (pid, tid)
 * keys come in ascending order. */
struct held_list {
	struct proc_held *v[2];
	size_t n[2], cap, pos;
	int cur;
	int64_t last_pid, last_tid; /* the last key held in this scrape */
};

static const struct metric_desc desc_threads = {
	"node_processes_threads", "Threads of all processes (sum of their num_threads).",
	METRIC_GAUGE
};
static const struct metric_desc desc_max_threads = {
	"node_processes_max_threads", "Most threads the kernel allows (kernel.threads-max).",
	METRIC_GAUGE
};
static const struct metric_desc desc_state = {
	"node_processes_state", "Processes in each state (R, S, D, Z, I...).", METRIC_GAUGE
};
static const struct metric_desc desc_thread_state = {
	"node_processes_threads_state", "Threads in each state (R, S, D, Z, I...).",
	METRIC_GAUGE
};
static const struct metric_desc desc_pids = {
	"node_processes_pids", "Processes found in /proc.", METRIC_GAUGE
};
static const struct metric_desc desc_max_pids = {
	"node_processes_max_processes", "Highest PID the kernel hands out plus one (kernel.pid_max).",
	METRIC_GAUGE
};

struct proc_priv {
	struct dirscan proc;      /* --path.procfs */
	struct fdscan task;       /* the task/ directory being listed */
	struct procfile threads_max, pid_max; /* sys/kernel/{threads-max,pid_max}, held */
	bool kernel;              /* --path.procfs is the kernel's procfs (this scrape) */
	struct held_list procs, threads; /* held stat files */
	struct proc_counts counts;
	char stat[STAT_MAX];      /* the stat file being read */
};

int proc_states_add(struct proc_states *t, struct span s)
{
	if (s.len > PROC_STATE_MAX)
		return -EINVAL;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].len == s.len && memcmp(t->v[i].name, s.p, s.len) == 0) {
			t->v[i].count++;
			return 0;
		}
	}
	if (t->n == PROC_MAX_STATES)
		return -E2BIG;
	memcpy(t->v[t->n].name, s.p, s.len);
	t->v[t->n].len = s.len;
	t->v[t->n].count = 1;
	t->n++;
	return 0;
}

int processes_emit(const struct proc_counts *pc, uint64_t max_threads, uint64_t pid_max,
		   struct metric_sink *out)
{
	int r = sink_gauge(out, &desc_threads, (double)(int64_t)pc->threads);
	if (r == 0)
		r = sink_gauge(out, &desc_max_threads, (double)max_threads);
	for (size_t i = 0; r == 0 && i < pc->procs.n; i++) {
		struct span st = { pc->procs.v[i].name, pc->procs.v[i].len };
		r = sink_add(out, &desc_state, (double)pc->procs.v[i].count,
			     LABELS(LS("state", st)));
	}
	for (size_t i = 0; r == 0 && i < pc->threads_by_state.n; i++) {
		struct span st = { pc->threads_by_state.v[i].name, pc->threads_by_state.v[i].len };
		r = sink_add(out, &desc_thread_state, (double)pc->threads_by_state.v[i].count,
			     LABELS(LS("thread_state", st)));
	}
	if (r == 0)
		r = sink_gauge(out, &desc_pids, (double)pc->pids);
	if (r == 0)
		r = sink_gauge(out, &desc_max_pids, (double)pid_max);
	return r;
}

/* A process or thread that ended while it was read. */
static bool gone(int r)
{
	return r == -ENOENT || r == -ESRCH;
}

/* Read the stat open at fd (from its start when at_start, for a held file) into p->stat
 * and parse it into *st (whose state points into p->stat): the kernel writes a stat
 * whole in one read. Returns 0, -errno from the read, -EFBIG for a stat of STAT_MAX
 * bytes or more, or -EINVAL. */
static int parse_fd(struct proc_priv *p, int fd, bool at_start, struct pidstat *st)
{
	ssize_t got;
	do {
		got = at_start ? pread(fd, p->stat, sizeof(p->stat), 0)
			       : read(fd, p->stat, sizeof(p->stat));
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno > 0 ? -errno : -EIO;
	if ((size_t)got >= sizeof(p->stat))
		return -EFBIG;
	return pidstat_parse(p->stat, (size_t)got, st);
}

/* Read the stat at dirfd/rel into p->stat and parse it into *st. On the kernel's procfs
 * the file is opened and read once without lib/regfile's checks; an open that fails for
 * any reason but the task's end goes the checked way (which asks the broker for a file
 * plumb may not read). Returns 0 or -errno as parse_fd. */
static int read_stat(struct proc_priv *p, int dirfd, const char *rel, struct pidstat *st)
{
	size_t len;
	int r;
	int fd = p->kernel ? openat(dirfd, rel, O_RDONLY | O_NOCTTY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		r = parse_fd(p, fd, false, st);
		close(fd);
		return r;
	}
	int e = errno;
	if (p->kernel && (e == ENOENT || e == ESRCH))
		return -e; /* the task ended */
	r = read_file_dirfd(dirfd, rel, p->stat, sizeof(p->stat), &len);
	return r < 0 ? r : pidstat_parse(p->stat, len, st);
}

/* Whether key (ap, at) comes before (bp, bt). */
static bool key_before(int64_t ap, int64_t at, int64_t bp, int64_t bt)
{
	return ap < bp || (ap == bp && at < bt);
}

/* Read the stat at dirfd/rel of (pid, tid) through its file in h when last scrape held
 * it, else as read_stat does, and hold the file for the next scrape when there is room.
 * Only on the kernel's procfs. Returns 0 or -errno as read_stat. */
static int read_held_stat(struct proc_priv *p, struct held_list *h, int dirfd, const char *rel,
			  int64_t pid, int64_t tid, struct pidstat *st)
{
	struct proc_held *old = h->v[h->cur], *next = h->v[!h->cur];
	int fd = -1, r;
	while (h->pos < h->n[h->cur] && key_before(old[h->pos].pid, old[h->pos].tid, pid, tid))
		close(old[h->pos++].fd); /* ended since */
	if (h->pos < h->n[h->cur] && old[h->pos].pid == pid && old[h->pos].tid == tid)
		fd = old[h->pos++].fd;
	if (fd >= 0) {
		r = parse_fd(p, fd, true, st);
		if (r == 0)
			goto out_hold;
		close(fd); /* ended (or a pid reused): open it afresh */
	}
	fd = openat(dirfd, rel, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return read_stat(p, dirfd, rel, st); /* the checked way, which reports why */
	r = parse_fd(p, fd, false, st);
out_hold:
	if (r == 0 && key_before(h->last_pid, h->last_tid, pid, tid) && h->n[!h->cur] < h->cap) {
		next[h->n[!h->cur]++] = (struct proc_held){ pid, tid, fd };
		h->last_pid = pid;
		h->last_tid = tid;
	} else {
		close(fd);
	}
	return r;
}

/* Close the held files last scrape's list has left, and make this scrape's list the
 * one the next merges with. */
static void held_swap(struct held_list *h)
{
	while (h->pos < h->n[h->cur])
		close(h->v[h->cur][h->pos++].fd);
	h->n[h->cur] = 0;
	h->cur = !h->cur;
	h->pos = 0;
	h->last_pid = h->last_tid = -1;
}

/* Close every held file of h. */
static void held_close(struct held_list *h)
{
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; h->v[k] && i < h->n[k]; i++)
			close(h->v[k][i].fd);
		h->n[k] = 0;
	}
	h->pos = 0;
}

/* Make h hold up to cap files. Returns 0 or -ENOMEM. */
static int held_init(struct held_list *h, size_t cap)
{
	h->cap = cap;
	h->last_pid = h->last_tid = -1;
	for (int k = 0; k < 2 && cap; k++)
		if (!(h->v[k] = calloc(cap, sizeof(*h->v[k]))))
			return -ENOMEM;
	return 0;
}

/* Close h's files and free it. Accepts a zeroed h. */
static void held_fini(struct held_list *h)
{
	held_close(h);
	free(h->v[0]);
	free(h->v[1]);
	h->v[0] = h->v[1] = NULL;
}

/* Count the threads of process `pid` (named `name` in /proc, in state pstate, with
 * nthreads threads by its stat) by state. Returns 0 or -errno. */
static int count_threads(struct proc_priv *p, const char *name, int64_t pid, int64_t nthreads,
			 struct span pstate)
{
	char rel[300];
	const char *tname;
	unsigned char type;
	struct pidstat st = { .state = { "", 0 } }; /* set by every read that returns 0 */
	int64_t tid;
	if (p->kernel && nthreads == 1) /* task/ holds the process alone */
		return proc_states_add(&p->counts.threads_by_state, pstate);
	snprintf(rel, sizeof(rel), "%s/task", name);
	int fd = openat(dirscan_fd(&p->proc), rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gone(-errno) ? 0 : -errno;
	int r = fdscan_start(&p->task, fd);
	while (r == 0 && (r = fdscan_next(&p->task, &tname, &type)) > 0) {
		r = 0;
		if (span_i64(span_cstr(tname), &tid) < 0)
			continue;
		if (tid == pid) {
			r = proc_states_add(&p->counts.threads_by_state, pstate);
			continue;
		}
		snprintf(rel, sizeof(rel), "%s/stat", tname);
		r = p->kernel && p->threads.cap
			    ? read_held_stat(p, &p->threads, fd, rel, pid, tid, &st)
			    : read_stat(p, fd, rel, &st);
		if (r == 0)
			r = proc_states_add(&p->counts.threads_by_state, st.state);
		else if (gone(r))
			r = 0;
	}
	close(fd);
	return gone(r) ? 0 : r;
}

/* Count process `name` (an entry of /proc). Returns 0 or -errno. */
static int count_process(struct proc_priv *p, const char *name)
{
	char rel[300];
	char pstate[PROC_STATE_MAX];
	struct pidstat st = { .state = { "", 0 } }; /* set by every read that returns 0 */
	int64_t pid;
	if (span_i64(span_cstr(name), &pid) < 0)
		return 0; /* not a process */
	snprintf(rel, sizeof(rel), "%s/stat", name);
	int r = p->kernel && p->procs.cap
			? read_held_stat(p, &p->procs, dirscan_fd(&p->proc), rel, pid, 0, &st)
			: read_stat(p, dirscan_fd(&p->proc), rel, &st);
	if (r != 0)
		return gone(r) ? 0 : r;
	r = proc_states_add(&p->counts.procs, st.state);
	if (r < 0)
		return r;
	p->counts.pids++;
	p->counts.threads += (uint64_t)st.num_threads;
	/* the state is kept before p->stat is read again for the threads */
	memcpy(pstate, st.state.p, st.state.len);
	return count_threads(p, name, pid, st.num_threads, (struct span){ pstate, st.state.len });
}

/* Read the held limit pf as an unsigned decimal into *v. Returns 0 or -errno. */
static int read_limit(struct procfile *pf, uint64_t *v)
{
	int r = procfile_read(pf);
	if (r == 0 && span_u64(procfile_span(pf), v) < 0)
		r = -EINVAL;
	return r;
}

static int proc_init(struct collector *c)
{
	struct proc_priv *p = calloc(1, sizeof(*p));
	const char *procfs = cfg_procfs(c->cfg);
	if (!p)
		return -ENOMEM;
	p->proc.fd = p->threads_max.fd = p->pid_max.fd = -1;
	c->priv = p;
	/* the grant, up to PROC_HELD_MAX: half for processes, half for threads */
	size_t held = c->fd_budget < PROC_HELD_MAX ? (size_t)c->fd_budget : PROC_HELD_MAX;
	int r = held_init(&p->procs, held / 2);
	if (r == 0)
		r = held_init(&p->threads, held / 2);
	if (r == 0)
		r = dirscan_init(&p->proc, procfs, "");
	if (r == 0)
		r = procfile_init(&p->threads_max, procfs, "sys/kernel/threads-max", LIMIT_MAX);
	if (r == 0)
		r = procfile_init(&p->pid_max, procfs, "sys/kernel/pid_max", LIMIT_MAX);
	return r;
}

/* Whether the directory fd is on the kernel's procfs. */
static bool on_procfs(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

static int proc_collect(struct collector *c, struct metric_sink *out)
{
	struct proc_priv *p = c->priv;
	const char *name;
	unsigned char type;
	uint64_t max_threads, pid_max;
	memset(&p->counts, 0, sizeof(p->counts));
	int r = dirscan_rewind(&p->proc);
	p->kernel = r == 0 && on_procfs(dirscan_fd(&p->proc));
	if (!p->kernel) {
		held_close(&p->procs);
		held_close(&p->threads);
	}
	while (r == 0 && (r = dirscan_next(&p->proc, &name, &type)) > 0)
		r = count_process(p, name);
	held_swap(&p->procs);
	held_swap(&p->threads);
	if (r == 0)
		r = read_limit(&p->threads_max, &max_threads);
	if (r == 0)
		r = read_limit(&p->pid_max, &pid_max);
	if (r == 0)
		r = processes_emit(&p->counts, max_threads, pid_max, out);
	return r;
}

static void proc_fini(struct collector *c)
{
	struct proc_priv *p = c->priv;
	if (p) {
		held_fini(&p->procs);
		held_fini(&p->threads);
		dirscan_fini(&p->proc);
		procfile_fini(&p->threads_max);
		procfile_fini(&p->pid_max);
	}
	free(p);
	c->priv = NULL;
}

/* Claim descriptors for the held stat files. */
static int proc_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, PROC_HELD_MAX);
}

const struct collector_ops collector_ops_processes = {
	.name = "processes",
	.default_enabled = false,
	.reads = "/proc/<pid>/stat, /proc/<pid>/task/*/stat, /proc/sys/kernel/{threads-max,pid_max}",
	.declare = proc_declare,
	.init = proc_init,
	.collect = proc_collect,
	.fini = proc_fini,
};
