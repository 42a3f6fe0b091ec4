#!/bin/bash
# An old build against this tree, both as bin/mgiad runs them (-XX:ObjectAlignmentInBytes=64), session 8's Dirs
# harness (or MAIN=Seq of this folder), alternating run by run. OLD: a checkout of the old code built with
# ./mvnw -q install -DskipTests -pl engine:
#   OLD=... docs/results/bench/session10/harness/abbuilds.sh ROUNDS THREADS REPS DESCRIPTORS...
cd "$(git rev-parse --show-toplevel)"
rounds=$1; shift
jdk=$(bin/jdk25)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp engine/target/classes -d "$out" docs/results/bench/session8/harness/Dirs.java \
    docs/results/bench/session10/harness/Seq.java docs/results/bench/session7/harness/Ab.java 2>&1 | grep -v -i warning
for r in $(seq "$rounds"); do
  for side in old new; do
    cp=engine/target/classes
    [ $side = old ] && cp=${OLD:?OLD: a built checkout of the old code}/engine/target/classes
    # shellcheck disable=SC2086
    "$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:ObjectAlignmentInBytes=64 -XX:+UseTransparentHugePages -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 ${JOPTS:-} \
        -cp "$cp:$out" "${MAIN:-Dirs}" "$@" 2>&1 | grep -v '^WARNING' | sed "s/^/$side r$r /"
  done
done
