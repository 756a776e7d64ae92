# Shared settings of the local Redis Cluster scripts (sourced, not run).
# REDIS_CLUSTER_PORTS: the masters' ports, comma- or space-separated (cluster bus = port + 10000).
# REDIS_CLUSTER_HOST:  address the nodes bind to and announce.
# REDIS_CLUSTER_DIR:   where each node keeps its nodes.conf, pid and log (wiped on start).
REDIS_CLUSTER_PORTS="${REDIS_CLUSTER_PORTS:-46001,46002,46003}"
REDIS_CLUSTER_HOST="${REDIS_CLUSTER_HOST:-127.0.0.1}"
REDIS_CLUSTER_DIR="${REDIS_CLUSTER_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.cache/redis-cluster}"
read -r -a CLUSTER_PORTS <<<"${REDIS_CLUSTER_PORTS//,/ }"
cluster_nodes() { # host:port,host:port,...
  local out="" port
  for port in "${CLUSTER_PORTS[@]}"; do out+="${out:+,}${REDIS_CLUSTER_HOST}:${port}"; done
  echo "$out"
}
