#!/usr/bin/env bash
# The release as its users get it (issue 13), on the embedded mock cluster:
#   1. `make install` into a temporary prefix: demo.c built against it with
#      only pkg-config and run; the ⎕NA harness on the installed APL package;
#      DESTDIR staging; `make uninstall` leaves nothing;
#   2. `make dist`, unpacked in an empty directory: the C examples built by
#      their Makefile (pkg-config) and the demo run; the Python example run
#      from the wheel in a fresh venv;
#   3. the shipped library in a clean environment (env -i): its
#      dependencies (libc-level only), its exports (ours only) and a round
#      trip;
#   4. startup: dlopen to first delivered message (bench/RESULTS.md);
#   5. TLS through the built-in OpenSSL, against `openssl s_server`.
# Needs `make all` first (tests/run-all.sh does it).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Everything here runs on the mock cluster, whatever broker the suite has.
unset KAFKA_BOOTSTRAP KAFKA_REQUIRE_BROKER KAFKA_SO

step() { printf '\n==> dist: %s\n' "$*"; }
fail() { echo "dist: $*" >&2; exit 1; }

tmp=$(mktemp -d)
mock_pid=
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR=${VERSION%%.*}
MINOR=$(echo "$VERSION" | cut -d. -f2)
if [ "$MAJOR" = 0 ]; then SONAME=libkafka.so.0.$MINOR; else SONAME=libkafka.so.$MAJOR; fi
WARN=(-std=c11 -Wall -Wextra -Werror -pedantic)

step "make install PREFIX=$tmp/prefix"
prefix=$tmp/prefix
make -s install PREFIX="$prefix" >/dev/null
for f in lib/libkafka.so."$VERSION" lib/"$SONAME" lib/libkafka.so lib/kafka.so lib/.debug/libkafka.so."$VERSION".debug \
  include/kafka.h lib/pkgconfig/kafka.pc share/kafka/apl/apl-package.json share/kafka/apl/APLSource/Init.aplf \
  share/kafka/examples/c/demo.c share/doc/kafka/LICENSE share/doc/kafka/CHANGELOG.md; do
  [ -e "$prefix/$f" ] || fail "make install did not install $f"
done
soname=$(readelf -d "$prefix/lib/libkafka.so.$VERSION" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "$SONAME" ] || fail "soname is '$soname', expected $SONAME"
readelf -S "$prefix/lib/libkafka.so.$VERSION" | grep -q '\.debug_info' && fail "the installed library has debug info"
echo "libkafka.so.$VERSION ($(stat -c %s "$prefix/lib/libkafka.so.$VERSION") bytes, soname $soname), debug info in .debug/"

step "C: bindings/c/demo.c against the installed copy, with only pkg-config"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion kafka)" = "$VERSION" ] || fail "pkg-config says $(pkg-config --modversion kafka)"
# shellcheck disable=SC2046 # pkg-config's words are separate flags
cc "${WARN[@]}" -O1 -o "$tmp/demo" bindings/c/demo.c $(pkg-config --cflags --libs kafka) \
  -Wl,-rpath,"$(pkg-config --variable=libdir kafka)"
readelf -d "$tmp/demo" | grep -q "NEEDED.*\[$SONAME\]" || fail "demo does not record $SONAME"
"$tmp/demo" >/dev/null
echo "demo built with \$(pkg-config --cflags --libs kafka), linked to $SONAME, round trip done"

step "APL: the ⎕NA harness on the installed package (Init '' finds the library)"
KAFKA_APL_PACKAGE=$prefix/share/kafka/apl KAFKA_APL_SOURCE=$prefix/share/kafka/apl/APLSource \
  KAFKA_SO=$prefix/lib/kafka.so python3 -m pytest -q -p no:cacheprovider \
  tests/dist/test_apl_package.py tests/apl/test_source.py tests/apl/test_replay.py

step "make install DESTDIR=… PREFIX=/usr (a packager's staging)"
make -s install DESTDIR="$tmp/stage" PREFIX=/usr >/dev/null
grep -qx 'prefix=/usr' "$tmp/stage/usr/lib/pkgconfig/kafka.pc" || fail "kafka.pc under DESTDIR does not say prefix=/usr"
grep -qx " folder←'/usr/lib'" "$tmp/stage/usr/share/kafka/apl/APLSource/kafka/library_folder.aplf" ||
  fail "the APL package under DESTDIR does not load from /usr/lib"
echo "staged under DESTDIR, pointing at /usr"

step "make uninstall"
make -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "nothing left under $prefix"
unset PKG_CONFIG_PATH

step "make dist, unpacked in an empty directory"
make -s dist >/dev/null
archive=build/kafka-$VERSION-linux-$(uname -m).tar.gz
[ -f "$archive" ] || fail "make dist did not make $archive"
[ -f "${archive%.tar.gz}-debug.tar.gz" ] || fail "make dist did not make the debug-info archive"
tar -tzf "$archive" | grep -q '\.debug' && fail "the archive holds debug info"
mkdir "$tmp/unpacked"
tar -C "$tmp/unpacked" -xzf "$archive"
root=$tmp/unpacked/kafka-$VERSION-linux-$(uname -m)
for f in README.md LICENSE CHANGELOG.md LICENSES.librdkafka include/kafka.h lib/kafka.so lib/pkgconfig/kafka.pc \
  share/kafka/apl/apl-package.json share/kafka/examples/python/example.py; do
  [ -e "$root/$f" ] || fail "the archive has no $f"
