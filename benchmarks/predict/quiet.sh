#!/bin/bash
# Inference latency and throughput for the README's "Small batches" table (issue 12), meant for a quiet machine:
# 1 image on the batched path (padded to 16) and on the small-batch path, and 16 and 128 images batched, for ResNet20
# and MGiaD c_K=16 g_s=4 (the table's two models), 2 threads. The machine probe (CPU model, FP32 FMA peak, memory
# bandwidth) runs before and after, so a disturbed sitting shows. Run from the project root; about 3-4 minutes on
# 2 free cores. Usage: benchmarks/predict/quiet.sh OUTDIR [rounds]
set -eu
out=${1:?usage: benchmarks/predict/quiet.sh OUTDIR [rounds]}
rounds=${2:-9}
probe="$(pwd)/../shared/bench/probe/machine.sh"
mkdir -p "$out"
bin/mgiad --version >/dev/null   # builds the jar, if needed, before anything is timed
probe_now() {
  if [ -f "$probe" ]; then bash "$probe" >"$out/machine-$1.txt" 2>&1; else echo "no machine probe at $probe" >"$out/machine-$1.txt"; fi
}
date -u +%FT%TZ >"$out/date.txt"
probe_now before
bin/mgiad bench predict --model resnet20 --threads 2 --batches 1,16,128 --warmup 3 --rounds "$rounds" | tee "$out/resnet20.txt"
bin/mgiad bench predict --model mgiad --ck 16 --gs 4 --threads 2 --batches 1,16,128 --warmup 2 --rounds "$rounds" \
  | tee "$out/mgiad-ck16-gs4.txt"
probe_now after
date -u +%FT%TZ >>"$out/date.txt"
tail -n +1 "$out"/machine-*.txt
