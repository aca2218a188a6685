#!/usr/bin/env bash
# Measures the ceiling of one shared stream: SERVERS servers sharing one Redis on this machine,
# CONNECTIONS_PER_SERVER streams open on each, one publisher posting to the first server, at rising
# publish rates. A rate is held when the measured publishes reach the target (99% of it at least)
# and every event reached every stream once (no loss, no duplicate). A publisher that fell behind
# during the warm-up first sends what it owes, and only events due after the warm-up count as
# measured, so below the target "measured publishes/s" understates what went through;
# "answered/s, whole run" is every answered publish over warm-up and measured time, the rate the
# servers actually sustained. For each rate it prints the
# delivery latency, how long a publish waited for its answer, the CPU each process used (where the
# time goes) and the machine's load average.
# Short, bounded runs; every process it starts is stopped on exit.
#
# usage: sse-bench/run-redis-ceiling.sh [rate ...]     (from the repository root; 100 250 500 1000)
#
# Environment (all optional):
#   SERVERS=2                  servers sharing Redis, on ports BASE_PORT.. (at most 8)
#   CONNECTIONS_PER_SERVER=1000  streams open on each server
#   BASE_PORT=18191            the servers' first port; Redis listens on BASE_PORT+9
#   PUBLISHERS=32              keep-alive POST connections of the publisher, one request in flight
#                              each (a publish answers once its event came back from Redis)
#   WARMUP=3s                  publishing before each rate's measured time
#   DURATION=10s               measured duration of each rate
#   WARMUP_PASS=200            first a pass at this rate, not reported, so that the servers' JIT
#                              has compiled the publish and delivery paths before anything is
#                              measured: a fresh server still compiles for tens of seconds, and
#                              until then spends several times the CPU on each relayed publish
#                              (0: no pass)
#   WARMUP_PASS_DURATION=30s   how long that pass publishes
#   OUT=sse-bench/results/redis-ceiling/<date>-<time>-<SERVERS>x<CONNECTIONS_PER_SERVER>
#   SERVER_JVM="-Xms256m -Xmx512m"  LOADGEN_JVM="-Xms512m -Xmx1g"
#   NO_BUILD=1                 use the jar already built
set -euo pipefail

cd "$(dirname "$0")/.."
SERVERS=${SERVERS:-2}
CONNECTIONS_PER_SERVER=${CONNECTIONS_PER_SERVER:-1000}
BASE_PORT=${BASE_PORT:-18191}
PUBLISHERS=${PUBLISHERS:-32}
WARMUP=${WARMUP:-3s}
DURATION=${DURATION:-10s}
WARMUP_PASS=${WARMUP_PASS:-200}
WARMUP_PASS_DURATION=${WARMUP_PASS_DURATION:-30s}
OUT=${OUT:-sse-bench/results/redis-ceiling/$(date -u +%Y%m%d-%H%M)-${SERVERS}x${CONNECTIONS_PER_SERVER}}
SERVER_JVM=${SERVER_JVM:-"-Xms256m -Xmx512m"}
LOADGEN_JVM=${LOADGEN_JVM:-"-Xms512m -Xmx1g"}
JAR=sse-bench/target/sse-bench.jar
RATES=("$@")
if [ ${#RATES[@]} -eq 0 ]; then
  RATES=(100 250 500 1000)
fi
if [ "$SERVERS" -lt 1 ] || [ "$SERVERS" -gt 8 ]; then
  echo "SERVERS must be 1 to 8: $SERVERS" >&2
  exit 2
fi
REDIS_PORT=$((BASE_PORT + 9))
CONNECTIONS=$((SERVERS * CONNECTIONS_PER_SERVER))

# shellcheck source=sse-bench/bench-lib.sh
. sse-bench/bench-lib.sh
prepare_bench
mkdir -p "$OUT/logs"
trap stop_all EXIT

cpu_ticks() { # pid: user+system clock ticks so far
  awk '{print $14 + $15}' "/proc/$1/stat"
}

json_field() { # file name: a number field of the load generator's JSON result, or – if null
  grep -o "\"$2\" : [0-9.eE+-]*" "$1" | head -n 1 | awk '{print $3}' | grep . || echo –
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "uptime before: $(uptime)"
  java -version 2>&1 | head -n 1
  redis-server --version
  echo "servers: $SERVERS, streams: $CONNECTIONS_PER_SERVER per server, publishers: $PUBLISHERS"
} | tee "$OUT/machine.txt"

start_redis "$REDIS_PORT" "$OUT/logs/redis.log"
SERVER_PIDS=()
STREAM_PORTS=""
for ((i = 0; i < SERVERS; i++)); do
  # shellcheck disable=SC2086
  java $SERVER_JVM -cp "$JAR" dev.ssekit.bench.server.BenchServer --impl ssekit --port $((BASE_PORT + i)) \
      --redis "redis://127.0.0.1:$REDIS_PORT" > "$OUT/logs/node$i.log" 2>&1 &
  PIDS+=($!)
  SERVER_PIDS+=($!)
  await_line "$OUT/logs/node$i.log" "listening on" $!
  STREAM_PORTS="$STREAM_PORTS${STREAM_PORTS:+,}$((BASE_PORT + i))"
done

run_rate() { # rate duration label results-dir: one load generator run; its status
  # shellcheck disable=SC2086
  java $LOADGEN_JVM -cp "$JAR" dev.ssekit.bench.LoadGenerator fanout --connections "$CONNECTIONS" \
      --rate "$1" --publishers "$PUBLISHERS" --warmup "$WARMUP" --duration "$2" --port "$BASE_PORT" \
      --stream-ports "$STREAM_PORTS" --label "$3" --out "$4" > "$OUT/logs/loadgen-$3.log" 2>&1
}

if [ "$WARMUP_PASS" != "0" ]; then
  echo "== warm-up pass at $WARMUP_PASS events/s (not reported)"
  run_rate "$WARMUP_PASS" "$WARMUP_PASS_DURATION" "warmup-$SERVERS" "$OUT/logs" || true
  grep -E '^\| (published|latency)' "$OUT/logs/loadgen-warmup-$SERVERS.log" || true
fi

TICK=$(getconf CLK_TCK)
case "$WARMUP" in
  *ms) WARMUP_SECONDS=$(awk -v v="${WARMUP%ms}" 'BEGIN { print v / 1000 }') ;;
  *s) WARMUP_SECONDS=${WARMUP%s} ;;
  *m) WARMUP_SECONDS=$(( ${WARMUP%m} * 60 )) ;;
  *) WARMUP_SECONDS=0 ;;
