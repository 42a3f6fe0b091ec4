#!/usr/bin/env bash
# GPU check of the OpenCL backend, for a machine with a GPU and its OpenCL driver (plus what the project needs
# anyway: JDK 25, Maven, the Maven dependencies). It prints the machine and every OpenCL device with its self-test
# (`mgiad devices`), runs the OpenCL tests on the chosen device (the conformance suite against the reference
# kernels with batch blocks 16 and 32, the training comparison with the CPU backend, determinism), then times the
# paper's convolutions on it. Each step has a time cap; the whole run stays under 10 minutes (about 2 on a fast
# machine). A dry run on a CPU device (PoCL, or rusticl's llvmpipe) checks the script itself:
#   RUSTICL_ENABLE=llvmpipe opencl/gpu-check.sh opencl:1 16
#
# usage: opencl/gpu-check.sh [DEVICE] [BATCH]
#   DEVICE  opencl (a GPU when there is one, else the first CPU device; default) or opencl:N (see the device list
#           printed first)
#   BATCH   batch size of the benchmark (default 128)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
device=${1:-opencl}
batch=${2:-128}
only=${3:-}
reports=opencl/target/surefire-reports
fail=0

say() { printf '\n== %s\n' "$*"; }

# Prints one line per test class from the surefire reports of the last run.
summary() {
  for f in "$reports"/TEST-*.xml; do
    [ -f "$f" ] || continue
    sed -n 's/.*<testsuite [^>]*name="\([^"]*\)" time="\([^"]*\)" tests="\([^"]*\)" errors="\([^"]*\)" skipped="\([^"]*\)" failures="\([^"]*\)".*/\1: \3 tests, \6 failures, \4 errors, \5 skipped, \2 s/p' "$f" \
      | sed 's/^dev\.mgiad\.opencl\.//'
  done
}

# Runs the opencl module's tests named by $1 with extra -D options; $2 is the time cap in seconds.
tests() {
  local filter=$1 cap=$2; shift 2
  rm -rf "$reports"
  timeout "$cap" ./mvnw -B -q -pl opencl -am test -Dtest="$filter" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dmgiad.opencl.device="$device" "$@" 2>&1 | grep -v -E '^WARNING: Using incubator|^\[INFO\]|^$' | sed 's/\x1b\[[0-9;]*m//g'
  local rc=${PIPESTATUS[0]}
  summary
  if [ "$rc" -eq 124 ]; then echo "TIMED OUT after $cap s"; fi
  if [ "$rc" -ne 0 ]; then fail=1; fi
}

# With Maven: bin/mgiad (builds the jar) and the test steps. Without (a bare GPU machine that got a Java 25 runtime
# and a prebuilt cli/target/mgiad.jar carried over, see the README): the jar alone, for the device list with its
# self-test and the benchmark.
if command -v mvn >/dev/null && [ -z "${MGIAD_JAVA:-}" ]; then
  mgiad=(bin/mgiad)
else
  mgiad=("${MGIAD_JAVA:-java}" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar cli/target/mgiad.jar)
fi

say "machine and OpenCL devices"
grep -m1 'model name' /proc/cpuinfo
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
command -v clinfo >/dev/null && clinfo -l
timeout 240 "${mgiad[@]}" devices 2>&1 | grep -v '^WARNING: Using incubator' || fail=1

bench="convolution benchmark on $device, batch $batch (median of 3 interleaved rounds; fwd = forward, f+b = forward + both gradients)"
if [ "${mgiad[0]}" = bin/mgiad ]; then
  say "OpenCL tests on $device, batch block 16"
  tests 'OpenCl*,DeviceQuery*,ConformanceCoverage*' 150

  say "conformance suite on $device, batch block 32"
  tests 'OpenClBackendConformanceTest' 90 -Dmgiad.opencl.block=32

  say "$bench"
  tests 'OpenClConvBenchmarkTest' 80 -Dmgiad.opencl.bench=true -Dmgiad.bench.batch="$batch" -Dmgiad.bench.only="$only"
else
  say "OpenCL tests: skipped (they need Maven; the self-test above checked a convolution on every device)"
  say "$bench"
  timeout 120 "${mgiad[@]}" bench conv --device "$device" --batch "$batch" ${only:+--only "$only"} 2>&1 \
    | grep -v '^WARNING: Using incubator'
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail=1
fi

say "$( [ $fail -eq 0 ] && echo 'all steps passed' || echo 'SOME STEPS FAILED (see above)' )"
exit $fail
