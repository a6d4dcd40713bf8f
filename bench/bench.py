#!/usr/bin/env python3
"""bench: plumb against node_exporter, side by side, on this machine.

Starts plumb and node_exporter on free loopback ports with the same collectors (the ones
plumb is meant to replace that both binaries' --help lists; or each one's defaults, or
every collector both have: --set), reading this machine or a generated large host
(bench/genhost.py: --host generated), warms them up, then scrapes
them in turn -- plumb, node_exporter, plumb, ... -- so both see the same machine, the same
load from neighbours and the same wall-clock time. For each it reports the CPU time the
server process spent per scrape, its memory, the response size and the number of series,
and the ratios plumb/node_exporter.

It reports; it does not judge. The exit status is 0 unless a server failed to start or
died during the run. See bench/README.md for how to read the figures.

Python 3 standard library only. Traffic goes to 127.0.0.1 only; every process started
here is stopped before exit.
"""
import argparse
import gzip
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genhost  # noqa: E402

# The node_exporter collectors plumb is meant to replace.
COLLECTORS = (
    "arp bonding conntrack cpu cpufreq diskstats edac entropy filefd filesystem hwmon "
    "loadavg mdadm meminfo netclass netdev netstat os powersupplyclass pressure schedstat "
    "sockstat softnet stat textfile thermal_zone time timex udp_queues uname vmstat"
).split()

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
TEXTFILE_FLAG = "collector.textfile.directory"
# A small file for the textfile collector, so it has real work to do in both servers.
TEXTFILE_BODY = (
    "# HELP bench_textfile_jobs_total Jobs a cron script says it ran.\n"
    "# TYPE bench_textfile_jobs_total counter\n"
    'bench_textfile_jobs_total{job="backup",result="ok"} 42\n'
    'bench_textfile_jobs_total{job="backup",result="failed"} 1\n'
    "# HELP bench_textfile_last_run_seconds When the script last ran.\n"
    "# TYPE bench_textfile_last_run_seconds gauge\n"
    "bench_textfile_last_run_seconds 1.7e9\n"
)
MIB = 1024.0 * 1024.0
TARGET_CPU_RATIO = 0.2      # plumb's CPU per scrape at most 1/5 of node_exporter's
TARGET_RSS_BYTES = 3 * MIB  # plumb's resident memory at most 3 MiB
TARGET_PSS_RATIO = 0.25     # plumb's Pss at most 1/4 of node_exporter's (judged with --set all)


class StartError(Exception):
    pass


def help_text(binary):
    """Return what BINARY --help prints (kingpin writes it to stdout or stderr)."""
    try:
        out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    except OSError as e:
        raise StartError(f"cannot run {binary}: {e}")
    return out.stdout + out.stderr


def listed_collectors(helptext):
    """Collector names that a --help text offers as --collector.NAME or --[no-]collector.NAME.

    Sub-flags such as --collector.cpu.info are not collectors: the name must be followed by
    white space or the end of the line.
    """
    return set(re.findall(r"--(?:\[no-\])?collector\.([a-z0-9_]+)(?=\s|$)", helptext, re.M))


def lists_flag(helptext, flag):
    return re.search(r"--(?:\[no-\])?" + re.escape(flag) + r"(?=[\s=]|$)", helptext, re.M) is not None


