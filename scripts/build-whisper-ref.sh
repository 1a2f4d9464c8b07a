#!/usr/bin/env bash
# Builds scripts/whisper-ref (whisper.cpp's whisper_full, called as whisper-cli calls it; see
# main.cpp) from the whisper.cpp sources vendored in vendor/whisper-rs-sys, with the same CPU
# flags as our whisper-rs build (.cargo/config.toml). The speed reference for
# scripts/bench-vs-whisper-cli.sh when whisper-cli itself cannot be built (offline: its sources
# come from npm). Built with the C library's math (OBSERVANT_PORTABLE_MATH=OFF), i.e. whisper.cpp
# as published apart from the vendored patch's two whisper.cpp changes. Benchmarks only, never
# shipped.
# Usage: scripts/build-whisper-ref.sh [DIR]   -> prints the path of whisper-ref
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-${TMPDIR:-/tmp}/observant-whisper-ref-vendored}
W=vendor/whisper-rs-sys/whisper.cpp
BIN=$DIR/whisper-ref
if [ ! -x "$BIN" ] || [ scripts/whisper-ref/main.cpp -nt "$BIN" ]; then
  # A copy of the sources: configuring writes into the source tree (bindings/javascript).
  mkdir -p "$DIR" && rm -rf "$DIR/src" && cp -r "$W" "$DIR/src"
  cmake -S "$DIR/src" -B "$DIR/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF \
    -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DBUILD_SHARED_LIBS=OFF \
    -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_SERVER=OFF \
    -DOBSERVANT_PORTABLE_MATH=OFF >/dev/null
  cmake --build "$DIR/build" -j"$(nproc)" --config Release --target whisper >/dev/null
  libs=$(find "$DIR/build" -name 'libwhisper.a' -o -name 'libggml*.a' | sort -r)
  g++ -O2 -std=c++17 -I"$DIR/src/include" -I"$DIR/src/ggml/include" scripts/whisper-ref/main.cpp \
    -o "$BIN" -Wl,--start-group $libs -Wl,--end-group -fopenmp -lpthread
fi
echo "$BIN"
