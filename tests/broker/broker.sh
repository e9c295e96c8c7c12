#!/usr/bin/env bash
# Fetch, start and stop a REAL Apache Kafka broker (KRaft, no ZooKeeper) for the
# project's tests. No Docker, no tarball: the broker jars come from Maven
# Central through tests/broker/pom.xml. See tests/broker/README.md.
#
#   broker.sh fetch                     jars into the cache (once; then offline)
#   broker.sh start  [DIR]              1 node;  prints host:port (last stdout line)
#   broker.sh start --secure [DIR]      same, plus SSL, SASL_SSL and SASL_PLAINTEXT
#                                       listeners (DIR/secure lists them)
#   broker.sh start3 [DIR]              3 nodes; prints host:port,host:port,host:port
#   broker.sh stop   DIR                SIGTERM, <=30 s, SIGKILL; removes DIR
#   broker.sh run  [--secure] -- CMD ARGS...  fetch+start, KAFKA_BOOTSTRAP=..., CMD, stop
#   broker.sh run3 -- CMD ARGS...       same with 3 nodes
#   broker.sh topic BOOTSTRAP NAME PARTITIONS [RF]
set -euo pipefail

SELF=$(readlink -f -- "${BASH_SOURCE[0]}")
HERE=$(dirname -- "$SELF")
POM="$HERE/pom.xml"
CACHE="${KAFKA_BROKER_CACHE:-$HERE/.cache}"
LIB="$CACHE/lib"
STAMP="$LIB/.fetched"
READY_TIMEOUT="${KAFKA_BROKER_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_BROKER_STOP_TIMEOUT:-30}"
MARKER=".kafka-test-broker"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# 1: the single node also gets secured listeners (start --secure, run --secure).
SECURE="${KAFKA_BROKER_SECURE:-0}"

log() { printf 'broker.sh: %s\n' "$*" >&2; }
die() { printf 'broker.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF" >&2
  exit 2
}

# ---------------------------------------------------------------- fetch ----

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

fetched() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(pom_sum)" ]; }

fetch_fail() {
  printf 'broker.sh: error: the Kafka broker jars could not be fetched from Maven Central (%s), so the real-broker tests cannot run.\n' "$1" >&2
  exit 1
}

do_fetch() {
  fetched && return 0
  command -v mvn >/dev/null 2>&1 || fetch_fail "mvn is not installed"
  mkdir -p "$CACHE"
  # Serialize concurrent fetches (parallel test jobs) on one lock file.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/.lock"
    flock 9
  fi
  if ! fetched; then
    local tmp="$CACHE/lib.tmp.$$" mlog="$CACHE/fetch.log" ok=0
    rm -rf "$tmp"
    log "fetching the Kafka broker jars into $LIB (Maven; log: $mlog)"
    # Offline first: succeeds without network when ~/.m2 already has them.
    local args=(-B -q -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp")
    if mvn -o "${args[@]}" >"$mlog" 2>&1 </dev/null; then
      ok=1
    elif mvn "${args[@]}" >>"$mlog" 2>&1 </dev/null; then
      ok=1
    fi
    if [ "$ok" != 1 ] || ! ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1; then
      rm -rf "$tmp"
      exec 9>&-
      fetch_fail "see $mlog"
    fi
    pom_sum >"$tmp/.fetched"
    rm -rf "$LIB"
    mv "$tmp" "$LIB"
    log "fetched $(find "$LIB" -name "*.jar" | wc -l) jars"
  fi
  exec 9>&-
}

# ---------------------------------------------------------------- utils ----

# Alive and really one of our brokers (not a zombie, not a reused pid).
is_broker() {
  local pid=$1 cmd
  [ -r "/proc/$pid/cmdline" ] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  case "$cmd" in *kafka.Kafka*) return 0 ;; esac
  return 1
}

