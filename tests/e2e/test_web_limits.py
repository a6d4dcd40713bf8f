#!/usr/bin/env python3
"""test_web_limits: the connection limits of plumb's HTTP endpoint, seen from clients.

--web.max-header-bytes (a head over the limit gets 431, one at it is served, whatever
fills it), --web.max-connections-per-ip (a client address over its share is cut off
while another address is served), --web.max-connections (over it, everybody is cut off
until a connection ends), --web.connection-timeout (an idle connection is closed), and
the open-file limit (idle connections beyond it cost no CPU). The 429 of
--web.max-requests is in test_http.py. Connections from a second address use 127.0.0.2
as their source: all of 127.0.0.0/8 is loopback.
"""
import http.client
import os
import re
import resource
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import HANG, Plumb, check, main, parse_exposition, skip  # noqa: E402

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


def held_connections(port, count, source=None):
    """count keep-alive connections from source (default 127.0.0.1), each of which plumb
    has answered once and now holds open for its next request. An answered connection
    is a positive proof that plumb counts it against its limits; an idle one proves
    nothing, since a connection plumb refused is closed a moment after it is accepted.
    A refusal while opening them (an earlier connection, a readiness probe say, still
    counted until plumb has cleaned it up) is retried."""
    conns = []
    deadline = time.monotonic() + HANG
    while len(conns) < count:
        check(time.monotonic() < deadline, "only %d of %d connections were served"
              % (len(conns), count))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG,
                                          source_address=(source, 0) if source else None)
        try:
            conn.request("GET", "/-/healthy")
            resp = conn.getresponse()
            resp.read()
            check(resp.status == 200 and not resp.will_close,
                  "keep-alive request: %d, will_close %s" % (resp.status, resp.will_close))
            conns.append(conn)
        except (ConnectionError, http.client.HTTPException):
            conn.close()
            time.sleep(0.05)
    return conns


def get_eventually(port, source=None):
    """Status of a GET that may be refused a few times first: a connection the client
    closed still counts against plumb's limits until plumb has cleaned it up."""
    deadline = time.monotonic() + HANG
    while True:
        try:
            return get(port, source=source)[0]
        except (ConnectionError, http.client.HTTPException):
            check(time.monotonic() < deadline, "every GET was refused for %ds" % HANG)
            time.sleep(0.05)


def test_header_limit():
    with Plumb(ARGS + ["--web.max-header-bytes=2048"]) as p:
        status, _ = get(p.port, headers={"X-Pad": "a" * 1500})
        check(status == 200, "1.5 KB head with a 2 KiB limit: %d" % status)
        for size in (2100, 10000, 100000):
            status, _ = get(p.port, headers={"X-Pad": "a" * size})
            check(status == 431, "%d-byte header with a 2 KiB limit: %d, want 431"
                  % (size, status))
        status, _ = get(p.port)
        check(status == 200, "scrape after refusals: %d" % status)
    with Plumb(ARGS) as p:  # the default (16 KiB) takes what browsers and proxies send
        status, _ = get(p.port, headers={"Cookie": "c" * 8000})
        check(status == 200, "8 KB header with the default limit: %d" % status)


def head(size=None, args=0, headers=0, cookies=0, pad="header"):
    """A GET head for /-/healthy with `args` query arguments, Host and `headers` more
    headers, and a Cookie header with `cookies` cookies when cookies > 0; made exactly
    size bytes long (CRLFs and the empty line included) by lengthening the last header's
    value, or with pad="arg" the last argument's, or with pad="cookie" the last cookie's."""
    def build(extra):
        q = ["a%d=" % i for i in range(args)]
        h = ["Host: x"] + ["h%d: " % i for i in range(headers)]
        if cookies:
            h.append("Cookie: " + "; ".join("c%d=" % i for i in range(cookies)))
        if pad == "arg":
            q[-1] += "v" * extra
        else:
            h[-1] += "v" * extra
        query = "?" + "&".join(q) if q else ""
        lines = "".join(x + "\r\n" for x in h)
        return ("GET /-/healthy%s HTTP/1.1\r\n%s\r\n" % (query, lines)).encode()
    raw = build(0)
    if size is not None:
        check(len(raw) <= size, "a %d-byte head cannot be made %d bytes" % (len(raw), size))
        raw = build(size - len(raw))
    return raw


def statuses(port, raw):
    """The status of every answer plumb sends on one connection to the bytes raw
    (several requests when they are pipelined), until it closes the connection or
    answers once for each request in raw; [] when it closes without answering."""
    want = raw.count(b" HTTP/1.1\r\n")
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as s:
        s.sendall(raw)
        while len(re.findall(rb"HTTP/1\.1 \d\d\d ", data)) < want:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    return [int(x) for x in re.findall(rb"HTTP/1\.1 (\d\d\d) ", data)]


