# Shell functions the benchmark scripts share; sourced by them, not run on its own.
# The sourcing script has already changed to the repository root and set JAR.

# Builds the benchmark jar unless NO_BUILD is set; raises the open-files limit as far as allowed.
prepare_bench() {
  if [ -z "${NO_BUILD:-}" ]; then
    mvn -B -q -pl sse-bench -am package -DskipTests
  fi
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

# The processes a script started, stopped by stop_all (which a script sets as its EXIT trap).
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

# Waits up to 30 s for a line matching pattern in file, written by process pid; fails early if
# the process ends first.
await_line() { # file pattern pid
  for _ in $(seq 1 150); do
    if grep -q "$2" "$1"; then
      return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then
      break
    fi
    sleep 0.2 # the polling interval of a bounded wait on the log line
  done
  echo "did not start; see $1" >&2
  return 1
}

# Starts a Redis without persistence on 127.0.0.1:port, logging to log, and waits until it
# accepts connections; its pid is REDIS_PID and in PIDS.
start_redis() { # port log
  : > "$2"
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no > "$2" 2>&1 &
  REDIS_PID=$!
  PIDS+=($REDIS_PID)
  await_line "$2" "Ready to accept connections" $REDIS_PID
}
