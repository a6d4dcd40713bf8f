#!/usr/bin/env python3
"""test_textfile_attacks: a .prom file can neither take over nor crowd out what plumb
itself reports.

plumb runs on node_exporter's fixture host (so thermal_zone and udp_queues have data)
with its default collectors, health and the HTTP endpoint, and a textfile folder made
by the test:

- a file defining families of the collectors that sort after "textfile" (thermal_zone,
  time, timex, udp_queues, uname), plumb's self-metrics (plumb_node_condition,
  plumb_runtime_sandbox, plumb_http_connections, plumb_scrape_collections_total),
  node_scrape_collector_success, process_* and node_exporter_build_info. Every
  collector must still succeed with its real series, every self-metric (plumb's own
  process and build included) must keep its real value, node_textfile_scrape_error must be 1, the families left out counted, the
  warning logged once (not every scrape), and a family no collector emits still served;
- a 16 MB file of 1,000,000 series next to a small one: every collector's series and
  node_scrape_collector_success line, and every self-metric family, must be there as
  in a scrape without it; the big family is left out and counted, the small file
  served. With the textfile bounds raised past the sink's own limit, the sink fills
  with the file's series, and still no collector or self-metric loses a line;
- with the filesystem collector off, a file reporting a full root filesystem: it is
  served, but health must not take it for a measurement (DiskPressure stays Unknown;
  before, the file turned it True and Ready False).
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import FIXTURES, HANG, Plumb, check, main, parse_exposition  # noqa: E402

OM = "application/openmetrics-text;version=1.0.0"

EVIL = """node_time_seconds 1
node_uname_info{sysname="evil"} 1
node_udp_queues{ip="v4",queue="rx"} 12345
node_timex_offset_seconds 12345
node_thermal_zone_temp{type="evil",zone="9"} 12345
plumb_node_condition{condition="Ready",status="true"} 12345
plumb_runtime_sandbox{feature="seccomp"} 12345
plumb_http_connections 12345
plumb_scrape_collections_total 12345
node_scrape_collector_success{collector="time"} 12345
node_scrape_collector_success{collector="evil"} 12345
process_resident_memory_bytes 12345
node_exporter_build_info{version="evil"} 12345
node_textfile_scrape_error 0
"""
EVIL_FAMILIES = 14
GOOD = "node_backup_last_success_seconds 1700000000\n"
SELF_FAMILIES = ("plumb_node_condition", "plumb_runtime_sandbox", "plumb_http_connections",
                 "plumb_scrape_collections_total", "plumb_problem_events_total")


def flags(textdir, *extra):
    """The fixture host's paths, the default collectors, and textdir."""
    return ["--path.procfs=%s/proc" % FIXTURES, "--path.sysfs=%s/sys" % FIXTURES,
            "--path.rootfs=%s" % FIXTURES, "--path.udev.data=%s/udev/data" % FIXTURES,
            "--health.kernel-log=", "--collector.textfile.directory=" + textdir] + list(extra)


def scrape(p, om=False, skip_big=False):
    """One scrape, parsed strictly; with skip_big, the big file's m{...} lines are counted
    (in .big) and left out of the parse, which would take long in Python."""
    status, _, body = p.get(headers={"Accept": OM} if om else None)
    check(status == 200, "scrape answered %d" % status)
    big = 0
    if skip_big:
        lines = body.split(b"\n")
        kept = [l for l in lines if not l.startswith(b"m{")]
        big = len(lines) - len(kept)
        body = b"\n".join(kept)
    ex = parse_exposition(body, om=om)
    ex.big = big
    return ex


def successes(ex):
    return {l["collector"]: v for l, v in ex.series("node_scrape_collector_success")}