done
wheel=$(ls "$root"/python/kafkaso-"$VERSION"-*.whl) || fail "the archive has no wheel of version $VERSION"
echo "$archive: $(stat -c %s "$archive") bytes, $(tar -tzf "$archive" | wc -l) entries"

step "C: the archive's examples, built by their Makefile (pkg-config), the demo run"
PKG_CONFIG_PATH=$root/lib/pkgconfig make -s -C "$root/share/kafka/examples/c" CFLAGS="${WARN[*]} -O1" >/dev/null
(cd "$tmp" && "$root/share/kafka/examples/c/demo" >/dev/null)
echo "$(cd "$root/share/kafka/examples/c" && ls *.c | wc -l) examples built; the demo's round trip done"

step "Python: the example, with the wheel installed in a fresh venv"
lib=$root/lib/libkafka.so.$VERSION
python3 -m venv "$tmp/venv"
# Its dependencies, if any, come from the package index as for any user.
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel"
[ "$("$tmp/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("kafkaso"))')" = "$VERSION" ] ||
  fail "the wheel's version is not $VERSION"
# The wheel carries its own copy of the shipped library, under its soname.
cmp -s "$("$tmp/venv/bin/python" -c 'import kafkaso, os; print(os.path.dirname(kafkaso.__file__))')/$SONAME" "$lib" ||
  fail "the wheel does not carry the shipped library as kafkaso/$SONAME"
(cd "$tmp" && "$tmp/venv/bin/python" "$root/share/kafka/examples/python/example.py" |
  tail -2)

step "the shipped library in a clean environment (env -i)"
env -i /usr/bin/ldd "$lib" | tee "$tmp/ldd"
# Only what every Linux has: the C library, the loader, libm, libgcc_s.
unexpected=$(awk '{print $1}' "$tmp/ldd" |
  grep -Ev '^(linux-vdso\.so\.1|/lib64/ld-linux-x86-64\.so\.2|lib(c|m|dl|rt|pthread)\.so\.[0-9]+|libgcc_s\.so\.1)$' || true)
[ -z "$unexpected" ] || fail "the library needs more than libc-level libraries: $unexpected"
# What is linked in stays inside: a process may hold another OpenSSL or librdkafka.
leaked=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -E '^(SSL_|EVP_|OPENSSL_|rd_kafka_|ZSTD_|deflate|inflate)' |
  head -5 || true)
[ -z "$leaked" ] || fail "the library exports symbols of what it links in: $leaked"
echo "$(nm -D --defined-only "$lib" | wc -l) symbols exported, none of OpenSSL, librdkafka, zstd or zlib"
(cd "$tmp" && env -i "$root/share/kafka/examples/c/demo" | tail -1)

step "startup: dlopen to the first delivered message (shipped library, mock broker in its own process)"
cc "${WARN[@]}" -O2 -o "$tmp/startup" tests/dist/startup.c -ldl
"$root/share/kafka/examples/c/mock_broker" 1 startup:1 >"$tmp/mock.out" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$tmp/mock.out" ] && break; sleep 0.1; done
addr=$(head -1 "$tmp/mock.out")
for _ in 1 2 3 4 5; do "$tmp/startup" "$lib" "$addr" startup; done | tee "$tmp/startup.out"
sort -t= -k3 -n "$tmp/startup.out" | sed -n 3p | sed 's/^/median of 5: /'
kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
mock_pid=

step "TLS: the built-in OpenSSL completes a handshake with a trusted CA and refuses an unknown one"
command -v openssl >/dev/null || fail "openssl (the command) is needed to serve TLS"
tls=$tmp/tls
mkdir "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 1 -subj /CN=test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$tls/server.key" -out "$tls/server.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 1 \
  -extfile "$tls/ext" -out "$tls/server.pem" 2>/dev/null
for trust in "$tls/ca.pem" -; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # s_server stops at the end of its input: keep it open while the client runs.
  sleep 5 | timeout 10 openssl s_server -accept "127.0.0.1:$port" -cert "$tls/server.pem" -key "$tls/server.key" \
    >"$tls/server.log" 2>&1 &
  for _ in $(seq 50); do grep -q ACCEPT "$tls/server.log" 2>/dev/null && break; sleep 0.1; done
  # Its message is lost by design (the server speaks TLS, not Kafka): the
  # library's note of the loss goes to a log.
  "$tmp/venv/bin/python" tests/dist/tls_client.py "127.0.0.1:$port" "$trust" 2>>"$tls/client.log"
  sleep 0.5
  if [ "$trust" = - ]; then
    grep -aq 'unknown ca' "$tls/server.log" || fail "a certificate from an unknown CA was not refused: $(cat "$tls/server.log")"
    echo "default trust: the test CA's certificate refused (unknown ca)"
  else
    grep -aq 'CIPHER is' "$tls/server.log" || fail "no TLS handshake with the trusted CA: $(cat "$tls/server.log")"
    echo "ssl.ca.location=ca.pem: handshake done, $(grep -a 'CIPHER is' "$tls/server.log")"
  fi
  wait
done
