#!/usr/bin/env bash
# The test suites, run by tests/run-all.sh with KAFKA_BOOTSTRAP set to a
# live broker. Stops at the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP must name a broker: run tests/run-all.sh (make test) instead}"

step() { printf '\n==> %s\n' "$*"; }

step "Rust: exports on the mock cluster, header, real-broker suite ($KAFKA_BOOTSTRAP)"
cargo test --release

step "C: ABI test under valgrind (strict warnings)"
cc -std=c11 -Wall -Wextra -Werror -pedantic -O1 -g -Iinclude -o build/abi_test tests/c/abi_test.c \
  -Lbuild -l:kafka.so -Wl,-rpath,'$ORIGIN'
valgrind -q --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite \
  --error-exitcode=9 build/abi_test

step "C: demo on the embedded mock cluster, then on the broker"
env -u KAFKA_BOOTSTRAP build/demo >/dev/null
build/demo >/dev/null

step "C: batch examples: batch_consume reads what kcat reads, and the reports say where it landed"
batch_fail() { echo "$*" >&2; exit 1; }
env -u KAFKA_BOOTSTRAP build/batch_produce >/dev/null 2>&1 || batch_fail "batch_produce on the embedded mock cluster"
env -u KAFKA_BOOTSTRAP build/batch_consume 2>/dev/null | grep -q $'^0\t0\t[0-9]*\ta\tfirst\tfrom=c$' ||
  batch_fail "batch_consume on the embedded mock cluster"
bt="c-batch-$$"
tests/broker/broker.sh topic "$KAFKA_BOOTSTRAP" "$bt" 3 >/dev/null
produced=$(build/batch_produce "$bt" 5000)
grep -qx "delivered 5000, failed 0" <<<"$produced" || batch_fail "batch_produce: $produced"
kcat_lines=$(kcat -q -b "$KAFKA_BOOTSTRAP" -t "$bt" -C -e -o beginning -f $'%p\t%o\t%T\t%k\t%s\t%h\n' | sort)
[ "$(wc -l <<<"$kcat_lines")" = 5000 ] || batch_fail "kcat read $(wc -l <<<"$kcat_lines") messages, not 5000"
[ "$(build/batch_consume "$bt" 2>/dev/null | sort)" = "$kcat_lines" ] ||
  { diff <(build/batch_consume "$bt" 2>/dev/null | sort) <(echo "$kcat_lines") | head >&2; batch_fail "batch_consume differs from kcat"; }
