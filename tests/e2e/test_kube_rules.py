#!/usr/bin/env python3
"""test_kube_rules: kube-prometheus's container recording rules, and kubernetes-mixin's
network and I/O panels, evaluated by Prometheus's own tooling on plumb's /metrics/cadvisor.

On nodes that bench/cgroup-fixture.py --pause writes (every runtime, cgroup v1, v2 and
hybrid, both drivers; each at least once), plumb is scraped three times. Between scrapes
the test moves the fixture's counters by known amounts: CPU time and I/O requests of every
container, the bytes and packets of every pod's network namespace and of the host's. Each
scrape becomes promtool input_series at 0, 150 s and 300 s, carrying what kube-prometheus's
kubelet job gives them (tests/data/kube-prometheus-kubelet-cadvisor.yml: job, instance,
metrics_path from __metrics_path__, node, endpoint, service; honor_labels, so plumb's own
namespace wins; empty labels dropped; container_spec_* outside pods dropped). A stand-in
for kube-state-metrics' kube_pod_info names the fixture's pods on the node. Then
`promtool test rules` evaluates tests/data/kube-prometheus-container-rules.yaml (copied from
kube-prometheus) and asserts, at 300 s, the exact result sets:

- every container, and every pod's sandbox (which the rules keep: its image is the pause
  image, as in cAdvisor), has each of the six recorded series exactly once, with its image,
  name and pod; pod cgroups, services and the root (image "") have none; memory figures are
  the fixture's, CPU rate and irate the fixture's moves over 300 s and the last 150 s;
- kubernetes-mixin's queries (sum by pod of rate(container_network_*), joined or not with
  kube_pod_info{host_network="false"}; sum by pod of rate(container_fs_reads_total) and
  writes, container!="") give each pod its own traffic and operations once.

promtool rather than a running server for these: its clock is the test's, so rates are
exact and nothing sleeps. What promtool does not do, scraping plumb and applying the scrape
configuration, is checked once against a real prometheus (test_real_prometheus): it
scrapes plumb and the kube_pod_info stand-in with the very configuration, evaluates the
rules, and must store exactly the series this test feeds promtool and record the memory
series expected. And the test has teeth: with the runtimes' records gone, so that plumb
knows no image (as before issue 14), the rules record nothing and the checks fail.
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (ROOT, Plumb, TestFailure, check, cgroup_fixture, collectors_in_help,  # noqa: E402
                       free_port, main, parse_exposition, skip)

fixture = cgroup_fixture()
DATA = os.path.join(ROOT, "tests", "data")
RULES = os.path.join(DATA, "kube-prometheus-container-rules.yaml")
SCRAPE_CONFIG = os.path.join(DATA, "kube-prometheus-kubelet-cadvisor.yml")
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"

N = 6  # three pods of two containers, each with its sandbox; the second uses the host's network
SEED = 14
NODE = "fixture-node"
KUBELET = "10.0.0.1:10250"
# each runtime, cgroup version and driver at least once
CASES = [("containerd", "systemd", "v2"), ("crio", "systemd", "v1"), ("docker", "cgroupfs", "v2"),
         ("containerd", "cgroupfs", "v1"), ("crio", "cgroupfs", "hybrid")]
STEP = 150  # seconds between scrapes, as promtool sees them
RANGE = 300  # the rules' [5m]
CADVISOR = 'job="kubelet", metrics_path="/metrics/cadvisor"'  # kube-prometheus's cadvisorSelector
RECORDS = ("node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m",
           "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate",
           "node_namespace_pod_container:container_memory_working_set_bytes",
           "node_namespace_pod_container:container_memory_rss",
           "node_namespace_pod_container:container_memory_cache",
           "node_namespace_pod_container:container_memory_swap")


# --- the fixture, and its counters moved between scrapes ---------------------------------

def make_node(d, runtime, driver, layout):
    node = os.path.join(d, "node")
    m = fixture.generate(node, N, seed=SEED, layout=layout, runtime=runtime, driver=driver, pause=True)
    root, _, _ = fixture.build(N, SEED, runtime, driver, True)  # the same tree, with figures
    m["figures"] = {cg.path: cg.stats for cg in root.walk()}
    m["node"] = node
    m["target"] = dict(TARGET)  # the kubelet target's labels (the real prometheus has its own instance)
    m["swap"] = {c["id"]: (k + 1) * 3 * fixture.MIB for k, c in enumerate(m["containers"])}
    for c in m["containers"]:  # swap in use, which the fixture leaves at 0
        s, swap = m["figures"][c["id"]], m["swap"][c["id"]]
        if layout == "v2":
            fixture.write(cgroup_file(m, "memory", c["id"], "memory.swap.current"), "%d\n" % swap)
        else:
            fixture.write(cgroup_file(m, "memory", c["id"], "memory.memsw.usage_in_bytes"),
                          "%d\n" % (s.mem_usage + swap))
    return m


def cgroup_file(m, ctl, cg, name):
    base = os.path.join(m["node"], "sys", "fs", "cgroup")
    if m["layout"] != "v2":
        base = os.path.join(base, {"cpu": "cpu,cpuacct", "memory": "memory", "io": "blkio"}[ctl])
    return os.path.join(base, cg.lstrip("/"), name)


def edit(path, fn):
    """Rewrite path in place (same inode: plumb holds it open and re-reads it)."""
    with open(path, "r+") as f:
        text = fn(f.read())
        f.seek(0)
        f.truncate()
        f.write(text)


def add_field(text, pattern, delta):
    """Add delta to the number the one group of regex pattern matches (exactly once)."""
    out, n = re.subn(pattern, lambda mo: mo.group(0)[:mo.start(1) - mo.start(0)] + str(int(mo.group(1)) + delta),
                     text, flags=re.M)
    check(n == 1, "fixture edit: %r matched %d times" % (pattern, n))
    return out


def cpu_move(k, step):
    """Microseconds of CPU container k uses between scrape step-1 and step."""
    return (k + 1) * (7 if step == 1 else 3) * 1000000


def io_move(k, dev, step):
    """I/O requests (reads, writes) container k makes on disk number dev in either step:
    300 times a power of two, so that each rate over 300 s is a power of two (computed
    exactly, whatever the order of operations) and sums of rates are exact."""
    return RANGE << (2 * k + dev), RANGE << (2 * k + dev + 12)


def net_move(p, ifname, step):
    """(rx bytes, rx packets, tx bytes, tx packets) pod number p (-1: the host) moves on
    interface ifname in either step; 300 times powers of two, as io_move."""
    e = 2 * (p + 1) + {"eth0": 0, "net1": 1, "cni0": 1}[ifname]
    return RANGE << (e + 20), RANGE << e, RANGE << (e + 10), RANGE << (e + 1)


def move(m, step):
    """Move the fixture's counters for scrape number step (1 or 2), as a node would."""
    v1 = m["layout"] != "v2"
    for k, c in enumerate(m["containers"]):
        us = cpu_move(k, step)
        if v1:
            edit(cgroup_file(m, "cpu", c["id"], "cpuacct.usage"),
                 lambda t: add_field(t, r"^(\d+)$", us * 1000))
        else:
            edit(cgroup_file(m, "cpu", c["id"], "cpu.stat"),
                 lambda t: add_field(add_field(t, r"^usage_usec (\d+)", us), r"^user_usec (\d+)", us))
        for j, (majmin, _, _) in enumerate(fixture.DISKS):
            r, w = io_move(k, j, step)
            if v1:
                f = cgroup_file(m, "io", c["id"], "blkio.throttle.io_serviced_recursive")
                edit(f, lambda t: add_field(add_field(t, r"^%s Read (\d+)" % majmin, r),
                                            r"^%s Write (\d+)" % majmin, w))
            else:
                edit(cgroup_file(m, "io", c["id"], "io.stat"),
                     lambda t: add_field(add_field(t, r"^%s .*rios=(\d+)" % majmin, r),
                                         r"^%s .*wios=(\d+)" % majmin, w))
    for p, pod in enumerate(m["pods"]):
        if not pod["host_network"]:
            move_netdev(os.path.join(m["node"], "proc", "netns-%s" % pod["uid"]), pod["net"], p, step)
    move_netdev(os.path.join(m["node"], "proc", "1", "net", "dev"), m["host_net"], -1, step)


