#!/usr/bin/env bash
# Data-parallel measurements of the README's "Data-parallel training (MPI)" section, on one machine:
# the machine's limits, MPI_Allreduce of each model's gradient between 2 ranks, and training throughput of
# 1 process x 2 threads against 2 ranks x 1 thread (with and without overlapping the all-reduce).
# Usage: benchmarks/scaling/dp_bench.sh [DATA_DIR] [LIMIT_TRAIN] [ROUNDS] [model flags...]
#   default model: --model mgiad --ck 64 --gs 4 (about 10 minutes on 2 idle cores); MACHINE=quick skips the
#   bandwidth probe (whose OpenMP threads crawl on a busy machine).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${1:-$root/../shared/data}
limit=${2:-1024}
rounds=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
model=("$@")
[ ${#model[@]} -eq 0 ] && model=(--model mgiad --ck 64 --gs 4)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi="mpirun --oversubscribe --bind-to none -np 2"
out=$(mktemp -d)
"$root/bin/mgiad" --version
bash "$root/../shared/bench/probe/machine.sh" ${MACHINE:-} || true
uptime
$mpi "$root/bin/mgiad" bench allreduce --rounds 20
common=(train "${model[@]}" --dataset cifar10 --limit-train "$limit" --limit-test 256 --batch-size 128
        --epochs 2 --data-dir "$data")
for round in $(seq "$rounds"); do
  echo "## round $round: epoch 2 of each run is the warm one"
  "$root/bin/mgiad" "${common[@]}" --threads 2 --out "$out/single-$round" | grep '^epoch 2/2:' | sed 's/^/1 process x 2 threads: /'
  $mpi "$root/bin/mgiad" "${common[@]}" --distributed --threads 1 --out "$out/dp-$round" | grep '^epoch 2/2:' | sed 's/^/2 ranks x 1 thread, overlap: /'
  $mpi "$root/bin/mgiad" "${common[@]}" --distributed --threads 1 --no-overlap --out "$out/dpno-$round" | grep '^epoch 2/2:' | sed 's/^/2 ranks x 1 thread, no overlap: /'
done
uptime
rm -rf "$out"
