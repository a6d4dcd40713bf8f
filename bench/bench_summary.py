#!/usr/bin/env python3
"""bench_summary: one table of the ratios from bench.py --json files (make bench-big).

    python3 bench/bench_summary.py A.json B.json ...

Prints, per file, the host and collector set, the load average at start and end, plumb's
and node_exporter's CPU ms per scrape (the median block on the process clock) and Pss,
and the two ratios against the issue's targets (CPU <= 0.2, Pss <= 0.25); for a run made
with --alone, also the CPU ratio of each server scraped by itself back to back (warm) and
after idle (cold). Missing files are skipped. Python 3 standard library only.
"""
import json
import sys


def main(paths):
    print(f"\n{'run':24}{'load start':>18}{'plumb ms':>10}{'ne ms':>10}{'CPU ratio':>11}"
          f"{'plumb Pss':>11}{'ne Pss':>9}{'Pss ratio':>11}{'warm':>8}{'cold':>8}")
    for path in paths:
        try:
            with open(path) as f:
                j = json.load(f)
        except (OSError, ValueError):
            continue
        ref = j["targets"]["reference"]
        p, n = j["results"]["plumb"], j["results"][ref]
        mib = 1024.0 * 1024.0
        pp = p["memory_bytes"].get("Pss", 0) / mib
        np_ = n["memory_bytes"].get("Pss", 0) / mib
        cr, pr = j["targets"]["cpu_ratio"], j["targets"]["pss_ratio"]
        alone = ""
        for key in ("cpu_ms_per_scrape_alone", "cpu_ms_per_scrape_after_idle"):
            a, b = p.get(key), n.get(key)
            alone += f"{a / b:>8.3f}" if a is not None and b else f"{'':>8}"
        print(f"{j.get('host', 'live') + '/' + j.get('set', 'standard'):24}{j['load_start']:>18}"
              f"{p['cpu_ms_per_scrape_clock']:>10.2f}{n['cpu_ms_per_scrape_clock']:>10.2f}"
              f"{cr if cr is not None else float('nan'):>11.3f}{pp:>9.2f}Mi{np_:>7.2f}Mi"
              f"{pr if pr is not None else float('nan'):>11.3f}{alone}")
    print("targets: CPU ratio <= 0.2 (every run), Pss ratio <= 0.25 (generated/all); "
          "warm and cold (--alone) are diagnostics, not targets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
