#!/usr/bin/env python3
"""cgroup-fixture: write a Kubernetes node's cgroup tree, as plumb sees it, under a directory.

    python3 bench/cgroup-fixture.py DIR [--containers N] [--seed S] [--v1 | --layout v2|v1|hybrid]

makes DIR/sys/fs/cgroup/... (the tree of a kubelet using the systemd cgroup driver and
containerd: kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/
cri-containerd-<64 hex>.scope, guaranteed pods straight under kubepods.slice), plus the
files a kubelet leaves behind so that names resolve:

    DIR/var/log/pods/<namespace>_<pod>_<uid>/<container>/0.log
    DIR/var/log/containers/<pod>_<namespace>_<container>-<64 hex>.log -> /var/log/pods/...

(absolute link targets, as kubelet writes them: they point into the host's /var/log, so a
reader must take names from the link's own name). DIR/sys/dev/block/MAJ:MIN and
DIR/sys/block/NAME describe the two disks io.stat / blkio name.

N containers are spread over pods two to a pod (the last pod has one if N is odd); the QoS
classes rotate guaranteed, burstable, burstable, besteffort. A few system.slice services
(kubelet, containerd, ...) sit beside kubepods.slice, as on a real node. Counters and
gauges are plausible and consistent (usage = user + system; a parent's usage is the sum of
its children's; working set = usage - inactive_file), and the same N and seed give the same
tree, byte for byte.

Layouts: v2 (default: one unified hierarchy with cpu.stat, memory.current, memory.stat,
memory.max, memory.events, cpu.max, cpu.weight, io.stat, pids.*, *.pressure); v1 (one
hierarchy per controller: cpu,cpuacct with cpu and cpuacct symlinks to it, memory, blkio,
pids, cpuset, systemd; cpuacct.usage, cpuacct.stat, cpu.cfs_quota_us, memory.usage_in_bytes,
blkio.throttle.io_service_bytes, ...); hybrid (v1 plus the unified hierarchy at
sys/fs/cgroup/unified with only cgroup.* and *.pressure files, as systemd's hybrid mode).

DIR/fixture.json lists what was made: every container with its cgroup path (the id label
cAdvisor gives it), pod, namespace, container name, ids and QoS class, and the other cgroups.
Tests and bench/bench_containers.py read it. Python 3 standard library only.
"""
import argparse
import json
import os
import random
import shutil
import sys

GIB = 1 << 30
MIB = 1 << 20
PAGE = 4096
USER_HZ = 100
V1_UNLIMITED = 9223372036854771712  # memory.limit_in_bytes with no limit (LONG_MAX, page-aligned)
NCPU = 4
# Two disks: a SATA disk and an NVMe one (major:minor, name, sysfs device path).
DISKS = (
    ("8:0", "sda", "devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"),
    ("259:0", "nvme0n1", "devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1"),
)
NAMESPACES = ("default", "kube-system", "monitoring", "payments", "search", "ingress-nginx",
              "cert-manager", "team-a")
APPS = (("web", ("nginx", "istio-proxy")), ("api", ("server", "envoy")),
        ("worker", ("worker", "log-shipper")), ("cache", ("redis", "exporter")),
        ("db", ("postgres", "metrics")), ("search", ("elasticsearch", "init-sidecar")))
IMAGES = {"nginx": "docker.io/library/nginx:1.25.3", "istio-proxy": "docker.io/istio/proxyv2:1.20.1",
          "server": "registry.example.com/api/server:v4.2.0", "envoy": "docker.io/envoyproxy/envoy:v1.28.0",
          "worker": "registry.example.com/batch/worker:2024.01", "log-shipper": "docker.io/fluent/fluent-bit:2.2.0",
          "redis": "docker.io/library/redis:7.2.3", "exporter": "quay.io/oliver006/redis_exporter:v1.55.0",
          "postgres": "docker.io/library/postgres:16.1", "metrics": "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
          "elasticsearch": "docker.elastic.co/elasticsearch/elasticsearch:8.11.3",
          "init-sidecar": "docker.io/library/busybox:1.36"}
