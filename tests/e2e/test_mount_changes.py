#!/usr/bin/env python3
"""test_mount_changes: the filesystem collector follows the live mount table.

plumb parses /proc/1/mountinfo again only when the kernel flags a change to it (a
mount, an unmount or a remount; src/lib/procfile.h). This test starts plumb with only
the filesystem collector on this machine and, between scrapes, mounts a small tmpfs on
a folder whose name holds a space, remounts it read-only, and unmounts it. Each scrape
must show the table as it is then: the new mount with its size, then readonly 1, then
no such mount; and a scrape with nothing changed in between shows the same mounts as
the one before it. A second test gives plumb a mount-point exclude: plumb runs the
filters' regexes only when the table changed, and keeps each mount's decision while
it has not, so a mount the filter leaves out must stay out, and one it keeps must stay
in, through scrapes of an unchanged table and through mounts and unmounts that move
every other mount's place in the table.

Needs root (mount). Skips when mount(8) cannot mount a tmpfs here.
"""
# suite: alone (mounts and unmounts on the host; tests/run-suite.sh)
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import Plumb, check, main, parse_exposition, skip  # noqa: E402


def mountpoints(p):
    """{mountpoint: (size_bytes or None, readonly)} of one scrape of p."""
    status, _, body = p.get("/metrics")
    check(status == 200, "/metrics answered %d" % status)
    ex = parse_exposition(body.decode())
    out = {}
    for (name, labels), v in ex.samples.items():
        mp = dict(labels).get("mountpoint")
        if name == "node_filesystem_readonly":
            out.setdefault(mp, [None, None])[1] = v
        elif name == "node_filesystem_size_bytes":
            out.setdefault(mp, [None, None])[0] = v
    return {k: tuple(v) for k, v in out.items()}


def test_follows_mounts():
    if os.geteuid() != 0:
        skip("mounting needs root")
    d = tempfile.mkdtemp(prefix="plumb-mounts-")
    mnt = os.path.join(d, "a mount")
    os.mkdir(mnt)
    mounted = False
    try:
        with Plumb(["--collector.disable-defaults", "--collector.filesystem"]) as p:
            before = mountpoints(p)
            check(mnt not in before, "%s listed before it is mounted" % mnt)
            check(mountpoints(p) == before, "an unchanged table reads differently")
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "plumbtest", mnt],
                               capture_output=True, text=True)
            if r.returncode != 0:
                skip("cannot mount a tmpfs here: " + r.stderr.strip())
            mounted = True
            got = mountpoints(p)
            check(got.get(mnt) == (1 << 20, 0), "after mount: %r" % (got.get(mnt),))
            check(mountpoints(p).get(mnt) == (1 << 20, 0), "the second scrape lost the mount")
            subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
            got = mountpoints(p)
            check(got.get(mnt) == (1 << 20, 1), "after remount,ro: %r" % (got.get(mnt),))
            subprocess.run(["umount", mnt], check=True)
            mounted = False
            got = mountpoints(p)
            check(mnt not in got, "%s still listed after umount" % mnt)
            check(set(got) == set(before), "other mounts changed: %r"
                  % sorted(set(got) ^ set(before))[:3])
        print("ok: a mount, a remount read-only and an unmount each show in the next scrape")
    finally:
        if mounted:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def test_filter_decisions_follow_the_table():
    if os.geteuid() != 0:
        skip("mounting needs root")
    d = tempfile.mkdtemp(prefix="plumb-mounts-")
    hidden, shown = os.path.join(d, "hidden"), os.path.join(d, "shown")
    os.mkdir(hidden)
    os.mkdir(shown)
    mounted = []

    def mount(path):
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "plumbtest", path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            skip("cannot mount a tmpfs here: " + r.stderr.strip())
        mounted.append(path)

    def umount(path):
        subprocess.run(["umount", path], check=True)
        mounted.remove(path)

    def twice(want_shown, step):
        for n in ("first", "second"):
            got = mountpoints(p)
            check(hidden not in got, "%s: the excluded mount listed (%s scrape)" % (step, n))
            check((shown in got) == want_shown,
                  "%s: the kept mount %s (%s scrape)"
                  % (step, "missing" if want_shown else "listed", n))
    try:
        with Plumb(["--collector.disable-defaults", "--collector.filesystem",
                    "--collector.filesystem.mount-points-exclude=^(/proc|/sys|/dev)($|/)|/hidden$"]) as p:
            twice(False, "before")
            mount(hidden)
            twice(False, "after mounting the excluded one")
            mount(shown)
            twice(True, "after mounting the kept one")
            umount(hidden)
            twice(True, "after unmounting the excluded one")
            mount(hidden)
            twice(True, "after mounting the excluded one again")
            umount(shown)
            twice(False, "after unmounting the kept one")
        print("ok: filter decisions follow mounts and unmounts, and hold while nothing changes")
    finally:
        for path in reversed(mounted):
            subprocess.run(["umount", "-l", path], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main([test_follows_mounts, test_filter_decisions_follow_the_table])
