#!/usr/bin/env python3
"""test_valgrind: 1000 scrapes under memcheck leak no memory and no file descriptors.

Runs build/plumb with its default collectors under
  valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
           --track-fds=yes
and scrapes it 1000 times, cycling through text and OpenMetrics, plain and gzipped,
with a few bursts of concurrent scrapes (the shared-collection path) and requests that
end in 404, 405 and HEAD in between. The process's open fds (/proc/PID/fd, once no
client connection is left open) must be as many after scrape 1000 as after scrape 10.
Then SIGTERM: exit status 0 (valgrind would exit 99 on any memory error or definite
leak), an ERROR SUMMARY of 0 errors, no definitely lost bytes, and no fd left open at
exit but the standard three and valgrind's own log.

Skipped under PLUMB_ASAN=1: ASan and valgrind cannot run together.
"""
import os
import re
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import ASAN, Plumb, check, main, request, skip  # noqa: E402

SCRAPES = int(os.environ.get("PLUMB_VALGRIND_SCRAPES", "1000"))
KINDS = [("text/plain", None), ("application/openmetrics-text;version=1.0.0", None),
         ("text/plain", "gzip"), ("application/openmetrics-text;version=1.0.0", "gzip")]


def fds(pid):
    """{fd: target} of pid's open files."""
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out[int(fd)] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except FileNotFoundError:
            pass
    return out


TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
              "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
              "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


def describe_sockets(pid, targets):
    """For socket:[inode] targets, their TCP state and ports from /proc/PID/net/tcp*."""
    inodes = {t[8:-1] for t in targets if t.startswith("socket:[")}
    out = []
    for table in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, table)) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            c = row.split()
            if c[9] in inodes:
                out.append("inode %s %s local :%d remote :%d" % (
                    c[9], TCP_STATES.get(c[3], c[3]), int(c[1].split(":")[1], 16),
                    int(c[2].split(":")[1], 16)))
    return out


def settled_fds(pid, listeners, timeout=60):
    """pid's fds once every client connection has been closed on plumb's side (only the
    listening sockets are left); after timeout, whatever is open (the caller's
    comparison then fails and shows it)."""
    deadline = time.monotonic() + timeout
    while True:
        f = fds(pid)
        conns = [t for t in f.values() if t.startswith("socket:") and t not in listeners]
        if not conns or time.monotonic() > deadline:
            return f
        time.sleep(0.05)


def scrape(p, i):
    accept, enc = KINDS[i % len(KINDS)]
    headers = {"Accept": accept}
    if enc:
        headers["Accept-Encoding"] = enc
    status, hdr, body = p.get(headers=headers)
    check(status == 200 and body, "scrape %d: status %d, %d bytes" % (i, status, len(body)))


def burst(p, n=8):
    errors = []

    def one(i):
        try:
            scrape(p, i)
        except Exception as e:
            errors.append(e)

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(300)
    check(not errors and not any(t.is_alive() for t in ts), "burst failed: %s" % errors[:3])


def test_thousand_scrapes_under_memcheck():
    if not shutil.which("valgrind"):
        raise AssertionError("valgrind is not installed")
    logdir = tempfile.mkdtemp(prefix="plumb-vg-")
    log = os.path.join(logdir, "memcheck.log")
    # plumb forks once at start-up, to look --runtime.user up in a child that exits at
    # once (src/runtime/priv.c); that child inherits every descriptor plumb holds, and
    # its report would list them as left open. Only plumb itself is judged here.
    vg = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
          "--error-exitcode=99", "--track-fds=yes", "--num-callers=30",
          "--child-silent-after-fork=yes", "--log-file=" + log]
    try:
        t0 = time.monotonic()
        # valgrind runs plumb's syscalls itself and cannot take a seccomp filter (the
        # prctl fails), so memcheck sees plumb without the sandbox (docs/sandbox.md)
        with Plumb(["--runtime.sandbox=false"], wrapper=vg, ready_timeout=300) as p:
            listeners = {t for t in fds(p.pid).values() if t.startswith("socket:")}
            after10 = None
            for i in range(1, SCRAPES + 1):
                scrape(p, i)
                if i % 100 == 50:
                    burst(p)
                    for path, method, want in (("/nope", "GET", 404), ("/metrics", "POST", 405),
                                               ("/metrics", "HEAD", 200), ("/", "GET", 200)):
                        status, _, _ = request(p.port, path, method=method)
                        check(status == want, "%s %s: %d, want %d" % (method, path, status, want))
                if i == 10:
                    after10 = settled_fds(p.pid, listeners)
            after = settled_fds(p.pid, listeners)
            elapsed = time.monotonic() - t0
            print("%d scrapes under memcheck in %.0fs; fds after 10: %d, after %d: %d"
                  % (SCRAPES, elapsed, len(after10), SCRAPES, len(after)))
            grown = ["%d: %s" % (fd, t) for fd, t in sorted(after.items())
                     if after10.get(fd) != t]
            check(len(after) <= len(after10),
                  "fds grew from %d to %d; new: %s %s" % (len(after10), len(after), grown[:10],
                                                          describe_sockets(p.pid, after.values())))
            rc = p.stop(timeout=600)
        with open(log, errors="replace") as f:
            report = f.read()
        tail = report[-6000:]
        check(rc == 0, "exit status %d under valgrind (99: memcheck found errors):\n%s" % (rc, tail))
        m = re.search(r"ERROR SUMMARY: (\d+) errors", report)
        check(m and m.group(1) == "0", "memcheck errors:\n" + tail)
        lost = re.search(r"definitely lost: ([\d,]+) bytes", report)
        check("All heap blocks were freed" in report or (lost and lost.group(1) == "0"),
              "definite leaks:\n" + tail)
        m = re.search(r"FILE DESCRIPTORS: (\d+) open \((\d+) std\) at exit", report)
        check(m, "no fd report from --track-fds:\n" + tail)
        extra = [l for l in re.findall(r"Open (?:file descriptor \d+: .*|\S+ socket .*)", report)
                 if not l.endswith(": " + log)]
        check(not extra, "fds left open at exit: %s\n%s" % (extra, tail))
        print("memcheck: 0 errors, no definite leaks, no fds left open")
    finally:
        shutil.rmtree(logdir)


if __name__ == "__main__":
    if ASAN:
        skip("PLUMB_ASAN=1: an ASan build cannot run under valgrind")
    main([test_thousand_scrapes_under_memcheck])
