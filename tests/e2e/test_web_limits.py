#!/usr/bin/env python3
"""test_web_limits: the connection limits of plumb's HTTP endpoint, seen from clients.

--web.max-header-bytes (a head over the limit gets 431, one under it is served),
--web.max-connections-per-ip (a client address over its share is cut off while another
address is served), --web.max-connections (over it, everybody is cut off until a
connection ends), and --web.connection-timeout (an idle connection is closed). The
429 of --web.max-requests is in test_http.py. Connections from a second address use
127.0.0.2 as their source: all of 127.0.0.0/8 is loopback.
"""
import http.client
import os
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import HANG, Plumb, check, main, parse_exposition  # noqa: E402

OTHER = "127.0.0.2"
ARGS = ["--collector.disable-defaults", "--collector.loadavg"]


def get(port, path="/metrics", headers=None, source=None):
    """(status, body) of one GET, from source address `source` if given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def refused(port, source=None):
    """Whether a new connection is closed without an answer to its request."""
    s = socket.socket()
    try:
        s.settimeout(HANG)
        if source:
            s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        return s.recv(100) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        s.close()


def open_connections(port, count):
    """count idle connections (nothing sent) from 127.0.0.1."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=HANG)
        socks.append(s)
    return socks


def reopen_refused(port, socks):
    """Replace every socket of socks that plumb has closed. A connection plumb refused
    because an earlier one (a readiness probe, a scrape) still counted against a limit
    until its thread ended is closed at once; on a loaded machine that happens, and is
    not what the tests are about."""
    for i, s in enumerate(socks):
        readable, _, _ = select.select([s], [], [], 0)
        if not readable:
            continue
        try:
            closed = s.recv(1, socket.MSG_PEEK) == b""
        except ConnectionError:
            closed = True
        if closed:
            s.close()
            socks[i] = socket.create_connection(("127.0.0.1", port), timeout=HANG)


def wait_connections(port, want, socks=None):
    """Wait until plumb reports `want` open connections besides the scrape asking
    (plumb_http_connections, scraped from the other address), reopening any of socks
    that plumb refused meanwhile (see reopen_refused). A connection the client closed
    counts until plumb has noticed, so a scrape may be cut off meanwhile when a limit
    is reached: that is retried."""
    deadline = time.monotonic() + HANG
    n = None
    while time.monotonic() < deadline:
        if socks:
            reopen_refused(port, socks)
        try:
            status, body = get(port, source=OTHER)
        except (ConnectionError, http.client.HTTPException):
            time.sleep(0.05)
            continue
        check(status == 200, "scrape from %s: %d" % (OTHER, status))
        n = parse_exposition(body).value("plumb_http_connections")
        if n == want + 1:
            return
        time.sleep(0.05)
    check(False, "plumb_http_connections %r, want %d" % (n, want + 1))


def server_side(port):
    """plumb's TCP sockets to clients that it has not closed yet (ss)."""
    out = subprocess.run(["ss", "-Htn", "state", "established", "state", "close-wait",
                          "( sport = :%d )" % port], capture_output=True, text=True,
                         check=True).stdout
    return sum(1 for line in out.splitlines() if line.strip())


def wait_server_side(port, want, socks=None):
    """Wait until plumb keeps `want` client sockets, reopening any of socks that plumb
    refused meanwhile (see reopen_refused)."""
    deadline = time.monotonic() + HANG
    while server_side(port) != want:
        check(time.monotonic() < deadline, "plumb keeps %d client sockets, want %d"
              % (server_side(port), want))
        if socks:
            reopen_refused(port, socks)
        time.sleep(0.02)


def test_header_limit():
    with Plumb(ARGS + ["--web.max-header-bytes=2048"]) as p:
        status, _ = get(p.port, headers={"X-Pad": "a" * 1500})
        check(status == 200, "1.5 KB head with a 2 KiB limit: %d" % status)
        for size in (2100, 10000, 100000):
            try:
                status, _ = get(p.port, headers={"X-Pad": "a" * size})
                check(status == 431, "%d-byte header with a 2 KiB limit: %d, want 431"
                      % (size, status))
            except (ConnectionError, http.client.HTTPException):
                pass  # closed before answering: also a refusal
        status, _ = get(p.port)
        check(status == 200, "scrape after refusals: %d" % status)
    with Plumb(ARGS) as p:  # the default (16 KiB) takes what browsers and proxies send
        status, _ = get(p.port, headers={"Cookie": "c" * 8000})
        check(status == 200, "8 KB header with the default limit: %d" % status)


def test_per_ip_limit():
    with Plumb(ARGS + ["--web.max-connections-per-ip=4"]) as p:
        socks = open_connections(p.port, 4)
        try:
            wait_connections(p.port, 4, socks)
            check(refused(p.port), "a fifth connection from 127.0.0.1 was served")
            status, _ = get(p.port, source=OTHER)
            check(status == 200, "scrape from another address: %d" % status)
            socks.pop().close()
            wait_connections(p.port, 3)
            status, _ = get(p.port)
            check(status == 200, "scrape from 127.0.0.1 once under its limit: %d" % status)
        finally:
            for s in socks:
                s.close()


def test_max_connections():
    with Plumb(ARGS + ["--web.max-connections=4", "--web.max-connections-per-ip=0"]) as p:
        socks = open_connections(p.port, 3)
        try:
            wait_connections(p.port, 3, socks)
            # the scrape's connection is gone once plumb closed its socket; until then
            # it may still count, and a new connection would be the one refused
            wait_server_side(p.port, 3)
            socks += open_connections(p.port, 1)
            wait_server_side(p.port, 4, socks)
            for source in (None, OTHER):
                check(refused(p.port, source), "a fifth connection (from %s) was served"
                      % (source or "127.0.0.1"))
            socks.pop().close()
            wait_connections(p.port, 3)
        finally:
            for s in socks:
                s.close()


def test_idle_timeout():
    with Plumb(ARGS + ["--web.connection-timeout=1s"]) as p:
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", p.port), timeout=HANG) as s:
            s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n")  # never finished
            try:
                data = s.recv(100)
            except ConnectionResetError:
                data = b""
        took = time.monotonic() - t0
        check(data in (b"",) or data.startswith(b"HTTP/1.1 408"),
              "idle connection got %r instead of being closed" % data)
        check(took >= 0.5, "closed after %.2fs: too soon for a 1s idle timeout" % took)
        print("idle connection closed after %.1fs (timeout 1s)" % took)
        status, _ = get(p.port)
        check(status == 200, "scrape after the timeout: %d" % status)


if __name__ == "__main__":
    main([test_header_limit, test_per_ip_limit, test_max_connections, test_idle_timeout])
