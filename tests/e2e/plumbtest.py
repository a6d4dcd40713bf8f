"""plumbtest: shared helpers for the end-to-end tests in tests/e2e (Python stdlib only).

Starts the built plumb binary on a free loopback port, talks HTTP to it, and parses
what it serves with a strict exposition parser, so each test_*.py stays about the
behaviour it checks. The binary comes from $PLUMB_BIN (tests/run-suite.sh sets it),
else build/plumb; $PLUMB_ASAN=1 means it was built with ASan+UBSan.

Every process a test starts goes through Plumb, a context manager whose exit kills
the process if it is still running, so a failing assertion never leaves one behind.
Timeouts here only detect hangs; nothing asserts how fast anything is.
"""
import http.client
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("PLUMB_BUILD", os.path.join(ROOT, "build"))
PLUMB = os.environ.get("PLUMB_BIN", os.path.join(BUILD, "plumb"))
ASAN = os.environ.get("PLUMB_ASAN") == "1"
FIXTURES = os.environ.get(
    "PLUMB_FIXTURES", os.path.abspath(os.path.join(ROOT, "..", "shared", "fixtures", "node_exporter")))

# Generous limits, to turn a hang into a failure rather than to measure speed.
HANG = 60
# Prefix that runs the command after it in a private mount namespace (unshare -m) with
# debugfs mounted at /sys/kernel/debug, so tracefs is at debug/tracing, never touching
# the host's mounts (needs root): for perf's kernel tracepoints.
TRACEFS_NS = ["unshare", "-m", "--propagation", "private", "sh", "-c",
              'mount -t debugfs debugfs /sys/kernel/debug && exec "$@"', "sh"]
# Lines ASan, LeakSanitizer and UBSan print when they find something.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer", "WARNING: ThreadSanitizer")


class TestFailure(Exception):
    pass


def check(cond, msg):
    """Raise TestFailure(msg) unless cond."""
    if not cond:
        raise TestFailure(msg)


def skip(reason):
    """End the test as passed-but-skipped, saying why on stdout."""
    print("SKIP: " + reason)
    sys.exit(0)


def read_child_output(f):
    """The text a child process has written so far to f, a file it holds as its stdout
    or stderr. Read with pread, never seek and read: the child shares f's file offset,
    so moving it while the child writes would put the child's next line over the start
    of the file and make the read begin after it (a log seen without its first lines)."""
    chunks, off = [], 0
    while True:
        b = os.pread(f.fileno(), 1 << 16, off)
        if not b:
            return b"".join(chunks).decode("utf-8", "replace")
        chunks.append(b)
        off += len(b)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    return free_ports(1)[0]


def free_ports(n):
    """n distinct TCP ports on 127.0.0.1 that nothing listened on a moment ago."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def run(args, timeout=HANG, **kw):
    """Run plumb with args to completion; return CompletedProcess (text mode)."""
    return subprocess.run([PLUMB] + list(args), capture_output=True, text=True, timeout=timeout,
                          **kw)


def runtime_args(args):
    """The flags every test's plumb gets unless args choose otherwise: tests run as root
    and keep their fixtures in mkdtemp folders (mode 0700, owned by root), which the
    default runtime user (nobody) cannot read; --runtime.user=root keeps uid 0, without
    capabilities and inside the sandbox, so plumb still reads them. Tests of the user
    switch itself (test_sandbox.py) pass their own --runtime.user."""
    if os.geteuid() != 0 or any(a.startswith("--runtime.user") for a in args):
        return []
    return ["--runtime.user=root"]


def request(port, path, method="GET", headers=None, body=None, timeout=HANG, host="127.0.0.1"):
    """One HTTP request; returns (status, {lowercased header: value}, body bytes)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