def test_header_limit_is_exact():
    """Every head at --web.max-header-bytes is served and every head one byte longer gets
    431, whatever fills it: query arguments, headers, one long header, cookies. A request
    may carry one header, query argument or cookie per 128 bytes of the limit; one more
    is a 431 too, however few bytes it takes. plumb used to close such connections with
    no answer (libmicrohttpd ran out of connection memory: 239 query arguments or 224
    headers under the default limit, or a 16.5 KB header)."""
    for limit in (16384, 1024):
        fields = limit // 128
        shapes = {  # fields besides Host (and the Cookie header)
            "query arguments": dict(args=fields - 1, pad="arg"),
            "headers": dict(headers=fields - 1),
            "one header": dict(),
            "cookies": dict(cookies=fields - 2),
            "a mixture": dict(args=fields // 3, headers=fields // 3,
                              cookies=fields - 2 - 2 * (fields // 3), pad="arg"),
        }
        with Plumb(ARGS + ["--web.max-header-bytes=%d" % limit]) as p:
            for name, shape in shapes.items():
                at = head(limit, **shape)
                for raw, want in ((at, [200]), (head(limit + 1, **shape), [431]),
                                  (at * 3, [200] * 3)):  # pipelined: a full receive buffer
                    got = statuses(p.port, raw)
                    check(got == want, "limit %d, %d bytes of %s (%d requests): %s, want %s"
                          % (limit, len(raw) // len(want), name, len(want), got, want))
                if len(shape) < 2:
                    continue
                more = dict(shape, **{k: v + 1 for k, v in shape.items() if k != "pad"})
                got = statuses(p.port, head(None, **more))
                check(got == [431], "limit %d, one field too many in %s: %s, want [431]"
                      % (limit, name, got))
            # the fewest bytes per field, under the byte limit; when cookies overflow
            # its memory, libmicrohttpd 0.9.75 sends the head of its 431 twice
            for raw in (("GET /?%s HTTP/1.1\r\nHost: x\r\n\r\n" % ("&" * (limit - 40))),
                        ("GET / HTTP/1.1\r\n%s\r\n" % ("a:\r\n" * ((limit - 20) // 4))),
                        ("GET / HTTP/1.1\r\nCookie: %s\r\n\r\n" % (";" * (limit - 40)))):
                got = statuses(p.port, raw.encode())
                check(got and set(got) == {431}, "limit %d, %r...: %s, want 431"
                      % (limit, raw[:24], got))
            # beyond what the connection holds: libmicrohttpd's own refusal
            got = statuses(p.port, head(10 * limit))
            check(got == [431], "limit %d, a %d-byte header: %s" % (limit, 10 * limit, got))
            got = statuses(p.port, head(10 * limit, args=1, pad="arg"))
            check(got == [414], "limit %d, a %d-byte URI: %s" % (limit, 10 * limit, got))
            status, _ = get(p.port)
            check(status == 200, "scrape after refusals: %d" % status)


def test_per_ip_limit():
    with Plumb(ARGS + ["--web.max-connections-per-ip=4", "--web.connection-timeout=120s"]) as p:
        conns = held_connections(p.port, 4)
        try:
            check(refused(p.port), "a fifth connection from 127.0.0.1 was served")
            status, body = get(p.port, source=OTHER)
            check(status == 200, "scrape from another address: %d" % status)
            n = parse_exposition(body).value("plumb_http_connections")
            check(n >= 5, "plumb_http_connections %r with 4 held and 1 scraping" % n)
            conns.pop().close()
            status = get_eventually(p.port)
            check(status == 200, "scrape from 127.0.0.1 once under its limit: %d" % status)
        finally:
            for c in conns:
                c.close()


def test_max_connections():
    with Plumb(ARGS + ["--web.max-connections=4", "--web.max-connections-per-ip=0",
                       "--web.connection-timeout=120s"]) as p:
        conns = held_connections(p.port, 3) + held_connections(p.port, 1, OTHER)
        try:
            for source in (None, OTHER):
                check(refused(p.port, source), "a fifth connection (from %s) was served"
                      % (source or "127.0.0.1"))
            conns.pop(0).close()
            status = get_eventually(p.port, OTHER)
            check(status == 200, "scrape once under the limit: %d" % status)
        finally:
            for c in conns:
                c.close()


def cpu_seconds(pid):
    """User plus system CPU time of process pid so far, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_descriptor_limit():
    """At the open-file limit nothing spins. With RLIMIT_NOFILE 200 and 300 idle
    connections, plumb used to burn a core: libmicrohttpd kept polling its listening
    socket and failing accept() with EMFILE. Now connections over what the limit
    leaves are closed as they come, a shortage that happens anyway pauses accepting
    (tests/unit/test_acceptor.c), and plumb serves again once the connections close."""
    if not shutil.which("prlimit"):
        skip("no prlimit")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1024:
        skip("this test needs 400 descriptors itself; the hard limit is %d" % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1024), hard))
    socks = []
    try:
        with Plumb(ARGS + ["--web.max-connections-per-ip=0"],
                   wrapper=["prlimit", "--nofile=200:200"]) as p:
            check(get(p.port)[0] == 200, "first scrape failed")
            for _ in range(300):
                s = socket.socket()
                s.setblocking(False)
                socks.append(s)
                try:
                    s.connect(("127.0.0.1", p.port))
                except BlockingIOError:
                    pass
            time.sleep(1)  # the backlog fills, plumb takes what it can
            before = cpu_seconds(p.pid)
            time.sleep(4)
            used = cpu_seconds(p.pid) - before
            held = len(os.listdir("/proc/%d/fd" % p.pid))
            print("300 idle connections, 200 descriptors: %d open, %.2f s of CPU in 4 s"
                  % (held, used))
            # idle, plumb needs a few ms for a health check or two; a spinning thread
            # gets whole seconds, even on a busy machine
            check(used < 0.25, "plumb used %.2f s of CPU in 4 s while idle connections "
                  "held its descriptors" % used)
            check("open-file limit" in p.log(), "no warning about the open-file limit:\n"
                  + p.log())
            for s in socks:
                s.close()
            socks = []
            check(get_eventually(p.port) == 200, "no scrape once the connections closed")
    finally:
        for s in socks:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


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
    main([test_header_limit, test_header_limit_is_exact, test_per_ip_limit,
          test_max_connections, test_descriptor_limit, test_idle_timeout])
