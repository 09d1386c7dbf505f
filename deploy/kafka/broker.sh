#!/usr/bin/env bash
# The local Apache Kafka of oreradar's embedded default: one KRaft node (broker+controller)
# on 127.0.0.1, or a cluster of N such nodes on this machine; jars resolved from Maven
# Central by deploy/kafka/pom.xml.
#
#   deploy/kafka/broker.sh fetch                resolve the jars into deploy/kafka/lib (once)
#   deploy/kafka/broker.sh start [--nodes N]    format storage on first start, start, wait until it accepts connections
#   deploy/kafka/broker.sh start --node I       start node I of a formatted cluster (after `stop --node I`)
#   deploy/kafka/broker.sh stop [--node I]      stop every node (or node I) cleanly (SIGTERM, then SIGKILL after 30 s)
#   deploy/kafka/broker.sh status               say which nodes run, exit 0 if all do
#   deploy/kafka/broker.sh bootstrap            print the bootstrap servers (host:port,...)
#
# One node (the default): client port ORERADAR_BROKER_PORT (9092), controller port+1,
# data in <state>/kafka. N nodes: node I (1..N) serves clients on port + 2(I-1) and its
# controller on the next port (9092/9093, 9094/9095, 9096/9097), data in
# <state>/kafka/node<I>; all nodes are voters of one controller quorum and are formatted
# once with one cluster id. The size is recorded in <state>/kafka/nodes at format time and
# kept: later commands (and the Python side) read it; changing it needs a fresh state dir.
#
# Settings (same names as the Python side):
#   ORERADAR_BROKER_PORT             client port of node 1 (default 9092)
#   ORERADAR_BROKER_CONTROLLER_PORT  override the controller port (single node only)
#   ORERADAR_BROKER_NODES            nodes to start when --nodes is not given (default: as recorded, else 1)
#   ORERADAR_STATE_DIR               state folder (default ~/.local/state/oreradar)
#   ORERADAR_BROKER_HEAP             JVM heap of each node (default 512m)
#   ORERADAR_PARTITIONS              default partitions of auto-created topics (default 6)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
PORT="${ORERADAR_BROKER_PORT:-9092}"
STATE="${ORERADAR_STATE_DIR:-$HOME/.local/state/oreradar}"
STATE="${STATE/#\~/$HOME}"
DIR="$STATE/kafka"
NODES_FILE="$DIR/nodes"
HEAP="${ORERADAR_BROKER_HEAP:-512m}"
PARTITIONS="${ORERADAR_PARTITIONS:-6}"
START_TIMEOUT="${ORERADAR_BROKER_START_TIMEOUT:-90}"
MAX_NODES=9

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

# --- cluster layout -------------------------------------------------------------------

# The size of the cluster formatted in this state dir: 0 when nothing is formatted yet.
recorded_nodes() {
  if [ -f "$NODES_FILE" ]; then cat "$NODES_FILE"
  elif [ -f "$DIR/data/meta.properties" ]; then echo 1
  else echo 0
  fi
}

# Node I's folder: the single node keeps today's layout (<state>/kafka) so an existing
# broker's data stays where it was.
node_dir() { if [ "$NODES" -eq 1 ]; then echo "$DIR"; else echo "$DIR/node$1"; fi; }
node_port() { echo $((PORT + 2 * ($1 - 1))); }
node_controller_port() {
  if [ "$NODES" -eq 1 ]; then echo "${ORERADAR_BROKER_CONTROLLER_PORT:-$((PORT + 1))}"
  else echo $(($(node_port "$1") + 1)); fi
}

voters() {
  local i out=""
  for i in $(seq 1 "$NODES"); do out="${out:+$out,}$i@127.0.0.1:$(node_controller_port "$i")"; done
  echo "$out"
}

bootstrap() {
  local i out=""
  for i in $(seq 1 "$NODES"); do out="${out:+$out,}127.0.0.1:$(node_port "$i")"; done
  echo "$out"
}

