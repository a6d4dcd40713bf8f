#!/usr/bin/env python3
"""test_container_live: the container collector on this machine's real cgroups (root only).

Makes a cgroup plumb-test-<pid> at the top of the real hierarchy: on cgroup v1 or hybrid
in each v1 controller the collector reads (cpu, cpuacct, memory, blkio; one directory
when cpu and cpuacct share a mount), on pure v2 under the root with the cpu and memory
controllers enabled in the root's cgroup.subtree_control (and disabled again after, if
this test enabled them). A child process is moved into it while it waits, then touches
64 MiB and burns CPU. plumb runs with only the container collector and an include regex
for that cgroup, and:

- only that cgroup is reported (the include replaces the default choice);
- container_cpu_usage_seconds_total lies between the kernel's counter read just before and
  just after the scrape, and grows from one scrape to a later one (polled, with a
  generous overall limit; nothing is timed);
- container_memory_usage_bytes and container_memory_working_set_bytes are about 64 MiB or
  more (62 MiB allows for a page or two reclaimed), and below the cgroup's 512 MiB cap;
- after the child is killed and the cgroup removed while plumb runs (its held files go
  stale), scrapes still succeed (node_scrape_collector_success{collector="container"} 1)
  and the cgroup is gone from them;
- the cgroup made again at the same path with a child, then a second child, while plumb
  runs: each shows at the next scrape (plumb lists the tree again only when inotify saw a
  folder made or removed in a folder it watches, so this checks that a folder made again
  is watched anew on cgroupfs, where a removed folder's watch is not always let go).

Skips, saying why, when not root, with no container collector, or with no writable
cgroup hierarchy. Cleans up in `finally`: kills the child, moves no other process,
removes the cgroups and restores subtree_control.
"""
# suite: alone (makes cgroups on the host; tests/run-suite.sh)
import errno
import os
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import Plumb, check, collectors_in_help, parse_exposition, skip  # noqa: E402

CG = "/sys/fs/cgroup"
MIB = 1 << 20
HOG_MIB = 64
CAP_MIB = 512
POLL_LIMIT = 120.0  # seconds before giving up on the counter moving (a hang, not a timing)
V1_CONTROLLERS = ("cpu", "cpuacct", "memory", "blkio")

# The child: waits for a line on stdin (sent once it is in the cgroup, so its memory is
# charged there), touches HOG_MIB MiB, says so, then burns CPU until killed.
CHILD = r"""
import sys
sys.stdin.readline()
hog = b"\x01" * (%d << 20)
sys.stdout.write("ready %%d\n" %% len(hog))
sys.stdout.flush()
x = 0
while True:
    for i in range(100000):
        x += i
""" % HOG_MIB


