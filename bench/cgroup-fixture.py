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
        self.pids = None          # the processes in it; None: made up from the path

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


PAUSE_IMAGE = "registry.k8s.io/pause:3.9"
RUNTIMES = ("containerd", "crio", "docker")
DRIVERS = ("systemd", "cgroupfs")


def container_cgroup(runtime, driver, cid):
    """The name of a container's cgroup under its pod's, as each runtime makes it."""
    if driver == "systemd":
        return {"containerd": "cri-containerd-%s.scope", "crio": "crio-%s.scope",
                "docker": "docker-%s.scope"}[runtime] % cid
    return ("crio-%s" if runtime == "crio" else "%s") % cid


def pod_cgroup(driver, qos, puid):
    """The name of a pod's cgroup under its QoS class's (or kubepods for guaranteed)."""
    if driver == "cgroupfs":
        return "pod" + puid
    uscore = puid.replace("-", "_")
    return "kubepods-pod%s.slice" % uscore if qos == "guaranteed" else \
        "kubepods-%s-pod%s.slice" % (qos, uscore)


def net_figures(rng):
    """One interface's /proc/net/dev receive and transmit figures: bytes, packets, errs,
    drop for each."""
    rp, tp = rng.randint(10**3, 10**8), rng.randint(10**3, 10**8)
    return [rp * rng.randint(60, 1500), rp, rng.randint(0, 50), rng.randint(0, 500),
            tp * rng.randint(60, 1500), tp, rng.randint(0, 50), rng.randint(0, 500)]


def build(n, seed, runtime="containerd", driver="systemd", pause=False):
    """The cgroup tree of a node running n containers, and the manifest of containers.
    With pause, every pod also has its sandbox (pause) container, in the pod's network
    namespace (pods[1] uses the host's network), and cgroups get process IDs."""
    rng = random.Random(seed)
    root = Cgroup("/")
    if driver == "systemd":
        kube = root.child("kubepods.slice")
        qos_cg = {"burstable": kube.child("kubepods-burstable.slice"),
                  "besteffort": kube.child("kubepods-besteffort.slice")}
    else:
        kube = root.child("kubepods")
        qos_cg = {"burstable": kube.child("burstable"), "besteffort": kube.child("besteffort")}
    kube.stats.mem_limit = 60 * GIB
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
        pod_cg = (kube if qos == "guaranteed" else qos_cg[qos]).child(pod_cgroup(driver, qos, puid))
        pinfo = {"pod": pod, "namespace": ns, "uid": puid, "qos": qos, "id": pod_cg.path,
                 "containers": []}
        pods.append(pinfo)
        if pause:
            sid = "%064x" % rng.getrandbits(256)
            st = leaf_stats(rng, "besteffort")
            st.pids = 1
            sc = pod_cg.child(container_cgroup(runtime, driver, sid), st)
            pinfo["sandbox"] = {"id": sc.path, "container_id": sid, "image": PAUSE_IMAGE}
            pinfo["host_network"] = len(pods) == 2
            pinfo["net"] = {} if pinfo["host_network"] else \
                {"eth0": net_figures(rng), "net1": net_figures(rng)}
        for cname in names[:min(2, n - i)]:
            cid = "%064x" % rng.getrandbits(256)
            st = leaf_stats(rng, qos)
            c = pod_cg.child(container_cgroup(runtime, driver, cid), st)
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
    if pause:  # process IDs: distinct, so every process has a /proc entry of its own
        nextpid = 1000
        for cg in root.walk():
            if not cg.children and cg.path != "/":
                cg.pids = list(range(nextpid, nextpid + min(cg.stats.pids, 3)))
                nextpid += len(cg.pids)
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
        write(os.path.join(d, "cgroup.procs"), procs_text(cg))
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


