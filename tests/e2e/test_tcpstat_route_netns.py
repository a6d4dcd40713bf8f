#!/usr/bin/env python3
"""test_tcpstat_route_netns: the tcpstat and network_route collectors, live, in a network
namespace this test makes, against what it set up and against node_exporter 1.5.

The namespace gets lo, two veth pairs (both ends inside it), IPv4 and IPv6 addresses and
routes added with ip(8): a default route, one with a source and a metric, a multipath
route with weights, one in another table, an IPv6 route, and an unreachable one (not a
unicast route, so not reported). The test then makes TCP sockets inside it with Python:
listeners (IPv4 and IPv6), established pairs with unread bytes, a connection waiting in
an accept queue, TIME_WAIT, CLOSE_WAIT / FIN_WAIT2, and a SYN_SENT towards an address
whose SYNs nobody answers.

plumb and node_exporter run inside the namespace but serve HTTP on a listening socket
the test made outside it, handed over by socket activation (--web.systemd-socket), so
scraping adds no socket to what they count. The test checks plumb's values against the
sockets and routes it made, that --path.procfs without net/tcp6 leaves the IPv6 sockets
out (as node_exporter decides), that a kernel refusing the one request for both families
(a sendto() shim, LD_PRELOADed into plumb, changes its type) gets asked per family with
the same result, that a dump that never ends (a recv() shim, LD_PRELOADed
into plumb alone, makes one protocol's netlink sockets answer nothing) fails that
collector alone after the 5 s limit while the scrape still answers, and that
node_exporter reports the same series with the same values for both collectors. Needs root and ip(8); skipped otherwise; the comparison
is skipped when node_exporter is not installed. Traffic stays inside the namespace and on
the outer loopback.

suite: alone (ip netns add bind-mounts the namespace under /run/netns on the host)
"""
import ctypes
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (ASAN, HANG, PLUMB, SANITIZER_MARKERS, TestFailure, check, main,  # noqa: E402
                       parse_exposition, read_child_output, request, runtime_args, skip)

NS = "plumb-tcprt-%d" % os.getpid()
NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)
HOME_NS = os.open("/proc/self/ns/net", os.O_RDONLY)

V4_LISTEN = (5, 6, 7)   # backlogs of the IPv4 listeners
V6_LISTEN = (8, 9)      # and of the IPv6 ones
UNREAD = 1000           # bytes sent to each established pair and left unread


def ip(*args, check_rc=True):
    cmd = ["ip", "-n", NS] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r


def setns(fd):
    if LIBC.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


class Inside:
    """`with Inside():` the sockets made in the block belong to the test's namespace."""

    def __enter__(self):
        self.fd = os.open("/var/run/netns/" + NS, os.O_RDONLY)
        setns(self.fd)

    def __exit__(self, *exc):
        setns(HOME_NS)
        os.close(self.fd)
        return False


def setup():
    subprocess.run(["ip", "netns", "add", NS], check=True, capture_output=True, timeout=60)
    ip("link", "set", "lo", "up")
    ip("link", "add", "v0", "type", "veth", "peer", "name", "v1")
    ip("link", "add", "w0", "type", "veth", "peer", "name", "w1")
    for dev in ("v0", "v1", "w0", "w1"):
        ip("link", "set", dev, "up")
    ip("addr", "add", "10.77.0.1/24", "dev", "v0")
    ip("addr", "add", "10.78.0.1/24", "dev", "w0")
    ip("-6", "addr", "add", "2001:db8:77::1/64", "dev", "v0", "nodad")
    # a fixed neighbour for the SYN_SENT target: its SYNs leave v0 and are dropped by v1
    # (not its address), with no ARP failure to end the connect early
    ip("neigh", "add", "10.77.0.99", "lladdr", "02:00:00:00:00:99", "dev", "v0", "nud",
       "permanent")
    ip("route", "add", "default", "via", "10.77.0.254", "metric", "100")
    ip("route", "add", "192.0.2.0/24", "via", "10.78.0.5", "proto", "static", "metric", "7",
       "src", "10.78.0.1")
    ip("route", "add", "198.51.100.0/24", "proto", "bird", "nexthop", "via", "10.77.0.2",
       "weight", "1", "nexthop", "via", "10.78.0.3", "weight", "4")
    ip("route", "add", "203.0.113.0/24", "dev", "w0", "table", "100")
    ip("route", "add", "unreachable", "198.18.0.0/15")
    ip("-6", "route", "add", "2001:db8:100::/48", "via", "2001:db8:77::fe", "metric", "5")


