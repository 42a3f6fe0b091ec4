#!/usr/bin/env python3
"""Model of data-parallel scaling: ring all-reduce cost against compute time per step.

Ring all-reduce of S bytes over P machines (reduce-scatter + all-gather, what MPI libraries use for large
messages): T = 2 (P-1)/P * S / B + 2 (P-1) * alpha, with link bandwidth B and per-message latency alpha.
Compute per step comes from `mgiad bench model` on this machine (batch 128, 2 threads); the all-reduce is
counted as fully exposed (no overlap with the backward pass), an upper bound on its cost.

Strong scaling keeps the paper's global batch of 128: each machine computes 128/P images, but never fewer than
one 16-image block (our CPU kernels pad the batch to a multiple of 16, so 8 images cost as much as 16).
Weak scaling keeps 128 images per machine (global batch 128 P).

Usage: allreduce_model.py [--mgiad-ms 2126] [--resnet18-ms 3720]
"""
import argparse

LINKS = [("10 Gb/s", 10e9 / 8, 20e-6), ("100 Gb/s", 100e9 / 8, 5e-6)]  # bytes/s, latency per message


def ring(bytes_, p, bw, alpha):
    return 2 * (p - 1) / p * bytes_ / bw + 2 * (p - 1) * alpha


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mgiad-ms", type=float, default=2195, help="MGiaD c_K=64 g_s=4 step, batch 128 (ms; README, Intel Xeon, session 4)")
    ap.add_argument("--resnet18-ms", type=float, default=3460, help="ResNet18 step, batch 128 (ms; README, Intel Xeon, session 4)")
    a = ap.parse_args()
    models = [("MGiaD c_K=64 g_s=4", 393_034, a.mgiad_ms), ("ResNet18", 11_173_962, a.resnet18_ms)]
    print("| model | gradient MB | machines | link | all-reduce ms | strong scaling (global batch 128): compute ms, efficiency "
          "| weak scaling (128 per machine): efficiency |")
    print("|---|---|---|---|---|---|---|")
    for name, weights, t128 in models:
        s = 4 * weights
        for p in (4, 16, 64):
            for link, bw, alpha in LINKS:
                t = ring(s, p, bw, alpha) * 1e3
                strong = t128 * max(128 / p, 16) / 128
                print(f"| {name} | {s / 1e6:.1f} | {p} | {link} | {t:.1f} | {strong:.0f} ms, {strong / (strong + t):.0%} "
                      f"| {t128 / (t128 + t):.1%} |")


if __name__ == "__main__":
    main()
