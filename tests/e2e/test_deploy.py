"""test_deploy: the deployment files in deploy/ say what the issue requires of them.

- deploy/systemd/plumb.service: a dynamic (or dedicated) user, NoNewPrivileges,
  ProtectSystem=strict, ProtectHome, an empty CapabilityBoundingSet,
  SystemCallFilter=@system-service and MemoryDenyWriteExecute; it requires
  plumb.socket and serves on its socket (--web.systemd-socket), which listens on one
  stream address without Accept (tests/e2e/test_systemd_socket.py runs the pair under
  systemd-socket-activate); `systemd-analyze verify` accepts both units (with ExecStart
  pointed at the built binary, which must exist), and
  `systemd-analyze security --offline=true` rates it at most 2.0, the figure README's
  Deployment section reports; plumb knows every flag ExecStart gives. The systemd
  checks are skipped where systemd-analyze is missing.
- deploy/kubernetes/daemonset.yaml (python3-yaml): runAsNonRoot, readOnlyRootFilesystem,
  every capability dropped, seccompProfile RuntimeDefault, no privilege escalation,
  hostPID, read-only hostPath mounts of /proc, /sys and / that the --path.* flags
  point at, and resource requests and limits; every flag in args is one plumb knows
  (or, commented out, belongs to a part not built in).
Runs in under a second; needs no root.
"""
import os
import re
import shutil
import subprocess
import tempfile

from plumbtest import PLUMB, ROOT, check, help_flags, main

UNIT = os.path.join(ROOT, "deploy", "systemd", "plumb.service")
SOCKET_UNIT = os.path.join(ROOT, "deploy", "systemd", "plumb.socket")
DAEMONSET = os.path.join(ROOT, "deploy", "kubernetes", "daemonset.yaml")
MAX_EXPOSURE = 2.0


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
    check(s.get("DynamicUser") == ["yes"] or "User" in s, "no dynamic or dedicated user")
    check(s.get("User", ["x"])[-1] not in ("root", "0"), "runs as root")
    for key, want in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                      ("ProtectHome", "yes"), ("MemoryDenyWriteExecute", "yes"),
                      ("CapabilityBoundingSet", "")):
        check(s.get(key, [None])[-1] == want, "%s is %r, want %r" % (key, s.get(key), want))
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
    check(psc.get("runAsNonRoot") is True, "pod runAsNonRoot not set")
    check(psc.get("runAsUser", 0) != 0, "pod runs as uid 0")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod seccomp profile")
    for c in pod["containers"]:
        sc = c["securityContext"]
        check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, "runAsNonRoot")
        check(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem not set")
        check(sc.get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
        check(not sc.get("privileged"), "privileged container")
        check(sc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities not all dropped")
        check(not sc.get("capabilities", {}).get("add"), "capabilities added")
        check(sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type") ==
              "RuntimeDefault", "container seccomp profile")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for what in ("cpu", "memory"):
                check(res.get(kind, {}).get(what), "no %s %s" % (what, kind))


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
    main([test_unit_keys, test_socket_unit_keys, test_unit_verifies, test_unit_security_score, test_daemonset_security,
          test_daemonset_resources_fit_the_benchmark, test_daemonset_host_mounts])