def teardown():
    subprocess.run(["ip", "netns", "del", NS], capture_output=True, timeout=60)


# --- sockets inside the namespace ---------------------------------------------------------

HELD = []  # every socket the test keeps open until it ends


def listener(family, addr, backlog):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.listen(backlog)
    HELD.append(s)
    return s


def pair(srv):
    """An established connection to listener srv: (client, accepted)."""
    c = socket.create_connection(srv.getsockname()[:2])
    a, _ = srv.accept()
    HELD.extend((c, a))
    return c, a


def make_sockets():
    """Make the sockets; returns what each state should count."""
    want = {"listen": 0, "established": 0, "time_wait": 0, "close_wait": 0, "fin_wait2": 0,
            "syn_sent": 0}
    v4 = [listener(socket.AF_INET, "127.0.0.1", b) for b in V4_LISTEN]
    v6 = [listener(socket.AF_INET6, a, b) for a, b in zip(("::1", "2001:db8:77::1"), V6_LISTEN)]
    want["listen"] = len(v4) + len(v6)
    for srv in (v4[0], v4[1], v6[0]):  # established, with bytes left unread at the server
        c, _ = pair(srv)
        c.sendall(b"x" * UNREAD)
        want["established"] += 2
    c = socket.create_connection(v4[2].getsockname())  # waits in v4[2]'s accept queue
    HELD.append(c)
    want["established"] += 2
    for srv in (v4[0], v6[1]):  # TIME_WAIT at the client, which closes first
        c, a = pair(srv)
        HELD.remove(c)
        HELD.remove(a)
        c.close()
        time.sleep(0.05)
        a.close()
        want["time_wait"] += 1
    c, a = pair(v4[1])  # the client closes, the server does not: CLOSE_WAIT and FIN_WAIT2
    HELD.remove(c)
    c.close()
    want["close_wait"] += 1
    want["fin_wait2"] += 1
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # nobody answers its SYNs
    s.setblocking(False)
    try:
        s.connect(("10.77.0.99", 80))
    except BlockingIOError:
        pass
    HELD.append(s)
    want["syn_sent"] += 1
    time.sleep(0.3)  # let the closes settle
    return want


# --- running the exporters inside, serving outside ----------------------------------------