class Plumb:
    """A running plumb: `with Plumb(["--flag", ...]) as p:` starts it listening on
    127.0.0.1:p.port (unless args name their own --web.listen-address) and waits until
    it answers; leaving the block stops it (see __exit__) if it still runs. wrapper is
    a command list put in front (valgrind, unshare): such a plumb is killed, not
    stopped, at the end; env, when given, is its whole environment. p.log() is its
    stderr so far."""

    def __init__(self, args=(), listen=True, wrapper=(), ready_timeout=HANG, wait=True,
                 env=None):
        self.args = runtime_args(args) + list(args)
        self.port = None
        self.own_port = listen and not any(a.startswith("--web.listen-address") for a in self.args)
        if self.own_port:
            self.port = free_port()
            self.args.insert(0, "--web.listen-address=127.0.0.1:%d" % self.port)
        self.wrapper = list(wrapper)
        self.ready_timeout = ready_timeout
        self.wait = wait
        self.env = env
        self.proc = None
        self._err = tempfile.TemporaryFile()
        self._out = tempfile.TemporaryFile()

    def __enter__(self):
        for attempt in range(3):
            self.proc = subprocess.Popen(self.wrapper + [PLUMB] + self.args,
                                         stdin=subprocess.DEVNULL, stdout=self._out,
                                         stderr=self._err, env=self.env)
            try:
                if self.wait and self.port:
                    self.wait_ready(self.port)
                return self
            except TestFailure:
                self.kill()
                # another process took the free port before plumb bound it: try another
                if not (self.own_port and "Address already in use" in self.log() and attempt < 2):
                    raise
            except BaseException:
                self.kill()
                raise
            self.port = free_port()
            self.args[0] = "--web.listen-address=127.0.0.1:%d" % self.port
            self._err.seek(0)
            self._err.truncate()
        return self

    def __exit__(self, exc_type, exc, tb):
        """Stop plumb: SIGTERM (so sanitizers run their exit checks), SIGKILL if it hangs.
        When the block itself succeeded, a non-zero exit after that SIGTERM, or any
        sanitizer report in the log, fails the test."""
        try:
            rc = None
            if self.proc.poll() is None and not self.wrapper:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    rc = self.proc.wait(timeout=HANG // 2)
                except subprocess.TimeoutExpired:
                    pass
            self.kill()
            if exc_type is None:
                log = self.log()
                for marker in SANITIZER_MARKERS:
                    check(marker not in log, "sanitizer report in plumb's log:\n" + log[-6000:])
                check(rc in (None, 0), "plumb exited %r on SIGTERM; log:\n%s" % (rc, log[-3000:]))
        finally:
            self._err.close()
            self._out.close()
        return False

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self, port):
        """Wait until GET /-/healthy on port answers 200; fail if plumb exits first."""
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("plumb exited with %d before serving; log:\n%s"
                                  % (self.proc.returncode, self.log()))
            try:
                status, _, _ = request(port, "/-/healthy", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise TestFailure("plumb did not answer on port %d within %ds; log:\n%s"
                          % (port, self.ready_timeout, self.log()))

    def get(self, path="/metrics", headers=None, port=None):
        return request(port or self.port, path, headers=headers)

    def log(self):
        """Everything plumb wrote to stderr so far."""
        return read_child_output(self._err)

    def stop(self, sig=signal.SIGTERM, timeout=HANG):
        """Send sig and wait for the exit status (fail on a hang)."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure("plumb did not exit within %ds of signal %d" % (timeout, sig))

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# --- a strict parser for both exposition formats ---------------------------------------

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TEXT_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
OM_TYPES = {"counter", "gauge", "histogram", "gaugehistogram", "stateset", "info", "summary",
            "unknown"}
SUFFIXES = ("_total", "_created", "_bucket", "_count", "_sum", "_info", "_gcount", "_gsum")


def _unescape(s, i, allowed, where, quoted):
    """Read an escaped string from s[i:] up to an unescaped '"' (quoted: a label value)
    or the end (a HELP text); return (text, index of the end). Only the escapes in
    `allowed` are accepted."""
    out = []
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in allowed:
                raise ValueError("bad escape in %s at %r" % (where, s[i:i + 2]))
            out.append({"n": "\n", "\\": "\\", '"': '"'}[s[i + 1]])
            i += 2
            continue
        if c == '"' and quoted:
            return "".join(out), i
        if c == "\n":
            raise ValueError("raw newline in " + where)
        out.append(c)
        i += 1
    if quoted:
        raise ValueError("unterminated quoted value in " + where)
    return "".join(out), i


def _parse_value(v):
    if v in ("+Inf", "Inf"):
        return math.inf
    if v == "-Inf":
        return -math.inf
    if v == "NaN":
        return math.nan
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", v):
        raise ValueError("bad sample value %r" % v)
    return float(v)


def _family_of(name, types, om):
    if name in types:
        return name
    for suf in SUFFIXES:
        if name.endswith(suf) and name[:-len(suf)] in types:
            return name[:-len(suf)]
    return None


class Exposition:
    """A parsed exposition: types {family: type}, helps {family: text} and samples
    {(name, ((label, value), ...sorted)): value}, in text order in `order`."""

    def __init__(self):
        self.types, self.helps, self.samples, self.order = {}, {}, {}, []

    def value(self, name, **labels):
        """Value of one series, or None when absent."""
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def series(self, name):
        """[(labels dict, value)] of every sample named name."""
        return [(dict(k[1]), v) for k, v in self.samples.items() if k[0] == name]


def parse_exposition(body, om=False):
    """Parse bytes or str as text 0.0.4 (om=False) or OpenMetrics 1.0 (om=True), strictly:
    raise ValueError naming the line on anything a conforming parser could reject (bad
    UTF-8, escapes, names, values, duplicate series or TYPE, a family's samples split,
    missing # EOF in OpenMetrics). Returns an Exposition."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")  # raises on invalid UTF-8
    ex = Exposition()
    if om:
        if not body.endswith("# EOF\n"):
            raise ValueError("OpenMetrics body does not end with '# EOF\\n'")
        body = body[:-len("# EOF\n")]
    elif body and not body.endswith("\n"):
        raise ValueError("last line does not end in a newline")
    lines = body.split("\n")[:-1] if body else []
    current, done = None, set()
    for n, line in enumerate(lines, 1):
        where = "line %d (%r)" % (n, line[:160])
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if om and line == "# EOF":
                raise ValueError("# EOF before the end: " + where)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE", "UNIT"):
                fam = parts[2]
                if not NAME_RE.fullmatch(fam):
                    raise ValueError("bad family name: " + where)
                if fam != current:
                    if fam in done:
                        raise ValueError("family %s split in two: %s" % (fam, where))
                    if current:
                        done.add(current)
                    current = fam
                rest = parts[3] if len(parts) > 3 else ""
                if parts[1] == "TYPE":
                    if fam in ex.types:
                        raise ValueError("second TYPE: " + where)
                    if rest not in (OM_TYPES if om else TEXT_TYPES):
                        raise ValueError("unknown type: " + where)
                    ex.types[fam] = rest
                elif parts[1] == "HELP":
                    if fam in ex.helps:
                        raise ValueError("second HELP: " + where)
                    ex.helps[fam], _ = _unescape(rest, 0, '\\n"' if om else "\\n", where, False)
                continue
            if om:
                raise ValueError("unknown comment in OpenMetrics: " + where)
            continue
        if not line.strip():
            if om:
                raise ValueError("blank line in OpenMetrics: " + where)
            continue
        m = NAME_RE.match(line)
        if not m:
            raise ValueError("bad metric name: " + where)
        name, i = m.group(0), m.end()
        labels = []
        if i < len(line) and line[i] == "{":
            i += 1
            while True:
                if i < len(line) and line[i] == "}":
                    i += 1
                    break
                lm = LABEL_NAME_RE.match(line, i)
                if not lm or line[lm.end():lm.end() + 2] != '="':
                    raise ValueError("bad label: " + where)
                val, i = _unescape(line, lm.end() + 2, '\\n"', where, True)
                labels.append((lm.group(0), val))
                i += 1
                if i < len(line) and line[i] == ",":
                    i += 1
                elif i < len(line) and line[i] != "}":
                    raise ValueError("junk after label value: " + where)
            names = [l[0] for l in labels]
            if len(set(names)) != len(names):
                raise ValueError("repeated label name: " + where)
        if i >= len(line) or line[i] != " ":
            raise ValueError("no space before the value: " + where)
        fields = line[i + 1:].split(" ")
        if len(fields) not in (1, 2) or not fields[0]:
            raise ValueError("bad value field: " + where)
        value = _parse_value(fields[0])
        fam = _family_of(name, ex.types, om)
        if om:
            if fam is None or fam != current:
                raise ValueError("sample outside its family's block: " + where)
            if ex.types[fam] == "counter" and not (name.endswith("_total") or
                                                   name.endswith("_created")):
                raise ValueError("OpenMetrics counter sample without _total: " + where)
        elif fam is not None and fam != current and fam in done:
            raise ValueError("family %s split in two: %s" % (fam, where))
        if fam is not None and fam != current:
            if current:
                done.add(current)
            current = fam
        key = (name, tuple(sorted(labels)))
        if key in ex.samples:
            raise ValueError("duplicate series: " + where)
        ex.samples[key] = value
        ex.order.append(key)
    return ex


def help_flags():
    """Flags `plumb --help` lists: {name without --: metavar or None for booleans}."""
    out = run(["--help"])
    flags = {}
    for line in out.stdout.splitlines():
        m = re.match(r"\s+(?:-\w, )?--(\[no-\])?([A-Za-z0-9_.\-]+)(=(\S+))?", line)
        if m:
            flags[m.group(2)] = None if m.group(1) else m.group(4)
    return flags


def collectors_in_help():
    """Names of the collectors compiled in, from the --[no-]collector.NAME lines of
    --help (collector sub-flags like collector.NAME.opt take values, or contain a dot)."""
    return sorted(f[len("collector."):] for f, meta in help_flags().items()
                  if f.startswith("collector.") and meta is None and "." not in f[10:]
                  and f != "collector.disable-defaults")


def fixture_flags(folder=None):
    """The flags of the fixture host's e2e-flags.txt that this binary knows (as expo-diff
    does), with {F} replaced by folder (default: the fixture folder)."""
    folder = FIXTURES if folder is None else folder
    known = help_flags()
    flags = []
    with open(os.path.join(FIXTURES, "e2e-flags.txt")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name = line[2:].split("=", 1)[0]
            if name.startswith("no-") and name[3:] in known and known[name[3:]] is None:
                name = name[3:]
            if name in known:
                flags.append(line.replace("{F}", folder))
    return flags


def cgroup_fixture():
    """bench/cgroup-fixture.py as a module (its generate() writes a Kubernetes node)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "cgroup_fixture", os.path.join(ROOT, "bench", "cgroup-fixture.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def every_collector(flags):
    """flags plus --collector.X for every compiled-in collector they do not name (a
    flag may be given only once)."""
    named = {f.split("=")[0].replace("--no-", "--") for f in flags}
    return flags + ["--collector." + c for c in collectors_in_help()
                    if "--collector." + c not in named]


def main(tests):
    """Run each test function in order; print ok/FAIL per test; exit 1 if any failed."""
    failed = 0
    for t in tests:
        try:
            t()
            print("ok   " + t.__name__)
        except SystemExit:
            raise
        except BaseException as e:  # a failure in one test must not hide the others
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
            import traceback
            traceback.print_exc()
    print("%s: %d passed, %d failed" % (os.path.basename(sys.argv[0]), len(tests) - failed, failed))
    sys.exit(1 if failed else 0)


# --- holding a collection in flight, without timing ---------------------------------------

HANGFS = os.path.join(BUILD, "tests", "hangfs")


def mounted(path):
    """Whether path is a mount point in this mount namespace (mountinfo's escapes of
    space, tab, newline and backslash decoded)."""
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            mp = line.split(b" ")[4]
            for esc, ch in ((b"\\040", b" "), (b"\\011", b"\t"), (b"\\012", b"\n"),
                            (b"\\134", b"\\")):
                mp = mp.replace(esc, ch)
            if mp == os.fsencode(path):
                return True
    return False


def fuse_works():
    """Why hangfs cannot be mounted here ("" when it can): /dev/fuse must open and
    tests/fuse/hangfs must be built."""
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as e:
        return "/dev/fuse is unavailable (%s)" % e
    if not os.access(HANGFS, os.X_OK):
        return "hangfs is not built (%s)" % HANGFS
    return ""


class HungFiles:
    """A folder of files on tests/fuse/hangfs (--files --stall-reads) that can be made
    to hang like a dead NFS server: `with HungFiles() as h:` mounts it on h.dir;
    h.write(name, text) adds a file (while it answers); h.stall() makes every open, read
    and readdir under it block until h.release(). Leaving the block releases it,
    unmounts it and removes the folder. Needs root and /dev/fuse (see fuse_works)."""

    def __init__(self, prefix="plumb-hung-"):
        self.top = tempfile.mkdtemp(prefix=prefix)
        self.dir = os.path.join(self.top, "mnt")
        os.mkdir(self.dir)
        self.proc = None

    def __enter__(self):
        try:
            self.proc = subprocess.Popen([HANGFS, "--files", "--stall-reads", "-f", self.dir],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not mounted(self.dir) and self.proc.poll() is None:
                check(time.monotonic() < deadline, "hangfs did not mount " + self.dir)
                time.sleep(0.02)
            check(self.proc.poll() is None, "hangfs exited with %r" % self.proc.returncode)
        except BaseException:
            self.close()
            raise
        return self

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def stall(self):
        self.proc.send_signal(signal.SIGUSR2)

    def release(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)

    def close(self):
        """Release, unmount (lazily if a caller still holds it), end hangfs, remove."""
        self.release()
        if mounted(self.dir):
            subprocess.run(["fusermount3", "-u", self.dir], capture_output=True)
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if mounted(self.dir):
            subprocess.run(["umount", "-l", self.dir], capture_output=True)
        if not mounted(self.dir):
            os.rmdir(self.dir)
            os.rmdir(self.top)

    def __exit__(self, *exc):
        self.close()
        return False


class CollectionGate:
    """Holds plumb's first collection in flight until release(), so tests can observe
    what happens to scrapes that arrive meanwhile, with no sleeps.

    Its procfs root (self.procfs, for --path.procfs) is a HungFiles folder holding only
    a loadavg file, stalled from the start: the loadavg collector opens that file in its
    first collect(), and the open waits for the FUSE daemon until release(). (plumb
    opens every file non-blocking, so a lease, which made an earlier gate, no longer
    holds an open.) Run plumb with gate.args. Threads can be told apart by their wchan:
    the collecting one waits in HELD, scrapes sharing its collection wait on a futex.
    Use gate_works() first."""

    HELD = "request_wait_answer"

    def __init__(self, loadavg="0.25 0.50 0.75 1/100 4242\n"):
        self.files = HungFiles(prefix="plumb-gate-")
        self.files.__enter__()
        self.files.write("loadavg", loadavg)
        self.files.stall()
        self.dir = self.procfs = self.files.dir
        # health's timer collects too, and would be the one held: it is off here
        self.args = ["--collector.disable-defaults", "--collector.loadavg",
                     "--path.procfs=" + self.dir, "--no-health.enabled"]

    def release(self):
        self.files.release()

    def close(self):
        self.files.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def gate_works():
    """Whether CollectionGate can hold a collection and tell its thread apart here:
    hangfs mounts, and the kernel shows thread wait channels. Says why not on stdout."""
    why = fuse_works() or ("" if wchan_works() else "this kernel hides thread wait channels")
    if why:
        print("NOTE: no collection gate: " + why)
    return not why


def wchan_works():
    """Whether /proc/PID/task/TID/wchan names where a sleeping thread waits (it reads
    "0" when the kernel hides it), which CollectionGate users rely on."""
    p = subprocess.Popen(["sleep", "30"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            w = list(thread_wchans(p.pid).values())
            if w and w[0] not in ("", "0"):
                return True
            time.sleep(0.02)
        return False
    finally:
        p.kill()
        p.wait()


def thread_wchans(pid):
    """{tid: wchan} of every thread of pid (threads that exit meanwhile are left out)."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/wchan" % (pid, tid)) as f:
                out[int(tid)] = f.read().strip()
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def wait_threads(pid, pred, what, timeout=30):
    """Poll pid's thread wchans until pred(list of wchans) holds; return them. Fails
    naming `what` (and showing the wchans) after timeout seconds: that is a hang."""
    deadline = time.monotonic() + timeout
    while True:
        w = list(thread_wchans(pid).values())
        if pred(w):
            return w
        if time.monotonic() > deadline:
            raise TestFailure("timed out waiting for %s; threads wait in: %s" % (what, sorted(w)))
        time.sleep(0.02)


def count_in(wchans, word):
    return sum(1 for w in wchans if word in w)