esac
{
  echo "| servers × streams | target/s | measured publishes/s | answered/s, whole run | held | delivery p50 / p99 ms | publish answered p50 / p99 ms | lost / dup | redis CPU | servers' CPU | load before → after |"
  echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |"
} > "$OUT/summary.md"
for rate in "${RATES[@]}"; do
  label="ssekit-redis-ceiling-$SERVERS-$rate"
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  echo "== $rate events/s, $CONNECTIONS_PER_SERVER streams on each of $SERVERS servers sharing Redis (load $load_before)"
  before=("$(cpu_ticks $REDIS_PID)")
  for pid in "${SERVER_PIDS[@]}"; do
    before+=("$(cpu_ticks "$pid")")
  done
  redis-cli -p "$REDIS_PORT" config resetstat > /dev/null
  start=$(date +%s%N)
  status=0
  run_rate "$rate" "$DURATION" "$label" "$OUT" || status=$?
  wall=$(( ($(date +%s%N) - start) / 1000000 ))
  load_after=$(cut -d' ' -f1 /proc/loadavg)
  cat "$OUT/logs/loadgen-$label.log"
  result=$(sed -n 's/^wrote //p' "$OUT/logs/loadgen-$label.log" | tail -n 1)
  pids=($REDIS_PID "${SERVER_PIDS[@]}")
  cpu=()
  for k in "${!pids[@]}"; do
    used=$(( $(cpu_ticks "${pids[$k]}") - ${before[$k]} ))
    cpu+=("$(( used * 1000 / TICK ))")
  done
  echo "cpu redis-server: ${cpu[0]} ms over ${wall} ms"
  for ((i = 0; i < SERVERS; i++)); do
    echo "cpu node$i$([ $i -eq 0 ] && echo ' (publishing)'): ${cpu[$((i + 1))]} ms over ${wall} ms"
  done
  redis-cli -p "$REDIS_PORT" info commandstats | grep -E "cmdstat_(xadd|xread|evalsha|eval):" || true
  if [ -n "$result" ] && [ -f "$result" ]; then
    in_window=$(json_field "$result" eventsInWindow)
    target=$(json_field "$result" eventsTarget)
    duration_s=$(json_field "$result" durationSeconds)
    held=NO
    if [ $status -eq 0 ] && awk -v a="$in_window" -v t="$target" 'BEGIN { exit !(a >= 0.99 * t) }'; then
      held=yes
    fi
    servers_cpu=""
    for ((i = 0; i < SERVERS; i++)); do
      servers_cpu="$servers_cpu${servers_cpu:+, }$(awk -v c="${cpu[$((i + 1))]}" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * c / w }')"
    done
    printf '| %s × %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s | %s | %s → %s |\n' \
        "$SERVERS" "$CONNECTIONS_PER_SERVER" "$rate" \
        "$(awk -v a="$in_window" -v d="$duration_s" 'BEGIN { printf "%.0f", a / d }')" \
        "$(awk -v a="$(json_field "$result" eventsPublished)" -v d="$duration_s" -v w="$WARMUP_SECONDS" \
            'BEGIN { printf "%.0f", a / (d + w) }')" "$held" \
        "$(json_field "$result" p50Millis)" "$(json_field "$result" p99Millis)" \
        "$(json_field "$result" publishP50Millis)" "$(json_field "$result" publishP99Millis)" \
        "$(json_field "$result" lost)" "$(json_field "$result" duplicated)" \
        "$(awk -v c="${cpu[0]}" -v w="$wall" 'BEGIN { printf "%.1f%%", 100 * c / w }')" \
        "$servers_cpu" "$load_before" "$load_after" >> "$OUT/summary.md"
  else
    held=NO
  fi
  echo "held (rate reached, every event once): $held"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done | tee "$OUT/summary.txt"
echo
cat "$OUT/summary.md"
