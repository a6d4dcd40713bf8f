#!/usr/bin/env python3
"""test_flags: plumb's command line, as node_exporter users type it.

--help lists every core flag and a --[no-]collector.NAME for each collector, in one
format, and what it says is true (the collectors it calls enabled by default are the
ones that run by default; every collector it lists exists). --version prints a
version. A usage error (unknown flag, malformed regex, duration or integer, a missing
value, a bad --log.level) is exactly one line on stderr naming the flag, and exit
status 2. --log.format=json writes JSON lines, logfmt writes logfmt, --log.level
filters, and hostile values in log lines cannot break a line.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (Plumb, check, collectors_in_help, free_port, help_flags, main,  # noqa: E402
                       parse_exposition, run)

CORE_FLAGS = {  # name: metavar (None: boolean)
    "web.listen-address": "VALUE", "web.telemetry-path": "VALUE", "web.max-requests": "N",
    "path.procfs": "VALUE", "path.sysfs": "VALUE", "path.rootfs": "VALUE",
    "path.udev.data": "VALUE", "collector.disable-defaults": None, "log.level": "VALUE",
    "log.format": "VALUE",
}
METAVARS = {"VALUE", "REGEX", "DURATION", "N"}
FLAG_LINE = re.compile(r"^      (--\[no-\]|--)([A-Za-z0-9_.\-]+)(=([A-Z]+))? +(\S.*)$")


def help_lines():
    out = run(["--help"])
    check(out.returncode == 0, "--help exit status %d" % out.returncode)
    check(out.stderr == "", "--help wrote to stderr: %r" % out.stderr)
    lines = out.stdout.splitlines()
    check("Flags:" in lines, "no 'Flags:' heading in --help")
    return lines[lines.index("Flags:") + 1:]


def test_help_format_and_core_flags():
    lines = help_lines()
    check(re.match(r"^  -h, --help +\S", lines[0]), "first flag line is not -h, --help: %r" % lines[0])
    check(re.match(r"^      --version +\S", lines[1]), "second flag line is not --version: %r" % lines[1])
    long_out = run(["--help-long"])
    check(long_out.returncode == 0 and long_out.stdout == run(["--help"]).stdout,
          "--help-long (node_exporter's spelling) does not print the same as --help")
    seen = {}
    for line in lines[2:]:
        if not line.strip():
            continue
        m = FLAG_LINE.match(line)
        check(m, "--help line in no known format: %r" % line)
        negatable, name, metavar, text = m.group(1) == "--[no-]", m.group(2), m.group(4), m.group(5)
        check(name not in seen, "--%s listed twice" % name)
        check(negatable == (metavar is None), "boolean-ness and =VALUE disagree: %r" % line)
        check(metavar is None or metavar in METAVARS, "unknown metavar in %r" % line)
        check(len(text) > 10, "help text too short to help: %r" % line)
        if name.startswith("collector.") and "." not in name[10:] and negatable and \
                name != "collector.disable-defaults":
            col = name[10:]
            check(re.search(r"\b%s\b" % re.escape(col), text) and
                  re.search(r"\(default: (enabled|disabled)\)", text),
                  "collector flag help does not name %s and its default: %r" % (col, line))
        seen[name] = metavar
    for name, metavar in CORE_FLAGS.items():
        check(name in seen, "--help does not list --%s" % name)
        check(seen[name] == metavar, "--%s listed with metavar %r, want %r" % (name, seen[name], metavar))
    cols = collectors_in_help()
    check(cols, "--help lists no collector")
    check(cols == sorted(cols), "collectors not in name order")
    print("collectors in --help:", " ".join(cols))


def test_every_listed_flag_is_accepted():
    """Each value flag accepts its own default; each boolean takes --x, --no-x,
    --x=true, --x=false. (Flags are parsed in order, so a trailing --help stops before
    anything starts.)"""
    out = run(["--help"])
    defaults = dict(re.findall(r"^      --([A-Za-z0-9_.\-]+)=[A-Z]+ .*\(default: (.*)\)(?: Repeatable\.)?$",
                               out.stdout, re.M))
    # a flag may be given once (as in node_exporter), so each boolean form gets its own run
    forms = [[], [], [], []]
    values = []
    for name, metavar in help_flags().items():
        if name in ("help", "version"):
            continue
        if metavar is None:
            for k, form in enumerate(["--%s", "--no-%s", "--%s=true", "--%s=false"]):
                forms[k].append(form % name)
        elif name in defaults:
            values.append("--%s=%s" % (name, defaults[name]))
    for form in forms:
        r = run(values + form + ["--help"])
        check(r.returncode == 0, "flags with their own defaults refused (%d): %s" % (r.returncode, r.stderr))
    r = run(["--collector.cpu", "--no-collector.cpu"])
    check(r.returncode == 2 and "cannot be repeated" in r.stderr,
          "a flag given twice must be refused, as node_exporter does: %r" % r.stderr)


def test_help_matches_what_runs():
    """Collectors --help calls enabled by default are exactly the ones that run by
    default, and every collector it lists runs when asked (or says why it could not
    start)."""
    out = run(["--help"]).stdout
    enabled = set(re.findall(r"--\[no-\]collector\.([A-Za-z0-9_]+) .*\(default: enabled\)", out))
    cols = set(collectors_in_help())

    def running(args):
        with Plumb(args) as p:
            status, _, body = p.get()
            check(status == 200, "scrape status %d" % status)
            ex = parse_exposition(body)
            ran = {l["collector"] for l, _ in ex.series("node_scrape_collector_success")}
            failed = set(re.findall(r'msg="collector failed to start.*?" collector=(\S+)', p.log()))
            return ran, failed

    ran, failed = running([])
    check(ran | failed == enabled, "by default ran %s, failed to start %s; --help says %s" %
          (sorted(ran), sorted(failed), sorted(enabled)))
    ran, failed = running(["--collector." + c for c in sorted(cols)])
    check(ran | failed == cols, "with every collector on, ran %s and failed %s of %s" %
          (sorted(ran), sorted(failed), sorted(cols)))
    one = sorted(cols)[0]
    ran, failed = running(["--collector.disable-defaults", "--collector." + one])
    check(ran | failed == {one}, "--collector.disable-defaults --collector.%s ran %s" % (one, ran))
    if enabled:
        off = sorted(enabled)[0]
        ran, failed = running(["--no-collector." + off])
        check(off not in ran | failed, "--no-collector.%s still ran it" % off)
        check(ran | failed == enabled - {off}, "--no-collector.%s ran %s" % (off, ran))


def test_version():
    r = run(["--version"])
    check(r.returncode == 0, "--version exit status %d" % r.returncode)
    check(re.fullmatch(r"plumb version \S+\n", r.stdout), "--version printed %r" % r.stdout)
    check(r.stderr == "", "--version wrote to stderr: %r" % r.stderr)


def usage_error(args, flag):
    """plumb args must exit 2 without starting, with exactly one line on stderr that
    names flag, and nothing on stdout."""
    import subprocess
    # if plumb wrongly starts, it must listen on loopback only, and not for long
    guard = ["--web.listen-address=127.0.0.1:%d" % free_port()]
    if any(a.startswith("--web.listen-address") for a in args):
        guard = []
    try:
        r = run(guard + args, timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError("plumb %s started instead of refusing its flags" % args)
    check(r.returncode == 2, "plumb %s: exit status %d, want 2 (stderr %r)" % (args, r.returncode, r.stderr))
    check(r.stdout == "", "plumb %s wrote to stdout: %r" % (args, r.stdout))
    lines = r.stderr.split("\n")
    check(len(lines) == 2 and lines[1] == "" and lines[0],
          "plumb %s: stderr is not exactly one line: %r" % (args, r.stderr))
    check(flag in lines[0], "plumb %s: error line does not name %s: %r" % (args, flag, lines[0]))


def first_flag_of_kind(kind, prefer=()):
    flags = help_flags()
    for name in prefer:
        if flags.get(name) == kind:
            return name
    names = sorted(n for n, k in flags.items() if k == kind)
    return names[0] if names else None


def test_usage_errors_exit_2():
    usage_error(["--no-such-flag"], "--no-such-flag")
    usage_error(["--web.listen-addres=:1"], "--web.listen-addres")
    usage_error(["--no-web.telemetry-path"], "--no-web.telemetry-path")
    usage_error(["--collector.no_such_collector"], "--collector.no_such_collector")
    usage_error(["-x"], "-x")
    usage_error(["stray"], "stray")
    usage_error(["--web.telemetry-path"], "--web.telemetry-path")  # value missing
    for bad in ("abc", "99999999999999999999", "", "0x10", "5k", "--1"):
        usage_error(["--web.max-requests=" + bad], "--web.max-requests")
    usage_error(["--web.max-requests", "abc"], "--web.max-requests")
    cols = collectors_in_help()
    usage_error(["--collector.%s=yes" % cols[0]], "--collector." + cols[0])
    usage_error(["--no-collector.%s=false" % cols[0]], "--no-collector." + cols[0])
    # an error after good flags is still reported, and stops start-up
    usage_error(["--web.listen-address=127.0.0.1:0", "--nope"], "--nope")
    for level in ("bogus", "INFO", "", "warning"):
        usage_error(["--log.level=" + level], "--log.level")
    usage_error(["--log.format=xml"], "--log.format")

    regex = first_flag_of_kind("REGEX", prefer=("collector.filesystem.mount-points-exclude",))
    if regex:
        for bad in ("(", "[a-", "a{2,1}", "*"):
            usage_error(["--%s=%s" % (regex, bad)], "--" + regex)
        print("malformed regexes checked on --" + regex)
    else:
        print("NOTE: no REGEX flag in --help; malformed-regex check not run")
    duration = first_flag_of_kind("DURATION")
    if duration:
        for bad in ("abc", "10", "5 s", "1x", "s", "1.2.3s", "-"):
            usage_error(["--%s=%s" % (duration, bad)], "--" + duration)
        print("malformed durations checked on --" + duration)
    else:
        print("NOTE: no DURATION flag in --help; malformed-duration check not run")


def run_and_stop(args):
    """Start plumb with args, scrape once, SIGTERM; return (exit status, stderr)."""
    with Plumb(args) as p:
        check(p.get()[0] == 200, "scrape failed")
        rc = p.stop()
        return rc, p.log()


LOGFMT_LINE = re.compile(r'^ts=\S+ level=(debug|info|warn|error) msg=')


def logfmt(line):
    """Parse one logfmt line into {key: value}, undoing plumb's escapes (\\ \" \\n
    \\xHH); raise ValueError if it is not well formed."""
    out, i = {}, 0
    while i < len(line):
        m = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)=").match(line, i)
        if not m:
            raise ValueError("no key at %d in %r" % (i, line))
        key, i = m.group(1), m.end()
        if line[i:i + 1] == '"':
            i += 1
            val = bytearray()
            while True:
                if i >= len(line):
                    raise ValueError("unterminated value in %r" % line)
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    e = line[i + 1:i + 2]
                    if e in ('"', "\\"):
                        val += e.encode()
                        i += 2
                    elif e == "n":
                        val += b"\n"
                        i += 2
                    elif e == "x":
                        val.append(int(line[i + 2:i + 4], 16))
                        i += 4
                    else:
                        raise ValueError("bad escape in %r" % line)
                    continue
                val += c.encode()
                i += 1
            value = val.decode()
        else:
            j = line.find(" ", i)
            j = len(line) if j < 0 else j
            value = line[i:j]
            if '"' in value or "=" in value:
                raise ValueError("bare value with a quote or = in %r" % line)
            i = j
        if key in out:
            raise ValueError("key %s twice in %r" % (key, line))
        out[key] = value
        if i < len(line):
            if line[i] != " ":
                raise ValueError("junk after value in %r" % line)
            i += 1
    return out
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")


def test_log_formats_and_levels():
    rc, log = run_and_stop(["--log.format=json", "--log.level=debug"])
    check(rc == 0, "exit status %d" % rc)
    recs = []
    for line in log.splitlines():
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise AssertionError("not a JSON log line: %r (%s)" % (line, e))
        check(isinstance(rec, dict) and rec.get("level") in ("debug", "info", "warn", "error")
              and isinstance(rec.get("msg"), str) and TS.match(str(rec.get("ts", ""))),
              "JSON log line lacks ts/level/msg: %r" % line)
        recs.append(rec)
    msgs = [r["msg"] for r in recs]
    for want in ("starting plumb", "listening", "shutting down"):
        check(want in msgs, "no %r line in JSON log: %s" % (want, msgs))
    check(any(r["level"] == "debug" for r in recs), "--log.level=debug logged no debug line")

    rc, log = run_and_stop([])
    for line in log.splitlines():
        check(LOGFMT_LINE.match(line), "not a logfmt line: %r" % line)
        rec = logfmt(line)
        check(TS.match(rec["ts"]), "bad ts in %r" % line)
        check(rec["level"] != "debug", "debug line at the default level: %r" % line)
    check("starting plumb" in log and "shutting down" in log, "default log lacks start/stop:\n" + log)

    rc, log = run_and_stop(["--log.level=error"])
    check(rc == 0, "exit status %d" % rc)
    for line in log.splitlines():  # collectors failing on this machine may log errors
        check(logfmt(line)["level"] == "error", "--log.level=error logged %r" % line)
    rc, log = run_and_stop(["--log.level=warn"])
    for line in log.splitlines():
        check(logfmt(line)["level"] in ("warn", "error"), "--log.level=warn logged %r" % line)


def test_hostile_values_stay_one_log_line():
    addr = 'h"o\\s\tt\n\u00e9\u2603 x=y level=error:1'
    for fmt in ("json", "logfmt"):
        with Plumb(["--log.format=" + fmt, "--web.listen-address=" + addr], listen=False) as p:
            rc = p.proc.wait(timeout=60)
            log = p.log()
        check(rc != 0, "plumb started on %r" % addr)
        lines = log.splitlines()
        bad = [l for l in lines if "cannot listen" in l]
        check(len(bad) == 1, "%s: want one 'cannot listen' line, got:\n%s" % (fmt, log))
        for line in lines:
            if fmt == "json":
                rec = json.loads(line)
                if "cannot listen" in rec["msg"]:
                    check(rec.get("address") == addr, "JSON address %r != %r" %
                          (rec.get("address"), addr))
            else:
                check(LOGFMT_LINE.match(line), "broken logfmt line: %r" % line)
                rec = logfmt(line)
                if "cannot listen" in rec["msg"]:
                    check(rec.get("address") == addr, "logfmt address %r != %r" %
                          (rec.get("address"), addr))


if __name__ == "__main__":
    main([test_help_format_and_core_flags, test_every_listed_flag_is_accepted,
          test_help_matches_what_runs, test_version, test_usage_errors_exit_2,
          test_log_formats_and_levels, test_hostile_values_stay_one_log_line])
