#!/bin/bash
# PYTHON: the interpreter that has torch (default /usr/bin/python3, Debian's python3-torch)
# Interleaved A/B of whole training steps on a noisy shared host: for each round and each model, the machine probe,
# our step (bin/mgiad bench model), then PyTorch's (bench_models.py), each writing a JSON file; then the table
# from the files (compare_models.py). Run from the project root.
# Usage: benchmarks/peer/ab_models.sh OUTDIR [rounds] [steps] [models] [first-round-number]
#   models: the peer's names, comma-separated (default resnet20,resnet18,mgnet,mgiad-64-4,mgiad-16-4)
#   each model gets 1 warm-up step and `steps` timed steps per engine and round (default 3)
set -eu
out=${1:?usage: ab_models.sh OUTDIR [rounds] [steps] [models]}
rounds=${2:-2}
steps=${3:-3}
models=${4:-resnet20,resnet18,mgnet,mgiad-64-4,mgiad-16-4}
first=${5:-1}
here=$(cd "$(dirname "$0")" && pwd)
probe="$here/../../../shared/bench/probe/machine.sh"
[ -f "$probe" ] || probe="$(pwd)/../shared/bench/probe/machine.sh"
TCM=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
mkdir -p "$out"
ours_flags() {
  case "$1" in
    resnet20|resnet18|mgnet) echo "--model $1" ;;
    mgiad-*-*-l*) IFS=- read -r _ ck gs l <<<"$1"; echo "--model mgiad --ck $ck --gs $gs --lambda ${l#l}" ;;
    mgiad-*-*) IFS=- read -r _ ck gs <<<"$1"; echo "--model mgiad --ck $ck --gs $gs" ;;
    *) echo "ab_models: unknown model '$1'" >&2; exit 2 ;;
  esac
}
for r in $(seq "$first" $((first + rounds - 1))); do
  for m in ${models//,/ }; do
    echo "== round $r $m $(date -u +%H:%M:%S)"
    [ -f "$probe" ] && bash "$probe" quick 2>&1 | grep -E 'Model name|AVX-512' | tee -a "$out/machine.txt"
    # shellcheck disable=SC2046
    bin/mgiad bench model $(ours_flags "$m") --threads 2 --warmup 1 --steps "$steps" \
      --results-file "$out/ours-$m-r$r.json" | tee -a "$out/ours.txt"
    LD_PRELOAD=$TCM "${PYTHON:-/usr/bin/python3}" "$here/bench_models.py" --threads 2 --models "$m" --warmup 1 --steps "$steps" \
      --rounds 1 --json "$out/torch-$m-r$r.json" 2>/dev/null | tee -a "$out/torch.txt"
  done
done
python3 "$here/compare_models.py" "$out" | tee "$out/table.md"
