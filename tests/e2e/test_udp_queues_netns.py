#!/usr/bin/env python3
"""test_udp_queues_netns: the udp_queues collector, live, in a network namespace of the
test's own (unshare(CLONE_NEWNET) on itself, so plumb, node_exporter and the sockets all
live there and nothing on the host changes), against node_exporter 1.5 and the kernel's
own tables.

The test binds UDP sockets on 127.0.0.1 and ::1 (and a dual-stack one on ::), sends
datagrams to some that never read them, so their receive queues hold bytes, and
connects one pair. It then checks that:

- plumb's node_udp_queues equals node_exporter's (--collector.disable-defaults
  --collector.udp_queues) and what /proc/net/udp{,6} say, with rx non-zero in both
  families; plumb asks sock_diag for it, so it holds no descriptor on the tables;
- with sock_diag gone (a socket() shim refuses NETLINK_SOCK_DIAG) or without udp_diag
  (a sendto() shim turns plumb's UDP dump requests into ones for a protocol the kernel
  has no diag module for, which it answers with ENOENT, as a kernel without udp_diag),
  plumb says so at info, reads the tables, and still reports the same;
- a --path.procfs of this namespace without net/udp6 (IPv6 switched off, as node_exporter
  sees it) has no ip="v6" series, for plumb as for node_exporter;
- a dump that never ends (test_tcpstat_route_netns's recv() shim on NETLINK_SOCK_DIAG)
  fails udp_queues alone after the 5 s limit, and the scrape still answers.

Needs root, ip(8) and a C compiler for the shims (the shim cases are skipped without
one); the comparison with node_exporter is skipped when it is not installed.
"""
import ctypes
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (ASAN, HANG, Plumb, TestFailure, check, free_port, main,  # noqa: E402
                       parse_exposition, request, skip)
from test_tcpstat_route_netns import STALL_SHIM  # noqa: E402

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
CLONE_NEWNET = 0x40000000
FLAGS = ["--collector.disable-defaults", "--collector.udp_queues"]
HELD = []  # the test's sockets, open until it ends

SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* UDPQ_SHIM=nosockdiag: no NETLINK_SOCK_DIAG at all, as a kernel built without it. */
int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);
	const char *mode = getenv("UDPQ_SHIM");
	if (!real)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (mode && !strcmp(mode, "nosockdiag") && domain == AF_NETLINK &&
	    protocol == NETLINK_SOCK_DIAG) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return real(domain, type, protocol);
}

