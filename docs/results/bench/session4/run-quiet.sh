#!/usr/bin/env bash
# Session 4's quiet-window sitting (2026-12-01, ~07:55-08:35 UTC, no other work on the machine): every published
# speed number of that session, one script after the other, each writing its raw output under docs/results.
# About 35 minutes on 2 idle cores. Run from the repository root: docs/results/bench/session4/run-quiet.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../../../.."
log() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$here/slot.log"; }
log build; bin/mgiad --version >/dev/null
log machine; bash ../shared/bench/probe/machine.sh > "$here/machine-start.txt" 2>&1
# 1. JIT traps A/B (bin/mgiad dropped -XX:PerMethodTrapLimit=0 this session): whole steps with and without
for m in "resnet20" "mgiad --ck 16 --gs 4"; do
  for t in default notraps; do
    o=""; [ $t = notraps ] && o="-XX:PerMethodTrapLimit=0 -XX:PerBytecodeTrapLimit=0"
    log "traps $t $m"
    MGIAD_JVM_OPTS="$o" bin/mgiad bench model --model $m --threads 2 --warmup 2 --steps 4 >> "$here/traps-$t.txt" 2>&1
  done
done
# 2. issue 9: conv table against PyTorch, interleaved (2 rounds)
log conv; docs/results/bench/issue9-conv/run.sh 2 docs/results/bench/issue9-conv/s4 >/dev/null 2>&1
# 3. issue 9: whole training steps against PyTorch, interleaved (2 rounds x 3 steps)
log models; benchmarks/peer/ab_models.sh docs/results/bench/issue9-models/s4 2 3 > "$here/ab_models.log" 2>&1
# 4. issue 9 item 4: fused vs unfused profiles
log fusion; docs/results/bench/issue9-fusion/run-quiet.sh docs/results/bench/issue9-fusion/quiet > "$here/fusion.log" 2>&1
# 5. issue 10: data-parallel throughput and all-reduce times
log dp; benchmarks/scaling/dp_bench.sh docs/results/scaling/issue10-dp ../shared/data 1024 1 > "$here/dp.log" 2>&1
# 6. issue 12: inference latency/throughput
log predict; benchmarks/predict/quiet.sh docs/results/bench/predict/quiet > "$here/predict.log" 2>&1
log machine; bash ../shared/bench/probe/machine.sh > "$here/machine-end.txt" 2>&1
log done
