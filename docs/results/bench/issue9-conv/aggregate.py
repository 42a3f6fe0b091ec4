#!/usr/bin/python3
"""Per-row medians over the rounds of run.sh: ours and PyTorch (best layout) forward+backward ms, GFLOP/s, the ratio
(PyTorch time / ours), its range over the rounds, and both as a share of the 2-thread FMA peak that
shared/bench/probe/peak_flops.c measured before and after each round (peaks.txt; the mean of the two medians).
Usage: aggregate.py RAWDIR"""
import glob
import json
import os
import re
import statistics
import sys

raw = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../../benchmarks/peer"))
from compare_conv import torch_rows  # noqa: E402


def ours_rows(path):
    """Rows of `mgiad bench conv`'s text table (run.sh keeps the text): key -> (fwd ms, f+b ms)."""
    rows = {}
    for line in open(path):
        m = re.match(r"(conv\dx\d) C=(\d+) (\d+)x\d+( s2)? (dense|dw|gs=\d+)\s+([\d.]+)\s+[\d.]+\s+([\d.]+)", line)
        if m:
            c = int(m.group(2))
            gs = c if m.group(5) == "dense" else 1 if m.group(5) == "dw" else int(m.group(5)[3:])
            rows[(m.group(1), c, int(m.group(3)), 2 if m.group(4) else 1, gs)] = (float(m.group(6)), float(m.group(7)))
    return rows

rounds = sorted(int(re.search(r"ours-(\d+)", p).group(1)) for p in glob.glob(os.path.join(raw, "ours-*.txt")))
ours = {r: ours_rows(os.path.join(raw, "ours-%d.txt" % r)) for r in rounds}
torch = {r: torch_rows(json.load(open(os.path.join(raw, "torch-%d.json" % r))), "torch-%d.json" % r) for r in rounds}
probes = {}
for line in open(os.path.join(raw, "peaks.txt")):
    m = re.match(r"round (\d+) .*median ([\d.]+)", line)
    if m:
        probes.setdefault(int(m.group(1)), []).append(float(m.group(2)))
peaks = {r: sum(v) / len(v) for r, v in probes.items() if r in rounds}
print("| problem (batch 128, 2 threads) | ours f+b ms | PyTorch f+b ms | ours GFLOP/s | PyTorch GFLOP/s | ours vs PyTorch (median) | range over rounds | ours % of peak | PyTorch % of peak |")
print("|---|---|---|---|---|---|---|---|---|")
for key in torch[rounds[0]]:
    if key not in ours[rounds[0]]:
        continue
    kind, c, hw, stride, gs = key
    flops = torch[rounds[0]][key][2]
    ob = [ours[r][key][1] for r in rounds]
    tb = [torch[r][key][1] for r in rounds]
    ratios = [t / o for t, o in zip(tb, ob)]
    share = [flops / o / 1e6 / peaks[r] for r, o in zip(rounds, ob) if r in peaks]
    tshare = [flops / t / 1e6 / peaks[r] for r, t in zip(rounds, tb) if r in peaks]
    label = "%s C=%d %dx%d%s %s" % (kind, c, hw, hw, " s2" if stride == 2 else "",
                                     "dense" if gs == c else "depthwise" if gs == 1 else "g_s=%d" % gs)
    mo, mt = statistics.median(ob), statistics.median(tb)
    print("| %s | %.2f | %.2f | %.0f | %.0f | %.2fx | %.2f-%.2fx | %s | %s |" % (
        label, mo, mt, flops / mo / 1e6, flops / mt / 1e6, statistics.median(ratios), min(ratios), max(ratios),
        "%.0f%%" % (100 * statistics.median(share)) if share else "-",
        "%.0f%%" % (100 * statistics.median(tshare)) if tshare else "-"))
