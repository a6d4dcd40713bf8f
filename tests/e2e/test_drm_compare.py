#!/usr/bin/env python3
"""test_drm_compare: plumb's drm collector against Debian's node_exporter 1.5 on sysfs trees
this test writes (the shared fixture host has no class/drm).

- amd: two amdgpu cards linked as a real sysfs links them (node_exporter does not follow
  the link files of a flattened copy; test_drm covers those), with hex, octal and missing attributes, plus entries node_exporter does
  not look at (card10, card0-DP-1, renderD128): both binaries give the same node_drm_*
  series with the same values, the same TYPEs, and success 1.
- other_driver: an i915 card0 beside the AMD card. node_exporter 1.5 lists it as vendor
  "amd" with zeros (procfs 0.8); plumb leaves it out, as node_exporter does since procfs
  0.20: the AMD card's series still match and only card0's differ.
- no_class: no /sys/class/drm: both report success 1 and no series.
- bad_number: a count that is not a number: plumb reports success 0, no node_drm_* series,
  and keeps serving (node_exporter 1.5 crashes on it, so it is not run there).

If node_exporter is not installed, the comparisons are skipped and plumb's side still runs.
"""
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

from plumbtest import Plumb, check, free_port, main, parse_exposition

NODE_EXPORTER = os.environ.get("NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
FLAGS = ["--collector.disable-defaults", "--collector.drm"]

AMD = {
    "uevent": "DRIVER=amdgpu\nPCI_CLASS=30000\nPCI_ID=1002:687F\n",
    "gpu_busy_percent": "4\n",
    "mem_info_gtt_total": "8573157376\n",
    "mem_info_gtt_used": "0x89dc000\n",
    "mem_info_vis_vram_total": "268435456\n",
    "mem_info_vis_vram_used": "010\n",
    "mem_info_vram_total": "8573157376\n",
    "mem_info_vram_used": "1490378752\n",
    "mem_info_vram_vendor": "samsung\n",
    "power_dpm_force_performance_level": "auto\n",
    "unique_id": "0123456789abcdef\n",
}


def put(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def write_tree(root, with_intel=False, bad=None):
    """amdgpu cards card2 and card5 (only some attributes), linked as in sysfs, entries that are not cards, and with_intel an i915 card0."""
    dev = "sys/devices/pci0000:00/0000:00:03.1/0000:09:00.0"
    for name, text in AMD.items():
        put(root, dev + "/" + name, text)
    if bad:
        put(root, dev + "/" + bad[0], bad[1])
    os.makedirs(os.path.join(root, dev, "drm", "card2"))
    os.symlink("../../../0000:09:00.0", os.path.join(root, dev, "drm", "card2", "device"))
    os.makedirs(os.path.join(root, "sys/class/drm"))
    os.symlink("../../devices/pci0000:00/0000:00:03.1/0000:09:00.0/drm/card2",
               os.path.join(root, "sys/class/drm/card2"))
    dev5 = "sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0"
    put(root, dev5 + "/uevent", "DRIVER=amdgpu\n")
    put(root, dev5 + "/mem_info_vram_total", "17163091968\n")
    put(root, dev5 + "/unique_id", "fedcba9876543210\n")
    os.makedirs(os.path.join(root, dev5, "drm", "card5"))
    os.symlink("../../../0000:41:00.0", os.path.join(root, dev5, "drm", "card5", "device"))
    os.symlink("../../devices/pci0000:40/0000:40:01.1/0000:41:00.0/drm/card5",
               os.path.join(root, "sys/class/drm/card5"))
    for other in ("card10", "card2-DP-1", "renderD128"):
        put(root, "sys/class/drm/%s/device/uevent" % other, "DRIVER=amdgpu\n")
    put(root, "sys/class/drm/version", "drm 1.1.0 20060810\n")
    if with_intel:
        put(root, "sys/class/drm/card0/device/uevent", "DRIVER=i915\nPCI_CLASS=30000\n")
        put(root, "sys/class/drm/card0/device/gpu_busy_percent", "7\n")


def plumb_scrape(sysfs):
    with Plumb(["--path.sysfs=" + sysfs] + FLAGS) as p:
        status, _, body = p.get()
        check(status == 200, "plumb answered %d" % status)
        return parse_exposition(body)


def ne_scrape(sysfs):
    """node_exporter's exposition on sysfs, or None when it is not installed."""
    if not os.access(NODE_EXPORTER, os.X_OK):
        print("SKIP comparison: %s is not installed" % NODE_EXPORTER)
        return None
    port = free_port()
    proc = subprocess.Popen([NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port,
                             "--path.sysfs=" + sysfs] + FLAGS,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
                    return parse_exposition(r.read())
            except OSError:
                check(proc.poll() is None and time.monotonic() < deadline,
                      "node_exporter did not answer")
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(20)


def drm(ex, cards=None):
    """{(name, labels): value} of the node_drm_* samples (of the given cards only)."""
    return {k: v for k, v in ex.samples.items() if k[0].startswith("node_drm_")
            and (cards is None or dict(k[1])["card"] in cards)}


def success(ex):
    return ex.value("node_scrape_collector_success", collector="drm")


def with_tree(fn, **kw):
    root = tempfile.mkdtemp(prefix="plumb-drm-")
    try:
        write_tree(root, **kw)
        fn(os.path.join(root, "sys"), root)
    finally:
        shutil.rmtree(root)


def amd():
    def body(sysfs, _root):
        pl = plumb_scrape(sysfs)
        got = drm(pl)
        check(len(got) == 16, "plumb gave %d node_drm_* series, want 16: %r" % (len(got), got))
        check(pl.value("node_drm_memory_gtt_used_bytes", card="card2") == 0x89dc000, "hex value")
        check(pl.value("node_drm_memory_vis_vram_used_bytes", card="card2") == 8, "octal value")
        check(pl.value("node_drm_gpu_busy_percent", card="card5") == 0, "missing attribute is 0")
        check(success(pl) == 1, "plumb drm success %r" % success(pl))
        ne = ne_scrape(sysfs)
        if ne is None:
            return
        check(drm(ne) == got, "series differ:\nnode_exporter %r\nplumb %r" % (drm(ne), got))
        for fam in {k[0] for k in got}:
            check(ne.types[fam] == pl.types[fam], "TYPE of %s differs" % fam)
        check(success(ne) == 1, "node_exporter drm success %r" % success(ne))
    with_tree(body)


def other_driver():
    def body(sysfs, _root):
        pl = plumb_scrape(sysfs)
        check(not drm(pl, {"card0"}), "plumb reports the i915 card: %r" % drm(pl, {"card0"}))
        ne = ne_scrape(sysfs)
        if ne is None:
            return
        check(drm(ne, {"card2", "card5"}) == drm(pl), "AMD cards' series differ")
        check(ne.value("node_drm_card_info", card="card0", memory_vendor="",
                       power_performance_level="", unique_id="", vendor="amd") == 1,
              "node_exporter 1.5 no longer lists the i915 card: update the docs")
    with_tree(body, with_intel=True)


def no_class():
    root = tempfile.mkdtemp(prefix="plumb-drm-")
    try:
        os.makedirs(os.path.join(root, "sys", "class"))
        sysfs = os.path.join(root, "sys")
        pl = plumb_scrape(sysfs)
        check(not drm(pl) and success(pl) == 1, "plumb without class/drm: %r %r" % (drm(pl), success(pl)))
        ne = ne_scrape(sysfs)
        if ne is not None:
            check(not drm(ne) and success(ne) == 1, "node_exporter without class/drm")
    finally:
        shutil.rmtree(root)


def bad_number():
    for text in ("busy\n", "", "-1\n", "18446744073709551616\n"):
        def body(sysfs, _root):
            pl = plumb_scrape(sysfs)
            check(success(pl) == 0 and not drm(pl),
                  "plumb with mem_info_vram_used %r: %r %r" % (text, success(pl), drm(pl)))
        with_tree(body, bad=("mem_info_vram_used", text))


if __name__ == "__main__":
    main([amd, other_driver, no_class, bad_number])