class Exporter:
    """binary with args, run inside the namespace, serving on a socket made outside it
    (fd 3, LISTEN_FDS=1, LISTEN_PID its own pid). Leaving the block stops it and fails
    the test on a sanitizer report."""

    def __init__(self, binary, args, ready_path, env=None):
        self.binary, self.args, self.ready_path = binary, args, ready_path
        self.env = env or {}  # set for the exporter alone, not for ip(8) and sh

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        fd = self.sock.fileno()
        move = "" if fd == 3 else "exec 3<&%d %d<&-; " % (fd, fd)
        assign = "".join("%s='%s' " % kv for kv in sorted(self.env.items()))
        script = move + assign + 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"'
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", NS, "sh", "-c", script, "sh", self.binary] + self.args,
            pass_fds=(fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.err)
        self.sock.close()  # the exporter holds it now
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("%s exited %d; log:\n%s" % (self.binary, self.proc.returncode,
                                                              self.log()))
            try:
                if request(self.port, self.ready_path, timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise TestFailure("%s did not answer; log:\n%s" % (self.binary, self.log()))

    def scrape(self):
        status, _, body = request(self.port, "/metrics")
        check(status == 200, "%s: scrape status %d" % (self.binary, status))
        return parse_exposition(body)

    def log(self):
        if self.err.closed:
            return self.saved_log
        return read_child_output(self.err)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=HANG // 2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, exc_type, *rest):
        self.stop()
        self.saved_log = log = self.log()
        if exc_type is None:
            for marker in SANITIZER_MARKERS:
                check(marker not in log, "sanitizer report:\n" + log[-6000:])
        self.err.close()
        return False


def plumb(extra=(), env=None):
    args = runtime_args([]) + ["--web.systemd-socket", "--collector.disable-defaults",
                               "--collector.tcpstat", "--collector.network_route",
                               "--collector.loadavg"] + list(extra)
    return Exporter(PLUMB, args, "/-/healthy", env)


def states(ex):
    return {l["state"]: v for l, v in ex.series("node_tcp_connection_states")}


def route_set(ex):
    return {tuple(sorted(l.items())) for l, v in ex.series("node_network_route_info") if v == 1}


def info(device, dest, gw="", src="", priority="0", proto="boot", weight=""):
    return tuple(sorted({"device": device, "dest": dest, "gw": gw, "src": src,
                         "priority": priority, "proto": proto, "weight": weight}.items()))


WANT = {}
ROUTES = {
    info("v0", "default", gw="10.77.0.254", priority="100"),
    info("w0", "192.0.2.0/24", gw="10.78.0.5", src="10.78.0.1", priority="7", proto="static"),
    info("v0", "198.51.100.0/24", gw="10.77.0.2", proto="bird", weight="1"),
    info("w0", "198.51.100.0/24", gw="10.78.0.3", proto="bird", weight="4"),
    info("w0", "203.0.113.0/24"),
    info("v0", "10.77.0.0/24", src="10.77.0.1", proto="kernel"),
    info("w0", "10.78.0.0/24", src="10.78.0.1", proto="kernel"),
    info("v0", "2001:db8:100::/48", gw="2001:db8:77::fe", priority="5"),
    info("v0", "2001:db8:77::/64", priority="256", proto="kernel"),
}


def check_states(ex, log):
    """ex reports tcpstat's success and the sockets and queues the test made."""
    check(ex.value("node_scrape_collector_success", collector="tcpstat") == 1,
          "tcpstat failed:\n" + log[-3000:])
    got = states(ex)
    for state, n in WANT.items():
        check(got.get(state) == n, "%s: plumb says %r, the test made %d (all: %s)"
              % (state, got.get(state), n, got))
    backlogs = sum(V4_LISTEN) + sum(V6_LISTEN)
    check(got.get("tx_queued_bytes", -1) >= backlogs,
          "tx_queued_bytes %r is less than the listeners' backlogs %d" % (got.get("tx_queued_bytes"),
                                                                           backlogs))
    # three pairs hold UNREAD bytes each; one connection waits in an accept queue (the
    # listener's queue length, 1); the CLOSE_WAIT socket's unread FIN takes a sequence
    # number, which the kernel counts as 1 in its receive queue
    rx = 3 * UNREAD + 1 + 1
    check(got.get("rx_queued_bytes") == rx,
          "rx_queued_bytes %r, want %d" % (got.get("rx_queued_bytes"), rx))
    check(ex.types.get("node_tcp_connection_states") == "gauge", "not a gauge")


def test_tcp_states():
    with plumb() as p:
        ex = p.scrape()
    check_states(ex, p.log())


def test_procfs_without_tcp6():
    """node_exporter asks for IPv6 sockets only when <procfs>/net/tcp6 exists."""
    d = tempfile.mkdtemp(prefix="plumb-tcprt-")
    os.mkdir(os.path.join(d, "net"))
    try:
        with plumb(["--path.procfs=" + d]) as p:
            ex = p.scrape()
        got = states(ex)
        check(got.get("listen") == len(V4_LISTEN),
              "listen without net/tcp6: %r, want the %d IPv4 listeners" % (got.get("listen"),
                                                                           len(V4_LISTEN)))
        with open(os.path.join(d, "net", "tcp6"), "w"):
            pass
        with plumb(["--path.procfs=" + d]) as p:
            ex = p.scrape()
        check(states(ex).get("listen") == WANT["listen"], "listen with net/tcp6 present: %r"
              % states(ex).get("listen"))
    finally:
        shutil.rmtree(d)


def test_routes():
    with plumb() as p:
        ex = p.scrape()
    check(ex.value("node_scrape_collector_success", collector="network_route") == 1,
          "network_route failed:\n" + p.log()[-3000:])
    got = route_set(ex)
    check(ROUTES <= got, "routes missing: %s\nplumb has: %s" % (sorted(ROUTES - got), sorted(got)))
    check(not any(dict(r)["dest"] == "198.18.0.0/15" for r in got), "unreachable route reported")
    check(not any(dict(r)["device"] == "lo" for r in got), "a local route reported")
    per_dev = {}
    for r in got:
        per_dev[dict(r)["device"]] = per_dev.get(dict(r)["device"], 0) + 1
    counts = {l["device"]: v for l, v in ex.series("node_network_routes")}
    check(counts == per_dev, "node_network_routes %s, route_info per device %s" % (counts, per_dev))
    for fam in ("node_network_route_info", "node_network_routes"):
        check(ex.types.get(fam) == "gauge", "%s is not a gauge" % fam)


# A netlink socket of protocol $STALL_NETLINK_PROTO answers nothing: recv() waits out the
# socket's receive timeout (what a dump held up in the kernel looks like), or an hour;
# with MSG_DONTWAIT it says at once that nothing is there.
STALL_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	static ssize_t (*real)(int, void *, size_t, int);
	int dom = 0, proto = -1;
	socklen_t l = sizeof(int);
	const char *want = getenv("STALL_NETLINK_PROTO");
	if (!real)
		real = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
	if (want && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 && dom == AF_NETLINK &&
	    (l = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l)) == 0 &&
	    proto == atoi(want)) {
		struct timeval tv = { 0, 0 };
		if (flags & MSG_DONTWAIT) {
			errno = EAGAIN;
			return -1;
		}
		l = sizeof(tv);
		getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
		struct timespec ts = { tv.tv_sec || tv.tv_usec ? tv.tv_sec : 3600, tv.tv_usec * 1000 };
		nanosleep(&ts, NULL);
		errno = EAGAIN;
		return -1;
	}
	return real(fd, buf, n, flags);
}
"""


def build_shim(source):
    """Compile source into a shared object in a new folder; return (folder, path), or
    (None, None) when there is no C compiler. The caller removes the folder."""
    cc = shutil.which("cc")
    if not cc:
        return None, None
    d = tempfile.mkdtemp(prefix="plumb-shim-")
    src, so = os.path.join(d, "shim.c"), os.path.join(d, "shim.so")
    with open(src, "w") as f:
        f.write(source)
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", so, src, "-ldl"], check=True,
                   capture_output=True, timeout=120)
    os.chmod(d, 0o755)
    return d, so


def preload_env(so, extra=None):
    """The environment that preloads so into plumb (and lets ASan come after it)."""
    env = {"LD_PRELOAD": so}
    env.update(extra or {})
    if ASAN:  # the shim comes before ASan's runtime in the list of libraries
        env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") +
                               ":verify_asan_link_order=0").lstrip(":")
    return env


# An LD_PRELOAD shim for sendto(): a netlink request of type TCPDIAG_GETSOCK (18, the
# older request that asks for both families at once) goes out with a type the kernel
# does not know, so the kernel refuses it with EINVAL, as a kernel without that request
# would.
REFUSE_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	static char copy[4096];
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, int, const struct sockaddr *,
				    socklen_t))dlsym(RTLD_NEXT, "sendto");
	if (to && to->sa_family == AF_NETLINK && n >= sizeof(struct nlmsghdr) && n <= sizeof(copy) &&
	    ((const struct nlmsghdr *)buf)->nlmsg_type == 18) {
		memcpy(copy, buf, n);
		((struct nlmsghdr *)copy)->nlmsg_type = 0x77;
		buf = copy;
	}
	return real(fd, buf, n, flags, to, tolen);
}
"""