pid_alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# N distinct free TCP ports on 127.0.0.1, one per line.
free_ports() {
  local n=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$n" <<'PY' && return 0
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
for s in socks:
    s.close()
PY
  fi
  # Fallback without python3: random ports below the ephemeral range that
  # nobody answers on.
  local got=() p
  while [ "${#got[@]}" -lt "$n" ]; do
    p=$((20000 + RANDOM % 12000))
    case " ${got[*]-} " in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then got+=("$p"); fi
  done
  printf '%s\n' "${got[@]}"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what
# `kafka.tools.StorageTool random-uuid` prints), never starting with '-'.
cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    case "$id" in -*) ;; *) printf '%s\n' "$id"; return ;; esac
  done
}

write_log4j() {
  # $1 file, $2 root level/appender target (stdout for the broker, stderr for tools)
  local target=System.out level=INFO
  [ "$2" = stderr ] && { target=System.err; level=WARN; }
  cat >"$1" <<EOF
log4j.rootLogger=$level, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.Target=$target
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.clients.admin=$level
EOF
}

# Small, low-CPU JVM for a 2-core shared machine.
jvm_common=(
  -XX:+UseSerialGC
  -XX:MaxMetaspaceSize=160m
  -XX:ReservedCodeCacheSize=96m
  -XX:CICompilerCount=2
  -XX:+ExitOnOutOfMemoryError
  -XX:-UsePerfData
  -Djava.awt.headless=true
  -Djava.net.preferIPv4Stack=true
)
# Short-lived tools (StorageTool, TopicCommand): start fast, C1 only.
jvm_tool=("${jvm_common[@]}" -Xms32m -Xmx192m -XX:TieredStopAtLevel=1 -Xshare:auto)

run_tool() {
  # run_tool MAIN_CLASS ARGS...
  local l4j="$CACHE/tools-log4j.properties"
  if [ ! -f "$l4j" ]; then
    write_log4j "$l4j.$$" stderr
    mv -f "$l4j.$$" "$l4j"
  fi
  "$JAVA" "${jvm_tool[@]}" -Dlog4j.configuration="file:$l4j" -cp "$LIB/*" "$@"
}

# --------------------------------------------------------------- secure ----

# Throw-away credentials of the secured listeners (start --secure).
TLS_PASS=kafkaso-test
SCRAM_USER=alice SCRAM_PASS=alice-secret
PLAIN_USER=bob PLAIN_PASS=bob-secret