running_pid() {
  local pidfile; pidfile="$(node_dir "$1")/broker.pid"
  [ -f "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_props() {
  local node="$1" dir; dir="$(node_dir "$1")"
  # Replicated internal topics and two in-sync replicas once there are 3 nodes: an
  # acknowledged write then survives the loss of any one node.
  local rf=$((NODES < 3 ? NODES : 3)) isr=$((NODES >= 3 ? 2 : 1))
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<PROPS
# Written by deploy/kafka/broker.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://127.0.0.1:$(node_port "$node"),CONTROLLER://127.0.0.1:$(node_controller_port "$node")
advertised.listeners=PLAINTEXT://127.0.0.1:$(node_port "$node")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=$PARTITIONS
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
default.replication.factor=$rf
min.insync.replicas=$isr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
PROPS
  if [ "$NODES" -gt 1 ]; then
    # N JVMs share one machine and run with small heaps: the log cleaner's 128 MiB default
    # dedupe buffer alone made a 256m node fail its start with OutOfMemoryError.
    echo "log.cleaner.dedupe.buffer.size=16777216" >>"$dir/server.properties"
  fi
}

JAVA_CMD=(java -Xmx"$HEAP" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$HERE/log4j2.properties" -cp "$LIB/*")
java_run() { "${JAVA_CMD[@]}" "$@"; }

# Format every node of a new cluster with one cluster id (once; later starts keep the data).
# The size is recorded only once every node is formatted; a node that fails takes the
# fresh (empty) data of the others with it, so the next `start` formats from scratch.
format_cluster() {
  local i dir cluster_id
  mkdir -p "$(node_dir 1)/logs"
  cluster_id="$(java_run -Dkafka.logs.dir="$(node_dir 1)/logs" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  for i in $(seq 1 "$NODES"); do
    dir="$(node_dir "$i")"
    write_props "$i"
    say "formatting KRaft storage in $dir/data (cluster $cluster_id, node $i of $NODES)"
    if ! java_run -Dkafka.logs.dir="$dir/logs" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      >"$dir/logs/format.log" 2>&1; then
      cat "$dir/logs/format.log" >&2
      if [ "$NODES" -gt 1 ]; then
        for j in $(seq 1 "$NODES"); do rm -rf "$(node_dir "$j")/data"; done
      fi
      die "storage format of node $i failed (log above)"
    fi
  done
  if [ "$NODES" -gt 1 ]; then echo "$NODES" >"$NODES_FILE"; fi
}

# Launch node I in the background (no waiting); 1 if it runs already.
launch_node() {
  local node="$1" dir port pid; dir="$(node_dir "$1")"; port="$(node_port "$1")"
  if pid="$(running_pid "$node")"; then
    say "node $node already running (pid $pid) on 127.0.0.1:$port"; return 1
  fi
  for p in "$port" "$(node_controller_port "$node")"; do
    port_open "$p" && die "port $p (node $node) is taken by another process; set ORERADAR_BROKER_PORT to a free range or stop it"
  done
  write_props "$node"
  say "starting node $node on 127.0.0.1:$port (controller $(node_controller_port "$node"), data $dir/data)"
  # setsid: the broker outlives the shell or test process that started it, until `stop`.
  setsid "${JAVA_CMD[@]}" -Dkafka.logs.dir="$dir/logs" kafka.Kafka "$dir/server.properties" \
    >"$dir/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/broker.pid"
}

others_hint() { [ "$NODES" -eq 1 ] || printf '; the other nodes may still run: `oreradar broker stop` stops them'; }

# Wait until node I accepts connections (a node of a cluster does so once a controller
# quorum has formed, so every node is launched before any is waited for).
wait_node() {
  local node="$1" dir port waited=0; dir="$(node_dir "$1")"; port="$(node_port "$1")"
  until port_open "$port"; do
    if ! running_pid "$node" >/dev/null; then
      tail -n 30 "$dir/logs/stdout.log" >&2 || true
      die "node $node exited during start-up (full log: $dir/logs/server.log)$(others_hint)"
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      die "node $node did not accept connections on $port within ${START_TIMEOUT}s (log: $dir/logs/server.log)$(others_hint)"
    fi
    sleep 1; waited=$((waited + 1))
  done
  say "node $node ready on 127.0.0.1:$port (pid $(cat "$dir/broker.pid"))"
}

start() {
  need_tools
  fetch
  local i launched=()
  if [ "$(recorded_nodes)" -eq 0 ]; then format_cluster; fi
  for i in "${TARGETS[@]}"; do
    if launch_node "$i"; then launched+=("$i"); fi
  done
  for i in "${launched[@]}"; do wait_node "$i"; done
  [ "$NODES" -eq 1 ] || say "cluster of $NODES nodes: bootstrap $(bootstrap)"
}

# SIGTERM to every target at once (a cluster shut down node by node would lose its
# controller quorum half-way and leave the last nodes waiting), then wait for each.
stop() {
  local i pid pids=() nodes=()
  for i in "${TARGETS[@]}"; do
    if pid="$(running_pid "$i")"; then
      say "stopping node $i (pid $pid)"; kill -TERM "$pid"; pids+=("$pid"); nodes+=("$i")
    else
      rm -f "$(node_dir "$i")/broker.pid"
    fi
  done
  [ "${#pids[@]}" -gt 0 ] || { say "not running"; return 0; }
  for _ in $(seq 1 30); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || break
    sleep 1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then say "pid $pid still running after 30 s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for i in "${nodes[@]}"; do rm -f "$(node_dir "$i")/broker.pid"; done
  say "stopped"
}

status() {
  local i pid down=0
  for i in "${TARGETS[@]}"; do
    local name="node $i: "; [ "$NODES" -eq 1 ] && name=""
    if pid="$(running_pid "$i")"; then
      say "${name}running (pid $pid) on 127.0.0.1:$(node_port "$i"), data $(node_dir "$i")/data"
    else
      if [ "$NODES" -eq 1 ]; then say "not running"; else say "${name}not running (port $(node_port "$i"))"; fi
      down=1
    fi
  done
  return "$down"
}

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

ACTION="${1:-}"; [ $# -gt 0 ] && shift
WANT_NODES="${ORERADAR_BROKER_NODES:-}"
ONE_NODE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) WANT_NODES="${2:?--nodes needs a number}"; shift 2 ;;
    --node) ONE_NODE="${2:?--node needs a node number}"; shift 2 ;;
    *) usage ;;
  esac
done

# The cluster size: what the state dir recorded wins; asking for another size is an error.
RECORDED="$(recorded_nodes)"
case "$WANT_NODES" in ''|*[!0-9]*) [ -z "$WANT_NODES" ] || die "--nodes must be a number, got '$WANT_NODES'" ;; esac
if [ -n "$WANT_NODES" ] && { [ "$WANT_NODES" -lt 1 ] || [ "$WANT_NODES" -gt "$MAX_NODES" ]; }; then
  die "--nodes must be between 1 and $MAX_NODES, got $WANT_NODES"
fi
if [ "$RECORDED" -gt 0 ]; then
  if [ "$ACTION" = start ] && [ -n "$WANT_NODES" ] && [ "$WANT_NODES" -ne "$RECORDED" ]; then
    die "$DIR holds a $RECORDED-node cluster; stop it and remove $DIR (or use another ORERADAR_STATE_DIR) to start $WANT_NODES nodes"
  fi
  NODES="$RECORDED"
else
  NODES="${WANT_NODES:-1}"
fi
if [ -n "$ONE_NODE" ]; then
  case "$ONE_NODE" in ''|*[!0-9]*) die "--node must be a number, got '$ONE_NODE'" ;; esac
  [ "$ONE_NODE" -ge 1 ] && [ "$ONE_NODE" -le "$NODES" ] || die "no node $ONE_NODE: the cluster has $NODES node(s)"
  [ "$ACTION" = start ] && [ "$RECORDED" -eq 0 ] && die "no cluster formatted in $DIR yet: start it whole first"
  TARGETS=("$ONE_NODE")
else
  mapfile -t TARGETS < <(seq 1 "$NODES")
fi

case "$ACTION" in
  fetch) need_tools; fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  bootstrap) bootstrap ;;
  *) usage ;;
esac
