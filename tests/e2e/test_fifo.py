#!/usr/bin/env python3
"""test_fifo: a FIFO where plumb expects a file costs one collector, never a hang.

Anyone who can write a path plumb reads can leave a FIFO there, and opening a FIFO
for reading waits for a writer. The test copies node_exporter's fixture host, runs
plumb on it with the fixture's flags (every collector), and then replaces, one case
at a time, a file with a FIFO that nobody ever writes:

  speed:      sys/.../net/eth0/speed (netclass)
  os-release: usr/lib/os-release under --path.rootfs (os)
  loadavg:    proc/loadavg (loadavg; and health reads it at start-up for PIDPressure)

In each case start-up must complete, /metrics must answer, the collector that reads
the FIFO must report node_scrape_collector_success 0 (the log saying "not a regular
file") and lose its series, every other collector must succeed as on the intact copy,
the health checks must run (no condition left NotYetChecked), and SIGTERM must end
plumb with status 0. Then:

  textfile:   a FIFO named fifo.prom among the textfile folder's files is skipped
              (node_textfile_scrape_error 1, "not a regular file" logged), the other
              files still served.
  klog-rotate: --health.kernel-log is rotated by renaming it, a FIFO stands at its
              path for 3 s, then a new file. KernelDeadlock must say Unknown
              (KernelLogUnreadable) while the FIFO is there, and a hung-task line in
              the new file must be seen (a TaskHung event, KernelDeadlock True).
  klog-start: the kernel log is a FIFO when plumb starts: KernelDeadlock Unknown
              (KernelLogUnreadable), and a file that replaces it is followed.

Each scrape and status request must answer within 15 s (a hang is a failure).
"""
import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plumbtest as pt  # noqa: E402

ANSWER = 15  # seconds any request may take before it counts as hung
SPEED = "sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0/net/eth0/speed"
HUNG_TASK = ("Dec  4 10:00:00 node kernel: [ 9.1] INFO: task jbd2/sda1-8:300 blocked for "
             "more than 120 seconds.\n")


def get(p, path):
    status, _, body = pt.request(p.port, path, timeout=ANSWER)
    pt.check(status == 200, "%s answered %d" % (path, status))
    return body


def successes(ex):
    return {labels["collector"]: v for labels, v in ex.series("node_scrape_collector_success")}


def conditions(p):
    return {c["type"]: (c["status"], c["reason"])
            for c in json.loads(get(p, "/api/v1/status"))["conditions"]}


def wait_for(p, pred, what, secs=pt.HANG):
    deadline = time.monotonic() + secs
    while True:
        got = pred()
        if got:
            return got
        pt.check(time.monotonic() < deadline, "timed out waiting for %s; log:\n%s"
                 % (what, p.log()[-3000:]))
        time.sleep(0.2)


def stop_cleanly(p):
    p.proc.send_signal(signal.SIGTERM)
    try:
        rc = p.proc.wait(timeout=ANSWER)
    except pt.subprocess.TimeoutExpired:
        raise pt.TestFailure("plumb still runs %d s after SIGTERM" % ANSWER)
    pt.check(rc == 0, "exit status %d after SIGTERM; log:\n%s" % (rc, p.log()[-3000:]))


class Host:
    """A writable copy of the fixture host, and plumb's flags for it."""

    def __init__(self):
        self.top = tempfile.mkdtemp(prefix="plumb-fifo-")
        self.root = os.path.join(self.top, "host")
        shutil.copytree(pt.FIXTURES, self.root, symlinks=True)
        for d, _, _ in os.walk(self.root):
            os.chmod(d, 0o755)
        self.flags = [f.replace(pt.FIXTURES, self.root) for f in pt.fixture_flags()]

    def fifo(self, rel):
        """Replace rel with a FIFO; returns a function that puts the file back."""
        path = os.path.join(self.root, rel)
        saved = path + ".saved"
        os.rename(path, saved)
        os.mkfifo(path)

        def restore():
            os.unlink(path)
            os.rename(saved, path)
        return restore

    def run(self, extra=()):
        return pt.Plumb(self.flags + ["--health.kernel-log="] + list(extra),
                        ready_timeout=ANSWER)

    def close(self):
        shutil.rmtree(self.top, ignore_errors=True)


def check_one_collector_lost(host, base, rel, collector, lost):
    """With rel a FIFO: collector fails, its series lost is gone, the rest as in base."""
    restore = host.fifo(rel)
    try:
        with host.run() as p:
            ex = pt.parse_exposition(get(p, "/metrics"))
            got = successes(ex)
            pt.check(got.get(collector) == 0, "%s: %s success is %r, not 0"
                     % (rel, collector, got.get(collector)))
            others = {c: v for c, v in got.items() if c != collector}
            want = {c: v for c, v in base["success"].items() if c != collector}
            pt.check(others == want, "%s: other collectors changed: %r"
                     % (rel, {c: (want.get(c), v) for c, v in others.items() if want.get(c) != v}))
            name, labels = lost
            pt.check(not [l for l, _ in ex.series(name) if labels.items() <= l.items()],
                     "%s: %s%r still there" % (rel, name, labels))
            pt.check(ex.value("node_memory_MemTotal_bytes") is not None,
                     "%s: meminfo's series are gone" % rel)
            pt.check(len(ex.samples) >= base["series"] - 200,
                     "%s: %d series, %d on the intact host" % (rel, len(ex.samples), base["series"]))
            pt.check('collector=%s err="not a regular file"' % collector in p.log(),
                     "%s: no \"not a regular file\" log line for %s:\n%s"
                     % (rel, collector, p.log()[-3000:]))
            wait_for(p, lambda: all(r != "NotYetChecked" for _, r in conditions(p).values()),
                     "the first health check")
            stop_cleanly(p)
    finally:
        restore()


