#!/usr/bin/python3
"""Side-by-side table of `mgiad bench conv` and the PyTorch peer (shared/bench/bench_conv.py --json).

Usage (one sitting, same machine):
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 ../shared/bench/bench_conv.py \
      --threads 2 --batch 128 --rounds 3 --budget 0.3 --json torch.json
  bin/mgiad bench conv --threads 2 --rounds 3 --budget 0.3 > ours.txt
  python3 benchmarks/peer/compare_conv.py ours.txt torch.json
PyTorch's time is its better layout (NCHW or channels-last) per row; GFLOP/s count forward+backward as 3x forward.
"""
import json
import re
import sys


def ours_rows(path):
    rows = {}
    for line in open(path):
        m = re.match(r"(conv\dx\d) C=(\d+) (\d+)x\d+( s2)? (\S+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if not m:
            continue
        kind, c, hw, s2, g = m.group(1), int(m.group(2)), int(m.group(3)), bool(m.group(4)), m.group(5)
        gs = c if g == "dense" else 1 if g == "dw" else int(g.split("=")[1])
        rows[(kind, c, hw, 2 if s2 else 1, gs)] = (float(m.group(6)), float(m.group(8)))
    return rows


def torch_rows(path):
    rows = {}
    for r in json.load(open(path))["rows"]:
        if r["kind"] != "conv":
            continue
        kind = "conv%dx%d" % (r["k"], r["k"])
        fb = min(r["NCHW_fwdbwd"]["med_ms"], r["CL_fwdbwd"]["med_ms"])
        fw = min(r["NCHW_fwd"]["med_ms"], r["CL_fwd"]["med_ms"])
        rows[(kind, r["C"], r["HW"], r["stride"], r["gs"])] = (fw, fb, r["flops_fwdbwd"])
    return rows


def main():
    ours, torch = ours_rows(sys.argv[1]), torch_rows(sys.argv[2])
    print("| problem (batch 128, 2 threads) | ours f+b ms | PyTorch f+b ms | ours GFLOP/s | PyTorch GFLOP/s | ours vs PyTorch | ours cost / dense | ideal g_s/C |")
    print("|---|---|---|---|---|---|---|---|")
    for key, (tfw, tfb, flops) in torch.items():
        if key not in ours:
            continue
        kind, c, hw, stride, gs = key
        ofw, ofb = ours[key]
        dense = ours.get((kind, c, hw, stride, c))
        label = "%s C=%d %dx%d%s %s" % (kind, c, hw, hw, " s2" if stride == 2 else "",
                                         "dense" if gs == c else "depthwise" if gs == 1 else "g_s=%d" % gs)
        ratio = "%.3f" % (ofb / dense[1]) if dense else "-"
        ideal = "%.3f" % (gs / c) if dense else "-"
        print("| %s | %.2f | %.2f | %.0f | %.0f | %.2fx | %s | %s |" % (
            label, ofb, tfb, flops / ofb / 1e6, flops / tfb / 1e6, tfb / ofb, ratio, ideal))


if __name__ == "__main__":
    main()