QOS_CYCLE = ("guaranteed", "burstable", "burstable", "besteffort")
SYSTEM_SERVICES = ("containerd.service", "kubelet.service", "systemd-journald.service",
                   "sshd.service", "chronyd.service")
ALNUM = "bcdfghjklmnpqrstvwxz2456789"


# --- the model: a tree of cgroups with their resource figures ---------------------------

class Stats:
    """One cgroup's figures. Leaves get random ones; a parent's are its children's sums
    (counters and usage) with its own limits."""

    def __init__(self):
        self.user_us = self.system_us = 0
        self.nr_periods = self.nr_throttled = self.throttled_us = 0
        self.anon = self.file = self.kernel_stack = self.pagetables = self.sock = 0
        self.shmem = self.file_mapped = self.file_dirty = self.slab_r = self.slab_u = 0
        self.active_anon = self.inactive_anon = self.active_file = self.inactive_file = 0
        self.pgfault = self.pgmajfault = 0
        self.max_usage = 0
        self.failcnt = self.oom = self.oom_kill = self.events_max = self.events_high = 0
        self.io = {dev: [0, 0, 0, 0] for dev, _, _ in DISKS}  # rbytes wbytes rios wios
        self.pressure = {r: [0, 0] for r in ("cpu", "memory", "io")}  # some/full total us
        self.pids = 0
        # limits: None = unlimited
        self.quota_us = None
        self.period_us = 100000
        self.shares = 1024
        self.mem_limit = None
        self.pids_max = None

    @property
    def usage_us(self):
        return self.user_us + self.system_us

    @property
    def slab(self):
        return self.slab_r + self.slab_u

    @property
    def kernel(self):
        return self.kernel_stack + self.pagetables + self.slab

    @property
    def mem_usage(self):
        return self.anon + self.file + self.kernel + self.sock

    def add(self, o):
        for k in ("user_us", "system_us", "nr_periods", "nr_throttled", "throttled_us", "anon",
                  "file", "kernel_stack", "pagetables", "sock", "shmem", "file_mapped",
                  "file_dirty", "slab_r", "slab_u", "active_anon", "inactive_anon", "active_file",
                  "inactive_file", "pgfault", "pgmajfault", "failcnt", "oom", "oom_kill",
                  "events_max", "events_high", "pids"):
            setattr(self, k, getattr(self, k) + getattr(o, k))
        self.max_usage = max(self.max_usage + o.max_usage, self.mem_usage)
        for dev in self.io:
            self.io[dev] = [a + b for a, b in zip(self.io[dev], o.io[dev])]
        for r in self.pressure:
            self.pressure[r] = [a + b for a, b in zip(self.pressure[r], o.pressure[r])]