class Setup:
    """The test cgroup in every hierarchy it needs; undo() removes what was made."""

    def __init__(self, name):
        self.name = name
        self.dirs = []            # made by us, to rmdir
        self.enabled = []         # controllers we enabled in the v2 root's subtree_control
        self.mode = None
        self.cpu_dir = None       # where the CPU counter is read from
        self.mem_dir = None
        self.capped = False

    def make(self):
        if os.path.exists(os.path.join(CG, "cgroup.controllers")):
            self.mode = "v2"
            have = read(os.path.join(CG, "cgroup.controllers")).split()
            if "memory" not in have:
                skip("cgroup v2 root offers no memory controller (%r)" % have)
            on = read(os.path.join(CG, "cgroup.subtree_control")).split()
            for ctl in ("cpu", "memory"):
                if ctl in have and ctl not in on:
                    try:
                        write(os.path.join(CG, "cgroup.subtree_control"), "+" + ctl)
                    except OSError as e:
                        skip("cannot enable %s in %s/cgroup.subtree_control: %s" % (ctl, CG, e))
                    self.enabled.append(ctl)
            d = os.path.join(CG, self.name)
            self.mkdir(d)
            self.cpu_dir = self.mem_dir = d
            return
        seen = {}
        for ctl in V1_CONTROLLERS:
            top = os.path.join(CG, ctl)
            if not os.path.exists(os.path.join(top, "cgroup.procs")):
                continue
            real = os.path.realpath(top)
            if real not in seen:
                seen[real] = ctl
                self.mkdir(os.path.join(real, self.name))
            if ctl == "cpuacct":
                self.cpu_dir = os.path.join(real, self.name)
            if ctl == "memory":
                self.mem_dir = os.path.join(real, self.name)
        if not self.cpu_dir or not self.mem_dir:
            skip("no cgroup v2 at %s and no v1 cpuacct and memory hierarchies under it" % CG)
        self.mode = "hybrid" if os.path.exists(os.path.join(CG, "unified", "cgroup.controllers")) else "v1"

    def mkdir(self, d):
        try:
            os.mkdir(d)
        except OSError as e:
            if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                skip("no writable cgroup hierarchy: mkdir %s: %s" % (d, e))
            raise
        self.dirs.append(d)

    def limit_memory(self):
        """Cap the test cgroup well above what the child needs (best effort)."""
        try:
            if self.mode == "v2":
                write(os.path.join(self.mem_dir, "memory.max"), str(CAP_MIB * MIB))
            else:
                write(os.path.join(self.mem_dir, "memory.limit_in_bytes"), str(CAP_MIB * MIB))
            self.capped = True
        except OSError as e:
            print("NOTE: could not cap the test cgroup's memory: %s" % e)

    def move(self, pid):
        for d in self.dirs:
            write(os.path.join(d, "cgroup.procs"), str(pid))

    def cpu_seconds(self):
        """The kernel's CPU counter of the test cgroup, in seconds."""
        if self.mode == "v2":
            for line in read(os.path.join(self.cpu_dir, "cpu.stat")).splitlines():
                k, v = line.split()
                if k == "usage_usec":
                    return int(v) / 1e6
            raise AssertionError("no usage_usec in cpu.stat")
        return int(read(os.path.join(self.cpu_dir, "cpuacct.usage"))) / 1e9

    def remove(self):
        """rmdir every cgroup made (retrying while a dying task still holds it); return
        the ones that would not go."""
        left = []
        for d in reversed(self.dirs):
            end = time.monotonic() + 30
            while True:
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno != errno.EBUSY or time.monotonic() > end:
                        left.append("%s (%s)" % (d, e))
                        break
                    time.sleep(0.1)
        self.dirs = []
        return left

    def undo(self):
        left = self.remove()
        for ctl in reversed(self.enabled):
            try:
                write(os.path.join(CG, "cgroup.subtree_control"), "-" + ctl)
            except OSError as e:
                print("NOTE: could not disable %s again in the root's subtree_control: %s" % (ctl, e))
        self.enabled = []
        return left


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def in_cgroup(pid, name):
    """Whether every line of /proc/PID/cgroup that the test moved it in names /name."""
    lines = read("/proc/%d/cgroup" % pid).splitlines()
    return any(l.split(":", 2)[2] == "/" + name for l in lines)


def wait_line(proc, limit=60.0):
    """The child's first stdout line (fails if it dies or says nothing for `limit` s)."""
    r, _, _ = select.select([proc.stdout], [], [], limit)
    check(r, "the child said nothing within %.0f s" % limit)
    line = proc.stdout.readline()
    check(line, "the child exited (status %r) before touching its memory" % proc.poll())
    return line


def scrape(p):
    status, _, body = p.get("/metrics", headers={"Accept": "text/plain"})
    check(status == 200, "scrape answered %d: %r" % (status, body[:300]))
    try:
        return parse_exposition(body)
    except ValueError as e:
        raise AssertionError("/metrics does not parse: %s" % e)


def value(ex, name, cid):
    got = [v for l, v in ex.series(name) if l.get("id") == cid and l.get("cpu", "total") == "total"]
    check(len(got) == 1, "%s{id=%r}: %d samples, want 1 (ids: %r)" %
          (name, cid, len(got), sorted({l.get("id") for l, _ in ex.series(name)})))
    return got[0]


def collector_ok(ex):
    ok = ex.value("node_scrape_collector_success", collector="container")
    check(ok == 1, 'node_scrape_collector_success{collector="container"} is %r' % ok)