def move_netdev(path, ifaces, p, step):
    for name, v in ifaces.items():
        if name in ("eth0", "net1", "cni0"):
            rb, rp, tb, tp = net_move(p, name, step)
            v[0] += rb
            v[1] += rp
            v[4] += tb
            v[5] += tp
    edit(path, lambda _: fixture.netdev_text(ifaces))


def fixture_has_io(m, cg, majmin):
    return any(m["figures"][cg].io[majmin])


def each_moved(fn):
    """Sum over both steps of fn(step)."""
    return sum(fn(step) for step in (1, 2))


# --- scrapes, as kube-prometheus's kubelet job stores them ---------------------------------

TARGET = {"job": "kubelet", "instance": KUBELET, "metrics_path": "/metrics/cadvisor", "node": NODE,
          "namespace": "kube-system", "service": "kubelet", "endpoint": "https-metrics"}
# the ServiceMonitor's metricRelabelings (drop rules), as in tests/data/kube-prometheus-kubelet-cadvisor.yml
DROPS = ((("__name__",), r"container_(network_tcp_usage_total|network_udp_usage_total|tasks_state|"
          r"cpu_load_average_10s)"),
         (("__name__", "pod", "namespace"), r"(container_spec_.*|container_file_descriptors|container_sockets|"
          r"container_threads_max|container_threads|container_start_time_seconds|container_last_seen);;"),
         (("__name__", "container"), r"(container_blkio_device_usage_total);.+"))


