"""test_lazy_libs: libcurl, libsnappy and libsystemd are mapped only when a feature needs them.

plumb does not link libcurl or libsnappy (src/lib/dynlib.h): remote write dlopen()s both
and the status webhook libcurl, at start-up and only when configured. Checked on the
running process's /proc/PID/maps:

- not_linked: plumb's ELF header names none of them (readelf -d NEEDED).
- default: a plumb without push flags maps none of libcurl, libsnappy, OpenSSL
  (libssl, libcrypto) or libstdc++ (snappy's C++ runtime).
- status_webhook: --push.status.url maps libcurl and its OpenSSL, not libsnappy.
- remote_write: --push.remote-write.url maps libcurl and libsnappy (with libstdc++).
  Both URLs point at a loopback port nothing listens on: only the mappings matter here;
  test_remote_write.py and test_health.py prove the loaded functions work.
- before_sandbox: the glibc loader's own trace (LD_DEBUG=files) shows both libraries
  loaded and initialised before plumb logs "sandbox entered", i.e. in push_init and
  health_open, before any thread starts or seccomp and Landlock apply.
- dbus_collectors: --collector.systemd and --collector.logind map libsystemd (loaded once
  for both, initialised before "sandbox entered"); a libsystemd.so.0 that is not a library,
  or lacks sd-bus's functions, leaves the collector out with one error line naming the
  library and the flag, and plumb serves the rest.
- setopt_types: the typed curl_easy_setopt/getinfo wrappers compile for options of
  their kind and refuse, at compile time, an option of another kind or a value of the
  wrong type (the checks the variadic call through a pointer would lose).
- missing: with LD_LIBRARY_PATH pointing at a folder whose libcurl.so.4 or
  libsnappy.so.1 is not a library, or a library without the functions plumb needs,
  plumb exits 1 at start-up with one error line naming the library and the flag, and
  no crash or sanitizer report.

Runs in about 1 s.
"""
import os
import re
import shutil
import subprocess
import tempfile

import plumbtest as pt
from plumbtest import check

OPENSSL = ("libssl.so", "libcrypto.so")


def mapped(pid):
    """The base names of the shared objects mapped into process pid."""
    names = set()
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[5].startswith("/"):
                names.add(os.path.basename(parts[5]))
    return names


def has(names, prefix):
    return any(n.startswith(prefix) for n in names)


def static_deps():
    """Base names of what plumb's dynamic loader maps at exec (ldd), e.g. a sanitizer
    runtime's own libstdc++."""
    out = subprocess.run(["ldd", pt.PLUMB], capture_output=True, text=True, check=True).stdout
    return {os.path.basename(m) for m in re.findall(r"=> (\S+)", out)}


def closed_port_url(path="/"):
    return "http://127.0.0.1:%d%s" % (pt.free_port(), path)


