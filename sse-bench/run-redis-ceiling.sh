#!/usr/bin/env bash
# Measures the ceiling of one shared stream: three servers sharing one Redis on this machine, the
# streams spread over all three, one publisher posting to the first, at rising publish rates. A
# rate is held when every event reached every stream once (no loss, no duplicate). For each rate
# it prints the loss, the latency, and the CPU each process used (where the time goes).
# Short, bounded runs; every process it starts is stopped on exit.
#
# usage: sse-bench/run-redis-ceiling.sh [rate ...]     (from the repository root; 250 500 1000 2000 4000)
#
# Environment (all optional):
#   BASE_PORT=18191        ports BASE_PORT..BASE_PORT+2 for the servers, BASE_PORT+9 for Redis
#   CONNECTIONS=30         streams, spread over the three servers
#   PUBLISHERS=32          keep-alive POST connections of the publisher, one request in flight
#                          each (a publish answers once its event came back from Redis)
#   DURATION=10s           measured duration of each rate
#   OUT=sse-bench/results/redis-ceiling
#   SERVER_JVM="-Xms256m -Xmx512m"  LOADGEN_JVM="-Xms256m -Xmx512m"
#   NO_BUILD=1             use the jar already built
set -euo pipefail

cd "$(dirname "$0")/.."
BASE_PORT=${BASE_PORT:-18191}
CONNECTIONS=${CONNECTIONS:-30}
PUBLISHERS=${PUBLISHERS:-32}
DURATION=${DURATION:-10s}
OUT=${OUT:-sse-bench/results/redis-ceiling}
SERVER_JVM=${SERVER_JVM:-"-Xms256m -Xmx512m"}
LOADGEN_JVM=${LOADGEN_JVM:-"-Xms256m -Xmx512m"}
JAR=sse-bench/target/sse-bench.jar
RATES=("$@")
if [ ${#RATES[@]} -eq 0 ]; then
  RATES=(250 500 1000 2000 4000)
fi
REDIS_PORT=$((BASE_PORT + 9))

if [ -z "${NO_BUILD:-}" ]; then
  mvn -B -q -pl sse-bench -am package -DskipTests
fi
mkdir -p "$OUT/logs"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  PIDS=()
}
trap stop_all EXIT

await_line() { # file pattern pid
  for _ in $(seq 1 150); do
    if grep -q "$2" "$1"; then
      return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  echo "did not start; see $1" >&2
  return 1
}

cpu_ticks() { # pid: user+system clock ticks so far
  awk '{print $14 + $15}' "/proc/$1/stat"
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "uptime before: $(uptime)"
  java -version 2>&1 | head -n 1
  redis-server --version
} | tee "$OUT/machine.txt"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no > "$OUT/logs/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=($REDIS_PID)
await_line "$OUT/logs/redis.log" "Ready to accept connections" $REDIS_PID
SERVER_PIDS=()
for i in 0 1 2; do
  # shellcheck disable=SC2086
  java $SERVER_JVM -cp "$JAR" dev.ssekit.bench.server.BenchServer --impl ssekit --port $((BASE_PORT + i)) \
      --redis "redis://127.0.0.1:$REDIS_PORT" > "$OUT/logs/node$i.log" 2>&1 &
  PIDS+=($!)
  SERVER_PIDS+=($!)
  await_line "$OUT/logs/node$i.log" "listening on" $!
done

TICK=$(getconf CLK_TCK)
for rate in "${RATES[@]}"; do
  echo "== $rate events/s, $CONNECTIONS streams over three servers sharing Redis"
  before=("$(cpu_ticks $REDIS_PID)" "$(cpu_ticks "${SERVER_PIDS[0]}")" "$(cpu_ticks "${SERVER_PIDS[1]}")" \
      "$(cpu_ticks "${SERVER_PIDS[2]}")")
  redis-cli -p "$REDIS_PORT" config resetstat > /dev/null
  start=$(date +%s%N)
  status=0
  # shellcheck disable=SC2086
  java $LOADGEN_JVM -cp "$JAR" dev.ssekit.bench.LoadGenerator fanout --connections "$CONNECTIONS" \
      --rate "$rate" --publishers "$PUBLISHERS" --duration "$DURATION" --port "$BASE_PORT" \
      --stream-ports "$BASE_PORT,$((BASE_PORT + 1)),$((BASE_PORT + 2))" \
      --label "ssekit-redis-ceiling-$rate" --out "$OUT" > "$OUT/logs/loadgen-$rate.log" 2>&1 || status=$?
  wall=$(( ($(date +%s%N) - start) / 1000000 ))
  cat "$OUT/logs/loadgen-$rate.log"
  echo "held (every event once): $([ $status -eq 0 ] && echo yes || echo NO)"
  names=(redis-server node0-publisher node1 node2)
  pids=($REDIS_PID "${SERVER_PIDS[@]}")
  for k in 0 1 2 3; do
    used=$(( $(cpu_ticks "${pids[$k]}") - ${before[$k]} ))
    echo "cpu ${names[$k]}: $(( used * 1000 / TICK )) ms over ${wall} ms"
  done
  redis-cli -p "$REDIS_PORT" info commandstats | grep -E "cmdstat_(xadd|xread|evalsha|eval):" || true
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done | tee "$OUT/summary.txt"
