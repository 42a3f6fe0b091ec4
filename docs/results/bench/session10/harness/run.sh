#!/bin/bash
# Session 10 harnesses, from the project root after `./mvnw -q -DskipTests install -pl engine`:
#   MAIN=Seq docs/results/bench/session10/harness/run.sh THREADS REPS DESCRIPTOR...   (JOPTS for -D flags)
# JVM flags as bin/mgiad (THP, the vector accesses' index checks off; session 11: before, the harnesses ran with the
# checks on, unlike every user run)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jdk=$(bin/jdk25)
cp=${CP:-engine/target/classes}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp "$cp" -d "$out" "$here"/*.java "$here"/../../session7/harness/Ab.java 2>&1 | grep -v -i warning || true
# shellcheck disable=SC2086
"$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:ObjectAlignmentInBytes=64 -XX:+UseTransparentHugePages -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 \
    ${JOPTS:-} -cp "$cp:$out" "${MAIN:-Seq}" "$@" 2>&1 | grep -v '^WARNING'
