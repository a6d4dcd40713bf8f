#!/usr/bin/env python3
"""test_harness: the test helpers themselves, where a fault would hide plumb's.

- read_child_output (plumbtest.py, behind Plumb.log): a child keeps writing lines to
  its stderr file while the test reads that file again and again. Every read must
  begin with the child's first line and hold whole lines only, and the last read every
  line. Reading with seek and read instead moves the offset the child writes at: its
  next line lands over the start of the file and the read begins after it (the way a
  clean-clone run once saw plumb's log begin mid-line).
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import check, main, read_child_output  # noqa: E402

LINES = 20000


def test_reading_a_live_childs_log_loses_nothing():
    script = 'echo first >&2; i=0; while [ $i -lt %d ]; do echo "line $i" >&2; i=$((i+1)); done' % LINES
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(["sh", "-c", script], stderr=err)
        reads = 0
        while child.poll() is None:
            text = read_child_output(err)
            reads += 1
            check(text == "" or text.startswith("first\n"),
                  "read %d does not begin with the first line: %r" % (reads, text[:60]))
        child.wait()
        lines = read_child_output(err).splitlines()
    check(reads > 0, "the child ended before a single read")
    check(lines == ["first"] + ["line %d" % i for i in range(LINES)],
          "the log holds %d lines, not %d, or not in order" % (len(lines), LINES + 1))
    print("%d reads while the child wrote, %d lines at the end" % (reads, len(lines)))


if __name__ == "__main__":
    main([test_reading_a_live_childs_log_loses_nothing])
