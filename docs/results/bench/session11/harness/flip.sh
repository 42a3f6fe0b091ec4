#!/bin/bash
# From the project root after `./mvnw -q install -DskipTests -pl engine`:
#   docs/results/bench/session11/harness/flip.sh Class.FIELD THREADS REPS DESCRIPTOR...   (JOPTS for -D flags)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jdk=$(bin/jdk25)
cp=${CP:-engine/target/classes}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp "$cp" -d "$out" "$here"/Flip.java "$here"/../../session7/harness/Ab.java 2>&1 | grep -v -i warning || true
# shellcheck disable=SC2086
# the JVM flags bin/mgiad runs with (index checks of the vector accesses off, THP)
"$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:ObjectAlignmentInBytes=64 -XX:+UseTransparentHugePages \
    -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 \
    ${JOPTS:-} -cp "$cp:$out" Flip "$@" 2>&1 | grep -v '^WARNING'