def test_not_linked():
    out = subprocess.run(["readelf", "-d", pt.PLUMB], capture_output=True, text=True,
                         check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    check(needed, "readelf found no NEEDED entries:\n" + out)
    for lib in ("libcurl", "libsnappy", "libssl", "libcrypto", "libstdc++", "libsystemd"):
        check(not any(n.startswith(lib) for n in needed),
              "plumb links %s: %s" % (lib, needed))


def test_default():
    static = static_deps()
    with pt.Plumb([]) as p:
        p.get()
        libs = mapped(p.pid)
    check(has(libs, "libmicrohttpd"), "maps parse wrong, no libmicrohttpd in %s" % libs)
    for lib in ("libcurl.so", "libsnappy.so", "libsystemd.so") + OPENSSL:
        check(not has(libs, lib), "a default plumb maps %s: %s" % (lib, sorted(libs)))
    # under ASan, UBSan's runtime brings libstdc++ itself
    if "libstdc++.so.6" not in static:
        check(not has(libs, "libstdc++"), "a default plumb maps libstdc++: %s" % sorted(libs))


def test_status_webhook():
    static = static_deps()
    with pt.Plumb(["--push.status.url=" + closed_port_url("/hook")]) as p:
        p.get()
        libs = mapped(p.pid)
    check(has(libs, "libcurl.so.4"), "no libcurl with --push.status.url: %s" % sorted(libs))
    for lib in OPENSSL:
        check(has(libs, lib), "libcurl's %s not mapped: %s" % (lib, sorted(libs)))
    check(not has(libs, "libsnappy"), "the webhook alone maps libsnappy: %s" % sorted(libs))
    if "libstdc++.so.6" not in static:
        check(not has(libs, "libstdc++"), "the webhook alone maps libstdc++: %s" % sorted(libs))


def test_remote_write():
    queue = tempfile.mkdtemp(prefix="plumb-lazy-")
    try:
        with pt.Plumb(["--push.remote-write.url=" + closed_port_url("/api/v1/write"),
                       "--push.queue.dir=" + queue, "--no-health.enabled"]) as p:
            p.get()
            libs = mapped(p.pid)
        for lib in ("libcurl.so.4", "libsnappy.so.1", "libstdc++.so.6") + OPENSSL:
            check(has(libs, lib), "%s not mapped with remote write: %s" % (lib, sorted(libs)))
    finally:
        shutil.rmtree(queue)


def test_before_sandbox():
    """Both libraries are loaded and initialised before the sandbox is entered."""
    queue = tempfile.mkdtemp(prefix="plumb-lazy-")
    env = dict(os.environ, LD_DEBUG="files")
    try:
        with pt.Plumb(["--push.remote-write.url=" + closed_port_url("/api/v1/write"),
                       "--push.status.url=" + closed_port_url("/hook"),
                       "--push.queue.dir=" + queue], env=env) as p:
            p.get()
            log = p.log()
    finally:
        shutil.rmtree(queue)
    lines = log.splitlines()

    def first(pattern):
        for i, line in enumerate(lines):
            if re.search(pattern, line):
                return i
        raise pt.TestFailure("no line matches %r in:\n%s" % (pattern, log[-4000:]))

    sandbox = first(r'msg="sandbox entered"')
    for lib in ("libcurl.so.4", "libsnappy.so.1"):
        check(first(r"calling init: \S*/" + re.escape(lib)) < sandbox,
              "%s initialised after the sandbox was entered:\n%s" % (lib, log[-4000:]))
    # the webhook and remote write share one load of libcurl
    check(len([l for l in lines if re.search(r"\sfile=libcurl\.so\.4 .*dynamically loaded", l)]) == 1,
          "libcurl.so.4 looked up more than once:\n" + log[-4000:])


def test_dbus_collectors():
    """libsystemd is mapped with either D-Bus collector, loaded once and initialised before
    the sandbox; a broken one leaves the collector out and plumb running."""
    env = dict(os.environ, LD_DEBUG="files",
               DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/plumb-lazy/bus")
    with pt.Plumb(["--collector.systemd", "--collector.logind"], env=env) as p:
        p.get()
        libs = mapped(p.pid)
        log = p.log()
    check(has(libs, "libsystemd.so.0"), "no libsystemd with the D-Bus collectors: %s"
          % sorted(libs))
    lines = log.splitlines()
    sandbox = [i for i, l in enumerate(lines) if 'msg="sandbox entered"' in l]
    init = [i for i, l in enumerate(lines) if re.search(r"calling init: \S*/libsystemd\.so\.0", l)]
    check(sandbox and init and init[0] < sandbox[0],
          "libsystemd not initialised before the sandbox:\n" + log[-4000:])
    check(len([l for l in lines if re.search(r"\sfile=libsystemd\.so\.0 .*dynamically loaded",
                                              l)]) == 1,
          "libsystemd.so.0 looked up more than once:\n" + log[-4000:])
    if not shutil.which("cc"):
        return
    for flag in ("--collector.systemd", "--collector.logind"):
        for kind in ("garbage", "empty"):
            folder = tempfile.mkdtemp(prefix="plumb-lazy-")
            try:
                fake_libs(folder, "libsystemd.so.0", kind)
                env = dict(os.environ, LD_LIBRARY_PATH=folder)
                with pt.Plumb(["--collector.disable-defaults", "--collector.loadavg", flag],
                              env=env) as p:
                    status, _, body = p.get()
                    log = p.log()
            finally:
                shutil.rmtree(folder)
            what = "%s with a %s libsystemd.so.0" % (flag, kind)
            ex = pt.parse_exposition(body)
            check(ex.value("node_scrape_collector_success", collector="loadavg") == 1,
                  "%s: plumb does not serve the rest" % what)
            check(ex.value("node_scrape_collector_success", collector=flag[12:]) is None,
                  "%s: the collector was not left out" % what)
            errors = [l for l in log.splitlines() if "level=error" in l and "library=" in l]
            check(len(errors) == 1 and "library=libsystemd.so.0" in errors[0]
                  and "flag=" + flag in errors[0],
                  "%s: not one error line naming library and flag:\n%s" % (what, log))
            if kind == "empty":
                check("function=sd_bus_" in errors[0],
                      "%s: the missing function is not named: %s" % (what, errors[0]))


def test_setopt_types():
    if not shutil.which("cc"):
        pt.skip("no C compiler")
    good = ["dyn_setopt_long(c, CURLOPT_TIMEOUT_MS, 5L)", "dyn_setopt_ptr(c, CURLOPT_URL, \"u\")",
            "dyn_setopt_off(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)1)",
            "dyn_getinfo_long(c, CURLINFO_RESPONSE_CODE, &v)"]
    bad = ["dyn_setopt_long(c, CURLOPT_URL, 1L)", "dyn_setopt_ptr(c, CURLOPT_TIMEOUT_MS, \"x\")",
           "dyn_setopt_off(c, CURLOPT_POST, 1)", "dyn_setopt_ptr(c, CURLOPT_WRITEFUNCTION, &v)",
           "dyn_getinfo_long(c, CURLINFO_EFFECTIVE_URL, &v)",
           "dyn_setopt_long(c, CURLOPT_NOSIGNAL, \"1\")"]
    folder = tempfile.mkdtemp(prefix="plumb-lazy-")
    try:
        def compiles(call):
            src = os.path.join(folder, "use.c")
            with open(src, "w") as f:
                f.write('#include "lib/dynlib.h"\nint use(CURL *c);\n'
                        "int use(CURL *c)\n{\n\tlong v = 0;\n\treturn (int)%s + (int)v;\n}\n" % call)
            r = subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                                "-I" + os.path.join(pt.ROOT, "src"), src],
                               capture_output=True, text=True)
            return r.returncode == 0, r.stderr
        for call in good:
            ok, err = compiles(call)
            check(ok, "%s does not compile:\n%s" % (call, err))
        for call in bad:
            ok, _ = compiles(call)
            check(not ok, "%s compiles: the option's kind is not checked" % call)
    finally:
        shutil.rmtree(folder)


