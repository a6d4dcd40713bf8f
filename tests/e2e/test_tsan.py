#!/usr/bin/env python3
"""test_tsan: plumb built with ThreadSanitizer stays race-free under concurrent scrapes.

Run by `make check-tsan` (a stage of make check), which builds build-tsan/plumb with
-fsanitize=thread and sets PLUMB_BIN to it and PLUMB_TSAN=1; in the ordinary suite
(no TSan binary) it is skipped. plumb runs with TSAN_OPTIONS halt_on_error=1 and
exitcode=66, so a race kills it at once; the test fails on any "WARNING:
ThreadSanitizer" in its stderr, on a non-zero exit at SIGTERM, and on any request
that does not get a complete answer.

THREADS client threads each make ROUNDS requests, cycling through every combination
of: /metrics or /metrics/resource; Prometheus text or OpenMetrics; plain or gzip; a
keep-alive connection reused for the thread's whole run, or a new connection per
request. Scrapes overlap with collections in flight, with the sharing of snapshots
and with lazy rendering of each format, which is where threads meet. Three phases:
this machine with the default collectors, node_exporter's fixture host with every
collector switched on, and a generated Kubernetes node (bench/cgroup-fixture.py, 300
containers: over 10,000 series, so every scrape of it is streamed) with the container
collector too.

EXTRA_FLAGS is the place to switch on more parts of plumb that run their own threads;
they are added to every phase. Health checks run in every phase (on by default, every
second here). A fourth phase also pushes: remote write and the status webhook POST
every second to a loopback receiver while the scrapes go on, so the push threads, the
queue and the health thread meet the scrapes under TSan.
"""
import gzip
import http.client
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (HANG, PLUMB, Plumb, cgroup_fixture, check, every_collector,  # noqa: E402
                       fixture_flags, main, parse_exposition, skip)

EXTRA_FLAGS = ["--health.check-interval=1s"]
THREADS = 16
ROUNDS = 100
TSAN_OPTIONS = "halt_on_error=1:exitcode=66:second_deadlock_stack=1:history_size=4"

PATHS = ["/metrics", "/metrics/resource"]
ACCEPTS = [("text/plain", False), ("application/openmetrics-text;version=1.0.0", True)]


def request_kind(i):
    """(path, Accept, OpenMetrics?, gzip?, keep-alive?) for the i-th request."""
    accept, om = ACCEPTS[(i >> 1) & 1]
    return PATHS[i & 1], accept, om, bool((i >> 2) & 1), bool((i >> 3) & 1)


def client(port, tid, errors, done, rounds):
    conn = None
    for r in range(rounds):
        path, accept, om, gz, keep = request_kind(tid + r)
        headers = {"Accept": accept}
        if gz:
            headers["Accept-Encoding"] = "gzip"
        if not keep:
            headers["Connection"] = "close"
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                errors.append("%s: status %d" % (path, resp.status))
            else:
                if gz:
                    check(resp.getheader("Content-Encoding") == "gzip", "gzip not applied")
                    body = gzip.decompress(body)
                parse_exposition(body.decode(), om=om)
            if not keep:
                conn.close()
                conn = None
        except Exception as e:  # collected and reported by the caller
            errors.append("%s %r: %r" % (path, headers, e))
            if conn:
                conn.close()
            conn = None
    if conn:
        conn.close()
    done.append(tid)


def hammer(args, seconds=0, rounds=ROUNDS):
    """Run THREADS clients of `rounds` requests each against plumb started with args;
    then keep it running until at least `seconds` have passed, for parts that act on a
    timer."""
    with Plumb(args + EXTRA_FLAGS) as p:
        started = time.monotonic()
        errors, done = [], []
        threads = [threading.Thread(target=client, args=(p.port, t, errors, done, rounds))
                   for t in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(HANG * 5)
        while time.monotonic() - started < seconds:
            time.sleep(0.2)
        log = p.log()
        check("ThreadSanitizer" not in log, "ThreadSanitizer report:\n" + log[-8000:])
        check(p.proc.poll() is None, "plumb died under load (exit %r); log:\n%s"
              % (p.proc.returncode, log[-4000:]))
        check(len(done) == THREADS, "%d of %d client threads did not finish"
              % (THREADS - len(done), THREADS))
        check(not errors, "%d requests failed, first: %s" % (len(errors), errors[:3]))
        print("%d requests served, no race reported" % (THREADS * rounds))
    # Plumb.__exit__ has stopped it with SIGTERM: a report at shutdown fails there


def test_binary_is_instrumented():
    # a test that passes against an ordinary build would prove nothing
    r = subprocess.run([PLUMB, "--version"], capture_output=True, text=True, timeout=HANG,
                       env=dict(os.environ, TSAN_OPTIONS="verbosity=1"))
    check("Running under ThreadSanitizer" in r.stderr,
          "%s is not built with -fsanitize=thread" % PLUMB)


def test_live_default_collectors():
    hammer(["--log.level=warn"])


def test_fixture_every_collector():
    hammer(every_collector(fixture_flags()) + ["--log.level=error"])


def test_container_node():
    # the container collector, which fills /metrics/resource, on a generated node large
    # enough that its scrapes are streamed (scrape.h), concurrently
    fixture = cgroup_fixture()
    d = tempfile.mkdtemp(prefix="plumb-tsan-")
    try:
        node = os.path.join(d, "node")
        fixture.generate(node, 300, seed=3, layout="v2")
        # its bodies are MBs, which the clients parse: fewer rounds
        hammer(["--collector.container", "--path.sysfs=" + os.path.join(node, "sys"),
                "--path.rootfs=" + node, "--log.level=error"], rounds=ROUNDS // 8)
    finally:
        shutil.rmtree(d, ignore_errors=True)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Accepts every POST with 204 and counts them by path."""
    counts = {}

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.counts[self.path] = Receiver.counts.get(self.path, 0) + 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_push_and_health():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % srv.server_address[1]
    d = tempfile.mkdtemp(prefix="plumb-tsan-push-")
    try:
        hammer(["--log.level=error", "--push.remote-write.url=" + url + "/write",
                "--push.interval=1s", "--push.queue.dir=" + os.path.join(d, "queue"),
                "--push.status.url=" + url + "/status", "--push.status.interval=1s"],
               seconds=4)
    finally:
        srv.shutdown()
        shutil.rmtree(d, ignore_errors=True)
    check(Receiver.counts.get("/write", 0) >= 2, "remote write POSTs: %r" % Receiver.counts)
    check(Receiver.counts.get("/status", 0) >= 2, "status POSTs: %r" % Receiver.counts)
    print("receiver got %r" % Receiver.counts)


if __name__ == "__main__":
    if os.environ.get("PLUMB_TSAN") != "1":
        skip("needs the ThreadSanitizer build: run make check-tsan")
    os.environ["TSAN_OPTIONS"] = TSAN_OPTIONS
    main([test_binary_is_instrumented, test_live_default_collectors,
          test_fixture_every_collector, test_container_node, test_push_and_health])