def procs_text(cg):
    """cgroup.procs of cg: its processes, one a line (none in a cgroup with children)."""
    if cg.children:
        return ""
    if cg.pids is not None:
        return "".join("%d\n" % pid for pid in cg.pids)
    return "".join("%d\n" % (1000 + (hash_path(cg.path) + k) % 4000000)
                   for k in range(min(cg.stats.pids, 3)))


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
        leaf_procs = procs_text(cg)
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


def oci_annotations(runtime, pod, c, sandbox):
    """The annotations containerd or CRI-O write into a container's config.json."""
    sid = pod["sandbox"]["container_id"]
    if runtime == "containerd":
        a = {"io.kubernetes.cri.sandbox-id": sid, "io.kubernetes.cri.sandbox-name": pod["pod"],
             "io.kubernetes.cri.sandbox-namespace": pod["namespace"],
             "io.kubernetes.cri.sandbox-uid": pod["uid"]}
        if sandbox:
            a.update({"io.kubernetes.cri.container-type": "sandbox",
                      "io.kubernetes.cri.sandbox-log-directory": "/var/log/pods/%s_%s_%s"
                      % (pod["namespace"], pod["pod"], pod["uid"]),
                      "io.kubernetes.cri.podsandbox.image-name": c["image"]})
        else:
            a.update({"io.kubernetes.cri.container-type": "container",
                      "io.kubernetes.cri.container-name": c["container"],
                      "io.kubernetes.cri.image-name": c["image"]})
        return a
    kname = "POD" if sandbox else c["container"]
    labels = {"io.kubernetes.container.name": kname, "io.kubernetes.pod.name": pod["pod"],
              "io.kubernetes.pod.namespace": pod["namespace"], "io.kubernetes.pod.uid": pod["uid"]}
    return {"io.kubernetes.cri-o.ContainerType": "sandbox" if sandbox else "container",
            "io.kubernetes.cri-o.ContainerID": c["container_id"],
            "io.kubernetes.cri-o.Name": crio_name(pod, kname),
            "io.kubernetes.cri-o.ImageName": c["image"],
            "io.kubernetes.cri-o.Image": "sha256:%064x" % hash_path(c["image"]),
            "io.kubernetes.cri-o.SandboxID": sid,
            "io.kubernetes.cri-o.Labels": json.dumps(labels),
            "io.kubernetes.pod.name": pod["pod"], "io.kubernetes.pod.namespace": pod["namespace"],
            "io.kubernetes.pod.uid": pod["uid"]}


def crio_name(pod, kname):
    """The runtime's own name of a pod's container (CRI-O's and docker's: k8s_...)."""
    return "k8s_%s_%s_%s_%s_0" % (kname, pod["pod"], pod["namespace"], pod["uid"])


def write_records(out, runtime, pods, containers):
    """Each container's record, where its runtime keeps it (the source of image and names)."""
    by_pod = {}
    for c in containers:
        by_pod.setdefault(c["pod_uid"], []).append(c)
    for pod in pods:
        sb = dict(pod["sandbox"], container="POD")
        for c, sandbox in [(sb, True)] + [(c, False) for c in by_pod.get(pod["uid"], [])]:
            cid = c["container_id"]
            if runtime == "docker":
                kname = "POD" if sandbox else c["container"]
                d = os.path.join(out, "var", "lib", "docker", "containers", cid)
                rec = {"ID": cid, "Name": "/" + crio_name(pod, kname),
                       "Image": "sha256:%064x" % hash_path(c["image"]),
                       "State": {"Running": True},
                       "Config": {"Image": c["image"], "Hostname": pod["pod"], "Labels": {
                           "io.kubernetes.container.name": kname,
                           "io.kubernetes.docker.type": "podsandbox" if sandbox else "container",
                           "io.kubernetes.pod.name": pod["pod"],
                           "io.kubernetes.pod.namespace": pod["namespace"],
                           "io.kubernetes.pod.uid": pod["uid"],
                           "io.kubernetes.sandbox.id": pod["sandbox"]["container_id"]}}}
                name = "config.v2.json"
            else:
                d = os.path.join(out, "run", "containerd", "io.containerd.runtime.v2.task", "k8s.io", cid) \
                    if runtime == "containerd" else \
                    os.path.join(out, "run", "containers", "storage", "overlay-containers", cid, "userdata")
                rec = {"ociVersion": "1.1.0",
                       "process": {"user": {"uid": 65535 if sandbox else 0, "gid": 65535 if sandbox else 0},
                                   "args": ["/pause"] if sandbox else ["/docker-entrypoint.sh"],
                                   "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"],
                                   "cwd": "/"},
                       "root": {"path": "rootfs", "readonly": sandbox},
                       "hostname": pod["pod"],
                       "annotations": oci_annotations(runtime, pod, c, sandbox),
                       "linux": {"cgroupsPath": c["id"],
                                 "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
                                                {"type": "mount"}, {"type": "network"}]}}
                name = "config.json"
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name), "w") as f:
                json.dump(rec, f, indent=None if runtime == "docker" else 1)