def stored(ex, target):
    """{labels tuple (sorted, __name__ included): value} of an Exposition as Prometheus
    stores the kubelet job's scrape: the target's labels where the sample has none of that
    name (honor_labels: a scraped namespace="" keeps the target's out), then metric
    relabelling (an absent label reads as ""), then empty labels dropped."""
    out = {}
    for (name, labels), v in ex.samples.items():
        l = dict(labels, __name__=name)
        for k, tv in target.items():
            l.setdefault(k, tv)
        if any(re.fullmatch(rx, ";".join(l.get(s, "") for s in src)) for src, rx in DROPS):
            continue
        out[tuple(sorted((k, x) for k, x in l.items() if x != ""))] = v
    return out


def series_text(labels):
    """name{label="value",...} in PromQL's notation, from a sorted labels tuple."""
    d = dict(labels)
    name = d.pop("__name__")
    return name + "{" + ",".join('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"')
                                              .replace("\n", "\\n")) for k, v in sorted(d.items())) + "}"


def pod_info(m):
    """kube-state-metrics' kube_pod_info for the fixture's pods, as kube-prometheus stores it."""
    out = []
    for p, pod in enumerate(m["pods"]):
        out.append({"__name__": "kube_pod_info", "job": "kube-state-metrics", "instance": "10.0.0.9:8443",
                    "container": "kube-rbac-proxy-main", "endpoint": "https-main",
                    "service": "kube-state-metrics", "namespace": pod["namespace"], "pod": pod["pod"],
                    "uid": pod["uid"], "node": NODE, "host_network": "true" if pod["host_network"] else "false",
                    "host_ip": KUBELET.split(":")[0],
                    "pod_ip": KUBELET.split(":")[0] if pod["host_network"] else "10.244.0.%d" % (p + 10),
                    "created_by_kind": "ReplicaSet", "created_by_name": pod["pod"].rsplit("-", 1)[0],
                    "priority_class": ""})
    return out


def pod_info_text(m):
    """The stand-in's exposition (what kube-state-metrics serves: no job, instance...)."""
    lines = ["# TYPE kube_pod_info gauge"]
    for l in pod_info(m):
        l = {k: v for k, v in l.items() if k not in ("__name__", "job", "instance", "container", "endpoint",
                                                     "service")}
        lines.append(series_text(tuple(sorted(dict(l, __name__="kube_pod_info").items()))) + " 1")
    return "\n".join(lines) + "\n"


def scrape_cadvisor(p):
    status, _, body = p.get("/metrics/cadvisor", headers={"Accept": "text/plain"})
    check(status == 200, "/metrics/cadvisor answered %d" % status)
    return parse_exposition(body)


