"""test_remote_write: plumb's remote write against Debian's prometheus and small receivers.

- samples_and_labels: every series plumb serves on /metrics arrives in a real Prometheus
  (started with --web.enable-remote-write-receiver on loopback) with the external label.
- outage / outage_with_kill9: Prometheus is stopped for 30 s, then started again on the
  same storage; plumb keeps collecting every second into its queue. Every collection
  taken arrives: plumb_push_collections_total, which counts the push loop's collections
  and travels in each one, has every value 1..N in Prometheus (per run of plumb), and
  every series has exactly as many samples as there were collections. In the second
  variant plumb is killed with SIGKILL during the outage and started again on the same
  queue: what the first run had queued (its log says which collections) arrives too.
- bad_receiver: a receiver answering 400 drops those samples (counted) and does not
  wedge the queue; one that never answers is cut off by --push.timeout and its samples
  wait in the queue until it answers again. The request headers follow the spec.
- corrupt_queue: a queue whose segment has a flipped byte and garbage appended is
  reported, the damaged record skipped, the rest sent; plumb never crashes.
- invalid_record: a queued record with a valid checksum whose payload is not snappy
  data, among good ones of one batch: the batch is sent record by record, every good
  collection arrives in Prometheus, and only the bad record's samples count as
  dropped{reason="invalid"}.
- hung_queue_disk: the queue on a FUSE folder (tests/fuse/hangfs --files) whose writes
  block: with an append stuck in the disk, /metrics still answers at once with every
  plumb_push_* series, the lag still growing; once the disk answers, collection and
  sending go on. Skipped without /dev/fuse.
- bad_flags: a bad --push.* value is a one-line error with exit status 2.
- queue_bound: while the receiver fails, the queue's files stay within
  --push.queue.max-bytes, the oldest samples dropped and counted.

While Prometheus holds the data, the tests never scrape plumb's /metrics: a scrape
could share its collection with the push loop's (scrape.h), and the counter travelling
in the pushed collections would then repeat a value. Timeouts only detect hangs.
"""
import http.server
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
import zlib

import plumbtest as pt

PROMETHEUS = shutil.which("prometheus")
OUTAGE = 30  # seconds Prometheus stays down, as the issue asks
COLLECTORS = ["--collector.disable-defaults", "--collector.loadavg", "--collector.time"]


class Prometheus:
    """Debian's prometheus on a free loopback port, with its storage in `storage`."""

    def __init__(self, storage):
        self.storage = storage
        self.port = pt.free_port()
        self.proc = None
        os.makedirs(storage, exist_ok=True)
        self.config = os.path.join(storage, "..", "prometheus.yml")
        with open(self.config, "w") as f:
            f.write("global:\n  scrape_interval: 1h\n")
        self.log = open(os.path.join(storage, "..", "prometheus.log"), "ab")

    def start(self):
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + self.config, "--storage.tsdb.path=" + self.storage,
             "--web.listen-address=127.0.0.1:%d" % self.port, "--web.enable-remote-write-receiver",
             "--log.level=warn"], stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + pt.HANG
        while time.monotonic() < deadline:
            pt.check(self.proc.poll() is None, "prometheus exited: " + self.tail())
            try:
                if pt.request(self.port, "/-/ready", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise pt.TestFailure("prometheus not ready: " + self.tail())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=pt.HANG)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def tail(self):
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read()[-3000:].decode("utf-8", "replace")

    def query(self, q, at=None):
        """The result list of an instant query (at a Unix time, or now)."""
        params = {"query": q}
        if at is not None:
            params["time"] = "%.3f" % at
        status, _, body = pt.request(self.port, "/api/v1/query?" + urllib.parse.urlencode(params))
        pt.check(status == 200, "query %s: %d %r" % (q, status, body[:300]))
        return json.loads(body)["data"]["result"]

    def write_url(self):
        return "http://127.0.0.1:%d/api/v1/write" % self.port

    def close(self):
        self.stop()
        self.log.close()