def test_kernel_refusing_one_dump():
    """A kernel that refuses the one request for both families is asked per family, with
    the same result, and plumb says so once at debug level."""
    d, so = build_shim(REFUSE_SHIM)
    if not so:
        print("SKIP test_kernel_refusing_one_dump: no C compiler for the sendto() shim")
        return
    try:
        with plumb(["--log.level=debug"], env=preload_env(so)) as p:
            first = p.scrape()
            second = p.scrape()
            log = p.log()
        check_states(first, log)
        check_states(second, log)
        check(log.count("refused one dump for both families") == 1,
              "want one debug line about the refused request:\n" + log[-3000:])
    finally:
        shutil.rmtree(d)


def test_stalled_dump_fails_in_time():
    """A dump that never ends fails its collector alone, within the 5 s limit."""
    d, so = build_shim(STALL_SHIM)
    if not so:
        print("SKIP test_stalled_dump_fails_in_time: no C compiler for the recv() shim")
        return
    try:
        for proto, stuck, fine in ((4, "tcpstat", "network_route"), (0, "network_route", "tcpstat")):
            with plumb(env=preload_env(so, {"STALL_NETLINK_PROTO": str(proto)})) as p:
                t0 = time.monotonic()
                ex = p.scrape()
                took = time.monotonic() - t0
            ok = {l["collector"]: v for l, v in ex.series("node_scrape_collector_success")}
            check(ok.get(stuck) == 0 and ok.get(fine) == 1 and ok.get("loadavg") == 1,
                  "with protocol %d stalled: success %s" % (proto, ok))
            check(4.0 <= took < 9.0, "with protocol %d stalled the scrape took %.1f s, not about"
                  " the 5 s limit" % (proto, took))
            check(ex.series("node_load1"), "the other collectors' series are missing")
    finally:
        shutil.rmtree(d)


