/*
 * container: per-container, per-pod and per-service resource usage from the cgroup
 * tree, with the names, types and labels of the cAdvisor built into kubelet, so that
 * dashboards and alerts written for /metrics/cadvisor keep working; and kubelet's
 * /metrics/resource set (container_, pod_ and node_ CPU and working set) in the
 * resource view.
 *
 * Hierarchies: <sysfs>/fs/cgroup holding cgroup.controllers is cgroup v2 (unified);
 * otherwise one mount per v1 controller (cpu, cpuacct or cpu,cpuacct, memory, blkio)
 * and, when a "unified" v2 mount sits beside them (hybrid), PSI is read from it. With
 * neither, init returns -ENODEV and the core leaves the collector out quietly.
 *
 * The walk lists one hierarchy (v2's, or v1's cpu, else memory) with fdscan on
 * directory fds opened with openat, never opendir, so it allocates nothing. Every
 * cgroup seen gets an entry in a table keyed by its path (chained hash over a
 * grow-only array; a slot freed by a vanished cgroup is reused), which caches what the
 * path says (kind, pod UID, container id, whether it is reported: lib/cgident.h) and
 * its image, pod, namespace and container: from the runtime's record of the container
 * (lib/bundle.h), read once when the walk first sees it, else from kubelet's log
 * folders (lib/podlogs.h). Files are parsed with lib/cgstat.h. Descriptors are held in the entry
 * up to the budget the core grants (core/resources.h): first each reported cgroup's directory
 * (O_PATH, one per hierarchy it is read from), then, with what is left and at most
 * --collector.container.max-held-files of them, the files read every scrape, re-read
 * with pread. The files have a bound of their own because each one held and read keeps
 * a kernel buffer (about 5 KB, charged to plumb's cgroup), where an O_PATH directory
 * costs about 0.4 KB. A file not held is opened relative to its held directory (a
 * one-name lookup, not a walk down the whole cgroup path), read and closed; only
 * past both budgets is it opened by its path from the hierarchy's root.
 * Directories come first because one saves a path walk for every file of its cgroup,
 * so the cost per cgroup stays flat however many cgroups a node has. A cgroup
 * that vanishes mid-scrape (ENOENT on its first file, ENODEV on any) is dropped from
 * that scrape without error and its entry freed when the walk no longer sees it.
 *
 * Reported by default: the root, top-level cgroups, pods, containers and systemd
 * services. --collector.container.include (a regex on the cgroup path) replaces that
 * choice; --collector.container.exclude removes paths from it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/container.h"
#include "core/collector.h"
#include "lib/buf.h"
#include "lib/bundle.h"
#include "lib/cgident.h"
#include "lib/cgstat.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/log.h"
#include "lib/machine.h"
#include "lib/netdev_pid.h"
#include "lib/podlogs.h"
#include "lib/procfile.h"
#include "lib/regex.h"
#include "lib/regfile.h"

/* ---- the files read per cgroup ------------------------------------------------ */

enum ct_ctl { CTL_UNIFIED, CTL_CPU, CTL_CPUACCT, CTL_MEMORY, CTL_BLKIO, CTL_N };

enum ct_slot {
	S_CPU_STAT,     /* v2 cpu.stat (usage, user, system, throttling); v1 cpu.stat (throttling) */
	S_CPU_USAGE,    /* v1 cpuacct.usage (ns) */
	S_CPU_USERSYS,  /* v1 cpuacct.stat (USER_HZ ticks) */
	S_CPU_QUOTA,    /* v2 cpu.max; v1 cpu.cfs_quota_us */
	S_CPU_PERIOD,   /* v1 cpu.cfs_period_us */
	S_CPU_SHARES,   /* v2 cpu.weight; v1 cpu.shares */
	S_MEM_USAGE,    /* v2 memory.current; v1 memory.usage_in_bytes */
	S_MEM_STAT,     /* memory.stat */
	S_MEM_LIMIT,    /* v2 memory.max; v1 memory.limit_in_bytes */
	S_MEM_OOM,      /* v2 memory.events; v1 memory.oom_control */
	S_MEM_SWAP,     /* v2 memory.swap.current; v1 memory.memsw.usage_in_bytes */
	S_MEM_FAILCNT,  /* v1 memory.failcnt */
	S_MEM_MAXUSE,   /* v1 memory.max_usage_in_bytes */
	S_IO,           /* v2 io.stat; v1 blkio.throttle.io_service_bytes_recursive */
	S_IO_OPS,       /* v1 blkio.throttle.io_serviced_recursive (v2: io.stat has them) */
	S_PROCS,        /* cgroup.procs: a process whose network namespace is read */
	S_PSI_CPU, S_PSI_MEM, S_PSI_IO,
	S_N
};

struct ct_file {
	const char *v2, *v1;
	enum ct_ctl v1ctl;
};

static const struct ct_file ct_files[S_N] = {
	[S_CPU_STAT] = { "cpu.stat", "cpu.stat", CTL_CPU },
	[S_CPU_USAGE] = { NULL, "cpuacct.usage", CTL_CPUACCT },
	[S_CPU_USERSYS] = { NULL, "cpuacct.stat", CTL_CPUACCT },
	[S_CPU_QUOTA] = { "cpu.max", "cpu.cfs_quota_us", CTL_CPU },
	[S_CPU_PERIOD] = { NULL, "cpu.cfs_period_us", CTL_CPU },
	[S_CPU_SHARES] = { "cpu.weight", "cpu.shares", CTL_CPU },
	[S_MEM_USAGE] = { "memory.current", "memory.usage_in_bytes", CTL_MEMORY },
	[S_MEM_STAT] = { "memory.stat", "memory.stat", CTL_MEMORY },
	[S_MEM_LIMIT] = { "memory.max", "memory.limit_in_bytes", CTL_MEMORY },
	[S_MEM_OOM] = { "memory.events", "memory.oom_control", CTL_MEMORY },
	[S_MEM_SWAP] = { "memory.swap.current", "memory.memsw.usage_in_bytes", CTL_MEMORY },
	[S_MEM_FAILCNT] = { NULL, "memory.failcnt", CTL_MEMORY },
	[S_MEM_MAXUSE] = { NULL, "memory.max_usage_in_bytes", CTL_MEMORY },
	[S_IO] = { "io.stat", "blkio.throttle.io_service_bytes_recursive", CTL_BLKIO },
	[S_IO_OPS] = { NULL, "blkio.throttle.io_serviced_recursive", CTL_BLKIO },
	[S_PROCS] = { "cgroup.procs", "cgroup.procs", CTL_CPU },
	/* PSI exists on v2 only: in hybrid mode it comes from the unified mount */
	[S_PSI_CPU] = { "cpu.pressure", NULL, CTL_UNIFIED },
	[S_PSI_MEM] = { "memory.pressure", NULL, CTL_UNIFIED },
	[S_PSI_IO] = { "io.pressure", NULL, CTL_UNIFIED },
};

/* ---- families ------------------------------------------------------------------ */

enum ct_fam {
	F_CPU_USAGE, F_CPU_USER, F_CPU_SYSTEM, F_CFS_PERIODS, F_CFS_THR_PERIODS, F_CFS_THR_SECS,
	F_MEM_USAGE, F_MEM_WSET, F_MEM_RSS, F_MEM_CACHE, F_MEM_SWAP, F_MEM_MAPPED,
	F_MEM_FAILCNT, F_MEM_MAXUSE, F_OOM,
	F_SPEC_QUOTA, F_SPEC_PERIOD, F_SPEC_SHARES, F_SPEC_MEMLIMIT,
	F_FS_READS, F_FS_WRITES, F_FS_READ_OPS, F_FS_WRITE_OPS,
	F_NET_RX_BYTES, F_NET_RX_PACKETS, F_NET_RX_ERRORS, F_NET_RX_DROPPED,
	F_NET_TX_BYTES, F_NET_TX_PACKETS, F_NET_TX_ERRORS, F_NET_TX_DROPPED,
	F_PSI_CPU_WAIT, F_PSI_CPU_STALL, F_PSI_MEM_WAIT, F_PSI_MEM_STALL, F_PSI_IO_WAIT,
	F_PSI_IO_STALL,
	F_N
};

