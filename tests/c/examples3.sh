#!/usr/bin/env bash
# The C examples on three brokers (tests/broker/broker.sh run3 -- tests/c/examples3.sh):
# a topic replicated three times, as metadata and topics --describe print it,
# must match kcat -L, replicas and in-sync replicas included.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KAFKA_BOOTSTRAP:?run under tests/broker/broker.sh run3}"
fail() { echo "examples3: $*" >&2; exit 1; }
t="c-replicas-$$"

build/topics --create "$t" --partitions 3 --replication-factor 3 >/dev/null
# KRaft names a random broker as controller in each answer: compare without it.
plain() { tail -n +2 | sed 's/ (controller)$//' | sort; }
ours() { build/metadata "$KAFKA_BOOTSTRAP" "$t"; }
# A new topic's followers join the ISR asynchronously: poll until all three have.
in_sync() { [ "$(ours | grep -cE 'replicas: [1-3],[1-3],[1-3], isrs: [1-3],[1-3],[1-3]$')" = 3 ]; }
for _ in $(seq 150); do in_sync && break; sleep 0.2; done
in_sync || fail "$t: not 3 partitions with 3 in-sync replicas: $(ours)"
[ "$(ours | plain)" = "$(kcat -L -b "$KAFKA_BOOTSTRAP" -t "$t" | plain)" ] ||
  { diff <(ours | plain) <(kcat -L -b "$KAFKA_BOOTSTRAP" -t "$t" | plain) >&2; fail "metadata differs from kcat -L"; }
[ "$(ours | grep -c '^  broker ')" = 3 ] || fail "metadata does not list 3 brokers"

described=$(build/topics --describe "$t")
grep -q $'PartitionCount: 3\tReplicationFactor: 3' <<<"$described" || fail "describe: $described"
[ "$(grep -cE $'\tReplicas: [1-3],[1-3],[1-3]\tIsr: [1-3],[1-3],[1-3]$' <<<"$described")" = 3 ] ||
  fail "describe: not 3 partitions with 3 replicas in sync: $described"
build/topics --delete "$t" >/dev/null
echo "examples3: metadata and topics show $t's replicas and ISRs as kcat -L does"
