#!/usr/bin/env python3
"""The table of run-quiet.sh: per model and graph, the step time and the profiled step split by what bounds it.

The profile counts an operator that carries fused work (conv fwd+bn, bwd-data+bn-sums, bwd-data+relu, fwd+relu) with
the convolutions; its column shows how much of the convolution time those carriers are, so that the memory-bound share
can be read with that in mind.
Usage: summarize.py DIR (with profile-ckC-fusion-{off,on}.json)
"""
import json
import pathlib
import sys

d = pathlib.Path(sys.argv[1])
print("| model | graph | step ms (median) | profiled ms/step | convolutions ms | of which carrying fused work ms "
      "| transfers ms | batch norm / elementwise / other ms | memory-bound share |")
print("|---|---|---|---|---|---|---|---|---|")
for ck in (16, 64):
    for fusion in ("off", "on"):
        f = d / f"profile-ck{ck}-fusion-{fusion}.json"
        if not f.exists():
            print(f"| MGiaD c_K={ck} g_s=4 | {fusion} | missing: {f.name} | | | | | | |")
            continue
        j = json.loads(f.read_text())
        row, p = j["rows"][0], j["profile"]
        carriers = sum(o["ms_per_step"] for o in p["operators"] if o["bound"] == "conv" and "+" in o["operator"].split()[1])
        graph = "fused" if fusion == "on" else "unfused"
        print(f"| MGiaD c_K={ck} g_s=4 | {graph} | {row['step_med_ms']:,.0f} | {p['total_ms']:,.0f} | {p['conv_ms']:,.0f} "
              f"| {carriers:,.0f} | {p['transfer_ms']:,.0f} | {p['memory_ms']:,.0f} | {p['memory_bound_pct']:.1f}% |")
m = json.loads(next(d.glob("profile-*.json")).read_text())["machine"] if any(d.glob("profile-*.json")) else None
if m:
    print(f"\nMachine (as bench model reports it): {m['cpu_model']}, {m['vector_bits']}-bit vectors, {m['cores']} cores, "
          f"JDK {m['jdk']}, {m['threads']} threads, FMA peak {m['fma_peak_gflops']:.0f} GFLOP/s; machine.txt has peak "
          f"and bandwidth from ../shared/bench/probe/machine.sh.")
