#!/usr/bin/python3
"""Side-by-side table of `mgiad bench conv` and the PyTorch peer (shared/bench/bench_conv.py --json), read from the
JSON files both write (never from text tables).

Usage (one sitting, same machine):
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 ../shared/bench/bench_conv.py \
      --threads 2 --batch 128 --rounds 3 --budget 0.3 --json torch.json
  bin/mgiad bench conv --threads 2 --rounds 3 --budget 0.3 --results-file ours.json
  python3 benchmarks/peer/compare_conv.py ours.json torch.json
PyTorch's time is its better layout (NCHW or channels-last) per row; GFLOP/s count forward+backward as 3x forward.
Rows are paired by (kernel, channels, size, stride, group size).
"""
import json
import sys


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError) as e:
        sys.exit(f"compare_conv: cannot read {path}: {e}")


def ours_rows(doc, path):
    if doc.get("tool") != "mgiad bench conv":
        sys.exit(f"compare_conv: {path} is not a 'mgiad bench conv --results-file' JSON file")
    rows = {}
    for r in doc["rows"]:
        rows[("conv%dx%d" % (r["k"], r["k"]), r["C"], r["HW"], r["stride"], r["gs"])] = r
    return rows


def torch_rows(doc, path):
    if "rows" not in doc or doc.get("tool"):
        sys.exit(f"compare_conv: {path} is not a bench_conv.py --json file")
    rows = {}
    for r in doc["rows"]:
        if r["kind"] != "conv":
            continue
        kind = "conv%dx%d" % (r["k"], r["k"])
        fb = min(r["NCHW_fwdbwd"]["med_ms"], r["CL_fwdbwd"]["med_ms"])
        fw = min(r["NCHW_fwd"]["med_ms"], r["CL_fwd"]["med_ms"])
        rows[(kind, r["C"], r["HW"], r["stride"], r["gs"])] = (fw, fb, r["flops_fwdbwd"])
    return rows


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ours_doc = load(sys.argv[1])
    ours, torch = ours_rows(ours_doc, sys.argv[1]), torch_rows(load(sys.argv[2]), sys.argv[2])
    m = ours_doc["machine"]
    print(f"machine: {m['cpu_model']}, {m['vector_bits']}-bit vectors, {m['cores']} cores, JDK {m['jdk']}, "
          f"{m['threads']} threads, FMA peak {m['fma_peak_gflops']:.0f} GFLOP/s\n")
    print("| problem (batch %d, %d threads) | ours f+b ms | PyTorch f+b ms | ours GFLOP/s | PyTorch GFLOP/s | "
          "ours % of peak | ours vs PyTorch | ours cost / dense | ideal g_s/C |" % (
              next(iter(ours.values()))["batch"] if ours else 0, m["threads"]))
    print("|---|---|---|---|---|---|---|---|---|")
    for key, (tfw, tfb, flops) in torch.items():
        if key not in ours:
            continue
        kind, c, hw, stride, gs = key
        o = ours[key]
        dense = ours.get((kind, c, hw, stride, c))
        label = "%s C=%d %dx%d%s %s" % (kind, c, hw, hw, " s2" if stride == 2 else "",
                                         "dense" if gs == c else "depthwise" if gs == 1 else "g_s=%d" % gs)
        ratio = "%.3f" % (o["fwdbwd_ms"] / dense["fwdbwd_ms"]) if dense else "-"
        ideal = "%.3f" % (gs / c) if dense else "-"
        share = "%.0f%%" % o["fwdbwd_pct_peak"] if o.get("fwdbwd_pct_peak") is not None else "-"
        print("| %s | %.2f | %.2f | %.0f | %.0f | %s | %.2fx | %s | %s |" % (
            label, o["fwdbwd_ms"], tfb, flops / o["fwdbwd_ms"] / 1e6, flops / tfb / 1e6, share, tfb / o["fwdbwd_ms"],
            ratio, ideal))


if __name__ == "__main__":
    main()
