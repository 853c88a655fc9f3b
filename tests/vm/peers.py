#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The VM tier's peer table: one Markdown table per scenario from the guest's PEER rows.

Usage: peers.py PEERS.jsonl > VM-PEERS.md   (tests/vm/test-vm.sh; the rows come from
tests/vm/guest/measure.sh, one JSON object a line)."""

import json
import sys

TITLES = {
    "runaway": "runaway: grower in a slice with MemoryMax=300M, MemorySwapMax=100M, swap file on a virtio disk",
    "stuck": "stuck victim: 200 MB process in D state (read on a suspended dm device), grower, MemoryMax=480M, no swap",
    "thrash": "thrash: 400 MB touched at random in a slice with MemoryMax=200M, zram swap",
    "desktop": "desktop: user@1000.service (MemoryMax=400M, zram) with app-*.scope apps, a grower in the terminal",
}


def ms(v, unit="s"):
    if v is None or v < 0:
        return "never"
    return f"{v / 1000:.1f} s" if unit == "s" else f"{v} ms"


def main(argv):
    rows = [json.loads(l) for l in open(argv[1]) if l.strip()]
    order = []
    for r in rows:
        if r["scenario"] not in order:
            order.append(r["scenario"])
    for s in order:
        print(f"### {TITLES.get(s, s)}\n")
        print("| killer | what died | units at the end | kill after | memory back after the kill "
              "| stall some / full | kernel OOM kills | the killer said |")
        print("|---|---|---|---|---|---|---|---|")
        for r in (r for r in rows if r["scenario"] == s):
            back = "n/a" if r["kill_ms"] < 0 else ms(r["back_ms"], "ms")
            if r["kill_ms"] >= 0 and r["back_ms"] == 0:
                back = "at the same sample"
            if r["kill_ms"] >= 0 and r["back_ms"] < 0:
                back = "not within 5 s"
            kill = ms(r["kill_ms"]) if r["kill_ms"] >= 0 else f"none in {r['max_s']} s"
            note = r.get("note", "").replace("|", "\\|")
            print(f"| {r['killer']} | {r['died']} | {r['units']} | {kill} | {back} "
                  f"| {r['some_ms']} / {r['full_ms']} ms | {r['kernel_oom_kills']} | {note} |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
