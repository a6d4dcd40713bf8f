#!/usr/bin/env python3
"""test_live_compare: plumb and Debian's node_exporter on this live machine, family by family.

Both run side by side on loopback with --collector.disable-defaults and the same collectors:
those plumb is meant to replace that both binaries' --help lists (the rest are printed as
skipped, so the test grows as collectors land). Each is scraped once. Values may differ, as
these are two looks at a running machine; what must not differ is the shape that dashboards
and alerts depend on:

  - every family node_exporter emits, plumb emits, with the same TYPE;
  - per family, the same set of label-name sets;
  - for a few families whose series do not change from one second to the next (the CPU and
    mode list, the enabled collectors and whether they succeeded, uname, os-release), the
    same label values too;
  - plumb emits no family node_exporter does not, except its own plumb_* ones.

The node_exporter here is 1.5; plumb follows a newer one. The few families and labels known
to differ between those versions are listed below, each with its evidence, and are allowed.
Finally plumb must exit 0 on SIGTERM (under ASan that also means no leaks or errors).

If node_exporter is not installed, the test says so and passes.
"""
# suite: alone (compares two exporters on the live machine; tests/run-suite.sh)
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
PLUMB = os.environ.get("PLUMB_BIN", os.path.join(root, "build", "plumb"))
NODE_EXPORTER = os.environ.get("NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
ASAN = os.environ.get("PLUMB_ASAN") == "1"

# The node_exporter collectors plumb is meant to replace: all of them, default and optional,
# but the ones node_exporter deprecated (ntp, runit, supervisord). Both turn them all on.
COLLECTORS = (
    "arp bcache bcachefs bonding btrfs buddyinfo cgroups conntrack cpu cpu_vulnerabilities "
    "cpufreq diskstats dmi dmmultipath drbd drm edac entropy ethtool fibrechannel filefd "
    "filesystem hwmon infiniband interrupts ipvs kernel_hung ksmd lnstat loadavg logind mdadm "
    "meminfo meminfo_numa mountstats netclass netdev netstat network_route nfs nfsd nvme "
    "nvmesubsystem os perf powersupplyclass pressure processes qdisc rapl schedstat selinux "
    "slabinfo sockstat softirqs softnet stat swap sysctl systemd tapestats tcpstat textfile "
    "thermal_zone time timex udp_queues uname vmstat watchdog wifi xfrm xfs zfs zoneinfo"
).split()

# Not compared: the Go exporter's own runtime and HTTP metrics, its build label, and a
# timing that is different on every scrape by nature.
IGNORED = re.compile(r"^(go_|process_|promhttp_|node_exporter_build_info$|"
                     r"node_scrape_collector_duration_seconds$)")

# Families a node_exporter newer than 1.5 emits and 1.5 does not: plumb may emit them.
# Evidence: "fixture" means node_exporter 1.5 run on ../shared/fixtures/node_exporter leaves
# them out while that tree's e2e-output.txt (node_exporter at commit a7dcc3a0) has them;
# the version is the node_exporter release whose changelog adds them.
NEWER_ONLY = {
    "node_softnet_backlog_len": "softnet, fixture",
    "node_softnet_cpu_collision_total": "softnet, fixture",
    "node_softnet_flow_limit_count_total": "softnet, fixture",
    "node_softnet_received_rps_total": "softnet, fixture",
    "node_netstat_TcpExt_TCPOFOQueue": "netstat default fields, 1.8 (#2867), fixture",
    "node_netstat_TcpExt_TCPRcvQDrop": "netstat default fields, 1.9 (#3021), fixture",
    "node_pressure_irq_stalled_seconds_total": "pressure, 1.9 (#3048), fixture",
    "node_filesystem_mount_info": "filesystem, 1.9 (#2970)",
    "node_cpu_scaling_governor": "cpufreq, 1.6 (#2569), fixture",
    "node_cpu_frequency_hertz": "cpufreq, fixture",
    "node_md_degraded": "mdadm, fixture",
    "node_md_raid_disks": "mdadm, fixture",
    "node_edac_channel_correctable_errors_total": "edac, fixture",
    "node_edac_channel_uncorrectable_errors_total": "edac, fixture",
    "node_btrfs_commits_total": "btrfs commit_stats, fixture",
    "node_btrfs_commit_seconds_total": "btrfs commit_stats, fixture",
    "node_btrfs_last_commit_seconds": "btrfs commit_stats, fixture",
    "node_btrfs_max_commit_seconds": "btrfs commit_stats, fixture",
    "node_ksmd_general_profit_bytes": "ksmd general_profit (kernel 6.4), fixture",
}
# Labels a newer node_exporter added to a family 1.5 already has: plumb may carry them.
NEWER_LABELS = {
    "node_disk_info": {"rotational"},      # diskstats, 1.9 (#3022), fixture
    "node_network_info": {"adminstate"},   # netclass, 1.6 (#2515), fixture
}
# filesystem, 1.8 (#2923): every node_filesystem_* family but mount_info carries the
# statfs error text (or "mountpoint timeout") as device_error
for _f in ("avail_bytes", "device_error", "files", "files_free", "free_bytes", "readonly",
           "size_bytes"):
    NEWER_LABELS["node_filesystem_" + _f] = {"device_error"}
# Families node_exporter 1.5 emits that newer versions dropped: plumb need not emit them.
# None known for these collectors (the fixture comparison shows none).
OLDER_ONLY = {}

# Families whose label values, not just names, must match: they are fixed for the life of
# the machine (or of this test), so two scrapes a moment apart agree on them.
STABLE_VALUES = {
    "node_cpu_seconds_total": ("cpu", "mode"),
    "node_scrape_collector_success": ("collector",),
    "node_uname_info": ("sysname", "release", "version", "machine", "nodename", "domainname"),
    "node_os_info": None,       # None: every label
    "node_os_version": None,
    "node_textfile_scrape_error": None,
    "node_textfile_mtime_seconds": ("file",),
    "livecompare_jobs_total": None,
}
# Families whose sample values must match too. Whether each collector succeeded is what
# alerts on node_scrape_collector_success see: node_exporter reports 0 for a collector whose
# files this machine lacks (no /proc/mdstat, say), and plumb must do the same.
STABLE_SAMPLES = ("node_scrape_collector_success", "node_textfile_scrape_error",
                  "livecompare_jobs_total")

TEXTFILE_FLAG = "collector.textfile.directory"
TEXTFILE_BODY = (
    "# HELP livecompare_jobs_total Jobs a cron script says it ran.\n"
    "# TYPE livecompare_jobs_total counter\n"
    'livecompare_jobs_total{job="backup",result="ok"} 42\n'
    'livecompare_jobs_total{job="backup",result="failed"} 1\n'
    "# HELP livecompare_last_run_seconds When the script last ran.\n"
    "# TYPE livecompare_last_run_seconds gauge\n"
    "livecompare_last_run_seconds 1.7e+09\n"
)


def help_text(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


def listed_collectors(helptext):
    """Names offered as --collector.NAME or --[no-]collector.NAME (not sub-flags like cpu.info)."""
    return set(re.findall(r"--(?:\[no-\])?collector\.([a-z0-9_]+)(?=\s|$)", helptext, re.M))


def lists_flag(helptext, flag):
    return re.search(r"--(?:\[no-\])?" + re.escape(flag) + r"(?=[\s=]|$)", helptext, re.M) is not None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse_labels(s, i):
    """Parse '{a="x",b="y"}' from s[i] == '{'; return (tuple of (name, value)), index after '}'."""
    labels, i = [], i + 1
    while True:
        while s[i] in " ,":
            i += 1
        if s[i] == "}":
            return tuple(sorted(labels)), i + 1
        j = s.index("=", i)
        name = s[i:j].strip()
        if s[j + 1] != '"':
            raise ValueError("label value not quoted")
        k, val = j + 2, []
        while s[k] != '"':
            if s[k] == "\\":
                val.append({"n": "\n", "\\": "\\", '"': '"'}.get(s[k + 1], "\\" + s[k + 1]))
                k += 2
            else:
                val.append(s[k])
                k += 1
        labels.append((name, "".join(val)))
        i = k + 1


def parse(text):
    """Return {family: {"type": t, "series": {(sample name, labels): value}}} and problems."""
    types, samples, problems = {}, [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                if parts[2] in types:
                    problems.append(f"line {n}: second TYPE for {parts[2]}")
                types[parts[2]] = parts[3].strip()
            continue
        try:
            m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
            name, i = m.group(0), m.end()
            labels = ()
            if i < len(line) and line[i] == "{":
                labels, i = parse_labels(line, i)
            value = float(line[i:].split()[0])
        except Exception as e:  # a line no Prometheus could read
            problems.append(f"line {n}: unparseable {line[:100]!r}: {e}")
            continue
        samples.append((name, labels, value))
    fams = {}
    for name, labels, value in samples:
        fam = name
        for suffix in ("_bucket", "_sum", "_count", "_created"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
                fam = base
                break
        f = fams.setdefault(fam, {"type": types.get(fam, "untyped"), "series": {}})
        if (name, labels) in f["series"]:
            problems.append(f"duplicate series {name}{dict(labels)}")
        f["series"][(name, labels)] = value
    return fams, problems


def start(argv, log_path):
    port = free_port()
    log = open(log_path, "wb")
    proc = subprocess.Popen(argv + [f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    return proc, port


def wait_ready(proc, port, name, log_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"FAILED: {name} exited with {proc.returncode} at start-up:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
                r.read()
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"FAILED: {name} did not answer on 127.0.0.1:{port}:\n{tail(log_path)}")


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as r:
        return r.read().decode("utf-8")


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def stop(proc):
    """SIGTERM, then wait; returns the exit status (SIGKILL after 20 s counts as a failure)."""
    if proc.poll() is not None:
        return proc.returncode
    proc.terminate()
    try:
        return proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "killed after 20 s"


def label_names(series):
    return {frozenset(n for n, _ in labels) for (_, labels) in series}


def label_values(series, names):
    out = set()
    for (_, labels) in series:
        d = dict(labels)
        out.add(tuple(sorted(d.items())) if names is None else tuple(d.get(n) for n in names))
    return out


def show(s, limit=6):
    items = sorted(s, key=repr)
    more = f" ... and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(repr(sorted(x) if isinstance(x, frozenset) else x) for x in items[:limit]) + more


def compare(ne, pl):
    """Return a list of differences between node_exporter's families (ne) and plumb's (pl)."""
    bad = []
    ne_f = {f for f in ne if not IGNORED.match(f)}
    pl_f = {f for f in pl if not IGNORED.match(f)}
    for fam in sorted(ne_f - pl_f):
        if fam not in OLDER_ONLY:
            bad.append(f"MISSING  {fam}: node_exporter emits {len(ne[fam]['series'])} series, plumb none")
    for fam in sorted(pl_f - ne_f):
        if not fam.startswith("plumb_") and fam not in NEWER_ONLY:
            bad.append(f"EXTRA    {fam}: plumb emits {len(pl[fam]['series'])} series, "
                       "node_exporter none")
    for fam in sorted(ne_f & pl_f):
        a, b = ne[fam], pl[fam]
        if a["type"] != b["type"]:
            bad.append(f"TYPE     {fam}: plumb says {b['type']}, node_exporter {a['type']}")
        ln_ne, ln_pl = label_names(a["series"]), label_names(b["series"])
        allowed = NEWER_LABELS.get(fam, set())
        if allowed:
            ln_pl = {frozenset(s - allowed) for s in ln_pl}
            ln_ne = {frozenset(s - allowed) for s in ln_ne}
        if ln_ne != ln_pl:
            bad.append(f"LABELS   {fam}: plumb has {show(ln_pl - ln_ne) or '-'} where "
                       f"node_exporter has {show(ln_ne - ln_pl) or '-'}")
        if fam in STABLE_VALUES:
            va, vb = label_values(a["series"], STABLE_VALUES[fam]), label_values(b["series"], STABLE_VALUES[fam])
            if va != vb:
                bad.append(f"VALUES   {fam}: only node_exporter has {show(va - vb) or '-'}; "
                           f"only plumb has {show(vb - va) or '-'}")
        if fam in STABLE_SAMPLES:
            for key in sorted(set(a["series"]) & set(b["series"])):
                if a["series"][key] != b["series"][key]:
                    bad.append(f"SAMPLE   {key[0]}{dict(key[1])}: plumb {b['series'][key]}, "
                               f"node_exporter {a['series'][key]}")
    return bad


def main():
    if not os.access(NODE_EXPORTER, os.X_OK):
        print(f"SKIPPED: {NODE_EXPORTER} is not installed; nothing to compare against")
        return 0
    plumb_help, ne_help = help_text(PLUMB), help_text(NODE_EXPORTER)
    in_plumb, in_ne = listed_collectors(plumb_help), listed_collectors(ne_help)
    checked = [c for c in COLLECTORS if c in in_plumb and c in in_ne]
    not_plumb = [c for c in COLLECTORS if c not in in_plumb]
    not_ne = [c for c in COLLECTORS if c in in_plumb and c not in in_ne]
    print(f"checked ({len(checked)}): {' '.join(checked)}")
    if not_plumb:
        print(f"skipped, not in plumb --help yet ({len(not_plumb)}): {' '.join(not_plumb)}")
    if not_ne:
        print(f"skipped, not in {NODE_EXPORTER} --help ({len(not_ne)}): {' '.join(not_ne)}")
    if not checked:
        print("FAILED: no collector to compare")
        return 1

    work = tempfile.mkdtemp(prefix="plumb-live-")
    common = ["--collector.disable-defaults"] + [f"--collector.{c}" for c in checked]
    extra = {"plumb": [], "ne": []}
    if "textfile" in checked:
        tdir = os.path.join(work, "textfile")
        os.mkdir(tdir)
        with open(os.path.join(tdir, "jobs.prom"), "w") as f:
            f.write(TEXTFILE_BODY)
        for key, h in (("plumb", plumb_help), ("ne", ne_help)):
            if lists_flag(h, TEXTFILE_FLAG):
                extra[key].append(f"--{TEXTFILE_FLAG}={tdir}")
    ne_log, pl_log = os.path.join(work, "node_exporter.log"), os.path.join(work, "plumb.log")
    ne_proc = pl_proc = None
    try:
        ne_proc, ne_port = start([NODE_EXPORTER, "--web.disable-exporter-metrics"] + common +
                                 extra["ne"], ne_log)
        # uid 0 without capabilities, as plumbtest.runtime_args does: the textfile
        # folder is a 0700 mkdtemp of root's that the default runtime user cannot read
        pl_proc, pl_port = start([PLUMB, "--runtime.user=root"] + common + extra["plumb"],
                                 pl_log)
        wait_ready(ne_proc, ne_port, "node_exporter", ne_log, 30)
        wait_ready(pl_proc, pl_port, "plumb", pl_log, 90 if ASAN else 30)
        ne_text = scrape(ne_port)
        pl_text = scrape(pl_port)
    finally:
        pl_status = stop(pl_proc) if pl_proc else 0
        if ne_proc:
            stop(ne_proc)

    ne, ne_problems = parse(ne_text)
    pl, pl_problems = parse(pl_text)
    bad = [f"plumb: {p}" for p in pl_problems] + compare(ne, pl)
    if ne_problems:
        print("note: node_exporter's own output has problems: " + "; ".join(ne_problems[:5]))
    if pl_status != 0:
        bad.append(f"EXIT     plumb exited with {pl_status} on SIGTERM:\n{tail(pl_log)}")
    allowed = sorted(f for f in set(pl) - set(ne) if f in NEWER_ONLY)
    if allowed:
        print(f"allowed, newer than node_exporter 1.5: {' '.join(allowed)}")
    compared = len([f for f in ne if not IGNORED.match(f)])
    print(f"families compared: {compared} from node_exporter, "
          f"{len([f for f in pl if not IGNORED.match(f)])} from plumb")
    if bad:
        print("FAILED: plumb differs from node_exporter on this machine:")
        print("\n".join(bad))
        print(f"logs in {work}")
        return 1
    print("ok: every family matches in TYPE and label names")
    for p in (ne_log, pl_log):
        os.unlink(p)
    if "textfile" in checked:
        os.unlink(os.path.join(tdir, "jobs.prom"))
        os.rmdir(tdir)
    os.rmdir(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
