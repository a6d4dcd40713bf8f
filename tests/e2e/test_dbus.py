#!/usr/bin/env python3
"""test_dbus: the systemd and logind collectors against a private system bus, beside
Debian's node_exporter 1.5 on the same bus.

Each test starts its own dbus-daemon (dbusfix.SystemBus: a system-bus configuration, its
socket in a temporary folder) and serves org.freedesktop.systemd1 or org.freedesktop.login1
from python-dbusmock with this folder's templates, then runs plumb (sandboxed, as it runs by
default) and node_exporter with DBUS_SYSTEM_BUS_ADDRESS pointing at that bus:

- systemd_matches_node_exporter: units of every kind and state (a service with tasks,
  restarts and start time, a socket, a timer, a mount, an unloaded unit, a unit whose
  name needs escaping, one lacking properties, an active state beyond the usual five): every node_systemd_* series, type and value
  of node_exporter's is plumb's, and plumb has no other, with the enable-* flags on, and
  again with an include pattern and the default optional flags off.
- systemd_old_version: a manager older than 212 gets neither timers nor system_running,
  and an unreadable Version gives node_systemd_version{version=""} 0, as in node_exporter.
- logind_matches_node_exporter: seats, local and remote sessions, unknown types and classes
  (counted as "other"), a session on no seat, one on a seat ListSeats does not list, and one
  whose Type cannot be read: node_logind_sessions is the same series for series.
- silent_bus: a socket that accepts and never answers. The first scrape answers within the
  collectors' --collector.*.timeout (1 s here) plus slack, with success 0 for both; the next
  scrapes answer at once (success 0) while the abandoned query is still stuck.
- bus_comes_back: plumb starts while the bus socket never answers (success 0), then the
  listener goes away and a real bus takes its path: within a few scrapes, with no restart,
  systemd's series are back (success 1).
- no_bus: DBUS_SYSTEM_BUS_ADDRESS names a socket that does not exist: success 0 and every
  other collector still served.

Skips (passes) when dbus-daemon, python3-dbusmock or node_exporter is missing; the
node_exporter comparisons alone need node_exporter.
"""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbusfix  # noqa: E402
import plumbtest as pt  # noqa: E402
from plumbtest import check, main  # noqa: E402