# --- what the rules and queries must give ----------------------------------------------------

def cadvisor_labels(m, c, pod, sandbox):
    """The labels plumb must give container (or sandbox) c of pod, as Prometheus stores them."""
    rt = m["runtime"]
    kname = ("" if rt == "containerd" else "POD") if sandbox else c["container"]
    name = c["container_id"] if rt == "containerd" else fixture.crio_name(pod, kname or "POD")
    l = dict(m["target"], id=c["id"], image=c["image"], name=name, namespace=pod["namespace"], pod=pod["pod"],
             container=kname)
    return {k: v for k, v in l.items() if v != ""}


def workloads(m):
    """[(labels, cgroup id, moved index or None)] of every container and sandbox on the node."""
    by_pod = {p["uid"]: p for p in m["pods"]}
    out = []
    for k, c in enumerate(m["containers"]):
        out.append((cadvisor_labels(m, c, by_pod[c["pod_uid"]], False), c["id"], k))
    for p in m["pods"]:
        sb = dict(p["sandbox"])
        out.append((cadvisor_labels(m, sb, p, True), sb["id"], None))
    return out


def cpu_seconds(m, cg, k):
    """The fixture's CPU seconds of cgroup cg at the three scrapes (k: its index among the
    containers whose counters move, None for a sandbox)."""
    moved = [0, cpu_move(k, 1), cpu_move(k, 1) + cpu_move(k, 2)] if k is not None else [0, 0, 0]
    return [(m["figures"][cg].usage_us + mv) / 1e6 for mv in moved]


def cpu_served(inputs, cg):
    """plumb's container_cpu_usage_seconds_total of cgroup cg at the three scrapes, or None.
    The rates expected are computed from these, as Prometheus computes them, so that they
    match to the bit; check_inputs compares these with the fixture."""
    for key, vals in inputs.items():
        d = dict(key)
        if d["__name__"] == "container_cpu_usage_seconds_total" and d["id"] == cg and d.get("image"):
            return vals if None not in vals else None
    return None


def rate_of(first, last, interval=RANGE):
    """Prometheus's rate() with samples at both ends of the window (so no extrapolation),
    in its order of operations (promql/functions.go, extrapolatedRate), to the bit."""
    return (last - first) * ((interval / interval) / RANGE)


def whole_rate(delta):
    """rate() of a counter that moved delta over the window; the moves are chosen so
    that this is exact, so that sums of rates are exact in any order."""
    r = rate_of(0.0, float(delta))
    check(r == delta / RANGE and r == int(r), "test design: rate %r of a move of %r is not whole" % (r, delta))
    return r


def expectations(m, inputs):
    """[(expr, [(labels text, value)])] that promtool must find at 300 s."""
    figures = m["figures"]
    tests = []
    cpu = {}
    for labels, cg, k in workloads(m):
        vals = cpu_served(inputs, cg) or cpu_seconds(m, cg, k)
        key = tuple(sorted(labels.items()))
        cpu[key] = (rate_of(vals[0], vals[2]), (vals[2] - vals[1]) / STEP)
    for rec, idx in ((RECORDS[0], 0), (RECORDS[1], 1)):
        exp = []
        for key, v in cpu.items():
            d = dict(key)
            l = {"__name__": rec, "namespace": d["namespace"], "pod": d["pod"], "node": NODE}
            if "container" in d:
                l["container"] = d["container"]
            exp.append((series_text(tuple(sorted(l.items()))), v[idx]))
        tests.append((rec, exp))
    for rec, fig in ((RECORDS[2], lambda s, cg: s.mem_usage - s.inactive_file),
                     (RECORDS[3], lambda s, cg: s.anon), (RECORDS[4], lambda s, cg: s.file),
                     (RECORDS[5], lambda s, cg: m["swap"].get(cg, 0))):
        exp = []
        for labels, cg, _ in workloads(m):
            l = dict(labels, __name__=rec)
            exp.append((series_text(tuple(sorted(l.items()))), float(fig(figures[cg], cg))))
        tests.append((rec, exp))
    tests += mixin_expectations(m)
    return tests


