#!/usr/bin/env python3
"""test_qdisc_netns: the qdisc collector, live, in network namespaces this test makes,
against Debian's node_exporter run in the same namespace.

Two namespaces joined by three veth pairs, with queueing disciplines set by tc(8) on the
first one's ends: va with tbf at the root (a slow rate, so packets queue and go over its
limit) and an ingress qdisc, wa with htb, a class and a pfifo under it, xa with four transmit queues under mq (each with its
own child qdisc). ARP is off on those ends and IPv6 disabled, so only the test's own
UDP traffic (through va and wa) passes the qdiscs. The test runs itself again inside the
first namespace (`ip netns exec`), then checks:
- plumb's node_qdisc_* series are node_exporter's, series for series and value for value
  (plumb is scraped before and after node_exporter; one of the two must agree);
- only root qdiscs appear (not htb's child, mq's children or ingress), with the packets
  that were sent counted;
- --collector.qdisk.device-include / --collector.qdisc.device-exclude pick devices.
Traffic stays inside the namespaces. Needs root, ip(8) and tc(8); skipped otherwise.
Without node_exporter the comparison is skipped and the rest runs.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import Plumb, check, free_port, main, parse_exposition, skip  # noqa: E402

NS = "plumb-qd-%d" % os.getpid()
PEER = NS + "-peer"
NODE_EXPORTER = os.environ.get("NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
SENT = 300


def run(*cmd, check_rc=True):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r


def setup():
    for ns in (NS, PEER):
        run("ip", "netns", "add", ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1")
    ns, tc = ("ip", "-n", NS), ("tc", "-n", NS)
    for i, (a, b) in enumerate((("va", "vb"), ("wa", "wb"), ("xa", "xb"))):
        queues = ["numtxqueues", "4"] if a == "xa" else []
        run(*ns, "link", "add", a, *queues, "type", "veth", "peer", "name", b, "netns", PEER)
        run(*ns, "link", "set", a, "arp", "off")
        run(*ns, "addr", "add", "10.98.%d.1/24" % i, "dev", a)
        run(*ns, "link", "set", a, "up")
        run("ip", "-n", PEER, "addr", "add", "10.98.%d.2/24" % i, "dev", b)
        run("ip", "-n", PEER, "link", "set", b, "up")
    run(*tc, "qdisc", "add", "dev", "va", "root", "tbf", "rate", "1mbit", "burst", "4kb",
        "latency", "200ms")
    run(*tc, "qdisc", "add", "dev", "va", "ingress")
    run(*tc, "qdisc", "add", "dev", "wa", "root", "handle", "1:", "htb", "default", "10")
    run(*tc, "class", "add", "dev", "wa", "parent", "1:", "classid", "1:10", "htb", "rate",
        "100mbit")
    run(*tc, "qdisc", "add", "dev", "wa", "parent", "1:10", "handle", "10:", "pfifo")
    run(*tc, "qdisc", "add", "dev", "xa", "root", "handle", "8:", "mq")


def teardown():
    for ns in (NS, PEER):
        run("ip", "netns", "del", ns, check_rc=False)


# --- inside the namespace ------------------------------------------------------------

def send_udp(addr, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(b"plumb qdisc test", (addr, 9))
    s.close()


def qdisc_series(ex):
    """{(family, device, kind): value} of every node_qdisc_* series."""
    out = {}
    for fam in ex.types:
        if fam.startswith("node_qdisc_"):
            for labels, v in ex.series(fam):
                out[(fam, labels["device"], labels["kind"])] = v
    return out


def scrape_plumb(args):
    with Plumb(["--collector.disable-defaults", "--collector.qdisc"] + args) as p:
        status, _, body = p.get()
        check(status == 200, "scrape status %d" % status)
        check("level=error" not in p.log(), "plumb logged an error:\n" + p.log())
        return parse_exposition(body)


def scrape_node_exporter(args):
    port = free_port()
    proc = subprocess.Popen([NODE_EXPORTER, "--collector.disable-defaults", "--collector.qdisc",
                             "--web.listen-address=127.0.0.1:%d" % port] + args,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
                    return parse_exposition(r.read())
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)


def test_against_node_exporter():
    send_udp("10.98.0.2", SENT)
    send_udp("10.98.1.2", SENT)
    time.sleep(0.5)  # tbf sends what it queued (about 20 kB at 1 Mbit/s)
    ours = qdisc_series(scrape_plumb([]))
    devices = {(d, k) for _, d, k in ours}
    check(devices == {("lo", "noqueue"), ("va", "tbf"), ("wa", "htb"), ("xa", "mq")},
          "root qdiscs: %s" % sorted(devices))
    for dev in ("va", "wa"):
        sent = [v for (f, d, _), v in ours.items() if f == "node_qdisc_packets_total" and d == dev]
        check(sent and sent[0] >= SENT, "%s's qdisc counted %s packets, %d sent" % (dev, sent, SENT))
    over = ours.get(("node_qdisc_overlimits_total", "va", "tbf"))
    check(over and over > 0, "tbf on va never went over its rate: %r" % over)
    print("va: %s" % {f[len("node_qdisc_"):]: v for (f, d, _), v in ours.items() if d == "va"})
    if not os.access(NODE_EXPORTER, os.X_OK):
        print("test_qdisc_netns: %s is not installed; comparison skipped" % NODE_EXPORTER)
        return
    theirs = qdisc_series(scrape_node_exporter([]))
    again = qdisc_series(scrape_plumb([]))
    if again == theirs:
        ours = again
    check(set(ours) == set(theirs), "series differ: plumb only %s, node_exporter only %s"
          % (sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))))
    diff = {k: (ours[k], theirs[k]) for k in set(ours) & set(theirs) if ours[k] != theirs[k]}
    check(not diff, "values differ (plumb, node_exporter): %s" % diff)


def test_device_flags():
    ex = scrape_plumb(["--collector.qdisk.device-include=^va$"])
    check({d for _, d, _ in qdisc_series(ex)} == {"va"}, "device-include: %s" % qdisc_series(ex))
    ex = scrape_plumb(["--collector.qdisc.device-exclude=a$"])
    check({d for _, d, _ in qdisc_series(ex)} == {"lo"}, "device-exclude: %s" % qdisc_series(ex))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        main([test_against_node_exporter, test_device_flags])
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("tc"):
        skip("needs root, ip(8) and tc(8) to make network namespaces")
    try:
        try:
            setup()
        except RuntimeError as e:
            teardown()
            skip("cannot make the namespaces, devices or qdiscs: %s" % e)
        r = subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
                            "--inside"], timeout=600)
    finally:
        teardown()
    sys.exit(r.returncode)