NODE_EXPORTER = os.environ.get("NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
EXCLUDE = r"--collector.systemd.unit-exclude=.+\.(automount|device|mount|scope|slice)"

SYSTEMD = {
    "version": "252.39-1~deb12u2", "state": "running",
    "units": [
        {"name": "ssh.service", "active": "active",
         "props": {"org.freedesktop.systemd1.Service": {"Type": "notify", "NRestarts": 3,
                                                          "TasksCurrent": 4, "TasksMax": 4915},
                   "org.freedesktop.systemd1.Unit": {"ActiveEnterTimestamp": 1700000000123456}}},
        {"name": "cron.service", "active": "failed",
         "props": {"org.freedesktop.systemd1.Service": {"Type": "simple", "NRestarts": 0,
                                                          "TasksCurrent": 2**64 - 1,
                                                          "TasksMax": 2**64 - 1}}},
        {"name": "getty@tty1.service", "active": "activating",
         "props": {"org.freedesktop.systemd1.Service": {"Type": "idle", "NRestarts": 1,
                                                          "TasksCurrent": 1, "TasksMax": 10},
                   "org.freedesktop.systemd1.Unit": {"ActiveEnterTimestamp": 5}}},
        {"name": "bare.service", "active": "active"},
        {"name": "dbus.socket", "active": "active",
         "props": {"org.freedesktop.systemd1.Socket": {"NAccepted": 50, "NConnections": 2,
                                                         "NRefused": 1},
                   "org.freedesktop.systemd1.Unit": {"ActiveEnterTimestamp": 1600000000000000}}},
        {"name": "old.socket", "active": "deactivating",
         "props": {"org.freedesktop.systemd1.Socket": {"NAccepted": 7, "NConnections": 0}}},
        {"name": "logrotate.timer", "active": "inactive",
         "props": {"org.freedesktop.systemd1.Timer": {"LastTriggerUSec": 1650000000500000}}},
        {"name": "home.mount", "active": "active",
         "props": {"org.freedesktop.systemd1.Mount": {"Type": "ext4"}}},
        {"name": "-.slice", "active": "active"},
        {"name": "gone.service", "load": "not-found", "active": "inactive"},
        {"name": "odd.target", "active": "reloading"},
    ],
}

LOGIND = {
    "seats": ["seat0", "seat1"],
    "sessions": [
        {"id": "1", "seat": "seat0", "remote": False, "type": "x11", "class": "user"},
        {"id": "2", "seat": "seat0", "remote": False, "type": "x11", "class": "user"},
        {"id": "3", "seat": "", "remote": True, "type": "tty", "class": "user"},
        {"id": "4", "seat": "seat1", "remote": False, "type": "wayland", "class": "greeter"},
        {"id": "5", "seat": "", "remote": True, "type": "vnc", "class": "manager"},
        {"id": "6", "seat": "seat9", "remote": False, "type": "tty", "class": "user"},
        {"id": "7", "seat": "seat0", "remote": False, "broken": True},
    ],
}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def node_exporter(env, args):
    """Run node_exporter with args on env's bus; return its exposition parsed."""
    port = free_port()
    proc = subprocess.Popen([NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port,
                             "--collector.disable-defaults"] + args, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + pt.HANG
        while True:
            try:
                status, _, body = pt.request(port, "/metrics", timeout=30)
                if status == 200:
                    return pt.parse_exposition(body)
            except OSError:
                pass
            check(proc.poll() is None and time.monotonic() < deadline,
                  "node_exporter did not serve: %s" % proc.stderr.read1().decode(errors="replace"))
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()


def plumb(env, args):
    """Run plumb with args on env's bus; return (exposition, log)."""
    with pt.Plumb(["--collector.disable-defaults"] + args, env=env) as p:
        status, _, body = p.get()
        check(status == 200, "plumb answered %d" % status)
        return pt.parse_exposition(body), p.log()


def family(ex, prefix):
    """{(name, labels): value} and {name: type} of the series whose name starts prefix."""
    samples = {k: v for k, v in ex.samples.items() if k[0].startswith(prefix)}
    types = {k: v for k, v in ex.types.items() if k.startswith(prefix)}
    return samples, types


def same(ne, pl, prefix, what):
    a, at = family(ne, prefix)
    b, bt = family(pl, prefix)
    check(a, "%s: node_exporter emitted no %s series" % (what, prefix))
    only_ne = sorted(set(a) - set(b))
    only_pl = sorted(set(b) - set(a))
    check(not only_ne, "%s: series only node_exporter has: %s" % (what, only_ne[:8]))
    check(not only_pl, "%s: series only plumb has: %s" % (what, only_pl[:8]))
    diff = [(k, a[k], b[k]) for k in a if a[k] != b[k]]
    check(not diff, "%s: values differ (series, node_exporter, plumb): %s" % (what, diff[:8]))
    check(at == bt, "%s: types differ: node_exporter %s, plumb %s" % (what, at, bt))
    return len(a)


def have_node_exporter():
    return os.access(NODE_EXPORTER, os.X_OK)


def test_systemd_matches_node_exporter():
    if not have_node_exporter():
        print("  (node_exporter not installed: comparison skipped)")
        return
    with dbusfix.SystemBus() as bus:
        bus.serve("mock_systemd", "org.freedesktop.systemd1", SYSTEMD)
        for args in (["--collector.systemd", EXCLUDE, "--collector.systemd.enable-task-metrics",
                      "--collector.systemd.enable-restarts-metrics",
                      "--collector.systemd.enable-start-time-metrics"],
                     ["--collector.systemd", r"--collector.systemd.unit-exclude=.+\.slice",
                      r"--collector.systemd.unit-include=(ssh|dbus|home)\..+"]):
            ne = node_exporter(bus.env(), args)
            pl, log = plumb(bus.env(), args)
            check(pl.value("node_scrape_collector_success", collector="systemd") == 1,
                  "plumb's systemd collector failed:\n" + log[-3000:])
            n = same(ne, pl, "node_systemd_", " ".join(args[2:]) or "defaults")
            print("  %d node_systemd_* series agree (%s)" % (n, " ".join(args[1:])))
            check("sandbox entered" in log, "plumb did not run sandboxed:\n" + log[-2000:])


def test_systemd_old_version():
    for version, want in (("v211", 211), ("no digits", 0)):
        params = dict(SYSTEMD, version=version)
        with dbusfix.SystemBus() as bus:
            bus.serve("mock_systemd", "org.freedesktop.systemd1", params)
            pl, log = plumb(bus.env(), ["--collector.systemd", EXCLUDE])
            check(pl.value("node_scrape_collector_success", collector="systemd") == 1, log[-2000:])
            label = version if want else ""
            check(pl.value("node_systemd_version", version=label) == want,
                  "version %r: %s" % (version, pl.series("node_systemd_version")))
            check(not pl.series("node_systemd_timer_last_trigger_seconds"),
                  "timers reported for systemd %r" % version)
            check(not pl.series("node_systemd_system_running"),
                  "system_running reported for systemd %r" % version)
            if have_node_exporter():
                ne = node_exporter(bus.env(), ["--collector.systemd", EXCLUDE])
                same(ne, pl, "node_systemd_", "version " + version)


def test_logind_matches_node_exporter():
    with dbusfix.SystemBus() as bus:
        bus.serve("mock_logind", "org.freedesktop.login1", LOGIND)
        pl, log = plumb(bus.env(), ["--collector.logind"])
        check(pl.value("node_scrape_collector_success", collector="logind") == 1, log[-3000:])
        series = pl.series("node_logind_sessions")
        check(len(series) == 2 * 7 * 5 * 3, "%d node_logind_sessions series" % len(series))
        v = pl.value("node_logind_sessions", seat="seat0", remote="false", type="x11",
                     **{"class": "user"})
        check(v == 2, "seat0 local x11 user sessions: %r" % v)
        v = pl.value("node_logind_sessions", seat="", remote="true", type="other",
                     **{"class": "other"})
        check(v == 1, "remote vnc/manager session counted as other/other: %r" % v)
        check(sum(s[1] for s in series) == 5, "sessions counted: %r" % sum(s[1] for s in series))
        if have_node_exporter():
            ne = node_exporter(bus.env(), ["--collector.logind"])
            n = same(ne, pl, "node_logind_", "logind")
            print("  %d node_logind_sessions series agree" % n)


def test_silent_bus():
    with dbusfix.SilentBus() as bus:
        args = ["--collector.disable-defaults", "--collector.systemd", "--collector.logind",
                "--collector.loadavg", "--collector.systemd.timeout=1s",
                "--collector.logind.timeout=1s"]
        with pt.Plumb(args, env=bus.env()) as p:
            for i in range(3):
                t0 = time.monotonic()
                status, _, body = p.get()
                took = time.monotonic() - t0
                ex = pt.parse_exposition(body)
                check(status == 200, "scrape %d answered %d" % (i, status))
                for c in ("systemd", "logind"):
                    check(ex.value("node_scrape_collector_success", collector=c) == 0,
                          "scrape %d: %s success is not 0" % (i, c))
                check(ex.value("node_scrape_collector_success", collector="loadavg") == 1,
                      "loadavg failed beside a silent bus")
                check(took < 10, "scrape %d took %.1f s on a silent bus" % (i, took))
                print("  scrape %d on a silent bus: %.2f s" % (i, took))


def test_bus_comes_back():
    bus = dbusfix.SystemBus()
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(bus.socket)
    silent.listen(8)
    try:
        with pt.Plumb(["--collector.disable-defaults", "--collector.systemd",
                       "--collector.systemd.timeout=1s"], env=bus.env()) as p:
            ex = pt.parse_exposition(p.get()[2])
            check(ex.value("node_scrape_collector_success", collector="systemd") == 0,
                  "a silent bus did not fail the scrape")
            silent.close()
            os.unlink(bus.socket)
            with bus:
                bus.serve("mock_systemd", "org.freedesktop.systemd1", SYSTEMD)
                deadline = time.monotonic() + 30
                while True:
                    ex = pt.parse_exposition(p.get()[2])
                    if ex.value("node_scrape_collector_success", collector="systemd") == 1:
                        break
                    check(time.monotonic() < deadline,
                          "systemd still failing 30 s after the bus came back:\n" + p.log()[-2000:])
                    time.sleep(0.2)
                check(ex.series("node_systemd_unit_state"), "no unit series after recovery")
                print("  recovered %.1f s after the bus came back"
                      % (time.monotonic() - deadline + 30))
    finally:
        silent.close()


def test_no_bus():
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/plumb-test/bus")
    with pt.Plumb(["--collector.disable-defaults", "--collector.systemd", "--collector.logind",
                   "--collector.loadavg"], env=env) as p:
        status, _, body = p.get()
        ex = pt.parse_exposition(body)
        for c in ("systemd", "logind"):
            check(ex.value("node_scrape_collector_success", collector=c) == 0,
                  "%s success is not 0 without a bus" % c)
        check(ex.value("node_scrape_collector_success", collector="loadavg") == 1,
              "loadavg failed without a bus")


if __name__ == "__main__":
    why = dbusfix.available()
    if why:
        print("test_dbus: %s; nothing to test" % why)
        sys.exit(0)
    main([test_systemd_matches_node_exporter, test_systemd_old_version,
          test_logind_matches_node_exporter, test_silent_bus, test_bus_comes_back, test_no_bus])
