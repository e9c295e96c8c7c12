#!/usr/bin/env bash
# bench/run.sh: kafka.so (our ABI) against raw librdkafka, in one run, on the
# same broker, with the same librdkafka build and the same configuration.
# `make bench` runs it after `make all`; it writes bench/RESULTS.md.
#
# Environment (all optional):
#   BENCH_QUICK=1        a short smoke run (~2 min): fewer runs, smaller N
#   BENCH_RUNS=7         runs per throughput row (the median is reported),
#                        after one unrecorded warm-up round
#   BENCH_N=1000000      messages for the 100-byte rows; 1 KiB rows use N/4,
#                        64 KiB rows N/200 (at least 500)
#   BENCH_TARGETS="broker mock"
#                        broker: a real Kafka broker (tests/broker/broker.sh,
#                        or KAFKA_BOOTSTRAP=host:port if set);
#                        mock: librdkafka's mock cluster (build/mock_broker)
#   BENCH_LAT_RATE=1000  BENCH_LAT_SECONDS=5  BENCH_LAT_RUNS=5
#   BENCH_RSS_N="200000 1000000"      message counts of the memory rows
#   BENCH_RSS_LONG_N=10000000         messages of the long RSS-trace rows
#                        (batch paths and raw, real broker only)
#   BENCH_PY_N=200000    messages per run of the Python ctypes rows
#   BENCH_PYCK_N=1000000 messages per run of kafkaso against confluent-kafka
#   BENCH_PER_CALL=1000  messages per ProduceBatch / ConsumeBatch call
#   BENCH_CALLGRIND_N=20000           messages per callgrind run (mock)
#   BENCH_PREFETCH_WAIT=3             seconds of prefetch (consume-prefetched)
#   BENCH_PIN=1          pin the drivers (clients) to the first half of the
#                        CPUs and the broker / mock cluster to the other half
#                        (taskset; with 2 cores: client on CPU 0, server on
#                        CPU 1), so each side's client cost shows as client
#                        throughput and runs do not vary with where the
#                        scheduler puts the threads; 0: no pinning
#   BENCH_OUT=bench/RESULTS.md
# Raw RESULT lines and callgrind files go to bench/build/data/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
  RUNS=${BENCH_RUNS:-3}; N=${BENCH_N:-200000}
  LAT_SECONDS=${BENCH_LAT_SECONDS:-2}; LAT_RUNS=${BENCH_LAT_RUNS:-1}
  RSS_NS=${BENCH_RSS_N:-"50000 200000"}; CG_N=${BENCH_CALLGRIND_N:-5000}
  PF_WAIT=${BENCH_PREFETCH_WAIT:-2}
  RSS_LONG_N=${BENCH_RSS_LONG_N:-1000000}; PY_N=${BENCH_PY_N:-50000}; PYCK_N=${BENCH_PYCK_N:-200000}
else
  RUNS=${BENCH_RUNS:-7}; N=${BENCH_N:-1000000}
  LAT_SECONDS=${BENCH_LAT_SECONDS:-5}; LAT_RUNS=${BENCH_LAT_RUNS:-5}
  RSS_NS=${BENCH_RSS_N:-"200000 1000000"}; CG_N=${BENCH_CALLGRIND_N:-20000}
  PF_WAIT=${BENCH_PREFETCH_WAIT:-3}
  RSS_LONG_N=${BENCH_RSS_LONG_N:-10000000}; PY_N=${BENCH_PY_N:-200000}; PYCK_N=${BENCH_PYCK_N:-1000000}
fi
PER_CALL=${BENCH_PER_CALL:-1000}
LAT_RATE=${BENCH_LAT_RATE:-1000}
# The prefetched rows vary by about 1%: fewer runs do.
PF_RUNS=$((RUNS < 5 ? RUNS : 5))
TARGETS=${BENCH_TARGETS:-broker mock}
OUT=${BENCH_OUT:-bench/RESULTS.md}
export BENCH_DRIVER_TIMEOUT=${BENCH_DRIVER_TIMEOUT:-300}
NPROC=$(nproc)
CLIENT=()
SERVER=()
PIN_DESC="none"
if [ "${BENCH_PIN:-1}" = 1 ] && [ "$NPROC" -ge 2 ] && command -v taskset >/dev/null; then
  half=$((NPROC / 2))
  cpus() { if [ "$1" = "$2" ]; then echo "$1"; else echo "$1-$2"; fi; }
  CLIENT=(taskset -c "$(cpus 0 $((half - 1)))")
  SERVER=(taskset -c "$(cpus "$half" $((NPROC - 1)))")
  PIN_DESC="drivers on CPU $(cpus 0 $((half - 1))), broker/mock on CPU $(cpus "$half" $((NPROC - 1))) (taskset)"
