#!/usr/bin/env python3
"""test_container_net_live: container_network_* on this machine's real cgroups (root only).

Makes a network namespace with a veth pair (iproute2: the host end pnNNNNNa, the
namespace's end pnNNNNNb, a /30 of 10.213.x.0 between them), a cgroup plumb-net-<pid> at
the top of the real hierarchy (as test_container_live does), and a process inside both
(`ip netns exec` execs it, so the process itself is in the namespace), moved into the
cgroup. plumb runs with only the container collector and an include regex for that
cgroup, and:

- the cgroup has container_network_* series for the namespace's interface and none for
  lo (cAdvisor leaves lo out);
- after 2 MB sent from the host end to the namespace (UDP, only over the pair this test
  made), the cgroup's container_network_receive_bytes_total{interface="pnNNNNNb"} grew
  by at least that much, and receive_packets by at least the datagrams sent;
- the cgroup's series name only the namespace's interface, none of the host's.

Skips, saying why, when not root, without ip, or without a writable cgroup hierarchy.
Cleans up in `finally`: kills the process, deletes the namespace (which deletes the
pair) and removes the cgroups.
"""
# suite: alone (makes a cgroup and a veth end on the host; tests/run-suite.sh)
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import Plumb, check, collectors_in_help, skip  # noqa: E402
from test_container_live import CG, Setup, in_cgroup, read, scrape, wait_line, collector_ok  # noqa: E402

SEND = 2 << 20
DGRAM = 1000
POLL_LIMIT = 60.0

# Waits for a line on stdin (sent once it is in the cgroup), listens on UDP 7777 in the
# namespace, says so, then reads datagrams until killed.
CHILD = r"""
import socket, sys
sys.stdin.readline()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    s.recv(65536)
"""


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def net_series(ex, cid):
    """{(family, interface): value} of the cgroup's container_network_* series."""
    return {(n, dict(l).get("interface")): v for (n, l), v in ex.samples.items()
            if n.startswith("container_network_") and dict(l).get("id") == cid}


def main():
    if os.geteuid() != 0:
        skip("needs root to make namespaces and cgroups")
    if not shutil.which("ip"):
        skip("no ip (iproute2)")
    if "container" not in collectors_in_help():
        skip("plumb has no container collector")
    if not os.path.isdir(CG):
        skip("no %s" % CG)
    k = os.getpid() % 100000
    ns, host_if, ns_if = "plumbnet%d" % k, "pn%da" % k, "pn%db" % k
    net = "10.213.%d" % (k % 250)
    setup = Setup("plumb-net-%d" % os.getpid())
    child = None
    made_ns = False
    try:
        setup.make()
        ip("netns", "add", ns)
        made_ns = True
        ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        ip("link", "set", ns_if, "netns", ns)
        ip("addr", "add", net + ".1/30", "dev", host_if)
        ip("link", "set", host_if, "up")
        ip("netns", "exec", ns, "ip", "addr", "add", net + ".2/30", "dev", ns_if)
        ip("netns", "exec", ns, "ip", "link", "set", ns_if, "up")
        ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        child = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", CHILD],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        setup.move(child.pid)
        check(in_cgroup(child.pid, setup.name), "the child is not in /%s" % setup.name)
        child.stdin.write("go\n")
        child.stdin.flush()
        check(wait_line(child).startswith("ready"), "the child did not start listening")
        check(os.stat("/proc/%d/net/dev" % child.pid).st_ino != os.stat("/proc/1/net/dev").st_ino,
              "the child is not in a namespace of its own")
        cid = "/" + setup.name
        with Plumb(["--collector.disable-defaults", "--collector.container",
                    "--collector.container.include=^%s$" % cid]) as p:
            ex = scrape(p)
            collector_ok(ex)
            before = net_series(ex, cid)
            ifaces = {i for _, i in before}
            check(ifaces == {ns_if}, "interfaces of %s: %r, want only %s" % (cid, ifaces, ns_if))
            rb0 = before[("container_network_receive_bytes_total", ns_if)]
            rp0 = before[("container_network_receive_packets_total", ns_if)]
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            payload = b"\x5a" * DGRAM
            for _ in range(SEND // DGRAM):
                s.sendto(payload, (net + ".2", 7777))
            s.close()
            end = time.monotonic() + POLL_LIMIT
            while True:
                after = net_series(scrape(p), cid)
                rb1 = after[("container_network_receive_bytes_total", ns_if)]
                rp1 = after[("container_network_receive_packets_total", ns_if)]
                if rb1 - rb0 >= SEND and rp1 - rp0 >= SEND // DGRAM:
                    break
                check(time.monotonic() < end, "receive bytes grew by %d, packets by %d; sent %d in %d"
                      % (rb1 - rb0, rp1 - rp0, SEND, SEND // DGRAM))
                time.sleep(0.2)
            print("ok: %s received %d bytes in %d packets; %d sent" % (ns_if, rb1 - rb0, rp1 - rp0, SEND))
        print("ok   test_container_net_live")
    finally:
        if child is not None:
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            for f in (child.stdin, child.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        if made_ns:
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", host_if], stderr=subprocess.DEVNULL)
        left = setup.undo()
        if left:
            print("cgroups left behind: %r" % left)
    return 0


if __name__ == "__main__":
    sys.exit(main())