# Per partition: how many and the offsets, from the delivery reports and from what kcat read.
landed=$(awk -F'\t' '{ n[$1]++; if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2; if ($2 > hi[$1]) hi[$1] = $2 }
  END { for (p in n) printf "  partition %s: %d messages, offsets %d to %d\n", p, n[p], lo[p], hi[p] }' <<<"$kcat_lines" | sort)
[ "$(grep '^  partition' <<<"$produced" | sort)" = "$landed" ] || batch_fail "reports: $produced, kcat: $landed"
echo "5000 messages with keys, headers and timestamps: batch_consume and kcat agree, and so do the reports"

step "C: transform, consume-transform-produce in transactions: on the mock, then 1000 orders on the broker"
transform_fail() { echo "transform: $*" >&2; exit 1; }
env -u KAFKA_BOOTSTRAP build/transform 2>/dev/null | grep -q '^transformed 10 messages' || transform_fail "on the mock cluster"
tt="c-orders-$$"
tests/broker/broker.sh topic "$KAFKA_BOOTSTRAP" "$tt" 3 >/dev/null
tests/broker/broker.sh topic "$KAFKA_BOOTSTRAP" "$tt-upper" 3 >/dev/null
seq 1 1000 | sed 's/^/order /' | kcat -q -P -b "$KAFKA_BOOTSTRAP" -t "$tt"
out=$(build/transform "$tt" "$tt-upper") && grep -q '^transformed 1000 messages' <<<"$out" || transform_fail "$out"
# Exactly once: every order once, in upper case, for a read_committed reader.
[ "$(kcat -q -b "$KAFKA_BOOTSTRAP" -t "$tt-upper" -C -e -o beginning -X isolation.level=read_committed -f '%s\n' |
  sort)" = "$(seq 1 1000 | sed 's/^/ORDER /' | sort)" ] || transform_fail "$tt-upper is not the 1000 orders once"
# The offsets went with the transactions: the group committed every order it read.
committed=$(java -cp "tests/broker/.cache/lib/*" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
  --bootstrap-server "$KAFKA_BOOTSTRAP" --describe --offsets --group c-transform 2>/dev/null |
  awk -v t="$tt" '$2 == t { n += $4; lag += $6 } END { print n, lag }')
[ "$committed" = "1000 0" ] || transform_fail "group c-transform committed (offsets, lag) $committed on $tt"
echo "$out; kcat reads each order once, and the group committed all 1000"

step "C: the standalone mock broker serves other clients (kcat)"
mock_out=$(mktemp)
build/mock_broker 1 shared:2 >"$mock_out" &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null || true; rm -f "$mock_out"' EXIT
for _ in $(seq 100); do [ -s "$mock_out" ] && break; sleep 0.1; done
mock_addr=$(head -1 "$mock_out")
printf 'one\ntwo\nthree\n' | kcat -q -b "$mock_addr" -t shared -P
count=$(kcat -q -b "$mock_addr" -t shared -C -e -o beginning | wc -l)
[ "$count" = 3 ] || { echo "kcat read $count messages from the mock broker, expected 3" >&2; exit 1; }
kill "$mock_pid"; wait "$mock_pid"
echo "kcat produced and consumed 3 messages through build/mock_broker at $mock_addr"

step "C: admin examples: topics and metadata agree with kcat -L, group_lag with Kafka's own tool"
fail() { echo "$*" >&2; exit 1; }
# Topic metadata and group membership settle asynchronously: poll (30 s at most).
eventually() { for _ in $(seq 150); do "$@" && return 0; sleep 0.2; done; "$@"; }
ex="c-examples-$$"
build/topics --create "$ex-a" --partitions 3 | grep -qx "Created topic $ex-a\." || fail "topics --create $ex-a"
build/topics "$KAFKA_BOOTSTRAP" --create "$ex-b" --config retention.ms=3600000 >/dev/null
out=$(build/topics --create "$ex-a" 2>&1) && fail "creating $ex-a twice succeeded"
[[ $out == "$ex-a: "*"already exists"* ]] || fail "creating $ex-a twice: $out"
out=$(build/topics --create "$ex-c" --partitions 0 2>&1) && fail "0 partitions accepted"
[[ $out == "$ex-c: "* ]] || fail "0 partitions: $out"
build/topics --alter "$ex-b" --partitions 2 >/dev/null

# --list prints "name N partitions"; kcat -L prints 'topic "name" with N partitions:'.
ours() { build/topics --list | awk '{print $1, $2}' | sort; }
kcats() { kcat -L -b "$KAFKA_BOOTSTRAP" | sed -n 's/^  topic "\(.*\)" with \([0-9]*\) partitions:.*/\1 \2/p' | sort; }
listed() { ours | grep -qx "$ex-b 2" && [ "$(ours)" = "$(kcats)" ]; }
eventually listed || { diff <(ours) <(kcats) >&2; fail "topics --list differs from kcat -L"; }
ours | grep -qx "$ex-a 3" || fail "$ex-a is not listed with 3 partitions"

described=$(build/topics --describe "$ex-b")
grep -q "Configs: retention.ms=3600000" <<<"$described" || fail "describe: no config: $described"
[ "$(grep -c $'^\tTopic: '"$ex-b"$'\tPartition: [01]\tLeader: [0-9]' <<<"$described")" = 2 ] ||
  fail "describe: not 2 partitions with leaders: $described"

# metadata prints what kcat -L prints: every broker and topic line, every partition line of a topic.
# KRaft names a random broker as controller in each answer: compare without it.
plain() { sed 's/ (controller)$//' | sort; }
heads() { grep -E '^  (broker|topic) ' | plain; }
[ "$(build/metadata | grep -c ' (controller)$')" = 1 ] || fail "metadata marks no one controller"
shows_a() { build/metadata | grep -qx "  topic \"$ex-a\" with 3 partitions:"; }
eventually shows_a || { build/metadata >&2; fail "metadata does not show $ex-a"; }
[ "$(build/metadata | heads)" = "$(kcat -L -b "$KAFKA_BOOTSTRAP" | heads)" ] ||
  { diff <(build/metadata | heads) <(kcat -L -b "$KAFKA_BOOTSTRAP" | heads) >&2; fail "metadata differs from kcat -L"; }
[ "$(build/metadata "$KAFKA_BOOTSTRAP" "$ex-a" | tail -n +2 | plain)" = \
  "$(kcat -L -b "$KAFKA_BOOTSTRAP" -t "$ex-a" | tail -n +2 | plain)" ] || fail "metadata of $ex-a differs from kcat -L -t"

# Lag of a group that read 4 of 10 messages and left; then a live member.
seq 10 | kcat -q -b "$KAFKA_BOOTSTRAP" -t "$ex-a" -p 0 -P
kcat -q -b "$KAFKA_BOOTSTRAP" -G "$ex-group" -X auto.offset.reset=earliest -c 4 "$ex-a" >/dev/null
row=$(build/group_lag "$ex-group" | awk -v t="$ex-a" '$2 == t && $3 == 0 {$1 = $1; print}')
[ "$row" = "$ex-group $ex-a 0 4 10 6 - - -" ] || fail "group_lag row: '$row'"
tests/broker/broker.sh fetch
kafka_tool() {
  java -cp "tests/broker/.cache/lib/*" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    --bootstrap-server "$KAFKA_BOOTSTRAP" --describe --offsets --group "$1" 2>/dev/null | rows "$1"
}
rows() { awk -v g="$1" '$1 == g {$1 = $1; print}' | sort; }
[ "$(build/group_lag "$ex-group" | rows "$ex-group")" = "$(kafka_tool "$ex-group")" ] ||
  fail "group_lag differs from kafka-consumer-groups: $(kafka_tool "$ex-group")"
# The reader stays in the group on the empty topic (nothing to commit, so the rows hold still);
# timeout ends it should this script stop first.
timeout 120 kcat -q -b "$KAFKA_BOOTSTRAP" -G "$ex-live" -X client.id=lag-reader "$ex-b" >/dev/null &
reader=$!
owned() { [ "$(build/group_lag "$ex-live" 2>/dev/null | awk '$9 == "lag-reader"' | wc -l)" = 2 ]; }
eventually owned || fail "group_lag never showed lag-reader owning $ex-b's 2 partitions"
[ "$(build/group_lag "$ex-live" | rows "$ex-live")" = "$(kafka_tool "$ex-live")" ] ||
  fail "group_lag with a member differs from kafka-consumer-groups: $(kafka_tool "$ex-live")"
kill "$reader"; wait "$reader" || true

out=$(build/topics --delete "$ex-b" "$ex-missing" 2>&1) && fail "deleting a missing topic succeeded"
grep -qx "Deleted topic $ex-b\." <<<"$out" && grep -q "^$ex-missing: " <<<"$out" || fail "delete: $out"
gone() { ! kcats | grep -q "^$ex-b "; }
eventually gone || fail "$ex-b still listed by kcat -L after --delete"
env -u KAFKA_BOOTSTRAP build/topics --describe example 2>/dev/null | grep -q $'^Topic: example\tPartitionCount: 3' ||
  fail "topics on the embedded mock cluster"
env -u KAFKA_BOOTSTRAP build/metadata 2>/dev/null | grep -q '^ 3 brokers:' || fail "metadata on the embedded mock cluster"
echo "topics, metadata and group_lag agree with kcat -L and kafka-consumer-groups"

step "Python: APL ⎕NA harness, Python binding, interoperability"
python3 -m pytest -q tests/apl tests/python

step "Release: make install and make dist as C, APL and Python users take them (mock cluster)"
tests/dist/run.sh

step "C: eight threads produce on one handle while others drain reports, consume, commit and churn handles (mock)"
cc -std=c11 -Wall -Wextra -Werror -pedantic -O1 -g -pthread -Iinclude -o build/concurrency_test \
  tests/c/concurrency_test.c -Lbuild -l:kafka.so -Wl,-rpath,'$ORIGIN'
build/concurrency_test 2000

step "C: producers and consumers made, used and released 1500 times leave no growth (mock; 10000 in make reliability)"
cc -std=c11 -Wall -Wextra -Werror -pedantic -O1 -g -Iinclude -o build/cycles_test tests/c/cycles_test.c \
  -Lbuild -l:kafka.so -Wl,-rpath,'$ORIGIN'
build/cycles_test 1500 500 400

step "C: valgrind's leak check on the other C tests and the examples on the embedded mock cluster"
# Small counts (valgrind runs them 20-50 times slower); the rows of
# docs/reliability.md come from the full-size runs above, not these.
vg_log=$(mktemp)
vg() {
  env -u KAFKA_BOOTSTRAP KAFKA_RELIABILITY_DIR=/nonexistent valgrind -q --leak-check=full --show-possibly-lost=no \
    --errors-for-leak-kinds=definite --error-exitcode=9 "$@" >"$vg_log" 2>&1 ||
    { cat "$vg_log" >&2; echo "under valgrind: $* failed (exit 9: a memory error or a definite leak)" >&2; exit 1; }
  echo "  $*: clean"
}
vg build/concurrency_test 50
vg build/cycles_test --no-memory-bounds 20 10 10
vg build/demo
vg build/batch_produce
vg build/batch_consume
vg build/transform
vg build/topics --describe example
vg build/metadata
rm -f "$vg_log"
