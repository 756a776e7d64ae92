#!/usr/bin/env bash
# Starts a local Redis Cluster of 3 masters (no replicas, no persistence) from this machine's
# redis-server, waits until every node reports cluster_state:ok and prints REDIS_CLUSTER_NODES.
# Ports and folder: see env.sh. Any cluster a previous start left behind is stopped first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"

if (( ${#CLUSTER_PORTS[@]} < 3 )); then
  echo "redis-cluster: a cluster needs at least 3 masters (REDIS_CLUSTER_PORTS=$REDIS_CLUSTER_PORTS)" >&2
  exit 1
fi
bash "$here/stop.sh" >/dev/null

for port in "${CLUSTER_PORTS[@]}"; do
  if redis-cli -h "$REDIS_CLUSTER_HOST" -p "$port" ping >/dev/null 2>&1; then
    echo "redis-cluster: port $port is already served by a Redis this script did not start; set REDIS_CLUSTER_PORTS" >&2
    exit 1
  fi
done

mkdir -p "$REDIS_CLUSTER_DIR"
for port in "${CLUSTER_PORTS[@]}"; do
  dir="$REDIS_CLUSTER_DIR/$port"
  rm -rf "$dir" && mkdir -p "$dir"
  redis-server --port "$port" --bind "$REDIS_CLUSTER_HOST" --daemonize yes \
    --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000 \
    --save "" --appendonly no --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
done

wait_until() { # what, command: up to 30 s
  for _ in $(seq 1 150); do
    if eval "$2" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "redis-cluster: $1 did not happen within 30 s (logs in $REDIS_CLUSTER_DIR/*/redis.log)" >&2
  return 1
}
for port in "${CLUSTER_PORTS[@]}"; do
  wait_until "node $port answering" "redis-cli -h $REDIS_CLUSTER_HOST -p $port ping | grep -q PONG"
done

addresses=()
for port in "${CLUSTER_PORTS[@]}"; do addresses+=("$REDIS_CLUSTER_HOST:$port"); done
redis-cli --cluster create "${addresses[@]}" --cluster-replicas 0 --cluster-yes >"$REDIS_CLUSTER_DIR/create.log" 2>&1 || {
  cat "$REDIS_CLUSTER_DIR/create.log" >&2
  exit 1
}

for port in "${CLUSTER_PORTS[@]}"; do
  wait_until "cluster_state:ok on node $port" \
    "redis-cli -h $REDIS_CLUSTER_HOST -p $port cluster info | grep -q 'cluster_state:ok' && [ \"\$(redis-cli -h $REDIS_CLUSTER_HOST -p $port cluster nodes | grep -c master)\" = ${#CLUSTER_PORTS[@]} ]"
done
echo "REDIS_CLUSTER_NODES=$(cluster_nodes)"
