"""test_perf: the perf collector on this live machine, against Debian's node_exporter 1.5.

- With --collector.perf, plumb serves the same node_perf_* series (names, cpu labels,
  TYPE) as node_exporter run beside it with the same flags: all CPUs, and one CPU picked
  with --collector.perf.cpus (on a VM without a PMU both serve software counters only).
- With tracepoints, each run in its own private mount namespace (unshare -m) with
  debugfs mounted at /sys/kernel/debug, never the host's: the same node_perf_<sys>_<event>
  series as node_exporter.
- The sandboxed plumb (started as root, running as nobody with seccomp on) keeps reading
  its counters: they grow between two scrapes, tracepoints too, and the collector succeeds.
- A bad --collector.perf.cpus value leaves perf out with an error in the log; the other
  collectors still run.
Skipped when not root (CPU-wide counters and mounts need it); the node_exporter
comparisons are skipped when it is not installed.
"""
import os
import subprocess
import time
import urllib.request

from plumbtest import TRACEFS_NS, Plumb, check, free_port, main, parse_exposition, skip

NODE_EXPORTER = os.environ.get("NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
TRACEPOINTS = ["--collector.perf.tracepoint=sched:sched_switch",
               "--collector.perf.tracepoint=syscalls:sys_enter_getpid"]


def need_root():
    if os.geteuid() != 0:
        skip("needs root")


def fetch(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=60) as r:
        return parse_exposition(r.read().decode())


def node_exporter(args, wrapper=()):
    """node_exporter's exposition with args (a fresh process, stopped afterwards)."""
    if not os.path.exists(NODE_EXPORTER):
        skip("node_exporter is not installed")
    port = free_port()
    proc = subprocess.Popen(list(wrapper) + [NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d"
                                             % port] + args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                check(False, "node_exporter exited: %s" % proc.stderr.read()[-2000:])
            try:
                return fetch(port)
            except OSError:
                check(time.monotonic() < deadline, "node_exporter did not answer")
                time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()


def perf_series(ex):
    """{(name, labels)} and {family: type} of the node_perf_* families."""
    series = {k for k in ex.samples if k[0].startswith("node_perf_")}
    types = {f: t for f, t in ex.types.items() if f.startswith("node_perf_")}
    return series, types


def compare(args, wrapper=()):
    base = ["--collector.disable-defaults", "--collector.perf"] + args
    ne = perf_series(node_exporter(base, wrapper))
    with Plumb(base, wrapper=wrapper) as p:
        code, _, body = p.get()
        check(code == 200, "plumb answered %d" % code)
        ex = parse_exposition(body.decode())
        mine = perf_series(ex)
        check(ex.value("node_scrape_collector_success", collector="perf") == 1,
              "perf did not succeed; log:\n" + p.log())
    check(mine[0], "plumb served no node_perf_ series")
    check(mine == ne, "series differ: only plumb %s, only node_exporter %s; types %s vs %s"
          % (sorted(mine[0] - ne[0]), sorted(ne[0] - mine[0]), mine[1], ne[1]))
    return mine[0]


def test_same_series_as_node_exporter():
    need_root()
    series = compare([])
    cpus = {dict(k[1])["cpu"] for k in series}
    check(cpus == {str(c) for c in range(os.cpu_count())}, "cpus %s" % sorted(cpus))
    if os.cpu_count() > 1:
        series = compare(["--collector.perf.cpus=1"])
        check({dict(k[1])["cpu"] for k in series} == {"1"}, "not only cpu 1: %s" % series)


def test_tracepoints_same_as_node_exporter():
    need_root()
    series = compare(TRACEPOINTS + ["--collector.perf.cpus=0"], wrapper=TRACEFS_NS)
    check(("node_perf_sched_sched_switch", (("cpu", "0"),)) in series, "no sched_switch")


def test_sandboxed_plumb_reads_counters():
    need_root()
    args = ["--runtime.user=nobody", "--collector.disable-defaults", "--collector.perf"]
    with Plumb(args + TRACEPOINTS, wrapper=TRACEFS_NS) as p:
        with open("/proc/%d/status" % p.pid) as f:
            st = dict(l.split(":", 1) for l in f if ":" in l)
        check(st["Seccomp"].strip() == "2", "Seccomp is " + st["Seccomp"])
        check(st["Uid"].split()[0] != "0", "still root")
        one = fetch(p.port)
        for _ in range(200):
            os.getpid()
            os.sched_yield()
        time.sleep(0.2)
        two = fetch(p.port)
        check(two.value("node_scrape_collector_success", collector="perf") == 1,
              "perf did not succeed; log:\n" + p.log())
        for name in ("node_perf_context_switches_total", "node_perf_sched_sched_switch"):
            a = sum(v for _, v in one.series(name))
            b = sum(v for _, v in two.series(name))
            check(b > a > 0, "%s did not grow under the sandbox: %s then %s" % (name, a, b))
        check("perf_event_open" not in p.log() and "SIGSYS" not in p.log(), p.log())


def test_bad_cpus_leaves_perf_out():
    need_root()
    with Plumb(["--collector.disable-defaults", "--collector.perf", "--collector.loadavg",
                "--collector.perf.cpus=0-3:0"]) as p:
        ex = parse_exposition(p.get()[2].decode())
        check(ex.value("node_scrape_collector_success", collector="perf") is None,
              "perf ran with a bad --collector.perf.cpus")
        check(ex.value("node_scrape_collector_success", collector="loadavg") == 1,
              "loadavg did not run")
        check("bad --collector.perf.cpus value" in p.log(), "no error logged:\n" + p.log())


if __name__ == "__main__":
    main([test_same_series_as_node_exporter, test_tracepoints_same_as_node_exporter,
          test_sandboxed_plumb_reads_counters, test_bad_cpus_leaves_perf_out])