fi

DATA=bench/build/data
OURS=bench/build/bench_ours
RAW=bench/build/bench_raw
SIZES="100 1024 65536"
# Same for both sides in every consume row: librdkafka 2.x waits
# fetch.queue.backoff.ms (default 1000) before fetching again once its local
# queue is over queued.min.messages, which turns a consumer that is briefly
# slower than the fetcher into 1-second stalls (noise, not client cost).
CONSUME_CONF=(-C fetch.queue.backoff.ms=10)
PREFETCH_CONF=(-W "$PF_WAIT" -C queued.min.messages=10000000 -C queued.max.messages.kbytes=2097151)
# linger.ms=0: measure the clients, not batching. fetch.wait.max.ms=10: the
# mock cluster answers a fetch only when its MaxWaitTime expires (default
# 500 ms), even when data arrives; a real broker answers at once anyway.
LAT_CONF=(-P linger.ms=0 -C fetch.wait.max.ms=10)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

n_for() { # size -> messages for throughput rows
  case $1 in
    100) echo "$N" ;;
    1024) echo $((N / 4)) ;;
    *) local n=$((N / 200)); [ "$n" -lt 500 ] && n=500; echo "$n" ;;
  esac
}

# The mock keeps ~5 MiB per partition: its consume topics have 16
# partitions (64 for 64 KiB) and at most ~65% of that in the fullest one
# (1024 keys hash unevenly).
mock_consume_n() {
  local n; n=$(n_for "$1")
  case $1 in
    100) [ "$n" -gt 200000 ] && n=200000 ;;
    1024) [ "$n" -gt 40000 ] && n=40000 ;;
    *) [ "$n" -gt 2000 ] && n=2000 ;;
  esac
  echo "$n"
}

# ------------------------------------------------------------ lifecycle --

