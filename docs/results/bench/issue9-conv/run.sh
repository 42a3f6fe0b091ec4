#!/bin/bash
# PYTHON: the interpreter that has torch (default /usr/bin/python3, Debian's python3-torch)
# Issue 9's side-by-side conv table: the machine probed (CPU, FMA peak, bandwidth), then R interleaved rounds of
# PyTorch's oneDNN (shared/bench/bench_conv.py, best layout per row) and ours (`mgiad bench conv`), each round
# between two FMA-peak probes, all rows, 2 threads, batch 128. Run from the project root:
#   docs/results/bench/issue9-conv/run.sh [rounds] [outdir]
# then: python3 docs/results/bench/issue9-conv/aggregate.py OUTDIR
set -eu
R=${1:-3}
out=${2:-docs/results/bench/issue9-conv/raw}
mkdir -p "$out"
shared=../shared/bench
TCM=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
bin/mgiad --version > "$out/version.txt" 2>&1   # builds the jar if the sources changed (build it beforehand)
bash "$shared/probe/machine.sh" > "$out/machine.txt" 2>&1
"$(bin/jdk25)/bin/java" -version 2> "$out/jdk.txt"
git rev-parse HEAD > "$out/commit.txt"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
gcc -O2 -march=native -fopenmp "$shared/probe/peak_flops.c" -o "$d/peak"
peak() { OMP_NUM_THREADS=2 "$d/peak" 50000000 5 | head -1; }
for i in $(seq 1 "$R"); do
  echo "round $i $(date -u +%H:%M:%S) before: $(peak)" >> "$out/peaks.txt"
  LD_PRELOAD=$TCM "${PYTHON:-/usr/bin/python3}" "$shared/bench_conv.py" --threads 2 --batch 128 --rounds 1 --budget 0.3 \
      --json "$out/torch-$i.json" > "$out/torch-$i.txt" 2>&1
  bin/mgiad bench conv --threads 2 --batch 128 --rounds 1 --budget 0.3 > "$out/ours-$i.txt" 2>&1
  echo "round $i $(date -u +%H:%M:%S) after: $(peak)" >> "$out/peaks.txt"
done
