#!/usr/bin/env python3
"""test_systemd_socket: --web.systemd-socket, under systemd-socket-activate.

systemd-socket-activate (from Debian's systemd package) opens the listening sockets a
.socket unit would and execs plumb with LISTEN_PID and LISTEN_FDS set, as systemd does.
plumb must serve on every socket it is given (TCP and a Unix socket at once), leave
--web.listen-address alone, and stop cleanly; deploy/systemd's plumb.service runs with
plumb.socket's stream socket the same way. Without sockets, or with a socket it cannot
serve on (a datagram socket), it must refuse to start (exit 1) and say why.
All traffic stays on loopback and a Unix socket in a private folder.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (PLUMB, ROOT, Plumb, check, free_ports, main, parse_exposition,  # noqa: E402
                       request, runtime_args, skip)

ACTIVATE = shutil.which("systemd-socket-activate")
UNITS = os.path.join(ROOT, "deploy", "systemd")


def unix_get(path, url="/metrics"):
    """One HTTP/1.0 GET over the Unix socket at path; returns (status, body bytes)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    try:
        s.connect(path)
        s.sendall(("GET %s HTTP/1.0\r\nHost: plumb\r\n\r\n" % url).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def refused(port):
    """Whether a TCP connection to 127.0.0.1:port is refused (nothing listens)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True


def test_serves_on_passed_sockets():
    port, unused = free_ports(2)
    d = tempfile.mkdtemp(prefix="plumb-sd-")
    sock_path = os.path.join(d, "plumb.sock")
    wrapper = [ACTIVATE, "-l", "127.0.0.1:%d" % port, "-l", sock_path]
    # --web.listen-address is given too: with the flag, it must be left unbound
    args = ["--web.systemd-socket", "--web.listen-address=127.0.0.1:%d" % unused,
            "--collector.disable-defaults", "--collector.loadavg"]
    try:
        with Plumb(args, listen=False, wrapper=wrapper, wait=False) as p:
            p.port = port
            p.wait_ready(port)  # the first connection makes systemd-socket-activate exec plumb
            status, _, body = p.get()
            check(status == 200, "TCP scrape status %d" % status)
            ex = parse_exposition(body)
            check(ex.series("node_load1"), "no node_load1 over the passed TCP socket")
            check(ex.series("node_exporter_build_info"), "no node_exporter_build_info")
            status, body = unix_get(sock_path)
            check(status == 200, "Unix-socket scrape status %d" % status)
            check(parse_exposition(body).series("node_load1"), "no node_load1 over the Unix socket")
            check(refused(unused), "plumb bound --web.listen-address despite --web.systemd-socket")
            log = p.log()
            for fd, addr in (("3", "127.0.0.1:%d" % port), ("4", "unix:" + sock_path)):
                check('fd=%s address=%s' % (fd, addr) in log,
                      "log does not name socket %s (%s):\n%s" % (fd, addr, log))
            rc = p.stop()
            check(rc == 0, "exit status %d on SIGTERM" % rc)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_no_sockets_is_an_error():
    base = [PLUMB] + runtime_args([]) + ["--web.systemd-socket", "--collector.disable-defaults",
                                         "--collector.loadavg"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
    cases = (("nothing passed", env),
             ("sockets meant for another process", dict(env, LISTEN_PID="1", LISTEN_FDS="1")),
             ("a malformed count", dict(env, LISTEN_PID=str(os.getpid()), LISTEN_FDS="x")))
    for what, e in cases:
        r = subprocess.run(base, capture_output=True, text=True, timeout=60, env=e)
        check(r.returncode == 1, "%s: exit status %d, want 1:\n%s" % (what, r.returncode, r.stderr))
        check("--web.systemd-socket" in r.stderr, "%s: the error does not name the flag:\n%s"
              % (what, r.stderr))


def test_datagram_socket_refused():
    port = free_ports(1)[0]
    cmd = [ACTIVATE, "--datagram", "-l", "127.0.0.1:%d" % port, PLUMB] + runtime_args([]) + \
        ["--web.systemd-socket", "--collector.disable-defaults", "--collector.loadavg"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # systemd-socket-activate execs plumb on the first datagram
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            u.sendto(b"x", ("127.0.0.1", port))
            time.sleep(0.1)
        u.close()
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check(proc.returncode == 1, "exit status %r with a datagram socket:\n%s" % (proc.returncode, err))
    check("not a stream socket" in err and "fd=3" in err, "the refusal does not say why:\n" + err)


def unit_values(path, key):
    """Every value of key in the unit file at path."""
    out = []
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k == key:
                out.append(v.strip())
    return out


def test_deploy_units_under_activation():
    """plumb.service's ExecStart, given a socket as plumb.socket describes it (a stream
    socket, here on a free loopback port instead of 9100), serves on it."""
    listen = unit_values(os.path.join(UNITS, "plumb.socket"), "ListenStream")
    check(listen and all(v.rsplit(":", 1)[-1].isdigit() for v in listen),
          "plumb.socket's ListenStream is not a port or address:port: %r" % listen)
    exec_start = unit_values(os.path.join(UNITS, "plumb.service"), "ExecStart")[-1].split()
    port = free_ports(1)[0]
    wrapper = [ACTIVATE, "-l", "127.0.0.1:%d" % port]
    with Plumb(exec_start[1:], listen=False, wrapper=wrapper, wait=False) as p:
        p.port = port
        p.wait_ready(port)
        status, _, body = p.get()
        check(status == 200, "scrape status %d" % status)
        check(parse_exposition(body).series("node_scrape_collector_success"), "no collectors ran")
        check(p.stop() == 0, "plumb.service's plumb did not exit 0 on SIGTERM")


if __name__ == "__main__":
    if not ACTIVATE:
        skip("systemd-socket-activate is not installed (Debian's systemd package)")
    main([test_serves_on_passed_sockets, test_no_sockets_is_an_error,
          test_datagram_socket_refused, test_deploy_units_under_activation])
