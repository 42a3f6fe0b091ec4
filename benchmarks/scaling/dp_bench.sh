#!/usr/bin/env bash
# Data-parallel measurements of the README's "Data-parallel training (MPI)" section, on one machine: the machine's
# limits (shared/bench/probe/machine.sh), MPI_Allreduce of each model's gradient between 2 ranks, and training
# throughput of 1 process x 2 threads against 2 ranks x 1 thread (all-reduce overlapping the backward pass, and after
# it). Every raw output is kept in OUT_DIR beside the machine probe; OUT_DIR/summary.txt collects the numbers.
# Usage (from anywhere; run on an idle machine):
#   benchmarks/scaling/dp_bench.sh OUT_DIR [DATA_DIR] [LIMIT_TRAIN] [ROUNDS] [model flags...]
#   defaults: DATA_DIR ../shared/data, LIMIT_TRAIN 1024 CIFAR-10 images, ROUNDS 2, --model mgiad --ck 64 --gs 4;
#   each run trains 2 epochs at batch 128 and epoch 2 (the JIT warm) counts. MACHINE=quick probes only the FMA peak.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [DATA_DIR] [LIMIT_TRAIN] [ROUNDS] [model flags...]" >&2; exit 2; }
out=$1
data=${2:-$root/../shared/data}
limit=${3:-1024}
rounds=${4:-2}
shift $(( $# < 4 ? $# : 4 ))
model=("$@")
[ ${#model[@]} -eq 0 ] && model=(--model mgiad --ck 64 --gs 4)
command -v mpirun >/dev/null || { echo "dp_bench: mpirun not found: apt-get install openmpi-bin libopenmpi-dev" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
data=$(cd "$data" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=(mpirun --oversubscribe --bind-to none -np 2)
mgiad="$root/bin/mgiad"
"$mgiad" --version > "$out/version.txt" 2>&1   # builds the jar first if the sources changed
git -C "$root" rev-parse HEAD > "$out/commit.txt" 2>/dev/null || true
{ date -u; uptime; } > "$out/load-before.txt"
bash "$root/../shared/bench/probe/machine.sh" ${MACHINE:-} > "$out/machine.txt" 2>&1 || echo "dp_bench: the machine probe failed, see $out/machine.txt" >&2
"${mpi[@]}" "$mgiad" bench allreduce --rounds 20 > "$out/allreduce.txt" 2>&1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
common=(train "${model[@]}" --dataset cifar10 --limit-train "$limit" --limit-test 256 --batch-size 128 --epochs 2 --data-dir "$data")
echo "${common[*]}" > "$out/command.txt"
for round in $(seq "$rounds"); do
  "$mgiad" "${common[@]}" --threads 2 --out "$work/single-$round" > "$out/single-$round.log" 2>&1
  "${mpi[@]}" "$mgiad" "${common[@]}" --distributed --threads 1 --out "$work/dp-$round" > "$out/dp-overlap-$round.log" 2>&1
  "${mpi[@]}" "$mgiad" "${common[@]}" --distributed --threads 1 --no-overlap --out "$work/dpno-$round" > "$out/dp-no-overlap-$round.log" 2>&1
done
{ date -u; uptime; } > "$out/load-after.txt"
{
  echo "# $(grep "^mgiad " "$out/version.txt" | tail -1), commit $(cat "$out/commit.txt" 2>/dev/null)"
  echo "# machine (shared/bench/probe/machine.sh):"; sed 's/^/#   /' "$out/machine.txt"
  echo "# load before: $(tail -1 "$out/load-before.txt")"; echo "# load after:  $(tail -1 "$out/load-after.txt")"
  cat "$out/allreduce.txt"
  echo; echo "# training: $(cat "$out/command.txt"); epoch 2 of 2 of each run (the JIT warm)"
  for round in $(seq "$rounds"); do
    for run in single dp-overlap dp-no-overlap; do
      case $run in single) what="1 process x 2 threads";; dp-overlap) what="2 ranks x 1 thread, overlap";;
                   *) what="2 ranks x 1 thread, no overlap";; esac
      echo "round $round, $what: $(grep '^epoch 2/2:' "$out/$run-$round.log" || echo "no epoch 2 line, see $run-$round.log")"
    done
  done
} > "$out/summary.txt"
cat "$out/summary.txt"
