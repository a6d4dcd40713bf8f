"""test_deploy: the deployment files in deploy/ say what the issue requires of them.

- deploy/systemd/plumb.service: started as root with exactly CAP_DAC_READ_SEARCH,
  CAP_SETUID, CAP_SETGID, CAP_SETPCAP and CAP_CHOWN in its bounding set and none ambient
  (plumb started by setpriv with that bounding set, as root, does start its broker, read
  /proc/slabinfo through it, hand the queue folder to nobody and serve as nobody with no
  capability: that part needs root), NoNewPrivileges, ProtectSystem=strict, ProtectHome,
  SystemCallFilter=@system-service and MemoryDenyWriteExecute; it requires
  plumb.socket and serves on its socket (--web.systemd-socket), which listens on one
  stream address without Accept (tests/e2e/test_systemd_socket.py runs the pair under
  systemd-socket-activate); `systemd-analyze verify` accepts both units (with ExecStart
  pointed at the built binary, which must exist), and
  `systemd-analyze security --offline=true` rates it at most 3.0, the figure README's
  Deployment section reports; plumb knows every flag ExecStart gives. The systemd
  checks are skipped where systemd-analyze is missing.
- deploy/kubernetes/daemonset.yaml (python3-yaml): runs as root with every capability
  dropped but the same five, readOnlyRootFilesystem, seccompProfile RuntimeDefault, no
  privilege escalation,
  hostPID, read-only hostPath mounts of /proc, /sys and / that the --path.* flags
  point at, and resource requests and limits; every flag in args is one plumb knows
  (or, commented out, belongs to a part not built in).
Runs in about 3 seconds.
"""
import os
import pwd
import re
import shutil
import subprocess
import tempfile

from plumbtest import PLUMB, ROOT, Plumb, check, help_flags, main, parse_exposition

UNIT = os.path.join(ROOT, "deploy", "systemd", "plumb.service")
SOCKET_UNIT = os.path.join(ROOT, "deploy", "systemd", "plumb.socket")
DAEMONSET = os.path.join(ROOT, "deploy", "kubernetes", "daemonset.yaml")
MAX_EXPOSURE = 3.0
# What plumb's start-up needs (docs/sandbox.md); the unit and the DaemonSet grant these.
START_CAPS = ["CAP_CHOWN", "CAP_DAC_READ_SEARCH", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID"]


def unit_settings(path=UNIT, want="[Service]"):
    """{key: [values in order]} of one section (want) of a unit file."""
    out, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line
                continue
            if section == want:
                k, _, v = line.partition("=")
                out.setdefault(k.strip(), []).append(v.strip())
    return out


def test_unit_keys():
    s = unit_settings()
    check(s.get("User", ["root"])[-1] in ("root", "0") and "DynamicUser" not in s,
          "not started as root: plumb cannot fork its broker")
    for key, want in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                      ("ProtectHome", "yes"), ("MemoryDenyWriteExecute", "yes")):
        check(s.get(key, [None])[-1] == want, "%s is %r, want %r" % (key, s.get(key), want))
    caps = sorted(s.get("CapabilityBoundingSet", [""])[-1].split())
    check(caps == START_CAPS, "CapabilityBoundingSet is %r, want %r" % (caps, START_CAPS))
    check("@system-service" in s.get("SystemCallFilter", []),
          "SystemCallFilter lacks @system-service: %r" % s.get("SystemCallFilter"))
    check(s.get("AmbientCapabilities", [""])[-1] == "", "ambient capabilities granted")
    known = help_flags()
    for a in s["ExecStart"][-1].split()[1:]:
        check(a[2:].split("=", 1)[0] in known, "plumb does not know the flag in ExecStart: " + a)


