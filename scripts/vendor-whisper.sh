#!/usr/bin/env bash
# Rebuilds vendor/whisper-rs-sys: the crates.io crate whisper-rs-sys 0.15.0 (its build script
# and pre-generated bindings, unchanged but for one lint) with the whisper.cpp sources it
# compiles replaced by whisper.cpp 1.9.1 (from the npm package nodejs-whisper 0.3.1, the same
# sources as the reference CLI of scripts/build-whisper-cli.sh). Only what the CPU build needs
# is copied. See vendor/whisper-rs-sys/VENDORED.md for why.
# Usage: scripts/vendor-whisper.sh [NODEJS_WHISPER_DIR]   (needs npm when no DIR is given)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-}
if [ -z "$SRC" ]; then
  SRC=$(mktemp -d)
  (cd "$SRC" && npm pack nodejs-whisper@0.3.1 --silent >/dev/null && mkdir src && tar -xzf nodejs-whisper-0.3.1.tgz -C src)
  SRC="$SRC/src"
fi
W="$SRC/package/cpp/whisper.cpp"
grep -q 'project("whisper.cpp" VERSION 1.9.1)' "$W/CMakeLists.txt" || { echo "not whisper.cpp 1.9.1: $W" >&2; exit 1; }
CRATE=$(ls -d ~/.cargo/registry/src/*/whisper-rs-sys-0.15.0 | head -1)
[ -d "$CRATE" ] || cargo fetch --locked
V=vendor/whisper-rs-sys
keep_md="$V/VENDORED.md"; tmp_md=$(mktemp); cp "$keep_md" "$tmp_md" 2>/dev/null || true
tmp_patch=$(mktemp); cp "$V/observant.patch" "$tmp_patch"
rm -rf "$V" && mkdir -p "$V/whisper.cpp/ggml/src"
cp -r "$CRATE"/{Cargo.toml,build.rs,src,wrapper.h} "$V/"
[ -s "$tmp_md" ] && cp "$tmp_md" "$keep_md"
cp "$tmp_patch" "$V/observant.patch"
for p in bindings/javascript/package-tmpl.json bindings/CMakeLists.txt CMakeLists.txt cmake src \
         include/whisper.h include/parakeet.h ggml/cmake ggml/CMakeLists.txt ggml/include LICENSE; do
  mkdir -p "$V/whisper.cpp/$(dirname "$p")" && cp -r "$W/$p" "$V/whisper.cpp/$p"
done
cp "$W"/ggml/src/*.* "$W/ggml/src/CMakeLists.txt" "$V/whisper.cpp/ggml/src/"
cp -r "$W/ggml/src/ggml-cpu" "$V/whisper.cpp/ggml/src/"
# Our changes (lint allowances, fresh source copy in build.rs, encoder flash attention, the
# portable math of ggml/src/observant-math.c).
patch -d "$V" -p1 < "$V/observant.patch"
du -sh "$V"
