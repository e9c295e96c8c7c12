#!/usr/bin/env bash
# packaging/licenses.sh DIR: copies into DIR the licenses of the third-party
# code linked into the library (librdkafka with what it bundles, OpenSSL,
# zstd, zlib), from the crate sources the build used (versions from
# Cargo.lock). Reads files only: no cargo command, so no wait on cargo's lock.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
mkdir -p "$out"
registry=${CARGO_HOME:-$HOME/.cargo}/registry/src

version_of() { # the version Cargo.lock pins for a crate
  awk -v name="$1" '$1 == "name" && $3 == "\"" name "\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

copy() { # crate, file inside it, name in DIR
  local dir
  dir=$(ls -d "$registry"/*/"$1-$(version_of "$1")" 2>/dev/null | head -1)
  if [ -n "$dir" ] && [ -f "$dir/$2" ]; then
    cp "$dir/$2" "$out/$3"
  else
    echo "licenses.sh: no $2 in crate $1 (build the library first)" >&2
    exit 1
  fi
}

copy rdkafka-sys librdkafka/LICENSES.txt LICENSES.librdkafka
copy zstd-sys zstd/LICENSE LICENSE.zstd
copy libz-sys src/zlib/LICENSE LICENSE.zlib
# Linked in only by the default static-deps feature.
if grep -q '"openssl-src"' Cargo.lock; then
  copy openssl-src openssl/LICENSE.txt LICENSE.openssl
fi
