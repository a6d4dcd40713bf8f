"""dbusfix: a private system bus for the D-Bus collectors' tests (systemd, logind).

SystemBus() starts Debian's dbus-daemon with a system-bus-like configuration (EXTERNAL
authentication, one socket in a fresh temporary folder, a policy that lets this user own
and call anything) and serves mock services on it with python-dbusmock and the templates
beside this file (mock_systemd.py, mock_logind.py), run by Debian's /usr/bin/python3, which
has python3-dbusmock. `env()` is an environment whose DBUS_SYSTEM_BUS_ADDRESS points at the
bus, for plumb and node_exporter alike. SilentBus() is a socket that accepts connections
and never answers, for the tests of a hung bus. Both are context managers that stop what
they started.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SYS_PYTHON = "/usr/bin/python3"
DBUS_DAEMON = "/usr/bin/dbus-daemon"

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def available():
    """Why the bus cannot be made here, or None."""
    if not os.access(DBUS_DAEMON, os.X_OK):
        return "dbus-daemon is not installed (package dbus)"
    r = subprocess.run([SYS_PYTHON, "-c", "import dbusmock, dbus, gi"], capture_output=True)
    if r.returncode != 0:
        return "python3-dbusmock (with python3-dbus, python3-gi) is not installed"
    return None


class SystemBus:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="plumb-bus-")
        self.socket = os.path.join(self.dir, "system_bus_socket")
        self.address = "unix:path=" + self.socket
        self.procs = []

    def env(self, base=None):
        e = dict(os.environ if base is None else base)
        e["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        return e

    def __enter__(self):
        conf = os.path.join(self.dir, "system.conf")
        with open(conf, "w") as f:
            f.write(CONFIG % self.socket)
        self.procs.append(subprocess.Popen([DBUS_DAEMON, "--config-file=" + conf, "--nofork",
                                            "--nopidfile"], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        deadline = time.monotonic() + 30
        while not os.path.exists(self.socket):
            if self.procs[0].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dbus-daemon did not start: %s"
                                   % self.procs[0].stderr.read().decode(errors="replace"))
            time.sleep(0.02)
        return self

    def serve(self, template, name, params):
        """Serve bus name from template (mock_systemd / mock_logind) with params (a dict)
        and wait until the name is owned."""
        p = subprocess.Popen([SYS_PYTHON, "-m", "dbusmock", "--system", "--template",
                              os.path.join(HERE, template + ".py"), "--parameters",
                              json.dumps(params)], env=self.env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(p)
        deadline = time.monotonic() + 30
        while True:
            r = subprocess.run(["dbus-send", "--system", "--print-reply",
                                "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus.NameHasOwner", "string:" + name],
                               env=self.env(), capture_output=True, text=True, timeout=30)
            if "boolean true" in r.stdout:
                return p
            if p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mock %s did not start: %s"
                                   % (template, p.stderr.read().decode(errors="replace")))
            time.sleep(0.05)

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


class SilentBus:
    """A listening UNIX socket that never accepts a connection or answers a byte."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="plumb-silent-")
        self.socket = os.path.join(self.dir, "system_bus_socket")
        self.address = "unix:path=" + self.socket
        self.sock = None

    def env(self, base=None):
        e = dict(os.environ if base is None else base)
        e["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        return e

    def __enter__(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.socket)
        self.sock.listen(64)
        return self

    def __exit__(self, *exc):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return False
