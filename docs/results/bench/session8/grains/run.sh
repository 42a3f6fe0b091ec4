#!/bin/bash
# Fixed chunks per thread (OLD: a checkout of e20f7e5, built) against grains claimed on demand (this tree), whole
# training steps alternating old/new model by model, ROUNDS rounds; from the project root:
#   OLD=/path/to/old docs/results/bench/session8/grains/run.sh ROUNDS
set -eu
out=docs/results/bench/session8/grains
for r in $(seq "${1:-3}"); do
  for m in resnet20 "mgiad --ck 64 --gs 4" resnet18; do
    tag=$(echo "$m" | tr -d ' -' | sed 's/mgiadck64gs4/mgiad64/')
    for side in old new; do
      b=bin/mgiad; [ $side = old ] && b="${OLD:?}/bin/mgiad"
      # shellcheck disable=SC2086
      "$b" bench model --model $m --threads 2 --warmup 1 --steps 5 --results-file "$out/$side-$tag-r$r.json" > "$out/$side-$tag-r$r.txt" 2>&1
    done
  done
done
