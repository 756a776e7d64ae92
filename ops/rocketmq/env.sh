# Shared settings of ops/rocketmq/*.sh (sourced, not run). Every port is fixed and non-default so a
# local RocketMQ never collides with another one on the machine; override any of them by env.
ROCKETMQ_VERSION=5.3.3 # keep in step with pom.xml
OPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$OPS_DIR/../.." && pwd)
CACHE_DIR=${ROCKETMQ_CACHE_DIR:-$REPO_DIR/.cache/rocketmq}
LIB_DIR=$CACHE_DIR/lib
RUN_DIR=${ROCKETMQ_RUN_DIR:-$CACHE_DIR/run}
HOST=${ROCKETMQ_HOST:-127.0.0.1}
NAMESRV_PORT=${ROCKETMQ_NAMESRV_PORT:-45876}
PROXY_GRPC_PORT=${ROCKETMQ_GRPC_PORT:-45881}
PROXY_REMOTING_PORT=${ROCKETMQ_PROXY_REMOTING_PORT:-45880}
# The broker also listens on BROKER_PORT-2 (its "fast" channel) and on HA_PORT.
BROKER_PORT=${ROCKETMQ_BROKER_PORT:-45911}
HA_PORT=${ROCKETMQ_HA_PORT:-45912}
CLUSTER=${ROCKETMQ_CLUSTER:-DefaultCluster}
# Small, quick-starting JVMs: the machine has 2 cores shared with everything else.
JAVA_OPTS_COMMON="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+PerfDisableSharedMem -Duser.home=$RUN_DIR -Drocketmq.home.dir=$RUN_DIR/home"

ensure_lib() {
  local stamp
  stamp=$(sha256sum "$OPS_DIR/pom.xml" | cut -c1-16)
  if [ -f "$LIB_DIR/.pom-$stamp" ]; then return 0; fi
  echo "rocketmq: resolving Apache RocketMQ $ROCKETMQ_VERSION from Maven Central into $LIB_DIR" >&2
  rm -rf "$LIB_DIR"
  mvn -q -B -f "$OPS_DIR/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB_DIR" >&2
  touch "$LIB_DIR/.pom-$stamp"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
