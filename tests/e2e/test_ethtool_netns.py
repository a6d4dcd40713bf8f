#!/usr/bin/env python3
"""test_ethtool_netns: the ethtool collector, live, against Debian's node_exporter 1.5, in a
network namespace this test makes.

The namespace holds a veth pair (va, vb: driver info, per-queue statistics, link settings
without modes), a bridge (driver info and link settings, no statistics), a tap device
(tun driver) and a dummy device where the kernel has the module; loopback answers none of
the requests. Traffic goes between va and vb, inside the namespace. The test runs itself
again inside it (`ip netns exec`, which also mounts that namespace's sysfs), starts plumb
and node_exporter there with --collector.ethtool, and checks:
- every node_ethtool_* and node_network_* series node_exporter 1.5 reports, plumb reports
  with the same labels, value and TYPE, and no other (HELP texts are plumb's own);
- the same with each of the three flags (device-include, device-exclude, metrics-include);
- values that can be checked from sysfs: veth's peer_ifindex is the peer's ifindex;
- node_scrape_collector_success is 1 in both.
Needs root and ip(8); skipped otherwise. Without node_exporter the comparisons are skipped
and only plumb's own checks run.

suite: alone (`ip netns add` mounts the namespace at /run/netns on the host; its devices
stay inside it)
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import HANG, Plumb, check, free_port, main, parse_exposition, skip  # noqa: E402

NS = "plumb-eth-%d" % os.getpid()
NODE_EXPORTER = os.environ.get("NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
FAMILIES = ("node_ethtool_", "node_network_")


def ip(*args, ns=NS, check_rc=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r


def setup():
    """Make the namespace and its devices; returns the names of the optional ones made."""
    ip("netns", "add", NS, ns=None)
    ip("link", "set", "lo", "up")
    ip("link", "add", "va", "type", "veth", "peer", "name", "vb")
    ip("addr", "add", "10.98.0.1/24", "dev", "va")
    ip("addr", "add", "10.98.0.2/24", "dev", "vb")
    made = []
    if ip("link", "add", "br0", "type", "bridge", check_rc=False).returncode == 0:
        made.append("br0")
    if ip("tuntap", "add", "dev", "tap0", "mode", "tap", check_rc=False).returncode == 0:
        made.append("tap0")
    if ip("link", "add", "d0", "type", "dummy", check_rc=False).returncode == 0:
        made.append("d0")
    for dev in ["va", "vb"] + made:
        ip("link", "set", dev, "up")
    return made


def teardown():
    ip("netns", "del", NS, ns=None, check_rc=False)


# --- inside the namespace ------------------------------------------------------------

def traffic():
    """Send some UDP from va's address to vb's, so the devices have counted something."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("10.98.0.1", 0))
        for _ in range(20):
            s.sendto(b"x" * 200, ("10.98.0.2", 9))


def ours(expo):
    """{(name, labels): value} and {name: type} of the ethtool collector's families."""
    series = {k: v for k, v in expo.samples.items() if k[0].startswith(FAMILIES)}
    types = {f: t for f, t in expo.types.items() if f.startswith(FAMILIES)}
    return series, types


def scrape_plumb(flags):
    with Plumb(["--collector.disable-defaults", "--collector.ethtool"] + flags) as p:
        status, _, body = p.get()
        check(status == 200, "plumb: scrape status %d" % status)
        expo = parse_exposition(body)
        check(expo.value("node_scrape_collector_success", collector="ethtool") == 1,
              "plumb: ethtool collection failed; log:\n" + p.log()[-3000:])
        return expo


def scrape_node_exporter(flags):
    port = free_port()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port,
                                 "--collector.disable-defaults", "--collector.ethtool"] + flags,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + HANG
            while True:
                try:
                    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                                  timeout=10).read()
                    break
                except OSError:
                    check(proc.poll() is None and time.monotonic() < deadline,
                          "node_exporter did not serve")
                    time.sleep(0.05)
        finally:
            proc.kill()
            proc.wait()
    expo = parse_exposition(body)
    check(expo.value("node_scrape_collector_success", collector="ethtool") == 1,
          "node_exporter: ethtool collection failed")
    return expo