# make_tls DIR: a test CA, the broker's certificate for 127.0.0.1/localhost,
# one signed by the same CA for another host name (the hostname-mismatch
# listener), and an unrelated CA that clients must not trust. EC keys: fast.
make_tls() {
  local d=$1 name
  mkdir -p "$d"
  (
    cd "$d"
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    for name in ca untrusted-ca; do
      key "$name.key"
      openssl req -x509 -new -key "$name.key" -out "$name.pem" -days 3 -subj "/CN=kafkaso $name" 2>/dev/null
    done
    # broker: what clients verify against 127.0.0.1; other-host: valid, for another name.
    for name in broker:'subjectAltName=IP:127.0.0.1,DNS:localhost' other-host:'subjectAltName=DNS:kafka.other.example'; do
      local base=${name%%:*} san=${name#*:}
      key "$base.key"
      openssl req -new -key "$base.key" -out "$base.csr" -subj "/CN=$base" 2>/dev/null
      openssl x509 -req -in "$base.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 \
        -extfile <(printf '%s\n' "$san") -out "$base.pem" 2>/dev/null
      openssl pkcs12 -export -in "$base.pem" -inkey "$base.key" -certfile ca.pem -name "$base" \
        -passout "pass:$TLS_PASS" -out "$base.p12"
    done
  ) || die "could not make the test certificates with openssl"
}

# secure_props TLS_DIR: server.properties lines of the secured listeners.
secure_props() {
  local t=$1
  cat <<EOF
ssl.keystore.type=PKCS12
ssl.keystore.location=$t/broker.p12
ssl.keystore.password=$TLS_PASS
ssl.key.password=$TLS_PASS
listener.name.wronghost.ssl.keystore.type=PKCS12
listener.name.wronghost.ssl.keystore.location=$t/other-host.p12
listener.name.wronghost.ssl.keystore.password=$TLS_PASS
listener.name.wronghost.ssl.key.password=$TLS_PASS
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$PLAIN_USER="$PLAIN_PASS";
EOF
}

# ---------------------------------------------------------------- start ----

# write_props FILE NODE_ID N_NODES BROKER_PORT CONTROLLER_PORT VOTERS DATA_DIR
write_props() {
  local f=$1 id=$2 n=$3 bport=$4 cport=$5 voters=$6 data=$7 rf=1 isr=1
  [ "$n" -gt 1 ] && { rf=3; isr=2; }
  cat >"$f" <<EOF
# Generated by tests/broker/broker.sh: throw-away test broker.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$bport,CONTROLLER://127.0.0.1:$cport${SECURE_LISTENERS:+,$SECURE_LISTENERS}
advertised.listeners=PLAINTEXT://127.0.0.1:$bport${SECURE_LISTENERS:+,$SECURE_LISTENERS}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${SECURE_LISTENERS:+,SSL:SSL,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,WRONGHOST:SSL}
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=$n
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=$n
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=2097152
log.cleaner.threads=1
num.network.threads=2
num.io.threads=2
background.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
controlled.shutdown.enable=false
EOF
  [ -n "${SECURE_LISTENERS:-}" ] && secure_props "$dir_tls" >>"$f"
  # Extra lines from the environment (newline separated key=value).
  if [ -n "${KAFKA_BROKER_PROPS:-}" ]; then
    printf '%s\n' "$KAFKA_BROKER_PROPS" >>"$f"
  fi
}

# any_broker PID...: whether any of them is still one of our broker JVMs.
any_broker() {
  local p
  for p in "$@"; do is_broker "$p" && return 0; done
  return 1
}

# wait_gone SECONDS PID...: polls until none of them runs; 1 if time ran out.
wait_gone() {
  local deadline=$((SECONDS + $1))
  shift
  while any_broker "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# terminate SECONDS PID...: SIGTERM, wait up to SECONDS, then SIGKILL.
terminate() {
  local grace=$1 p
  shift
  for p in "$@"; do is_broker "$p" && { kill -TERM "$p" 2>/dev/null || true; }; done
  wait_gone "$grace" "$@" && return 0
  for p in "$@"; do
    if is_broker "$p"; then
      log "pid $p still running after ${grace}s: SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  wait_gone 10 "$@"
}

# One attempt at starting N nodes in $dir. Returns 0 when ready, 1 on failure
# (JVMs killed, log tail printed), 3 when a port was taken meanwhile (retry).
start_attempt() {
  local dir=$1 n=$2 i
  local ports=() bports=() cports=() pids=() voters="" boot="" nsec=0
  if [ "$SECURE" = 1 ]; then
    [ "$n" = 1 ] || die "secured listeners: one node only"
    nsec=4
  fi
  mapfile -t ports < <(free_ports $((2 * n + nsec)))
  [ "${#ports[@]}" -eq $((2 * n + nsec)) ] || die "could not find $((2 * n + nsec)) free ports"
  SECURE_LISTENERS="" dir_tls="$dir/tls"
  local scram=()
  if [ "$SECURE" = 1 ]; then
    local s=("${ports[@]:$((2 * n))}")
    SECURE_LISTENERS="SSL://127.0.0.1:${s[0]},SASL_SSL://127.0.0.1:${s[1]},SASL_PLAINTEXT://127.0.0.1:${s[2]},WRONGHOST://127.0.0.1:${s[3]}"
    [ -f "$dir_tls/broker.p12" ] || make_tls "$dir_tls"
    # The SCRAM user goes into the cluster metadata when it is formatted.
    scram=(--add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASS]")
    cat >"$dir/secure" <<EOF
ssl=127.0.0.1:${s[0]}
sasl_ssl=127.0.0.1:${s[1]}
sasl_plaintext=127.0.0.1:${s[2]}
ssl_wrong_host=127.0.0.1:${s[3]}
ca=$dir_tls/ca.pem
untrusted_ca=$dir_tls/untrusted-ca.pem
scram_user=$SCRAM_USER
scram_password=$SCRAM_PASS
plain_user=$PLAIN_USER
plain_password=$PLAIN_PASS
EOF
  fi
  for i in $(seq 1 "$n"); do
    bports+=("${ports[$((2 * i - 2))]}")
    cports+=("${ports[$((2 * i - 1))]}")
    voters+="${voters:+,}$i@127.0.0.1:${cports[$((i - 1))]}"
    boot+="${boot:+,}127.0.0.1:${bports[$((i - 1))]}"
  done

  local cid
  cid=$(cluster_id)
  write_log4j "$dir/log4j.properties" stdout
  rm -f "$dir/pids" "$dir/bootstrap"

  # Configure and format every node (formats run in parallel).
  local fpids=()
  for i in $(seq 1 "$n"); do
    local nd="$dir/node$i"
    rm -rf "$nd"
    mkdir -p "$nd/data"
    write_props "$nd/server.properties" "$i" "$n" "${bports[$((i - 1))]}" \
      "${cports[$((i - 1))]}" "$voters" "$nd/data"
    run_tool kafka.tools.StorageTool format -t "$cid" -c "$nd/server.properties" \
      ${scram[@]+"${scram[@]}"} --ignore-formatted >"$nd/format.log" 2>&1 </dev/null &
    fpids+=($!)
  done
  for i in $(seq 1 "$n"); do
    if ! wait "${fpids[$((i - 1))]}"; then
      log "formatting node $i failed:"
      tail -n 30 "$dir/node$i/format.log" >&2 || true
      return 1
    fi
  done

  local heap
  if [ "$n" -gt 1 ]; then heap=(-Xms96m -Xmx256m); else heap=(-Xms128m -Xmx384m); fi
  local extra=()
  [ -n "${KAFKA_BROKER_JAVA_OPTS:-}" ] && read -r -a extra <<<"$KAFKA_BROKER_JAVA_OPTS"

  for i in $(seq 1 "$n"); do
    local nd="$dir/node$i"
    "$JAVA" "${heap[@]}" "${jvm_common[@]}" ${extra[@]+"${extra[@]}"} \
      -Dlog4j.configuration="file:$dir/log4j.properties" \
      -Dkafka.logs.dir="$nd" \
      -cp "$LIB/*" kafka.Kafka "$nd/server.properties" \
      </dev/null >"$nd/kafka.log" 2>&1 9>&- &
    pids+=($!)
    echo "$!" >>"$dir/pids"
  done
  log "started $n node(s), pids ${pids[*]}, waiting for $boot (timeout ${READY_TIMEOUT}s)"

  # Ready = every PLAINTEXT port accepts TCP connections and every node logged
  # "Kafka Server started" (its broker is unfenced and serving requests).
  local deadline=$((SECONDS + READY_TIMEOUT)) ready
  while :; do
    ready=1
    for i in $(seq 1 "$n"); do
      local pid=${pids[$((i - 1))]} nd="$dir/node$i"
      if ! is_broker "$pid"; then
        if grep -q 'Address already in use' "$nd/kafka.log" 2>/dev/null; then
          log "node $i: a chosen port was taken meanwhile; retrying with new ports"
          terminate 10 "${pids[@]}" || true
          return 3
        fi
        log "node $i (pid $pid) died during start-up; last lines of $nd/kafka.log:"
        tail -n 40 "$nd/kafka.log" >&2 || true
        terminate 10 "${pids[@]}" || true
        return 1
      fi
      if ! port_open "${bports[$((i - 1))]}" ||
        ! grep -q 'Kafka Server started' "$nd/kafka.log" 2>/dev/null; then
        ready=0
      elif [ "$n" -gt 1 ] && command -v kcat >/dev/null &&
        ! kcat -L -b "127.0.0.1:${bports[$((i - 1))]}" -m 2 2>/dev/null | grep -q "^ $n brokers:"; then
        # Not every node knows the others yet: a client would drop the
        # brokers missing from its answer, requests in flight to them
        # included ("Broker handle destroyed without termination").
        ready=0
      fi
    done
    [ "$ready" = 1 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for i in $(seq 1 "$n"); do
        log "not ready after ${READY_TIMEOUT}s; last lines of $dir/node$i/kafka.log:"
        tail -n 25 "$dir/node$i/kafka.log" >&2 || true
      done
      terminate 10 "${pids[@]}" || true
      return 1
    fi
    sleep 0.25
  done
  echo "$boot" >"$dir/bootstrap"
  START_BOOT=$boot
  return 0
}

do_start() {
  local n=$1 dir=${2:-} made=0 rc t0=$SECONDS
  do_fetch
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (need Java 11+; set JAVA_HOME or PATH)"
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/kafka-broker.XXXXXX")
    made=1
  else
    mkdir -p "$dir"
    dir=$(readlink -f -- "$dir")
    if [ -f "$dir/pids" ]; then
      local p
      while read -r p; do
        [ -n "$p" ] && is_broker "$p" && die "$dir already has a running broker (pid $p); stop it first"
      done <"$dir/pids"
    fi
  fi
  touch "$dir/$MARKER"
  log "state dir: $dir"

  # If interrupted while starting, leave no JVM behind.
  trap 'trap - EXIT; [ -f "$dir/pids" ] && terminate 10 $(cat "$dir/pids"); exit 130' INT TERM HUP


  for _ in 1 2 3; do
    rc=0
    start_attempt "$dir" "$n" || rc=$?
    [ "$rc" = 3 ] && continue
    break
  done
  trap - INT TERM HUP
  if [ "$rc" != 0 ]; then
    rm -f "$dir/pids"
    [ "$made" = 1 ] && rm -rf "$dir"
    die "the Kafka broker did not start"
  fi
  log "ready in $((SECONDS - t0))s: $START_BOOT (stop with: $SELF stop $dir)"
  printf '%s\n' "$START_BOOT"
}

# ----------------------------------------------------------------- stop ----

do_stop() {
  local dir=${1:-}
  [ -n "$dir" ] || die "usage: broker.sh stop DIR"
  if [ ! -d "$dir" ]; then
    log "stop: $dir does not exist (already stopped)"
    return 0
  fi
  dir=$(readlink -f -- "$dir")
  local pids=() p
  if [ -f "$dir/pids" ]; then
    while read -r p; do [ -n "$p" ] && pids+=("$p"); done <"$dir/pids"
  fi
  local live=()
  for p in ${pids[@]+"${pids[@]}"}; do
    is_broker "$p" && live+=("$p")
  done
  if [ "${#live[@]}" -gt 0 ]; then
    log "stopping pid(s) ${live[*]}"
    terminate "$STOP_TIMEOUT" "${live[@]}" || true
  fi
  for p in ${pids[@]+"${pids[@]}"}; do
    is_broker "$p" && die "pid $p would not die; $dir kept"
  done
  if [ -f "$dir/$MARKER" ]; then
    rm -rf "$dir"
  else
    log "stop: $dir has no $MARKER file, not removing it"
  fi
}

# ------------------------------------------------------------------ run ----

RUN_DIR="" CMD_PID="" WATCHDOG_PID=""

run_cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$WATCHDOG_PID" ]; then kill "$WATCHDOG_PID" 2>/dev/null || true; fi
  if [ -n "$RUN_DIR" ]; then "$SELF" stop "$RUN_DIR" || rc=1; fi
  exit "$rc"
}

run_signal() {
  local code=$1
  if [ -n "$CMD_PID" ] && pid_alive "$CMD_PID"; then
    kill -TERM "$CMD_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do pid_alive "$CMD_PID" || break; sleep 0.2; done
  fi
  exit "$code"
}

do_run() {
  local mode=$1
  shift
  if [ "${1:-}" = --secure ]; then
    [ "$mode" = run ] || die "--secure: one node only (run --secure)"
    SECURE=1
    shift
  fi
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || die "usage: broker.sh $mode -- CMD ARGS..."
  if [ -n "${KAFKA_BOOTSTRAP:-}" ]; then
    log "KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP is set: using that broker, not starting one"
    exec "$@"
  fi
  do_fetch
  RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kafka-broker.XXXXXX")
  touch "$RUN_DIR/$MARKER"
  trap run_cleanup EXIT
  trap 'run_signal 130' INT
  trap 'run_signal 143' TERM
  trap 'run_signal 129' HUP
  # Watchdog in its own session: stops the broker even if this shell is
  # SIGKILLed (then no trap runs).
  if command -v setsid >/dev/null 2>&1; then
    setsid "$SELF" _watchdog "$$" "$RUN_DIR" </dev/null >/dev/null 2>&1 9>&- &
  else
    "$SELF" _watchdog "$$" "$RUN_DIR" </dev/null >/dev/null 2>&1 9>&- &
  fi
  WATCHDOG_PID=$!
  local start=start addr
  [ "$mode" = run3 ] && start=start3
  addr=$(KAFKA_BROKER_SECURE=$SECURE "$SELF" "$start" "$RUN_DIR")
  export KAFKA_BOOTSTRAP="$addr" KAFKA_BROKER_DIR="$RUN_DIR"
  log "KAFKA_BOOTSTRAP=$addr; running: $*"
  # CMD runs in the background (keeping our stdin) so that a signal to this
  # shell is handled at once rather than after CMD finishes.
  exec 3<&0
  "$@" <&3 3<&- &
  CMD_PID=$!
  exec 3<&-
  local rc=0
  wait "$CMD_PID" || rc=$?
  CMD_PID=""
  exit "$rc"
}

do_watchdog() {
  local parent=$1 dir=$2
  trap '' INT HUP
  trap 'exit 0' TERM
  while pid_alive "$parent"; do sleep 2; done
  [ -d "$dir" ] && exec "$SELF" stop "$dir"
  exit 0
}

# ---------------------------------------------------------------- topic ----

do_topic() {
  [ $# -ge 3 ] && [ $# -le 4 ] || die "usage: broker.sh topic BOOTSTRAP NAME PARTITIONS [RF]"
  local boot=$1 name=$2 parts=$3 rf=${4:-}
  do_fetch
  local args=(--bootstrap-server "$boot" --create --if-not-exists --topic "$name" --partitions "$parts")
  [ -n "$rf" ] && args+=(--replication-factor "$rf")
  # (kafka.admin.TopicCommand moved to org.apache.kafka.tools in Kafka 3.6.)
  run_tool org.apache.kafka.tools.TopicCommand "${args[@]}" </dev/null >&2
  # Return only once every partition has a leader, so that a test can use the
  # topic right away.
  local deadline=$((SECONDS + 30)) out total led
  while :; do
    out=$(run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" \
      --describe --topic "$name" </dev/null 2>/dev/null) || out=""
    total=$(printf '%s\n' "$out" | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n1)
    led=$(printf '%s\n' "$out" | grep -cE 'Partition: *[0-9]+[[:space:]]+Leader: *[0-9]+' || true)
    if [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$led" -ge "$total" ]; then
      return 0
    fi
    [ "$SECONDS" -ge "$deadline" ] && die "topic $name has no leader for some partitions after 30s"
    sleep 0.5
  done
}

# ----------------------------------------------------------------- main ----

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  fetch) do_fetch ;;
  start)
    [ "${1:-}" = --secure ] && { SECURE=1; shift; }
    [ $# -le 1 ] || usage
    do_start 1 "${1:-}"
    ;;
  start3) [ $# -le 1 ] || usage; do_start 3 "${1:-}" ;;
  stop) [ $# -eq 1 ] || usage; do_stop "$1" ;;
  run | run3) do_run "$cmd" "$@" ;;
  topic) do_topic "$@" ;;
  _watchdog) do_watchdog "$@" ;;
  -h | --help | help | "") usage ;;
  *) log "unknown command: $cmd"; usage ;;
esac
