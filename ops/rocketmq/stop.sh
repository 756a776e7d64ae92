#!/usr/bin/env bash
# npm run rocketmq:stop — stops what npm run rocketmq:start started (proxy first, then nameserver).
set -uo pipefail
. "$(dirname "$0")/env.sh"

stop_pid() { # name, pidfile
  [ -f "$2" ] || return 0
  local pid
  pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; echo "rocketmq: $1 killed"; else echo "rocketmq: $1 stopped"; fi
  fi
  rm -f "$2"
}
stop_pid proxy "$RUN_DIR/proxy.pid"
stop_pid nameserver "$RUN_DIR/namesrv.pid"
