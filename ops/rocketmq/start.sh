#!/usr/bin/env bash
# npm run rocketmq:start — a local Apache RocketMQ 5: a nameserver and a proxy in local mode (the
# broker runs inside the proxy's JVM), on a fresh store, fetched from Maven Central on first use.
# Prints the gRPC endpoint (ROCKETMQ_ENDPOINTS) and the nameserver (ROCKETMQ_NAMESRV). Idempotent:
# when both already run, it only prints them. Stop with npm run rocketmq:stop.
set -euo pipefail
. "$(dirname "$0")/env.sh"

if pid_alive "$RUN_DIR/namesrv.pid" && pid_alive "$RUN_DIR/proxy.pid" && port_open "$HOST" "$PROXY_GRPC_PORT"; then
  echo "rocketmq: already running"
else
  command -v java >/dev/null || { echo "rocketmq: java not found (Java 17 is needed)" >&2; exit 1; }
  command -v mvn >/dev/null || { echo "rocketmq: mvn not found" >&2; exit 1; }
  "$OPS_DIR/stop.sh" >/dev/null 2>&1 || true
  for port in "$NAMESRV_PORT" "$PROXY_GRPC_PORT" "$PROXY_REMOTING_PORT" "$BROKER_PORT" "$((BROKER_PORT - 2))" "$HA_PORT"; do
    if port_open "$HOST" "$port"; then echo "rocketmq: port $port is taken; set ROCKETMQ_*_PORT" >&2; exit 1; fi
  done
  ensure_lib
  # A fresh store every start: tests expect no backlog from an earlier run.
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/home/conf" "$RUN_DIR/store"

  cat >"$RUN_DIR/namesrv.properties" <<CONF
listenPort=$NAMESRV_PORT
CONF

  # Defaults are RocketMQ's unless noted. Sizes: RocketMQ preallocates (mmap) 1 GiB commit-log
  # files, 6 MB consume queues, 100 MB timer logs and 420 MB index files; small ones fit a dev box.
  cat >"$RUN_DIR/broker.conf" <<CONF
brokerClusterName=$CLUSTER
brokerName=broker-a
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
brokerIP1=$HOST
namesrvAddr=$HOST:$NAMESRV_PORT
listenPort=$BROKER_PORT
haListenPort=$HA_PORT
storePathRootDir=$RUN_DIR/store
storePathCommitLog=$RUN_DIR/store/commitlog
mappedFileSizeCommitLog=67108864
mappedFileSizeConsumeQueue=600000
mappedFileSizeTimerLog=16777216
maxHashSlotNum=100000
maxIndexNum=400000
fileReservedTime=12
diskMaxUsedSpaceRatio=90
# Topics come from npm run mq:provision only, as on a production cluster: a typo'd topic fails
# (TOPIC_NOT_FOUND) instead of silently becoming a NORMAL topic. gRPC clients never auto-create anyway.
autoCreateTopicEnable=false
# RocketMQ's default: groups appear on first use, non-FIFO with 16 retries. Provisioned groups
# (FIFO flag, retry policy) override that.
autoCreateSubscriptionGroup=true
# Delay messages on the timer wheel (RocketMQ 5's default), 1 s precision.
timerWheelEnable=true
timerPrecisionMs=1000
# SQL92 filters on user properties (off by default in RocketMQ).
enablePropertyFilter=true
# Transaction check-back, shortened for tests: a half message is first checked once it is 3 s
# old (RocketMQ: 6 s), in passes every 3 s (RocketMQ: 30 s); 15 checks, then it is discarded.
transactionTimeOut=3000
transactionCheckInterval=3000
transactionCheckMax=15
CONF

  # Push consumers long-poll for what the proxy's settings say (RocketMQ: 20 s) and a shutdown
  # waits for the poll in flight: 5 s (the app's MQ_LONG_POLLING_TIMEOUT default) keeps stops short.
  cat >"$RUN_DIR/proxy.json" <<CONF
{
  "rocketMQClusterName": "$CLUSTER",
  "namesrvAddr": "$HOST:$NAMESRV_PORT",
  "grpcServerPort": $PROXY_GRPC_PORT,
  "remotingListenPort": $PROXY_REMOTING_PORT,
  "grpcClientConsumerMaxLongPollingTimeoutMillis": 5000
}
CONF

  cd "$RUN_DIR"
  export ROCKETMQ_HOME="$RUN_DIR/home"
  # setsid: the JVMs outlive this script and are not killed with the shell that ran it.
  setsid java -Xms256m -Xmx256m $JAVA_OPTS_COMMON -cp "$LIB_DIR/*" \
    org.apache.rocketmq.namesrv.NamesrvStartup -c "$RUN_DIR/namesrv.properties" \
    >"$RUN_DIR/namesrv.out" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/namesrv.pid"
  for _ in $(seq 1 120); do port_open "$HOST" "$NAMESRV_PORT" && break; sleep 0.5; done
  port_open "$HOST" "$NAMESRV_PORT" || { echo "rocketmq: nameserver did not start; see $RUN_DIR/namesrv.out" >&2; tail -20 "$RUN_DIR/namesrv.out" >&2; exit 1; }

  setsid java -Xms512m -Xmx512m -XX:MaxDirectMemorySize=512m $JAVA_OPTS_COMMON -cp "$LIB_DIR/*" \
    org.apache.rocketmq.proxy.ProxyStartup -pm local -pc "$RUN_DIR/proxy.json" -bc "$RUN_DIR/broker.conf" \
    >"$RUN_DIR/proxy.out" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/proxy.pid"
  for _ in $(seq 1 240); do
    port_open "$HOST" "$PROXY_GRPC_PORT" && break
    pid_alive "$RUN_DIR/proxy.pid" || break
    sleep 0.5
  done
  if ! port_open "$HOST" "$PROXY_GRPC_PORT"; then
    echo "rocketmq: proxy did not start; see $RUN_DIR/proxy.out and $RUN_DIR/logs/rocketmqlogs/" >&2
    tail -30 "$RUN_DIR/proxy.out" >&2
    exit 1
  fi
fi
echo "ROCKETMQ_VERSION=$ROCKETMQ_VERSION"
echo "ROCKETMQ_ENDPOINTS=$HOST:$PROXY_GRPC_PORT"
echo "ROCKETMQ_NAMESRV=$HOST:$NAMESRV_PORT"
