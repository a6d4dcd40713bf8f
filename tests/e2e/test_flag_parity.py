#!/usr/bin/env python3
"""test_flag_parity: plumb accepts every flag Debian's node_exporter 1.5 lists in --help.

A node_exporter command line (a systemd unit, a DaemonSet's args) must start plumb unchanged.
This reads `prometheus-node-exporter --help` and checks, for each flag it lists:
  - plumb's --help lists it too, as a boolean (--[no-]NAME) where node_exporter's is one and
    taking a value where node_exporter's does;
  - plumb accepts node_exporter's default value for it: every such flag, given at once with
    those values, parses (the values are checked before --version, which comes last, exits).
Left out, as the issue says: the flags of the collectors node_exporter deprecated (ntp, runit,
supervisord) and --runtime.gomaxprocs (a Go runtime knob). The collectors plumb does not have
yet (ABSENT) are named in README's "Not implemented" paragraph; their flags must not exist
(an accepted flag must work), and the test fails once one does, so the list only shrinks.
Whether each accepted flag does
what node_exporter's does is for each collector's own tests; test_docs checks each is
documented.

If node_exporter is not installed, the test says so and passes.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import check, help_flags, main, run  # noqa: E402

NODE_EXPORTER = os.environ.get("NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
LEFT_OUT = re.compile(r"^(collector\.(ntp|runit|supervisord)(\..*)?|runtime\.gomaxprocs)$")
# Collectors of node_exporter 1.5 that plumb does not have yet (README, "Not implemented").
ABSENT = set()
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def absent(name):
    """Whether flag name belongs to a collector in ABSENT."""
    m = re.match(r"^collector\.([a-z_]+)", name)
    return bool(m) and m.group(1) in ABSENT


def node_exporter_flags():
    """{name: (is_bool, default or None)} from node_exporter's --help. kingpin prints a
    value flag as --name=METAVAR (no default; the metavar is the name in capitals) or
    --name="default" / --name=default, and a boolean as --name alone."""
    out = subprocess.run([NODE_EXPORTER, "--help"], capture_output=True, text=True,
                         timeout=60)
    flags = {}
    for line in (out.stdout + out.stderr).splitlines():
        m = re.match(r"^\s+(?:-\w, )?--([A-Za-z0-9_.\-]+)(?:=(\S+))?", line)
        if not m or m.group(1) == "help":
            continue
        name, val = m.group(1), m.group(2)
        default = None
        if val is not None and val != name.upper():
            default = val[1:-1].replace("\\\\", "\\") if val.startswith('"') else val
        flags[name] = (val is None, default)
    return flags


def test_every_flag_listed():
    ne = node_exporter_flags()
    check(len(ne) > 100, "read only %d flags from node_exporter --help" % len(ne))
    ours = help_flags()
    missing, kind, present = [], [], []
    for name, (is_bool, _) in sorted(ne.items()):
        if LEFT_OUT.match(name):
            continue
        if absent(name):
            if name in ours:
                present.append(name)
            continue
        if name == "help-long":  # not a flag line in plumb's --help: try it
            if run(["--help-long"]).returncode != 0:
                missing.append(name)
        elif name not in ours:
            missing.append(name)
        elif is_bool != (ours[name] is None):
            kind.append(name)
    check(not missing, "node_exporter 1.5 flags plumb does not accept: %s" % " ".join(missing))
    check(not kind, "flags that are boolean in one and take a value in the other: %s"
          % " ".join(kind))
    check(not present, "flags of collectors in ABSENT that plumb now accepts (take them out "
          "of ABSENT and README's Not implemented paragraph): %s" % " ".join(present))


def test_absent_documented():
    with open(README) as f:
        text = f.read()
    para = re.search(r"\*\*Not implemented\*\*(.*?)\n(?:- |\n)", text, re.S)
    check(para is not None, "README has no 'Not implemented' paragraph")
    undocumented = [c for c in sorted(ABSENT) if "`%s`" % c not in para.group(1)]
    check(not undocumented, "collectors absent but not named in README's Not implemented "
          "paragraph: %s" % " ".join(undocumented))


def test_defaults_accepted():
    ne = node_exporter_flags()
    ours = help_flags()
    args = []
    for name, (is_bool, default) in sorted(ne.items()):
        if LEFT_OUT.match(name) or absent(name) or name not in ours:
            continue
        if is_bool:
            args.append("--" + name)
        elif default is not None:
            args.append("--%s=%s" % (name, default))
    check(len(args) > 50, "only %d flags to try" % len(args))
    out = run(args + ["--version"])
    check(out.returncode == 0, "plumb refused node_exporter's defaults: %s" % out.stderr.strip())


if __name__ == "__main__":
    if not os.access(NODE_EXPORTER, os.X_OK):
        print("test_flag_parity: %s is not installed; nothing to compare" % NODE_EXPORTER)
        sys.exit(0)
    main([test_every_flag_listed, test_absent_documented, test_defaults_accepted])