static const struct metric_desc fams[F_N] = {
	[F_CPU_USAGE] = { "container_cpu_usage_seconds_total", "CPU time the cgroup used, in seconds (cpu=\"total\": all CPUs together).", METRIC_COUNTER },
	[F_CPU_USER] = { "container_cpu_user_seconds_total", "CPU time the cgroup spent in user mode, in seconds.", METRIC_COUNTER },
	[F_CPU_SYSTEM] = { "container_cpu_system_seconds_total", "CPU time the cgroup spent in the kernel, in seconds.", METRIC_COUNTER },
	[F_CFS_PERIODS] = { "container_cpu_cfs_periods_total", "CFS enforcement periods that elapsed while the cgroup had runnable tasks.", METRIC_COUNTER },
	[F_CFS_THR_PERIODS] = { "container_cpu_cfs_throttled_periods_total", "CFS periods in which the cgroup ran out of quota.", METRIC_COUNTER },
	[F_CFS_THR_SECS] = { "container_cpu_cfs_throttled_seconds_total", "Time the cgroup's tasks were held back by its CPU quota, in seconds.", METRIC_COUNTER },
	[F_MEM_USAGE] = { "container_memory_usage_bytes", "Memory charged to the cgroup, page cache included, in bytes.", METRIC_GAUGE },
	[F_MEM_WSET] = { "container_memory_working_set_bytes", "Memory charged to the cgroup minus inactive file pages (what the OOM killer looks at), in bytes.", METRIC_GAUGE },
	[F_MEM_RSS] = { "container_memory_rss", "Anonymous memory (and swap cache) of the cgroup, in bytes.", METRIC_GAUGE },
	[F_MEM_CACHE] = { "container_memory_cache", "Page cache charged to the cgroup, in bytes.", METRIC_GAUGE },
	[F_MEM_SWAP] = { "container_memory_swap", "Swap the cgroup uses, in bytes.", METRIC_GAUGE },
	[F_MEM_MAPPED] = { "container_memory_mapped_file", "File pages the cgroup has mapped, in bytes.", METRIC_GAUGE },
	[F_MEM_FAILCNT] = { "container_memory_failcnt", "Times the cgroup hit its memory limit (cgroup v1).", METRIC_COUNTER },
	[F_MEM_MAXUSE] = { "container_memory_max_usage_bytes", "Highest memory usage recorded for the cgroup, in bytes (cgroup v1).", METRIC_GAUGE },
	[F_OOM] = { "container_oom_events_total", "Processes of the cgroup the OOM killer ended.", METRIC_COUNTER },
	[F_SPEC_QUOTA] = { "container_spec_cpu_quota", "CPU time the cgroup may use per period, in microseconds (absent when unlimited).", METRIC_GAUGE },
	[F_SPEC_PERIOD] = { "container_spec_cpu_period", "Length of the CFS quota period, in microseconds.", METRIC_GAUGE },
	[F_SPEC_SHARES] = { "container_spec_cpu_shares", "Relative CPU weight of the cgroup, in cgroup v1 shares.", METRIC_GAUGE },
	[F_SPEC_MEMLIMIT] = { "container_spec_memory_limit_bytes", "Memory limit of the cgroup, in bytes.", METRIC_GAUGE },
	[F_FS_READS] = { "container_fs_reads_bytes_total", "Bytes the cgroup read from a block device.", METRIC_COUNTER },
	[F_FS_WRITES] = { "container_fs_writes_bytes_total", "Bytes the cgroup wrote to a block device.", METRIC_COUNTER },
	[F_FS_READ_OPS] = { "container_fs_reads_total", "Read requests the cgroup completed on a block device.", METRIC_COUNTER },
	[F_FS_WRITE_OPS] = { "container_fs_writes_total", "Write requests the cgroup completed on a block device.", METRIC_COUNTER },
	[F_NET_RX_BYTES] = { "container_network_receive_bytes_total", "Bytes received on the interface of the cgroup's network namespace.", METRIC_COUNTER },
	[F_NET_RX_PACKETS] = { "container_network_receive_packets_total", "Packets received on the interface.", METRIC_COUNTER },
	[F_NET_RX_ERRORS] = { "container_network_receive_errors_total", "Receive errors on the interface.", METRIC_COUNTER },
	[F_NET_RX_DROPPED] = { "container_network_receive_packets_dropped_total", "Received packets the interface dropped.", METRIC_COUNTER },
	[F_NET_TX_BYTES] = { "container_network_transmit_bytes_total", "Bytes sent on the interface of the cgroup's network namespace.", METRIC_COUNTER },
	[F_NET_TX_PACKETS] = { "container_network_transmit_packets_total", "Packets sent on the interface.", METRIC_COUNTER },
	[F_NET_TX_ERRORS] = { "container_network_transmit_errors_total", "Transmit errors on the interface.", METRIC_COUNTER },
	[F_NET_TX_DROPPED] = { "container_network_transmit_packets_dropped_total", "Packets the interface dropped instead of sending.", METRIC_COUNTER },
	[F_PSI_CPU_WAIT] = { "container_pressure_cpu_waiting_seconds_total", "Time some tasks of the cgroup waited for a CPU, in seconds.", METRIC_COUNTER },
	[F_PSI_CPU_STALL] = { "container_pressure_cpu_stalled_seconds_total", "Time all tasks of the cgroup waited for a CPU at once, in seconds.", METRIC_COUNTER },
	[F_PSI_MEM_WAIT] = { "container_pressure_memory_waiting_seconds_total", "Time some tasks of the cgroup waited for memory, in seconds.", METRIC_COUNTER },
	[F_PSI_MEM_STALL] = { "container_pressure_memory_stalled_seconds_total", "Time all tasks of the cgroup waited for memory at once, in seconds.", METRIC_COUNTER },
	[F_PSI_IO_WAIT] = { "container_pressure_io_waiting_seconds_total", "Time some tasks of the cgroup waited for I/O, in seconds.", METRIC_COUNTER },
	[F_PSI_IO_STALL] = { "container_pressure_io_stalled_seconds_total", "Time all tasks of the cgroup waited for I/O at once, in seconds.", METRIC_COUNTER },
};

/* kubelet's /metrics/resource families. */
static const struct metric_desc res_ct_cpu = { "container_cpu_usage_seconds_total", "CPU time the container used, in seconds.", METRIC_COUNTER };
static const struct metric_desc res_ct_mem = { "container_memory_working_set_bytes", "Working set of the container, in bytes.", METRIC_GAUGE };
static const struct metric_desc res_pod_cpu = { "pod_cpu_usage_seconds_total", "CPU time the pod used, in seconds.", METRIC_COUNTER };
static const struct metric_desc res_pod_mem = { "pod_memory_working_set_bytes", "Working set of the pod, in bytes.", METRIC_GAUGE };
static const struct metric_desc res_node_cpu = { "node_cpu_usage_seconds_total", "CPU time the whole node used, in seconds.", METRIC_COUNTER };
static const struct metric_desc res_node_mem = { "node_memory_working_set_bytes", "Working set of the whole node, in bytes.", METRIC_GAUGE };

/* cAdvisor's machine_* families, on /metrics/cadvisor only. */
enum ct_machine { M_CORES, M_PHYS_CORES, M_SOCKETS, M_BOOKS, M_DRAWERS, M_MEMORY, M_SWAP, M_N };
static const struct metric_desc machine_fams[M_N] = {
	[M_CORES] = { "machine_cpu_cores", "Logical CPUs online.", METRIC_GAUGE },
	[M_PHYS_CORES] = { "machine_cpu_physical_cores", "Distinct CPU core IDs in /proc/cpuinfo.", METRIC_GAUGE },
	[M_SOCKETS] = { "machine_cpu_sockets", "Distinct CPU package IDs in /proc/cpuinfo.", METRIC_GAUGE },
	[M_BOOKS] = { "machine_cpu_books", "CPU books (an s390x grouping; 0 elsewhere).", METRIC_GAUGE },
	[M_DRAWERS] = { "machine_cpu_drawers", "CPU drawers (an s390x grouping; 0 elsewhere).", METRIC_GAUGE },
	[M_MEMORY] = { "machine_memory_bytes", "Memory the kernel manages (MemTotal), in bytes.", METRIC_GAUGE },
	[M_SWAP] = { "machine_swap_bytes", "Swap space configured (SwapTotal), in bytes.", METRIC_GAUGE },
};

static const struct flag_def container_flags[] = {
	{ "collector.container.include", FLAG_REGEX, NULL,
	  "Regexp of cgroup paths the container collector reports (default: the root, top-level cgroups, pods, containers and systemd services).", false },
	{ "collector.container.exclude", FLAG_REGEX, NULL,
	  "Regexp of cgroup paths the container collector leaves out.", false },
	{ "collector.container.pod-logs-path", FLAG_STRING, "/var/log",
	  "Folder under --path.rootfs holding kubelet's pods/ and containers/ log folders, where pod and container names are found.", false },
	{ "collector.container.max-held-files", FLAG_INT, "4096",
	  "Most cgroup files kept open between scrapes (each costs about 5 KB of kernel memory, charged to plumb's cgroup); the rest are opened and closed on every scrape. 0 or less holds none.", false },
	{ NULL, 0, NULL, NULL, false },
};

const char *const container_v1_mounts[] = { "cpu,cpuacct", "cpu", "cpuacct", "memory",
					    "blkio", "unified", NULL };

/* ---- state ---------------------------------------------------------------------- */

#define CT_MAX_DEPTH 16          /* cgroup levels walked below the root */
#define CT_READ_MAX (64u << 10)  /* bytes of one cgroup file read */
#define CT_MAX_DEVS 256          /* block devices named */

enum ct_mode { MODE_V2, MODE_V1, MODE_HYBRID };

/* One cgroup the walk has seen. Strings are owned (one malloc'd block each). */
struct ct_entry {
	char *path;           /* "/a/b"; NULL: slot free */
	char *labels;         /* "pod\0namespace\0container\0name\0image\0", or NULL */
	uint32_t pathlen;
	uint32_t hash;
	uint32_t hnext;       /* next index+1 in the bucket chain; 0 ends */
	uint32_t seen;        /* generation the walk last saw it in */
	enum ct_kind kind;
	bool report;          /* passes the selection */
	bool named;           /* pod/namespace/container found (runtime record or logs) */
	bool sandbox;         /* a pod's sandbox (pause) container */
	uint8_t runtime;      /* enum cg_runtime, for finding its record */
	char pod_uid[CT_UID_MAX];
	char id[CT_ID_MAX];
	int fd[S_N];          /* held files; -1 when not held */
	int dfd[CTL_N];       /* held O_PATH directories, by p->dirctl; -1 when not held */
	int netfd;            /* held /proc/<netpid>/net/dev (root, sandboxes); -1 when not held */
	uint64_t netpid;
	int wd;               /* inotify watch on its directory, once the walk listed it; or -1 */
	unsigned long long wino; /* the inode of the directory watched */
};

/* A block device's name by major:minor. */
struct ct_dev {
	unsigned maj, min;
	char name[80];        /* "/dev/sda", or "maj:min" when unknown */
};

/* One level of the walk. */
struct ct_level {
	int fd;
	size_t pathlen;       /* length of p->path at this level */
	struct fdscan scan;
};

/* What one cgroup's files said this scrape; has[] marks present values. */
struct ct_stats {
	double v[F_N];
	bool has[F_N];
};