/* UDPQ_SHIM=noudpdiag: a sock_diag request for UDP sockets asks for IPPROTO_RAW ones
 * instead, which this kernel has no diag module for: it answers ENOENT, as it does for
 * UDP without udp_diag. */
ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	const char *mode = getenv("UDPQ_SHIM");
	unsigned char copy[256];
	int dom = 0, proto = -1;
	socklen_t l = sizeof(int);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, int, const struct sockaddr *,
				    socklen_t))dlsym(RTLD_NEXT, "sendto");
	if (mode && !strcmp(mode, "noudpdiag") && n >= 18 && n <= sizeof(copy) &&
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 && dom == AF_NETLINK &&
	    (l = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l)) == 0 &&
	    proto == NETLINK_SOCK_DIAG && ((const unsigned char *)buf)[17] == IPPROTO_UDP) {
		memcpy(copy, buf, n);
		copy[17] = IPPROTO_RAW;
		return real(fd, copy, n, flags, to, tolen);
	}
	return real(fd, buf, n, flags, to, tolen);
}
"""


def enter_own_namespace():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        skip("unshare(CLONE_NEWNET): %s" % os.strerror(ctypes.get_errno()))
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, capture_output=True,
                   timeout=60)


def bound(family, addr):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    HELD.append(s)
    return s


def make_sockets():
    """Sockets with bytes in their receive queues, in both families."""
    sender4, sender6 = bound(socket.AF_INET, "127.0.0.1"), bound(socket.AF_INET6, "::1")
    for size, count in ((1000, 4), (100, 7)):
        sink = bound(socket.AF_INET, "127.0.0.1")
        for _ in range(count):
            sender4.sendto(b"4" * size, sink.getsockname())
    sink = bound(socket.AF_INET6, "::1")
    for _ in range(5):
        sender6.sendto(b"6" * 300, sink.getsockname())
    dual = bound(socket.AF_INET6, "::")  # an IPv6 socket that takes IPv4 too
    sender4.sendto(b"d" * 50, ("127.0.0.1", dual.getsockname()[1]))
    a, b = bound(socket.AF_INET, "127.0.0.1"), bound(socket.AF_INET, "127.0.0.1")
    a.connect(b.getsockname())
    b.connect(a.getsockname())
    a.send(b"c" * 10)
    bound(socket.AF_INET, "0.0.0.0")  # an empty one
    time.sleep(0.1)


def table(path):
    """{queue: sum} of a /proc/net/udp{,6} table, as node_exporter sums it."""
    tx = rx = 0
    with open(path) as f:
        for line in f.readlines()[1:]:
            q = line.split()[4]
            t, r = q.split(":")
            tx += int(t, 16)
            rx += int(r, 16)
    return {"tx": tx, "rx": rx}


def kernel_tables():
    return {"v4": table("/proc/net/udp"), "v6": table("/proc/net/udp6")}


def queues(ex):
    """{ip: {queue: value}} of node_udp_queues."""
    out = {}
    for labels, v in ex.series("node_udp_queues"):
        out.setdefault(labels["ip"], {})[labels["queue"]] = v
    return out


def scrape_plumb(extra=(), env=None):
    """(exposition, log, the table files plumb held open) of one scrape."""
    with Plumb(FLAGS + list(extra), env=env) as p:
        code, _, body = p.get()
        check(code == 200, "plumb answered %d" % code)
        held = []
        for fd in os.listdir("/proc/%d/fd" % p.pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (p.pid, fd))
            except OSError:
                continue
            if re.search(r"/net/udp6?$", target):
                held.append(target)
        return parse_exposition(body), p.log(), held


def scrape_node_exporter(extra=()):
    port = free_port()
    proc = subprocess.Popen([NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port] + FLAGS
                            + list(extra), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline:
            check(proc.poll() is None, "node_exporter exited %r" % proc.returncode)
            try:
                code, _, body = request(port, "/metrics", timeout=10)
                if code == 200:
                    return parse_exposition(body)
            except OSError:
                pass
            time.sleep(0.05)
        raise TestFailure("node_exporter did not answer")
    finally:
        proc.terminate()
        proc.wait(timeout=HANG)


def test_same_as_tables_and_node_exporter():
    ours, log, held = scrape_plumb()
    tables = kernel_tables()
    check(ours.value("node_scrape_collector_success", collector="udp_queues") == 1,
          "udp_queues failed:\n" + log[-3000:])
    got = queues(ours)
    check(got == tables, "plumb %s, the kernel's tables %s" % (got, tables))
    check(got["v4"]["rx"] > 0 and got["v6"]["rx"] > 0, "receive queues empty: %s" % got)
    check(not held, "plumb holds the tables open, so it read them: %s" % held)
    check("cannot dump UDP sockets" not in log, "plumb fell back to the tables:\n" + log)
    check(ours.types.get("node_udp_queues") == "gauge", "node_udp_queues is not a gauge")
    if not os.access(NODE_EXPORTER, os.X_OK):
        print("SKIP the comparison: node_exporter is not installed")
        return
    theirs = queues(scrape_node_exporter())
    check(got == theirs, "plumb %s, node_exporter %s" % (got, theirs))


def shim_path(code=SHIM):
    """code built as a shared library in a new folder (the caller removes it), or None
    without a C compiler."""
    cc = shutil.which("cc")
    if not cc:
        return None
    d = tempfile.mkdtemp(prefix="plumb-udpq-")
    os.chmod(d, 0o755)
    src, so = os.path.join(d, "shim.c"), os.path.join(d, "shim.so")
    with open(src, "w") as f:
        f.write(code)
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", so, src, "-ldl"], check=True,
                   capture_output=True, timeout=120)
    return so


def asan_order(env):
    """env, told that the shim comes before ASan's runtime in the list of libraries."""
    if ASAN:
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                               ":verify_asan_link_order=0").lstrip(":")
    return env


