#!/bin/bash
# Session 7's A/B harnesses, run from the project root after `./mvnw -q -DskipTests install -pl engine`:
#   docs/results/bench/session7/harness/ab.sh Ab THREADS REPS DESCRIPTOR...   direct vs winograd backend, interleaved call
#       by call per direction (fwd, dgrad, wgrad), median of per-pair ratios, and the dw difference
#   docs/results/bench/session7/harness/ab.sh Seq THREADS DESCRIPTOR DIR...     every call's time (DIR 0 fwd, 1 dgrad,
#       2 wgrad; -Dalgo=DIRECT|WINOGRAD via JOPTS), with JOPTS=-Xlog:gc to see slow phases end at a GC
#   docs/results/bench/session7/harness/ab.sh Modes DESCRIPTOR DIR              medians of 6-call segments, System.gc() between
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jdk=$(bin/jdk25)
cp=engine/target/classes
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp "$cp" -d "$out" "$here"/*.java 2>&1 | grep -v -i warning || true
main=$1; shift
# shellcheck disable=SC2086
"$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 \
    ${JOPTS:-} -cp "$cp:$out" "$main" "$@" 2>&1 | grep -v '^WARNING'
