#!/usr/bin/env bash
# The local Apache Kafka of oreradar's embedded default: one KRaft node (broker+controller)
# on 127.0.0.1, its jars resolved from Maven Central by deploy/kafka/pom.xml.
#
#   deploy/kafka/broker.sh fetch    resolve the jars into deploy/kafka/lib (once)
#   deploy/kafka/broker.sh start    format storage on first start, start, wait until it accepts connections
#   deploy/kafka/broker.sh stop     stop it cleanly (SIGTERM, then SIGKILL after 30 s)
#   deploy/kafka/broker.sh status   say whether it runs, exit 0 if so
#
# Settings (same names as the Python side):
#   ORERADAR_BROKER_PORT             client port (default 9092); the controller listens on port+1
#   ORERADAR_BROKER_CONTROLLER_PORT  override the controller port
#   ORERADAR_STATE_DIR               state folder (default ~/.local/state/oreradar); data in <state>/kafka
#   ORERADAR_BROKER_HEAP             JVM heap (default 512m)
#   ORERADAR_PARTITIONS              default partitions of auto-created topics (default 6)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
PORT="${ORERADAR_BROKER_PORT:-9092}"
CONTROLLER_PORT="${ORERADAR_BROKER_CONTROLLER_PORT:-$((PORT + 1))}"
STATE="${ORERADAR_STATE_DIR:-$HOME/.local/state/oreradar}"
STATE="${STATE/#\~/$HOME}"
DIR="$STATE/kafka"
DATA="$DIR/data"
LOGS="$DIR/logs"
PIDFILE="$DIR/broker.pid"
PROPS="$DIR/server.properties"
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

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_props() {
  mkdir -p "$DATA" "$LOGS"
  cat >"$PROPS" <<PROPS
# Written by deploy/kafka/broker.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
num.partitions=$PARTITIONS
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
PROPS
}

JAVA_CMD=(java -Xmx"$HEAP" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dkafka.logs.dir="$LOGS" -cp "$LIB/*")
java_run() { "${JAVA_CMD[@]}" "$@"; }

start() {
  need_tools
  fetch
  if pid="$(running_pid)"; then
    say "already running (pid $pid) on 127.0.0.1:$PORT"
    return 0
  fi
  if port_open "$PORT"; then
    die "port $PORT is taken by another process; set ORERADAR_BROKER_PORT to a free port or stop it"
  fi
  write_props
  if [ ! -f "$DATA/meta.properties" ]; then
    # Format once; later starts keep the data (meta.properties holds the cluster id).
    local cluster_id
    cluster_id="$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    say "formatting KRaft storage in $DATA (cluster $cluster_id)"
    java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >"$LOGS/format.log" 2>&1 \
      || { cat "$LOGS/format.log" >&2; die "storage format failed (log above)"; }
  fi
  say "starting Kafka on 127.0.0.1:$PORT (controller $CONTROLLER_PORT, data $DATA)"
  # setsid: the broker outlives the shell or test process that started it, until `stop`.
  setsid "${JAVA_CMD[@]}" kafka.Kafka "$PROPS" >"$LOGS/stdout.log" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  local waited=0
  until port_open "$PORT"; do
    if ! running_pid >/dev/null; then
      tail -n 30 "$LOGS/stdout.log" >&2 || true
      die "Kafka exited during start-up (full log: $LOGS/server.log)"
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      die "Kafka did not accept connections on $PORT within ${START_TIMEOUT}s (log: $LOGS/server.log)"
    fi
    sleep 1; waited=$((waited + 1))
  done
  say "ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running"; rm -f "$PIDFILE"; return 0
  fi
  say "stopping pid $pid"
  kill -TERM "$pid"
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; say "stopped"; return 0; }
    sleep 1
  done
  say "still running after 30 s; killing"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

status() {
  if pid="$(running_pid)"; then
    say "running (pid $pid) on 127.0.0.1:$PORT, data $DATA"
  else
    say "not running"; return 1
  fi
}

case "${1:-}" in
  fetch) need_tools; fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
