#!/usr/bin/python3
"""Side-by-side table of whole training steps: `mgiad bench model --results-file` against the PyTorch peer
(benchmarks/peer/bench_models.py --json), read from the files both write, never from text tables.

Usage:
  python3 benchmarks/peer/compare_models.py FILE_OR_DIR...
Every *.json given (or found in a given folder) is read: files whose "tool" is "mgiad bench model" are ours, files
with "meta" and "rows" are the peer's. Rows are paired by the peer's model name (our rows carry it as "peer_model").
When a model was measured several times (interleaved rounds, see ab_models.sh), each side's step time is the median
over its files, and the ratio column is PyTorch's median step over ours (> 1: ours is faster). The FMA peak of our
files is printed as a range, since these machines are shared and the peak drifts.
"""
import json
import os
import statistics
import sys


def load(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".json"))
        else:
            files.append(p)
    ours, peer, peaks, machines = {}, {}, [], set()
    for f in files:
        try:
            doc = json.load(open(f))
        except (OSError, ValueError) as e:
            sys.exit(f"compare_models: cannot read {f}: {e}")
        if doc.get("tool") == "mgiad bench model":
            m = doc["machine"]
            machines.add(f"{m['cpu_model']}, {m['vector_bits']}-bit vectors, {m['cores']} cores, JDK {m['jdk']}, "
                         f"{m['threads']} threads")
            if m.get("fma_peak_gflops") is not None:
                peaks.append(m["fma_peak_gflops"])
            for r in doc["rows"]:
                if r.get("peer_model"):
                    ours.setdefault(r["peer_model"], []).append(r)
        elif "meta" in doc and "rows" in doc:
            for r in doc["rows"]:
                peer.setdefault(r["model"], []).append(r)
        else:
            sys.exit(f"compare_models: {f} is neither a 'mgiad bench model' results file nor a bench_models.py --json file")
    return ours, peer, peaks, machines


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ours, peer, peaks, machines = load(sys.argv[1:])
    for m in sorted(machines):
        print(f"machine: {m}")
    if peaks:
        print(f"FMA peak at our runs: {min(peaks):.0f}-{max(peaks):.0f} GFLOP/s")
    print()
    print("| model | weights | MACs/image | ours ms/step | ours img/s | ours fwd/bwd/opt ms | PyTorch ms/step "
          "| PyTorch img/s | runs (ours/PyTorch) | ours vs PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ours:
        o = ours[name]
        ostep = statistics.median(r["step_med_ms"] for r in o)
        split = "/".join("%.0f" % statistics.median(r[k] for r in o) for k in ("fwd_med_ms", "bwd_med_ms", "opt_med_ms"))
        batch = o[0]["batch"]
        if name in peer:
            p = peer[name]
            pstep = statistics.median(r["step"]["med_ms"] for r in p)
            ptxt, pimg, ratio = "%.0f" % pstep, "%.1f" % (batch * 1000 / pstep), "%.2fx" % (pstep / ostep)
        else:
            p, ptxt, pimg, ratio = [], "-", "-", "-"
        print(f"| {name} | {o[0]['weights']:,} | {o[0]['macs_per_img'] / 1e6:.1f} M | {ostep:.0f} | "
              f"{batch * 1000 / ostep:.1f} | {split} | {ptxt} | {pimg} | {len(o)}/{len(p)} | {ratio} |")


if __name__ == "__main__":
    main()
