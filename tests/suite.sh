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

step "Python: APL ⎕NA harness, Python binding, interoperability"
python3 -m pytest -q tests/apl tests/python