def version_of(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return "?"
    lines = (out.stdout + out.stderr).strip().splitlines()
    return lines[0].strip() if lines else "?"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def machine_info():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    u = os.uname()
    try:
        usable = len(os.sched_getaffinity(0))
    except OSError:
        usable = os.cpu_count()
    return {"nproc": usable, "cpus_online": os.cpu_count(), "model": model,
            "kernel": f"{u.sysname} {u.release} {u.machine}", "clk_tck": os.sysconf("SC_CLK_TCK")}


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


class Server:
    """One server process under test: started, scraped over one HTTP connection, measured."""

    def __init__(self, key, title, argv, workdir):
        self.key, self.title, self.argv = key, title, argv
        self.port = free_port()
        self.argv = argv + [f"--web.listen-address=127.0.0.1:{self.port}"]
        self.log_path = os.path.join(workdir, key + ".log")
        self.proc = None
        self.conn = None
        self.latencies = []
        self.last_body = b""
        self.last_wire = 0
        self.last_encoding = "identity"

    def start(self, timeout=20.0):
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StartError(f"{self.title} exited with status {self.proc.returncode} "
                                 f"at start-up:\n{self.log_tail()}")
            try:
                if self.scrape(False, None, record=False) == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise StartError(f"{self.title} did not answer on 127.0.0.1:{self.port} within "
                         f"{timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, n=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def close_conn(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def scrape(self, use_gzip, accept, record=True, new_connection=False):
        """GET /metrics once; returns the HTTP status. Keeps the body of the last scrape."""
        headers = {"Accept-Encoding": "gzip" if use_gzip else "identity"}
        if accept:
            headers["Accept"] = accept
        t0 = time.perf_counter()
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request("GET", "/metrics", headers=headers)
                resp = self.conn.getresponse()
                body = resp.read()
                break
            except (OSError, http.client.HTTPException):
                # The server may close an idle keep-alive connection; retry once on a new one.
                self.close_conn()
                if attempt:
                    raise
        elapsed = time.perf_counter() - t0
        if new_connection or resp.will_close:
            self.close_conn()
        if record:
            self.latencies.append(elapsed)
        self.last_wire = len(body)
        if resp.getheader("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        self.last_body = body
        self.last_encoding = resp.getheader("Content-Encoding", "identity")
        return resp.status

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pids(self):
        """The server's process and its children (plumb's privilege broker)."""
        pid = self.proc.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [pid] + [int(c) for c in f.read().split()]
        except OSError:
            return [pid]

    def cpu_ticks(self):
        """utime + stime of the whole process (all threads, live and exited), in clock ticks."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)

    def cpu_ns(self):
        """The process's CPU clock (the scheduler's exact runtime of all its threads), or None.

        clock_getcpuclockid(3) for another process is the clock id ((~pid) << 3) | 2
        (CPUCLOCK_SCHED); Linux lets any process read it.
        """
        try:
            return sum(time.clock_gettime_ns(((~pid) << 3) | 2) for pid in self.pids())
        except (OSError, OverflowError, ValueError):
            return None

    def memory(self):
        """VmRSS, VmHWM, RssAnon, RssFile from /proc/PID/status, and Pss from smaps_rollup
        summed over the process and its children (plumb's broker), bytes."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                    parts = v.split()
                    out[k] = int(parts[0]) * (1024 if k != "Threads" else 1)
        for pid in self.pids():
            # also the server's own and its children's (the broker) apart; and Pss_Anon
            # alone: anonymous pages are shared only by fork, so unlike Pss_File (shared
            # libraries, split with whatever else maps them) it does not move with the
            # rest of the machine
            part = "Self" if pid == self.proc.pid else "Children"
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k in ("Pss", "Pss_Anon"):
                            kib = int(v.split()[0]) * 1024
                            out[k] = out.get(k, 0) + kib
                            out[k + part] = out.get(k + part, 0) + kib
            except OSError:
                pass
        out["Processes"] = len(self.pids())
        return out

    def stop(self):
        self.close_conn()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def failed_collectors(text):
    """Collectors whose node_scrape_collector_success is 0 in an exposition TEXT."""
    return sorted(m.group(1) for m in re.finditer(
        r'^node_scrape_collector_success\{collector="([^"]+)"\} 0$', text, re.M))


def count_series(text):
    series = families = 0
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            families += 1
        elif line and not line.startswith("#"):
            series += 1
    return series, families


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(v, digits=3):
    if v is None:
        return "n/a"
    if isinstance(v, int):
        return str(v)
    if v != 0 and abs(v) < 10 ** -digits:
        return f"{v:.2e}"
    return f"{v:.{digits}f}"


def parse_args(argv):
    p = argparse.ArgumentParser(description="Benchmark plumb against node_exporter on this machine.")
    p.add_argument("--plumb", default="build/plumb", help="plumb binary (default: build/plumb)")
    p.add_argument("--node-exporter", default=NODE_EXPORTER,
                   help=f"node_exporter binary (default: {NODE_EXPORTER})")
    p.add_argument("--scrapes", type=int, default=1000, help="measured scrapes of each server (default 1000)")
    p.add_argument("--warmup", type=int, default=20, help="unmeasured scrapes of each first (default 20)")
    p.add_argument("--gzip", action="store_true", help="ask for gzip (Accept-Encoding: gzip), as Prometheus does")
    p.add_argument("--accept", default=None,
                   help="Accept header to send (default: none, which gets text format 0.0.4 from both)")
    p.add_argument("--new-connection", action="store_true",
                   help="open a new TCP connection for every scrape (default: keep-alive, as Prometheus)")
    p.add_argument("--collectors", default=None,
                   help="comma-separated collectors to enable instead of the standard set")
    p.add_argument("--ne-variants", choices=("both", "lean", "default"), default="both",
                   help="node_exporter runs: 'lean' with --web.disable-exporter-metrics, 'default' "
                        "as shipped (go_/process_/promhttp_ metrics on), or both (default)")
    p.add_argument("--plumb-broker", action="store_true",
                   help="run plumb as shipped (as root it switches to nobody and forks its "
                        "privilege broker) instead of keeping uid 0; CPU and Pss then count both "
                        "processes")
    p.add_argument("--plumb-arg", action="append", default=[], metavar="ARG",
                   help="one more argument for plumb, repeatable: with --plumb-broker, "
                        "--plumb-arg=--runtime.broker=false measures nobody without the broker")
    p.add_argument("--set", choices=("standard", "defaults", "all"), default="standard",
                   help="collectors: 'standard' the 31 plumb replaces (default), 'defaults' each "
                        "exporter's own defaults (plumb's include container and health), 'all' "
                        "every collector both list")
    p.add_argument("--host", choices=("live", "generated"), default="live",
                   help="read this machine (default) or a large host written by bench/genhost.py")
    p.add_argument("--genhost-dir", metavar="DIR",
                   help="with --host generated: use the tree already in DIR instead of writing one")
    p.add_argument("--genhost-args", default="", metavar="ARGS",
                   help="with --host generated: extra genhost.py options, e.g. '--cpus 64 --seed 2'")
    p.add_argument("--repeat", type=int, default=1,
                   help="measure R blocks of --scrapes rounds each and report the median block "
                        "(default 1)")
    p.add_argument("--alone", type=float, metavar="IDLE_MS",
                   help="after the scrapes in turn, also scrape each server by itself, "
                        "--scrapes times back to back and --scrapes times each after IDLE_MS "
                        "ms of idle, and report both: what a scrape costs on warm caches, and "
                        "what it costs when it starts on cold ones")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = p.parse_args(argv)
    if args.scrapes < 1 or args.warmup < 0 or args.repeat < 1:
        p.error("--scrapes and --repeat must be at least 1 and --warmup at least 0")
    if args.alone is not None and not 0 < args.alone <= 10000:
        p.error("--alone takes an idle time between 0 and 10000 ms")
    if args.collectors and args.set != "standard":
        p.error("--collectors and --set exclude each other")
    return args


def plan(args, plumb_help, ne_help):
    """Choose the collectors both binaries list; say which were left out and why. With
    --set defaults the list is empty: each server runs its own defaults."""
    in_plumb, in_ne = listed_collectors(plumb_help), listed_collectors(ne_help)
    if args.set == "defaults":
        return [], [], []
    if args.set == "all":
        wanted = sorted(in_plumb & in_ne)
    else:
        wanted = args.collectors.split(",") if args.collectors else list(COLLECTORS)
    chosen = [c for c in wanted if c in in_plumb and c in in_ne]
    not_plumb = [c for c in wanted if c not in in_plumb]
    not_ne = [c for c in wanted if c in in_plumb and c not in in_ne]
    return chosen, not_plumb, not_ne


def plumb_runtime_args(args, plumb_help):
    """Run as root, plumb switches to nobody after start-up (docs/sandbox.md) and its
    broker reads the benchmark's 0700 temp folder for it. Unless --plumb-broker, keep
    uid 0 (without capabilities, still sandboxed, no broker) where the binary has
    --runtime.user."""
    if not args.plumb_broker and os.geteuid() == 0 and lists_flag(plumb_help, "runtime.user"):
        return ["--runtime.user=root"]
    return []


def host_args(args, root):
    """The --path.* flags both servers get: the generated tree's, or this machine's roots
    spelled out (the same as both defaults, so both read the same files either way)."""
    if args.host == "generated":
        return genhost.genhost_args(root)
    return ["--path.procfs=/proc", "--path.sysfs=/sys", "--path.rootfs=/",
            "--path.udev.data=/run/udev/data"]


def build_servers(args, chosen, plumb_help, ne_help, workdir, root=None):
    if args.set == "defaults":
        common = []
    else:
        common = ["--collector.disable-defaults"] + [f"--collector.{c}" for c in chosen]
    common += host_args(args, root)
    extra = {"plumb": plumb_runtime_args(args, plumb_help) + args.plumb_arg, "ne": []}
    if "textfile" in chosen or args.set == "defaults":
        tdir = os.path.join(workdir, "textfile")
        os.mkdir(tdir)
        if args.plumb_broker:
            # as on a host, a folder the runtime user may read: under mkdtemp's 0700 folder
            # plumb would read it through its broker, and plumb without a broker not at all
            os.chmod(workdir, 0o755)
        with open(os.path.join(tdir, "bench.prom"), "w") as f:
            f.write(TEXTFILE_BODY)
        for key, h in (("plumb", plumb_help), ("ne", ne_help)):
            if lists_flag(h, TEXTFILE_FLAG):
                extra[key].append(f"--{TEXTFILE_FLAG}={tdir}")
    servers = [Server("plumb", "plumb", [args.plumb] + common + extra["plumb"], workdir)]
    if args.ne_variants in ("both", "lean"):
        servers.append(Server("ne", "node_exporter --web.disable-exporter-metrics",
                              [args.node_exporter] + common + extra["ne"] +
                              ["--web.disable-exporter-metrics"], workdir))
    if args.ne_variants in ("both", "default"):
        servers.append(Server("ne_default", "node_exporter (exporter metrics on, as shipped)",
                              [args.node_exporter] + common + extra["ne"], workdir))
    return servers


def measure(servers, args):
    """Warm up, then scrape the servers in turn args.scrapes times; return per-server figures."""
    def one_round():
        for s in servers:
            status = s.scrape(args.gzip, args.accept, new_connection=args.new_connection)
            if status != 200:
                raise RuntimeError(f"{s.title} answered HTTP {status}")
    for _ in range(args.warmup):
        one_round()
    for s in servers:
        s.latencies = []
    blocks = {s.key: [] for s in servers}  # (ticks, ns or None) per measured block
    t0 = time.monotonic()
    for _ in range(args.repeat):
        before = {s.key: (s.cpu_ticks(), s.cpu_ns()) for s in servers}
        for _ in range(args.scrapes):
            one_round()
        after = {s.key: (s.cpu_ticks(), s.cpu_ns()) for s in servers}
        for s in servers:
            ns0, ns1 = before[s.key][1], after[s.key][1]
            blocks[s.key].append((after[s.key][0] - before[s.key][0],
                                  ns1 - ns0 if ns0 is not None and ns1 is not None else None))
    wall = time.monotonic() - t0
    alone = {s.key: measure_alone(s, args) for s in servers} if args.alone else {}
    tck = os.sysconf("SC_CLK_TCK")
    out = {}
    for s in servers:
        if not s.alive():
            raise RuntimeError(f"{s.title} died during the run:\n{s.log_tail()}")
        # the median block: a neighbour's burst of load in one block does not move it
        ticks = statistics.median_low([b[0] for b in blocks[s.key]])
        nss = [b[1] for b in blocks[s.key]]
        ns0, ns1 = (0, statistics.median_low(nss)) if None not in nss else (None, None)
        text = s.last_body.decode("utf-8", "replace")
        series, families = count_series(text)
        lat = sorted(s.latencies)
        out[s.key] = {
            "title": s.title,
            "argv": s.argv,
            "cpu_ticks": ticks,
            "cpu_ms_per_scrape_stat": ticks * 1000.0 / tck / args.scrapes,
            "cpu_ms_per_scrape_clock": (ns1 - ns0) / 1e6 / args.scrapes
            if ns0 is not None and ns1 is not None else None,
            "memory_bytes": s.memory(),
            "response_bytes": s.last_wire,
            "response_bytes_uncompressed": len(s.last_body),
            "content_encoding": s.last_encoding,
            "series": series,
            "families": families,
            "latency_ms_median": 1000 * statistics.median(lat),
            "latency_ms_p99": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
            "cpu_ms_per_scrape_clock_blocks": [n / 1e6 / args.scrapes for n in nss]
            if None not in nss else None,
            "collectors_failed": failed_collectors(text),
        }
        out[s.key].update(alone.get(s.key, {}))
    return out, wall


def measure_alone(s, args):
    """Scrape server s by itself: --scrapes times back to back, then --scrapes times each
    after --alone ms of idle. Returns its CPU ms per scrape both ways (process clock, or
    /proc stat ticks where the clock is not readable)."""
    def cpu_ms():
        ns = s.cpu_ns()
        return ns / 1e6 if ns is not None else s.cpu_ticks() * 1000.0 / os.sysconf("SC_CLK_TCK")
    out = {}
    for key, idle in (("cpu_ms_per_scrape_alone", 0.0), ("cpu_ms_per_scrape_after_idle", args.alone / 1000)):
        t = None
        for i in range(args.scrapes + 2):  # two unmeasured first
            if i == 2:
                t = cpu_ms()
            if idle:
                time.sleep(idle)
            status = s.scrape(args.gzip, args.accept, record=False, new_connection=args.new_connection)
            if status != 200:
                raise RuntimeError(f"{s.title} answered HTTP {status}")
        out[key] = (cpu_ms() - t) / args.scrapes
    return out


ROWS = (
    ("CPU ms/scrape (process clock)", lambda r: r["cpu_ms_per_scrape_clock"], 4),
    ("CPU ms/scrape (/proc stat ticks)", lambda r: r["cpu_ms_per_scrape_stat"], 4),
    ("  ticks over the run", lambda r: r["cpu_ticks"], 0),
    ("CPU ms/scrape alone, back to back", lambda r: r.get("cpu_ms_per_scrape_alone"), 4),
    ("CPU ms/scrape alone, after idle", lambda r: r.get("cpu_ms_per_scrape_after_idle"), 4),
    ("VmRSS MiB (after run)", lambda r: r["memory_bytes"].get("VmRSS", 0) / MIB, 2),
    ("VmHWM MiB (peak)", lambda r: r["memory_bytes"].get("VmHWM", 0) / MIB, 2),
    ("  RssAnon MiB", lambda r: r["memory_bytes"].get("RssAnon", 0) / MIB, 2),
    ("  RssFile MiB", lambda r: r["memory_bytes"].get("RssFile", 0) / MIB, 2),
    ("  Pss MiB", lambda r: r["memory_bytes"].get("Pss", 0) / MIB if "Pss" in r["memory_bytes"] else None, 2),
    ("    Pss of the server process", lambda r: r["memory_bytes"].get("PssSelf", 0) / MIB if "PssSelf" in r["memory_bytes"] else None, 2),
    ("    Pss of its children (broker)", lambda r: r["memory_bytes"].get("PssChildren", 0) / MIB if "PssChildren" in r["memory_bytes"] else None, 2),
    ("  Pss_Anon MiB", lambda r: r["memory_bytes"].get("Pss_Anon", 0) / MIB if "Pss_Anon" in r["memory_bytes"] else None, 2),
    ("    Pss_Anon of the server", lambda r: r["memory_bytes"].get("Pss_AnonSelf", 0) / MIB if "Pss_AnonSelf" in r["memory_bytes"] else None, 2),
    ("    Pss_Anon of children (broker)", lambda r: r["memory_bytes"].get("Pss_AnonChildren", 0) / MIB if "Pss_AnonChildren" in r["memory_bytes"] else None, 2),
    ("threads", lambda r: r["memory_bytes"].get("Threads"), 0),
    ("response bytes (on the wire)", lambda r: r["response_bytes"], 0),
    ("response bytes (uncompressed)", lambda r: r["response_bytes_uncompressed"], 0),
    ("series", lambda r: r["series"], 0),
    ("families", lambda r: r["families"], 0),
    ("latency ms median (client)", lambda r: r["latency_ms_median"], 3),
    ("latency ms p99 (client)", lambda r: r["latency_ms_p99"], 3),
)


def report(res, servers):
    keys = [s.key for s in servers]
    ne_keys = [k for k in keys if k != "plumb"]
    names = {"plumb": "plumb", "ne": "ne", "ne_default": "ne-default"}
    head = f"{'':34}" + "".join(f"{names[k]:>13}" for k in keys) + \
        "".join(f"{'plumb/' + names[k]:>20}" for k in ne_keys)
    print(head)
    ratios = {}
    for label, get, digits in ROWS:
        vals = [get(res[k]) for k in keys]
        if all(v is None for v in vals):
            continue  # a figure this run did not take (--alone)
        line = f"{label:34}" + "".join(f"{fmt(v, digits) if digits else fmt(v):>13}" for v in vals)
        for k in ne_keys:
            r = ratio(get(res["plumb"]), get(res[k]))
            ratios.setdefault(k, {})[label.strip()] = r
            line += f"{fmt(r, 3):>20}"
        print(line)
    return ratios


def verdict(res, ratios):
    """The targets, stated against the like-for-like node_exporter run when there is one."""
    ref = "ne" if "ne" in res else "ne_default"
    p = res["plumb"]
    cpu_key = "cpu_ms_per_scrape_clock" if p["cpu_ms_per_scrape_clock"] is not None else "cpu_ms_per_scrape_stat"
    cpu_ratio = ratio(p[cpu_key], res[ref][cpu_key])
    hwm = p["memory_bytes"].get("VmHWM", 0)
    pss_ratio = ratio(p["memory_bytes"].get("Pss"), res[ref]["memory_bytes"].get("Pss"))
    out = {
        "pss_ratio": pss_ratio,
        "pss_target": TARGET_PSS_RATIO,
        "pss_met": pss_ratio is not None and pss_ratio <= TARGET_PSS_RATIO,
        "reference": ref,
        "cpu_measure": cpu_key,
        "cpu_ratio": cpu_ratio,
        "cpu_target": TARGET_CPU_RATIO,
        "cpu_met": cpu_ratio is not None and cpu_ratio <= TARGET_CPU_RATIO,
        "rss_peak_bytes": hwm,
        "rss_target_bytes": TARGET_RSS_BYTES,
        "rss_met": 0 < hwm <= TARGET_RSS_BYTES,
    }
    yes = lambda b: "met" if b else "NOT met"
    print(f"\ntargets (against {ref}, CPU by {cpu_key}):")
    print(f"  CPU per scrape <= 1/5 of node_exporter's: {yes(out['cpu_met'])} "
          f"(plumb/{ref} = {fmt(cpu_ratio, 3)})")
    print(f"  RSS <= 3 MiB: {yes(out['rss_met'])} (plumb VmHWM {hwm / MIB:.2f} MiB, "
          f"VmRSS {p['memory_bytes'].get('VmRSS', 0) / MIB:.2f} MiB)")
    print(f"  Pss <= 1/4 of node_exporter's (stated with --set all): {yes(out['pss_met'])} "
          f"(plumb/{ref} = {fmt(pss_ratio, 3)})")
    tck = os.sysconf("SC_CLK_TCK")
    if p["cpu_ticks"] < 100:
        print(f"  note: plumb used {p['cpu_ticks']} clock ticks (1 tick = {1000 // tck} ms) in the "
              "run, too few for the /proc stat figure to be precise; the process clock row is "
              "exact, or raise --scrapes")
    return out


def main(argv):
    args = parse_args(argv)
    args.plumb = os.path.abspath(args.plumb)
    for b in (args.plumb, args.node_exporter):
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            print(f"bench: {b} is not an executable file", file=sys.stderr)
            return 1
    try:
        plumb_help, ne_help = help_text(args.plumb), help_text(args.node_exporter)
    except StartError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    chosen, not_plumb, not_ne = plan(args, plumb_help, ne_help)
    mach = machine_info()
    print(f"machine: {mach['nproc']} CPUs usable ({mach['cpus_online']} online), {mach['model']}, "
          f"{mach['kernel']}")
    load_start = loadavg()
    print(f"load average at start: {load_start}")
    print(f"plumb:         {args.plumb} ({version_of(args.plumb)})")
    print(f"node_exporter: {args.node_exporter} ({version_of(args.node_exporter)})")
    if args.set == "defaults":
        print("collectors: each server's defaults (plumb's include container and health)")
    else:
        print(f"collectors ({len(chosen)}): {' '.join(chosen) or '(none)'}")
    if not_plumb:
        print(f"left out, not in plumb --help ({len(not_plumb)}): {' '.join(not_plumb)}")
    if not_ne:
        print(f"left out, not in node_exporter --help ({len(not_ne)}): {' '.join(not_ne)}")
    if not chosen and args.set != "defaults":
        print("bench: no collector is listed by both binaries", file=sys.stderr)
        return 1
    mode = "gzip" if args.gzip else "plain text (no gzip)"
    conn = "a new connection per scrape" if args.new_connection else "one keep-alive connection each"
    print(f"scrapes: {args.scrapes} of each, in turn, after {args.warmup} warm-up rounds; {mode}; "
          f"{conn}" + (f"; Accept: {args.accept}" if args.accept else ""))
    workdir = tempfile.mkdtemp(prefix="plumb-bench-")
    root = None
    if args.host == "generated":
        root = args.genhost_dir
        if root is None:
            # tmpfs when there is one: the tree's ~12,000 files write faster there
            root = os.path.join(workdir, "host")
            if os.path.isdir("/dev/shm"):
                root = os.path.join(tempfile.mkdtemp(prefix="plumb-genhost-", dir="/dev/shm"), "host")
            if args.plumb_broker:
                # plumb reads the --path.* trees as nobody: the roots are not the broker's to
                # open (docs/sandbox.md), so mkdtemp's 0700 folder would fail every collector
                os.chmod(os.path.dirname(root), 0o755)
            t0 = time.monotonic()
            # as root, the cgroup tree gets a filesystem of its own, as on a real host
            # (genhost.py's gen_cgroups says why that matters)
            own = ["--own-cgroupfs"] if os.geteuid() == 0 else []
            subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "genhost.py"), root]
                           + own + args.genhost_args.split(), check=True, stdout=subprocess.DEVNULL)
            print(f"host: generated by bench/genhost.py {args.genhost_args} in {root} "
                  f"({time.monotonic() - t0:.0f} s)")
        else:
            print(f"host: the tree in {root}")
        root = os.path.abspath(root)
        if os.path.isdir(os.path.join(root, "sys/fs/cgroup")):
            own = os.path.join(root, "sys/fs/cgroup") in genhost.mounts_under(root)
            print("host: its cgroup tree is " + ("a filesystem of its own, as on a real host" if own
                  else "on the same filesystem as its sysfs (genhost.py --own-cgroupfs "
                  "makes it its own, as on a real host)"))
    else:
        print("host: this machine (/proc, /sys, /)")
    if args.repeat > 1:
        print(f"repeat: {args.repeat} measured blocks; CPU rows are the median block")
    servers = build_servers(args, chosen, plumb_help, ne_help, workdir, root)
    status = 0
    try:
        for s in servers:
            s.start()
        print("servers: " + "; ".join(f"{s.key} pid {s.proc.pid} on :{s.port}" for s in servers))
        print()
        res, wall = measure(servers, args)
        ratios = report(res, servers)
        print(f"\nmeasured phase: {wall:.1f} s wall; load average at end: {loadavg()}")
        if args.alone:
            print(f"alone rows: each server by itself after the scrapes in turn, {args.scrapes} "
                  f"scrapes back to back, then {args.scrapes} each after {args.alone:g} ms idle")
        print("ne = node_exporter --web.disable-exporter-metrics: the same collectors and series as "
              "plumb, plus node_exporter_build_info and promhttp_metric_handler_errors_total;\n"
              "ne-default = node_exporter as shipped, with its go_/process_/promhttp_ metrics too")
        for s in servers:
            if res[s.key]["collectors_failed"]:
                print(f"{s.key}: node_scrape_collector_success 0 for "
                      f"{' '.join(res[s.key]['collectors_failed'])}")
            blocks = res[s.key]["cpu_ms_per_scrape_clock_blocks"]
            if blocks and len(blocks) > 1:
                print(f"{s.key}: CPU ms/scrape per block: {' '.join(fmt(b, 3) for b in blocks)}")
        targets = verdict(res, ratios)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"machine": mach, "load_start": load_start, "load_end": loadavg(),
                           "plumb": args.plumb, "plumb_version": version_of(args.plumb),
                           "node_exporter": args.node_exporter,
                           "node_exporter_version": version_of(args.node_exporter),
                           "collectors": chosen, "left_out_not_in_plumb": not_plumb,
                           "left_out_not_in_node_exporter": not_ne,
                           "set": args.set, "host": args.host, "repeat": args.repeat,
                           "scrapes": args.scrapes, "warmup": args.warmup, "gzip": args.gzip,
                           "alone_idle_ms": args.alone,
                           "accept": args.accept, "new_connection": args.new_connection,
                           "wall_seconds": wall, "results": res, "ratios": ratios,
                           "targets": targets}, f, indent=2, sort_keys=True)
                f.write("\n")
            print(f"\nfigures written to {args.json}")
    except StartError as e:
        print(f"bench: {e}", file=sys.stderr)
        status = 1
    except (RuntimeError, OSError, http.client.HTTPException) as e:
        print(f"bench: the run failed: {e}", file=sys.stderr)
        status = 1
    finally:
        for s in servers:
            s.stop()
        if root and not args.genhost_dir:
            genhost.remove(root)  # it may hold a mount: never left behind
            if os.path.dirname(root) != workdir:
                shutil.rmtree(os.path.dirname(root), ignore_errors=True)
        if status == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"bench: server logs kept in {workdir}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
