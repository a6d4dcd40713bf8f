#!/usr/bin/env python3
"""test_hung_files: files on a mount that stops answering must not stop plumb.

Each case puts files plumb reads on tests/fuse/hangfs (plumbtest.HungFiles), a FUSE
folder whose opens, reads and readdirs block after SIGUSR2, as a dead NFS server's
would. A blocked call cannot be taken back, so what must hold is that plumb answers
around it and still ends when told to:

  startup:  --path.procfs on the hung folder: start-up blocks reading loadavg for the
            health checks. SIGTERM must end plumb within 15 s all the same.
  shutdown: the same folder hangs after start-up, with a scrape stuck in the loadavg
            collector. SIGTERM must end plumb within 15 s: the shutdown watchdog logs
            that shutdown did not finish and exits 1.
  textfile: --collector.textfile.directory is the hung folder. Scrapes must answer
            with node_textfile_scrape_error 1 and every other collector's series, the
            health checks must go on, the text files must come back once the folder
            answers again, and SIGTERM with a read still stuck must end plumb cleanly
            (exit 0) within 15 s.
  klog:     --health.kernel-log is a file in the hung folder. KernelDeadlock must turn
            Unknown (KernelLogUnreadable), go back to False once the folder answers,
            a "blocked for more than 120 seconds" line written then must turn it True,
            and SIGTERM with a read stuck again must end plumb cleanly within 15 s.

Every wait here is bounded generously (15 s for what takes 8 at most); nothing
asserts how fast anything is. Skips when /dev/fuse or hangfs is unavailable.
"""
# suite: alone (mounts a hanging FUSE file system on the host; tests/run-suite.sh)
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plumbtest as pt  # noqa: E402

EXIT_WITHIN = 15  # seconds: the shutdown limit is 8 s
LOADAVG = "0.25 0.50 0.75 1/100 4242\n"


def gone_within(p, secs):
    """The exit status of p's process if it ends within secs seconds, else None."""
    try:
        return p.proc.wait(timeout=secs)
    except pt.subprocess.TimeoutExpired:
        return None


def scrape_in_background(p):
    """Start a scrape that may never be answered; its outcome is not checked."""
    def one():
        try:
            p.get()
        except OSError:
            pass
    t = threading.Thread(target=one, daemon=True)
    t.start()
    return t


def test_sigterm_during_stuck_startup():
    with pt.HungFiles() as h:
        h.write("loadavg", LOADAVG)
        h.stall()
        args = ["--collector.disable-defaults", "--collector.loadavg",
                "--path.procfs=" + h.dir, "--health.kernel-log="]
        with pt.Plumb(args, wait=False) as p:
            pt.wait_threads(p.pid, lambda w: pt.count_in(w, "request_wait_answer") == 1,
                            "start-up to block on the hung loadavg")
            p.proc.send_signal(signal.SIGTERM)
            rc = gone_within(p, EXIT_WITHIN)
            pt.check(rc is not None, "plumb still runs %d s after SIGTERM during a stuck "
                     "start-up; log:\n%s" % (EXIT_WITHIN, p.log()))


def test_sigterm_with_a_stuck_collection():
    with pt.HungFiles() as h:
        h.write("loadavg", LOADAVG)
        args = ["--collector.disable-defaults", "--collector.loadavg",
                "--path.procfs=" + h.dir, "--health.kernel-log="]
        with pt.Plumb(args) as p:
            status, _, body = p.get()
            pt.check(status == 200 and pt.parse_exposition(body).value("node_load1") == 0.25,
                     "no node_load1 before the hang")
            h.stall()
            scrape_in_background(p)
            pt.wait_threads(p.pid, lambda w: pt.count_in(w, "request_wait_answer") >= 1,
                            "a collection to block on the hung loadavg")
            p.proc.send_signal(signal.SIGTERM)
            rc = gone_within(p, EXIT_WITHIN)
            log = p.log()
            pt.check(rc is not None, "plumb still runs %d s after SIGTERM with a stuck "
                     "collection; log:\n%s" % (EXIT_WITHIN, log))
            pt.check(rc == 1, "exit status %r after a forced shutdown" % rc)
            pt.check("did not finish in time" in log and "step=shutdown" in log,
                     "no log line for the forced shutdown:\n" + log[-3000:])


def scrape(p, timeout=EXIT_WITHIN + 5):
    """One /metrics scrape that must answer within timeout seconds; parsed."""
    status, _, body = pt.request(p.port, "/metrics", timeout=timeout)
    pt.check(status == 200, "scrape status %d" % status)
    return pt.parse_exposition(body)