NETDEV_HEAD = ("Inter-|   Receive                                                |  Transmit\n"
               " face |bytes    packets errs drop fifo frame compressed multicast|"
               "bytes    packets errs drop fifo colls carrier compressed\n")


def netdev_text(ifaces):
    """/proc/<pid>/net/dev for interfaces {name: net_figures()}, lo first."""
    lines = [NETDEV_HEAD, "    lo: 7348 80 0 0 0 0 0 0 7348 80 0 0 0 0 0 0\n"]
    for name, v in sorted(ifaces.items()):
        rb, rp, re_, rd, tb, tp, te, td = v
        lines.append("%6s: %d %d %d %d 0 0 0 0 %d %d %d %d 0 0 0 0\n" % (name, rb, rp, re_, rd, tb, tp, te, td))
    return "".join(lines)


HOST_NET = {"eth0": [987654321012, 765432101, 3, 17, 123456789012, 98765432, 1, 2],
            "cni0": [55555555, 44444, 0, 0, 66666666, 55555, 0, 0],
            "veth1a2b3c4d": [1000, 10, 0, 0, 2000, 20, 0, 0]}


# /proc/cpuinfo of one CPU: NCPU threads, two to a core, one socket
CPUINFO = ("processor\t: %d\nvendor_id\t: GenuineIntel\nmodel name\t: Fixture CPU @ 2.00GHz\n"
           "physical id\t: 0\nsiblings\t: 4\ncore id\t\t: %d\ncpu cores\t: 2\nflags\t\t: fpu vme\n\n")
BOOT_ID = "6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5"
MACHINE_ID = "0123456789abcdef0123456789abcdef"


