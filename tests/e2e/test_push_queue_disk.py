"""test_push_queue_disk: remote write when the push queue's disk fills or turns unwritable.

Both tests push to Debian's prometheus on loopback and account for every sample the push
loop collected: once the queue has drained, plumb_push_collections_total times the
samples of one collection must equal plumb_push_sent_samples_total plus every
plumb_push_dropped_samples_total, and the newest collections must reach Prometheus.

- disk_full: the queue lives on a 300 KiB tmpfs (mounted here; we are root) and
  Prometheus stops until the queue has filled the tmpfs and stayed full for several
  collections. A textfile of padding series makes each collection about 25 KiB. Once
  Prometheus is back, samples flow again, the losses are counted as
  reason="disk_full", the ones Prometheus lacks are the oldest of the backlog, and
  plumb_push_queue_bytes comes back to 0.
- unwritable_folder: plumb runs as nobody and the queue folder turns mode 000 under it
  for a while: collections that cannot be queued are counted as
  reason="write_failed", and push resumes when the folder is writable again.

Like test_remote_write, plumb's health timer is off (its collections would blur the
counter travelling in each pushed one). Timeouts only detect hangs.
"""
# suite: alone (mounts a small tmpfs on the host; tests/run-suite.sh)
import os
import random
import re
import shutil
import subprocess
import tempfile
import time

import plumbtest as pt
from test_remote_write import PROMETHEUS, Prometheus, counter_samples, wait_for

TMPFS_SIZE = 300 * 1024
REASONS = ("queue_full", "rejected", "invalid", "disk_full", "write_failed")


def padding(folder, series):
    """A textfile of `series` gauges with distinct labels and values, which snappy
    cannot shrink much: it sets how large each pushed collection is."""
    rnd = random.Random(12)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "padding.prom"), "w") as f:
        f.write("# HELP push_test_padding Series that make each collection larger.\n"
                "# TYPE push_test_padding gauge\n")
        for i in range(series):
            f.write('push_test_padding{n="%d",k="%08x"} %.9g\n'
                    % (i, rnd.getrandbits(32), rnd.random()))
    os.chmod(folder, 0o755)
    os.chmod(os.path.join(folder, "padding.prom"), 0o644)


def args_for(url, qdir, instance, extra=()):
    return ["--collector.disable-defaults", "--collector.loadavg", "--collector.time",
            "--no-health.enabled", "--push.remote-write.url=" + url, "--push.interval=1s",
            "--push.timeout=3s", "--push.queue.dir=" + qdir,
            "--push.remote-write.label=instance=" + instance, "--log.level=debug"] + list(extra)


def scrape(p):
    return pt.parse_exposition(p.get("/metrics")[2])


def push_state(ex):
    """(collections, sent, dropped by reason, queue bytes) from one scrape."""
    dropped = {r: ex.value("plumb_push_dropped_samples_total", reason=r) or 0 for r in REASONS}
    return (ex.value("plumb_push_collections_total"), ex.value("plumb_push_sent_samples_total"),
            dropped, ex.value("plumb_push_queue_bytes"))


def wait_accounted(p, per_collection, timeout=60):
    """Wait until one scrape shows the queue drained and every collected sample sent or
    dropped (between two ticks: a tick in flight has counted its collection and not yet
    queued it). Returns that state; fails with the last state seen."""
    seen = []

    def balanced():
        st = push_state(scrape(p))
        seen[:] = [st]
        colls, sent, dropped, qbytes = st
        return qbytes == 0 and colls * per_collection == sent + sum(dropped.values()) and st
    try:
        return wait_for("every collected sample to be sent or counted as dropped", balanced,
                        timeout)
    except pt.TestFailure:
        colls, sent, dropped, qbytes = seen[0]
        raise pt.TestFailure(
            "samples unaccounted for: %d collections of %d samples = %d; sent %d, dropped "
            "%r, queue bytes %d" % (colls, per_collection, colls * per_collection, sent,
                                    dropped, qbytes))


def collections_in(prom, instance):
    return sorted(v for _, v in counter_samples(prom, instance))


def queued(p):
    """[(collection, samples)] that plumb logged as durably queued."""
    return [(int(c), int(s)) for c, s in
            re.findall(r'msg="queued push record" collection=(\d+) samples=(\d+)', p.log())]


def samples_per_collection(p):
    """The samples every collection holds (the same in each, from the log)."""
    counts = set(s for _, s in queued(p))
    pt.check(len(counts) == 1, "collections of different sizes: %r" % counts)
    return counts.pop()


