#!/usr/bin/env python3
"""test_promtool: what plumb serves on this live machine parses, whatever the input.

plumb runs with its default collectors, plus the textfile collector (when compiled
in) reading a directory of hostile-but-valid files: label values with quotes,
backslashes, newlines, tabs, U+2028, UTF-8 and 16 KiB long; file names with quotes,
newlines and invalid UTF-8. Every scrape, text and OpenMetrics, plain and gzipped,
must pass `promtool check metrics` (text; lint remarks are allowed, parse errors are
not) and this suite's strict parser (both formats), and the hostile values must come
back unchanged.

Kernel-side values: as root, plumb also runs in a private mount and PID namespace
(unshare) with two tmpfs mounts whose paths and source hold a space, a quote, a
backslash, a newline, a tab, UTF-8 and an invalid byte. Those scrapes must parse too,
and when the filesystem collector is compiled in, its mountpoint and device labels
must carry the real names (invalid UTF-8 replaced by U+FFFD).
"""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (Plumb, check, collectors_in_help, help_flags, main,  # noqa: E402
                       parse_exposition)

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
OM = "application/openmetrics-text;version=1.0.0"

LONG = ('long "quoted" \\ back\nslash é☃😀 ' * 400)[:16384]
HOSTILE_VALUES = [
    'quote"inside', "back\\slash", "new\nline", "tab\there", "utf8 é ☃ 😀 中文",
    "line\u2028separator", "braces {} , = # and a literal \\n", "trailing backslash \\",
    "  spaces around  ", '"', "\\", "\n", "}", LONG,
]
HOSTILE_HELP = "Help with a backslash \\ and a newline \n and UTF-8 é☃."
HOSTILE_FILES = ['name with "quotes" \\ and\nnewline é.prom'.encode(), b"bad-\xff\xfe-utf8.prom"]


