#!/usr/bin/env bash
# Measures what sharing events through Redis adds to publish-to-delivery latency: the fanout
# workload on one server on its own, then on three servers sharing one Redis, with the publisher
# posting to the first server and the streams spread over the other two, so that every event
# crosses servers. Short runs; every process it starts is stopped on exit.
#
# usage: sse-bench/run-cross-node.sh [connections ...]      (from the repository root; 1000 5000)
#
# Environment (all optional):
#   BASE_PORT=18091        ports BASE_PORT..BASE_PORT+3 for the servers, BASE_PORT+9 for Redis
#   DURATION=10s           measured duration of each run (after the workload's warm-up)
#   RATE=20                events per second
#   OUT=sse-bench/results/cross-node
#   SERVER_JVM="-Xms256m -Xmx1g"  LOADGEN_JVM="-Xms512m -Xmx1g"
#   NO_BUILD=1             use the jar already built
set -euo pipefail

cd "$(dirname "$0")/.."
BASE_PORT=${BASE_PORT:-18091}
DURATION=${DURATION:-10s}
RATE=${RATE:-20}
OUT=${OUT:-sse-bench/results/cross-node}
SERVER_JVM=${SERVER_JVM:-"-Xms256m -Xmx1g"}
LOADGEN_JVM=${LOADGEN_JVM:-"-Xms512m -Xmx1g"}
JAR=sse-bench/target/sse-bench.jar
CONNECTIONS=("$@")
if [ ${#CONNECTIONS[@]} -eq 0 ]; then
  CONNECTIONS=(1000 5000)
fi
REDIS_PORT=$((BASE_PORT + 9))

# shellcheck source=sse-bench/bench-lib.sh
. sse-bench/bench-lib.sh
prepare_bench
mkdir -p "$OUT/logs"
trap stop_all EXIT

start_server() { # port log [redis-uri]
  : > "$2"
  # shellcheck disable=SC2086
  java $SERVER_JVM -cp "$JAR" dev.ssekit.bench.server.BenchServer --impl ssekit --port "$1" \
      ${3:+--redis "$3"} > "$2" 2>&1 &
  PIDS+=($!)
  await_line "$2" "listening on" $!
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  java -version 2>&1 | head -n 1
  redis-server --version
} > "$OUT/machine.txt"

for n in "${CONNECTIONS[@]}"; do
  echo "== one server, $n streams"
  start_server "$BASE_PORT" "$OUT/logs/single-$n.log"
  java $LOADGEN_JVM -cp "$JAR" dev.ssekit.bench.LoadGenerator fanout --connections "$n" --rate "$RATE" \
      --duration "$DURATION" --port "$BASE_PORT" --label ssekit-single --out "$OUT" \
      | tee "$OUT/logs/loadgen-single-$n.log" || true
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
  stop_all

  echo "== three servers sharing Redis, $n streams on two of them, publisher on the third"
  start_redis "$REDIS_PORT" "$OUT/logs/redis-$n.log"
  for i in 0 1 2; do
    start_server $((BASE_PORT + i)) "$OUT/logs/node$i-$n.log" "redis://127.0.0.1:$REDIS_PORT"
  done
  java $LOADGEN_JVM -cp "$JAR" dev.ssekit.bench.LoadGenerator fanout --connections "$n" --rate "$RATE" \
      --duration "$DURATION" --port "$BASE_PORT" --stream-ports "$((BASE_PORT + 1)),$((BASE_PORT + 2))" \
      --label ssekit-redis-cross --out "$OUT" | tee "$OUT/logs/loadgen-cross-$n.log" || true
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
  stop_all
done