def plumb_args(url, qdir, instance, timeout="3s"):
    # Health checks collect on their own timer, and a push tick that meets one in
    # flight shares it: its record then carries the plumb_push_collections_total value
    # of before the tick, so the counter the outage tests count by would repeat one
    # value and skip the next. Every tick still queues one record; only the counting
    # would blur, so these tests leave health off.
    return COLLECTORS + ["--no-health.enabled",
                         "--push.remote-write.url=" + url, "--push.interval=1s",
                         "--push.timeout=" + timeout, "--push.queue.dir=" + qdir,
                         "--push.remote-write.label=instance=" + instance,
                         "--log.level=debug"]


def wait_for(what, fn, timeout=pt.HANG):
    """Poll fn() until it returns something true; return that. Fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise pt.TestFailure("timed out waiting for " + what)
        time.sleep(0.25)


def logged_collections(log):
    """The collection numbers plumb logged as queued (durably appended)."""
    return [int(m) for m in re.findall(r'msg="queued push record" collection=(\d+)', log)]


def counter_samples(prom, instance, at=None):
    """[(time, value)] of plumb_push_collections_total for instance, oldest first."""
    res = prom.query('plumb_push_collections_total{instance="%s"}[15m]' % instance, at)
    if not res:
        return []
    return [(float(t), int(float(v))) for t, v in res[0]["values"]]


def runs(samples):
    """Split counter samples into runs of plumb (the counter restarts at 1)."""
    out = []
    for t, v in samples:
        if not out or v <= out[-1][-1]:
            out.append([])
        out[-1].append(v)
    return out


def test_samples_and_labels():
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    prom = None
    try:
        prom = Prometheus(os.path.join(tmp, "data"))
        prom.start()
        instance = "labels-%d" % os.getpid()
        with pt.Plumb(plumb_args(prom.write_url(), os.path.join(tmp, "q"), instance)) as p:
            wait_for("samples in prometheus",
                     lambda: len(counter_samples(prom, instance)) >= 2)
            served = pt.parse_exposition(p.get("/metrics")[2])
            # what Prometheus holds now: every series name and label set, with instance
            got = set()
            for r in prom.query('{instance="%s"}' % instance):
                m = dict(r["metric"])
                pt.check(m.pop("instance") == instance, "external label missing: %r" % m)
                got.add((m.pop("__name__"), tuple(sorted(m.items()))))
            want = set((name, labels) for name, labels in served.samples)
            pt.check(want == got, "series differ: only served %s; only pushed %s"
                     % (sorted(want - got)[:5], sorted(got - want)[:5]))
            load = prom.query('node_load1{instance="%s"}' % instance)
            pt.check(len(load) == 1 and set(load[0]["metric"]) == {"__name__", "instance"},
                     "node_load1 labels: %r" % load)
    finally:
        if prom:
            prom.close()
        shutil.rmtree(tmp, ignore_errors=True)


def outage(kill9):
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    qdir = os.path.join(tmp, "q")
    instance = "outage-%s-%d" % ("kill" if kill9 else "plain", os.getpid())
    first = second = prom = None
    try:
        prom = Prometheus(os.path.join(tmp, "data"))
        args = plumb_args(prom.write_url(), qdir, instance)
        prom.start()
        first = pt.Plumb(args).__enter__()
        wait_for("first samples", lambda: len(counter_samples(prom, instance)) >= 3)
        prom.stop()
        t_down = time.time()
        queued_by_first = []
        if kill9:
            time.sleep(OUTAGE / 3)
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait()
            queued_by_first = logged_collections(first.log())
            second = pt.Plumb(args).__enter__()
        time.sleep(max(0, t_down + OUTAGE - time.time()))
        prom.start()
        t_up = time.time()
        # oldest first: once a collection taken after the restart is there, all are
        mark = t_up + 2
        wait_for("the backlog to arrive",
                 lambda: any(t > mark for t, _ in counter_samples(prom, instance)), 90)
        samples = counter_samples(prom, instance, at=mark)
        rs = runs(samples)
        pt.check(len(rs) == (2 if kill9 else 1), "runs of plumb seen: %r" % rs)
        for r in rs:
            pt.check(r == list(range(1, len(r) + 1)),
                     "collections missing or repeated: %r" % r)
        if kill9:
            pt.check(queued_by_first and rs[0][-1] >= max(queued_by_first),
                     "the killed plumb queued collections up to %r, Prometheus has %r"
                     % (max(queued_by_first or [0]), rs[0][-1]))
        ticks = len(samples)
        during = sum(1 for t, _ in samples if t_down <= t <= t_up)
        pt.check(during >= OUTAGE - 5, "only %d collections during the outage" % during)
        counts = prom.query('{instance="%s"}[15m]' % instance, at=mark)
        pt.check(len(counts) > 10, "too few series: %d" % len(counts))
        wrong = [(r["metric"], len(r["values"])) for r in counts if len(r["values"]) != ticks]
        pt.check(not wrong, "series whose sample count is not %d: %r" % (ticks, wrong[:5]))
        # the first collection after the restart that found the queue drained again
        def lag_values():
            r = prom.query('plumb_push_lag_seconds{instance="%s"}[15m]' % instance)
            return [(float(t), float(v)) for t, v in r[0]["values"]] if r else []
        drained = wait_for("the lag to fall", lambda: [t for t, v in lag_values()
                                                       if t > t_up and v < 1.5], 60)
        lags = lag_values()
        qbytes = prom.query('max_over_time(plumb_push_queue_bytes{instance="%s"}[15m])'
                            % instance, at=mark)
        dropped = prom.query('max_over_time(plumb_push_dropped_samples_total{instance="%s"}'
                             '[15m])' % instance, at=mark)
        pt.check(all(float(d["value"][1]) == 0 for d in dropped), "dropped: %r" % dropped)
        print("outage%s: %d collections (runs of plumb: %s; %d during the %ds outage), "
              "%d series with %d samples each, max lag %.1fs, max queue %s bytes, backlog "
              "drained %.1fs after Prometheus was ready"
              % (" with kill -9" if kill9 else "", ticks, "+".join(str(len(r)) for r in rs),
                 during, OUTAGE, len(counts), ticks, max(v for _, v in lags) if lags else -1,
                 qbytes[0]["value"][1] if qbytes else "?",
                 drained[0] - t_up))
    finally:
        for p in (second, first):
            if p:
                p.__exit__(None, None, None) if p.proc.poll() is None else p.kill()
        if prom:
            prom.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_outage():
    outage(kill9=False)


def test_outage_with_kill9():
    outage(kill9=True)


class Receiver:
    """A remote-write receiver on loopback whose answer the test sets: mode is an HTTP
    status to answer, or "hang" (read the request, never answer until released)."""

    def __init__(self, mode):
        self.mode = mode
        self.requests = []  # (mode answered, headers dict, body length)
        self.release = threading.Event()
        rx = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                mode = rx.mode
                rx.requests.append((mode, dict(self.headers), len(body)))
                if mode == "hang":
                    rx.release.wait(pt.HANG)
                    return
                self.send_response(mode)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"answer\n")

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self):
        return "http://127.0.0.1:%d/api/v1/write" % self.port

    def count(self, mode):
        return sum(1 for r in self.requests if r[0] == mode)

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def metric(p, name, **labels):
    v = pt.parse_exposition(p.get("/metrics")[2]).value(name, **labels)
    pt.check(v is not None, "%s%r missing" % (name, labels))
    return v


def test_bad_receiver():
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    rx = Receiver(400)
    try:
        args = plumb_args(rx.url(), os.path.join(tmp, "q"), "bad", timeout="2s")
        with pt.Plumb(args) as p:
            wait_for("three 400 answers", lambda: rx.count(400) >= 3)
            headers = {k.lower(): v for k, v in rx.requests[0][1].items()}
            pt.check(headers.get("content-encoding") == "snappy", "headers: %r" % headers)
            pt.check(headers.get("content-type") == "application/x-protobuf", repr(headers))
            pt.check(headers.get("x-prometheus-remote-write-version") == "0.1.0", repr(headers))
            pt.check(headers.get("user-agent", "").startswith("plumb/"), repr(headers))
            rejected = metric(p, "plumb_push_dropped_samples_total", reason="rejected")
            pt.check(rejected > 0, "rejected samples not counted")
            pt.check(metric(p, "plumb_push_failed_requests_total") >= 3, "failures not counted")
            pt.check("remote write rejected samples: dropped" in p.log(), "no log line")
            # not wedged: the answers change, and the new collections go through
            rx.mode = 204
            wait_for("accepted pushes", lambda: rx.count(204) >= 2)
            wait_for("sent samples", lambda: metric(p, "plumb_push_sent_samples_total") > 0)
            # a receiver that never answers: cut off by --push.timeout, nothing dropped
            rx.mode = "hang"
            wait_for("a timed-out push", lambda: "Timeout was reached" in p.log(), 30)
            before = metric(p, "plumb_push_dropped_samples_total", reason="rejected")
            wait_for("a backlog", lambda: metric(p, "plumb_push_queue_bytes") > 0 and
                     metric(p, "plumb_push_lag_seconds") >= 2, 30)
            sent = metric(p, "plumb_push_sent_samples_total")
            rx.mode = 204
            rx.release.set()
            wait_for("the backlog to be sent",
                     lambda: metric(p, "plumb_push_sent_samples_total") > sent and
                     metric(p, "plumb_push_lag_seconds") < 2, 30)
            pt.check(metric(p, "plumb_push_dropped_samples_total", reason="rejected") == before,
                     "samples dropped while the receiver hung")
    finally:
        rx.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_queue_bound():
    """A receiver that keeps failing: the queue stops at --push.queue.max-bytes by dropping
    its oldest samples (counted, logged); once the receiver answers, the rest is sent."""
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    qdir = os.path.join(tmp, "q")
    rx = Receiver(503)
    bound = 65536
    try:
        # every default collector: records of several KiB, so the bound comes soon
        args = plumb_args(rx.url(), qdir, "bound")[len(COLLECTORS):] + [
            "--push.queue.max-bytes=%d" % bound]
        with pt.Plumb(args) as p:
            wait_for("samples dropped at the bound", lambda: metric(
                p, "plumb_push_dropped_samples_total", reason="queue_full") > 0, 90)
            pt.check("push queue full: dropped its oldest samples" in p.log(), "no log line")
            on_disk = sum(os.path.getsize(os.path.join(qdir, f)) for f in os.listdir(qdir)
                          if f.startswith("seg-"))
            pt.check(on_disk <= bound, "queue files hold %d bytes" % on_disk)
            pt.check(0 < metric(p, "plumb_push_queue_bytes") <= bound, "queue bytes")
            rx.mode = 204
            wait_for("the queue to drain", lambda: metric(p, "plumb_push_queue_bytes") == 0 or
                     metric(p, "plumb_push_lag_seconds") < 1.5, 30)
            pt.check(metric(p, "plumb_push_sent_samples_total") > 0, "nothing sent")
    finally:
        rx.close()
        shutil.rmtree(tmp, ignore_errors=True)


def record(payload, samples, ts_ms):
    """A queue record (src/push/qrec.h) around payload, with a valid checksum."""
    rest = struct.pack("<IIq", len(payload), samples, ts_ms) + payload
    return struct.pack("<II", 0x51424C50, zlib.crc32(rest)) + rest


def test_invalid_record():
    """One record of a batch that cannot be decoded costs only its own samples."""
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    qdir = os.path.join(tmp, "q")
    instance = "invalid-%d" % os.getpid()
    rx = Receiver(503)
    prom = None
    try:
        prom = Prometheus(os.path.join(tmp, "data"))
        prom.start()
        # a first run queues a few collections (the receiver refuses them all) ...
        with pt.Plumb(plumb_args(rx.url(), qdir, instance)) as p:
            wait_for("four queued collections", lambda: len(logged_collections(p.log())) >= 4)
        seg = os.path.join(qdir, "seg-0000000000000001")
        recs = records(seg)
        good = sum(r[2] for r in recs)
        # ... and a record that is not snappy data goes in after the first: its header
        # promises 64 bytes, its one literal gives 10, so uncompressing it fails
        bad_samples = 7
        bad = record(bytes([64, (10 - 1) << 2]) + b"0123456789", bad_samples,
                     int(time.time() * 1000))
        with open(seg, "rb") as f:
            data = f.read()
        cut = recs[0][0] + recs[0][1]
        with open(seg, "wb") as f:
            f.write(data[:cut] + bad + data[cut:])
        # the second run finds them all in one batch and sends to Prometheus
        t_second = time.time()
        with pt.Plumb(plumb_args(prom.write_url(), qdir, instance)) as p:
            wait_for("the bad record to be dropped",
                     lambda: metric(p, "plumb_push_dropped_samples_total", reason="invalid") > 0)
            wait_for("the queued samples to be sent",
                     lambda: metric(p, "plumb_push_sent_samples_total") >= good)
            invalid = metric(p, "plumb_push_dropped_samples_total", reason="invalid")
            pt.check(invalid == bad_samples, "dropped as invalid: %d samples, want the bad "
                     "record's %d (the good ones hold %d)" % (invalid, bad_samples, good))
            pt.check(metric(p, "plumb_push_dropped_samples_total", reason="rejected") == 0,
                     "samples rejected")
            log = p.log()
        pt.check("queued push records cannot be joined: sending them one by one" in log,
                 "no log line for the batch")
        pt.check('msg="queued push record cannot be decoded: dropped" samples=%d' % bad_samples
                 in log, "no log line for the bad record:\n" + log[-2000:])
        first = [v for t, v in counter_samples(prom, instance) if t < t_second]
        pt.check(first == list(range(1, len(recs) + 1)),
                 "the first run queued collections 1..%d, Prometheus has %r" % (len(recs), first))
    finally:
        rx.close()
        if prom:
            prom.close()
        shutil.rmtree(tmp, ignore_errors=True)


def fuse_usable():
    """Whether /dev/fuse can be opened (FUSE mounts possible)."""
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
        return True
    except OSError:
        return False


def mounted(path):
    """Whether path is a mount point in our mount namespace."""
    with open("/proc/self/mountinfo") as f:
        return any(line.split(" ")[4] == path for line in f)


def push_series(p, timeout):
    """{(name, labels): value} of the plumb_push_* series of one scrape; fails when the
    scrape takes longer than timeout seconds."""
    try:
        status, _, body = pt.request(p.port, "/metrics", timeout=timeout)
    except OSError as e:  # socket.timeout included
        raise pt.TestFailure("/metrics did not answer within %ds: %r" % (timeout, e))
    pt.check(status == 200, "/metrics answered %d" % status)
    samples = pt.parse_exposition(body).samples
    return {k: v for k, v in samples.items() if k[0].startswith("plumb_push_")}


def test_hung_queue_disk():
    """/metrics does not wait on the push queue's disk."""
    if not fuse_usable():
        print("SKIP test_hung_queue_disk: /dev/fuse is unavailable")
        return
    hangfs = os.path.join(pt.BUILD, "tests", "hangfs")
    pt.check(os.access(hangfs, os.X_OK), "hangfs not built: " + hangfs)
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    qdir = os.path.join(tmp, "q")
    os.mkdir(qdir)
    rx = Receiver(503)  # a backlog, so the lag is not 0
    hang = None
    stalls = []
    try:
        hang = subprocess.Popen([hangfs, "--files", "-f", qdir], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        def read_stalls():
            for line in hang.stdout:
                stalls.append(line)
        threading.Thread(target=read_stalls, daemon=True).start()
        wait_for("the FUSE mount", lambda: mounted(qdir) or hang.poll() is not None, 10)
        pt.check(hang.poll() is None, "hangfs exited with %r" % hang.returncode)
        with pt.Plumb(plumb_args(rx.url(), qdir, "hung")) as p:
            try:
                wait_for("two queued collections", lambda: len(logged_collections(p.log())) >= 2)
                hang.send_signal(signal.SIGUSR2)  # from now on writes and fsyncs block
                wait_for("an append stuck in the disk",
                         lambda: any("/seg-" in line for line in stalls), 10)
                t0 = time.monotonic()
                before = push_series(p, 10)
                took = time.monotonic() - t0
                pt.check(took < 5, "/metrics took %.1fs while the queue's disk hung" % took)
                names = set(k[0] for k in before)
                pt.check(names == {"plumb_push_sent_samples_total",
                                   "plumb_push_dropped_samples_total",
                                   "plumb_push_failed_requests_total", "plumb_push_queue_bytes",
                                   "plumb_push_lag_seconds", "plumb_push_queue_corrupt_total",
                                   "plumb_push_collections_total"}, "push series: %r" % names)
                time.sleep(1.5)
                after = push_series(p, 10)
                lag = ("plumb_push_lag_seconds", ())
                pt.check(before[lag] > 0 and after[lag] >= before[lag] + 1,
                         "the lag does not grow while the disk hangs: %r then %r"
                         % (before[lag], after[lag]))
                for k, v in before.items():
                    if k[0].endswith("_total"):
                        pt.check(after.get(k, -1) >= v, "%r went back: %r -> %r"
                                 % (k, v, after.get(k)))
                pt.check(any(line.startswith("stalled write /seg-") for line in stalls) and
                         "push queue busy (disk I/O): reporting its last known state" in p.log(),
                         "the scrapes did not meet the stuck append: %r" % stalls)
                colls = ("plumb_push_collections_total", ())
                stuck_at = after[colls]
            finally:
                hang.send_signal(signal.SIGUSR1)  # the disk answers again
            # collection and sending go on
            wait_for("collections after the release",
                     lambda: metric(p, "plumb_push_collections_total") >= stuck_at + 2, 30)
            rx.mode = 204
            wait_for("the backlog to be sent", lambda: metric(p, "plumb_push_queue_bytes") == 0 or
                     metric(p, "plumb_push_lag_seconds") < 1.5, 30)
            pt.check(metric(p, "plumb_push_sent_samples_total") > 0, "nothing sent")
            print("hung_queue_disk: /metrics answered in %.2fs with an append stuck; lag "
                  "%.1fs then %.1fs" % (took, before[lag], after[lag]))
    finally:
        if hang is not None and hang.poll() is None:
            hang.send_signal(signal.SIGUSR1)
        rx.close()
        if mounted(qdir):
            subprocess.run(["fusermount3", "-u", qdir], capture_output=True)
        if hang is not None:
            try:
                hang.wait(timeout=10)
            except subprocess.TimeoutExpired:
                hang.kill()
                hang.wait()
        if mounted(qdir):
            subprocess.run(["umount", "-l", qdir], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def test_bad_flags():
    """A bad --push.* value stops plumb at start-up with a clear line and exit status 2;
    push flags without a URL are reported as having no effect."""
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    try:
        base = ["--web.listen-address=127.0.0.1:0", "--push.queue.dir=" + os.path.join(tmp, "q")]
        url = "--push.remote-write.url=http://127.0.0.1:9/api/v1/write"
        for bad, says in [(["--push.interval=500ms"], "--push.interval"),
                          (["--push.remote-write.label=__x=1"], "--push.remote-write.label"),
                          (["--push.remote-write.label=instance"], "--push.remote-write.label"),
                          (["--push.remote-write.label=a=1", "--push.remote-write.label=a=2"],
                           "--push.remote-write.label"),
                          (["--push.queue.max-bytes=1000"], "--push.queue.max-bytes"),
                          (["--push.timeout=0s"], "--push.timeout")]:
            r = pt.run(base + [url] + bad)
            pt.check(r.returncode == 2 and says in r.stderr,
                     "%r: exit %d, stderr %r" % (bad, r.returncode, r.stderr[-500:]))
        r = pt.run(base + ["--push.remote-write.url=ftp://x/"])
        pt.check(r.returncode == 2 and "http://" in r.stderr, "ftp url: %r" % r.stderr[-300:])
        with pt.Plumb(["--push.interval=5s"]) as p:
            pt.check("push flag has no effect without --push.remote-write.url" in p.log(),
                     "no warning: " + p.log()[-500:])
            pt.check("plumb_push_" not in p.get("/metrics")[2].decode(), "push metrics shown")
        pt.check(not os.path.exists(os.path.join(tmp, "q")), "queue made without a URL")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def records(path):
    """[(offset, length, samples)] of the records in a queue segment file."""
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos + 24 <= len(data):
        magic, crc, length, samples = struct.unpack_from("<IIII", data, pos)
        pt.check(magic == 0x51424C50, "no record at %d" % pos)
        pt.check(zlib.crc32(data[pos + 8:pos + 24 + length]) == crc, "bad CRC at %d" % pos)
        out.append((pos, 24 + length, samples))
        pos += 24 + length
    pt.check(pos == len(data), "trailing bytes")
    return out


def test_corrupt_queue():
    tmp = tempfile.mkdtemp(prefix="plumb-rw-")
    qdir = os.path.join(tmp, "q")
    rx = Receiver(503)
    try:
        args = plumb_args(rx.url(), qdir, "corrupt")
        with pt.Plumb(args) as p:
            wait_for("four queued collections", lambda: len(logged_collections(p.log())) >= 4)
        seg = os.path.join(qdir, "seg-0000000000000001")
        recs = records(seg)
        pt.check(len(recs) >= 4, "records: %r" % recs)
        with open(seg, "r+b") as f:  # flip a byte inside record 2's payload
            off = recs[1][0] + 24 + recs[1][1] // 2
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ 0x55]))
        with open(seg, "ab") as f:
            f.write(b"PLBQ this is not a record" * 3)
        with open(os.path.join(qdir, "cursor"), "ab") as f:
            f.write(b"junk")
        good = sum(r[2] for i, r in enumerate(recs) if i != 1)
        rx.mode = 204
        with pt.Plumb(args) as p:
            log = wait_for("reports of the damage", lambda: (
                "cut the torn tail" in p.log() and "damaged records" in p.log() and
                "cursor is damaged" in p.log()) and p.log())
            wait_for("the good records to be sent",
                     lambda: metric(p, "plumb_push_sent_samples_total") >= good)
            pt.check(metric(p, "plumb_push_queue_corrupt_total") == 1, "corrupt count")
        pt.check("level=error" not in log, "errors logged:\n" + log[-2000:])
    finally:
        rx.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if not PROMETHEUS:
        pt.skip("prometheus is not installed (scripts/deps.sh installs it)")
    pt.main([test_bad_flags, test_samples_and_labels, test_bad_receiver, test_corrupt_queue,
             test_invalid_record, test_hung_queue_disk, test_queue_bound,
             test_outage,
             test_outage_with_kill9])