def test_fifos_in_the_fixture_host():
    host = Host()
    try:
        with host.run() as p:
            ex = pt.parse_exposition(get(p, "/metrics"))
            base = {"success": successes(ex), "series": len(ex.samples)}
            for c in ("netclass", "os", "loadavg"):
                pt.check(base["success"].get(c) == 1, "%s fails on the intact host" % c)
            pt.check(ex.value("node_network_speed_bytes", device="eth0") is not None and
                     ex.series("node_os_info") and ex.value("node_load1") is not None,
                     "the intact host lacks eth0's speed, node_os_info or node_load1")
        check_one_collector_lost(host, base, SPEED, "netclass",
                                 ("node_network_speed_bytes", {"device": "eth0"}))
        check_one_collector_lost(host, base, "usr/lib/os-release", "os", ("node_os_info", {}))
        check_one_collector_lost(host, base, "proc/loadavg", "loadavg", ("node_load1", {}))
    finally:
        host.close()


def test_fifo_among_text_files():
    host = Host()
    try:
        folder = os.path.join(host.root, "textfile", "two_metric_files")
        os.mkfifo(os.path.join(folder, "fifo.prom"))
        with host.run() as p:
            ex = pt.parse_exposition(get(p, "/metrics"))
            pt.check(ex.value("node_textfile_scrape_error") == 1, "no textfile error for a FIFO")
            pt.check(ex.value("testmetric1_1", foo="bar") is not None and
                     ex.value("testmetric2_1", foo="bar") is not None,
                     "the regular text files next to the FIFO are gone")
            pt.check(ex.value("node_scrape_collector_success", collector="textfile") == 1,
                     "the textfile collector failed")
            pt.check('fifo.prom err="not a regular file"' in p.log(),
                     "no \"not a regular file\" log line:\n" + p.log()[-3000:])
            stop_cleanly(p)
    finally:
        host.close()


def klog_plumb(path):
    return pt.Plumb(["--collector.disable-defaults", "--collector.loadavg",
                     "--health.kernel-log=" + path, "--health.check-interval=1s"],
                    ready_timeout=ANSWER)


def is_cond(p, name, status, reason):
    return conditions(p).get(name) == (status, reason)


def test_kernel_log_rotated_through_a_fifo():
    d = tempfile.mkdtemp(prefix="plumb-fifo-klog-")
    path = os.path.join(d, "kern.log")
    try:
        with open(path, "w") as f:
            f.write(HUNG_TASK)  # history: must not count
        with klog_plumb(path) as p:
            wait_for(p, lambda: is_cond(p, "KernelDeadlock", "False", "KernelHasNoDeadlock"),
                     "KernelDeadlock False")
            os.rename(path, path + ".1")
            os.mkfifo(path)
            until = time.monotonic() + 3
            wait_for(p, lambda: is_cond(p, "KernelDeadlock", "Unknown", "KernelLogUnreadable"),
                     "KernelDeadlock Unknown while the kernel log is a FIFO")
            while time.monotonic() < until:
                pt.check(is_cond(p, "KernelDeadlock", "Unknown", "KernelLogUnreadable"),
                         "KernelDeadlock left Unknown while the FIFO is there")
                time.sleep(0.2)
            os.unlink(path)
            with open(path, "w") as f:
                f.write(HUNG_TASK)
            wait_for(p, lambda: is_cond(p, "KernelDeadlock", "True", "KernelHasDeadlock"),
                     "the hung task in the new file to be seen")
            events = json.loads(get(p, "/api/v1/status"))["events"]
            pt.check([e["reason"] for e in events] == ["TaskHung"], "events: %r" % events)
            stop_cleanly(p)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_kernel_log_is_a_fifo_at_start():
    d = tempfile.mkdtemp(prefix="plumb-fifo-klog-")
    path = os.path.join(d, "kern.log")
    try:
        os.mkfifo(path)
        with klog_plumb(path) as p:
            wait_for(p, lambda: is_cond(p, "KernelDeadlock", "Unknown", "KernelLogUnreadable"),
                     "KernelDeadlock Unknown while the kernel log is a FIFO")
            os.unlink(path)
            with open(path, "w") as f:
                f.write(HUNG_TASK)
            wait_for(p, lambda: is_cond(p, "KernelDeadlock", "True", "KernelHasDeadlock"),
                     "the hung task in the file that replaced the FIFO to be seen")
            stop_cleanly(p)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    pt.main([test_fifos_in_the_fixture_host, test_fifo_among_text_files,
             test_kernel_log_rotated_through_a_fifo, test_kernel_log_is_a_fifo_at_start])
