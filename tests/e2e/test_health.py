#!/usr/bin/env python3
"""test_health: health conditions, kernel problems, GET /api/v1/status and the status
webhook, end to end on fixture files.

plumb runs with --path.procfs pointing at a small fixture tree (meminfo, loadavg,
sys/kernel/pid_max, sys/kernel/threads-max, 1/mountinfo) and --path.rootfs at a 4 MiB
tmpfs mounted in a private mount namespace (the test re-runs itself under
`unshare -m`), so that filling a real file there drives DiskPressure through the
filesystem collector's own statfs. The test rewrites the fixture files to drive
MemoryPressure, DiskPressure and PIDPressure to True and back to False (through a 2 s
--health.eviction-pressure-transition-period, seen holding on the way), appends lines
to a kernel log file whose earlier history must not come back as events, reads the
status JSON and the metrics, and runs a loopback HTTP receiver for
--push.status.url that must get the JSON on every change and periodically.

The disk part is skipped (with a note) when the test cannot make a mount namespace.
Takes about 25 s.
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from plumbtest import Plumb, check, free_port, main, parse_exposition

NS_ENV = "PLUMB_HEALTH_TEST_NS"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "KernelDeadlock",
              "ReadonlyFilesystem"]
REASONS = ["OOMKilling", "TaskHung", "KernelOops", "Ext4Error", "IOError"]
GiB = 1024 * 1024 * 1024

HISTORY = (
    "Nov 21 06:00:00 node kernel: Out of memory: Killed process 11 (old) total-vm:100kB, "
    "anon-rss:50kB, file-rss:0kB, shmem-rss:0kB\n"
    "Nov 21 06:00:01 node kernel: EXT4-fs (sda1): Remounting filesystem read-only\n"
    "Nov 21 06:00:02 node kernel: INFO: task old:12 blocked for more than 120 seconds.\n")
NEW_LINES = [
    ("Out of memory: Killed process 4321 (stress) total-vm:1056064kB, anon-rss:1048576kB, "
     "file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:2108kB oom_score_adj:0", "OOMKilling"),
    ("INFO: task jbd2/sda1-8:300 blocked for more than 120 seconds.", "TaskHung"),
    ("BUG: kernel NULL pointer dereference, address: 0000000000000000", "KernelOops"),
    ("EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading "
     "directory lblock 0", "Ext4Error"),
    ("Buffer I/O error on dev sdb1, logical block 0, async page read", "IOError"),
]


def meminfo(free_kib):
    return ("MemTotal:        8000000 kB\nMemFree:         %d kB\nMemAvailable:    %d kB\n"
            "Inactive(file):   1000 kB\n" % (free_kib, free_kib))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Fixture:
    """The fixture trees, the kernel log, and the webhook receiver."""

    def __init__(self, with_disk):
        self.dir = tempfile.mkdtemp(prefix="plumb-health-")
        self.proc = os.path.join(self.dir, "proc")
        self.root = os.path.join(self.dir, "root")
        self.klog = os.path.join(self.dir, "kern.log")
        os.makedirs(os.path.join(self.proc, "sys", "kernel"))
        os.makedirs(os.path.join(self.proc, "1"))
        os.makedirs(self.root)
        self.with_disk = with_disk
        if with_disk:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "plumbtest", self.root],
                           check=True)
        write(os.path.join(self.proc, "meminfo"), meminfo(4000000))
        write(os.path.join(self.proc, "loadavg"), "0.10 0.20 0.30 2/300 999\n")
        write(os.path.join(self.proc, "sys", "kernel", "pid_max"), "32768\n")
        write(os.path.join(self.proc, "sys", "kernel", "threads-max"), "63000\n")
        write(os.path.join(self.proc, "1", "mountinfo"),
              "25 1 0:30 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n")
        write(self.klog, HISTORY)
        self.posts = []
        self.lock = threading.Lock()
        fixture = self

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fixture.lock:
                    fixture.posts.append((self.headers.get("Content-Type"), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        self.hook_port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def args(self):
        return ["--collector.disable-defaults", "--collector.meminfo",
                "--collector.filesystem", "--path.procfs=" + self.proc,
                "--path.rootfs=" + self.root, "--path.sysfs=" + self.dir,
                "--health.check-interval=1s",
                "--health.eviction-pressure-transition-period=2s",
                "--health.eviction-hard=memory.available<100Mi,nodefs.available<10%,"
                "pid.available<10%",
                "--health.kernel-log=" + self.klog, "--health.node-name=e2e-node",
                "--push.status.url=http://127.0.0.1:%d/hook" % self.hook_port,
                "--push.status.interval=1s"]

    def close(self):
        self.http.shutdown()
        if self.with_disk:
            subprocess.run(["umount", self.root])
        shutil.rmtree(self.dir, ignore_errors=True)

    def post_bodies(self):
        with self.lock:
            return list(self.posts)


def status(p):
    code, headers, body = p.get("/api/v1/status")
    check(code == 200, "GET /api/v1/status answered %d" % code)
    check(headers.get("content-type", "").startswith("application/json"),
          "status content type %r" % headers.get("content-type"))
    return json.loads(body)


def conds(doc):
    return {c["type"]: c for c in doc["conditions"]}


def wait_for(p, pred, what, timeout=30):
    """Poll the status until pred(doc) holds; fail naming what after timeout (a hang)."""
    deadline = time.monotonic() + timeout
    while True:
        doc = status(p)
        if pred(doc):
            return doc
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s; status:\n%s"
                                 % (what, json.dumps(doc, indent=1)))
        time.sleep(0.2)


def is_status(cond, value):
    return lambda doc: conds(doc)[cond]["status"] == value


def check_shape(doc):
    check(doc["nodeName"] == "e2e-node", "nodeName %r" % doc.get("nodeName"))
    check([c["type"] for c in doc["conditions"]] == CONDITIONS,
          "condition types %r" % [c["type"] for c in doc["conditions"]])
    for c in doc["conditions"]:
        check(sorted(c) == sorted(["type", "status", "reason", "message",
                                   "lastTransitionTime", "lastHeartbeatTime"]),
              "condition keys %r" % sorted(c))
        check(c["status"] in ("True", "False", "Unknown"), "status %r" % c["status"])
        check(c["reason"] and c["message"], "empty reason or message in %r" % c)
        check(RFC3339.match(c["lastTransitionTime"]) and RFC3339.match(c["lastHeartbeatTime"]),
              "times not RFC 3339: %r" % c)
    check(isinstance(doc["events"], list), "events is not a list")


def metric_values(p):
    code, _, body = p.get("/metrics")
    check(code == 200, "/metrics answered %d" % code)
    return parse_exposition(body)


def pressure_in_and_out(p, cond, make, undo):
    """make() drives cond True; undo() ends it; the transition period holds it True
    for a while (seen in its message) before it turns False."""
    make()
    doc = wait_for(p, is_status(cond, "True"), cond + " True")
    check(conds(doc)["Ready"]["status"] == "False", "Ready not False under " + cond)
    check(cond in conds(doc)["Ready"]["message"], "Ready's message does not name " + cond)
    undo()
    wait_for(p, lambda d: "transition period" in conds(d)[cond]["message"]
             or conds(d)[cond]["status"] == "False", cond + " held or released")
    wait_for(p, is_status(cond, "False"), cond + " back to False")


def test_health():
    with_disk = os.environ.get(NS_ENV) == "1"
    if not with_disk:
        print("note: no private mount namespace; the DiskPressure part is skipped")
    fx = Fixture(with_disk)
    try:
        with Plumb(fx.args()) as p:
            doc = wait_for(p, is_status("Ready", "True"), "Ready True at start")
            check_shape(doc)
            check(doc["events"] == [], "old kernel history replayed: %r" % doc["events"])
            check(conds(doc)["ReadonlyFilesystem"]["status"] == "False",
                  "history set ReadonlyFilesystem")
            ex = metric_values(p)
            for c in CONDITIONS:
                vals = {s: ex.value("plumb_node_condition", condition=c, status=s)
                        for s in ("true", "false", "unknown")}
                check(sorted(vals.values()) == [0, 0, 1], "%s series: %r" % (c, vals))
            check(ex.value("plumb_node_condition", condition="Ready", status="true") == 1,
                  "Ready metric is not true")
            for r in REASONS:
                check(ex.value("plumb_problem_events_total", reason=r) == 0,
                      "%s counter not 0 at start" % r)

            mem = os.path.join(fx.proc, "meminfo")
            pressure_in_and_out(p, "MemoryPressure", lambda: write(mem, meminfo(50000)),
                                lambda: write(mem, meminfo(4000000)))
            la = os.path.join(fx.proc, "loadavg")
            pressure_in_and_out(p, "PIDPressure",
                                lambda: write(la, "0.10 0.20 0.30 2/31000 999\n"),
                                lambda: write(la, "0.10 0.20 0.30 2/300 999\n"))
            if with_disk:
                big = os.path.join(fx.root, "fill")
                pressure_in_and_out(p, "DiskPressure",
                                    lambda: write(big, "x" * (3900 * 1024)),
                                    lambda: os.unlink(big))
            doc = wait_for(p, is_status("Ready", "True"), "Ready True again")

            with open(fx.klog, "a") as f:
                for line, _ in NEW_LINES:
                    f.write("Nov 21 07:00:00 node kernel: [ 500.000001] %s\n" % line)
                f.write("Nov 21 07:00:01 node kernel: EXT4-fs (sda1): Remounting filesystem "
                        "read-only\n")
            doc = wait_for(p, lambda d: len(d["events"]) == len(NEW_LINES)
                           and conds(d)["ReadonlyFilesystem"]["status"] == "True",
                           "kernel events and ReadonlyFilesystem")
            check([e["reason"] for e in doc["events"]] == [r for _, r in NEW_LINES],
                  "event reasons %r" % [e["reason"] for e in doc["events"]])
            for e, (line, _) in zip(doc["events"], NEW_LINES):
                check(line in e["message"] and RFC3339.match(e["timestamp"]),
                      "event %r" % e)
            c = conds(doc)
            check(c["KernelDeadlock"]["status"] == "True", "KernelDeadlock not True")
            check("jbd2/sda1-8:300" in c["KernelDeadlock"]["message"],
                  "KernelDeadlock message %r" % c["KernelDeadlock"]["message"])
            check(c["Ready"]["status"] == "False", "Ready not False with kernel problems")
            ex = metric_values(p)
            for r in REASONS:
                check(ex.value("plumb_problem_events_total", reason=r) == 1,
                      "%s counter is %r" % (r, ex.value("plumb_problem_events_total", reason=r)))
            check(ex.value("plumb_node_condition", condition="KernelDeadlock",
                           status="true") == 1, "KernelDeadlock metric")

            # the webhook: every change arrived, and posts keep coming without changes
            n = len(fx.post_bodies())
            deadline = time.monotonic() + 30
            while len(fx.post_bodies()) < n + 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            posts = fx.post_bodies()
            check(len(posts) >= n + 2, "no periodic posts: %d then %d" % (n, len(posts)))
            docs = []
            for ctype, body in posts:
                check(ctype == "application/json", "webhook content type %r" % ctype)
                d = json.loads(body)
                check_shape(d)
                docs.append(d)
            for cond in ["MemoryPressure", "PIDPressure", "KernelDeadlock",
                         "ReadonlyFilesystem"] + (["DiskPressure"] if with_disk else []):
                check(any(conds(d)[cond]["status"] == "True" for d in docs),
                      "no webhook post showed %s True" % cond)
            check(any(conds(d)["Ready"]["status"] == "True" for d in docs),
                  "no webhook post showed Ready True")
            check(docs[-1]["events"] == doc["events"], "last post's events differ")
    finally:
        fx.close()


def test_bad_flags():
    """Bad values are one-line errors with exit status 2."""
    from plumbtest import run
    for arg in ["--health.eviction-hard=memory.available>1Gi",
                "--health.eviction-hard=nodefs.available<150%",
                "--push.status.interval=500ms", "--health.check-interval=0s",
                "--push.status.url=gopher://x"]:
        r = run(["--web.listen-address=127.0.0.1:%d" % free_port(), arg])
        check(r.returncode == 2, "%s: exit %d" % (arg, r.returncode))
        lines = r.stderr.strip().splitlines()
        check(any(l.startswith("plumb: error:") and arg.split("=")[0] in l for l in lines),
              "%s: stderr %r" % (arg, r.stderr))


def test_webhook_failures():
    """A receiver answering 500 is logged once however often plumb retries; one that
    never answers does not keep plumb from shutting down cleanly."""
    import socket

    class Failing(http.server.BaseHTTPRequestHandler):
        count = 0

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            Failing.count += 1
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with Plumb(["--collector.disable-defaults", "--collector.loadavg",
                    "--health.kernel-log=", "--push.status.interval=1s",
                    "--push.status.url=http://127.0.0.1:%d/" % srv.server_address[1]]) as p:
            deadline = time.monotonic() + 30
            while Failing.count < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            check(Failing.count >= 3, "only %d retries" % Failing.count)
            n = p.log().count("posting the status failed")
            check(n == 1, "failure logged %d times:\n%s" % (n, p.log()))
            check("HTTP 500" in p.log(), "the log does not say what failed")
    finally:
        srv.shutdown()

    # a receiver that accepts the connection and never answers
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4)
    try:
        with Plumb(["--collector.disable-defaults", "--collector.loadavg",
                    "--health.kernel-log=",
                    "--push.status.url=http://127.0.0.1:%d/" % lsock.getsockname()[1]]) as p:
            lsock.settimeout(30)
            conn, _ = lsock.accept()  # the first POST is now waiting for its answer
            start = time.monotonic()
            rc = p.stop()
            print("shutdown with a POST in flight took %.2f s" % (time.monotonic() - start))
            check(rc == 0, "plumb exited %d with a POST in flight" % rc)
            conn.close()
    finally:
        lsock.close()


def test_silent_receiver_does_not_delay_checks():
    """A receiver that accepts connections and never answers holds a POST for the whole
    of --push.timeout (10 s by default); the checks go on meanwhile, each moving
    lastHeartbeatTime on. plumb used to post from the checks' own thread, so the
    heartbeat moved once per timeout instead of once per --health.check-interval."""
    import socket
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)  # connections complete in the backlog; nothing ever reads them
    try:
        with Plumb(["--collector.disable-defaults", "--collector.loadavg",
                    "--health.kernel-log=", "--health.check-interval=1s",
                    "--push.status.interval=1s",
                    "--push.status.url=http://127.0.0.1:%d/" % lsock.getsockname()[1]]) as p:
            beats = set()
            end = time.monotonic() + 6
            while time.monotonic() < end:
                code, _, body = p.get("/api/v1/status")
                check(code == 200, "status: %d" % code)
                conds = json.loads(body)["conditions"]
                beats.add(next(c["lastHeartbeatTime"] for c in conds if c["type"] == "Ready"))
                time.sleep(0.2)
            print("%d distinct heartbeats in 6 s, checks every 1 s, the receiver silent"
                  % len(beats))
            check(len(beats) >= 4, "lastHeartbeatTime took only %d values in 6 s: %s"
                  % (len(beats), sorted(beats)))
    finally:
        lsock.close()


def test_disabled():
    """--no-health.enabled: no status route, no health metrics."""
    with Plumb(["--no-health.enabled", "--collector.disable-defaults",
                "--collector.loadavg"]) as p:
        code, _, _ = p.get("/api/v1/status")
        check(code == 404, "status answered %d with health off" % code)
        check(b"plumb_node_condition" not in p.get("/metrics")[2], "condition metric present")


if __name__ == "__main__":
    if (os.environ.get(NS_ENV) is None and os.geteuid() == 0 and shutil.which("unshare")
            and subprocess.run(["unshare", "-m", "true"]).returncode == 0):
        env = dict(os.environ, **{NS_ENV: "1"})
        os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", sys.executable]
                   + sys.argv, env)
    main([test_health, test_bad_flags, test_webhook_failures,
          test_silent_receiver_does_not_delay_checks, test_disabled])
