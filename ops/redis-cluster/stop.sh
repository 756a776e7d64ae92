#!/usr/bin/env bash
# Stops the nodes start.sh launched (by the pids it recorded) and removes their folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"

[ -d "$REDIS_CLUSTER_DIR" ] || exit 0
for pidfile in "$REDIS_CLUSTER_DIR"/*/redis.pid; do
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  # Only a redis-server of ours: a stale pid file must not take down an unrelated process.
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "redis-server"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
done
rm -rf "$REDIS_CLUSTER_DIR"
echo "redis-cluster: stopped"
