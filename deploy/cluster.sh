#!/usr/bin/env bash
# A local gemba cluster: one redis-server, three `gemba serve --cluster redis` silos and a
# `gemba gateway` on loopback ports, run from the beads project you are in.
#
#   deploy/cluster.sh start [-- serve options...]   e.g. -- --orchestration mock
#   deploy/cluster.sh stop
#   deploy/cluster.sh status
#
# Everything it starts keeps its pid and log in the state directory (default .gemba/cluster):
# redis.pid/redis.log, silo-N.pid/silo-N.log, gateway.pid/gateway.log; Redis' own data (appendonly) lives there too, so
# stop then start keeps pools, sessions and claims.
#
# Settings (environment):
#   GEMBA_CLUSTER_STATE   state directory                      (.gemba/cluster)
#   GEMBA_CLUSTER_SILOS   how many silos                       (3)
#   GEMBA_REDIS_PORT      redis-server port                    (6390)
#   GEMBA_HTTP_PORT       first silo's HTTP port; then +1, +2  (7666)
#   GEMBA_SILO_PORT       first silo-to-silo port              (11111)
#   GEMBA_GATEWAY_PORT    first Orleans gateway port           (30000)
#   GEMBA_SERVICE_ID      --service-id of every silo           (gemba)
#   GEMBA_GATEWAY         start the gateway (1) or not (0)     (1)
#   GEMBA_GATEWAY_HTTP    the gateway's HTTP port              (7660)
#   GEMBA                 the gemba executable                 (this checkout's ./gemba launcher)
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
STATE="${GEMBA_CLUSTER_STATE:-.gemba/cluster}"
SILOS="${GEMBA_CLUSTER_SILOS:-3}"
REDIS_PORT="${GEMBA_REDIS_PORT:-6390}"
HTTP_PORT="${GEMBA_HTTP_PORT:-7666}"
SILO_PORT="${GEMBA_SILO_PORT:-11111}"
GATEWAY_PORT="${GEMBA_GATEWAY_PORT:-30000}"
SERVICE_ID="${GEMBA_SERVICE_ID:-gemba}"
GATEWAY="${GEMBA_GATEWAY:-1}"
GATEWAY_HTTP_PORT="${GEMBA_GATEWAY_HTTP:-7660}"
GEMBA="${GEMBA:-$ROOT/gemba}"

die() { echo "cluster.sh: $*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Polls a check under a deadline; the first start after a source change builds gemba, hence the long default.
wait_for() {
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what not ready within ${seconds} s (logs in $STATE)"
    sleep 0.2
  done
}

healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$1/healthz"; }

start_redis() {
  command -v redis-server >/dev/null || die "redis-server is not installed (apt-get install redis-server)"
  if alive "$STATE/redis.pid"; then echo "▶ redis: already running (pid $(cat "$STATE/redis.pid"))"; return; fi
  mkdir -p "$STATE/redis"
  # appendonly in the state dir: a stop and start of the cluster keeps its state.
  nohup redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$(cd "$STATE/redis" && pwd)" \
    --appendonly yes --save "" >"$STATE/redis.log" 2>&1 &
  echo $! >"$STATE/redis.pid"
  wait_for "redis-server on port $REDIS_PORT" 20 redis-cli -p "$REDIS_PORT" ping
  echo "▶ redis: 127.0.0.1:$REDIS_PORT (pid $(cat "$STATE/redis.pid"), data in $STATE/redis)"
}

start_silo() {
  local i="$1"; shift
  local pid="$STATE/silo-$i.pid"
  if alive "$pid"; then echo "▶ silo $i: already running (pid $(cat "$pid"))"; return; fi
  local offset=$((i - 1))
  # The launcher execs the server, so $! is the server's own pid (what stop signals).
  nohup "$GEMBA" serve --cluster redis --redis "127.0.0.1:$REDIS_PORT" --service-id "$SERVICE_ID" \
    --port $((HTTP_PORT + offset)) --silo-port $((SILO_PORT + offset)) --gateway-port $((GATEWAY_PORT + offset)) \
    "$@" >"$STATE/silo-$i.log" 2>&1 &
  echo $! >"$pid"
}

# The gateway: `gemba gateway`, the API and the UI as an Orleans client of the silos (no grains of its
# own). It takes the serve options that describe the workspace (the same files the silos read).
start_gateway() {
  local pid="$STATE/gateway.pid"
  if alive "$pid"; then echo "▶ gateway: already running (pid $(cat "$pid"))"; return; fi
  local args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --orchestration|--work-plane|--beads-dir|--pool-config|--agents-registry|--personas-dir|--token|--listen|--cluster-id|--otlp-endpoint)
        args+=("$1" "$2"); shift 2 ;;
      --quiet|--otel-console|--prometheus) args+=("$1"); shift ;;
      --*=*) case "${1%%=*}" in --orchestration|--work-plane|--beads-dir|--pool-config|--agents-registry|--personas-dir|--token|--listen|--cluster-id) args+=("$1") ;; esac; shift ;;
      --*) if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then shift 2; else shift; fi ;;
      *) shift ;;
    esac
  done
  nohup "$GEMBA" gateway --redis "127.0.0.1:$REDIS_PORT" --service-id "$SERVICE_ID" --port "$GATEWAY_HTTP_PORT" \
    ${args[@]+"${args[@]}"} >"$STATE/gateway.log" 2>&1 &
  echo $! >"$pid"
  wait_for "gateway (http://127.0.0.1:$GATEWAY_HTTP_PORT)" 120 healthy "$GATEWAY_HTTP_PORT"
  echo "▶ gateway: http://127.0.0.1:$GATEWAY_HTTP_PORT/ (pid $(cat "$pid"), log $STATE/gateway.log)"
}