# kubernetes-mixin (commit aa38e2bfa7ea6ec6870420b483046afe790a6411) with kube-prometheus's
# cadvisorSelector; $cluster is empty (kube-prometheus has no cluster label), namespace="$namespace"
# becomes namespace=~".+" (every namespace's panel at once: the fixture's pod names differ),
# $__rate_interval is 5m.
DISKS_RX = 'device=~"(/dev.+)|mmcblk.p.+|nvme.+|rbd.+|sd.+|vd.+|xvd.+|dm-.+|dasd.+"'
# dashboards/resources/queries/namespace.libsonnet: storageReads, storageWrites
IO_QUERY = ('sum by(pod) (rate(container_fs_%s_total{' + CADVISOR + ', ' + DISKS_RX +
            ', container!="", namespace=~".+"}[5m]))')
# dashboards/resources/queries/namespace.libsonnet: networkReceiveBandwidth, networkTransmitBandwidth
NET_QUERY = ('sum((8 * rate(container_network_%s_bytes_total{' + CADVISOR +
             ', namespace=~".+"}[5m]))) by (pod)')
# dashboards/network-usage/queries/namespace-by-pod.libsonnet: receiveBandwidth, receivePackets
NET_POD_QUERY = '''sum by (pod) (
    (%s rate(container_network_%s_total{namespace=~".+"}[5m]))
  * on (namespace,pod) group_left ()
    topk by (namespace,pod) (
      1,
      max by (namespace,pod) (kube_pod_info{host_network="false"})
    )
)'''


def mixin_expectations(m):
    tests = []
    for fam, idx in (("reads", 0), ("writes", 1)):
        per_pod = {}
        for k, c in enumerate(m["containers"]):
            ops = sum(whole_rate(each_moved(lambda st: io_move(k, j, st)[idx]))
                      for j, (majmin, _, _) in enumerate(fixture.DISKS) if fixture_has_io(m, c["id"], majmin))
            per_pod[c["pod"]] = per_pod.get(c["pod"], 0) + ops
        tests.append((IO_QUERY % fam, [('{pod="%s"}' % pod, v) for pod, v in per_pod.items()]))

    def pod_net(p, pod, idx, mult):
        """A pod's rate summed over its interfaces (the host's for a host-network pod)."""
        p, ifs = (-1, ("eth0", "cni0")) if pod["host_network"] else (p, ("eth0", "net1"))
        return sum(mult * whole_rate(each_moved(lambda st: net_move(p, i, st)[idx])) for i in ifs)

    for fam, idx in (("receive", 0), ("transmit", 2)):
        tests.append((NET_QUERY % fam, [('{pod="%s"}' % pod["pod"], pod_net(p, pod, idx, 8))
                                        for p, pod in enumerate(m["pods"])]))
    for mult, fam, idx in (("8 *", "receive_bytes", 0), ("", "receive_packets", 1),
                           ("8 *", "transmit_bytes", 2)):
        tests.append((NET_POD_QUERY % (mult, fam),
                      [('{pod="%s"}' % pod["pod"], pod_net(p, pod, idx, 8 if mult else 1))
                       for p, pod in enumerate(m["pods"]) if not pod["host_network"]]))
    return tests


# --- promtool ----------------------------------------------------------------------------------

def scrape_three(m, p):
    """Three scrapes of plumb with the fixture's counters moved between them; the stored
    series as {labels tuple: [v0, v1, v2]} (None where a scrape lacked it)."""
    scrapes = []
    for step in range(3):
        if step:
            move(m, step)
        scrapes.append(stored(scrape_cadvisor(p), m["target"]))
    keys = set().union(*scrapes)
    return {k: [s.get(k) for s in scrapes] for k in keys}