struct container_priv {
	enum ct_mode mode;
	int ctl[CTL_N];               /* controller roots; -1 when absent */
	bool cgfs[CTL_N];             /* the root is on cgroupfs: files beneath open without
					 an fstat (regfile_open_cgroup) */
	int walk_ctl;                 /* the hierarchy walked */
	struct filter sel;            /* include/exclude */
	bool has_include;
	struct podlogs logs;          /* <rootfs>/<pod-logs-path>/{pods,containers} */
	char sysfs[PATH_MAX];
	struct procfile meminfo;      /* for the v2 root's memory */
	struct ct_entry *ents;
	uint32_t nents, ents_cap;
	uint32_t nfree;               /* slots of ents[0..nents) with no cgroup */
	uint32_t *buckets;            /* index+1; 0 empty */
	uint32_t nbuckets;            /* power of two, or 0 */
	uint32_t gen;
	int dirctl[CTL_N];            /* the hierarchy whose directory serves each
					 controller: cpuacct's is cpu's when they share one */
	uint32_t nheld, held_max;     /* descriptors held in entries, and the budget */
	uint32_t nfiles;              /* of nheld, files (the rest are directories) */
	uint32_t files_max;           /* --collector.container.max-held-files */
	uint32_t dirs_want;           /* directories the reported cgroups would hold */
	uint32_t ndirctl;             /* directories one cgroup holds: hierarchies read */
	bool want_names;              /* some reported entry lacks its names */
	int logs_err;                 /* the log folders' last refresh error (logged once) */
	int rootfd;                   /* --path.rootfs (O_PATH), for runtime records; or -1 */
	int bundle_err;               /* the last error reading a record (logged once) */
	struct ct_dev devs[CT_MAX_DEVS];
	uint32_t ndevs;
	struct bundle_ident bident;   /* one runtime record, being read */
	struct machine_info machine;  /* read once, at init */
	int procfd;                   /* --path.procfs (O_PATH), for /proc/<pid>/net/dev; or -1 */
	dev_t host_net_dev;           /* /proc/1/net/dev's device and inode: the host's */
	ino_t host_net_ino;           /* network namespace (0: unknown) */
	struct buf netbuf;            /* one /proc/<pid>/net/dev */
	struct netdev_pid nd;         /* parsed */
	char path[PATH_MAX];          /* the walk's current path */
	char buf[CT_READ_MAX + 1];    /* one file's contents */
	struct cg_mem_stat ms;        /* parsed memory.stat */
	union {
		struct cg_io_stat v2;
		struct cg_blkio v1;
	} io;                         /* parsed io.stat / blkio file */
	struct ct_level lv[CT_MAX_DEPTH + 1];
	int ino;                      /* inotify on every directory the walk lists; -1: none,
					 the walk lists them all every scrape */
	bool watched;                 /* the last walk completed with every listed directory
					 watched: until an event, the tree is as it saw it */
	char inobuf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
};

/* ---- parsers ------------------------------------------------------------------------ */

int ct_identify(const char *path, size_t len, struct ct_ident *out)
{
	struct cg_ident ci;
	size_t depth = 0;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < len; i++) {
		if (path[i] != '/' && (i == 0 || path[i - 1] == '/'))
			depth++;
	}
	if (depth == 0) {
		out->kind = CT_ROOT;
		return 0;
	}
	if (cg_ident_parse((struct span){ path, len }, &ci) < 0)
		ci.kind = CG_KIND_OTHER;
	switch (ci.kind) {
	case CG_KIND_POD:
		out->kind = CT_POD;
		snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", ci.pod_uid);
		break;
	case CG_KIND_CONTAINER:
	case CG_KIND_RUNTIME:
		out->kind = CT_CONTAINER;
		snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", ci.pod_uid);
		snprintf(out->id, sizeof(out->id), "%s", ci.id);
		snprintf(out->name, sizeof(out->name), "%s", ci.id);
		out->runtime = ci.runtime;
		break;
	case CG_KIND_SERVICE:
		out->kind = CT_SERVICE;
		snprintf(out->name, sizeof(out->name), "%s", ci.service);
		break;
	default:
		out->kind = depth == 1 ? CT_TOP : CT_OTHER;
		break;
	}
	return 0;
}

/* ---- the entry table ------------------------------------------------------------------ */

static uint32_t hash_path(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Close e's held /proc/<pid>/net/dev, if any. */
static void drop_net(struct container_priv *p, struct ct_entry *e)
{
	if (e->netfd >= 0) {
		close(e->netfd);
		p->nheld--;
		p->nfiles--;
	}
	e->netfd = -1;
}

/* Close e's held files (the directories stay). */
static void entry_close_files(struct container_priv *p, struct ct_entry *e)
{
	for (int i = 0; i < S_N; i++) {
		if (e->fd[i] >= 0) {
			close(e->fd[i]);
			p->nheld--;
			p->nfiles--;
		}
		e->fd[i] = -1;
	}
	drop_net(p, e);
}

/* Close e's held files and directories. */
static void entry_close(struct container_priv *p, struct ct_entry *e)
{
	entry_close_files(p, e);
	for (int i = 0; i < CTL_N; i++) {
		if (e->dfd[i] >= 0) {
			close(e->dfd[i]);
			p->nheld--;
		}
		e->dfd[i] = -1;
	}
}

/* Whether e holds a file or directory of its cgroup. */
static bool entry_holds(const struct ct_entry *e)
{
	for (int k = 0; k < S_N; k++)
		if (e->fd[k] >= 0)
			return true;
	for (int k = 0; k < CTL_N; k++)
		if (e->dfd[k] >= 0)
			return true;
	return false;
}

/* Mark every descriptor slot of the zeroed entry e as not held. */
static void entry_clear_fds(struct ct_entry *e)
{
	for (int k = 0; k < S_N; k++)
		e->fd[k] = -1;
	for (int k = 0; k < CTL_N; k++)
		e->dfd[k] = -1;
	e->netfd = -1;
	e->wd = -1;
}

/* Free entry i: its files, strings and place in the hash chain. */
static void entry_free(struct container_priv *p, uint32_t i)
{
	struct ct_entry *e = &p->ents[i];
	uint32_t *link = &p->buckets[e->hash & (p->nbuckets - 1)];
	while (*link && *link != i + 1)
		link = &p->ents[*link - 1].hnext;
	if (*link)
		*link = e->hnext;
	entry_close(p, e);
	if (e->wd >= 0 && p->ino >= 0)
		inotify_rm_watch(p->ino, e->wd); /* fails when the kernel let it go already */
	free(e->path);
	free(e->labels);
	memset(e, 0, sizeof(*e));
	entry_clear_fds(e);
	p->nfree++;
}

/* Rebuild the buckets at twice the size. Returns 0 or -ENOMEM. */
static int rehash(struct container_priv *p)
{
	uint32_t nb = p->nbuckets ? p->nbuckets * 2 : 256;
	uint32_t *b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nents; i++) {
		struct ct_entry *e = &p->ents[i];
		if (!e->path)
			continue;
		e->hnext = b[e->hash & (nb - 1)];
		b[e->hash & (nb - 1)] = i + 1;
	}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = nb;
	return 0;
}

/* Whether path passes the selection for kind. */
static bool selected(const struct container_priv *p, const char *path, size_t len,
		     enum ct_kind kind)
{
	if (p->sel.exclude && regex_match(p->sel.exclude, path, len))
		return false;
	if (p->has_include)
		return regex_match(p->sel.include, path, len);
	return kind != CT_OTHER;
}

/* The entry for path[0..len), made if new. *out gets its index. Returns 0 or -ENOMEM. */
static int entry_get(struct container_priv *p, const char *path, size_t len, uint32_t *out)
{
	uint32_t h = hash_path(path, len);
	for (uint32_t i = p->nbuckets ? p->buckets[h & (p->nbuckets - 1)] : 0; i;
	     i = p->ents[i - 1].hnext) {
		struct ct_entry *e = &p->ents[i - 1];
		if (e->hash == h && e->pathlen == len && memcmp(e->path, path, len) == 0) {
			*out = i - 1;
			return 0;
		}
	}
	uint32_t idx = p->nents;
	for (uint32_t i = 0; p->nfree && i < p->nents; i++) {
		if (!p->ents[i].path) {
			idx = i;
			p->nfree--;
			break;
		}
	}
	if (idx == p->nents) {
		int r = grow_array((void **)&p->ents, &p->ents_cap, p->nents + 1, sizeof(*p->ents));
		if (r < 0)
			return r;
		if (p->nents + 1 > p->nbuckets && (r = rehash(p)) < 0)
			return r;
		p->nents++;
	}
	struct ct_entry *e = &p->ents[idx];
	memset(e, 0, sizeof(*e));
	entry_clear_fds(e);
	e->path = malloc(len + 1);
	if (!e->path)
		return -ENOMEM;
	memcpy(e->path, path, len);
	e->path[len] = '\0';
	e->pathlen = (uint32_t)len;
	e->hash = h;
	struct ct_ident id;
	ct_identify(path, len, &id);
	e->kind = id.kind;
	memcpy(e->pod_uid, id.pod_uid, sizeof(e->pod_uid));
	memcpy(e->id, id.id, sizeof(e->id));
	e->runtime = (uint8_t)id.runtime;
	e->report = selected(p, path, len, id.kind);
	if (id.name[0]) {
		size_t nl = strlen(id.name);
		e->labels = malloc(nl + 5);
		if (!e->labels)
			return -ENOMEM;
		memcpy(e->labels, "\0\0\0", 3);
		memcpy(e->labels + 3, id.name, nl + 1);
		e->labels[nl + 4] = '\0'; /* no image */
	}
	e->hnext = p->buckets[h & (p->nbuckets - 1)];
	p->buckets[h & (p->nbuckets - 1)] = idx + 1;
	*out = idx;
	return 0;
}

/* ---- names from kubelet's log folders ------------------------------------------------- */

/* Set e's labels to pod, namespace, container, name and image (name and image may point
 * into e's current labels). Returns 0 or -ENOMEM. */
static int set_labels(struct ct_entry *e, struct span pod, struct span ns, struct span ctr,
		      const char *name, const char *image)
{
	size_t nl = strlen(name), il = strlen(image);
	char *l = malloc(pod.len + ns.len + ctr.len + nl + il + 5);
	if (!l)
		return -ENOMEM;
	char *q = l;
	memcpy(q, pod.p, pod.len), q += pod.len, *q++ = '\0';
	memcpy(q, ns.p, ns.len), q += ns.len, *q++ = '\0';
	memcpy(q, ctr.p, ctr.len), q += ctr.len, *q++ = '\0';
	memcpy(q, name, nl + 1), q += nl + 1;
	memcpy(q, image, il + 1);
	free(e->labels);
	e->labels = l;
	e->named = true;
	return 0;
}

/* Label i of e (0 pod, 1 namespace, 2 container, 3 name, 4 image), or "". */
static const char *entry_label(const struct ct_entry *e, int i)
{
	if (!e->labels)
		return "";
	const char *q = e->labels;
	while (i-- > 0)
		q += strlen(q) + 1;
	return q;
}

/* Give entry e the names kubelet's log folders hold for it: a container in a pod its
 * container, pod and namespace (then it is fully named); a pod its pod and namespace
 * (fully named); a container the containers/ folder does not list (a pod's sandbox)
 * its pod and namespace only, and it is looked up again when the folders change.
 * Returns 0 or -ENOMEM. */
