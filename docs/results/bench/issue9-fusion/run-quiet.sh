#!/usr/bin/env bash
# Issue 9 item 4, the fused training step: MGiaD c_K=16 and c_K=64 (g_s=4, batch 128, 32x32) profiled with every
# fusion off (-Dmgiad.fusion=off: separate conv and batch-norm passes, ReLU masks, additions and batch norm's
# backward reductions each a pass of its own) and on (statistics in the conv epilogue; batch norm's backward
# reductions and ReLU masks in the epilogue of the input gradient that finishes their gradient; ReLU(f - A u)
# clamped in its convolution's epilogue), interleaved, on a
# quiet machine. About 4-5 minutes with the build. Writes OUTDIR (default: quiet/ next to this script):
# machine.txt, profile-ckC-fusion-{off,on}.{txt,json}, table.md, slot.log.
# Usage, from the repository root: docs/results/bench/issue9-fusion/run-quiet.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
out=${1:-$here/quiet}
shared=${SHARED:-$root/../shared}
mkdir -p "$out"
cd "$root"
log() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$out/slot.log"; }
log build
bin/mgiad --version >/dev/null
log machine
"$shared/bench/probe/machine.sh" >"$out/machine.txt" 2>&1 || echo "machine.sh failed: see $out/machine.txt" >&2
for ck in 16 64; do
  for fusion in off on; do
    log "profile c_K=$ck fusion=$fusion"
    MGIAD_JVM_OPTS="-Dmgiad.fusion=$fusion" bin/mgiad bench model --model mgiad --ck "$ck" --gs 4 --warmup 3 --steps 3 \
      --profile --results-file "$out/profile-ck$ck-fusion-$fusion.json" >"$out/profile-ck$ck-fusion-$fusion.txt" 2>&1
  done
done
python3 "$here/summarize.py" "$out" | tee "$out/table.md"
log done