def test_stalled_dump_fails_in_time():
    so = shim_path(STALL_SHIM)
    if not so:
        print("SKIP test_stalled_dump_fails_in_time: no C compiler for the shim")
        return
    try:
        env = asan_order(dict(os.environ, LD_PRELOAD=so, STALL_NETLINK_PROTO="4"))
        with Plumb(FLAGS + ["--collector.loadavg"], env=env) as p:
            t0 = time.monotonic()
            code, _, body = p.get()
            took = time.monotonic() - t0
        ex = parse_exposition(body)
        ok = {l["collector"]: v for l, v in ex.series("node_scrape_collector_success")}
        check(code == 200 and ok == {"udp_queues": 0, "loadavg": 1}, "success %s" % ok)
        check(4.0 <= took < 9.0, "the scrape took %.1f s, not about the 5 s limit" % took)
        check(not ex.series("node_udp_queues"), "udp_queues left half results")
    finally:
        shutil.rmtree(os.path.dirname(so))


def test_without_sock_diag_reads_the_tables():
    so = shim_path()
    if not so:
        print("SKIP test_without_sock_diag_reads_the_tables: no C compiler for the shim")
        return
    try:
        for mode in ("nosockdiag", "noudpdiag"):
            env = dict(os.environ, LD_PRELOAD=so, UDPQ_SHIM=mode)
            ours, log, held = scrape_plumb(env=asan_order(env))
            tables = kernel_tables()
            check(ours.value("node_scrape_collector_success", collector="udp_queues") == 1,
                  "%s: udp_queues failed:\n%s" % (mode, log[-3000:]))
            check(queues(ours) == tables, "%s: plumb %s, the tables %s" % (mode, queues(ours),
                                                                           tables))
            check(len(held) == 2, "%s: plumb should hold both tables, holds %s" % (mode, held))
            said = [l for l in log.splitlines() if "cannot dump UDP sockets" in l]
            check(len(said) == 2 and all("level=info" in l for l in said),
                  "%s: want one line at info per family:\n%s" % (mode, log))
    finally:
        shutil.rmtree(os.path.dirname(so))


def test_without_udp6():
    """A procfs of this namespace without net/udp6: no ip="v6", as node_exporter."""
    d = tempfile.mkdtemp(prefix="plumb-udpq-")
    try:
        os.chmod(d, 0o755)
        os.symlink("/proc/self", os.path.join(d, "self"))
        os.mkdir(os.path.join(d, "net"))
        os.symlink("/proc/self/net/udp", os.path.join(d, "net", "udp"))
        ours, log, held = scrape_plumb(["--path.procfs=" + d])
        got = queues(ours)
        check(ours.value("node_scrape_collector_success", collector="udp_queues") == 1,
              "udp_queues failed:\n" + log[-3000:])
        check(set(got) == {"v4"} and got["v4"] == kernel_tables()["v4"],
              "plumb without net/udp6: %s" % got)
        check(not held, "plumb read the table: %s" % held)
        if os.access(NODE_EXPORTER, os.X_OK):
            theirs = queues(scrape_node_exporter(["--path.procfs=" + d]))
            check(got == theirs, "plumb %s, node_exporter %s" % (got, theirs))
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    if os.geteuid() != 0 or not shutil.which("ip"):
        skip("needs root and ip(8) for a network namespace of its own")
    enter_own_namespace()
    try:
        make_sockets()
        main([test_same_as_tables_and_node_exporter, test_without_sock_diag_reads_the_tables,
              test_without_udp6, test_stalled_dump_fails_in_time])
    finally:
        for s in HELD:
            s.close()
