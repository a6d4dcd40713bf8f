#!/usr/bin/env python3
"""bench_containers: what plumb's container collector costs as a node's containers grow.

For each N (default 100, 1000, 5000) it writes a fixture node with N containers
(bench/cgroup-fixture.py: systemd driver, containerd, two containers a pod, QoS classes
mixed), starts plumb on a free loopback port with only the container collector,

    plumb --collector.disable-defaults --collector.container
          --path.sysfs=<dir>/sys --path.rootfs=<dir>

warms it up, scrapes /metrics K times over one keep-alive connection, and reports per N:
CPU per scrape (the process's CPU clock, and utime+stime from /proc/PID/stat), peak RSS
(VmHWM), series, response bytes, the containers plumb named, and the cost per container.
A run with N = 0 (the same node with no pods) gives the fixed cost, so the marginal cost
per container is reported too. For the v2 layout it also measures the floor: what the
kernel alone charges to read the files plumb read for the cgroups it reported
(bench/readfloor.c, no parsing or output), with every descriptor held and with each file
opened and closed, so plumb's CPU can be set against what any reader must pay. Then: is the growth linear (CPU per container at the
largest N within 1.5x of that at the next one down, 5000 against 1000 by default), and are
the targets met at the largest N (<= 50 ms CPU per scrape, <= 8 MiB peak RSS, stated for
5000 containers).

With --before OLD it also runs an older build on each fixture, in turn with this one
(--rounds times each, the median run reported), and gives their ratio per N. With
--real-cgroups the fixture's cgroups are made as real ones in this machine's hierarchies
(and removed after), so plumb reads the kernel's cgroup files as it does on a node.

It reports; it does not judge: the exit status is 0 unless plumb lacks the container
collector, failed to start, or died. bench/README.md says how to read the figures.

Python 3 standard library only. Traffic goes to 127.0.0.1 only; every process started
here is stopped and every fixture removed (unless --keep) before exit.
"""
import argparse
import http.client
import importlib.util
import json
import os
import resource
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (Server, machine_info, loadavg, count_series, fmt, help_text)


