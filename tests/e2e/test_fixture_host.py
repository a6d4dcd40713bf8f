#!/usr/bin/env python3
"""test_fixture_host: plumb against node_exporter's fixture host, series for series.

node_exporter's own end-to-end run read its fixture tree from its repository's root, as
collector/fixtures, and its output (e2e-output.txt) carries that relative path in labels
(rapl's `path`). The shared copy of the tree also lost node_exporter's empty directories
when it was unpacked: the attribute-less watchdog sys/class/watchdog/watchdog1 and the
multipath maps' path links sys/block/dm-{5,6}/slaves/sd*. So this test lays out the tree
as node_exporter's run saw it: a copy under a temporary folder as collector/fixtures,
with those directories made again, and runs plumb from that folder with the flags of
e2e-flags.txt that plumb knows ({F} = collector/fixtures). expo-diff then compares the
scrape with e2e-output.txt: every family plumb emits must match series for series. The
only difference allowed is node_scrape_collector_success missing for collectors plumb
does not have (those whose --collector.NAME flag it lacks); a collector it has must be
there with node_exporter's value. With the slaves/ folders back, plumb also reports
node_disk_device_mapper_backing_device_info for the udev-named map dm-5, as current
node_exporter does (collector/diskstats_linux.go, for devices with DM_NAME); the
node_exporter that made e2e-output.txt predates that family, so it is the one family
allowed to be extra. The test prints expo-diff's figure, which is 2980 of
2980 when plumb has every collector of the run.

`expo-diff --run build/plumb` on the shared copy (as `make check`'s lint of README's
figure) differs from this only by those lost directories and the absolute path.
Runs in about 2 seconds.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from plumbtest import (FIXTURES, ROOT, Plumb, check, fixture_flags, help_flags, main,
                       parse_exposition)

TOOL = os.path.join(ROOT, "..", "shared", "tools", "expo-diff")
REL = os.path.join("collector", "fixtures")
# Directories node_exporter's tree has that the shared copy lost (empty ones).
NEWER_THAN_OUTPUT = {"node_disk_device_mapper_backing_device_info"}
LOST_DIRS = ["sys/class/watchdog/watchdog1"] + \
    ["sys/block/dm-5/slaves/" + d for d in ("sdi", "sdj", "sdk", "sdl")] + \
    ["sys/block/dm-6/slaves/" + d for d in ("sdm", "sdn")]


def run_on_restored_tree():
    """Scrape plumb run on the restored tree; returns (exposition text, expo-diff output)."""
    base = tempfile.mkdtemp(prefix="plumb-fixture-")
    cwd = os.getcwd()
    try:
        os.chmod(base, 0o755)
        tree = os.path.join(base, REL)
        shutil.copytree(FIXTURES, tree, symlinks=True)
        for d in LOST_DIRS:
            os.makedirs(os.path.join(tree, d), exist_ok=True)
        os.chdir(base)
        with Plumb(fixture_flags(REL)) as p:
            code, _, body = p.get()
        check(code == 200, "GET /metrics answered %d" % code)
        actual = os.path.join(base, "actual.txt")
        with open(actual, "wb") as f:
            f.write(body)
        out = subprocess.run([TOOL, os.path.join(FIXTURES, "e2e-output.txt"), actual, "-v"],
                             capture_output=True, text=True, timeout=120)
        check(out.returncode in (0, 1), "expo-diff failed:\n" + out.stdout + out.stderr)
        return body.decode(), out.stdout + out.stderr
    finally:
        os.chdir(cwd)
        shutil.rmtree(base, ignore_errors=True)


def test_every_family_matches():
    body, text = run_on_restored_tree()
    print(text.splitlines()[-1])
    known = help_flags()
    bad = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if (line.startswith("EXTRA") and line.split()[1].rstrip(":") not in NEWER_THAN_OUTPUT
                or line.startswith("line ")):
            bad.append(line)
        if not line.startswith("DIFF"):
            i += 1
            continue
        fam = line.split()[1].rstrip(":")
        details = []
        i += 1
        while i < len(lines) and lines[i].startswith("  "):
            details.append(lines[i].strip())
            i += 1
        absent = [d for d in details if fam == "node_scrape_collector_success" and
                  re.match(r"missing +node_scrape_collector_success\{'collector': '(\w+)'\}", d)
                  and "collector." + d.split("'")[3] not in known]
        if len(absent) != len(details):
            bad.append(line)
            bad.extend("  " + d for d in details if d not in absent)
    check(not bad, "families that differ from node_exporter's:\n" + "\n".join(bad))
    ex = parse_exposition(body)
    check(ex.samples.get(("node_watchdog_info", (("identity", ""), ("name", "watchdog1"),
          ("options", ""), ("pretimeout_governor", ""), ("state", ""), ("status", "")))) == 1,
          "the restored watchdog1 is not reported")
    backing = sorted(dict(labels)["backing_device"] for (name, labels) in ex.samples
                     if name == "node_disk_device_mapper_backing_device_info")
    check(backing == ["sdi", "sdj", "sdk", "sdl"], "dm-5's backing devices: %r" % backing)


if __name__ == "__main__":
    if not os.access(TOOL, os.X_OK):
        print("test_fixture_host: %s is missing; nothing to compare" % TOOL)
        sys.exit(0)
    main([test_every_family_matches])
