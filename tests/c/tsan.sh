#!/usr/bin/env bash
# The C tests under ThreadSanitizer (issue 12), on demand:
#   tests/c/tsan.sh            # builds target/tsan (first time: ~4 min), runs
# Fails on any TSan report not in tests/c/tsan.supp (which says why each
# one is there); each program's output is in build/tsan/*.log.
#
# What is instrumented: our Rust code and its crates (parking_lot,
# once_cell...), librdkafka, OpenSSL, zstd and zlib (CFLAGS reach their
# build scripts), and the test programs. What is not: Rust's std (no
# rust-src here for -Zbuild-std, hence -Cunsafe-allow-abi-mismatch), so a
# std-internal lock or Once that TSan cannot see could give a false report;
# glibc's C11 threads, which librdkafka uses, are replaced by
# tests/c/tsan_c11threads.c so that its threads and locks are seen.
# The runtime is Rust's own (the LLVM that instrumented the library): GCC
# 12's libtsan lacks __tsan_memcpy and friends that LLVM emits.
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGET=x86_64-unknown-linux-gnu
OUT=build/tsan
LIB=target/tsan/$TARGET/release/libkafka.so
SAN="-fsanitize=thread -O1 -g"

CARGO_TARGET_DIR=target/tsan RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
  CFLAGS="$SAN" CXXFLAGS="$SAN" cargo +nightly build -q --release --lib --target "$TARGET"
RUNTIME=$(rustc +nightly --print sysroot)/lib/rustlib/$TARGET/lib/librustc-nightly_rt.tsan.a
[ -f "$RUNTIME" ] || { echo "no TSan runtime at $RUNTIME" >&2; exit 1; }

mkdir -p "$OUT"
cp "$LIB" "$OUT/kafka.so.$$" && mv -f "$OUT/kafka.so.$$" "$OUT/kafka.so"
ln -sf kafka.so "$OUT/libkafka.so.0.2"
WARN="-std=c11 -Wall -Wextra -Werror -pedantic"
cc $WARN -O1 -g -c -o "$OUT/c11threads.o" tests/c/tsan_c11threads.c
build() { # name: compiled instrumented; the runtime's symbols exported for kafka.so
  cc $WARN $SAN -pthread -Iinclude -c -o "$OUT/$1.o" "tests/c/$1.c"
  cc -pthread -rdynamic -o "$OUT/$1" "$OUT/$1.o" "$OUT/c11threads.o" \
    -Wl,--whole-archive "$RUNTIME" -Wl,--no-whole-archive -L"$OUT" -l:kafka.so -Wl,-rpath,'$ORIGIN' -ldl -lm
}

failed=0
run() { # name args...: passes if the test passes and TSan reported nothing
  local name=$1 log=$OUT/$1.log
  shift
  local rc=0
  TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 print_suppressions=1 suppressions=$PWD/tests/c/tsan.supp" \
    timeout 900 "$OUT/$name" "$@" >"$log" 2>&1 || rc=$?
  local reports suppressed
  reports=$(grep -c '^WARNING: ThreadSanitizer' "$log" || true)
  suppressed=$(awk '/^ThreadSanitizer: Matched/ { on = 1; next } on && /^[0-9]+ [a-z_]+:/ { n += $1 } END { print n + 0 }' "$log")
  printf '%s %s: exit %d, %d TSan reports (%d suppressed, tests/c/tsan.supp)\n' "$name" "$*" "$rc" "$reports" "$suppressed"
  if [ "$rc" != 0 ] || [ "$reports" != 0 ]; then
    grep '^SUMMARY: ThreadSanitizer' "$log" | sort | uniq -c >&2 || true
    failed=1
  fi
}

for t in concurrency_test cycles_test abi_test; do build "$t"; done
run concurrency_test 20000
run cycles_test --no-memory-bounds 300 150 50
run abi_test
exit "$failed"
