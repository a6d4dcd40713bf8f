#!/usr/bin/env python3
"""test_netlink_netns: the netlink flags of netdev and netclass, live, in network
namespaces this test makes.

Two namespaces joined by a veth pair (va in the first, vb in the second; a dummy
device too where the kernel has the module), with addresses, an alias, an
alternative name, an MTU, a queue length and a group set with ip(8). The test then
runs itself again inside the first namespace (`ip netns exec`, which also mounts that
namespace's sysfs), starts plumb there, sends traffic over va, and checks:
- --collector.netdev.address-info: every address of the devices, formatted as Go
  prints it, with its prefix length and scope; the device filter applies;
- --collector.netdev.enable-detailed-metrics: each kernel counter under its own name,
  over netlink and from /proc/net/dev;
- --collector.netclass.netlink: the same properties sysfs gives (compared family by
  family with the sysfs mode), node_exporter's info labels, speed and duplex from
  ethtool, alternative names; --collector.netclass_rtnl.with-stats: the counters, as
  gauges, at least what was sent;
- without the flags none of it appears.
Traffic stays inside the namespaces. Needs root and ip(8); skipped otherwise.
"""
import json
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import Plumb, check, main, parse_exposition, skip  # noqa: E402

NS = "plumb-nl-%d" % os.getpid()
PEER_NS = NS + "-peer"
ALIAS = 'uplink to "core" \\ 1'
ALTNAME = "plumb-alt-name-va"
ADDRS = (  # ip addr add ..., and how node_exporter writes it
    ("10.99.0.1/24", "10.99.0.1", "24", "global"),
    ("169.254.7.7/16", "169.254.7.7", "16", "link-local"),
    ("2001:db8:0:0:1:0:0:1/64", "2001:db8::1:0:0:1", "64", "global"),
    ("fe80::abcd/64", "fe80::abcd", "64", "link-local"),
)