def pages(rng, lo, hi):
    return rng.randint(lo // PAGE, hi // PAGE) * PAGE


def leaf_stats(rng, qos):
    s = Stats()
    s.user_us = rng.randint(10**6, 5 * 10**9)
    s.system_us = s.user_us // rng.randint(3, 12)
    s.anon = pages(rng, 8 * MIB, 900 * MIB)
    s.file = pages(rng, 1 * MIB, 400 * MIB)
    s.shmem = pages(rng, 0, min(s.file, 16 * MIB))
    s.file_mapped = pages(rng, 0, s.file)
    s.file_dirty = pages(rng, 0, min(s.file, 2 * MIB))
    s.kernel_stack = rng.randint(2, 64) * 16384
    s.pagetables = pages(rng, 64 * 1024, 4 * MIB)
    s.sock = pages(rng, 0, 1 * MIB)
    s.slab_r = pages(rng, 64 * 1024, 8 * MIB)
    s.slab_u = pages(rng, 64 * 1024, 4 * MIB)
    s.active_anon = pages(rng, 0, s.anon)
    s.inactive_anon = s.anon - s.active_anon
    s.inactive_file = pages(rng, 0, s.file)
    s.active_file = s.file - s.inactive_file
    s.pgfault = rng.randint(10**4, 10**8)
    s.pgmajfault = rng.randint(0, 2000)
    s.max_usage = s.mem_usage + pages(rng, 0, 64 * MIB)
    for dev in s.io:
        rios, wios = rng.randint(0, 10**5), rng.randint(0, 10**6)
        s.io[dev] = [rios * rng.randint(1, 32) * PAGE, wios * rng.randint(1, 16) * PAGE, rios, wios]
    for r in s.pressure:
        some = rng.randint(0, 10**8)
        s.pressure[r] = [some, some // rng.randint(2, 10)]
    s.pids = rng.randint(1, 40)
    if qos == "guaranteed":
        cpus = rng.choice((1, 2, 4))
        s.quota_us, s.shares = cpus * 100000, cpus * 1024
        s.mem_limit = max(rng.choice((512, 1024, 2048, 4096)) * MIB, s.max_usage + 64 * MIB)
        s.nr_periods = rng.randint(10**4, 10**7)
        s.nr_throttled = rng.randint(0, s.nr_periods // 10)
        s.throttled_us = s.nr_throttled * rng.randint(100, 20000)
    elif qos == "burstable":
        s.shares = rng.choice((102, 256, 512, 1024))
        if rng.random() < 0.5:
            s.quota_us = rng.choice((50000, 100000, 200000))
            s.nr_periods = rng.randint(10**4, 10**7)
            s.nr_throttled = rng.randint(0, s.nr_periods // 10)
            s.throttled_us = s.nr_throttled * rng.randint(100, 20000)
        if rng.random() < 0.7:
            s.mem_limit = max(rng.choice((256, 512, 1024, 2048)) * MIB, s.max_usage + 32 * MIB)
    else:
        s.shares = 2
    if s.mem_limit is not None and rng.random() < 0.05:
        s.failcnt, s.events_max = rng.randint(1, 500), rng.randint(1, 500)
        s.oom = s.oom_kill = rng.randint(0, 3)
    s.pids_max = rng.choice((None, 4096, 32768))
    return s


class Cgroup:
    def __init__(self, path, stats=None):
        self.path = path          # "/kubepods.slice/..." ("/" for the root)
        self.stats = stats or Stats()
        self.children = []

    def child(self, name, stats=None):
        c = Cgroup(self.path.rstrip("/") + "/" + name, stats)
        self.children.append(c)
        return c

    def total(self):
        """Fold the children's figures into this cgroup (depth first)."""
        for c in self.children:
            c.total()
            self.stats.add(c.stats)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def uid(rng):
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[int(h[16], 16) % 4], h[17:20], h[20:])


def build(n, seed):
    """The cgroup tree of a node running n containers, and the manifest of containers."""
    rng = random.Random(seed)
    root = Cgroup("/")
    kube = root.child("kubepods.slice")
    kube.stats.mem_limit = 60 * GIB
    qos_cg = {"burstable": kube.child("kubepods-burstable.slice"),
              "besteffort": kube.child("kubepods-besteffort.slice")}
    qos_cg["besteffort"].stats.shares = 2
    qos_cg["burstable"].stats.shares = 3072
    system = root.child("system.slice")
    for svc in SYSTEM_SERVICES:
        system.child(svc, leaf_stats(rng, "besteffort")).stats.shares = 1024
    root.child("init.scope", leaf_stats(rng, "besteffort")).stats.shares = 1024
    root.child("user.slice")
    containers, pods = [], []
    seen_pods = set()
    i = 0
    while i < n:
        qos = QOS_CYCLE[len(pods) % len(QOS_CYCLE)]
        app, names = APPS[rng.randrange(len(APPS))]
        ns = NAMESPACES[rng.randrange(len(NAMESPACES))]
        while True:
            pod = "%s-%s-%s" % (app, "".join(rng.choice(ALNUM) for _ in range(10)),
                                "".join(rng.choice(ALNUM) for _ in range(5)))
            if (ns, pod) not in seen_pods:
                seen_pods.add((ns, pod))
                break
        puid = uid(rng)
        uscore = puid.replace("-", "_")
        if qos == "guaranteed":
            pod_cg = kube.child("kubepods-pod%s.slice" % uscore)
        else:
            pod_cg = qos_cg[qos].child("kubepods-%s-pod%s.slice" % (qos, uscore))
        pinfo = {"pod": pod, "namespace": ns, "uid": puid, "qos": qos, "id": pod_cg.path,
                 "containers": []}
        pods.append(pinfo)
        for cname in names[:min(2, n - i)]:
            cid = "%064x" % rng.getrandbits(256)
            st = leaf_stats(rng, qos)
            c = pod_cg.child("cri-containerd-%s.scope" % cid, st)
            containers.append({"id": c.path, "pod": pod, "namespace": ns, "container": cname,
                               "pod_uid": puid, "container_id": cid, "qos": qos,
                               "image": IMAGES[cname]})
            pinfo["containers"].append(cname)
            # a pod's limits are the sum of its containers' (kubelet's pod-level cgroup)
            ps = pod_cg.stats
            ps.shares = (ps.shares if len(pinfo["containers"]) > 1 else 0) + st.shares
            if st.quota_us is not None:
                ps.quota_us = (ps.quota_us or 0) + st.quota_us
            if st.mem_limit is not None and qos == "guaranteed":
                ps.mem_limit = (ps.mem_limit or 0) + st.mem_limit
            i += 1
    root.total()
    return root, containers, pods


# --- writing it out --------------------------------------------------------------------

def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def pressure_text(some, full):
    # avg figures: a fixed, plausible fraction; totals in microseconds
    return ("some avg10=%.2f avg60=%.2f avg300=%.2f total=%d\n"
            "full avg10=%.2f avg60=%.2f avg300=%.2f total=%d\n"
            % (some % 300 / 100.0, some % 200 / 100.0, some % 100 / 100.0, some,
               full % 100 / 100.0, full % 70 / 100.0, full % 50 / 100.0, full))


def v2_memory_stat(s):
    usage = s.mem_usage
    fields = [
        ("anon", s.anon), ("file", s.file), ("kernel", s.kernel), ("kernel_stack", s.kernel_stack),
        ("pagetables", s.pagetables), ("sec_pagetables", 0), ("percpu", 2 * PAGE * NCPU),
        ("sock", s.sock), ("vmalloc", 0), ("shmem", s.shmem), ("zswap", 0), ("zswapped", 0),
        ("file_mapped", s.file_mapped), ("file_dirty", s.file_dirty), ("file_writeback", 0),
        ("swapcached", 0), ("anon_thp", 0), ("file_thp", 0), ("shmem_thp", 0),
        ("inactive_anon", s.inactive_anon), ("active_anon", s.active_anon),
        ("inactive_file", s.inactive_file), ("active_file", s.active_file), ("unevictable", 0),
        ("slab_reclaimable", s.slab_r), ("slab_unreclaimable", s.slab_u), ("slab", s.slab),
        ("workingset_refault_anon", 0), ("workingset_refault_file", s.pgmajfault * 3),
        ("workingset_activate_anon", 0), ("workingset_activate_file", s.pgmajfault),
        ("workingset_restore_anon", 0), ("workingset_restore_file", s.pgmajfault // 2),
        ("workingset_nodereclaim", 0), ("pgscan", s.pgmajfault * 40), ("pgsteal", s.pgmajfault * 35),
        ("pgscan_kswapd", s.pgmajfault * 30), ("pgscan_direct", s.pgmajfault * 10),
        ("pgsteal_kswapd", s.pgmajfault * 28), ("pgsteal_direct", s.pgmajfault * 7),
        ("pgfault", s.pgfault), ("pgmajfault", s.pgmajfault),
        ("pgrefill", s.pgmajfault * 5), ("pgactivate", s.pgfault // 50),
        ("pgdeactivate", s.pgfault // 80), ("pglazyfree", 0), ("pglazyfreed", 0),
        ("zswpin", 0), ("zswpout", 0), ("thp_fault_alloc", 0), ("thp_collapse_alloc", 0),
    ]
    assert usage >= s.inactive_file
    return "".join("%s %d\n" % kv for kv in fields)


def write_v2(base, root):
    """One unified hierarchy: base is .../sys/fs/cgroup."""
    for cg in root.walk():
        d = os.path.join(base, cg.path.lstrip("/"))
        os.makedirs(d, exist_ok=True)
        s = cg.stats
        is_root = cg.path == "/"
        write(os.path.join(d, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n")
        write(os.path.join(d, "cgroup.subtree_control"),
              "cpuset cpu io memory hugetlb pids\n" if cg.children else "")
        write(os.path.join(d, "cgroup.procs"), "" if cg.children else
              "".join("%d\n" % (1000 + (hash_path(cg.path) + k) % 4000000) for k in range(min(s.pids, 3))))
        write(os.path.join(d, "cpu.stat"),
              "usage_usec %d\nuser_usec %d\nsystem_usec %d\ncore_sched.force_idle_usec 0\n"
              "nr_periods %d\nnr_throttled %d\nthrottled_usec %d\nnr_bursts 0\nburst_usec 0\n"
              % (s.usage_us, s.user_us, s.system_us, s.nr_periods, s.nr_throttled, s.throttled_us))
        write(os.path.join(d, "memory.stat"), v2_memory_stat(s))
        write(os.path.join(d, "io.stat"), "".join(
            "%s rbytes=%d wbytes=%d rios=%d wios=%d dbytes=0 dios=0\n" % (dev, *s.io[dev])
            for dev, _, _ in DISKS if any(s.io[dev])))
        for r in ("cpu", "memory", "io"):
            write(os.path.join(d, r + ".pressure"), pressure_text(*s.pressure[r]))
        if is_root:
            continue
        write(os.path.join(d, "cgroup.type"), "domain\n")
        write(os.path.join(d, "cgroup.events"), "populated 1\nfrozen 0\n")
        write(os.path.join(d, "cpu.max"), "%s %d\n" % (s.quota_us if s.quota_us else "max", s.period_us))
        write(os.path.join(d, "cpu.weight"), "%d\n" % (1 + ((s.shares - 2) * 9999) // 262142))
        write(os.path.join(d, "cpu.weight.nice"), "0\n")
        write(os.path.join(d, "cpuset.cpus.effective"), "0-%d\n" % (NCPU - 1))
        write(os.path.join(d, "cpuset.mems.effective"), "0\n")
        write(os.path.join(d, "memory.current"), "%d\n" % s.mem_usage)
        write(os.path.join(d, "memory.peak"), "%d\n" % s.max_usage)
        write(os.path.join(d, "memory.max"), "%s\n" % (s.mem_limit if s.mem_limit else "max"))
        write(os.path.join(d, "memory.high"), "max\n")
        write(os.path.join(d, "memory.low"), "0\n")
        write(os.path.join(d, "memory.min"), "0\n")
        write(os.path.join(d, "memory.swap.current"), "0\n")
        write(os.path.join(d, "memory.swap.max"), "max\n")
        write(os.path.join(d, "memory.events"),
              "low 0\nhigh %d\nmax %d\noom %d\noom_kill %d\noom_group_kill 0\n"
              % (s.events_high, s.events_max, s.oom, s.oom_kill))
        write(os.path.join(d, "memory.events.local"),
              "low 0\nhigh %d\nmax %d\noom %d\noom_kill %d\noom_group_kill 0\n"
              % ((s.events_high, s.events_max, s.oom, s.oom_kill) if not cg.children else (0, 0, 0, 0)))
        write(os.path.join(d, "pids.current"), "%d\n" % s.pids)
        write(os.path.join(d, "pids.max"), "%s\n" % (s.pids_max if s.pids_max else "max"))
        write(os.path.join(d, "io.max"), "")
        write(os.path.join(d, "io.weight"), "default 100\n")


def hash_path(p):
    """A stable small number from a path (Python's hash() is salted per process)."""
    h = 0
    for ch in p.encode():
        h = (h * 131 + ch) & 0xFFFFFFFF
    return h


def v1_memory_stat(s, limit):
    cache = s.file
    rss = s.anon
    own = [("cache", cache), ("rss", rss), ("rss_huge", 0), ("shmem", s.shmem),
           ("mapped_file", s.file_mapped), ("dirty", s.file_dirty), ("writeback", 0),
           ("swap", 0), ("pgpgin", s.pgfault // 3), ("pgpgout", s.pgfault // 4),
           ("pgfault", s.pgfault), ("pgmajfault", s.pgmajfault),
           ("inactive_anon", s.inactive_anon), ("active_anon", s.active_anon),
           ("inactive_file", s.inactive_file), ("active_file", s.active_file),
           ("unevictable", 0)]
    lines = ["%s %d\n" % kv for kv in own]
    lines.append("hierarchical_memory_limit %d\n" % limit)
    lines.append("hierarchical_memsw_limit %d\n" % V1_UNLIMITED)
    lines += ["total_%s %d\n" % kv for kv in own]
    return "".join(lines)


def blkio_text(s, bytes_):
    out, total = [], 0
    for dev, _, _ in DISKS:
        r, w = (s.io[dev][0], s.io[dev][1]) if bytes_ else (s.io[dev][2], s.io[dev][3])
        if not (r or w):
            continue
        sync, asyn = w // 3 + r, w - w // 3
        out += ["%s Read %d\n" % (dev, r), "%s Write %d\n" % (dev, w),
                "%s Sync %d\n" % (dev, sync), "%s Async %d\n" % (dev, asyn),
                "%s Discard 0\n" % dev, "%s Total %d\n" % (dev, r + w)]
        total += r + w
    out.append("Total %d\n" % total)
    return "".join(out)


def write_v1(base, root, hybrid):
    """One hierarchy per controller under base (.../sys/fs/cgroup), as systemd mounts them."""
    cc = os.path.join(base, "cpu,cpuacct")
    os.makedirs(cc, exist_ok=True)
    os.symlink("cpu,cpuacct", os.path.join(base, "cpu"))
    os.symlink("cpu,cpuacct", os.path.join(base, "cpuacct"))
    for cg in root.walk():
        s = cg.stats
        rel = cg.path.lstrip("/")
        leaf_procs = "" if cg.children else "".join(
            "%d\n" % (1000 + (hash_path(cg.path) + k) % 4000000) for k in range(min(s.pids, 3)))
        is_root = cg.path == "/"
        limit = s.mem_limit if s.mem_limit else V1_UNLIMITED
        for ctl in ("cpu,cpuacct", "memory", "blkio", "pids", "cpuset", "systemd"):
            d = os.path.join(base, ctl, rel)
            os.makedirs(d, exist_ok=True)
            write(os.path.join(d, "cgroup.procs"), leaf_procs)
            write(os.path.join(d, "tasks"), leaf_procs)
            write(os.path.join(d, "notify_on_release"), "0\n")
            write(os.path.join(d, "cgroup.clone_children"), "0\n")
            if ctl == "cpu,cpuacct":
                write(os.path.join(d, "cpuacct.usage"), "%d\n" % (s.usage_us * 1000))
                per = [s.usage_us * 1000 // NCPU] * NCPU
                per[0] += s.usage_us * 1000 - sum(per)
                write(os.path.join(d, "cpuacct.usage_percpu"), " ".join(map(str, per)) + " \n")
                write(os.path.join(d, "cpuacct.usage_user"), "%d\n" % (s.user_us * 1000))
                write(os.path.join(d, "cpuacct.usage_sys"), "%d\n" % (s.system_us * 1000))
                write(os.path.join(d, "cpuacct.stat"), "user %d\nsystem %d\n"
                      % (s.user_us * USER_HZ // 10**6, s.system_us * USER_HZ // 10**6))
                write(os.path.join(d, "cpu.stat"), "nr_periods %d\nnr_throttled %d\nthrottled_time %d\n"
                      "nr_bursts 0\nburst_time 0\n"
                      % (s.nr_periods, s.nr_throttled, s.throttled_us * 1000))
                write(os.path.join(d, "cpu.shares"), "%d\n" % s.shares)
                if not is_root:
                    write(os.path.join(d, "cpu.cfs_quota_us"), "%d\n" % (s.quota_us or -1))
                    write(os.path.join(d, "cpu.cfs_period_us"), "%d\n" % s.period_us)
            elif ctl == "memory":
                write(os.path.join(d, "memory.usage_in_bytes"), "%d\n" % s.mem_usage)
                write(os.path.join(d, "memory.limit_in_bytes"), "%d\n" % limit)
                write(os.path.join(d, "memory.soft_limit_in_bytes"), "%d\n" % V1_UNLIMITED)
                write(os.path.join(d, "memory.max_usage_in_bytes"), "%d\n" % s.max_usage)
                write(os.path.join(d, "memory.failcnt"), "%d\n" % s.failcnt)
                write(os.path.join(d, "memory.stat"), v1_memory_stat(s, limit))
                write(os.path.join(d, "memory.memsw.usage_in_bytes"), "%d\n" % s.mem_usage)
                write(os.path.join(d, "memory.memsw.limit_in_bytes"), "%d\n" % V1_UNLIMITED)
                write(os.path.join(d, "memory.kmem.usage_in_bytes"), "%d\n" % s.kernel)
                write(os.path.join(d, "memory.use_hierarchy"), "1\n")
                write(os.path.join(d, "memory.swappiness"), "60\n")
                write(os.path.join(d, "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill %d\n"
                      % s.oom_kill)
            elif ctl == "blkio":
                write(os.path.join(d, "blkio.throttle.io_service_bytes"), blkio_text(s, True))
                write(os.path.join(d, "blkio.throttle.io_serviced"), blkio_text(s, False))
                write(os.path.join(d, "blkio.throttle.io_service_bytes_recursive"), blkio_text(s, True))
                write(os.path.join(d, "blkio.throttle.io_serviced_recursive"), blkio_text(s, False))
            elif ctl == "pids":
                if not is_root:
                    write(os.path.join(d, "pids.current"), "%d\n" % s.pids)
                    write(os.path.join(d, "pids.max"), "%s\n" % (s.pids_max if s.pids_max else "max"))
            elif ctl == "cpuset":
                write(os.path.join(d, "cpuset.cpus"), "0-%d\n" % (NCPU - 1))
                write(os.path.join(d, "cpuset.mems"), "0\n")
                write(os.path.join(d, "cpuset.effective_cpus"), "0-%d\n" % (NCPU - 1))
        if hybrid:
            d = os.path.join(base, "unified", rel)
            os.makedirs(d, exist_ok=True)
            write(os.path.join(d, "cgroup.procs"), leaf_procs)
            write(os.path.join(d, "cgroup.controllers"), "")
            write(os.path.join(d, "cgroup.subtree_control"), "")
            if not is_root:
                write(os.path.join(d, "cgroup.type"), "domain\n")
                write(os.path.join(d, "cgroup.events"), "populated 1\nfrozen 0\n")
            for r in ("cpu", "memory", "io"):
                write(os.path.join(d, r + ".pressure"), pressure_text(*s.pressure[r]))


def write_block_devices(sysdir):
    for majmin, name, devpath in DISKS:
        d = os.path.join(sysdir, devpath)
        os.makedirs(d, exist_ok=True)
        maj, mn = majmin.split(":")
        write(os.path.join(d, "dev"), majmin + "\n")
        write(os.path.join(d, "uevent"), "MAJOR=%s\nMINOR=%s\nDEVNAME=%s\nDEVTYPE=disk\n" % (maj, mn, name))
        for sub, link in (("dev/block", majmin), ("block", name)):
            ld = os.path.join(sysdir, sub)
            os.makedirs(ld, exist_ok=True)
            os.symlink(os.path.relpath(d, ld), os.path.join(ld, link))


def write_logs(root_dir, containers):
    pods_dir = os.path.join(root_dir, "var", "log", "pods")
    cont_dir = os.path.join(root_dir, "var", "log", "containers")
    os.makedirs(cont_dir, exist_ok=True)
    for c in containers:
        pdir = "%s_%s_%s" % (c["namespace"], c["pod"], c["pod_uid"])
        d = os.path.join(pods_dir, pdir, c["container"])
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "0.log"), "2024-01-15T10:00:00.000000000Z stdout F started %s\n" % c["container"])
        # kubelet's link target is absolute, in the host's /var/log (not inside root_dir)
        os.symlink("/var/log/pods/%s/%s/0.log" % (pdir, c["container"]),
                   os.path.join(cont_dir, "%s_%s_%s-%s.log" % (c["pod"], c["namespace"], c["container"],
                                                                c["container_id"])))


def generate(out, n, seed=1, layout="v2"):
    """Write the fixture for n containers under out (which must be empty or absent);
    return the manifest (also written to out/fixture.json)."""
    if layout not in ("v2", "v1", "hybrid"):
        raise ValueError("layout must be v2, v1 or hybrid")
    if n < 0:
        raise ValueError("the number of containers must be >= 0")
    if os.path.exists(out) and os.listdir(out):
        raise FileExistsError("%s exists and is not empty" % out)
    root, containers, pods = build(n, seed)
    sysdir = os.path.join(out, "sys")
    base = os.path.join(sysdir, "fs", "cgroup")
    os.makedirs(base)
    if layout == "v2":
        write_v2(base, root)
    else:
        write_v1(base, root, layout == "hybrid")
    write_block_devices(sysdir)
    write_logs(out, containers)
    manifest = {
        "layout": layout, "seed": seed, "n": n, "driver": "systemd", "runtime": "containerd",
        "cgroup_root": "sys/fs/cgroup", "pod_logs": "var/log",
        "devices": {majmin: name for majmin, name, _ in DISKS},
        "containers": containers,
        "pods": pods,
        "other_cgroups": [cg.path for cg in root.walk()
                          if cg.path not in {c["id"] for c in containers} | {p["id"] for p in pods}],
        # figures of each container's cgroup, for value checks
        "stats": {c["id"]: {} for c in containers},
    }
    by_path = {cg.path: cg.stats for cg in root.walk()}
    for c in containers:
        s = by_path[c["id"]]
        manifest["stats"][c["id"]] = {
            "cpu_usage_seconds": s.usage_us / 1e6, "cpu_user_seconds": s.user_us / 1e6,
            "cpu_system_seconds": s.system_us / 1e6, "memory_usage_bytes": s.mem_usage,
            "memory_working_set_bytes": s.mem_usage - s.inactive_file, "memory_rss": s.anon,
            "memory_cache": s.file, "memory_limit_bytes": s.mem_limit or 0,
            "cpu_quota_us": s.quota_us or 0, "cpu_period_us": s.period_us, "cpu_shares": s.shares,
            "io_read_bytes": {d: s.io[d][0] for d in s.io}, "io_write_bytes": {d: s.io[d][1] for d in s.io},
        }
    with open(os.path.join(out, "fixture.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return manifest


def main(argv):
    p = argparse.ArgumentParser(description="Write a Kubernetes node's cgroup tree (systemd driver, "
                                            "containerd) under DIR, as plumb's --path.sysfs/--path.rootfs see it.")
    p.add_argument("dir", help="output directory (made if absent; must be empty)")
    p.add_argument("-n", "--containers", type=int, default=100, help="number of containers (default 100)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--layout", choices=("v2", "v1", "hybrid"), default="v2",
                   help="cgroup layout (default v2)")
    p.add_argument("--v1", action="store_const", dest="layout", const="v1", help="same as --layout v1")
    p.add_argument("--force", action="store_true", help="remove DIR first if it exists")
    a = p.parse_args(argv)
    if a.force and os.path.exists(a.dir):
        shutil.rmtree(a.dir)
    try:
        m = generate(a.dir, a.containers, a.seed, a.layout)
    except (ValueError, FileExistsError) as e:
        p.error(str(e))
    print("%s: %d containers in %d pods, %s layout; run plumb with --path.sysfs=%s --path.rootfs=%s"
          % (a.dir, len(m["containers"]), len(m["pods"]), m["layout"],
             os.path.join(a.dir, "sys"), a.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