BROKER_DIR=""
MOCK_PID=""
cleanup() {
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  if [ -n "$BROKER_DIR" ]; then tests/broker/broker.sh stop "$BROKER_DIR" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_broker() {
  if [ -n "${KAFKA_BOOTSTRAP:-}" ]; then
    BOOT=$KAFKA_BOOTSTRAP
    BROKER_DESC="external broker at $KAFKA_BOOTSTRAP (KAFKA_BOOTSTRAP)"
    return
  fi
  BROKER_DIR=$(mktemp -d /tmp/kafka-bench.XXXXXX)
  rmdir "$BROKER_DIR"
  # Bounded disk use: the produce rows write several GB in total.
  export KAFKA_BROKER_PROPS=$'log.retention.bytes=536870912\nlog.segment.bytes=134217728\nlog.retention.check.interval.ms=15000'
  log "starting a real Kafka broker (tests/broker/broker.sh)"
  BOOT=$(${SERVER[@]+"${SERVER[@]}"} tests/broker/broker.sh start "$BROKER_DIR" | tail -n 1)
  BROKER_DESC="Apache Kafka $(ls tests/broker/.cache/lib/ | sed -n 's/^kafka_2.13-\(.*\)\.jar$/\1/p' | head -1) (KRaft, 1 node, tests/broker/broker.sh), $(java -version 2>&1 | head -1)"
}

start_mock() {
  local out=$DATA/mock.addr
  local topics=("bench-p:3" "bench-lat:3")
  topics+=("bench-c-100:16" "bench-c-1024:16" "bench-c-65536:64")
  ${SERVER[@]+"${SERVER[@]}"} build/mock_broker 1 "${topics[@]}" >"$out" 2>"$DATA/mock.err" &
  MOCK_PID=$!
  for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
  [ -s "$out" ] || { cat "$DATA/mock.err" >&2; echo "bench: mock_broker did not start" >&2; exit 1; }
  BOOT=$(head -1 "$out")
  MOCK_STARTS=$((${MOCK_STARTS:-0} + 1))
}

# The mock is a separate process; if it died, start a new one and refill.
ensure_mock() {
  if [ "$TARGET" = mock ] && ! kill -0 "$MOCK_PID" 2>/dev/null; then
    log "mock_broker died ($(tail -1 "$DATA/mock.err" 2>/dev/null)); restarting it"
    echo "note target=mock mock_broker died and was restarted before row $1" >>"$DATA/results.txt"
    wait "$MOCK_PID" 2>/dev/null || true
    start_mock
    prefill
  fi
}

# ----------------------------------------------------------------- rows --

# record ROW RUN CMD...: runs one driver, keeps its RESULT line (run 0 is
# a warm-up: run, not kept). A driver that printed its result and then
# failed (e.g. aborted while closing its client) keeps the result, and the
# row is noted once under "Incidents".
record() {
  local row=$1 run=$2; shift 2
  local out rc=0 line
  out=$(${CLIENT[@]+"${CLIENT[@]}"} "$@" 2>>"$DATA/drivers.err") || rc=$?
  line=$(grep -m1 '^RESULT ' <<<"$out" || true)
  if [ -n "$line" ]; then
    if [ "$rc" != 0 ] && ! grep -q "^note target=$TARGET row=$row: " "$DATA/results.txt"; then
      echo "note target=$TARGET row=$row: the driver exited with status $rc after printing its result, in this and maybe other runs (bench/build/data/drivers.err)" >>"$DATA/results.txt"
    fi
    [ "$run" = 0 ] && return 0
    echo "target=$TARGET row=$row run=$run ${line#RESULT }" >>"$DATA/results.txt"
  else
    log "FAILED: $row run $run: $*"
    echo "failed target=$TARGET row=$row run=$run" >>"$DATA/results.txt"
  fi
}

mktopics() {
  [ "$TARGET" = mock ] && return 0 # created by mock_broker
  "$RAW" mktopic -b "$BOOT" -t bench-p -p 3
  "$RAW" mktopic -b "$BOOT" -t bench-lat -p 3
  for s in $SIZES; do "$RAW" mktopic -b "$BOOT" -t "bench-c-$s" -p 3; done
}

consume_n() { if [ "$TARGET" = mock ]; then mock_consume_n "$1"; else n_for "$1"; fi; }

prefill() {
  for s in $SIZES; do
    local n; n=$(consume_n "$s")
    [ "$TARGET" = broker ] && [ "$s" = 100 ] && for r in $RSS_NS; do [ "$r" -gt "$n" ] && n=$r; done
    log "$TARGET: filling bench-c-$s with $n messages of $s bytes"
    "$RAW" produce -b "$BOOT" -t "bench-c-$s" -n "$n" -s "$s" >/dev/null 2>>"$DATA/drivers.err"
  done
}

# rotate K WORDS...: the words starting at position K mod count (so that no
# side always runs first).
rotate() {
  local k=$1; shift
  local a=("$@") n=$# i
  for ((i = 0; i < n; i++)); do printf '%s ' "${a[$(((k + i) % n))]}"; done
}

produce_rows() {
  for s in $SIZES; do
    local n; n=$(n_for "$s")
    log "$TARGET: produce $n x $s B, $RUNS runs"
    for ((r = 0; r <= RUNS; r++)); do
      ensure_mock produce
      for side in $(rotate "$r" raw ours ours-interleaved apl ours-batch); do
        case $side in
          ours-batch) record "produce-$s-ours-batch" "$r" "$OURS" produce-batch -b "$BOOT" -t bench-p -n "$n" -s "$s" -N "$PER_CALL" ;;
          raw) record "produce-$s-raw" "$r" "$RAW" produce -b "$BOOT" -t bench-p -n "$n" -s "$s" ;;
          ours) record "produce-$s-ours" "$r" "$OURS" produce -b "$BOOT" -t bench-p -n "$n" -s "$s" ;;
          ours-interleaved) record "produce-$s-ours-interleaved" "$r" "$OURS" produce-interleaved -b "$BOOT" -t bench-p -n "$n" -s "$s" ;;
          apl) record "produce-$s-apl" "$r" "$OURS" produce-apl -b "$BOOT" -t bench-p -n "$n" -s "$s" ;;
        esac
      done
    done
  done
}