def test(setup, child):
    cid = "/" + setup.name
    # no health checks: their collections run on a timer, and a scrape that arrives
    # during one shares it, so its values could predate the "before" reading below
    args = ["--collector.disable-defaults", "--collector.container", "--no-health.enabled",
            "--collector.container.include=^%s(/.*)?$" % cid]
    with Plumb(args) as p:
        # a sandwich: the kernel's counter before <= plumb's <= the kernel's after
        before = setup.cpu_seconds()
        ex = scrape(p)
        after = setup.cpu_seconds()
        collector_ok(ex)
        ids = {l.get("id") for l, _ in ex.series("container_cpu_usage_seconds_total")}
        check(ids == {cid}, "the include regex should leave only %s; ids: %r" % (cid, sorted(ids)))
        cpu0 = value(ex, "container_cpu_usage_seconds_total", cid)
        check(before - 1e-6 <= cpu0 <= after + 1e-6, "CPU %r not within the kernel's %r..%r"
              % (cpu0, before, after))
        for fam in ("container_memory_usage_bytes", "container_memory_working_set_bytes"):
            v = value(ex, fam, cid)
            check(v >= (HOG_MIB - 2) * MIB, "%s = %.1f MiB, the child holds %d MiB" % (fam, v / MIB, HOG_MIB))
            if setup.capped:  # the whole machine's figure would be far above the cap
                check(v <= CAP_MIB * MIB, "%s = %.1f MiB, above the cgroup's %d MiB cap"
                      % (fam, v / MIB, CAP_MIB))
        print("first scrape: cpu %.3f s, memory %.1f MiB, working set %.1f MiB (%s)" % (
            cpu0, value(ex, "container_memory_usage_bytes", cid) / MIB,
            value(ex, "container_memory_working_set_bytes", cid) / MIB, setup.mode))

        end = time.monotonic() + POLL_LIMIT
        while True:
            check(child.poll() is None, "the CPU burner died (status %r)" % child.poll())
            time.sleep(0.2)
            ex = scrape(p)
            cpu1 = value(ex, "container_cpu_usage_seconds_total", cid)
            check(cpu1 >= cpu0, "the CPU counter went back: %r then %r" % (cpu0, cpu1))
            if cpu1 > cpu0:
                break
            check(time.monotonic() < end, "the CPU counter stayed at %r for %.0f s" % (cpu0, POLL_LIMIT))
        collector_ok(ex)
        print("later scrape: cpu %.3f s (grew)" % cpu1)

        # the cgroup vanishes under plumb's held files
        child.kill()
        child.wait(timeout=30)
        left = setup.remove()
        check(not left, "could not remove the test cgroup: %r" % left)
        for k in range(2):
            ex = scrape(p)
            collector_ok(ex)
            gone = [l for (n, labels), _ in ex.samples.items() for l in [dict(labels)]
                    if l.get("id") == cid]
            check(not gone, "scrape %d after rmdir still reports %s: %r" % (k + 1, cid, gone[:3]))
        print("after rmdir: two scrapes succeeded without the cgroup")

        # made again at the same path (new folders), with children made one scrape apart;
        # then all removed and made again between two scrapes
        for kids in (("a", "b"), ("c", "d")):
            left = setup.remove()
            check(not left, "could not remove the test cgroups: %r" % left)
            setup.make()
            tops = list(setup.dirs)
            for kid in kids:
                for d in tops:
                    setup.mkdir(os.path.join(d, kid))
                ex = scrape(p)
                collector_ok(ex)
                ids = {l.get("id") for l, _ in ex.series("container_cpu_usage_seconds_total")}
                want = {cid} | {cid + "/" + k for k in kids[:kids.index(kid) + 1]}
                check(ids == want, "after making %s/%s: ids %r, want %r"
                      % (cid, kid, sorted(ids), sorted(want)))
        print("made again: the cgroup and each child showed at the next scrape")


def main():
    if os.geteuid() != 0:
        skip("needs root to make cgroups")
    if "container" not in collectors_in_help():
        skip("plumb has no container collector")
    if not os.path.isdir(CG):
        skip("no %s" % CG)
    setup = Setup("plumb-test-%d" % os.getpid())
    child = None
    failed = False
    try:
        setup.make()
        setup.limit_memory()
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        setup.move(child.pid)
        check(in_cgroup(child.pid, setup.name), "the child is not in /%s: %s"
              % (setup.name, read("/proc/%d/cgroup" % child.pid)))
        child.stdin.write("go\n")
        child.stdin.flush()
        line = wait_line(child)
        check(line.startswith("ready"), "the child said %r" % line)
        test(setup, child)
        print("ok   test_container_live")
    except BaseException:
        failed = True
        raise
    finally:
        if child is not None:
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            for f in (child.stdin, child.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        left = setup.undo()
        if left and not failed:
            raise AssertionError("cgroups left behind: %r" % left)
        if left:
            print("cgroups left behind: %r" % left)
    return 0


if __name__ == "__main__":
    sys.exit(main())
