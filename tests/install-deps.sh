#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine, skipping
# whatever is already there: kcat, valgrind, cJSON, perl, pkg-config, venv
# and openssl (apt), cbindgen (cargo), pytest, confluent-kafka, kafka-python
# and pyarrow (pip), and the Kafka broker jars (Maven Central, cached under
# tests/broker/.cache).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'install-deps: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing_apt=()
command -v kcat >/dev/null || missing_apt+=(kcat)
command -v valgrind >/dev/null || missing_apt+=(valgrind)
command -v cc >/dev/null || missing_apt+=(build-essential)
# OpenSSL is built from source into the library: its Configure is Perl,
# with modules that perl-base alone lacks.
perl -MIPC::Cmd -MFindBin -MFile::Compare -e 1 2>/dev/null || missing_apt+=(perl)
# The release test builds against the installed library with pkg-config.
command -v pkg-config >/dev/null || missing_apt+=(pkg-config)
# ... installs the Python wheel in a fresh venv, and serves TLS with openssl.
python3 -c 'import ensurepip' 2>/dev/null || missing_apt+=(python3-venv)
command -v openssl >/dev/null || missing_apt+=(openssl)
command -v mvn >/dev/null || missing_apt+=(maven)
command -v java >/dev/null || missing_apt+=(openjdk-17-jre-headless)
# The C examples parse the library's JSON results with cJSON.
[ -f /usr/include/cjson/cJSON.h ] || missing_apt+=(libcjson-dev)
if [ ${#missing_apt[@]} -gt 0 ]; then
  say "apt-get install ${missing_apt[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_apt[@]}" >/dev/null
fi

CBINDGEN_VERSION=0.29.0
if ! cbindgen --version 2>/dev/null | grep -q "$CBINDGEN_VERSION"; then
  say "cargo install cbindgen $CBINDGEN_VERSION"
  cargo install -q cbindgen --version "$CBINDGEN_VERSION" --locked
fi

# cffi, setuptools and wheel build the Python package (make python-wheel);
# pyarrow is what its consume_columns returns when installed.
if ! python3 -c 'import pytest, confluent_kafka, kafka, cffi, setuptools, wheel, pyarrow' 2>/dev/null; then
  say "pip install pytest confluent-kafka kafka-python cffi setuptools wheel pyarrow"
  packages=(pytest confluent-kafka kafka-python cffi setuptools wheel pyarrow)
  python3 -m pip install -q --disable-pip-version-check "${packages[@]}" 2>/dev/null ||
    python3 -m pip install -q --disable-pip-version-check --break-system-packages "${packages[@]}"
fi

if [ -z "${KAFKA_BOOTSTRAP:-}" ]; then
  tests/broker/broker.sh fetch
fi