def test_collisions_leave_plumb_alone():
    d = tempfile.mkdtemp()
    try:
        with open(os.path.join(d, "evil.prom"), "w") as f:
            f.write(EVIL)
        with open(os.path.join(d, "good.prom"), "w") as f:
            f.write(GOOD)
        with Plumb(flags(d)) as p:
            for _ in range(3):
                ex = scrape(p)
            om = scrape(p, om=True)
            log = p.log()
    finally:
        shutil.rmtree(d)
    ok = successes(ex)
    for c in ("thermal_zone", "time", "timex", "udp_queues", "uname", "textfile", "loadavg"):
        check(ok.get(c) == 1, "collector %s: success %r" % (c, ok.get(c)))
    check(set(ok.values()) == {1.0}, "some collector failed: %r" % ok)
    check("evil" not in ok, "the file's node_scrape_collector_success{collector=evil} is served")
    check(abs(ex.value("node_time_seconds") - time.time()) < 3600,
          "node_time_seconds is %r" % ex.value("node_time_seconds"))
    uname = ex.series("node_uname_info")
    check(len(uname) == 1 and uname[0][0].get("sysname") != "evil" and "machine" in uname[0][0],
          "node_uname_info: %r" % uname)
    check(ex.value("node_udp_queues", ip="v4", queue="rx") == 0 and
          ex.value("node_udp_queues", ip="v4", queue="tx") == 21,
          "node_udp_queues: %r" % ex.series("node_udp_queues"))
    check(ex.value("node_timex_offset_seconds") not in (None, 12345),
          "node_timex_offset_seconds: %r" % ex.value("node_timex_offset_seconds"))
    check(ex.series("node_thermal_zone_temp") == [({"type": "cpu-thermal", "zone": "0"}, 12.376)],
          "node_thermal_zone_temp: %r" % ex.series("node_thermal_zone_temp"))
    cond = ex.series("plumb_node_condition")
    check(len(cond) == 18 and 12345 not in [v for _, v in cond],
          "plumb_node_condition: %r" % cond)
    ready = {l["status"]: v for l, v in cond if l["condition"] == "Ready"}
    check(sorted(ready.values()) == [0, 0, 1], "Ready: %r" % ready)
    check(ex.value("plumb_runtime_sandbox", feature="seccomp") == 1,
          "plumb_runtime_sandbox{seccomp}: %r" % ex.value("plumb_runtime_sandbox", feature="seccomp"))
    conns = ex.value("plumb_http_connections")
    check(conns is not None and 1 <= conns < 100, "plumb_http_connections: %r" % conns)
    check(ex.value("plumb_scrape_collections_total") not in (None, 12345),
          "plumb_scrape_collections_total: %r" % ex.value("plumb_scrape_collections_total"))
    rss = ex.series("process_resident_memory_bytes")
    check(len(rss) == 1 and rss[0][1] > 1 << 20, "process_resident_memory_bytes: %r" % rss)
    build = ex.series("node_exporter_build_info")
    check(len(build) == 1 and build[0][1] == 1 and build[0][0].get("version") != "evil" and
          "goversion" in build[0][0], "node_exporter_build_info: %r" % build)
    check(ex.value("node_textfile_scrape_error") == 1, "node_textfile_scrape_error is not 1")
    dropped = ex.value("plumb_textfile_dropped_series_total", reason="collision")
    check(dropped and dropped % EVIL_FAMILIES == 0,
          "plumb_textfile_dropped_series_total{collision}: %r" % dropped)
    check(ex.value("node_backup_last_success_seconds") == 1700000000,
          "a family no collector emits is not served")
    check(om.value("node_time_seconds") not in (None, 1), "OpenMetrics: node_time_seconds")
    for bad in ("collector failed", "self-metrics source failed", "File exists"):
        check(bad not in log, "log has %r:\n%s" % (bad, log[-3000:]))
    warned = log.count("text file metrics left out: their names belong to plumb")
    check(warned == 1, "the collision was logged %d times, not once:\n%s" % (warned, log[-3000:]))


def write_big(d):
    """A 16 MB file of 1,000,000 series, and a small one."""
    with open(os.path.join(d, "big.prom"), "w") as f:
        f.write("".join('m{i="%d"} 1\n' % i for i in range(1000000)))
    check(os.path.getsize(os.path.join(d, "big.prom")) > 15 << 20, "the big file is too small")
    with open(os.path.join(d, "small.prom"), "w") as f:
        f.write(GOOD)


