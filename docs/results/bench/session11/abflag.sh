#!/bin/bash
# One build, two sets of -D flags (A and B), session 10's Seq harness (every descriptor warmed first), alternating
# run by run, from the project root after `./mvnw -q install -DskipTests -pl engine`:
#   A="-Dx=false" B="" docs/results/bench/session11/abflag.sh ROUNDS THREADS REPS DESCRIPTORS...
cd "$(git rev-parse --show-toplevel)"
rounds=$1; shift
jdk=$(bin/jdk25)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp engine/target/classes -d "$out" \
    docs/results/bench/session10/harness/Seq.java docs/results/bench/session7/harness/Ab.java 2>&1 | grep -v -i warning
for r in $(seq "$rounds"); do
  for side in A B; do
    opts=$A; [ $side = B ] && opts=$B
    # shellcheck disable=SC2086
    "$jdk/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:ObjectAlignmentInBytes=64 -XX:+UseTransparentHugePages -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 -DwarmAll=${WARM:-5} \
        $opts -cp engine/target/classes:"$out" Seq "$@" 2>&1 | grep -v '^WARNING' | sed "s/^/$side r$r /"
  done
done
