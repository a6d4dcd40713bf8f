#!/usr/bin/env python3
"""test_broker_live: the privilege broker wired into plumb, seen from outside.

Started as root with the defaults (--runtime.user=nobody, the broker on), plumb reads
what only root may reach through its broker: a textfile in a folder of mode 0700,
/proc/slabinfo (mode 0400), and the size of a tmpfs mounted below that folder. The serving process has no capability,
NoNewPrivs 1 and Seccomp 2; the broker, its only child, has CAP_DAC_READ_SEARCH and
nothing more; no process of plumb is uid 0. With --no-runtime.broker the same files
are refused ("permission denied"), which is what the broker is for. When the broker is
killed plumb logs it once, keeps serving, and reports plumb_runtime_broker_up 0.
Needs root (mount, the uid switch); skipped otherwise.
"""
# suite: alone (mounts a tmpfs below a root-only folder on the host; tests/run-suite.sh)
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

from plumbtest import Plumb, check, main, parse_exposition, skip

NOBODY = pwd.getpwnam("nobody")
TMPFS_BYTES = 4 * 1024 * 1024
CAP_DAC_READ_SEARCH = 1 << 2


def status(pid):
    """{field: value} from /proc/PID/status."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def children(pid):
    """The pids of pid's children, from every thread's children list."""
    kids = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
            kids += [int(k) for k in f.read().split()]
    return kids


def scrape(p):
    code, _, body = p.get()
    check(code == 200, "GET /metrics answered %d" % code)
    return parse_exposition(body.decode())


def sample(ex, name, **labels):
    return ex.samples.get((name, tuple(sorted(labels.items()))))


class Secret:
    """A 0700 folder owned by root holding a textfile and a tmpfs mount point."""

    def __enter__(self):
        self.base = tempfile.mkdtemp(prefix="plumb-broker-")
        os.chmod(self.base, 0o755)
        self.secret = os.path.join(self.base, "secret")
        self.text = os.path.join(self.secret, "text")
        self.mnt = os.path.join(self.secret, "mnt")
        os.makedirs(self.text)
        os.makedirs(self.mnt)
        os.chmod(self.secret, 0o700)
        with open(os.path.join(self.text, "root_only.prom"), "w") as f:
            f.write("# TYPE broker_test_value gauge\nbroker_test_value 42\n")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % TMPFS_BYTES, "plumbbroker",
                        self.mnt], check=True)
        return self

    def args(self, *extra):
        return ["--runtime.user=nobody", "--collector.textfile.directory=" + self.text,
                "--collector.filesystem.mount-points-exclude=^/(proc|sys|dev|run)($|/)",
                "--collector.slabinfo"] + \
            list(extra)

    def __exit__(self, *exc):
        subprocess.run(["umount", "-l", self.mnt], check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def size_of(ex, mnt):
    for (name, labels), v in ex.samples.items():
        d = dict(labels)
        if name == "node_filesystem_size_bytes" and d.get("mountpoint") == mnt:
            return v, d.get("device_error")
    return None, None


def error_of(ex, mnt):
    for (name, labels), v in ex.samples.items():
        d = dict(labels)
        if name == "node_filesystem_device_error" and d.get("mountpoint") == mnt:
            return v, d.get("device_error")
    return None, None


def test_broker_reads_what_only_root_may():
    with Secret() as s, Plumb(s.args()) as p:
        ex = scrape(p)
        check(sample(ex, "broker_test_value") == 42,
              "the textfile in a 0700 folder was not read: %r" % sample(ex, "broker_test_value"))
        check(sample(ex, "node_textfile_scrape_error") == 0, "textfile scrape error set")
        check(sample(ex, "node_scrape_collector_success", collector="slabinfo") == 1,
              "/proc/slabinfo (0400 root) was not read through the broker")
        size, err = size_of(ex, s.mnt)
        check(size == TMPFS_BYTES and err == "",
              "tmpfs below a 0700 folder: size %r, device_error %r" % (size, err))
        check(sample(ex, "plumb_runtime_broker_up") == 1, "plumb_runtime_broker_up is not 1")
        st = status(p.pid)
        check(int(st["CapEff"], 16) == 0, "the serving process has CapEff " + st["CapEff"])
        check(st["NoNewPrivs"] == "1" and st["Seccomp"] == "2",
              "serving process: NoNewPrivs %s, Seccomp %s" % (st["NoNewPrivs"], st["Seccomp"]))
        kids = children(p.pid)
        check(len(kids) == 1, "expected one child (the broker), found %r" % kids)
        for pid in [p.pid] + kids:
            uids = status(pid)["Uid"].split()
            check(uids == [str(NOBODY.pw_uid)] * 4, "process %d runs as %r" % (pid, uids))
        bst = status(kids[0])
        for cap in ("CapEff", "CapPrm", "CapBnd"):
            check(int(bst[cap], 16) == CAP_DAC_READ_SEARCH,
                  "the broker's %s is %s, not CAP_DAC_READ_SEARCH alone" % (cap, bst[cap]))
        check(int(bst["CapInh"], 16) == 0 and int(bst["CapAmb"], 16) == 0,
              "the broker has inheritable or ambient capabilities")
        check(bst["NoNewPrivs"] == "1" and bst["Seccomp"] == "2",
              "broker: NoNewPrivs %s, Seccomp %s" % (bst["NoNewPrivs"], bst["Seccomp"]))


def test_without_broker_root_only_stays_unread():
    with Secret() as s, Plumb(s.args("--no-runtime.broker")) as p:
        ex = scrape(p)
        check(sample(ex, "broker_test_value") is None, "read a 0700 folder without the broker")
        check(sample(ex, "node_textfile_scrape_error") == 1, "no textfile scrape error")
        check(sample(ex, "node_scrape_collector_success", collector="slabinfo") == 0,
              "/proc/slabinfo read as nobody without the broker")
        v, err = error_of(ex, s.mnt)
        check(v == 1 and err == "permission denied",
              "tmpfs without the broker: device_error %r (%r)" % (err, v))
        check(sample(ex, "plumb_runtime_broker_up") == 0, "broker_up is not 0 without one")
        check(children(p.pid) == [], "a broker runs with --no-runtime.broker")


def test_broker_death_is_survived():
    with Secret() as s, Plumb(s.args()) as p:
        check(sample(scrape(p), "broker_test_value") == 42, "not read while the broker lives")
        kids = children(p.pid)
        check(len(kids) == 1, "no broker to kill")
        os.kill(kids[0], signal.SIGKILL)
        deadline = time.time() + 15
        while True:
            ex = scrape(p)
            if sample(ex, "plumb_runtime_broker_up") == 0:
                break
            check(time.time() < deadline, "broker_up still 1 after the broker was killed")
            time.sleep(0.2)
        ex = scrape(p)
        check(sample(ex, "broker_test_value") is None, "still read after the broker died")
        check(sample(ex, "node_textfile_scrape_error") == 1, "no textfile error after")
        check(sample(ex, "node_load1") is not None, "other collectors lost")
        check(p.proc.poll() is None, "plumb exited when its broker died")


if __name__ == "__main__":
    if os.geteuid() != 0:
        skip("needs root: mount, and the switch to nobody")
    main([test_broker_reads_what_only_root_may, test_without_broker_root_only_stays_unread,
          test_broker_death_is_survived])