def plumb_series(ex):
    """{family or sample name: label sets} of what plumb itself serves (not the files')."""
    out = {}
    for (name, labels) in ex.samples:
        if name.startswith("node_textfile_") or name.startswith("plumb_textfile_") or \
           name in ("m", "node_backup_last_success_seconds"):
            continue
        out.setdefault(name, set()).add(labels)
    return out


def test_million_series_crowd_out_nothing():
    base_dir, d = tempfile.mkdtemp(), tempfile.mkdtemp()
    try:
        with Plumb(flags(base_dir)) as p:
            base = plumb_series(scrape(p))
        write_big(d)
        for extra in ([], ["--collector.textfile.max-series=5000000",
                           "--collector.textfile.max-bytes=4000000000"]):
            with Plumb(flags(d, *extra)) as p:
                ex = scrape(p, skip_big=True)
                log = p.log()
            got = plumb_series(ex)
            missing = sorted("%s%r" % (n, sorted(ls - got.get(n, set())))
                             for n, ls in base.items() if ls - got.get(n, set()))
            check(not missing, "%s: plumb's series missing after the big file: %s"
                  % (extra or "defaults", "; ".join(missing)[:3000]))
            ok = successes(ex)
            check(ok and set(ok.values()) == {1.0}, "a collector failed: %r" % ok)
            for fam in SELF_FAMILIES:
                check(ex.series(fam), "%s: self-metric %s missing" % (extra, fam))
            check("self-metrics source failed" not in log and "collector failed" not in log,
                  "log:\n" + log[-3000:])
            if not extra:
                check(ex.big == 0, "the big family is served past the bound")
                dropped = ex.value("plumb_textfile_dropped_series_total", reason="limit")
                check(dropped and dropped % 1000000 == 0,
                      "plumb_textfile_dropped_series_total{limit}: %r" % dropped)
                check(ex.value("node_textfile_scrape_error") == 1, "scrape_error is not 1")
                check(ex.value("node_backup_last_success_seconds") == 1700000000,
                      "the small file is not served")
                check(log.count("over --collector.textfile.max-series") == 1,
                      "the bound was not logged once:\n" + log[-3000:])
            else:
                # the sink's own limit, not the file's bound, stopped the file this time
                check(ex.big > 900000, "the big family: %d series" % ex.big)
    finally:
        shutil.rmtree(base_dir)
        shutil.rmtree(d)


def conditions(ex):
    return {(l["condition"], l["status"]): v for l, v in ex.series("plumb_node_condition")}


def test_file_cannot_drive_health():
    d = tempfile.mkdtemp()
    try:
        with open(os.path.join(d, "fs.prom"), "w") as f:
            f.write('node_filesystem_avail_bytes{mountpoint="/"} 0\n'
                    'node_filesystem_size_bytes{mountpoint="/"} 100\n'
                    'node_filesystem_files_free{mountpoint="/"} 0\n'
                    'node_filesystem_files{mountpoint="/"} 100\n')
        with Plumb(flags(d, "--no-collector.filesystem")) as p:
            # wait for health's first check: MemoryPressure (from the fixture's meminfo)
            # leaves Unknown then; only a hang makes this loop give up
            deadline = time.monotonic() + HANG
            while True:
                ex = scrape(p)
                cond = conditions(ex)
                if cond.get(("MemoryPressure", "unknown")) == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
    finally:
        shutil.rmtree(d)
    check(cond.get(("MemoryPressure", "unknown")) == 0, "no health check ran: %r" % cond)
    check(ex.value("node_filesystem_avail_bytes", mountpoint="/") == 0,
          "the file's family (no collector emits it) is not served")
    check(cond.get(("DiskPressure", "true")) == 0 and cond.get(("DiskPressure", "unknown")) == 1,
          "the file drove DiskPressure: %r" % cond)
    check(ex.value("node_textfile_scrape_error") == 0, "scrape_error is not 0")


if __name__ == "__main__":
    main([test_collisions_leave_plumb_alone, test_million_series_crowd_out_nothing,
          test_file_cannot_drive_health])
