#!/usr/bin/env bash
# The local Apache Kafka of oreradar's embedded default: one KRaft node (broker+controller)
# on 127.0.0.1, or a cluster of N such nodes; jars resolved from Maven Central by deploy/kafka/pom.xml.
#
#   deploy/kafka/broker.sh fetch              resolve the jars into deploy/kafka/lib (once)
#   deploy/kafka/broker.sh start              format storage on first start, start, wait until it accepts connections
#   deploy/kafka/broker.sh start --nodes 3    a 3-node KRaft cluster (every node broker+controller, replication 3)
#   deploy/kafka/broker.sh stop               stop every node cleanly (SIGTERM, then SIGKILL after 30 s)
#   deploy/kafka/broker.sh stop --node N      stop node N of a cluster (0-based); start --node N starts it again
#   deploy/kafka/broker.sh status             say whether it runs, exit 0 if every node does
#
# Node i of a cluster listens on port+2i, its controller on port+2i+1, data in
# <state>/kafka/node-i; the single node keeps port, port+1 and <state>/kafka.
# Settings (same names as the Python side):
#   ORERADAR_BROKER_PORT             client port (default 9092); the controller listens on port+1
#   ORERADAR_BROKER_CONTROLLER_PORT  override the controller port (single node only)
#   ORERADAR_BROKER_NODES            nodes of a new cluster (default 1; --nodes wins)
#   ORERADAR_STATE_DIR               state folder (default ~/.local/state/oreradar); data in <state>/kafka
#   ORERADAR_BROKER_HEAP             JVM heap per node (default 512m)
#   ORERADAR_PARTITIONS              default partitions of auto-created topics (default 6)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
BASE_PORT="${ORERADAR_BROKER_PORT:-9092}"
STATE="${ORERADAR_STATE_DIR:-$HOME/.local/state/oreradar}"
STATE="${STATE/#\~/$HOME}"
ROOT_DIR="$STATE/kafka"
NODES_FILE="$ROOT_DIR/nodes"  # how many nodes the formatted cluster has (absent: one)
HEAP="${ORERADAR_BROKER_HEAP:-512m}"
PARTITIONS="${ORERADAR_PARTITIONS:-6}"
START_TIMEOUT="${ORERADAR_BROKER_START_TIMEOUT:-90}"

say() { printf 'broker: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need_tools() {
  command -v java >/dev/null 2>&1 || die "java not found. Kafka 4.x needs Java 17+: apt-get install -y openjdk-17-jre-headless"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')"
  [ "${major%%.*}" -ge 17 ] 2>/dev/null || die "java $major found; Kafka 4.x needs Java 17+: apt-get install -y openjdk-17-jre-headless"
}

fetch() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; it resolves Kafka's jars from Maven Central: apt-get install -y maven"
  say "resolving Apache Kafka from Maven Central into $LIB (once)"
  rm -rf "$LIB"
  mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB" \
    || die "mvn could not resolve deploy/kafka/pom.xml; check access to Maven Central (mvn -f deploy/kafka/pom.xml dependency:tree)"
  touch "$LIB/.complete"
}

# The cluster's size: what `start --nodes` formatted, else ORERADAR_BROKER_NODES, else 1.
cluster_nodes() {
  if [ -f "$NODES_FILE" ]; then cat "$NODES_FILE"; else echo "${ORERADAR_BROKER_NODES:-1}"; fi
}

