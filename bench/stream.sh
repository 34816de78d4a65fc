#!/usr/bin/env bash
# Streaming benchmark (not a test): a real Kafka broker (KRaft, child JVM, loopback) and `stream` on the embedded
# Flink runner. Prints the sustained events/s when the whole log waits in the topic, and the end-to-end delay from
# producing a window's last record to its span file at a given live rate. Numbers are in docs/performance.md.
#
#   bench/stream.sh                     # scale 8: 52,792 events; live at 2,000 events/s, 10 s windows
#   SCALE=12 RATE=4000 bench/stream.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/kelemetry-bench}"
mkdir -p "$dir"
cd "$root"
# build, then the test classpath (the benchmark and the broker rule live in test sources)
mvn -B -q -ntp -o install -DskipTests
mvn -B -q -ntp -o -pl pipelines dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$dir/test-classpath.txt"
opens="$(sed -n 's/.*<flink.opens>\(.*\)<\/flink.opens>.*/\1/p' pom.xml)"
# shellcheck disable=SC2086
/usr/bin/time -f "wall %e s, peak RSS %M KB" java -Xmx6g $opens ${BENCH_JAVA_OPTS:-} -Djava.io.tmpdir="$dir" \
  -cp "pipelines/target/test-classes:pipelines/target/classes:$(cat "$dir/test-classpath.txt")" \
  dev.kelemetry.beam.pipelines.StreamBenchmark "${SCALE:-8}" "${RATE:-2000}" "${WINDOW:-10}" "$dir" 2>&1 \
  | grep -v -E '^\[|^SLF4J|WARN|INFO' || true