def compare(flags):
    """plumb and node_exporter with flags: the same series, values and types."""
    pl, ne = ours(scrape_plumb(flags)), ours(scrape_node_exporter(flags))
    missing = sorted(set(ne[0]) - set(pl[0]))
    extra = sorted(set(pl[0]) - set(ne[0]))
    check(not missing, "%s: plumb lacks %s" % (flags, missing[:10]))
    check(not extra, "%s: plumb adds %s" % (flags, extra[:10]))
    differ = [(k, pl[0][k], ne[0][k]) for k in ne[0] if k in pl[0] and pl[0][k] != ne[0][k]]
    check(not differ, "%s: values differ (series, plumb, node_exporter): %s" % (flags, differ[:10]))
    check(pl[1] == ne[1], "%s: types differ: %s vs %s" % (flags, pl[1], ne[1]))
    return pl[0]


def devices(series):
    return {dict(labels)["device"] for (_, labels) in series}


def have_node_exporter():
    return os.access(NODE_EXPORTER, os.X_OK)


def test_same_as_node_exporter():
    if not have_node_exporter():
        print("  (no node_exporter at %s: comparison skipped)" % NODE_EXPORTER)
        return
    traffic()
    s = compare([])
    check({"va", "vb"} <= devices(s), "veth pair missing: %s" % sorted(devices(s)))
    check(("node_ethtool_info", (("bus_info", ""), ("device", "va"), ("driver", "veth"),
                                 ("expansion_rom_version", ""), ("firmware_version", ""),
                                 ("version", "1.0"))) in s, "veth's driver info")
    check(any(k[0] == "node_network_autonegotiate" for k in s), "no link settings")
    check("lo" not in devices(s), "loopback answered")


def test_flags_same_as_node_exporter():
    if not have_node_exporter():
        return
    s = compare(["--collector.ethtool.device-include=^va$"])
    check(devices(s) == {"va"}, "device-include: %s" % sorted(devices(s)))
    s = compare(["--collector.ethtool.device-exclude=^v"])
    check(s and not devices(s) & {"va", "vb"}, "device-exclude: %s" % sorted(devices(s)))
    s = compare(["--collector.ethtool.metrics-include=^peer"])
    stats = {k[0] for k in s if k[0].startswith("node_ethtool_") and k[0] != "node_ethtool_info"}
    check(stats == {"node_ethtool_peer_ifindex"}, "metrics-include: %s" % sorted(stats))


def test_values_from_sysfs():
    expo = scrape_plumb([])
    with open("/sys/class/net/vb/ifindex") as f:
        vb = int(f.read())
    check(expo.value("node_ethtool_peer_ifindex", device="va") == vb,
          "va's peer_ifindex is not vb's ifindex %d" % vb)
    check(expo.types.get("node_ethtool_peer_ifindex") == "untyped", "statistics are untyped")
    check(expo.value("node_network_autonegotiate", device="va") == 0, "veth autonegotiates?")
    check(not [k for k in expo.samples if k[0].startswith(FAMILIES) and
               dict(k[1]).get("device") == "lo"], "loopback has series")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        main([test_same_as_node_exporter, test_flags_same_as_node_exporter,
              test_values_from_sysfs])
    if os.geteuid() != 0 or not shutil.which("ip"):
        skip("needs root and ip(8) to make a network namespace")
    r = None
    try:
        try:
            made = setup()
        except RuntimeError as e:
            teardown()
            skip("cannot make the namespace and devices: %s" % e)
        print("namespace %s: veth va/vb, %s" % (NS, ", ".join(made) or "no other device"))
        r = subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
                            "--inside"], timeout=600)
    finally:
        teardown()
    sys.exit(r.returncode if r else 1)
