#!/usr/bin/env bash
# Builds whisper.cpp's own CLI (the speed/accuracy reference for benchmarks only; never part
# of the product) from the whisper.cpp sources shipped in the npm package nodejs-whisper,
# with the same portable CPU flags as our whisper-rs build (.cargo/config.toml).
# Usage: scripts/build-whisper-cli.sh [DIR]   -> prints the path of whisper-cli
set -euo pipefail
DIR=${1:-${TMPDIR:-/tmp}/observant-whisper-ref}
mkdir -p "$DIR"
BIN="$DIR/src/package/cpp/whisper.cpp/build/bin/whisper-cli"
if [ ! -x "$BIN" ]; then
  command -v npm >/dev/null || { echo "npm is needed to fetch the whisper.cpp sources" >&2; exit 1; }
  (cd "$DIR" && [ -f nodejs-whisper-0.3.1.tgz ] || npm pack nodejs-whisper@0.3.1 --silent >/dev/null)
  rm -rf "$DIR/src" && mkdir -p "$DIR/src" && tar -xzf "$DIR/nodejs-whisper-0.3.1.tgz" -C "$DIR/src"
  W="$DIR/src/package/cpp/whisper.cpp"
  cmake -S "$W" -B "$W/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF \
    -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DBUILD_SHARED_LIBS=OFF \
    -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_SERVER=OFF -DWHISPER_SDL2=OFF >/dev/null
  cmake --build "$W/build" -j"$(nproc)" --config Release --target whisper-cli >/dev/null
fi
echo "$BIN"
