#!/usr/bin/env bash
# npm run test:rocketmq — every message-bearing suite, unchanged, against a real Apache RocketMQ 5
# instead of the embedded broker, plus test/rocketmq/ (differential and multi-process suites).
# Uses ROCKETMQ_ENDPOINTS + ROCKETMQ_NAMESRV when both are given; else starts a local RocketMQ
# (npm run rocketmq:start) and stops it afterwards. Provisions the catalogue first.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_DIR"

started=""
if [ -n "${ROCKETMQ_ENDPOINTS:-}" ] && [ -n "${ROCKETMQ_NAMESRV:-}" ]; then
  endpoints=$ROCKETMQ_ENDPOINTS
  namesrv=$ROCKETMQ_NAMESRV
else
  if ! pid_alive "$RUN_DIR/proxy.pid"; then started=yes; fi
  out=$(bash "$OPS_DIR/start.sh")
  echo "$out"
  endpoints=$(echo "$out" | sed -n 's/^ROCKETMQ_ENDPOINTS=//p')
  namesrv=$(echo "$out" | sed -n 's/^ROCKETMQ_NAMESRV=//p')
fi
cleanup() { if [ -n "$started" ] && [ -z "${KEEP_ROCKETMQ:-}" ]; then bash "$OPS_DIR/stop.sh"; fi; }
trap cleanup EXIT

# The API instances the suites start each need their own groups (cg-order-sub-<id> FIFO): the
# INSTANCE_IDs the tests name, and the default id of an instance on port 0 (sha256 of host:0).
# test/helpers/real-rocketmq.ts provisions any other id on the fly (one JVM, ~15 s).
default_id=$(node -e 'const c=require("node:crypto"),o=require("node:os");process.stdout.write(c.createHash("sha256").update(o.hostname()+":0").digest("hex").slice(0,12))')
instance_ids=$(grep -rhoE "INSTANCE_ID: '[A-Za-z0-9_-]+'" test | sed -E "s/.*'(.*)'/\1/" | sort -u | paste -sd, -)
# test/rocketmq/multi-process.e2e-spec.ts starts API processes mp-api-1 and mp-api-2.
instance_ids="$default_id,$instance_ids,mp-api-1,mp-api-2"
export TEST_ROCKETMQ_MARKERS=${TEST_ROCKETMQ_MARKERS:-$(mktemp -d /tmp/wxshop-rmq-groups.XXXXXX)}
# Retries as quick as the embedded broker's in test/helpers/test-app.ts (200 ms, then up to 1 s).
provision_started=$(date +%s)
npm run -s mq:provision -- --namesrv "$namesrv" --instance-ids "$instance_ids" --retry-initial-ms 200 --retry-max-ms 1000 \
  >"$TEST_ROCKETMQ_MARKERS/provision.log" 2>&1 || { cat "$TEST_ROCKETMQ_MARKERS/provision.log"; exit 1; }
echo "$(tail -1 "$TEST_ROCKETMQ_MARKERS/provision.log") in $(( $(date +%s) - provision_started )) s"
for id in ${instance_ids//,/ }; do touch "$TEST_ROCKETMQ_MARKERS/$id"; done

SUITES=(
  test/e2e/login.e2e-spec.ts
  test/e2e/login-resilience.e2e-spec.ts
  test/integration/store/
  test/integration/order/
  test/integration/status-stream/
  test/integration/payment/
  test/integration/outbox/
  test/rocketmq/
)
# ROCKETMQ_SUITES="a.spec.ts b/" runs only those paths (while iterating on a few suites).
if [ -n "${ROCKETMQ_SUITES:-}" ]; then read -r -a SUITES <<<"$ROCKETMQ_SUITES"; fi
# test/rocketmq/multi-process.e2e-spec.ts runs the compiled entry point.
npm run -s build
export TEST_USE_DIST=1
export TEST_ROCKETMQ_ENDPOINTS=$endpoints TEST_ROCKETMQ_NAMESRV=$namesrv
# The broker-outage tests freeze the local proxy's JVM (test/integration/payment/helpers.ts).
if [ -z "${TEST_ROCKETMQ_PROXY_PID:-}" ] && [ -z "${ROCKETMQ_ENDPOINTS:-}" ] && pid_alive "$RUN_DIR/proxy.pid"; then
  export TEST_ROCKETMQ_PROXY_PID=$(cat "$RUN_DIR/proxy.pid")
fi
# --forceExit: a client of a failed test can hold a gRPC channel open, and the run must end.
# --testTimeout: test/helpers/wait.ts stretches its deadlines 12x on RocketMQ (TEST_DEADLINE_SCALE).
node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --runInBand --forceExit --testTimeout 900000 "$@" "${SUITES[@]}"