def esc(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_textfiles(d):
    """Fill d with .prom files; return ({value: n}, [file names as str]) expected back."""
    lines = ["# HELP plumbtest_hostile " + HOSTILE_HELP.replace("\\", "\\\\").replace("\n", "\\n"),
             "# TYPE plumbtest_hostile gauge"]
    want = {}
    for n, v in enumerate(HOSTILE_VALUES, 1):
        lines.append('plumbtest_hostile{v="%s",n="%d"} %d' % (esc(v), n, n))
        want[v] = n
    with open(os.path.join(d, "hostile.prom"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    for i, name in enumerate(HOSTILE_FILES):
        with open(os.path.join(os.fsencode(d), name), "w") as f:
            f.write("# TYPE plumbtest_file_%d gauge\nplumbtest_file_%d 1\n" % (i, i))
    return want


def promtool_check(text_body):
    """Run promtool check metrics on a text exposition. Parse errors fail; lint remarks
    (exit status 3, lines like 'x no help text') are printed and allowed."""
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text_body, capture_output=True,
                       timeout=120)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    parse_error = ("error while linting" in out or "parsing error" in out or r.returncode == 1
                   or r.returncode not in (0, 3))
    check(not parse_error, "promtool check metrics found a parse error (exit %d):\n%s"
          % (r.returncode, out[:4000]))
    lint = [l for l in out.splitlines() if l.strip()]
    if lint:
        print("promtool lint remarks (allowed): %d, e.g. %s" % (len(lint), lint[:3]))


def scrape_all(p):
    """Scrape in every format; check each; return {'text': Exposition, 'om': Exposition}."""
    got = {}
    for accept, om in (("text/plain", False), (OM, True)):
        for enc in (None, "gzip"):
            headers = {"Accept": accept}
            if enc:
                headers["Accept-Encoding"] = enc
            status, hdr, body = p.get(headers=headers)
            check(status == 200, "scrape status %d" % status)
            if enc:
                check(hdr.get("content-encoding") == "gzip", "no gzip: %r" % hdr)
                body = gzip.decompress(body)
            if not om:
                promtool_check(body)
            try:
                ex = parse_exposition(body, om=om)
            except ValueError as e:
                raise AssertionError("%s exposition does not parse: %s" % (accept, e))
            got["om" if om else "text"] = ex
    return got


def check_textfile_values(ex, want):
    fam = ex.series("plumbtest_hostile")
    got = {l["v"]: v for l, v in fam}
    for value, n in want.items():
        check(got.get(value) == n, "hostile label value %r came back as %r" %
              (value[:60], [k[:60] for k, x in got.items() if x == n]))
    helps = ex.helps.get("plumbtest_hostile")
    check(helps == HOSTILE_HELP, "HELP text came back as %r" % helps)
    check(ex.value("plumbtest_file_0") == 1, "the file with a hostile name was not read")
    files = [l.get("file", "") for l, _ in ex.series("node_textfile_mtime_seconds")]
    check(any(f.endswith(HOSTILE_FILES[0].decode()) for f in files),
          "no node_textfile_mtime_seconds for the hostile file name; files: %r" % files)


def test_live_machine_with_hostile_textfiles():
    cols = collectors_in_help()
    with tempfile.TemporaryDirectory(prefix="plumb-textfile-") as d:
        args = []
        want = None
        if "textfile" in cols and "collector.textfile.directory" in help_flags():
            want = write_textfiles(d)
            args = ["--collector.textfile", "--collector.textfile.directory=" + d]
        else:
            print("NOTE: no textfile collector compiled in; hostile textfile content not checked")
        with Plumb(args) as p:
            for _ in range(2):  # the second scrape runs on warmed-up buffers
                got = scrape_all(p)
            if want is not None:
                for ex in got.values():
                    check_textfile_values(ex, want)
            print("series: text %d, OpenMetrics %d" % (len(got["text"].samples),
                                                      len(got["om"].samples)))


def test_hostile_mount_points():
    if os.geteuid() != 0 or not shutil.which("unshare") or subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc",
             "true"], capture_output=True, timeout=60).returncode != 0:
        print("NOTE: cannot make mount and PID namespaces here; hostile mount points not checked")
        return
    base = tempfile.mkdtemp(prefix="plumb-mnt-")
    try:
        a = os.path.join(base, 'mnt "quoted" \\ back\nslash é☃ tab\there')
        b = os.path.join(os.fsencode(base), b"bad-\xff-utf8")
        os.mkdir(a)
        os.mkdir(b)
        src = 'plumb "src" \\ x'
        script = ('mount -t tmpfs -o size=1m "$1" "$2" && mount -t tmpfs -o size=1m plumbtest "$3" '
                  '&& shift 3 && exec "$@"')
        wrapper = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
                   "--mount-proc", "--kill-child", "sh", "-c", script, "sh", src, a, b]
        cols = collectors_in_help()
        args = ["--collector.filesystem"] if "filesystem" in cols else []
        with Plumb(args, wrapper=wrapper) as p:
            got = scrape_all(p)
            if "filesystem" not in cols:
                print("NOTE: no filesystem collector compiled in; mount point labels not checked")
                return
            for ex in got.values():
                fs = ex.series("node_filesystem_size_bytes")
                mps = {l.get("mountpoint"): l for l, _ in fs}
                check(a in mps, "hostile mount point missing from node_filesystem_size_bytes: %r"
                      % sorted(mps))
                check(mps[a].get("device") == src, "device label %r, want %r" %
                      (mps[a].get("device"), src))
                bad = b.decode("utf-8", "replace")
                check(bad in mps, "invalid-UTF-8 mount point missing (want %r): %r" % (bad, sorted(mps)))
            print("hostile mount points and device came back intact: %r, %r, %r" % (a, bad, src))
    finally:
        shutil.rmtree(base)


if __name__ == "__main__":
    main([test_live_machine_with_hostile_textfiles, test_hostile_mount_points])