# Point PORT, CONTROLLER_PORT, DIR, DATA, LOGS, PIDFILE, PROPS and NODE_ID at node $1 of a
# cluster of $2 nodes. A single node keeps the layout and ports it always had.
select_node() {
  local i="$1" n="$2"
  if [ "$n" -le 1 ]; then
    PORT="$BASE_PORT"; CONTROLLER_PORT="${ORERADAR_BROKER_CONTROLLER_PORT:-$((BASE_PORT + 1))}"
    DIR="$ROOT_DIR"; NODE_ID=1; NODE_INDEX=0
  else
    PORT=$((BASE_PORT + 2 * i)); CONTROLLER_PORT=$((BASE_PORT + 2 * i + 1))
    DIR="$ROOT_DIR/node-$i"; NODE_ID=$((i + 1)); NODE_INDEX=$i
  fi
  DATA="$DIR/data"; LOGS="$DIR/logs"; PIDFILE="$DIR/broker.pid"; PROPS="$DIR/server.properties"
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

write_props() {
  local n="$1" voters="" j
  if [ "$n" -le 1 ]; then
    voters="1@127.0.0.1:$CONTROLLER_PORT"
  else
    for j in $(seq 0 $((n - 1))); do
      voters="${voters:+$voters,}$((j + 1))@127.0.0.1:$((BASE_PORT + 2 * j + 1))"
    done
  fi
  # Replication follows the cluster: min(3, nodes) copies; on 3+ nodes a write needs 2 of
  # them in sync (acks=all), so one node can die without losing an acknowledged record.
  local replication isr
  replication="$(min 3 "$n")"
  if [ "$n" -ge 3 ]; then isr=2; else isr=1; fi
  mkdir -p "$DATA" "$LOGS"
  cat >"$PROPS" <<PROPS
# Written by deploy/kafka/broker.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
num.partitions=$PARTITIONS
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$isr
default.replication.factor=$replication
min.insync.replicas=$isr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
PROPS
}

# The JVM command line of the selected node (its own log folder).
java_cmd() {
  JAVA_CMD=(java -Xmx"$HEAP" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dkafka.logs.dir="${LOGS:-$ROOT_DIR/logs}" -cp "$LIB/*")
}
java_run() { java_cmd; "${JAVA_CMD[@]}" "$@"; }

# Start the selected node (see select_node) of a cluster of $1 nodes with cluster id $2; no waiting.
launch_node() {
  local n="$1" cluster_id="$2"
  if pid="$(running_pid)"; then
    say "node $NODE_INDEX already running (pid $pid) on 127.0.0.1:$PORT"
    return 0
  fi
  if port_open "$PORT"; then
    die "port $PORT is taken by another process; set ORERADAR_BROKER_PORT to a free port or stop it"
  fi
  write_props "$n"
  if [ ! -f "$DATA/meta.properties" ]; then
    # Format once; later starts keep the data (meta.properties holds the cluster id).
    [ -n "$cluster_id" ] || cluster_id="$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    say "formatting KRaft storage in $DATA (cluster $cluster_id)"
    java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >"$LOGS/format.log" 2>&1 \
      || { cat "$LOGS/format.log" >&2; die "storage format failed (log above)"; }
  fi
  say "starting Kafka node $NODE_INDEX on 127.0.0.1:$PORT (controller $CONTROLLER_PORT, data $DATA)"
  java_cmd
  # setsid: the broker outlives the shell or test process that started it, until `stop`.
  setsid "${JAVA_CMD[@]}" kafka.Kafka "$PROPS" >"$LOGS/stdout.log" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
}

# Wait until the selected node accepts connections.
wait_node() {
  local waited=0
  until port_open "$PORT"; do
    if ! running_pid >/dev/null; then
      tail -n 30 "$LOGS/stdout.log" >&2 || true
      die "Kafka node $NODE_INDEX exited during start-up (full log: $LOGS/server.log)"
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      die "Kafka node $NODE_INDEX did not accept connections on $PORT within ${START_TIMEOUT}s (log: $LOGS/server.log)"
    fi
    sleep 1; waited=$((waited + 1))
  done
  say "ready on 127.0.0.1:$PORT (node $NODE_INDEX, pid $(cat "$PIDFILE"))"
}

# A formatted node's cluster id, so that a node formatted later joins the same cluster.
existing_cluster_id() {
  local f
  for f in "$ROOT_DIR"/node-*/data/meta.properties; do
    [ -f "$f" ] && { sed -n 's/^cluster.id=//p' "$f"; return 0; }
  done
  return 0
}

start() {
  local want_nodes="$1" only="$2" n
  need_tools
  fetch
  n="$(cluster_nodes)"
  if [ -n "$want_nodes" ]; then
    if [ -f "$NODES_FILE" ] || [ -f "$ROOT_DIR/data/meta.properties" ]; then
      [ "$want_nodes" = "$n" ] || die "the state folder holds a $n-node cluster; stop it and use another ORERADAR_STATE_DIR for $want_nodes nodes"
    fi
    n="$want_nodes"
  fi
  [ "$n" -ge 1 ] 2>/dev/null || die "--nodes must be a number >= 1"
  mkdir -p "$ROOT_DIR"
  [ "$n" -le 1 ] || echo "$n" >"$NODES_FILE"
  local cluster_id="" i nodes
  if [ "$n" -gt 1 ]; then
    cluster_id="$(existing_cluster_id)"
    [ -n "$cluster_id" ] || cluster_id="$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  fi
  if [ -n "$only" ]; then nodes="$only"; else nodes="$(seq 0 $((n - 1)))"; fi
  for i in $nodes; do
    [ "$i" -lt "$n" ] 2>/dev/null || die "no node $i in a $n-node cluster (nodes 0..$((n - 1)))"
    select_node "$i" "$n"; launch_node "$n" "$cluster_id"
  done
  # The nodes elect a controller among themselves: start all, then wait for each.
  for i in $nodes; do select_node "$i" "$n"; wait_node; done
}

stop_node() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"; return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; say "stopped node $NODE_INDEX"; return 0; }
    sleep 1
  done
  say "node $NODE_INDEX still running after 30 s; killing"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

stop() {
  local only="$1" n i nodes stopped=0
  n="$(cluster_nodes)"
  if [ -n "$only" ]; then nodes="$only"; else nodes="$(seq 0 $((n - 1)))"; fi
  # Stop the nodes together: one by one, the last ones would wait for a quorum that is gone.
  for i in $nodes; do
    select_node "$i" "$n"
    if pid="$(running_pid)"; then say "stopping node $NODE_INDEX (pid $pid)"; kill -TERM "$pid"; fi
  done
  for i in $nodes; do
    select_node "$i" "$n"
    if stop_node; then stopped=$((stopped + 1)); fi
  done
  [ "$stopped" -gt 0 ] || say "not running"
  return 0
}

status() {
  local n i up=0
  n="$(cluster_nodes)"
  for i in $(seq 0 $((n - 1))); do
    select_node "$i" "$n"
    if pid="$(running_pid)"; then
      say "node $NODE_INDEX running (pid $pid) on 127.0.0.1:$PORT, data $DATA"; up=$((up + 1))
    elif [ "$n" -gt 1 ]; then
      say "node $NODE_INDEX not running (port $PORT)"
    fi
  done
  if [ "$up" -eq 0 ]; then say "not running"; return 1; fi
  [ "$up" -eq "$n" ]
}

ACTION="${1:-}"; shift || true
NODES_ARG=""; NODE_ARG=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --nodes) NODES_ARG="${2:-}"; shift 2 ;;
    --node) NODE_ARG="${2:-}"; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done

case "$ACTION" in
  fetch) need_tools; fetch ;;
  start) start "$NODES_ARG" "$NODE_ARG" ;;
  stop) stop "$NODE_ARG" ;;
  status) status ;;
  *) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
