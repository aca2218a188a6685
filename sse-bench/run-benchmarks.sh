#!/usr/bin/env bash
# Runs every workload against each server implementation, one fresh server per run, the server
# pinned to CPU 0 and the load generator to CPU 1, then writes the report and updates BENCHMARKS.md.
#
# usage: sse-bench/run-benchmarks.sh [workload ...]        (from the repository root)
#
# Workloads: fanout saturate idle-memory slow-consumers churn (the default), soak and
# reconnect-storm (only when named). reconnect-storm runs against ssekit only, whatever IMPLS says,
# its server started with --history 10000: the naive baseline keeps no history to resume from.
#
# Environment (all optional):
#   IMPLS="naive ssekit"     servers to measure, baseline first; "ssekit-address" is the library
#                            with streams owned by the client's address (no HTTP session per
#                            stream), which idle-memory also measures unless IMPLS is set
#   CONTAINER=jetty          servlet container of the bench server: jetty, tomcat or undertow; on
#                            tomcat and undertow the results are labelled impl@container (e.g.
#                            ssekit@tomcat), so they sit beside the Jetty figures, never replace them
#   PORT=8081                port the bench server listens on (127.0.0.1 only)
#   OUT=sse-bench/results    where results, logs and the report go
#   DURATION=                overrides every workload's measured duration (e.g. 10s for a quick look)
#   SERVER_JVM="-Xms256m -Xmx1g"   options of the server's JVM
#   SERVER_ARGS=             more BenchServer arguments, e.g. "--owner address"
#   LOADGEN_JVM="-Xms512m -Xmx1g"  options of the load generator's JVM
#   SERVER_CPU=0 LOADGEN_CPU=1     CPUs to pin to (taskset)
#   NO_BUILD=1               use the jar already built
#   SMOKE=1                  run the tiny test sizes, to check this script
#   NOTE=                    a note printed in bold above the figures (e.g. "Preliminary: ...")
set -euo pipefail

cd "$(dirname "$0")/.."
IDLE_IMPLS=${IMPLS:-"naive ssekit ssekit-address"}
IMPLS=${IMPLS:-"naive ssekit"}
CONTAINER=${CONTAINER:-jetty}
case "$CONTAINER" in
  jetty) AT= ;;
  tomcat|undertow) AT="@$CONTAINER" ;;
  *) echo "CONTAINER must be jetty, tomcat or undertow: $CONTAINER" >&2; exit 2 ;;
esac
PORT=${PORT:-8081}
OUT=${OUT:-sse-bench/results}
SERVER_JVM=${SERVER_JVM:-"-Xms256m -Xmx1g"}
LOADGEN_JVM=${LOADGEN_JVM:-"-Xms512m -Xmx1g"}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
JAR=sse-bench/target/sse-bench.jar
WORKLOADS=("$@")
if [ ${#WORKLOADS[@]} -eq 0 ]; then
  WORKLOADS=(fanout saturate idle-memory slow-consumers churn) # soak runs only when named
fi

# shellcheck source=sse-bench/bench-lib.sh
. sse-bench/bench-lib.sh
prepare_bench
mkdir -p "$OUT/logs"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  lscpu | head -n 20
  echo "kernel: $(uname -sr)"
  java -version 2>&1
  echo "server JVM options: $SERVER_JVM (taskset -c $SERVER_CPU) --container $CONTAINER ${SERVER_ARGS:-}"
  echo "load generator JVM options: $LOADGEN_JVM (taskset -c $LOADGEN_CPU)"
  echo "open files limit: $(ulimit -n)"
} > "$OUT/machine.txt"

# The runs of each workload: the load generator's arguments, one run per line.
runs_of() {
  local d=${DURATION:+--duration $DURATION}
  if [ -n "${SMOKE:-}" ]; then # checks this script in seconds; the figures mean nothing
    echo "$1 --smoke"
    if [ "$1" = slow-consumers ]; then echo "$1 --smoke --stalled 0"; fi
    return
  fi
  case "$1" in
    fanout)
      echo "fanout --connections 1000 --rate 20 $d"
      echo "fanout --connections 5000 --rate 20 $d"
      echo "fanout --connections 10000 --rate 20 $d" ;;
    saturate)
      echo "saturate --connections 1000 $d" ;;
    idle-memory)
      echo "idle-memory --connections 10000" ;;
    slow-consumers)
      echo "slow-consumers --connections 100 --stalled 0 $d"
      echo "slow-consumers --connections 100 --stalled 5 $d" ;;
    churn)
      echo "churn --connections 500 --churn-rate 100 --lifetime 1s $d" ;;
    soak) # not in the default list: 10 minutes (DURATION=60s for the CI size)
      echo "soak $d" ;;
    reconnect-storm) # not in the default list; ssekit only (see server_args_of)
      echo "reconnect-storm --connections 5000 --history 10000" ;;
    *) echo "unknown workload: $1" >&2; exit 2 ;;
  esac
}

# More BenchServer arguments a workload needs: the storm resumes from the server's history.
server_args_of() {
  case "$1" in
    reconnect-storm) if [ -n "${SMOKE:-}" ]; then echo "--history 500"; else echo "--history 10000"; fi ;;
  esac
}

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT

start_server() { # impl log [more server arguments]
  : > "$2" # empty it first: a previous run's "listening on" must not be taken for this server's
  local impl_args="--impl $1"
  if [ "$1" = ssekit-address ]; then impl_args="--impl ssekit --owner address"; fi
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CPU" java $SERVER_JVM -cp "$JAR" dev.ssekit.bench.server.BenchServer \
      $impl_args --container "$CONTAINER" --port "$PORT" ${SERVER_ARGS:-} ${3:-} > "$2" 2>&1 &
  SERVER_PID=$!
  if await_line "$2" "listening on" "$SERVER_PID"; then
    return 0
  fi
  echo "server $1 did not start" >&2
  stop_server
  return 1
}

for workload in "${WORKLOADS[@]}"; do
  while read -r args; do
    impls=$IMPLS
    if [ "$workload" = idle-memory ]; then impls=$IDLE_IMPLS; fi
    if [ "$workload" = reconnect-storm ]; then impls=ssekit; fi # the baseline has no history
    for impl in $impls; do
      name="$(echo "$args" | tr ' ' '_')-$impl$AT"
      echo "== $impl$AT: $args"
      if ! start_server "$impl" "$OUT/logs/server-$name.log" "$(server_args_of "$workload")"; then
        continue
      fi
      # shellcheck disable=SC2086
      taskset -c "$LOADGEN_CPU" java $LOADGEN_JVM -cp "$JAR" dev.ssekit.bench.LoadGenerator $args \
          --label "$impl$AT" --port "$PORT" --pid "$SERVER_PID" --out "$OUT" | tee "$OUT/logs/loadgen-$name.log" || true
      stop_server
    done
  done < <(runs_of "$workload")
done

java -cp "$JAR" dev.ssekit.bench.LoadGenerator report --results "$OUT" \
    --markdown "$OUT/report.md" --svg "$OUT/latency-vs-connections.svg" --update BENCHMARKS.md \
    ${NOTE:+--note "$NOTE"}
