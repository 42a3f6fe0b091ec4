#!/bin/bash
# Per-direction times of single convolutions, from the project root after `./mvnw -q -DskipTests install -pl engine`:
#   docs/results/bench/session8/harness/dirs.sh THREADS REPS DESCRIPTOR...   (JOPTS=-Dalgo=DIRECT|WINOGRAD|AUTO)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jdk=$(bin/jdk25)
cp=engine/target/classes
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp "$cp" -d "$out" "$here"/*.java "$here"/../../session7/harness/Ab.java 2>&1 | grep -v -i warning || true
main=${MAIN:-Dirs}
# shellcheck disable=SC2086
"$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 \
    ${JOPTS:-} -cp "$cp:$out" "$main" "$@" 2>&1 | grep -v '^WARNING'