def fake_libs(folder, soname, kind):
    """A folder holding soname as kind: "garbage" (not ELF) or "empty" (a real shared
    library with none of the expected functions)."""
    path = os.path.join(folder, soname)
    if kind == "garbage":
        with open(path, "w") as f:
            f.write("this is not a shared library\n")
        return
    src = os.path.join(folder, "empty.c")
    with open(src, "w") as f:
        f.write("int plumb_test_nothing_here;\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", path, src], check=True)


def test_missing():
    if not shutil.which("cc"):
        pt.skip("no C compiler to build an empty library")
    cases = [("--push.status.url", "libcurl.so.4"),
             ("--push.remote-write.url", "libcurl.so.4"),
             ("--push.remote-write.url", "libsnappy.so.1")]
    for flag, soname in cases:
        for kind in ("garbage", "empty"):
            folder = tempfile.mkdtemp(prefix="plumb-lazy-")
            try:
                fake_libs(folder, soname, kind)
                env = dict(os.environ, LD_LIBRARY_PATH=folder)
                r = pt.run(pt.runtime_args([]) + [
                    "--web.listen-address=127.0.0.1:%d" % pt.free_port(),
                    "--push.queue.dir=" + os.path.join(folder, "queue"),
                    "%s=%s" % (flag, closed_port_url())], env=env)
            finally:
                shutil.rmtree(folder)
            what = "%s with a %s %s" % (flag, kind, soname)
            check(r.returncode == 1, "%s: exit %d; log:\n%s" % (what, r.returncode, r.stderr))
            errors = [l for l in r.stderr.splitlines() if "level=error" in l]
            check(len(errors) == 1, "%s: not one error line:\n%s" % (what, r.stderr))
            check("library=" + soname in errors[0] and "flag=" + flag in errors[0],
                  "%s: the error names neither library nor flag: %s" % (what, errors[0]))
            if kind == "empty":
                check(re.search(r"function=(curl|snappy)_\w+", errors[0]),
                      "%s: the error does not name the missing function: %s"
                      % (what, errors[0]))
            for marker in pt.SANITIZER_MARKERS:
                check(marker not in r.stderr, "%s: sanitizer report:\n%s" % (what, r.stderr))


if __name__ == "__main__":
    pt.main([test_not_linked, test_default, test_status_webhook, test_remote_write,
             test_before_sandbox, test_dbus_collectors, test_setopt_types, test_missing])
