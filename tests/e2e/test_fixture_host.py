#!/usr/bin/env python3
"""test_fixture_host: plumb against node_exporter's fixture host, through expo-diff.

Every family plumb emits must match node_exporter's output series for series. The one
family allowed to differ is node_scrape_collector_success, and only by missing series:
node_exporter lists collectors plumb does not have; for the ones plumb has, the series
must be there with value 1. Series the shared copy of the tree cannot produce (it lost
node_exporter's empty directories) are excused by name, while they are missing, and so
are series whose one difference is a path label made from --path.sysfs, which
node_exporter's run gave as a relative path.
"""
import os, re, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
tool = os.path.join(root, "..", "shared", "tools", "expo-diff")
plumb = os.environ.get("PLUMB_BIN", os.path.join(root, "build", "plumb"))

fixtures = os.path.join(root, "..", "shared", "fixtures", "node_exporter")
# Series node_exporter's tree has that the shared copy cannot give: unpacking sys.ttar
# lost its empty directories, among them the attribute-less watchdog
# sys/class/watchdog/watchdog1, whose info series plumb reports as node_exporter does
# (tests/unit/test_watchdog.c makes the directory and checks), and the multipath maps'
# paths, the empty links sys/block/dm-{5,6}/slaves/sd* (tests/unit/test_dmmultipath.c
# makes them and checks every series). Excused only while the directory is missing, by
# the exact lines expo-diff prints.
MPATH_A = "{'device': 'mpathA', 'sysfs_name': 'dm-5'}"
MPATH_B = "{'device': 'mpathB', 'sysfs_name': 'dm-6'}"
LOST_WITH_EMPTY_DIRS = {
    "sys/class/watchdog/watchdog1": [
        "missing  node_watchdog_info{'identity': '', 'name': 'watchdog1', 'options': '', "
        "'pretimeout_governor': '', 'state': '', 'status': ''} 1.0"],
    "sys/block/dm-5/slaves": [
        "value    node_dmmultipath_device_paths" + MPATH_A + " = 0.0, expected 4.0",
        "value    node_dmmultipath_device_paths_active" + MPATH_A + " = 0.0, expected 3.0",
        "value    node_dmmultipath_device_paths_failed" + MPATH_A + " = 0.0, expected 1.0"],
    "sys/block/dm-6/slaves": [
        "value    node_dmmultipath_device_paths" + MPATH_B + " = 0.0, expected 2.0",
        "value    node_dmmultipath_device_paths_active" + MPATH_B + " = 0.0, expected 2.0"],
}
excused = {line for d, lines in LOST_WITH_EMPTY_DIRS.items()
           if not os.path.isdir(os.path.join(fixtures, d)) for line in lines}

# Labels that hold a path beneath --path.sysfs (rapl's path) carry node_exporter's
# relative --path.sysfs=collector/fixtures/sys, and ours the absolute path expo-diff
# passes. A series missing so is excused when the very same series, with the absolute
# path and the same value, is there instead (tests/unit/test_rapl.c checks the relative
# form byte for byte).
REL_SYSFS = "'collector/fixtures/sys/"
ABS_SYSFS = "'" + os.path.abspath(fixtures) + "/sys/"


def path_only(details):
    """Whether details pair each missing series with the same one at the absolute path."""
    missing = sorted(d.strip()[len("missing"):].strip() for d in details
                     if d.strip().startswith("missing") and REL_SYSFS in d)
    unexpected = sorted(d.strip()[len("unexpected"):].strip() for d in details
                        if d.strip().startswith("unexpected"))
    return (bool(missing) and len(missing) + len(unexpected) == len(details) and
            [m.replace(REL_SYSFS, ABS_SYSFS) for m in missing] == unexpected)


out = subprocess.run([tool, "--run", plumb, "-v"], capture_output=True, text=True, timeout=120)
text = out.stdout + out.stderr
print(text)
bad = []
lines = text.splitlines()
i = 0
while i < len(lines):
    l = lines[i]
    if l.startswith("EXTRA") or l.startswith("line "):
        bad.append(l)
    if l.startswith("DIFF"):
        fam = l.split()[1].rstrip(":")
        details = []
        i += 1
        while i < len(lines) and lines[i].startswith("  "):
            details.append(lines[i]); i += 1
        allowed = (fam == "node_scrape_collector_success" and all(
            d.strip().startswith("missing") for d in details)) or (
            details and all(d.strip() in excused for d in details)) or path_only(details)
        if not allowed:
            bad.append(l); bad.extend(details)
        continue
    i += 1
if out.returncode not in (0, 1) or bad:
    print("FAILED: families that differ from node_exporter's:\n" + "\n".join(bad))
    sys.exit(1)
m = re.search(r"series reproduced: (\d+) of (\d+)", text)
print("ok:", m.group(0) if m else "")