static int name_entry(struct container_priv *p, struct ct_entry *e)
{
	struct podlogs_ctr_info ci;
	struct podlogs_pod_info pi;
	/* only a container inside a pod's cgroup: kubelet logs no other, and one outside
	 * (docker, podman, a user's own scope) must not pass for a pod's by copying an ID */
	if (e->kind == CT_CONTAINER && e->id[0] && e->pod_uid[0] &&
	    podlogs_container(&p->logs, span_cstr(e->id), &ci) == 0) {
		int r = set_labels(e, span_cstr(ci.pod), span_cstr(ci.ns), span_cstr(ci.container),
				   entry_label(e, 3), entry_label(e, 4));
		e->sandbox = false;
		return r;
	}
	if (entry_label(e, 0)[0] || podlogs_pod(&p->logs, span_cstr(e->pod_uid), &pi) < 0)
		return 0;
	int r = set_labels(e, span_cstr(pi.pod), span_cstr(pi.ns), (struct span){ "", 0 },
			   entry_label(e, 3), entry_label(e, 4));
	e->named = e->kind == CT_POD;
	/* in a pod whose logs kubelet keeps, a container with no log is its sandbox */
	e->sandbox = e->kind == CT_CONTAINER;
	return r;
}

/* Give the container e, new to the walk, what its runtime's record says: its image and
 * the runtime's own name for it always; its pod, namespace and container (and whether it
 * is the pod's sandbox) only when e is in a pod's cgroup and the record names that pod's
 * UID; a record naming another pod's UID is ignored whole, so that none can put a
 * container into another pod. Looked up once per
 * container and kept in e until it goes. A record that cannot be read is logged once per
 * new error; the log folders remain the fallback. Returns 0 or -ENOMEM. */
static int name_from_bundle(struct container_priv *p, struct ct_entry *e)
{
	struct bundle_ident *b = &p->bident;
	int r = bundle_lookup(p->rootfd, (enum cg_runtime)e->runtime, e->id, b);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (r != -ENOENT && r != p->bundle_err)
			plog(LOG_WARN, "cannot read a container's record: its image stays unknown",
			     "id", e->id, "err", strerror(-r), PLOG_END);
		if (r != -ENOENT)
			p->bundle_err = r;
		return 0;
	}
	if (e->pod_uid[0] && b->pod_uid[0] && strcmp(b->pod_uid, e->pod_uid) != 0)
		return 0; /* it names another pod than its cgroup's: trust none of it */
	const char *name = b->name[0] ? b->name : entry_label(e, 3);
	/* a record missing a name (or holding one that cannot be a label) names nothing:
	 * the log folders may */
	bool pod = e->pod_uid[0] && b->pod_uid[0] && b->pod[0] && b->ns[0] &&
		   (b->sandbox || b->container[0]);
	if (pod) {
		r = set_labels(e, span_cstr(b->pod), span_cstr(b->ns), span_cstr(b->container), name,
			       b->image);
		e->sandbox = b->sandbox;
		return r;
	}
	struct span none = { "", 0 };
	r = set_labels(e, none, none, none, name, b->image);
	e->named = false; /* the log folders may still name its pod */
	return r;
}

/* Name the reported pods and containers that lack their names, when cgroups appeared
 * or the log folders changed. Names are optional: log folders that cannot be read
 * (denied, a link loop, too many entries) leave the cgroups unnamed, logged once per
 * new error, and are tried again next scrape. Returns 0 or -ENOMEM. */
static int name_from_logs(struct container_priv *p)
{
	int r = podlogs_refresh(&p->logs);
	if (r < 0 && r != p->logs_err)
		plog(LOG_WARN, "cannot read kubelet's log folders: pods and containers stay "
		     "unnamed", "dir", p->logs.pods_dir.path, "err", strerror(-r), PLOG_END);
	p->logs_err = r < 0 ? r : 0;
	if (r < 0 || (r == 0 && !p->want_names))
		return 0;
	r = 0;
	for (uint32_t i = 0; r == 0 && i < p->nents; i++) {
		struct ct_entry *e = &p->ents[i];
		if (e->path && e->report && !e->named && e->pod_uid[0])
			r = name_entry(p, e);
	}
	return r;
}

/* ---- reading one cgroup ------------------------------------------------------------ */

/* The controller and file name of slot s in this mode; NULL when the mode has no such
 * file. */
static const char *slot_file(const struct container_priv *p, int s, int *ctl)
{
	const struct ct_file *f = &ct_files[s];
	if (p->mode == MODE_V2 || s >= S_PSI_CPU) {
		*ctl = CTL_UNIFIED;
		return p->ctl[CTL_UNIFIED] >= 0 ? f->v2 : NULL;
	}
	*ctl = f->v1ctl;
	return p->ctl[f->v1ctl] >= 0 ? f->v1 : NULL;
}

/* How many files the entries may hold: the descriptor budget less the reported
 * cgroups' directories, which come first, and at most --collector.container.max-held-files. */
static uint32_t file_budget(const struct container_priv *p)
{
	uint32_t left = p->held_max > p->dirs_want ? p->held_max - p->dirs_want : 0;
	return left < p->files_max ? left : p->files_max;
}

/* Open name (O_RDONLY, or O_PATH | O_DIRECTORY) in e's cgroup of hierarchy ctl, by the
 * cgroup's path from the hierarchy's root: on cgroupfs without leaving it
 * (regfile_open_cgroup: a folder behind a mount fails with -EXDEV), elsewhere a file to
 * read through regfile_open, so what is not a regular file is refused. Returns the
 * descriptor (the caller owns it) or -errno. */