consume_rows() {
  for s in $SIZES; do
    local n; n=$(consume_n "$s")
    log "$TARGET: consume $n x $s B, $RUNS runs"
    for ((r = 0; r <= RUNS; r++)); do
      ensure_mock consume
      for side in $(rotate "$r" raw ours ours-batch); do
        local bin=$RAW mode=consume; [ "$side" != raw ] && bin=$OURS
        [ "$side" = ours-batch ] && mode=consume-batch
        record "consume-$s-$side" "$r" "$bin" "$mode" -b "$BOOT" -t "bench-c-$s" -n "$n" -s "$s" -N "$PER_CALL" \
          -g "bench-$$-$TARGET-$s-$side-$r" "${CONSUME_CONF[@]}"
      done
    done
  done
  local n; n=$(consume_n 100)
  log "$TARGET: consume (prefetched) $n x 100 B, $PF_RUNS runs"
  for ((r = 1; r <= PF_RUNS; r++)); do
    ensure_mock consume-prefetched
    for side in $(rotate "$r" raw ours ours-batch); do
      local bin=$RAW mode=consume; [ "$side" != raw ] && bin=$OURS
      [ "$side" = ours-batch ] && mode=consume-batch
      record "prefetched-100-$side" "$r" "$bin" "$mode" -b "$BOOT" -t bench-c-100 -n "$n" -s 100 -N "$PER_CALL" \
        -g "bench-$$-$TARGET-pf-$side-$r" "${CONSUME_CONF[@]}" "${PREFETCH_CONF[@]}"
    done
  done
}

latency_rows() {
  log "$TARGET: latency at $LAT_RATE msg/s for $LAT_SECONDS s, $LAT_RUNS runs"
  for ((r = 1; r <= LAT_RUNS; r++)); do
    ensure_mock latency
    for side in $(rotate "$r" raw ours); do
      local bin=$RAW; [ "$side" = ours ] && bin=$OURS
      record "latency-$side" "$r" "$bin" latency -b "$BOOT" -t bench-lat -s 100 -p 3 -r "$LAT_RATE" \
        -d "$LAT_SECONDS" -w 1 -g "bench-$$-$TARGET-lat-$side-$r" "${LAT_CONF[@]}"
    done
  done
}

rss_rows() {
  log "$TARGET: peak RSS for N in $RSS_NS"
  for n in $RSS_NS; do
    record "rss-produce-$n-raw" 1 "$RAW" produce -b "$BOOT" -t bench-p -n "$n" -s 100
    record "rss-produce-$n-ours" 1 "$OURS" produce -b "$BOOT" -t bench-p -n "$n" -s 100
    record "rss-produce-$n-ours-interleaved" 1 "$OURS" produce-interleaved -b "$BOOT" -t bench-p -n "$n" -s 100
    record "rss-consume-$n-raw" 1 "$RAW" consume -b "$BOOT" -t bench-c-100 -n "$n" -s 100 -g "bench-$$-rss-raw-$n" "${CONSUME_CONF[@]}"
    record "rss-consume-$n-ours" 1 "$OURS" consume -b "$BOOT" -t bench-c-100 -n "$n" -s 100 -g "bench-$$-rss-ours-$n" "${CONSUME_CONF[@]}"
  done
}

# The FFI caller's view: Python ctypes loops over kafka.so, one message per
# call against one batch per call (raw C rows above for reference).
py_rows() {
  local runs=$((RUNS < 5 ? RUNS : 5)) n=$PY_N
  local cn; cn=$(consume_n 100); [ "$n" -gt "$cn" ] && n=$cn
  log "$TARGET: Python ctypes, $n x 100 B, $runs runs"
  for ((r = 0; r <= runs; r++)); do
    ensure_mock python
    for mode in $(rotate "$r" produce produce-batch consume consume-batch); do
      case $mode in
        produce*) record "py-$mode" "$r" python3 bench/py_ours.py "$mode" -b "$BOOT" -t bench-p -n "$n" -s 100 -N "$PER_CALL" ;;
        consume*) record "py-$mode" "$r" python3 bench/py_ours.py "$mode" -b "$BOOT" -t bench-c-100 -n "$n" -s 100 \
          -N "$PER_CALL" -g "bench-$$-$TARGET-py-$mode-$r" "${CONSUME_CONF[@]}" ;;
      esac
    done
  done
}