def _load_fixture():
    spec = importlib.util.spec_from_file_location("cgroup_fixture", os.path.join(HERE, "cgroup-fixture.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


fixture = _load_fixture()

MIB = 1024.0 * 1024.0
TARGET_CPU_MS = 50.0
TARGET_RSS_BYTES = 8 * MIB
TARGET_AT = 5000
LINEAR_LIMIT = 1.5
CPU_LINE = re.compile(r'^container_cpu_usage_seconds_total\{(.*)\} ', re.M)
# the files the container collector reads in each cgroup of a v2 (unified) hierarchy
V2_FILES = ("cpu.stat", "cpu.max", "cpu.weight", "memory.current", "memory.stat", "memory.max",
            "memory.events", "memory.swap.current", "io.stat", "cpu.pressure",
            "memory.pressure", "io.pressure")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def containers_named(text, manifest):
    """How many of the fixture's containers appear in container_cpu_usage_seconds_total
    (cpu="total" or no cpu label) with their pod, namespace and container labels right."""
    want = {c["id"]: c for c in manifest["containers"]}
    ok = set()
    for m in CPU_LINE.finditer(text):
        labels = dict(LABEL.findall(m.group(1)))
        if labels.get("cpu", "total") != "total":
            continue
        c = want.get(labels.get("id"))
        if c and labels.get("pod") == c["pod"] and labels.get("namespace") == c["namespace"] \
                and labels.get("container") == c["container"]:
            ok.add(c["id"])
    return len(ok)


def floor_files(text, sysfs):
    """The files plumb read for the cgroups it reported (the id labels of
    container_cpu_usage_seconds_total) in a v2 fixture under sysfs: those that exist."""
    ids = {dict(LABEL.findall(m.group(1))).get("id") for m in CPU_LINE.finditer(text)}
    out = []
    for cg in sorted(i for i in ids if i):
        d = os.path.join(sysfs, "fs", "cgroup", cg.lstrip("/"))
        out += [os.path.join(d, f) for f in V2_FILES if os.path.isfile(os.path.join(d, f))]
    return out


def read_floor(tool, files):
    """Run readfloor on files; returns its JSON figures, or None without the tool. It runs
    under the inherited descriptor limit even with --nofile: held in small batches, each
    read 11 times in a row, files stay in the CPU's caches and the floor looks lower
    than a sweep over all of them, which is what a scrape makes."""
    if not tool:
        return None
    argv = [tool, "11"]
    r = subprocess.run(argv, input="\n".join(files) + "\n", capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        raise RuntimeError("readfloor failed: %s" % r.stderr.strip())
    return json.loads(r.stdout)


def find_readfloor(args):
    """The readfloor binary: --readfloor, else build/bench/readfloor beside build/plumb
    (`make bench-containers` builds it). None, with a note, when there is none."""
    path = args.readfloor or os.path.join(os.path.dirname(args.plumb), "bench", "readfloor")
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    print("note: no %s (make build/bench/readfloor); the file-read floor is not measured" % path)
    return None


def cgroup_mounts():
    """The cgroup hierarchies mounted at or below /sys/fs/cgroup on this machine, as
    (mount point, type) pairs, from /proc/self/mounts."""
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            mnt, fstype = line.split()[1:3]
            if fstype in ("cgroup", "cgroup2") and (mnt + "/").startswith("/sys/fs/cgroup/"):
                out.append((mnt.replace("\\040", " "), fstype))
    return out


def make_real_cgroups(manifest):
    """Make the fixture's cgroups as real ones, in every hierarchy this machine mounts, so
    that plumb reads the kernel's own cgroup files (values are the kernel's: these cgroups
    hold no process). On cgroup v2, the controllers the root offers are turned on for each
    cgroup made that has children. Returns the directories made, parents first; the
    caller removes them with remove_real_cgroups. Refuses a machine that already has a
    kubepods.slice (a real Kubernetes node)."""
    paths = sorted({c["id"] for c in manifest["containers"]} | {p["id"] for p in manifest["pods"]}
                   | set(manifest["other_cgroups"]) - {"/"}, key=lambda p: (p.count("/"), p))
    parents = {os.path.dirname(p) for p in paths}
    mounts = cgroup_mounts()
    if not mounts:
        raise RuntimeError("--real-cgroups: no cgroup hierarchy is mounted under /sys/fs/cgroup")
    made = []
    try:
        for mnt, fstype in mounts:
            if os.path.exists(os.path.join(mnt, "kubepods.slice")):
                raise RuntimeError("--real-cgroups: %s/kubepods.slice exists already (a Kubernetes "
                                   "node?); not touching it" % mnt)
            ctls = ""
            if fstype == "cgroup2":
                with open(os.path.join(mnt, "cgroup.controllers")) as f:
                    ctls = " ".join("+" + c for c in f.read().split() if c in ("cpu", "memory", "io", "pids"))
            for p in paths:
                d = mnt + p
                if os.path.isdir(d):
                    continue
                os.mkdir(d)
                made.append(d)
                if ctls and p in parents:
                    try:
                        with open(os.path.join(d, "cgroup.subtree_control"), "w") as f:
                            f.write(ctls)
                    except OSError:
                        pass  # a controller the kernel will not delegate here: its files are absent
    except BaseException:
        remove_real_cgroups(made)
        raise
    return made


def remove_real_cgroups(made):
    """Remove the cgroups make_real_cgroups made, children first."""
    for d in reversed(made):
        try:
            os.rmdir(d)
        except OSError as e:
            print("bench_containers: could not remove %s: %s" % (d, e), file=sys.stderr)


def run_one(args, n, workdir):
    """Generate the fixture for n containers and measure each binary on it (args.binaries,
    --rounds times in turn). Returns one figures dict per binary, args.binaries' order;
    a binary measured more than once gets the median run's figures."""
    fdir = os.path.join(workdir, "node-%d" % n)
    t0 = time.monotonic()
    manifest = fixture.generate(fdir, n, seed=args.seed, layout=args.layout, pause=args.pause)
    gen_s = time.monotonic() - t0
    made = make_real_cgroups(manifest) if args.real_cgroups else []
    try:
        runs = [[] for _ in args.binaries]
        for _ in range(args.rounds):
            for i, binary in enumerate(args.binaries):
                first = not runs[i]
                r = measure(args, binary, n, fdir, manifest, workdir, floor=first and binary == args.plumb)
                r["fixture_seconds"] = gen_s
                runs[i].append(r)
        return [sorted(rs, key=cpu_of)[len(rs) // 2] for rs in runs]
    finally:
        remove_real_cgroups(made)
        if not args.keep:
            shutil.rmtree(fdir, ignore_errors=True)


def measure(args, binary, n, fdir, manifest, workdir, floor=False):
    """Run binary on the fixture in fdir (or, with --real-cgroups, on this machine's
    cgroups with the fixture's records), scrape it, return its figures; with floor (and
    a v2 fixture), the kernel's floor for the files it read too."""
    sysfs = "/sys" if args.real_cgroups else os.path.join(fdir, "sys")
    argv = [binary, "--collector.disable-defaults", "--collector.container",
            "--path.sysfs=" + sysfs, "--path.rootfs=" + fdir]
    if args.pause:
        argv.append("--path.procfs=" + os.path.join(fdir, "proc"))
    argv += bench.plumb_runtime_args(args, args.helptext) + args.plumb_arg
    if args.nofile:
        argv = ["prlimit", "--nofile=%d" % args.nofile] + argv  # prlimit execs: same pid
    s = bench.Server("plumb-%d" % n, "plumb (%d containers)" % n, argv, workdir)
    try:
        s.start(timeout=60)
        for _ in range(args.warmup):
            if s.scrape(args.gzip, None, record=False) != 200:
                raise RuntimeError("plumb answered non-200 during warm-up")
        s.latencies = []
        ticks0, ns0 = s.cpu_ticks(), s.cpu_ns()
        t0 = time.monotonic()
        for _ in range(args.scrapes):
            status = s.scrape(args.gzip, None)
            if status != 200:
                raise RuntimeError("plumb answered HTTP %d" % status)
        wall = time.monotonic() - t0
        ticks1, ns1 = s.cpu_ticks(), s.cpu_ns()
        if not s.alive():
            raise RuntimeError("plumb died during the run:\n" + s.log_tail())
        mem = s.memory()
        fds = len(os.listdir("/proc/%d/fd" % s.proc.pid))
        text = s.last_body.decode("utf-8", "replace")
        series, families = bench.count_series(text)
        floor = (read_floor(args.readfloor_bin, floor_files(text, os.path.join(fdir, "sys")))
                 if floor and n and args.layout == "v2" and not args.real_cgroups else None)
        tck = os.sysconf("SC_CLK_TCK")
        lat = sorted(s.latencies)
        return {
            "n": n, "cgroups": n + len(manifest["pods"]) + len(manifest["other_cgroups"]),
            "argv": s.argv, "binary": binary,
            "cpu_ms_clock": (ns1 - ns0) / 1e6 / args.scrapes if ns0 is not None and ns1 is not None else None,
            "cpu_ms_stat": (ticks1 - ticks0) * 1000.0 / tck / args.scrapes, "cpu_ticks": ticks1 - ticks0,
            "vmhwm": mem.get("VmHWM", 0), "vmrss": mem.get("VmRSS", 0), "rss_anon": mem.get("RssAnon", 0),
            "series": series, "families": families, "fds": fds,
            "response_bytes": s.last_wire, "response_bytes_uncompressed": len(s.last_body),
            "containers_named": containers_named(text, manifest),
            "latency_ms_median": 1000 * lat[len(lat) // 2], "wall_seconds": wall,
            "floor": floor,
        }
    finally:
        s.stop()


def cpu_of(r):
    return r["cpu_ms_clock"] if r["cpu_ms_clock"] is not None else r["cpu_ms_stat"]


ROWS = (
    ("cgroups in the tree", lambda r, b: r["cgroups"], 0),
    ("containers named right", lambda r, b: r["containers_named"], 0),
    ("CPU ms/scrape (process clock)", lambda r, b: r["cpu_ms_clock"], 3),
    ("CPU ms/scrape (/proc stat ticks)", lambda r, b: r["cpu_ms_stat"], 3),
    ("VmHWM MiB (peak)", lambda r, b: r["vmhwm"] / MIB, 2),
    ("VmRSS MiB (after run)", lambda r, b: r["vmrss"] / MIB, 2),
    ("  RssAnon MiB", lambda r, b: r["rss_anon"] / MIB, 2),
    ("descriptors open (after run)", lambda r, b: r["fds"], 0),
    ("series", lambda r, b: r["series"], 0),
    ("response bytes", lambda r, b: r["response_bytes"], 0),
    ("latency ms median (client)", lambda r, b: r["latency_ms_median"], 3),
    ("files read a scrape (floor)", lambda r, b: r["floor"]["files"] if r.get("floor") else None, 0),
    ("  floor ms, descriptors held", lambda r, b: r["floor"]["held_us"] / 1000 if r.get("floor") else None, 3),
    ("  floor ms, open/read/close", lambda r, b: r["floor"]["reopen_us"] / 1000 if r.get("floor") else None, 3),
    ("  plumb CPU / held floor", lambda r, b: cpu_of(r) * 1000 / r["floor"]["held_us"]
     if r.get("floor") and r["floor"]["held_us"] else None, 2),
    ("CPU us/container/scrape", lambda r, b: 1000 * cpu_of(r) / r["n"] if r["n"] else None, 3),
    ("  marginal (minus N=0)", lambda r, b: 1000 * (cpu_of(r) - cpu_of(b)) / r["n"] if b and r["n"] else None, 3),
    ("VmHWM KiB/container", lambda r, b: r["vmhwm"] / 1024 / r["n"] if r["n"] else None, 3),
    ("  marginal (minus N=0)", lambda r, b: (r["vmhwm"] - b["vmhwm"]) / 1024 / r["n"] if b and r["n"] else None, 3),
    ("series/container", lambda r, b: r["series"] / r["n"] if r["n"] else None, 1),
    ("bytes/container", lambda r, b: r["response_bytes"] / r["n"] if r["n"] else None, 0),
)


def report(results, base):
    cols = ([base] if base else []) + results
    print("%-34s" % "containers (N)" + "".join("%14d" % r["n"] for r in cols))
    for label, get, digits in ROWS:
        line = "%-34s" % label
        for r in cols:
            v = get(r, base)
            line += "%14s" % (bench.fmt(v, digits) if digits else bench.fmt(v))
        print(line)


def verdict(results, base):
    out = {}
    yes = lambda b: "met" if b else "NOT met"
    for r in results:
        if r["containers_named"] != r["n"]:
            print("\nWARNING: at N=%d plumb named %d of the %d containers correctly; its figures "
                  "describe a collector that does not (yet) do the whole job" % (r["n"], r["containers_named"], r["n"]))
    if len(results) >= 2:
        hi, lo = results[-1], results[-2]
        per_hi, per_lo = cpu_of(hi) / hi["n"], cpu_of(lo) / lo["n"]
        growth = per_hi / per_lo if per_lo else None
        out["linear_ratio"] = growth
        out["linear"] = growth is not None and growth <= LINEAR_LIMIT
        msg = "\nlinear growth: CPU per container at N=%d is %s x that at N=%d (limit %.1f): %s" % (
            hi["n"], bench.fmt(growth, 2), lo["n"], LINEAR_LIMIT,
            "linear" if out["linear"] else "NOT linear")
        if base:
            mh, ml = (cpu_of(hi) - cpu_of(base)) / hi["n"], (cpu_of(lo) - cpu_of(base)) / lo["n"]
            out["linear_ratio_marginal"] = mh / ml if ml > 0 else None
            msg += "; marginal (minus N=0) ratio %s" % bench.fmt(out["linear_ratio_marginal"], 2)
        print(msg)
    top = results[-1]
    out["cpu_ms"] = cpu_of(top)
    out["cpu_met"] = cpu_of(top) <= TARGET_CPU_MS
    out["rss_bytes"] = top["vmhwm"]
    out["rss_met"] = 0 < top["vmhwm"] <= TARGET_RSS_BYTES
    print("targets at N=%d%s:" % (top["n"], "" if top["n"] == TARGET_AT else
                                  " (they are stated for N=%d)" % TARGET_AT))
    print("  CPU per scrape <= %.0f ms: %s (%.3f ms, %s)" % (
        TARGET_CPU_MS, yes(out["cpu_met"]), cpu_of(top),
        "process clock" if top["cpu_ms_clock"] is not None else "/proc stat ticks"))
    print("  peak RSS <= %.0f MiB: %s (VmHWM %.2f MiB)" % (TARGET_RSS_BYTES / MIB, yes(out["rss_met"]),
                                                          top["vmhwm"] / MIB))
    if top.get("floor"):
        fl = top["floor"]
        out["floor_ms_held"] = fl["held_us"] / 1000
        out["floor_ms_reopen"] = fl["reopen_us"] / 1000
        print("  the kernel's floor at N=%d: reading the %d files plumb read costs %.1f ms with every "
              "descriptor held, %.1f ms opening each (readfloor, no parsing, no sandbox)"
              % (top["n"], fl["files"], out["floor_ms_held"], out["floor_ms_reopen"]))
    if top["cpu_ticks"] < 100:
        print("  note: %d clock ticks at N=%d; the /proc stat row is coarse, the process clock row "
              "is exact (or raise --scrapes)" % (top["cpu_ticks"], top["n"]))
    return out


def compare(pairs):
    """Print --before against --plumb per N; returns the ratios (after / before)."""
    print("\nbefore and after, same fixtures, in turn:")
    print("%-10s%14s%14s%10s%12s%12s" % ("N", "before ms", "after ms", "ratio", "series bef.", "series aft."))
    out = {}
    for before, after in pairs:
        ratio = cpu_of(after) / cpu_of(before) if cpu_of(before) else None
        out[str(after["n"])] = ratio
        print("%-10d%14.3f%14.3f%10s%12d%12d" % (after["n"], cpu_of(before), cpu_of(after),
                                                 bench.fmt(ratio, 3), before["series"], after["series"]))
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(description="Benchmark plumb's container collector on fixture nodes "
                                            "of growing size.")
    p.add_argument("--plumb", default="build/plumb", help="plumb binary (default: build/plumb)")
    p.add_argument("--counts", default="100,1000,5000",
                   help="comma-separated container counts, ascending (default 100,1000,5000)")
    p.add_argument("--scrapes", type=int, default=50, help="measured scrapes per N (default 50)")
    p.add_argument("--warmup", type=int, default=5, help="unmeasured scrapes first (default 5)")
    p.add_argument("--layout", choices=("v2", "v1", "hybrid"), default="v2", help="cgroup layout (default v2)")
    p.add_argument("--v1", action="store_const", dest="layout", const="v1", help="same as --layout v1")
    p.add_argument("--seed", type=int, default=1, help="fixture seed (default 1)")
    p.add_argument("--plumb-broker", action="store_true",
                   help="run plumb as shipped (nobody, with its privilege broker; see bench.py)")
    p.add_argument("--gzip", action="store_true", help="ask for gzip, as Prometheus does")
    p.add_argument("--pause", action="store_true",
                   help="give every pod its sandbox container, the runtime's records and per-pod "
                        "/proc/<pid>/net/dev (plumb reads images and network figures too)")
    p.add_argument("--nofile", type=int, default=0,
                   help="run plumb under this descriptor limit (prlimit), e.g. 1024 so that every N "
                        "holds the same share of its files (default: the inherited limit)")
    p.add_argument("--plumb-arg", action="append", default=[], metavar="ARG",
                   help="one more argument for plumb, e.g. --plumb-arg=--collector.container."
                        "max-held-files=0 (repeatable)")
    p.add_argument("--no-baseline", action="store_true", help="skip the N=0 run (no marginal figures)")
    p.add_argument("--readfloor", default=None,
                   help="readfloor binary for the file-read floor (default: bench/readfloor in "
                        "the folder of --plumb, which make bench-containers builds)")
    p.add_argument("--workdir", default=None, help="where fixtures go (default: a new temp directory)")
    p.add_argument("--keep", action="store_true", help="keep the fixtures and logs")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    p.add_argument("--before", metavar="BIN",
                   help="another plumb binary (an older build) to measure on the same fixtures, in "
                        "turn with --plumb, and compare")
    p.add_argument("--rounds", type=int, default=1,
                   help="runs of each binary per N, in turn; the median run is reported (default 1)")
    p.add_argument("--real-cgroups", action="store_true",
                   help="make the fixture's cgroups as real ones in this machine's hierarchies "
                        "(root; removed after) and let plumb read the kernel's cgroup files")
    a = p.parse_args(argv)
    try:
        a.counts = [int(x) for x in a.counts.split(",") if x.strip()]
    except ValueError:
        p.error("--counts takes integers, e.g. 100,1000,5000")
    if not a.counts or any(c < 1 for c in a.counts) or a.counts != sorted(set(a.counts)):
        p.error("--counts must be positive, distinct and ascending")
    if a.scrapes < 1 or a.warmup < 0 or a.rounds < 1:
        p.error("--scrapes and --rounds must be at least 1 and --warmup at least 0")
    if a.real_cgroups and os.geteuid() != 0:
        p.error("--real-cgroups makes cgroups: run it as root")
    return a


def main(argv):
    args = parse_args(argv)
    args.plumb = os.path.abspath(args.plumb)
    args.binaries = ([os.path.abspath(args.before)] if args.before else []) + [args.plumb]
    for b in args.binaries:
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            print("bench_containers: %s is not an executable file" % b, file=sys.stderr)
            return 1
    try:
        helptext = args.helptext = bench.help_text(args.plumb)
    except bench.StartError as e:
        print("bench_containers: %s" % e, file=sys.stderr)
        return 1
    if "container" not in bench.listed_collectors(helptext):
        print("bench_containers: %s has no container collector (--collector.container is not in "
              "its --help)" % args.plumb, file=sys.stderr)
        return 1
    mach = bench.machine_info()
    print("machine: %d CPUs usable (%d online), %s, %s" % (mach["nproc"], mach["cpus_online"],
                                                          mach["model"], mach["kernel"]))
    load_start = bench.loadavg()
    print("load average at start: %s" % load_start)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    hard = args.nofile or hard
    print("descriptor limit: %s hard%s (plumb raises its soft limit to it and holds cgroup "
          "directories, then files, within it)" % ("unlimited" if hard == resource.RLIM_INFINITY else hard,
                                                  " (--nofile)" if args.nofile else ""))
    print("plumb: %s (%s)" % (args.plumb, bench.version_of(args.plumb)))
    if args.before:
        print("before: %s (%s), measured in turn with plumb, %d round(s) each"
              % (args.before, bench.version_of(args.binaries[0]), args.rounds))
    print("cgroups: %s" % ("real ones made in this machine's hierarchies (%s)"
                           % ", ".join(m for m, _ in cgroup_mounts()) if args.real_cgroups
                           else "the fixture's files"))
    print("fixture: %s layout, systemd driver, containerd, 2 containers a pod, seed %d; N = %s%s"
          % (args.layout, args.seed, ", ".join(map(str, args.counts)),
             "" if args.no_baseline else " (and 0 for the fixed cost)"))
    print("scrapes: %d per N after %d warm-up; %s; one keep-alive connection"
          % (args.scrapes, args.warmup, "gzip" if args.gzip else "plain text"))
    made = args.workdir is None
    workdir = tempfile.mkdtemp(prefix="plumb-bench-containers-") if made else args.workdir
    os.makedirs(workdir, exist_ok=True)
    status, base, results, pairs = 0, None, [], []
    args.readfloor_bin = find_readfloor(args) if args.layout == "v2" else None
    try:
        for n in ([] if args.no_baseline else [0]) + args.counts:
            rs = run_one(args, n, workdir)
            r = rs[-1]
            if args.before and n:
                pairs.append(rs)
            print("  N=%d: fixture %.1f s, CPU %.3f ms/scrape, VmHWM %.2f MiB, %d series, %d/%d containers named"
                  % (n, r["fixture_seconds"], cpu_of(r), r["vmhwm"] / MIB, r["series"],
                     r["containers_named"], n))
            if n == 0:
                base = r
            else:
                results.append(r)
        print()
        report(results, base)
        targets = verdict(results, base)
        if pairs:
            targets["before"] = compare(pairs)
        print("load average at end: %s" % bench.loadavg())
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"machine": mach, "load_start": load_start, "load_end": bench.loadavg(),
                           "plumb": args.plumb, "plumb_version": bench.version_of(args.plumb),
                           "layout": args.layout, "seed": args.seed, "scrapes": args.scrapes,
                           "warmup": args.warmup, "gzip": args.gzip, "baseline": base,
                           "results": results, "targets": targets}, f, indent=2, sort_keys=True)
                f.write("\n")
            print("figures written to %s" % args.json)
    except bench.StartError as e:
        print("bench_containers: %s" % e, file=sys.stderr)
        status = 1
    except (RuntimeError, OSError, http.client.HTTPException) as e:
        print("bench_containers: the run failed: %s" % e, file=sys.stderr)
        status = 1
    finally:
        if made and not args.keep and status == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        elif status or args.keep:
            print("bench_containers: fixtures/logs kept in %s" % workdir, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