def ip(*args, ns=NS, check_rc=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r


def setup():
    """Make the namespaces and devices; returns whether a dummy device was made."""
    ip("netns", "add", NS, ns=None)
    ip("netns", "add", PEER_NS, ns=None)
    ip("link", "set", "lo", "up")
    ip("link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", PEER_NS)
    ip("link", "set", "va", "mtu", "1400", "txqueuelen", "77", "group", "5", "alias", ALIAS)
    ip("link", "property", "add", "dev", "va", "altname", ALTNAME)
    for spec, _, _, _ in ADDRS:
        ip("addr", "add", spec, "dev", "va", *(["nodad"] if ":" in spec else []))
    ip("link", "set", "va", "up")
    ip("addr", "add", "10.99.0.2/24", "dev", "vb", ns=PEER_NS)
    ip("link", "set", "vb", "up", ns=PEER_NS)
    return ip("link", "add", "d0", "type", "dummy", check_rc=False).returncode == 0


def teardown():
    for ns in (NS, PEER_NS):
        ip("netns", "del", ns, ns=None, check_rc=False)


# --- inside the namespace ------------------------------------------------------------

def scrape(args):
    with Plumb(["--collector.disable-defaults"] + args) as p:
        status, _, body = p.get()
        check(status == 200, "scrape status %d" % status)
        return parse_exposition(body), p.log()


def sysfs(dev, attr):
    with open("/sys/class/net/%s/%s" % (dev, attr)) as f:
        return f.read().strip()


def send_udp(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(b"plumb", ("10.99.0.2", 9))
    s.close()


def test_address_info():
    ex, _ = scrape(["--collector.netdev", "--collector.netdev.address-info",
                    "--collector.netdev.device-include=^va$"])
    got = {(l["device"], l["address"], l["netmask"], l["scope"]) for l, v in
           ex.series("node_network_address_info") if v == 1}
    want = {("va", a, m, s) for _, a, m, s in ADDRS}
    check(want <= got, "address-info lacks %s; has %s" % (sorted(want - got), sorted(got)))
    check(all(d == "va" for d, _, _, _ in got), "the device filter was not applied: %s" % got)
    check(ex.types.get("node_network_address_info") == "gauge", "address_info is not a gauge")
    # from /proc/net/dev, the names come from a link dump of their own
    ex, _ = scrape(["--collector.netdev", "--no-collector.netdev.netlink",
                    "--collector.netdev.address-info"])
    got = {(l["device"], l["address"]) for l, _ in ex.series("node_network_address_info")}
    check(("va", "10.99.0.1") in got and ("lo", "127.0.0.1") in got and ("lo", "::1") in got,
          "address-info without netlink: %s" % sorted(got))
    ex, _ = scrape(["--collector.netdev"])
    check(not ex.series("node_network_address_info"), "address_info without the flag")


def test_detailed_metrics():
    send_udp(20)
    for netlink in ("--collector.netdev.netlink", "--no-collector.netdev.netlink"):
        ex, _ = scrape(["--collector.netdev", "--collector.netdev.enable-detailed-metrics",
                        "--collector.netdev.device-include=^va$", netlink])
        sent = ex.value("node_network_transmit_packets_total", device="va")
        check(sent is not None and sent >= 20, "%s: va sent %r packets" % (netlink, sent))
        for name in ("receive_errors", "transmit_dropped"):
            check(ex.value("node_network_%s_total" % name, device="va") is not None,
                  "%s: no node_network_%s_total" % (netlink, name))
        check(not ex.series("node_network_receive_errs_total"), "%s: folded names too" % netlink)
        if netlink == "--collector.netdev.netlink":
            for name in ("receive_crc_errors", "transmit_heartbeat_errors", "multicast",
                         "collisions", "receive_nohandler"):
                check(ex.types.get("node_network_%s_total" % name) == "counter",
                      "no counter node_network_%s_total" % name)
    ex, _ = scrape(["--collector.netdev", "--collector.netdev.device-include=^va$"])
    check(ex.value("node_network_receive_errs_total", device="va") is not None and
          not ex.series("node_network_receive_errors_total"), "default names changed")


HAS_DUMMY = False  # set inside, from the outer run's setup


def test_netclass_netlink():
    send_udp(30)
    nl, log = scrape(["--collector.netclass", "--collector.netclass.netlink",
                      "--collector.netclass_rtnl.with-stats"])
    fs, _ = scrape(["--collector.netclass"])
    check("level=error" not in log, "plumb logged an error:\n" + log)
    info = {l["device"]: l for l, _ in nl.series("node_network_info")}
    devices = {"lo", "va"} | ({"d0"} if HAS_DUMMY else set())
    check(devices <= set(info), "node_network_info devices: %s" % sorted(info))
    va = info["va"]
    check(va == {"device": "va", "address": sysfs("va", "address"),
                 "broadcast": sysfs("va", "broadcast"), "duplex": "Full",
                 "ifalias": ALIAS, "operstate": "up"}, "va's info labels: %s" % va)
    check(info["lo"]["duplex"] == "" and info["lo"]["address"] == "00:00:00:00:00:00",
          "lo's info labels: %s" % info["lo"])
    check(nl.value("node_network_altnames_info", altname=ALTNAME, device="va") == 1,
          "no altname series for va")
    # veth reports 10 Gb/s through ethtool
    check(nl.value("node_network_speed_bytes", device="va") == 10000 * 1000 * 1000 / 8,
          "va's speed: %r" % nl.value("node_network_speed_bytes", device="va"))
    for fam, want in (("mtu_bytes", 1400), ("transmit_queue_length", 77), ("net_dev_group", 5),
                      ("iface_id", int(sysfs("va", "ifindex"))),
                      ("iface_link", int(sysfs("va", "iflink"))),
                      ("up", 1), ("carrier", 1),
                      ("address_assign_type", int(sysfs("va", "addr_assign_type"))),
                      ("name_assign_type", int(sysfs("va", "name_assign_type")))):
        got = nl.value("node_network_" + fam, device="va")
        check(got == want, "node_network_%s{device=va}: %r, want %r" % (fam, got, want))
    # netlink's flags are the kernel's dev_get_flags(): sysfs's, plus the live state bits
    # (IFF_RUNNING 0x40, IFF_LOWER_UP 0x10000) of a link that is up
    flags, want = int(nl.value("node_network_flags", device="va")), int(sysfs("va", "flags"), 0)
    check(flags == want | 0x40 | 0x10000, "va's flags: %#x, sysfs %#x" % (flags, want))
    # what both modes report agrees (the counters of changes may move between scrapes)
    for fam in ("mtu_bytes", "iface_id", "iface_link", "iface_link_mode", "carrier",
                "protocol_type", "device_id", "address_assign_type", "up",
                "transmit_queue_length", "net_dev_group"):
        a = {l["device"]: v for l, v in nl.series("node_network_" + fam) if l["device"] in devices}
        b = {l["device"]: v for l, v in fs.series("node_network_" + fam) if l["device"] in devices}
        check(a == b, "node_network_%s: netlink %s, sysfs %s" % (fam, a, b))
        check(nl.types.get("node_network_" + fam) == fs.types.get("node_network_" + fam),
              "node_network_%s: types differ" % fam)
    sent = nl.value("node_network_transmit_packets_total", device="va")
    check(nl.types.get("node_network_transmit_packets_total") == "gauge" and sent >= 30,
          "with-stats: va sent %r (type %s)" % (sent, nl.types.get("node_network_transmit_packets_total")))
    check(sent <= int(sysfs("va", "statistics/tx_packets")), "more sent than the kernel counts")
    # without the flags: sysfs mode's labels, and no netlink-only families
    check("adminstate" in {k for l, _ in fs.series("node_network_info") for k in l},
          "sysfs mode lost adminstate")
    check(not fs.series("node_network_altnames_info") and
          not fs.series("node_network_transmit_packets_total"), "netlink-only families in sysfs mode")
    nl2, _ = scrape(["--collector.netclass", "--collector.netclass.netlink",
                     "--collector.netclass.ignored-devices=^v"])
    check(not [l for l, _ in nl2.series("node_network_up") if l["device"].startswith("v")] and
          nl2.series("node_network_up") and not nl2.series("node_network_transmit_packets_total"),
          "ignored-devices or with-stats not honoured in netlink mode")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        HAS_DUMMY = sys.argv[2] == "1"
        main([test_address_info, test_detailed_metrics, test_netclass_netlink])
    if os.geteuid() != 0 or not shutil.which("ip"):
        skip("needs root and ip(8) to make network namespaces")
    try:
        try:
            dummy = setup()
        except RuntimeError as e:
            teardown()
            skip("cannot make the namespaces and devices: %s" % e)
        print("namespace %s, veth va/vb%s" % (NS, ", dummy d0" if dummy else " (no dummy module)"))
        r = subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
                            "--inside", "1" if dummy else "0"], timeout=600)
    finally:
        teardown()
    sys.exit(r.returncode)