# The Python package against confluent-kafka-python (bench/python_bench.py),
# on the real broker, same topics and consumer settings for both packages.
# Not pinned: a Python client's main thread and its librdkafka threads on
# one CPU made runs bimodal (0.5x-2x), whichever the package.
pyck_rows() {
  local runs=$((RUNS < 5 ? RUNS : 5)) n=$PYCK_N
  local cn; cn=$(consume_n 100); [ "$n" -gt "$cn" ] && n=$cn
  log "$TARGET: kafkaso vs confluent-kafka, $n x 100 B, $runs runs"
  make -s python-site
  local pb=(python3 bench/python_bench.py) CLIENT=()
  for ((r = 0; r <= runs; r++)); do
    for row in $(rotate "$r" ck-produce ks-produce ck-poll ks-poll ck-consume ks-consume ks-columns ks-columns-bare \
                 ck-consume-pf ks-consume-pf ks-columns-pf); do
      local impl=kafkaso path=${row#*-} conf=("${CONSUME_CONF[@]}")
      [ "${row%%-*}" = ck ] && impl=confluent_kafka
      case $path in *-pf) path=${path%-pf}; conf+=("${PREFETCH_CONF[@]}") ;; esac
      if [ "$path" = produce ]; then
        record "pyck-$row" "$r" "${pb[@]}" "$impl" produce -b "$BOOT" -t bench-p -n "$n"
      else
        record "pyck-$row" "$r" "${pb[@]}" "$impl" "$path" -b "$BOOT" -t bench-c-100 -n "$n" \
          -g "bench-$$-$TARGET-$row-$r" "${conf[@]}"
      fi
    done
  done
}

# RSS over a long run through the batch paths (and raw's loops, for
# reference), sampled 20 times: each produce run fills a topic of its own
# that the consume run then reads.
rss_trace_rows() {
  local n=$RSS_LONG_N
  log "$TARGET: RSS trace over $n messages (single and batch paths, and raw)"
  for side in ours raw; do
    "$RAW" mktopic -b "$BOOT" -t "bench-rss-$side" -p 6
  done
  record "rsstrace-produce-ours-batch" 1 "$OURS" produce-batch -b "$BOOT" -t bench-rss-ours -n "$n" -s 100 -N "$PER_CALL" -R 20
  record "rsstrace-consume-ours-batch" 1 "$OURS" consume-batch -b "$BOOT" -t bench-rss-ours -n "$n" -s 100 -N "$PER_CALL" -R 20 \
    -g "bench-$$-rsstrace-ours" "${CONSUME_CONF[@]}"
  record "rsstrace-produce-ours" 1 "$OURS" produce-interleaved -b "$BOOT" -t bench-rss-ours -n "$n" -s 100 -R 20
  record "rsstrace-consume-ours" 1 "$OURS" consume -b "$BOOT" -t bench-rss-ours -n "$n" -s 100 -R 20 \
    -g "bench-$$-rsstrace-ours-single" "${CONSUME_CONF[@]}"
  # The Python package's paths: produce()+poll(0), poll(), consume_columns(1000).
  make -s python-site
  record "rsstrace-py-produce" 1 python3 bench/python_bench.py kafkaso produce -b "$BOOT" -t bench-rss-ours -n "$n" -R 20
  for path in poll columns; do
    record "rsstrace-py-$path" 1 python3 bench/python_bench.py kafkaso "$path" -b "$BOOT" -t bench-rss-ours -n "$n" \
      -R 20 -g "bench-$$-rsstrace-py-$path" "${CONSUME_CONF[@]}"
  done
  record "rsstrace-produce-raw" 1 "$RAW" produce -b "$BOOT" -t bench-rss-raw -n "$n" -s 100 -R 20
  record "rsstrace-consume-raw" 1 "$RAW" consume -b "$BOOT" -t bench-rss-raw -n "$n" -s 100 -R 20 \
    -g "bench-$$-rsstrace-raw" "${CONSUME_CONF[@]}"
}

# cg NAME TOGGLES CMD...: one driver under callgrind, counting only the
# instructions executed inside the toggled functions after the warm-up.
cg() {
  local name=$1 toggles=$2; shift 2
  local args=() t
  for t in $toggles; do args+=("--toggle-collect=$t"); done
  local file=$DATA/callgrind.$name
  record "cg-$name" 1 valgrind --tool=callgrind --collect-atstart=no --compress-strings=no --compress-pos=no \
    "${args[@]}" --callgrind-out-file="$file" "$@"
  python3 bench/cgparse.py "$file" >"$file.json"
}