def test_socket_unit_keys():
    """The service takes its socket from plumb.socket: it requires the socket unit and
    passes --web.systemd-socket; the socket unit listens on a stream socket that plumb
    accepts on itself (Accept=no)."""
    s, unit = unit_settings(), unit_settings(want="[Unit]")
    check("--web.systemd-socket" in s["ExecStart"][-1].split(),
          "ExecStart lacks --web.systemd-socket: %r" % s["ExecStart"])
    check(not any(a.startswith("--web.listen-address") for a in s["ExecStart"][-1].split()),
          "ExecStart names a listen address as well as the socket")
    check("plumb.socket" in " ".join(unit.get("Requires", [])).split(),
          "plumb.service does not require plumb.socket")
    sock = unit_settings(SOCKET_UNIT, "[Socket]")
    check(sock.get("ListenStream"), "plumb.socket has no ListenStream")
    check(sock.get("Accept", ["no"])[-1] in ("no", "false"), "plumb.socket sets Accept=yes")
    check(not any(k.startswith("Listen") and k != "ListenStream" for k in sock),
          "plumb.socket listens on something other than stream sockets: %s" % sorted(sock))
    install = unit_settings(SOCKET_UNIT, "[Install]")
    check(install.get("WantedBy") == ["sockets.target"], "plumb.socket is not wanted by sockets.target")


def systemd_analyze():
    return shutil.which("systemd-analyze")


def test_unit_verifies():
    if not systemd_analyze():
        print("SKIP test_unit_verifies: no systemd-analyze")
        return
    check(os.access(PLUMB, os.X_OK), "no plumb binary at " + PLUMB)
    with tempfile.TemporaryDirectory(prefix="plumb-unit-") as d:
        paths = []
        for unit in (UNIT, SOCKET_UNIT):
            paths.append(os.path.join(d, os.path.basename(unit)))
            with open(unit) as f:
                text = f.read().replace("/usr/local/bin/plumb", os.path.abspath(PLUMB))
            with open(paths[-1], "w") as f:
                f.write(text)
        r = subprocess.run([systemd_analyze(), "verify"] + paths, capture_output=True,
                           text=True, timeout=60)
        check(r.returncode == 0, "systemd-analyze verify failed:\n" + r.stdout + r.stderr)
        # warnings about our units (unknown keys, bad values) name their files
        bad = [l for l in (r.stdout + r.stderr).splitlines() if "plumb.s" in l]
        check(not bad, "systemd-analyze verify complained:\n" + "\n".join(bad))


