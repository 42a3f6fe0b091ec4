#!/bin/bash
# Session 9 harnesses (package dev.mgiad.engine.cpu, compiled against engine/target/classes), from the project root
# after `./mvnw -q -DskipTests install -pl engine`:  MAIN=dev.mgiad.engine.cpu.WgVar docs/results/bench/session9/harness/run.sh ARGS...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jdk=$(bin/jdk25)
cp=engine/target/classes
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp "$cp" -d "$out" "$here"/*.java 2>&1 | grep -v -i warning || true
# shellcheck disable=SC2086
"$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 \
    ${JOPTS:-} -cp "$out:$cp" "$MAIN" "$@" 2>&1 | grep -v '^WARNING'