def write_proc(out, root, pods):
    """DIR/proc: meminfo, and /proc/<pid>/net/dev for every process in a cgroup, hard links
    to one file per network namespace (a file's inode stands for its namespace, as the
    kernel's do): pid 1's for the host, one per pod, shared by the pod's containers."""
    proc = os.path.join(out, "proc")
    os.makedirs(os.path.join(proc, "1", "net"))
    write(os.path.join(proc, "meminfo"), "MemTotal:       65842644 kB\nMemFree:        40123456 kB\n"
          "MemAvailable:   52345678 kB\nSwapTotal:       2097148 kB\nSwapFree:        2097148 kB\n")
    write(os.path.join(proc, "cpuinfo"), "".join(CPUINFO % (cpu, cpu // 2) for cpu in range(NCPU)))
    os.makedirs(os.path.join(proc, "sys", "kernel", "random"))
    write(os.path.join(proc, "sys", "kernel", "random", "boot_id"), BOOT_ID + "\n")
    os.makedirs(os.path.join(out, "etc"), exist_ok=True)
    write(os.path.join(out, "etc", "machine-id"), MACHINE_ID + "\n")
    os.makedirs(os.path.join(out, "sys", "devices", "system", "cpu"), exist_ok=True)
    write(os.path.join(out, "sys", "devices", "system", "cpu", "online"), "0-%d\n" % (NCPU - 1))
    host = os.path.join(proc, "1", "net", "dev")
    write(host, netdev_text(HOST_NET))
    netns = {}
    for p in pods:
        if p.get("host_network"):
            netns[p["id"]] = host
        else:
            f = os.path.join(proc, "netns-%s" % p["uid"])
            write(f, netdev_text(p["net"]))
            netns[p["id"]] = f
    for cg in root.walk():
        for pid in cg.pids or ():
            d = os.path.join(proc, str(pid), "net")
            os.makedirs(d)
            os.link(netns.get(os.path.dirname(cg.path), host), os.path.join(d, "dev"))


def generate(out, n, seed=1, layout="v2", runtime="containerd", driver="systemd", pause=False):
    """Write the fixture for n containers under out (which must be empty or absent);
    return the manifest (also written to out/fixture.json). runtime (containerd, crio,
    docker) and driver (systemd, cgroupfs) name the cgroups as each does; with pause, every
    pod has its sandbox container, each runtime's records are written, and DIR/proc holds
    the processes' /proc/<pid>/net/dev (run plumb with --path.procfs=DIR/proc)."""
    if layout not in ("v2", "v1", "hybrid"):
        raise ValueError("layout must be v2, v1 or hybrid")
    if runtime not in RUNTIMES or driver not in DRIVERS:
        raise ValueError("runtime must be one of %s, driver one of %s" % (RUNTIMES, DRIVERS))
    if n < 0:
        raise ValueError("the number of containers must be >= 0")
    if os.path.exists(out) and os.listdir(out):
        raise FileExistsError("%s exists and is not empty" % out)
    root, containers, pods = build(n, seed, runtime, driver, pause)
    sysdir = os.path.join(out, "sys")
    base = os.path.join(sysdir, "fs", "cgroup")
    os.makedirs(base)
    if layout == "v2":
        write_v2(base, root)
    else:
        write_v1(base, root, layout == "hybrid")
    write_block_devices(sysdir)
    write_logs(out, containers)
    if pause:
        write_records(out, runtime, pods, containers)
        write_proc(out, root, pods)
    manifest = {
        "layout": layout, "seed": seed, "n": n, "driver": driver, "runtime": runtime, "pause": pause,
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
            "io_reads": {d: s.io[d][2] for d in s.io}, "io_writes": {d: s.io[d][3] for d in s.io},
        }
    manifest["host_net"] = HOST_NET
    manifest["machine"] = {"cores": NCPU, "physical_cores": NCPU // 2, "sockets": 1,
                           "memory_bytes": 65842644 * 1024, "swap_bytes": 2097148 * 1024,
                           "boot_id": BOOT_ID, "machine_id": MACHINE_ID}
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
    p.add_argument("--runtime", choices=RUNTIMES, default="containerd", help="container runtime (default containerd)")
    p.add_argument("--driver", choices=DRIVERS, default="systemd", help="kubelet's cgroup driver (default systemd)")
    p.add_argument("--pause", action="store_true",
                   help="give every pod its sandbox container, write the runtime's records and DIR/proc")
    p.add_argument("--force", action="store_true", help="remove DIR first if it exists")
    a = p.parse_args(argv)
    if a.force and os.path.exists(a.dir):
        shutil.rmtree(a.dir)
    try:
        m = generate(a.dir, a.containers, a.seed, a.layout, a.runtime, a.driver, a.pause)
    except (ValueError, FileExistsError) as e:
        p.error(str(e))
    print("%s: %d containers in %d pods, %s layout; run plumb with --path.sysfs=%s --path.rootfs=%s"
          % (a.dir, len(m["containers"]), len(m["pods"]), m["layout"],
             os.path.join(a.dir, "sys"), a.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