def test_same_as_node_exporter():
    if not os.access(NODE_EXPORTER, os.X_OK):
        print("SKIP test_same_as_node_exporter: node_exporter is not installed")
        return
    args = ["--web.systemd-socket", "--collector.disable-defaults", "--collector.tcpstat",
            "--collector.network_route"]
    with Exporter(NODE_EXPORTER, args, "/") as ne:
        theirs = ne.scrape()
    with plumb() as p:
        ours = p.scrape()
    for fam in ("node_tcp_connection_states", "node_network_route_info", "node_network_routes"):
        a = {tuple(sorted(l.items())): v for l, v in ours.series(fam)}
        b = {tuple(sorted(l.items())): v for l, v in theirs.series(fam)}
        check(a == b, "%s differs:\nplumb only: %s\nnode_exporter only: %s"
              % (fam, sorted(set(a.items()) - set(b.items())), sorted(set(b.items()) - set(a.items()))))
        check(ours.types.get(fam) == theirs.types.get(fam), "%s: types differ" % fam)
    check(ours.series("node_tcp_connection_states"), "no tcpstat series to compare")


if __name__ == "__main__":
    if os.geteuid() != 0 or not shutil.which("ip"):
        skip("needs root and ip(8) to make a network namespace")
    try:
        try:
            setup()
        except (RuntimeError, subprocess.CalledProcessError) as e:
            teardown()
            skip("cannot make the namespace and its devices: %s" % e)
        with Inside():
            WANT.update(make_sockets())
        main([test_tcp_states, test_procfs_without_tcp6, test_routes, test_kernel_refusing_one_dump,
              test_stalled_dump_fails_in_time, test_same_as_node_exporter])
    finally:
        for s in HELD:
            s.close()
        teardown()
