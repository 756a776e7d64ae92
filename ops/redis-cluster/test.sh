#!/usr/bin/env bash
# npm run test:redis-cluster: runs the Redis-facing suites, unchanged, against a Redis Cluster.
# Uses REDIS_CLUSTER_NODES when given (an existing cluster), else starts the local 3-master
# cluster (start.sh; ports from REDIS_CLUSTER_PORTS) and stops it afterwards.
# Extra arguments go to jest (e.g. a single test file instead of the list below).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."

SUITES=(
  test/integration/redis/multi-key.spec.ts
  test/integration/redis/idempotency-guard.spec.ts
  test/integration/cache/two-level-cache.spec.ts
  test/integration/store/stores.e2e-spec.ts
  test/integration/store/two-instances.e2e-spec.ts
  test/e2e/login.e2e-spec.ts
  test/e2e/login-resilience.e2e-spec.ts
  test/integration/store/redis-down.e2e-spec.ts
  test/integration/seckill/seckill-sale.e2e-spec.ts
)

nodes="${REDIS_CLUSTER_NODES:-}"
if [ -z "$nodes" ]; then
  trap 'bash "$here/stop.sh" >/dev/null 2>&1 || true' EXIT
  # A timeout (CI) signals the whole group: exit through the EXIT trap so the nodes stop too.
  trap 'exit 143' TERM INT
  nodes="$(bash "$here/start.sh" | sed -n 's/^REDIS_CLUSTER_NODES=//p')"
  [ -n "$nodes" ] || { echo "redis-cluster: could not start the cluster" >&2; exit 1; }
fi
echo "redis-cluster: running the Redis suites against $nodes"

if [ "$#" -gt 0 ]; then SUITES=("$@"); fi
# Suites reach the cluster through the test helpers (TEST_REDIS_CLUSTER_NODES); a child process
# inheriting REDIS_CLUSTER_NODES would bypass them.
TEST_REDIS_CLUSTER_NODES="$nodes" REDIS_CLUSTER_NODES="" \
  node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --runInBand "${SUITES[@]}"
