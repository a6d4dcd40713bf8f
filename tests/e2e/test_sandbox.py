"""test_sandbox: least privilege and the sandbox, seen from outside the process.

Started as root with the default --runtime.user (nobody), plumb's /proc/PID/status
shows no capabilities, NoNewPrivs 1, Seccomp 2 and nobody's uid, gid and groups, and
its maps show no NSS module (the lookup ran in a child); it still
serves every family it serves without the sandbox; Landlock refuses a file outside the
allowed folders (a textfile behind a symlink that leads out of its folder) that the
same plumb reads with the sandbox off; the push queue's folder, made as root, is handed
to nobody, who keeps queueing into it; --runtime.sandbox=false says so in the log and
Seccomp is 0; an unknown --runtime.user stops start-up with a clear error. Runs in
under a second (a few under ASan) as root; skipped for a non-root user.
"""
import os
import pwd
import shutil
import tempfile
import time

from plumbtest import Plumb, check, free_port, main, parse_exposition, run, skip

NOBODY = pwd.getpwnam("nobody")


def status(pid):
    """{field: value} from /proc/PID/status."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def scrape(p):
    code, _, body = p.get()
    check(code == 200, "GET /metrics answered %d" % code)
    return parse_exposition(body.decode())


def sample(ex, name, **labels):
    return ex.samples.get((name, tuple(sorted(labels.items()))))


def test_root_drops_to_nobody():
    with Plumb(["--runtime.user=nobody"]) as p:
        st = status(p.pid)
        for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"):
            check(int(st[cap], 16) == 0, "%s is %s" % (cap, st[cap]))
        check(st["NoNewPrivs"] == "1", "NoNewPrivs is " + st["NoNewPrivs"])
        check(st["Seccomp"] == "2", "Seccomp is " + st["Seccomp"])
        check(st["Uid"].split() == [str(NOBODY.pw_uid)] * 4, "Uid is " + st["Uid"])
        check(st["Gid"].split() == [str(NOBODY.pw_gid)] * 4, "Gid is " + st["Gid"])
        want_groups = sorted(os.getgrouplist(NOBODY.pw_name, NOBODY.pw_gid))
        check(sorted(int(g) for g in st["Groups"].split()) == want_groups,
              "Groups is %r, nobody's are %r" % (st["Groups"], want_groups))
        # the user was looked up in a child: no NSS module stays mapped in plumb
        with open("/proc/%d/maps" % p.pid) as f:
            nss = sorted({l.split()[-1] for l in f if "libnss_" in l})
        check(not nss, "NSS modules mapped in plumb: %s" % nss)
        # every thread, also those started after the switch, is confined alike
        for tid in os.listdir("/proc/%d/task" % p.pid):
            try:
                with open("/proc/%d/task/%s/status" % (p.pid, tid)) as f:
                    t = f.read()
            except FileNotFoundError:
                continue  # a short-lived worker ended between the listing and the read
            check("Seccomp:\t2" in t and "NoNewPrivs:\t1" in t, "thread %s not confined" % tid)
        ex = scrape(p)
        for feature in ("no_new_privs", "landlock", "seccomp"):
            check(sample(ex, "plumb_runtime_sandbox", feature=feature) == 1,
                  "plumb_runtime_sandbox{feature=%s} is not 1" % feature)
        check(sample(ex, "plumb_runtime_user_switched") == 1, "user_switched is not 1")
        check(sample(ex, "plumb_runtime_landlock_abi") >= 1, "no Landlock ABI reported")
        check("sandbox entered" in p.log(), "no 'sandbox entered' line:\n" + p.log())
        # every part's start-up left thread creation until after the sandbox
        check("threads exist before the sandbox" not in p.log(),
              "a thread started before the sandbox:\n" + p.log())


def families_and_success(args):
    """(families served, {collector: success}) of a plumb run with args."""
    with Plumb(args) as p:
        ex = scrape(p)
        ok = {dict(k[1])["collector"]: v for k, v in ex.samples.items()
              if k[0] == "node_scrape_collector_success"}
        return set(ex.types) - {"plumb_runtime_sandbox"}, ok


def test_same_families_without_sandbox():
    on, ok_on = families_and_success(["--runtime.user=nobody"])
    off, ok_off = families_and_success(["--runtime.user=nobody", "--runtime.sandbox=false"])
    check(on == off, "families differ: only sandboxed %s, only unsandboxed %s"
          % (sorted(on - off), sorted(off - on)))
    check(ok_on == ok_off, "collector success differs: %s vs %s" % (
        {k: v for k, v in ok_on.items() if ok_off.get(k) != v},
        {k: v for k, v in ok_off.items() if ok_on.get(k) != v}))


def landlock_case(glob):
    """A textfile folder is allowed; a symlink in it leading to a world-readable file in
    a folder that no flag names is refused by Landlock (not by file modes: the same plumb
    reads it with the sandbox off). glob: name the folder by a pattern, whose part before
    the wildcard is what Landlock allows."""
    base = tempfile.mkdtemp(prefix="plumb-sbx-")
    try:
        os.chmod(base, 0o755)
        tdir, outside, root = (os.path.join(base, d) for d in ("in/textfile", "outside", "root"))
        for d in (os.path.dirname(tdir), tdir, outside, root):
            os.mkdir(d, 0o755)
        with open(os.path.join(outside, "far.prom"), "w") as f:
            f.write("far_away_metric 1\n")
        with open(os.path.join(tdir, "near.prom"), "w") as f:
            f.write("near_metric 1\n")
        os.symlink(os.path.join(outside, "far.prom"), os.path.join(tdir, "far.prom"))
        pattern = os.path.join(base, "in", "text*") if glob else tdir
        # rootfs away from / : a rule on / would cover everything
        args = ["--runtime.user=nobody", "--collector.disable-defaults",
                "--collector.textfile", "--collector.textfile.directory=" + pattern,
                "--path.rootfs=" + root]
        with Plumb(args) as p:
            ex = scrape(p)
            check(sample(ex, "near_metric") == 1, "the allowed textfile was not read")
            check(sample(ex, "far_away_metric") is None, "Landlock let plumb read " + outside)
            check(sample(ex, "node_textfile_scrape_error") == 1, "no textfile error reported")
            check("Permission denied" in p.log(), "no refusal in the log:\n" + p.log())
        with Plumb(args + ["--runtime.sandbox=false"]) as p:
            ex = scrape(p)
            check(sample(ex, "far_away_metric") == 1,
                  "without the sandbox the file should be readable (modes allow it)")
            check(sample(ex, "node_textfile_scrape_error") == 0, "textfile error without sandbox")
    finally:
        shutil.rmtree(base)


def test_landlock_refuses_paths_outside():
    landlock_case(glob=False)


def test_landlock_with_textfile_glob():
    landlock_case(glob=True)


def test_queue_handed_to_runtime_user():
    """Started as root, plumb creates the push queue's folder, gives it to nobody before
    switching, and then (as nobody, inside Landlock) keeps writing segments there: the
    queue grows while the receiver is down."""
    base = tempfile.mkdtemp(prefix="plumb-sbxq-")
    try:
        os.chmod(base, 0o755)
        queue = os.path.join(base, "queue")
        args = ["--runtime.user=nobody", "--collector.disable-defaults", "--collector.loadavg",
                "--push.remote-write.url=http://127.0.0.1:%d/api/v1/write" % free_port(),
                "--push.interval=1s", "--push.queue.dir=" + queue]
        with Plumb(args) as p:
            deadline = time.monotonic() + 60
            queued = 0
            while time.monotonic() < deadline and not queued:
                queued = sample(scrape(p), "plumb_push_queue_bytes") or 0
                time.sleep(0.2)
            check(queued > 0, "nothing was queued; log:\n" + p.log())
            check(os.stat(queue).st_uid == NOBODY.pw_uid, "the queue folder is not nobody's")
            for name in os.listdir(queue):
                check(os.stat(os.path.join(queue, name)).st_uid == NOBODY.pw_uid,
                      "queue file %s is not nobody's" % name)
            check("not writable" not in p.log(), "writability warning:\n" + p.log())
    finally:
        shutil.rmtree(base)


def test_sandbox_off():
    with Plumb(["--runtime.user=nobody", "--runtime.sandbox=false"]) as p:
        st = status(p.pid)
        check(st["Seccomp"] == "0", "Seccomp is " + st["Seccomp"])
        check(st["NoNewPrivs"] == "0", "NoNewPrivs is " + st["NoNewPrivs"])
        check(int(st["CapEff"], 16) == 0, "capabilities kept: " + st["CapEff"])
        check(st["Uid"].split()[0] == str(NOBODY.pw_uid), "Uid is " + st["Uid"])
        check("sandbox is off" in p.log(), "the log does not say the sandbox is off:\n" + p.log())
        ex = scrape(p)
        for feature in ("no_new_privs", "landlock", "seccomp"):
            check(sample(ex, "plumb_runtime_sandbox", feature=feature) == 0,
                  "plumb_runtime_sandbox{feature=%s} is not 0" % feature)


def test_unknown_user_stops_start():
    r = run(["--web.listen-address=127.0.0.1:%d" % free_port(),
             "--runtime.user=plumb-no-such-user"])
    check(r.returncode != 0, "plumb started with an unknown --runtime.user")
    check("runtime.user" in r.stderr and "plumb-no-such-user" in r.stderr,
          "the error does not name the flag and user:\n" + r.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0:
        skip("needs root: the test checks the switch from root to nobody")
    main([test_root_drops_to_nobody, test_same_families_without_sandbox,
          test_landlock_refuses_paths_outside, test_landlock_with_textfile_glob,
          test_queue_handed_to_runtime_user, test_sandbox_off,
          test_unknown_user_stops_start])