callgrind_rows() {
  if ! command -v valgrind >/dev/null; then
    log "valgrind not installed: no per-call instruction counts"
    return
  fi
  ensure_mock callgrind
  log "$TARGET: per-call instructions under callgrind ($CG_N messages)"
  local p=(-b "$BOOT" -t bench-p -n "$CG_N" -s 100)
  local c=(-b "$BOOT" -t bench-c-100 -n "$CG_N" -s 100 "${CONSUME_CONF[@]}")
  cg ours-produce-all "Produce DeliveryReport" "$OURS" produce "${p[@]}"
  cg ours-produce-P "Produce" "$OURS" produce "${p[@]}"
  cg ours-produce-D "DeliveryReport" "$OURS" produce "${p[@]}"
  cg ours-apl-D "DeliveryReport" "$OURS" produce-apl "${p[@]}"
  cg raw-produce "rd_kafka_producev rd_kafka_poll" "$RAW" produce "${p[@]}"
  cg ours-consume "Consume" "$OURS" consume -g "bench-$$-cg-ours" "${c[@]}"
  cg raw-consume "rd_kafka_consumer_poll rd_kafka_message_destroy" "$RAW" consume -g "bench-$$-cg-raw" "${c[@]}"
  cg ours-produce-batch "ProduceBatch DeliveryReports" "$OURS" produce-batch -N "$PER_CALL" "${p[@]}"
  cg ours-consume-batch "ConsumeBatch" "$OURS" consume-batch -N "$PER_CALL" -g "bench-$$-cg-ours-batch" "${c[@]}"
}

# ----------------------------------------------------------------- main --

START=$(date +%s)
log "building the drivers"
make -s -C bench
rm -rf "$DATA"
mkdir -p "$DATA"
: >"$DATA/results.txt"

V_OURS=$("$OURS" version)
V_RAW=$("$RAW" version)
if [ "$V_OURS" != "$V_RAW" ]; then
  echo "bench: kafka.so has librdkafka $V_OURS but the raw driver $V_RAW: rebuild (make all)" >&2
  exit 1
fi

{
  echo "librdkafka=$V_RAW"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || echo unknown)"
  echo "cc=$(${CC:-cc} --version | head -1)"
  echo "rustc=$(rustc --version 2>/dev/null || echo unknown)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' (src/ modified)')"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "command=$(env | grep -E '^(BENCH_[A-Z_]+|KAFKA_BOOTSTRAP)=' | grep -v BENCH_DRIVER_TIMEOUT | sort | tr '\n' ' ')make bench"
  echo "pinning=$PIN_DESC"
  echo "settings=runs=$RUNS n=$N per_call=$PER_CALL py_n=$PY_N pyck_n=$PYCK_N rss_long_n=$RSS_LONG_N lat_rate=$LAT_RATE lat_seconds=$LAT_SECONDS lat_runs=$LAT_RUNS rss_n=$RSS_NS callgrind_n=$CG_N prefetch_wait=$PF_WAIT quick=$QUICK"
} >"$DATA/machine.txt"

for TARGET in $TARGETS; do
  case $TARGET in
    broker) start_broker; echo "broker=$BROKER_DESC" >>"$DATA/machine.txt" ;;
    mock) start_mock; echo "mock=librdkafka $V_RAW mock cluster, 1 broker, in its own process (build/mock_broker)" >>"$DATA/machine.txt" ;;
    *) echo "bench: unknown target $TARGET" >&2; exit 1 ;;
  esac
  log "$TARGET at $BOOT"
  mktopics
  prefill
  produce_rows
  consume_rows
  latency_rows
  py_rows
  [ "$TARGET" = broker ] && pyck_rows
  [ "$TARGET" = broker ] && rss_rows
  [ "$TARGET" = broker ] && rss_trace_rows
  [ "$TARGET" = mock ] && callgrind_rows
  if [ "$TARGET" = broker ] && [ -n "$BROKER_DIR" ]; then
    tests/broker/broker.sh stop "$BROKER_DIR" >/dev/null 2>&1 || true
    BROKER_DIR=""
  fi
  if [ "$TARGET" = mock ]; then
    kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; MOCK_PID=""
  fi
done

echo "wall=$(($(date +%s) - START)) s" >>"$DATA/machine.txt"
python3 bench/report.py "$DATA" >"$OUT"
log "wrote $OUT ($(($(date +%s) - START)) s)"
