#!/usr/bin/env bash
# Throughput benchmark (not a test): generates a RequestResponse audit log of about a million events, then measures
#   1. the parse ceiling: reading the file and running the pipeline's parser on every core, nothing else;
#   2. the whole backfill on the embedded Flink runner (the default of ./kelemetry);
#   2b. the same backfill with --no-metrics, to show what the default metric set costs;
#   2c. the same backfill sorting in state (Dataflow streaming's way), to show what that costs (skip with SORT=0);
#   3. the whole backfill on the DirectRunner (skip with DIRECT=0; it is slow and memory-hungry by design).
# Prints events/s, wall time and peak resident memory of each. Numbers and the machine are in docs/performance.md.
#
#   bench/run.sh                 # scale 22: 1,024,234 events, 2.2 GB
#   SCALE=10 DIRECT=0 bench/run.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scale="${SCALE:-22}"
dir="${BENCH_DIR:-/tmp/kelemetry-bench}"
log="$dir/audit-scale$scale.log"
mkdir -p "$dir"

"$root/kelemetry" --version > /dev/null  # build first, if sources changed, so no measurement includes a build
if [ ! -s "$log" ]; then
  "$root/kelemetry" generate --scale "$scale" --output "$log"
fi
events=$(wc -l < "$log")
echo "input: $log, $events events, $(du -m "$log" | cut -f1) MB; $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB"

# Runs a command under GNU time; sets s (wall seconds) and m (peak resident MB). Stops the script if the command fails.
measure() {
  if ! /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" > "$dir/last-run.txt" 2>&1; then
    echo "failed: $*" >&2
    cat "$dir/last-run.txt" >&2
    exit 1
  fi
  read -r s m < <(awk '{printf "%s %d\n", $1, $2 / 1024}' "$dir/time.txt")
}

report() { # name seconds rss
  awk -v n="$1" -v s="$2" -v m="$3" -v e="$events" 'BEGIN { printf "%-28s %8.1f s %10.0f events/s %7d MB peak RSS\n", n, s, e / s, m }'
}

KELEMETRY_MAIN=dev.kelemetry.beam.pipelines.bench.ParseCeiling measure "$root/kelemetry" "$log"
grep "parse ceiling" "$dir/last-run.txt"
report "parse ceiling (all cores)" "$s" "$m"
ceiling_s=$s

measure "$root/kelemetry" backfill --input "$log" --output "$dir/out-flink" --runner flink
report "backfill, Flink embedded" "$s" "$m"
awk -v a="$ceiling_s" -v b="$s" 'BEGIN { printf "%-28s %8.2f (pipeline events/s over ceiling events/s)\n", "ratio", a / b }'
grep -E "records:|spans:|metrics:" "$dir/last-run.txt"
with_metrics_s=$s

# The cost of metrics: the same backfill without them (the default metric set is on above).
measure "$root/kelemetry" backfill --input "$log" --output "$dir/out-flink-no-metrics" --runner flink --no-metrics
report "backfill, Flink, no metrics" "$s" "$m"
awk -v a="$with_metrics_s" -v b="$s" 'BEGIN { printf "%-28s %8.2f (time with metrics over time without)\n", "metrics cost", a / b }'

# The cost of sorting in state (what a Dataflow stream runs, since Dataflow's streaming engine rejects
# @RequiresTimeSortedInput): the default backfill again with TrackObjects and ResolveOwners ordering their own input.
if [ "${SORT:-1}" = "1" ]; then
  KELEMETRY_JAVA_OPTS="-Xmx6g -Dkelemetry.sortInState=true" measure "$root/kelemetry" backfill --input "$log" \
    --output "$dir/out-flink-sorted" --runner flink
  report "backfill, Flink, sort in state" "$s" "$m"
  awk -v a="$s" -v b="$with_metrics_s" 'BEGIN { printf "%-28s %8.2f (time sorting in state over time with the runner sorting)\n", "sort-in-state cost", a / b }'
  if cmp -s <(sort "$dir"/out-flink/spans/*) <(sort "$dir"/out-flink-sorted/spans/*); then
    echo "sort in state: the same span rows as the runner's sorting"
  else
    echo "sort in state: span rows DIFFER from the runner's sorting" >&2
  fi
fi

if [ "${DIRECT:-1}" = "1" ]; then
  KELEMETRY_JAVA_OPTS="-Xmx20g" measure "$root/kelemetry" backfill --input "$log" --output "$dir/out-direct" --runner direct
  report "backfill, DirectRunner" "$s" "$m"
fi