def test_unit_security_score():
    if not systemd_analyze():
        print("SKIP test_unit_security_score: no systemd-analyze")
        return
    r = subprocess.run([systemd_analyze(), "security", "--offline=true", "--no-pager", UNIT],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for plumb\.service: ([0-9.]+)", r.stdout)
    check(m, "no exposure level in:\n" + r.stdout + r.stderr)
    score = float(m.group(1))
    check(score <= MAX_EXPOSURE, "exposure %.1f above %.1f" % (score, MAX_EXPOSURE))
    with open(os.path.join(ROOT, "README.md")) as f:
        check("exposure level %.1f" % score in f.read(),
              "README does not report the current exposure level %.1f" % score)


def daemonset():
    import yaml
    with open(DAEMONSET) as f:
        return yaml.safe_load(f)


def test_daemonset_security():
    ds = daemonset()
    check(ds["kind"] == "DaemonSet", "not a DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    check(pod.get("hostPID") is True, "hostPID is not set")
    psc = pod.get("securityContext", {})
    check(psc.get("runAsUser") == 0, "pod does not start as root: no broker")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod seccomp profile")
    for c in pod["containers"]:
        sc = c["securityContext"]
        check(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem not set")
        check(sc.get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
        check(not sc.get("privileged"), "privileged container")
        check(sc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities not all dropped")
        added = sorted("CAP_" + c for c in sc.get("capabilities", {}).get("add", []))
        check(added == START_CAPS, "capabilities added: %r, want %r" % (added, START_CAPS))
        check(sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type") ==
              "RuntimeDefault", "container seccomp profile")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for what in ("cpu", "memory"):
                check(res.get(kind, {}).get(what), "no %s %s" % (what, kind))


def test_unit_capabilities_suffice():
    """plumb started as root by setpriv with the unit's bounding set (and nothing
    inheritable or ambient) does all its start-up work and ends unprivileged."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("SKIP test_unit_capabilities_suffice: needs root and setpriv")
        return
    caps = unit_settings()["CapabilityBoundingSet"][-1].split()
    bset = "-all," + ",".join("+" + c[4:].lower() for c in caps)
    base = tempfile.mkdtemp(prefix="plumb-deploy-")
    try:
        os.chmod(base, 0o755)
        queue = os.path.join(base, "queue")
        args = ["--runtime.user=nobody", "--collector.slabinfo", "--push.queue.dir=" + queue,
                "--push.remote-write.url=http://127.0.0.1:9/api/v1/write"]
        with Plumb(args, wrapper=["setpriv", "--bounding-set=" + bset, "--inh-caps=-all",
                                  "--ambient-caps=-all", "--"]) as p:
            code, _, body = p.get()
            check(code == 200, "GET /metrics answered %d" % code)
            ex = parse_exposition(body.decode())
            for name, labels in (("plumb_runtime_broker_up", ()),
                                 ("node_scrape_collector_success",
                                  (("collector", "slabinfo"),))):
                check(ex.samples.get((name, labels)) == 1, "%s%r is not 1: %s"
                      % (name, labels, p.log()[-2000:]))
            with open("/proc/%d/status" % p.proc.pid) as f:
                st = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
            nobody = pwd.getpwnam("nobody")
            check(st["Uid"].split() == [str(nobody.pw_uid)] * 4, "runs as " + st["Uid"])
            check(int(st["CapEff"], 16) == 0 and int(st["CapBnd"], 16) == 0,
                  "capabilities left: CapEff %s CapBnd %s" % (st["CapEff"], st["CapBnd"]))
            check(os.stat(queue).st_uid == nobody.pw_uid, "the queue folder is not nobody's")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def mebibytes(q):
    m = re.fullmatch(r"(\d+)(Mi|Gi)", q)
    check(m, "memory quantity %r not in Mi/Gi" % q)
    return int(m.group(1)) * (1024 if m.group(2) == "Gi" else 1)


def test_daemonset_resources_fit_the_benchmark():
    """The benchmark measures about 6 MiB resident: the memory request covers it and the
    limit leaves headroom over the request."""
    c = daemonset()["spec"]["template"]["spec"]["containers"][0]
    req, lim = (mebibytes(c["resources"][k]["memory"]) for k in ("requests", "limits"))
    check(req >= 8 and lim >= 2 * req, "memory request %d Mi, limit %d Mi" % (req, lim))


def test_daemonset_host_mounts():
    pod = daemonset()["spec"]["template"]["spec"]
    c = pod["containers"][0]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {}
    for m in c["volumeMounts"]:
        hp = volumes[m["name"]].get("hostPath")
        if hp:
            check(m.get("readOnly") is True, "hostPath %s mounted writable" % hp["path"])
            mounts[hp["path"]] = m["mountPath"]
    check(set(mounts) >= {"/proc", "/sys", "/"}, "hostPath mounts: %s" % sorted(mounts))
    args = c["args"]
    for flag, host in (("--path.procfs", "/proc"), ("--path.sysfs", "/sys"),
                       ("--path.rootfs", "/")):
        check("%s=%s" % (flag, mounts[host]) in args, "%s does not point at the %s mount"
              % (flag, host))
    known = help_flags()
    for a in args:
        name = a[2:].split("=", 1)[0]
        check(name in known, "plumb does not know the flag in args: " + a)


if __name__ == "__main__":
    main([test_unit_keys, test_socket_unit_keys, test_unit_verifies, test_unit_security_score,
          test_unit_capabilities_suffice, test_daemonset_security,
          test_daemonset_resources_fit_the_benchmark, test_daemonset_host_mounts])
