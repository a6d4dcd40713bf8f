#!/usr/bin/env python3
"""test_alloc: a scrape allocates nothing on the heap once warmed up.

Runs build/tests/alloc_count (see tests/alloc_count.c) twice: against node_exporter's
fixture host with every collector compiled in switched on and the fixture flags this
binary knows (as expo-diff picks them), and against this live machine's /proc and
/sys with the default collectors, and live again with netdev's and netclass's netlink
flags. plumb's own process metrics are collected too. Each phase warms up, then counts malloc-family
calls over 100 collections rendered in both formats, plain and gzipped; any
allocation fails the test, and alloc_count's output names the collectors that
allocated. A third run injects one allocation per collection to prove the counter
catches and attributes it.

Sanitizers replace malloc, so under PLUMB_ASAN=1 this test is skipped.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import ASAN, BUILD, check, every_collector, fixture_flags, main, skip  # noqa: E402

TOOL = os.path.join(BUILD, "tests", "alloc_count")
# The D-Bus collectors (systemd, logind) are on with every collector: point them at a bus
# that does not exist, so a host's real system bus (whose messages libsystemd allocates)
# plays no part; they then fail each scrape without allocating.
NO_BUS = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/plumb-alloc/bus")


def run_tool(args):
    r = subprocess.run([TOOL] + args, capture_output=True, text=True, timeout=600, env=NO_BUS)
    print(r.stdout, end="")
    if r.stderr:
        print("stderr:", r.stderr[-3000:], end="")
    return r


def test_fixture_host_every_collector():
    r = run_tool(["fixture"] + every_collector(fixture_flags()) + ["--log.level=error"])
    check(r.returncode == 0, "steady-state scrapes allocate on the fixture host (exit %d)"
          % r.returncode)


def test_live_machine_defaults():
    r = run_tool(["--retry", "live", "--log.level=error"])
    check(r.returncode == 0, "steady-state scrapes allocate on this machine (exit %d)" % r.returncode)


def test_live_machine_netlink_flags():
    """netdev's addresses and detailed counters, netclass's netlink mode (with its
    ethtool dump and sysfs reads), qdisc's dumps and wifi's (nl80211, where the kernel has
    it), which keep tables of their own between scrapes."""
    r = run_tool(["--retry", "live-netlink", "--log.level=error", "--collector.disable-defaults",
                  "--collector.netdev", "--collector.netdev.address-info",
                  "--collector.netdev.enable-detailed-metrics", "--collector.netdev.label-ifalias",
                  "--collector.netclass",
                  "--collector.netclass.netlink", "--collector.qdisc", "--collector.wifi"])
    check(r.returncode == 0, "steady-state scrapes allocate with the netlink flags (exit %d)"
          % r.returncode)


def test_counter_catches_an_allocation():
    print("(this run must report a failure: it allocates on purpose)")
    r = run_tool(["--inject", "--warmup", "8", "--collections", "20", "inject",
                  "--log.level=error"])
    check(r.returncode == 1, "an injected allocation per collection went unnoticed (exit %d)"
          % r.returncode)
    check(re.search(r"steady state, 20 collections: 20 allocations", r.stdout),
          "injected allocations not counted exactly")
    check(re.search(r"^inject:   \S+: 20 allocations \(1\.00 per collection\)$", r.stdout, re.M),
          "injected allocations not attributed to a collector")


if __name__ == "__main__":
    if ASAN:
        skip("PLUMB_ASAN=1: sanitizers replace malloc, so allocations cannot be counted")
    if not os.access(TOOL, os.X_OK):
        print("FAIL: %s is missing; build it with make tests" % TOOL)
        sys.exit(1)
    main([test_fixture_host_every_collector, test_live_machine_defaults,
          test_live_machine_netlink_flags, test_counter_catches_an_allocation])
