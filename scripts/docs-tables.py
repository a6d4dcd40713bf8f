#!/usr/bin/env python3
"""docs-tables: regenerate README.md's collector table from `plumb --help`.

  scripts/docs-tables.py build/plumb          rewrite README.md in place
  scripts/docs-tables.py build/plumb --check  exit 1 if README.md is out of date

The table sits between the lines "<!-- collectors -->" and "<!-- /collectors -->".
Each row: the collector, whether it is on by default, what it reads (from the
collector's own description), its flags, and a link to docs/collectors/NAME.md.
"""
import os, re, subprocess, sys

def help_lines(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()

def table(binary):
    lines = help_lines(binary)
    collectors, flags = [], {}
    for l in lines:
        m = re.match(r"\s+--\[no-\]collector\.([a-z_0-9]+)\s+Enable the \1 collector "
                     r"\(default: (enabled|disabled)\)\. Reads (.*)\.$", l)
        if m:
            collectors.append((m.group(1), m.group(2), m.group(3)))
            continue
        m = re.match(r"\s+--(?:\[no-\])?collector\.([a-z_0-9]+)\.([^\s=]+)", l)
        if m:
            flags.setdefault(m.group(1), []).append("collector.%s.%s" % (m.group(1), m.group(2)))
    # a flag group named after a collector plus a suffix (netclass_rtnl.with-stats) is
    # that collector's
    names = [c[0] for c in collectors]
    for group in list(flags):
        if group not in names:
            owner = max((n for n in names if group.startswith(n + "_")), key=len, default=None)
            if owner:
                flags.setdefault(owner, []).extend(flags.pop(group))
    rows = ["| collector | default | reads | flags |", "|---|---|---|---|"]
    for name, default, reads in collectors:
        doc = "docs/collectors/%s.md" % name
        link = "[%s](%s)" % (name, doc) if os.path.exists(doc) else name
        fl = ", ".join("`--%s`" % f for f in flags.get(name, [])) or "none"
        rows.append("| %s | %s | %s | %s |" % (link, "on" if default == "enabled" else "off",
                                            reads.replace("|", "\\|"), fl))
    return "\n".join(rows)

def main(argv):
    if not argv:
        print(__doc__.strip()); return 2
    readme = open("README.md").read()
    new = re.sub(r"(<!-- collectors -->\n).*?(<!-- /collectors -->)",
                 lambda m: m.group(1) + table(argv[0]) + "\n" + m.group(2), readme, flags=re.S)
    if "--check" in argv:
        if new != readme:
            print("README.md's collector table is out of date: run scripts/docs-tables.py %s" % argv[0])
            return 1
        return 0
    open("README.md", "w").write(new)
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
