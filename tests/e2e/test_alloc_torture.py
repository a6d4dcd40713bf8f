#!/usr/bin/env python3
"""test_alloc_torture: every allocation of a cold scrape is failed in turn, and plumb
survives each failure: no crash, a well-formed body or an error, a working next scrape,
and no leak after shutdown.

Runs build/tests/alloc_torture (see tests/alloc_torture.c) against node_exporter's
fixture host with every collector compiled in switched on, and against this live
machine's /proc and /sys with every collector switched on too. A "scrape" is eight
requests: both views (/metrics, /metrics/resource) in text and OpenMetrics, plain and
gzipped. A third phase on the fixture host starts counting at agent_init(), so the
collectors' start-up is failed too; so does one with perf's kernel tracepoints on this
machine (as root, in a private mount namespace with tracefs, which the fixture host
lacks), and so do two on a generated Kubernetes node (bench/cgroup-fixture.py, cgroup v2
and v1) with the container collector alone, whose requests are all served as streams
(--stream: how large collections are sent). Each phase must find nothing and must have
failed at least a few dozen allocations (so a tool that stopped counting cannot pass); a
last run injects a leak, a crash, then the close of a descriptor read from memory never
set (the tool fills fresh blocks with the number of a descriptor it holds), to show that
the tool reports each.

Sanitizers replace malloc, so under PLUMB_ASAN=1 this test is skipped.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (ASAN, BUILD, TRACEFS_NS, cgroup_fixture, check,  # noqa: E402
                       every_collector, fixture_flags, main, skip)

TOOL = os.path.join(BUILD, "tests", "alloc_torture")
# The D-Bus collectors (systemd, logind) are on with every collector: point them at a bus
# that does not exist, so a host's real system bus (whose messages libsystemd allocates)
# plays no part; they then fail each scrape without allocating.
NO_BUS = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/plumb-alloc/bus")
SUMMARY = re.compile(r"^(\S+): (\d+) allocations in (?:start-up and )?a cold scrape .* in ([\d.]+) s: "
                     r"0 crashes, 0 malformed bodies, 0 failed recoveries, 0 leaks, 0 stray closes$", re.M)


def torture(phase, flags, opts=(), wrapper=()):
    r = subprocess.run(list(wrapper) + [TOOL] + list(opts) + [phase] + flags + ["--log.level=error"],
                       capture_output=True, text=True, timeout=900, env=NO_BUS)
    print(r.stdout, end="")
    # each failed allocation may log a collector failure: show only the end
    if r.stderr:
        print("stderr (last lines):", "\n".join(r.stderr.splitlines()[-10:]))
    m = SUMMARY.search(r.stdout)
    check(r.returncode == 0 and m, "%s: allocation failures were not all survived (exit %d)"
          % (phase, r.returncode))
    check(int(m.group(2)) >= 20, "%s: only %s allocations failed: is the tool failing any?"
          % (phase, m.group(2)))
    return r


def memory_errors_only(r):
    """On the fixture host nothing else fails, so every error plumb logged must name the
    failed allocation for what it is (not, say, "too many samples")."""
    errs = set(re.findall(r'err="([^"]*)"', r.stderr))
    check(errs, "no failure was logged at all")
    check(errs <= {"Cannot allocate memory", "out of memory"},
          "a failed allocation was reported as something else: %s" % sorted(errs))


def test_fixture_host_every_collector():
    memory_errors_only(torture("fixture", every_collector(fixture_flags())))


def test_live_machine_every_collector():
    torture("live", every_collector([]))


def test_fixture_host_startup_too():
    # from agent_init on: collectors whose start fails are left out, never leaked
    memory_errors_only(torture("startup", every_collector(fixture_flags()), ["--startup"]))


def test_perf_tracepoints_startup_too():
    # the fixture host has no tracefs, so the tracepoints' start-up (their descriptor
    # array, perf_fini) is tortured on this machine's, in a mount namespace of its own
    if os.geteuid() != 0:
        print("(not root: perf's tracepoints cannot be counted, phase left out)")
        return
    flags = ["--collector.disable-defaults", "--collector.perf",
             "--collector.perf.tracepoint=sched:sched_switch",
             "--collector.perf.tracepoint=syscalls:sys_enter_getpid"]
    r = torture("perf-tracepoints", flags, ["--startup"], TRACEFS_NS)
    memory_errors_only(r)


def test_container_collector_on_a_generated_node():
    # bench/cgroup-fixture.py's Kubernetes node (7 containers), cgroup v2 and v1 layouts
    fixture = cgroup_fixture()
    for layout in ("v2", "v1"):
        d = tempfile.mkdtemp(prefix="plumb-torture-%s-" % layout)
        try:
            node = os.path.join(d, "node")
            fixture.generate(node, 7, seed=7, layout=layout)
            memory_errors_only(torture("container-" + layout, [
                "--collector.disable-defaults", "--collector.container",
                "--path.sysfs=" + os.path.join(node, "sys"), "--path.rootfs=" + node],
                ["--startup", "--stream"]))
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_tool_catches_leaks_crashes_and_stray_closes():
    print("(these runs must report findings: they leak and crash on purpose)")
    for what, summary in (("leak", "0 crashes, 0 malformed bodies, 0 failed recoveries, 3 leaks, "
                                   "0 stray closes"),
                          ("crash", "3 crashes, 0 malformed bodies, 0 failed recoveries, 0 leaks, "
                                    "0 stray closes"),
                          ("close", "0 crashes, 0 malformed bodies, 0 failed recoveries, 0 leaks, "
                                    "3 stray closes")):
        r = subprocess.run([TOOL, "--max", "3", "--inject", what, "inject", "--log.level=error"],
                           capture_output=True, text=True, timeout=900)
        print(r.stdout, end="")
        check(r.returncode == 1 and "(stopped at --max)" in r.stdout and summary in r.stdout,
              "an injected %s on every failed allocation went unreported" % what)


if __name__ == "__main__":
    if ASAN:
        skip("PLUMB_ASAN=1: sanitizers replace malloc, so allocations cannot be failed")
    if not os.access(TOOL, os.X_OK):
        print("FAIL: %s is missing; build it with make tests" % TOOL)
        sys.exit(1)
    main([test_fixture_host_every_collector, test_live_machine_every_collector,
          test_fixture_host_startup_too, test_perf_tracepoints_startup_too,
          test_container_collector_on_a_generated_node,
          test_tool_catches_leaks_crashes_and_stray_closes])
