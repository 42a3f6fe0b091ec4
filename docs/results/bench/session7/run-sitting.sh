#!/bin/bash
# Session 7's measurement sitting (AMD EPYC Zen 5, 2 cores), run from the project root on an otherwise idle machine:
#   OLD=/path/to/a/checkout/of/b514980 PYTHON=/path/to/python-with-torch docs/results/bench/session7/run-sitting.sh
# 1. the machine (CPU, FMA peak, bandwidth); 2. the conv table against PyTorch (2 interleaved rounds);
# 3. whole training steps against PyTorch (2 interleaved rounds); 4. our steps before (OLD, session 4's main) and
# after this session's kernels, and with --conv-algo direct, alternating in 2 rounds; 5. the conv rows with
# --conv-algo direct and auto in one sitting. About 35 minutes.
set -eu
out=docs/results/bench/session7
bash ../shared/bench/probe/machine.sh > "$out/machine-before.txt" 2>&1
git rev-parse HEAD > "$out/commit.txt"
docs/results/bench/issue9-conv/run.sh 2 docs/results/bench/issue9-conv/s7
python3 docs/results/bench/issue9-conv/aggregate.py docs/results/bench/issue9-conv/s7 > docs/results/bench/issue9-conv/s7/table.md
benchmarks/peer/ab_models.sh docs/results/bench/issue9-models/s7 2 3
for r in 1 2; do
  for m in resnet18 "mgiad --ck 64 --gs 4" mgnet; do
    tag=$(echo "$m" | tr -d ' -' | sed 's/mgiadck64gs4/mgiad64/')
    # shellcheck disable=SC2086
    "${OLD:?OLD: a checkout of the old code}/bin/mgiad" bench model --model $m --threads 2 --warmup 1 --steps 3 \
        --results-file "$out/old-$tag-r$r.json" > "$out/old-$tag-r$r.txt" 2>&1
    # shellcheck disable=SC2086
    bin/mgiad bench model --model $m --threads 2 --warmup 1 --steps 3 --results-file "$out/new-$tag-r$r.json" \
        > "$out/new-$tag-r$r.txt" 2>&1
    # shellcheck disable=SC2086
    bin/mgiad bench model --model $m --threads 2 --warmup 1 --steps 3 --conv-algo direct \
        --results-file "$out/direct-$tag-r$r.json" > "$out/direct-$tag-r$r.txt" 2>&1
  done
done
for a in direct auto direct auto; do
  bin/mgiad bench conv --threads 2 --rounds 1 --budget 0.3 --conv-algo $a --only 'conv3x3' >> "$out/conv-$a.txt" 2>&1
done
bash ../shared/bench/probe/machine.sh > "$out/machine-after.txt" 2>&1
