#!/usr/bin/env bash
# Runs the whole test suite against the portable build of scripts/package.sh: whisper.cpp and
# ggml as shared libraries, the CPU backend as one module per x86-64 level chosen at start-up
# (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS), in the release profile and target dir that
# package.sh uses (target/portable), so after a package build only the tests compile.
# The CPU modules are put beside the test binaries, where ggml looks for them (as the
# installed binary finds them in /usr/lib/observant). Extra arguments go to `cargo test`
# (e.g. `-- --ignored --test-threads=1` for the evaluations).
# Usage: scripts/test-portable.sh [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=$PWD/target/portable
export GGML_BACKEND_DL=ON GGML_CPU_ALL_VARIANTS=ON GGML_NATIVE=OFF
cargo test --workspace --locked --release --no-run
out=$(ls -dt "$CARGO_TARGET_DIR"/release/build/whisper-rs-sys-*/out | while read -r o; do
  [ -e "$o/lib/libwhisper.so" ] && { echo "$o"; break; }; done)
[ -n "$out" ] || { echo "no portable whisper-rs-sys build under $CARGO_TARGET_DIR" >&2; exit 1; }
variants=("$out"/bin/libggml-cpu-*.so)
for d in "$CARGO_TARGET_DIR"/release/deps "$CARGO_TARGET_DIR"/release; do
  cp "${variants[@]}" "$d/"
  rm -f "$d/libggml-cpu-sapphirerapids.so" # not shipped (see package.sh)
done
echo "portable build: ${#variants[@]} CPU modules beside the test binaries" >&2
cargo test --workspace --locked --release "$@"
