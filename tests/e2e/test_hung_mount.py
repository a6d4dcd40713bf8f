#!/usr/bin/env python3
"""test_hung_mount: a mount whose statfs never returns must not hold a scrape.

Mounts tests/fuse/hangfs (a FUSE filesystem whose statfs blocks until it gets SIGUSR1)
on a temporary directory whose name has a space in it, starts plumb with its default
collectors and --collector.filesystem.mount-timeout=1s, and scrapes /metrics twice with
a 30 s client timeout (a hang fails the test). Both scrapes must answer, report the hung
mount with device_error="mountpoint timeout", and still carry the other mounts and the
other collectors' series. Then the hang is released and the mount must be reported
normally again. Whatever happens, the FUSE mount, hangfs and plumb are cleaned up.

Skips (exit 0) only when /dev/fuse cannot be opened. Needs PLUMB_BIN and PLUMB_BUILD
(tests/run-suite.sh sets them). Python 3 standard library only.
"""
# suite: alone (mounts a hanging FUSE file system on the host; tests/run-suite.sh)
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
plumb_bin = os.environ.get("PLUMB_BIN", os.path.join(root, "build", "plumb"))
build = os.environ.get("PLUMB_BUILD", os.path.dirname(plumb_bin))
hangfs_bin = os.path.join(build, "tests", "hangfs")

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(text):
    """Exposition text -> list of (name, {labels}, value)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        if not m:
            raise AssertionError("unparsable exposition line: %r" % line)
        labels = {k: unescape(v) for k, v in LABEL.findall(m.group(2) or "")}
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def find(samples, name, **want):
    return [s for s in samples if s[0] == name and all(s[1].get(k) == v for k, v in want.items())]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mounted(path):
    """Whether path is a mount point in our mount namespace (mountinfo escapes decoded)."""
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            fields = line.split(b" ")
            mp = fields[4]
            for esc, ch in ((b"\\040", b" "), (b"\\011", b"\t"), (b"\\012", b"\n"),
                            (b"\\134", b"\\")):
                mp = mp.replace(esc, ch)
            if mp == os.fsencode(path):
                return True
    return False


def wait_for(cond, what, secs=10.0):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def scrape(port):
    url = "http://127.0.0.1:%d/metrics" % port
    req = urllib.request.Request(url, headers={"Accept": "text/plain"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return parse(r.read().decode("utf-8"))


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def check_hung(samples, mnt, which):
    hung = find(samples, "node_filesystem_device_error", mountpoint=mnt)
    assert hung, "%s scrape: the hung mount %r is missing" % (which, mnt)
    labels, value = hung[0][1], hung[0][2]
    assert labels.get("device_error") == "mountpoint timeout", \
        "%s scrape: device_error label is %r" % (which, labels.get("device_error"))
    assert labels.get("fstype") == "fuse.hangfs" and labels.get("device") == "hangfs", labels
    assert value == 1, "%s scrape: node_filesystem_device_error is %r" % (which, value)
    assert not find(samples, "node_filesystem_size_bytes", mountpoint=mnt), \
        "%s scrape: a hung mount must have no size" % which
    assert find(samples, "node_filesystem_size_bytes", mountpoint="/", device_error=""), \
        "%s scrape: the root mount is missing" % which
    assert find(samples, "node_load1"), "%s scrape: loadavg series are missing" % which
    ok = find(samples, "node_scrape_collector_success", collector="filesystem")
    assert ok and ok[0][2] == 1, "%s scrape: filesystem collector did not succeed" % which


def stop(proc, sig=signal.SIGTERM, secs=10):
    """End proc (if running) and reap it; returns its exit status."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=secs)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=secs)
    return proc.returncode


def main():
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as e:
        print("SKIP: /dev/fuse is unavailable (%s)" % e)
        return 0
    assert os.access(hangfs_bin, os.X_OK), "hangfs not built: " + hangfs_bin
    tmp = tempfile.mkdtemp(prefix="plumb-hung-")
    mnt = os.path.join(tmp, "hung mnt")
    os.mkdir(mnt)
    hang = plumb = None
    plumb_log = open(os.path.join(tmp, "plumb.log"), "w+")
    try:
        hang = subprocess.Popen([hangfs_bin, "-f", mnt], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        wait_for(lambda: mounted(mnt) or hang.poll() is not None, "the FUSE mount")
        assert hang.poll() is None, "hangfs exited with %r" % hang.returncode

        port = free_port()
        # uid 0 without capabilities, as plumbtest.runtime_args does: the mount lies
        # in a 0700 folder of root's that the default runtime user could not reach
        plumb = subprocess.Popen([plumb_bin, "--web.listen-address=127.0.0.1:%d" % port,
                                  "--collector.filesystem.mount-timeout=1s",
                                  "--runtime.user=root"],
                                 stdout=plumb_log, stderr=subprocess.STDOUT)
        wait_for(lambda: listening(port) or plumb.poll() is not None, "plumb to listen")
        assert plumb.poll() is None, "plumb exited with %r" % plumb.returncode

        check_hung(scrape(port), mnt, "first")
        check_hung(scrape(port), mnt, "second")
        print("ok: two scrapes answered with the hung mount marked")

        hang.send_signal(signal.SIGUSR1)  # the stuck statfs returns now
        def recovered():
            s = find(scrape(port), "node_filesystem_size_bytes", mountpoint=mnt)
            return bool(s) and s[0][2] == 100 * 4096
        wait_for(recovered, "the released mount to be reported again")
        print("ok: the released mount is stat'ed again")

        assert stop(plumb) == 0, "plumb did not exit cleanly: status %r" % plumb.returncode
        plumb = None
    finally:
        if hang is not None and hang.poll() is None:
            hang.send_signal(signal.SIGUSR1)  # free any thread still blocked in statfs
        stop(plumb)
        if mounted(mnt):
            subprocess.run(["fusermount3", "-u", mnt], capture_output=True)
        stop(hang, secs=5)
        if mounted(mnt):
            subprocess.run(["umount", "-l", mnt], capture_output=True)
        plumb_log.seek(0)
        log = plumb_log.read()
        plumb_log.close()
        if log:
            print("plumb log:\n" + log)
        still = mounted(mnt)
        if not still:
            shutil.rmtree(tmp, ignore_errors=True)
        assert not still, "could not unmount " + mnt
    return 0


if __name__ == "__main__":
    sys.exit(main())