static int open_by_path(const struct container_priv *p, const struct ct_entry *e, int ctl,
			const char *name, int flags)
{
	char rel[PATH_MAX];
	int n = e->pathlen > 1 ? snprintf(rel, sizeof(rel), "%s/%s", e->path + 1, name)
			       : snprintf(rel, sizeof(rel), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	if (p->cgfs[ctl])
		return regfile_open_cgroup(p->ctl[ctl], rel, flags);
	if (flags == O_RDONLY)
		return regfile_open(p->ctl[ctl], rel, NULL);
	int fd = openat(p->ctl[ctl], rel, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

/* Open file in e's cgroup of controller ctl for reading: relative to the cgroup's
 * directory, which is opened (O_PATH) and held first while the budget allows, else by
 * its whole path. On cgroupfs the directory and the file are opened without leaving
 * it, so the file needs no type check; a directory behind another mount is not held.
 * Returns the descriptor (the caller owns it) or -errno. */
static int open_slot(struct container_priv *p, struct ct_entry *e, int ctl, const char *file)
{
	int d = p->dirctl[ctl];
	if (e->dfd[d] < 0 && p->nheld < p->held_max) {
		int dfd = open_by_path(p, e, d, ".", O_PATH | O_DIRECTORY);
		if (dfd < 0 && dfd != -EXDEV)
			return dfd;
		if (dfd >= 0) {
			e->dfd[d] = dfd;
			p->nheld++;
		}
	}
	if (e->dfd[d] < 0)
		return open_by_path(p, e, d, file, O_RDONLY);
	return p->cgfs[d] ? regfile_open_cgroup(e->dfd[d], file, O_RDONLY)
			  : regfile_open(e->dfd[d], file, NULL);
}

/* Read slot s of entry e into p->buf; *len gets the byte count. Holds the file open
 * while the file budget allows. Returns 0, -ENOENT when the cgroup has no such file,
 * -ENODEV when the cgroup went away, or another -errno. */
static int read_slot(struct container_priv *p, struct ct_entry *e, int s, size_t *len)
{
	int ctl, fd = e->fd[s];
	const char *file = slot_file(p, s, &ctl);
	if (!file)
		return -ENOENT;
	if (fd < 0) {
		if ((fd = open_slot(p, e, ctl, file)) < 0)
			return fd;
		if (p->nheld < p->held_max && p->nfiles < file_budget(p)) {
			e->fd[s] = fd;
			p->nheld++;
			p->nfiles++;
		}
	}
	ssize_t got;
	do {
		got = regfile_pread(fd, p->buf, CT_READ_MAX, 0);
	} while (got < 0 && errno == EINTR);
	int r = got < 0 ? -errno : 0;
	if (e->fd[s] != fd)
		close(fd);
	else if (r < 0) {
		close(fd);
		e->fd[s] = -1;
		p->nheld--;
		p->nfiles--;
	}
	if (r < 0)
		return r;
	p->buf[got] = '\0';
	*len = (size_t)got;
	return 0;
}

/* Whether err means the cgroup is gone. */
static bool vanished(int err)
{
	return err == -ENODEV || err == -ESTALE;
}

/* Store v as value of family f. */
static void put(struct ct_stats *st, int f, double v)
{
	st->v[f] = v;
	st->has[f] = true;
}

/* Read slot s into *t. Returns 0 (t->len 0 when absent or unreadable) or -ENODEV when
 * the cgroup went away. */
static int slot_span(struct container_priv *p, struct ct_entry *e, int s, struct span *t)
{
	size_t n = 0;
	int r = read_slot(p, e, s, &n);
	*t = (struct span){ p->buf, r == 0 ? n : 0 };
	return vanished(r) ? -ENODEV : 0;
}

/* The CPU files of e (the anchor: ENOENT on the first one means the cgroup is gone;
 * without CPU controllers there is none, and a vanished cgroup gives no values).
 * Returns 0 or -ENODEV. */
static int read_cpu(struct container_priv *p, struct ct_entry *e, struct ct_stats *st)
{
	struct cg_cpu_stat cs;
	struct span t;
	uint64_t v;
	size_t n = 0;
	bool v2 = p->mode == MODE_V2;
	if (!v2 && p->ctl[CTL_CPU] < 0 && p->ctl[CTL_CPUACCT] < 0)
		return 0; /* a v1 host without CPU controllers: the memory hierarchy is walked */
	int r = read_slot(p, e, v2 || p->ctl[CTL_CPUACCT] < 0 ? S_CPU_STAT : S_CPU_USAGE, &n);
	if (r == -ENOENT || vanished(r))
		return -ENODEV;
	t = (struct span){ p->buf, r == 0 ? n : 0 };
	if (!v2) {
		if (p->ctl[CTL_CPUACCT] >= 0 && cg_parse_u64(t, &v) == 0)
			put(st, F_CPU_USAGE, (double)v / 1e9);
		struct cg_cpuacct_stat as;
		if ((r = slot_span(p, e, S_CPU_USERSYS, &t)) < 0)
			return r;
		long hz = sysconf(_SC_CLK_TCK);
		double tick = hz > 0 ? 1.0 / (double)hz : 0.01;
		if (t.len && cg_parse_cpuacct_stat(t, &as) == 0) {
			if (as.has_user)
				put(st, F_CPU_USER, (double)as.user_ticks * tick);
			if (as.has_system)
				put(st, F_CPU_SYSTEM, (double)as.system_ticks * tick);
		}
		if ((r = slot_span(p, e, S_CPU_STAT, &t)) < 0)
			return r;
	}
	if (t.len == 0 || (v2 ? cg_parse_cpu_stat_v2(t, &cs) : cg_parse_cpu_stat_v1(t, &cs)) < 0)
		return 0; /* malformed: left out */
	if (cs.has & CG_CPU_USAGE)
		put(st, F_CPU_USAGE, (double)cs.usage_usec / 1e6);
	if (cs.has & CG_CPU_USER)
		put(st, F_CPU_USER, (double)cs.user_usec / 1e6);
	if (cs.has & CG_CPU_SYSTEM)
		put(st, F_CPU_SYSTEM, (double)cs.system_usec / 1e6);
	if (cs.has & CG_CPU_NR_PERIODS)
		put(st, F_CFS_PERIODS, (double)cs.nr_periods);
	if (cs.has & CG_CPU_NR_THROTTLED)
		put(st, F_CFS_THR_PERIODS, (double)cs.nr_throttled);
	if (cs.has & CG_CPU_THROTTLED)
		put(st, F_CFS_THR_SECS, v2 ? (double)cs.throttled_usec / 1e6 : (double)cs.throttled_ns / 1e9);
	return 0;
}

/* The CPU limits of e, with cAdvisor's rules: a quota only when one is set, a period
 * when non-zero, v2's cpu.weight mapped back to shares. Returns 0 or -ENODEV. */
static int read_cpu_spec(struct container_priv *p, struct ct_entry *e, struct ct_stats *st)
{
	struct span t;
	uint64_t v;
	int64_t q;
	int r;
	if ((r = slot_span(p, e, S_CPU_QUOTA, &t)) < 0)
		return r;
	if (p->mode == MODE_V2) {
		struct cg_cpu_max cm;
		if (t.len && cg_parse_cpu_max(t, &cm) == 0) {
			if (cm.quota_usec > 0)
				put(st, F_SPEC_QUOTA, (double)cm.quota_usec);
			if (cm.period_usec > 0)
				put(st, F_SPEC_PERIOD, (double)cm.period_usec);
		}
	} else {
		if (cg_parse_i64(t, &q) == 0 && q > 0)
			put(st, F_SPEC_QUOTA, (double)q);
		if ((r = slot_span(p, e, S_CPU_PERIOD, &t)) < 0)
			return r;
		if (cg_parse_u64(t, &v) == 0 && v > 0)
			put(st, F_SPEC_PERIOD, (double)v);
	}
	if ((r = slot_span(p, e, S_CPU_SHARES, &t)) < 0)
		return r;
	if (cg_parse_u64(t, &v) == 0) {
		if (p->mode == MODE_V2)
			v = cg_weight_to_shares(v);
		if (v)
			put(st, F_SPEC_SHARES, (double)v);
	}
	return 0;
}

/* The root's memory usage and inactive file pages from <procfs>/meminfo (v2 has no
 * memory.current at the root). Returns 0 or -errno. */
static int root_meminfo(struct container_priv *p, uint64_t *usage, uint64_t *inactive)
{
	int r = procfile_read(&p->meminfo);
	if (r < 0)
		return r;
	struct cursor c = cursor_init(p->meminfo.buf, p->meminfo.len);
	struct span line, key, w;
	uint64_t total = 0, freemem = 0, v;
	*inactive = 0;
	while (cursor_line(&c, &line)) {
		if (!span_field(&line, ':', &key) || !span_word(&line, &w) || span_u64(w, &v) < 0)
			continue;
		v *= 1024;
		if (span_eq(key, "MemTotal"))
			total = v;
		else if (span_eq(key, "MemFree"))
			freemem = v;
		else if (span_eq(key, "Inactive(file)"))
			*inactive = v;
	}
	*usage = total > freemem ? total - freemem : 0;
	return 0;
}

/* Value of memory.stat key k: v1's hierarchical total_<k> (what cAdvisor reads), v2's
 * plain k. Returns true when present. */
static bool mem_key(const struct cg_mem_stat *m, bool v1, enum cg_mem_key k, uint64_t *out)
{
	if (v1 ? !cg_mem_has_total(m, k) : !cg_mem_has(m, k))
		return false;
	*out = v1 ? m->total[k] : m->v[k];
	return true;
}

/* A memory size as cAdvisor reports a limit: above 2^62 means none, reported as 0. */
static double limit_value(uint64_t v)
{
	return cg_v1_limit_unlimited(v) ? 0 : (double)v;
}

/* The memory files of e. Returns 0 or -ENODEV. */
static int read_mem(struct container_priv *p, struct ct_entry *e, struct ct_stats *st)
{
	struct span t;
	uint64_t v, usage = 0, inactive = 0;
	bool has_usage = false, has_inactive = false, v1 = p->mode != MODE_V2, unl;
	int r;
	if ((r = slot_span(p, e, S_MEM_USAGE, &t)) < 0)
		return r;
	if (t.len && cg_parse_u64(t, &usage) == 0)
		has_usage = true;
	else if (t.len == 0 && e->kind == CT_ROOT && !v1 && root_meminfo(p, &usage, &inactive) == 0)
		has_usage = has_inactive = true;
	if (has_usage)
		put(st, F_MEM_USAGE, (double)usage);
	if ((r = slot_span(p, e, S_MEM_STAT, &t)) < 0)
		return r;
	struct cg_mem_stat *m = &p->ms;
	if (t.len && cg_parse_memory_stat(t, m) == 0) {
		if (mem_key(m, v1, v1 ? CG_MS_RSS : CG_MS_ANON, &v))
			put(st, F_MEM_RSS, (double)v);
		if (mem_key(m, v1, v1 ? CG_MS_CACHE : CG_MS_FILE, &v))
			put(st, F_MEM_CACHE, (double)v);
		if (mem_key(m, v1, v1 ? CG_MS_MAPPED_FILE : CG_MS_FILE_MAPPED, &v))
			put(st, F_MEM_MAPPED, (double)v);
		if (mem_key(m, v1, CG_MS_INACTIVE_FILE, &v))
			inactive = v, has_inactive = true;
	}
	if (has_usage)
		put(st, F_MEM_WSET, inactive < usage ? (double)(usage - inactive) : 0);
	if ((r = slot_span(p, e, S_MEM_LIMIT, &t)) < 0)
		return r;
	if (t.len && cg_parse_limit(t, &v, &unl) == 0)
		put(st, F_SPEC_MEMLIMIT, unl ? 0 : limit_value(v));
	if ((r = slot_span(p, e, S_MEM_OOM, &t)) < 0)
		return r;
	if (t.len && !v1) {
		struct cg_mem_events ev;
		if (cg_parse_memory_events(t, &ev) == 0 && (ev.has & CG_ME_OOM_KILL))
			put(st, F_OOM, (double)ev.oom_kill);
	} else if (t.len) {
		/* memory.oom_control: "oom_kill_disable 0\nunder_oom 0\noom_kill N" */
		struct cursor c = cursor_init(t.p, t.len);
		struct span line, w;
		while (cursor_line(&c, &line)) {
			if (span_word(&line, &w) && span_eq(w, "oom_kill") && span_word(&line, &w) &&
			    span_u64(w, &v) == 0)
				put(st, F_OOM, (double)v);
		}
	}
	if ((r = slot_span(p, e, S_MEM_SWAP, &t)) < 0)
		return r;
	/* v1's memsw counts memory and swap together */
	if (t.len && cg_parse_u64(t, &v) == 0)
		put(st, F_MEM_SWAP, v1 ? (v > usage ? (double)(v - usage) : 0) : (double)v);
	if (!v1)
		return 0;
	if ((r = slot_span(p, e, S_MEM_FAILCNT, &t)) < 0)
		return r;
	if (t.len && cg_parse_u64(t, &v) == 0)
		put(st, F_MEM_FAILCNT, (double)v);
	if ((r = slot_span(p, e, S_MEM_MAXUSE, &t)) < 0)
		return r;
	if (t.len && cg_parse_u64(t, &v) == 0)
		put(st, F_MEM_MAXUSE, (double)v);
	return 0;
}

/* The PSI files of e: "some" is waiting, "full" is stalled. Returns 0 or -ENODEV. */
static int read_psi(struct container_priv *p, struct ct_entry *e, struct ct_stats *st)
{
	static const int slot[3] = { S_PSI_CPU, S_PSI_MEM, S_PSI_IO };
	static const int wait[3] = { F_PSI_CPU_WAIT, F_PSI_MEM_WAIT, F_PSI_IO_WAIT };
	struct span t;
	struct cg_pressure ps;
	for (int i = 0; i < 3; i++) {
		int r = slot_span(p, e, slot[i], &t);
		if (r < 0)
			return r;
		if (t.len == 0 || cg_parse_pressure(t, &ps) < 0)
			continue;
		if (ps.has_some)
			put(st, wait[i], (double)ps.some.total_usec / 1e6);
		if (ps.has_full)
			put(st, wait[i] + 1, (double)ps.full.total_usec / 1e6);
	}
	return 0;
}

/* The name of block device maj:min: "/dev/" and DEVNAME from <sysfs>/dev/block/M:m/uevent,
 * or "M:m" when that is not there. Names are cached (CT_MAX_DEVS of them). */
static const char *dev_name(struct container_priv *p, unsigned maj, unsigned min, char *tmp,
			    size_t cap)
{
	for (uint32_t i = 0; i < p->ndevs; i++) {
		if (p->devs[i].maj == maj && p->devs[i].min == min)
			return p->devs[i].name;
	}
	char rel[64], text[1024];
	size_t n;
	snprintf(tmp, cap, "%u:%u", maj, min);
	snprintf(rel, sizeof(rel), "dev/block/%u:%u/uevent", maj, min);
	if (read_file_at(p->sysfs, rel, text, sizeof(text), &n) == 0) {
		struct cursor c = cursor_init(text, n);
		struct span line;
		while (cursor_line(&c, &line)) {
			if (span_starts(line, "DEVNAME=") && line.len > 8 && line.len - 8 < cap - 6) {
				snprintf(tmp, cap, "/dev/%.*s", (int)(line.len - 8), line.p + 8);
				break;
			}
		}
	}
	if (p->ndevs < CT_MAX_DEVS) {
		struct ct_dev *d = &p->devs[p->ndevs++];
		d->maj = maj, d->min = min;
		snprintf(d->name, sizeof(d->name), "%s", tmp);
		return d->name;
	}
	return tmp;
}

/* Emit one device's read and write figures as families rf and rf + 1 (bytes, or
 * requests), with label set ls and the device label. Returns 0 or a sink error. */
static int emit_dev(struct container_priv *p, int rf, uint32_t ls, unsigned maj, unsigned min,
		    bool hr, uint64_t rd, bool hw, uint64_t wr, struct metric_sink *out)
{
	char tmp[80];
	int r = 0;
	struct label dev = L("device", dev_name(p, maj, min, tmp, sizeof(tmp)));
	if (hr)
		r = sink_add_ls(out, &fams[rf], (double)rd, ls, &dev, 1);
	if (r == 0 && hw)
		r = sink_add_ls(out, &fams[rf + 1], (double)wr, ls, &dev, 1);
	return r;
}

/* Emit v1 blkio file slot s of e as families rf, rf + 1, one series per device.
 * *ndev gets the number of devices the file lists, or -1 when it was not read or did
 * not parse. Returns 0, -ENODEV when the cgroup went away, or a sink error. */
static int emit_blkio(struct container_priv *p, struct ct_entry *e, int s, int rf, uint32_t ls,
		      int *ndev, struct metric_sink *out)
{
	struct span t;
	struct cg_blkio *bio = &p->io.v1;
	int r = slot_span(p, e, s, &t);
	*ndev = -1;
	if (r < 0 || t.len == 0 || cg_parse_blkio(t, bio) < 0)
		return r;
	*ndev = (int)bio->n;
	for (uint32_t i = 0; r == 0 && i < bio->n; i++) {
		const struct cg_blkio_dev *d = &bio->dev[i];
		r = emit_dev(p, rf, ls, d->major, d->minor, d->has & CG_BLK_READ, d->read,
			     d->has & CG_BLK_WRITE, d->write, out);
	}
	return r;
}

/* Emit the I/O bytes and requests of e, one series per device, with label set ls (and
 * the device). Returns 0, -ENODEV when the cgroup went away, or a sink error. */
static int emit_io(struct container_priv *p, struct ct_entry *e, uint32_t ls,
		   struct metric_sink *out)
{
	if (p->mode != MODE_V2) {
		/* The kernel prints both v1 files from one list, the cgroup's device groups
		 * of the throttling policy: when the bytes file names no device, neither
		 * does the requests file, which is then not read (a cgroup that never did
		 * block I/O, or every cgroup while no throttling limit is set on kernels
		 * that start the policy's accounting at the first limit). */
		int ndev;
		int r = emit_blkio(p, e, S_IO, F_FS_READS, ls, &ndev, out);
		return r == 0 && ndev != 0 ? emit_blkio(p, e, S_IO_OPS, F_FS_READ_OPS, ls, &ndev, out)
					   : r;
	}
	struct span t;
	struct cg_io_stat *io = &p->io.v2;
	int r = slot_span(p, e, S_IO, &t);
	if (r < 0 || t.len == 0 || cg_parse_io_stat(t, io) < 0)
		return r;
	for (uint32_t i = 0; r == 0 && i < io->n; i++) {
		const struct cg_io_dev *d = &io->dev[i];
		r = emit_dev(p, F_FS_READS, ls, d->major, d->minor, d->has & CG_IO_RBYTES, d->rbytes,
			     d->has & CG_IO_WBYTES, d->wbytes, out);
		if (r == 0)
			r = emit_dev(p, F_FS_READ_OPS, ls, d->major, d->minor, d->has & CG_IO_RIOS,
				     d->rios, d->has & CG_IO_WIOS, d->wios, out);
	}
	return r;
}

/* Read all of the open file fd, from its start, into p->netbuf (proc files come a piece
 * at a time). Returns 0 or -errno (-E2BIG past the buffer's bound). */
static int read_all(struct container_priv *p, int fd)
{
	buf_reset(&p->netbuf);
	for (;;) {
		int r = buf_reserve(&p->netbuf, 4096);
		if (r < 0)
			return r;
		size_t room = p->netbuf.cap - p->netbuf.len - 1;
		ssize_t got = pread(fd, p->netbuf.p + p->netbuf.len, room, (off_t)p->netbuf.len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 0;
		p->netbuf.len += (size_t)got;
	}
}

/* Open /proc/<pid>/net/dev for e: e's held one when it is held for the same process,
 * else a new one, which is held (for the root and pods' sandboxes, whose process keeps
 * its namespace for the cgroup's life) while the file budget allows. *st is filled
 * only for a new one that is not held (the caller's host-namespace check; held ones
 * are never checked). Returns the descriptor, which the caller closes unless it is
 * e->netfd, or -errno. */
static int open_net(struct container_priv *p, struct ct_entry *e, uint64_t pid, struct stat *st)
{
	char rel[48];
	bool holdable = e->kind == CT_ROOT || e->sandbox;
	if (e->netfd >= 0 && e->netpid == pid)
		return e->netfd;
	drop_net(p, e); /* another process now: its namespace may be another one */
	snprintf(rel, sizeof(rel), "%llu/net/dev", (unsigned long long)pid);
	/* procfs holds no FIFO or device: regfile_open's check after the open suffices,
	 * without bundle_open's look before it */
	int fd = regfile_open(p->procfd, rel, st);
	if (fd >= 0 && holdable && p->nheld < p->held_max && p->nfiles < file_budget(p)) {
		e->netfd = fd;
		e->netpid = pid;
		p->nheld++;
		p->nfiles++;
	}
	return fd;
}

/* The network figures of e, as cAdvisor reports them: the root's from pid 1; a pod's
 * sandbox container's (host network or not) from its first process; no other
 * container's of a pod (they share the sandbox's namespace) and no pod cgroup's; and
 * for a cgroup outside pods, its first process's when that is in a namespace of its
 * own, not the host's (a service in the host's would repeat the node's traffic). A
 * cgroup with no process has none. Emitted with label set ls and interface. Returns 0,
 * -ENODEV when the cgroup went away, or a sink error. */
static int emit_net(struct container_priv *p, struct ct_entry *e, uint32_t ls,
		    struct metric_sink *out)
{
	uint64_t pid = 1;
	bool own_only = false;
	struct stat st = { 0 }; /* filled only for a file not held, the only kind own_only meets */
	int r = 0, fd;
	if (p->procfd < 0 || e->kind == CT_POD || (e->pod_uid[0] && !e->sandbox))
		return 0;
	if (e->kind != CT_ROOT) {
		struct span t;
		if ((r = slot_span(p, e, S_PROCS, &t)) < 0 || t.len == 0 ||
		    cgroup_first_pid(t, &pid) < 0) {
			drop_net(p, e); /* no process: let its namespace go */
			return r;
		}
		own_only = !e->pod_uid[0];
	}
	if ((fd = open_net(p, e, pid, &st)) < 0)
		return 0; /* the process ended: none this time */
	if (own_only && st.st_ino == p->host_net_ino && st.st_dev == p->host_net_dev)
		goto out;
	if (read_all(p, fd) < 0 ||
	    netdev_pid_parse((struct span){ p->netbuf.p, p->netbuf.len }, &p->nd) < 0) {
		if (fd == e->netfd) { /* a held file that failed: opened afresh next time */
			drop_net(p, e);
			fd = -1;
		}
		goto out;
	}
	for (uint32_t i = 0; r == 0 && i < p->nd.n; i++) {
		struct label ifl = L("interface", p->nd.ifs[i].name);
		for (int k = 0; r == 0 && k < ND_N; k++)
			r = sink_add_ls(out, &fams[F_NET_RX_BYTES + k], (double)p->nd.ifs[i].v[k], ls,
					&ifl, 1);
	}
out:
	if (fd >= 0 && fd != e->netfd)
		close(fd);
	return r;
}

/* ---- emission ------------------------------------------------------------------------ */

/* Read e's CPU, memory and pressure files into *st. Returns 0 or -ENODEV when the
 * cgroup went away. */
static int read_stats(struct container_priv *p, struct ct_entry *e, struct ct_stats *st)
{
	memset(st->has, 0, sizeof(st->has));
	int r = read_cpu(p, e, st);
	if (r == 0)
		r = read_cpu_spec(p, e, st);
	if (r == 0)
		r = read_mem(p, e, st);
	if (r == 0)
		r = read_psi(p, e, st);
	return r;
}

/* Read and emit everything for e. Returns 0 (also when e vanished) or a sink error. */
static int collect_entry(struct container_priv *p, struct ct_entry *e, struct metric_sink *out)
{
	struct ct_stats st;
	if (p->nfiles > file_budget(p))
		entry_close_files(p, e); /* more cgroups than before: make room for directories */
	bool held = entry_holds(e);
	int r = read_stats(p, e, &st);
	if (r < 0)
		entry_close(p, e);
	if (r < 0 && held)
		/* what it held was the cgroup's that went away, which may be back at the same
		 * path since: a new cgroup, read by its path */
		r = read_stats(p, e, &st);
	if (r < 0) {
		entry_close(p, e);
		return 0; /* gone mid-scrape */
	}
	const char *pod = entry_label(e, 0), *ns = entry_label(e, 1), *ctr = entry_label(e, 2);
	uint32_t ls = 0;
	/* one label set for all of the cgroup's series: the sink keeps one copy of it */
	r = sink_labelset(out, LABELS(L("container", ctr), L("id", e->path), L("image", entry_label(e, 4)),
				      L("name", entry_label(e, 3)), L("namespace", ns),
				      L("pod", pod)), &ls);
	for (int f = 0; r == 0 && f < F_N; f++) {
		if (!st.has[f])
			continue;
		/* st.v[f] is set wherever st.has[f] is (the analyzer loses that link) */
		if (f == F_CPU_USAGE)
			/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): see above */
			r = sink_add_ls(out, &fams[f], st.v[f], ls, LABELS(L("cpu", "total")));
		else
			/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): see above */
			r = sink_add_ls(out, &fams[f], st.v[f], ls, NULL, 0);
	}
	if (r == 0) {
		r = emit_io(p, e, ls, out);
		if (r == 0)
			r = emit_net(p, e, ls, out);
		if (r == -ENODEV)
			r = 0;
	}
	/* kubelet's resource set */
	bool cpu = st.has[F_CPU_USAGE], mem = st.has[F_MEM_WSET];
	if (r == 0 && e->kind == CT_ROOT) {
		if (cpu)
			r = sink_add_view(out, VIEW_RESOURCE, &res_node_cpu, st.v[F_CPU_USAGE], NULL, 0);
		if (r == 0 && mem)
			r = sink_add_view(out, VIEW_RESOURCE, &res_node_mem, st.v[F_MEM_WSET], NULL, 0);
	} else if (r == 0 && e->kind == CT_POD && pod[0] && (cpu || mem)) {
		r = sink_labelset(out, LABELS(L("namespace", ns), L("pod", pod)), &ls);
		if (r == 0 && cpu)
			r = sink_add_ls_view(out, VIEW_RESOURCE, &res_pod_cpu, st.v[F_CPU_USAGE], ls,
					     NULL, 0);
		if (r == 0 && mem)
			r = sink_add_ls_view(out, VIEW_RESOURCE, &res_pod_mem, st.v[F_MEM_WSET], ls,
					     NULL, 0);
	} else if (r == 0 && e->kind == CT_CONTAINER && ctr[0] && pod[0] && (cpu || mem)) {
		r = sink_labelset(out, LABELS(L("container", ctr), L("namespace", ns), L("pod", pod)),
				  &ls);
		if (r == 0 && cpu)
			r = sink_add_ls_view(out, VIEW_RESOURCE, &res_ct_cpu, st.v[F_CPU_USAGE], ls,
					     NULL, 0);
		if (r == 0 && mem)
			r = sink_add_ls_view(out, VIEW_RESOURCE, &res_ct_mem, st.v[F_MEM_WSET], ls,
					     NULL, 0);
	}
	return r;
}

/* ---- the walk ------------------------------------------------------------------------ */

/* Note the cgroup at p->path[0..len) as seen, and remember it for reading; *idx gets
 * its entry. *leaf is set when the walk need not go below it: a container, unless an
 * include pattern chooses cgroups (nested cgroups in a container are not reported by
 * default). Returns 0 or -ENOMEM. */
static int visit(struct container_priv *p, size_t len, uint32_t *idx, bool *leaf)
{
	uint32_t i;
	int r = entry_get(p, p->path, len, &i);
	if (r < 0)
		return r;
	*idx = i;
	struct ct_entry *e = &p->ents[i];
	if (e->seen == 0 && e->report && e->kind == CT_CONTAINER && e->id[0] && p->rootfd >= 0 &&
	    (r = name_from_bundle(p, e)) < 0)
		return r;
	if (e->seen == 0 && e->report && !e->named &&
	    (e->kind == CT_CONTAINER || e->kind == CT_POD) && e->pod_uid[0])
		p->want_names = true;
	e->seen = p->gen;
	*leaf = e->kind == CT_CONTAINER && !p->has_include;
	return 0;
}

/* Stop watching: the walk lists every directory each scrape from now on. */
static void watch_stop(struct container_priv *p)
{
	if (p->ino >= 0)
		close(p->ino);
	p->ino = -1;
	p->watched = false;
	for (uint32_t i = 0; i < p->nents; i++)
		p->ents[i].wd = -1;
}

/* Watch anew: a new inotify descriptor (the old one's watches go with it), and no
 * entry watched. */
static void watch_reset(struct container_priv *p)
{
	watch_stop(p);
	p->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

/* Watch the directory open as fd, entry i's, inode ino (as its parent listed it), for
 * cgroups made, removed or moved in it (its own removal or move shows in its parent,
 * also watched; the root is a mount's). Called before the walk lists it, so that a
 * cgroup made after the listing shows as an event. A watch is kept while the entry's
 * path names the same inode: a folder removed is not always let go by the kernel (while
 * a descriptor holds it, or ever on cgroupfs), so its watch is dropped here when another
 * folder takes its path. A directory that cannot be watched (the user's inotify limits)
 * ends watching, logged once. */
static void watch_dir(struct container_priv *p, uint32_t i, int fd, unsigned long long ino)
{
	char path[32];
	struct ct_entry *e = &p->ents[i];
	if (p->ino < 0 || (e->wd >= 0 && e->wino == ino))
		return;
	/* the descriptor's own directory, whatever became of its path since */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int wd = inotify_add_watch(p->ino, path,
				   IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR);
	if (wd < 0) {
		plog(LOG_INFO, "cannot watch the cgroup tree: listing it every scrape", "err",
		     strerror(errno), PLOG_END);
		watch_stop(p);
		return;
	}
	if (e->wd >= 0 && e->wd != wd)
		inotify_rm_watch(p->ino, e->wd);
	e->wd = wd;
	e->wino = ino;
}

/* Whether the tree may differ from what the last walk saw, after reading every event
 * the watches queued since: a directory made, removed or moved where the walk listed,
 * the tree unmounted, or events lost. Events about files do not count (the walk lists
 * directories only), nor a watch's end (its folder's removal showed in its parent, or
 * plumb removed it). */
static bool tree_changed(struct container_priv *p)
{
	bool changed = !p->watched;
	while (p->ino >= 0) {
		ssize_t n = read(p->ino, p->inobuf, sizeof(p->inobuf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN)
				watch_stop(p);
			break;
		}
		for (size_t off = 0; off + sizeof(struct inotify_event) <= (size_t)n;) {
			const struct inotify_event *ev = (const void *)(p->inobuf + off);
			off += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				watch_reset(p); /* events lost: watch all of it again */
				return true;
			}
			if (ev->mask & IN_IGNORED) {
				for (uint32_t i = 0; i < p->nents; i++)
					if (p->ents[i].wd == ev->wd)
						p->ents[i].wd = -1;
			} else if (ev->mask & IN_ISDIR || !(ev->mask & (IN_CREATE | IN_DELETE |
								      IN_MOVED_FROM | IN_MOVED_TO))) {
				changed = true;
			}
		}
	}
	return changed || p->ino < 0;
}

/* Walk the hierarchy below the walked controller's root, visiting every cgroup and
 * watching every directory it lists. Returns 0 or -errno (a cgroup that vanished while
 * listed is skipped). */
static int walk(struct container_priv *p)
{
	int d = 0, r;
	bool leaf;
	uint32_t i;
	p->path[0] = '/';
	p->path[1] = '\0';
	p->watched = p->ino >= 0;
	if ((r = visit(p, 1, &i, &leaf)) < 0)
		return r;
	int fd = openat(p->ctl[p->walk_ctl], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	watch_dir(p, i, fd, 0); /* the root: a mount's, never replaced */
	p->lv[0].fd = fd;
	p->lv[0].pathlen = 0;
	r = fdscan_start(&p->lv[0].scan, fd);
	if (p->cgfs[p->walk_ctl])
		fdscan_fill_ends(&p->lv[0].scan);
	while (r == 0 && d >= 0) {
		struct ct_level *l = &p->lv[d];
		const char *name;
		unsigned char type;
		int n = fdscan_next(&l->scan, &name, &type);
		if (n <= 0) {
			close(l->fd);
			l->fd = -1;
			d--;
			r = n < 0 && n != -ENOENT && n != -ENODEV ? n : 0;
			continue;
		}
		if (type != DT_DIR && type != DT_UNKNOWN)
			continue;
		size_t nl = strlen(name), len = l->pathlen + 1 + nl;
		if (len + 1 >= sizeof(p->path))
			continue;
		p->path[l->pathlen] = '/';
		memcpy(p->path + l->pathlen + 1, name, nl + 1);
		if (d == CT_MAX_DEPTH)
			continue;
		/* a listed directory is a cgroup: note it before opening it (a DT_UNKNOWN
		 * entry only once it opened as a directory) */
		leaf = false;
		if (type == DT_DIR && ((r = visit(p, len, &i, &leaf)) < 0 || leaf)) {
			if (r < 0)
				break;
			continue;
		}
		int cfd = openat(l->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0) {
			if (errno == ENOTDIR || errno == ENOENT || errno == ENODEV)
				continue;
			r = -errno;
			break;
		}
		if (type != DT_DIR && ((r = visit(p, len, &i, &leaf)) < 0 || leaf)) {
			close(cfd);
			if (r < 0)
				break;
			continue;
		}
		watch_dir(p, i, cfd, l->scan.ino);
		struct ct_level *c = &p->lv[++d];
		c->fd = cfd;
		c->pathlen = len;
		r = fdscan_start(&c->scan, cfd);
		if (p->cgfs[p->walk_ctl])
			fdscan_fill_ends(&c->scan);
	}
	for (; d >= 0; d--) {
		if (p->lv[d].fd >= 0)
			close(p->lv[d].fd);
		p->lv[d].fd = -1;
	}
	if (r < 0)
		p->watched = false;
	return r;
}

/* Emit cAdvisor's machine_* families into the cadvisor view: what init read, and
 * memory from meminfo now. Returns 0 or a sink error. */
static int emit_machine(struct container_priv *p, struct metric_sink *out)
{
	const struct machine_info *m = &p->machine;
	double v[M_N] = { [M_CORES] = m->cores, [M_PHYS_CORES] = m->physical_cores,
			  [M_SOCKETS] = m->sockets };
	bool has[M_N] = { [M_CORES] = true, [M_PHYS_CORES] = true, [M_SOCKETS] = true,
			  [M_BOOKS] = true, [M_DRAWERS] = true };
	uint64_t mem, swap;
	uint32_t ls;
	if (procfile_read(&p->meminfo) == 0 &&
	    machine_parse_meminfo(procfile_span(&p->meminfo), &mem, &swap) == 0) {
		v[M_MEMORY] = (double)mem, v[M_SWAP] = (double)swap;
		has[M_MEMORY] = has[M_SWAP] = true;
	}
	int r = sink_labelset(out, LABELS(L("boot_id", m->boot_id), L("machine_id", m->machine_id),
				      L("system_uuid", m->system_uuid)), &ls);
	for (int f = 0; r == 0 && f < M_N; f++) {
		if (has[f])
			r = sink_add_ls_view(out, VIEW_CADVISOR, &machine_fams[f], v[f], ls, NULL, 0);
	}
	return r;
}

/* Serve every container_* family the collection made on /metrics/cadvisor too, and add
 * the machine_* ones there. Returns 0 or a sink error. */
static int cadvisor_view(struct container_priv *p, struct metric_sink *out)
{
	int r = 0;
	for (int f = 0; r == 0 && f < F_N; f++) {
		r = sink_share_view(out, &fams[f], VIEW_METRICS, VIEW_CADVISOR);
		if (r == -ENOENT)
			r = 0; /* no series of it this time */
	}
	return r == 0 ? emit_machine(p, out) : r;
}

static int container_collect(struct collector *c, struct metric_sink *out)
{
	struct container_priv *p = c->priv;
	int r = 0;
	p->want_names = false;
	if (tree_changed(p)) {
		p->gen++;
		if (p->gen == 0)
			p->gen = 1;
		if ((r = walk(p)) < 0)
			return r;
	}
	/* let go of cgroups no longer there; count the directories the rest would hold */
	uint32_t reported = 0;
	for (uint32_t i = 0; i < p->nents; i++) {
		if (p->ents[i].path && p->ents[i].seen != p->gen)
			entry_free(p, i);
		else if (p->ents[i].path && p->ents[i].report)
			reported++;
	}
	p->dirs_want = reported * p->ndirctl;
	if ((r = name_from_logs(p)) < 0)
		return r;
	for (uint32_t i = 0; r == 0 && i < p->nents; i++) {
		struct ct_entry *e = &p->ents[i];
		if (e->path && e->report)
			r = collect_entry(p, e, out);
	}
	return r == 0 ? cadvisor_view(p, out) : r;
}

/* ---- set-up ---------------------------------------------------------------------------- */

/* Open root/name as a directory if it is one; -1 otherwise. */
static int open_ctl(int rootfd, const char *name)
{
	int fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -1 : fd;
}

/* Find the hierarchies under <sysfs>/fs/cgroup. Returns 0 or -ENODEV. */
static int detect(struct container_priv *p, const char *sysfs)
{
	char path[PATH_MAX];
	int r = path_join(path, sizeof(path), sysfs, "fs/cgroup");
	if (r < 0)
		return r;
	int root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -ENODEV;
	if (faccessat(root, "cgroup.controllers", F_OK, 0) == 0) {
		p->mode = MODE_V2;
		p->ctl[CTL_UNIFIED] = root;
		p->walk_ctl = CTL_UNIFIED;
		return 0;
	}
	p->ctl[CTL_CPU] = open_ctl(root, "cpu,cpuacct");
	if (p->ctl[CTL_CPU] < 0)
		p->ctl[CTL_CPU] = open_ctl(root, "cpu");
	if (p->ctl[CTL_CPU] >= 0 && faccessat(p->ctl[CTL_CPU], "cpuacct.usage", F_OK, 0) == 0) {
		p->ctl[CTL_CPUACCT] = dup(p->ctl[CTL_CPU]);
		p->dirctl[CTL_CPUACCT] = CTL_CPU; /* one hierarchy: one directory per cgroup */
	} else {
		p->ctl[CTL_CPUACCT] = open_ctl(root, "cpuacct");
	}
	if (p->ctl[CTL_CPUACCT] < 0)
		p->ctl[CTL_CPUACCT] = -1;
	p->ctl[CTL_MEMORY] = open_ctl(root, "memory");
	p->ctl[CTL_BLKIO] = open_ctl(root, "blkio");
	int uni = open_ctl(root, "unified");
	if (uni >= 0 && faccessat(uni, "cgroup.controllers", F_OK, 0) != 0) {
		close(uni);
		uni = -1;
	}
	p->ctl[CTL_UNIFIED] = uni;
	close(root);
	if (p->ctl[CTL_CPU] < 0 && p->ctl[CTL_MEMORY] < 0 && p->ctl[CTL_CPUACCT] < 0)
		return -ENODEV;
	p->mode = uni >= 0 ? MODE_HYBRID : MODE_V1;
	p->walk_ctl = p->ctl[CTL_CPU] >= 0 ? CTL_CPU : p->ctl[CTL_CPUACCT] >= 0 ? CTL_CPUACCT : CTL_MEMORY;
	return 0;
}

/* Set the budgets of held descriptors (the core's grant) and held files (the flag). */
static void fd_budget(struct container_priv *p, const struct collector *c)
{
	int64_t files = 0; /* the flag has a default; unset would hold none */
	cfg_int(c->cfg, "collector.container.max-held-files", &files);
	p->files_max = files < 0 ? 0 : files > UINT32_MAX ? UINT32_MAX : (uint32_t)files;
	p->held_max = c->fd_budget > (1u << 30) ? (1u << 30) : (uint32_t)c->fd_budget;
}

/* The pod-log folder under the rootfs, relative: --collector.container.pod-logs-path. */
static const char *pod_logs_path(const struct plumb_config *cfg)
{
	const char *logs = cfg_str(cfg, "collector.container.pod-logs-path");
	return logs ? logs : "/var/log";
}

/* Declare the cgroup mounts, the pod logs and the descriptors: as many as the limit
 * allows, since every cgroup held open saves a path walk each scrape. The cgroup
 * mounts lie under sysfs, which the roots cover, but each gets a rule of its own:
 * Landlock checks an open by walking from the file up to the nearest rule that grants
 * it, and this collector opens thousands of cgroup files a scrape; a rule at each mount
 * ends the walk there. Missing ones are skipped by the sandbox. Returns 0 or -errno. */
static int container_declare(struct collector *c, struct resources *res)
{
	char cg[PATH_MAX];
	int r = path_join(cg, sizeof(cg), cfg_sysfs(c->cfg), "fs/cgroup");
	if (r == 0)
		r = res_path(res, cg, NULL, RES_READ);
	for (size_t i = 0; r == 0 && container_v1_mounts[i]; i++)
		r = res_path(res, cg, container_v1_mounts[i], RES_READ);
	if (r == 0)
		r = res_path(res, cfg_rootfs(c->cfg), pod_logs_path(c->cfg), RES_READ);
	/* the runtimes' records may be readable by root alone: the broker opens them */
	for (size_t i = 0; r == 0 && bundle_dirs[i]; i++)
		r = res_path(res, cfg_rootfs(c->cfg), bundle_dirs[i], RES_READ | RES_BROKER_OPEN);
	if (r == 0)
		r = collector_claim(c, res, RES_AS_MANY);
	return r;
}

static void container_fini(struct collector *c);

static int container_init(struct collector *c)
{
	struct container_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < CTL_N; i++) {
		p->ctl[i] = -1;
		p->dirctl[i] = i;
	}
	for (int i = 0; i <= CT_MAX_DEPTH; i++)
		p->lv[i].fd = -1;
	p->meminfo.fd = -1;
	p->rootfd = -1;
	p->procfd = -1;
	p->logs.pods_dir.fd = -1;
	p->logs.ctrs_dir.fd = -1;
	/* without inotify (limits, an old kernel), the tree is listed every scrape */
	p->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	c->priv = p;
	const char *sysfs = cfg_sysfs(c->cfg);
	int r = detect(p, sysfs);
	if (r < 0)
		goto out_fail;
	snprintf(p->sysfs, sizeof(p->sysfs), "%s", sysfs);
	for (int i = 0; i < CTL_N; i++) {
		p->ndirctl += p->ctl[i] >= 0 && p->dirctl[i] == i;
		p->cgfs[i] = p->ctl[i] >= 0 && regfile_is_cgroupfs(p->ctl[i]);
	}
	const char *inc = cfg_str(c->cfg, "collector.container.include");
	const char *exc = cfg_str(c->cfg, "collector.container.exclude");
	p->has_include = inc && inc[0];
	if ((r = filter_init(&p->sel, inc, exc)) < 0)
		goto out_fail;
	const char *logs = pod_logs_path(c->cfg);
	char rel[2][PATH_MAX];
	if ((r = path_join(rel[0], sizeof(rel[0]), logs, "pods")) < 0 ||
	    (r = path_join(rel[1], sizeof(rel[1]), logs, "containers")) < 0 ||
	    (r = podlogs_init(&p->logs, cfg_rootfs(c->cfg), rel[0], rel[1])) < 0)
		goto out_fail;
	if ((r = procfile_init(&p->meminfo, cfg_procfs(c->cfg), "meminfo", 0)) < 0)
		goto out_fail;
	procfile_set_whole(&p->meminfo); /* single_open */
	/* runtime records are optional: without the root, names come from the logs alone */
	p->rootfd = open(cfg_rootfs(c->cfg), O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* network figures are optional too: the host's namespace is pid 1's */
	p->procfd = open(cfg_procfs(c->cfg), O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int hfd = p->procfd >= 0 ? bundle_open(p->procfd, "1/net/dev", &st) : -1;
	if (hfd >= 0) {
		p->host_net_dev = st.st_dev;
		p->host_net_ino = st.st_ino;
		close(hfd);
	}
	p->netbuf.max = 4u << 20;
	machine_read(cfg_procfs(c->cfg), sysfs, cfg_rootfs(c->cfg), &p->machine);
	fd_budget(p, c);
	return 0;
out_fail:
	container_fini(c);
	return r;
}

static void container_fini(struct collector *c)
{
	struct container_priv *p = c->priv;
	if (!p)
		return;
	if (p->ino >= 0)
		close(p->ino); /* its watches with it */
	p->ino = -1;
	for (uint32_t i = 0; i < p->nents; i++) {
		if (p->ents[i].path)
			entry_free(p, i);
	}
	free(p->ents);
	free(p->buckets);
	for (int i = 0; i < CTL_N; i++) {
		if (p->ctl[i] >= 0)
			close(p->ctl[i]);
	}
	filter_fini(&p->sel);
	podlogs_fini(&p->logs);
	if (p->rootfd >= 0)
		close(p->rootfd);
	if (p->procfd >= 0)
		close(p->procfd);
	buf_fini(&p->netbuf);
	procfile_fini(&p->meminfo);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_container = {
	.name = "container",
	.default_enabled = true,
	.reads = "/sys/fs/cgroup/ (v1, v2, hybrid), the runtimes' records under <rootfs>/run and <rootfs>/var/lib, <rootfs>/var/log/{pods,containers}/",
	.flags = container_flags,
	.declare = container_declare,
	.init = container_init,
	.collect = container_collect,
	.fini = container_fini,
};