def check_inputs(m, inputs, what):
    """What plumb served agrees with the fixture where the rules look: every container and
    sandbox once, with its image (image="" would leave every rule empty), its CPU time."""
    cpu = {}
    for key, vals in inputs.items():
        d = dict(key)
        if d["__name__"] == "container_cpu_usage_seconds_total" and d.get("image"):
            check(d["id"] not in cpu, "%s: %s twice with an image" % (what, d["id"]))
            cpu[d["id"]] = (d, vals)
    want = workloads(m)
    check(len(cpu) == len(want), "%s: %d series of container_cpu_usage_seconds_total with an image, want %d"
          % (what, len(cpu), len(want)))
    for labels, cg, k in want:
        got, vals = cpu.get(cg, ({}, None))
        check(got.get("image") == labels["image"], "%s: %s image %r, want %r"
              % (what, cg, got.get("image"), labels["image"]))
        check(all(v is not None for v in vals), "%s: %s missing from a scrape: %r" % (what, cg, vals))
        for v, f in zip(vals, cpu_seconds(m, cg, k)):
            check(abs(v - f) <= 1e-9 * f, "%s: %s CPU %r s, the fixture says %r" % (what, cg, v, f))


def promtool_test(m, inputs, tests, d, name):
    """Write and run a promtool rule test; return (exit code, output)."""
    series = [{"series": series_text(k), "values": " ".join("_" if v is None else repr(v) for v in vals)}
              for k, vals in sorted(inputs.items())]
    for l in pod_info(m):
        series.append({"series": series_text(tuple(sorted((k, v) for k, v in l.items() if v != ""))),
                       "values": "1 1 1"})
    spec = {"rule_files": [RULES], "evaluation_interval": "%ds" % STEP,
            "tests": [{"name": name, "interval": "%ds" % STEP, "input_series": series,
                       "promql_expr_test": [{"expr": expr, "eval_time": "%ds" % RANGE,
                                             "exp_samples": [{"labels": l, "value": v} for l, v in exp]}
                                            for expr, exp in tests]}]}
    path = os.path.join(d, "%s.yml" % name)
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)  # JSON is YAML
    r = subprocess.run([PROMTOOL, "test", "rules", path], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def plumb_args(m):
    node = m["node"]
    return ["--collector.disable-defaults", "--collector.container", "--path.sysfs=" + os.path.join(node, "sys"),
            "--path.rootfs=" + node, "--path.procfs=" + os.path.join(node, "proc")]


def test_rules():
    for rt, drv, layout in CASES:
        what = "%s/%s/%s" % (rt, drv, layout)
        d = tempfile.mkdtemp(prefix="plumb-kube-rules-")
        try:
            m = make_node(d, rt, drv, layout)
            with Plumb(plumb_args(m)) as p:
                inputs = scrape_three(m, p)
            check_inputs(m, inputs, what)
            tests = expectations(m, inputs)
            for expr, exp in tests:
                check(exp, "%s: no expectation for %s" % (what, expr))
            rc, out = promtool_test(m, inputs, tests, d, what.replace("/", "-"))
            check(rc == 0, "%s: promtool test rules failed:\n%s" % (what, out[-12000:]))
            print("ok: %s: %d recorded series and %d per-pod rows of mixin panels as expected"
                  % (what, sum(len(e) for r, e in tests if r in RECORDS),
                     sum(len(e) for r, e in tests if r not in RECORDS)))
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_without_images():
    """The check has teeth: plumb knowing no image (the records gone, names from the pod
    logs alone, as on main before issue 14) leaves every recorded series empty, and the
    expectations of test_rules fail."""
    d = tempfile.mkdtemp(prefix="plumb-kube-noimg-")
    try:
        m = make_node(d, "containerd", "systemd", "v2")
        shutil.rmtree(os.path.join(m["node"], "run"))
        with Plumb(plumb_args(m)) as p:
            inputs = scrape_three(m, p)
        try:
            check_inputs(m, inputs, "no images")
            raise AssertionError("check_inputs passed with no images")
        except TestFailure as e:
            print("ok: without images the input check fails: %s" % e)
        tests = expectations(m, inputs)
        rc, out = promtool_test(m, inputs, tests, d, "no-images")
        check(rc != 0, "promtool passed the expectations with image=\"\" everywhere")
        rc, out = promtool_test(m, inputs, [(r, []) for r in RECORDS], d, "no-images-empty")
        check(rc == 0, "with image=\"\" the rules still record something:\n" + out[-4000:])
        print("ok: without images every recorded series is empty and the expectations fail")
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --- a real prometheus ---------------------------------------------------------------------------

def prom_query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    check(body.get("status") == "success", "query %r: %r" % (q, body))
    return body["data"]["result"]


class Static(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a):
        pass


def test_real_prometheus():
    """Debian's prometheus scrapes plumb with tests/data/kube-prometheus-kubelet-cadvisor.yml
    and evaluates the rules: it stores exactly the series the promtool tests are fed, and
    records the memory series with the fixture's figures and images."""
    d = tempfile.mkdtemp(prefix="plumb-kube-prom-")
    ksm = prom = None
    try:
        m = make_node(d, "crio", "systemd", "v2")
        handler = type("KSM", (Static,), {"body": pod_info_text(m).encode()})
        ksm = http.server.HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=ksm.serve_forever, daemon=True).start()
        with Plumb(plumb_args(m)) as p:
            inst = "127.0.0.1:%d" % p.port
            m["target"]["instance"] = inst
            cfg = open(SCRAPE_CONFIG).read().replace("@PLUMB@", inst).replace(
                "@KSM@", "127.0.0.1:%d" % ksm.server_address[1]).replace("@NODE@", NODE).replace("@RULES@", RULES)
            with open(os.path.join(d, "prometheus.yml"), "w") as f:
                f.write(cfg)
            port = free_port()
            logname = os.path.join(d, "prometheus.log")
            with open(logname, "w") as log:
                prom = subprocess.Popen([PROMETHEUS, "--config.file=" + os.path.join(d, "prometheus.yml"),
                                         "--storage.tsdb.path=" + os.path.join(d, "data"),
                                         "--web.listen-address=127.0.0.1:%d" % port],
                                        stdout=log, stderr=subprocess.STDOUT, cwd=d)
            rec = RECORDS[2]
            want = [(l, v) for r, exp in expectations(m, {}) if r == rec for l, v in exp]
            deadline = time.monotonic() + 60
            got = []
            while time.monotonic() < deadline:
                check(prom.poll() is None, "prometheus exited: " + open(logname).read()[-3000:])
                try:
                    got = prom_query(port, rec)
                except (OSError, ValueError):
                    got = []
                if len(got) >= len(want):
                    break
                time.sleep(0.2)
            mine = stored(scrape_cadvisor(p), m["target"])
            # what the server stored is what the promtool tests take as input
            theirs = {}
            for r in prom_query(port, '{job="kubelet", __name__=~"container_.*|machine_.*"}'):
                theirs[tuple(sorted(r["metric"].items()))] = float(r["value"][1])
            check(set(theirs) == set(mine), "prometheus stored other series than the test assumes:\n"
                  "only prometheus: %r\nonly the test: %r" % (sorted(set(theirs) - set(mine))[:3],
                                                            sorted(set(mine) - set(theirs))[:3]))
            check(theirs == mine, "prometheus stored other values than plumb served")
            ksm_inst = "127.0.0.1:%d" % ksm.server_address[1]
            ksm_theirs = sorted(sorted(r["metric"].items()) for r in prom_query(port, "kube_pod_info"))
            ksm_mine = sorted(sorted((k, v) for k, v in dict(l, instance=ksm_inst).items() if v != "")
                              for l in pod_info(m))
            check(ksm_theirs == ksm_mine, "kube_pod_info stored as %r,\nthe promtool tests assume %r"
                  % (ksm_theirs, ksm_mine))
            # the recording rule, evaluated by the server
            have = {series_text(tuple(sorted(r["metric"].items()))): float(r["value"][1]) for r in got}
            want = dict(want)
            check(have == want, "prometheus recorded %s:\n%r\nwant\n%r" % (rec, sorted(have.items()),
                                                                          sorted(want.items())))
            print("ok: a real prometheus stores %d series from plumb and records %d %s"
                  % (len(theirs), len(have), rec))
    finally:
        if prom is not None:
            prom.terminate()
            try:
                prom.wait(timeout=30)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        if ksm is not None:
            ksm.shutdown()
            ksm.server_close()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if "container" not in collectors_in_help():
        skip("plumb has no container collector")
    if not (os.access(PROMTOOL, os.X_OK) and os.access(PROMETHEUS, os.X_OK)):
        skip("no prometheus or promtool (scripts/deps.sh installs them)")
    main([test_rules, test_without_images, test_real_prometheus])