start() {
  [ "${1:-}" = "--" ] && shift
  command -v curl >/dev/null || die "curl is not installed (it checks each silo's /healthz)"
  mkdir -p "$STATE"
  start_redis
  for i in $(seq 1 "$SILOS"); do start_silo "$i" "$@"; done
  for i in $(seq 1 "$SILOS"); do
    local port=$((HTTP_PORT + i - 1))
    alive "$STATE/silo-$i.pid" || die "silo $i exited at start; see $STATE/silo-$i.log: $(tail -n 5 "$STATE/silo-$i.log")"
    wait_for "silo $i (http://127.0.0.1:$port)" 300 healthy "$port"
    echo "▶ silo $i: http://127.0.0.1:$port/ (pid $(cat "$STATE/silo-$i.pid"), silo port $((SILO_PORT + i - 1)), log $STATE/silo-$i.log)"
  done
  [ "$GATEWAY" = 0 ] || start_gateway "$@"
  if [ "$GATEWAY" = 0 ]; then
    echo "▶ web UI: http://127.0.0.1:$HTTP_PORT/  (every silo serves the UI and API; stop with: deploy/cluster.sh stop)"
  else
    echo "▶ web UI: http://127.0.0.1:$GATEWAY_HTTP_PORT/  (the gateway; each silo serves it too; stop with: deploy/cluster.sh stop)"
  fi
}

stop_pid() {
  local file="$1" name="$2"
  if alive "$file"; then
    local pid; pid="$(cat "$file")"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "▶ $name: did not stop within 30 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
    echo "▶ $name: stopped (pid $pid)"
  fi
  rm -f "$file"
}

stop() {
  [ -d "$STATE" ] || { echo "▶ nothing to stop ($STATE does not exist)"; return; }
  # Gateway and silos first (they leave the cluster cleanly), Redis last.
  [ -f "$STATE/gateway.pid" ] && stop_pid "$STATE/gateway.pid" gateway
  for file in "$STATE"/silo-*.pid; do
    [ -e "$file" ] || continue
    stop_pid "$file" "$(basename "$file" .pid)" &
  done
  wait
  [ -f "$STATE/redis.pid" ] && stop_pid "$STATE/redis.pid" redis
  return 0
}

status() {
  local any=0
  for file in "$STATE"/*.pid; do
    [ -e "$file" ] || continue
    any=1
    if alive "$file"; then echo "▶ $(basename "$file" .pid): running (pid $(cat "$file"))"
    else echo "▶ $(basename "$file" .pid): not running (stale $file)"; fi
  done
  [ "$any" = 1 ] || echo "▶ not running ($STATE has no pid files)"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: deploy/cluster.sh start [-- serve options...] | stop | status" >&2; exit 2 ;;
esac
