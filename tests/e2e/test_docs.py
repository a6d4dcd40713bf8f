#!/usr/bin/env python3
"""test_docs: every flag plumb accepts is documented, and README's collector table is
the one `plumb --help` implies (scripts/docs-tables.py regenerates it)."""
import glob, os, re, subprocess, sys

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.chdir(root)
plumb = os.environ.get("PLUMB_BIN", "build/plumb")
helptext = subprocess.run([plumb, "--help"], capture_output=True, text=True, check=True).stdout
flags = sorted(set(f.rstrip(".") for f in re.findall(r"--(?:\[no-\])?([a-z][a-z0-9_.\-]*)", helptext)))
docs = open("README.md").read() + "".join(open(f).read() for f in glob.glob("docs/**/*.md", recursive=True))
undocumented = [f for f in flags if f not in ("help", "version") and f not in docs
                and not re.fullmatch(r"collector\.[a-z_0-9]+", f)]
# --collector.NAME flags are documented by the collector table's rows
names = re.findall(r"--\[no-\]collector\.([a-z_0-9]+)\s+Enable the", helptext)
missing_rows = [n for n in names if "| [%s](" % n not in docs and "| %s |" % n not in docs]
bad = False
if undocumented:
    print("flags in --help that no doc mentions:", " ".join(undocumented)); bad = True
if missing_rows:
    print("collectors missing from README's table:", " ".join(missing_rows)); bad = True
r = subprocess.run([sys.executable, "scripts/docs-tables.py", plumb, "--check"])
if r.returncode != 0:
    bad = True
print("checked %d flags, %d collectors" % (len(flags), len(names)))
sys.exit(1 if bad else 0)