def check_without_textfiles(ex, which):
    pt.check(ex.value("node_textfile_scrape_error") == 1,
             "%s scrape: node_textfile_scrape_error is %r" % (which, ex.value("node_textfile_scrape_error")))
    pt.check(ex.value("from_the_folder") is None, "%s scrape: a stuck folder's metric" % which)
    pt.check(ex.value("node_load1") is not None, "%s scrape: loadavg missing" % which)
    pt.check(ex.value("node_scrape_collector_success", collector="textfile") == 1,
             "%s scrape: the textfile collector itself failed" % which)


def test_textfile_folder_on_a_hung_mount():
    with pt.HungFiles() as h:
        h.write("a.prom", "# TYPE from_the_folder gauge\nfrom_the_folder 42\n")
        args = ["--collector.disable-defaults", "--collector.textfile", "--collector.loadavg",
                "--collector.meminfo", "--collector.textfile.directory=" + h.dir,
                "--collector.textfile.timeout=1s", "--health.kernel-log=",
                "--health.check-interval=1s"]
        with pt.Plumb(args) as p:
            ex = scrape(p)
            pt.check(ex.value("from_the_folder") == 42 and
                     ex.value("node_textfile_scrape_error") == 0, "no text file before the hang")
            h.stall()
            check_without_textfiles(scrape(p), "first")
            check_without_textfiles(scrape(p), "second")  # the read is still stuck
            status, _, body = pt.request(p.port, "/api/v1/status", timeout=EXIT_WITHIN + 5)
            doc = json.loads(body)
            reasons = [c["reason"] for c in doc["conditions"]]
            pt.check("NotYetChecked" not in reasons, "health never checked: %r" % reasons)
            pt.check("did not finish in time" in p.log(), "no log line for the hung read")

            h.release()
            deadline = time.monotonic() + pt.HANG
            while scrape(p).value("from_the_folder") != 42:
                pt.check(time.monotonic() < deadline, "text files did not come back")
                time.sleep(0.2)
            pt.check("reading the text files works again" in p.log(), "no recovery log line")

            h.stall()
            check_without_textfiles(scrape(p), "third")
            p.proc.send_signal(signal.SIGTERM)
            rc = gone_within(p, EXIT_WITHIN)
            pt.check(rc == 0, "exit status %r (None: still running) %d s after SIGTERM with a "
                     "text file read stuck; log:\n%s" % (rc, EXIT_WITHIN, p.log()[-3000:]))


def condition(p, name):
    """(status, reason) of node condition name in /api/v1/status."""
    status, _, body = pt.request(p.port, "/api/v1/status", timeout=EXIT_WITHIN + 5)
    pt.check(status == 200, "status API answered %d" % status)
    for c in json.loads(body)["conditions"]:
        if c["type"] == name:
            return c["status"], c["reason"]
    raise pt.TestFailure("no condition " + name)


def wait_condition(p, name, status, reason=None, secs=pt.HANG):
    deadline = time.monotonic() + secs
    while True:
        got = condition(p, name)
        if got[0] == status and (reason is None or got[1] == reason):
            return
        pt.check(time.monotonic() < deadline, "%s stayed %r, waiting for %s/%s; log:\n%s"
                 % (name, got, status, reason, p.log()[-3000:]))
        time.sleep(0.2)


def test_kernel_log_on_a_hung_mount():
    with pt.HungFiles() as h:
        h.write("kern.log", "old history\n")
        klog = os.path.join(h.dir, "kern.log")
        args = ["--collector.disable-defaults", "--collector.loadavg",
                "--health.kernel-log=" + klog, "--health.check-interval=1s"]
        with pt.Plumb(args) as p:
            wait_condition(p, "KernelDeadlock", "False", "KernelHasNoDeadlock")
            h.stall()
            wait_condition(p, "KernelDeadlock", "Unknown", "KernelLogUnreadable")
            h.release()
            wait_condition(p, "KernelDeadlock", "False", "KernelHasNoDeadlock")
            with open(klog, "a") as f:
                f.write("Dec  4 10:00:00 node kernel: [ 9.1] INFO: task jbd2/sda1-8:300 "
                        "blocked for more than 120 seconds.\n")
            wait_condition(p, "KernelDeadlock", "True", "KernelHasDeadlock")
            h.stall()
            time.sleep(1.5)  # let the next poll get stuck; the outcome is checked, not when
            p.proc.send_signal(signal.SIGTERM)
            rc = gone_within(p, EXIT_WITHIN)
            pt.check(rc == 0, "exit status %r (None: still running) %d s after SIGTERM with a "
                     "kernel log read stuck; log:\n%s" % (rc, EXIT_WITHIN, p.log()[-3000:]))


if __name__ == "__main__":
    why = pt.fuse_works()
    if why:
        pt.skip(why)
    pt.main([test_sigterm_during_stuck_startup, test_sigterm_with_a_stuck_collection,
             test_textfile_folder_on_a_hung_mount, test_kernel_log_on_a_hung_mount])
