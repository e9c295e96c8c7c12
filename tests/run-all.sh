#!/usr/bin/env bash
# Every test, in one command (`make test`): installs what is missing, builds,
# then runs against a real Apache Kafka broker that it starts and stops
# (or against KAFKA_BOOTSTRAP when that is set):
#   1. Rust tests of every export (embedded mock cluster) and of the header;
#   2. the real-broker integration suite (tests/real_broker.rs);
#   3. C programs built against include/kafka.h with strict warnings, run
#      under valgrind; the demo on the mock cluster and on the broker;
#   4. the APL ⎕NA harness and interoperability tests (pytest);
#   5. three brokers: one stops and nothing is lost (failover); a leader is
#      killed (kill -9) while a consumer reads, and is started again; a topic
#      with replication factor 3 shows 3 replicas and ISRs in Metadata, as in kcat.
set -euo pipefail
cd "$(dirname "$0")/.."

tests/install-deps.sh
make all
# Tests against the real broker must not be skipped silently.
export KAFKA_REQUIRE_BROKER=1
# --secure: the broker also has SSL, SASL_SSL and SASL_PLAINTEXT listeners
# (tests/python/test_secured.py); about a second more to start.
tests/broker/broker.sh run --secure -- tests/suite.sh
# Replicas and the leader kill (which restarts its broker) first: the
# failover test stops one of the brokers for good.
printf '\n==> Three brokers: failover, a leader killed, replicas and ISRs\n'
tests/broker/broker.sh run3 -- bash -c \
  'tests/c/examples3.sh && python3 -m pytest -q tests/python/test_replicas3.py tests/python/test_leader_kill.py tests/python/test_failover.py'
# A broker of its own, since the test kills it (kill -9) and starts it again.
printf '\n==> A broker killed mid-produce and restarted: the idempotent producer loses and duplicates nothing\n'
KAFKA_BROKER_KILLABLE=1 tests/broker/broker.sh run -- python3 -m pytest -q tests/python/test_broker_kill.py