def test_disk_full():
    tmp = tempfile.mkdtemp(prefix="plumb-qdisk-")
    qdir = os.path.join(tmp, "q")
    os.mkdir(qdir)
    instance = "diskfull-%d" % os.getpid()
    prom = None
    mounted = False
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % TMPFS_SIZE, "plumbq", qdir],
                       check=True)
        mounted = True
        padding(os.path.join(tmp, "text"), 1000)
        prom = Prometheus(os.path.join(tmp, "data"))
        prom.start()
        args = args_for(prom.write_url(), qdir, instance,
                        ["--collector.textfile",
                         "--collector.textfile.directory=" + os.path.join(tmp, "text")])
        # no scrapes of plumb from here until Prometheus is back: a scrape can share a
        # push collection and repeat the counter value it carries (test_remote_write)
        with pt.Plumb(args) as p:
            wait_for("first samples", lambda: len(counter_samples(prom, instance)) >= 2)
            per = samples_per_collection(p)
            prom.stop()
            def full():
                st = os.statvfs(qdir)
                return st.f_bavail * st.f_frsize < 64 * 1024
            wait_for("the queue to fill its tmpfs", full, 90)
            time.sleep(8)  # some collections on a full disk
            last_queued = max(c for c, _ in queued(p))
            prom.start()
            # the newest samples reach Prometheus again
            wait_for("collections taken after the receiver came back",
                     lambda: any(v >= last_queued + 3 for v in collections_in(prom, instance)),
                     60)
            colls, sent, dropped, _ = wait_accounted(p, per)
            log = p.log()
        pt.check(dropped["disk_full"] > 0, "nothing counted as dropped for lack of space: "
                 "%r" % dropped)
        pt.check(all(v == 0 for r, v in dropped.items() if r != "disk_full"),
                 "dropped for other reasons: %r" % dropped)
        pt.check("push queue's disk is full" in log, "no log line for the full disk")
        # what Prometheus lacks is one stretch of the oldest collections of the backlog:
        # the newest ones queued on the full disk arrived
        got = collections_in(prom, instance)
        upto = [v for v in got if v <= last_queued]
        gaps = [(a, b) for a, b in zip(upto, upto[1:]) if b > a + 1]
        pt.check(len(gaps) == 1 and upto[-1] == last_queued and last_queued - 1 in upto,
                 "want one stretch of collections missing before %d: %r"
                 % (last_queued - 1, gaps))
        missing = gaps[0][1] - gaps[0][0] - 1
        pt.check(missing * per <= dropped["disk_full"],
                 "%d collections missing in Prometheus, only %d samples counted as dropped"
                 % (missing, dropped["disk_full"]))
        qbytes = prom.query('max_over_time(plumb_push_queue_bytes{instance="%s"}[15m])'
                            % instance)
        most = float(qbytes[0]["value"][1])
        pt.check(0 < most <= TMPFS_SIZE, "queue bytes on a 300 KiB disk: %r" % most)
        print("disk_full: %d collections of %d samples; %d sent, %d dropped for lack of "
              "space (collections %d to %d, the oldest of the backlog, missing in "
              "Prometheus); at most %d bytes queued"
              % (colls, per, sent, dropped["disk_full"], gaps[0][0] + 1, gaps[0][1] - 1, most))
    finally:
        if prom:
            prom.close()
        if mounted:
            subprocess.run(["umount", "-l", qdir], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def test_unwritable_folder():
    tmp = tempfile.mkdtemp(prefix="plumb-qdisk-")
    os.chmod(tmp, 0o755)  # nobody reaches the queue folder below it
    qdir = os.path.join(tmp, "q")
    instance = "unwritable-%d" % os.getpid()
    prom = None
    try:
        prom = Prometheus(os.path.join(tmp, "data"))
        prom.start()
        # small segments (an eighth of the bound): the queue needs a new file every few
        # collections, which a folder it cannot write refuses
        args = args_for(prom.write_url(), qdir, instance,
                        ["--runtime.user=nobody", "--push.queue.max-bytes=65536"])
        with pt.Plumb(args) as p:
            wait_for("first samples", lambda: len(counter_samples(prom, instance)) >= 2)
            per = samples_per_collection(p)
            pt.check(os.stat(qdir).st_uid != 0, "the queue folder was not handed to nobody")
            os.chmod(qdir, 0)
            try:
                wait_for("collections that cannot be queued",
                         lambda: "cannot queue pushed samples" in p.log(), 60)
                time.sleep(3)
            finally:
                os.chmod(qdir, 0o700)
            last_queued = max(c for c, _ in queued(p))
            wait_for("collections taken after the folder came back",
                     lambda: any(v >= last_queued + 3 for v in collections_in(prom, instance)),
                     60)
            colls, sent, dropped, _ = wait_accounted(p, per)
            log = p.log()
        pt.check(dropped["write_failed"] > 0, "nothing counted as write_failed: %r" % dropped)
        pt.check(all(v == 0 for r, v in dropped.items() if r != "write_failed"),
                 "dropped for other reasons: %r" % dropped)
        # a collection that shares a scrape's may repeat the value before it and skip its
        # own: counting samples rather than values, every repeat makes up for one skip
        got = collections_in(prom, instance)
        missing = got[-1] - len(got)
        pt.check(missing > 0 and missing * per == dropped["write_failed"],
                 "%d collections missing in Prometheus, %d samples counted as write_failed"
                 % (missing, dropped["write_failed"]))
        pt.check("pushed samples can be queued again" in log, "no log line for the recovery")
        print("unwritable_folder: %d collections of %d samples; %d sent, %d dropped while "
              "the folder was mode 000 (%d collections)"
              % (colls, per, sent, dropped["write_failed"], missing))
    finally:
        if os.path.isdir(qdir):
            os.chmod(qdir, 0o700)
        if prom:
            prom.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if not PROMETHEUS:
        pt.skip("prometheus is not installed (scripts/deps.sh installs it)")
    if os.geteuid() != 0:
        pt.skip("needs root: it mounts a tmpfs and runs plumb as nobody")
    pt.main([test_disk_full, test_unwritable_folder])
