#!/usr/bin/env bash
# Builds the installers into dist/:
#   dist/observant_<version>_amd64.deb            Debian/Ubuntu package (cargo-deb)
#   dist/observant-<version>-windows-x86_64.zip   observant.exe + DLLs + models (mingw-w64)
#
# Both are *portable* builds: whisper.cpp/ggml with GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS,
# i.e. ggml's CPU backend as one shared library per x86-64 level (x64, sse42, sandybridge,
# haswell, skylakex, icelake, zen4, alderlake, ...), of which the best for the CPU is loaded at
# start-up (`observant::load_cpu_backends`). An AVX2 or AVX-512 machine runs the same kernels
# as the ordinary build; an older CPU falls back instead of dying with SIGILL.
# The sapphirerapids (AMX) variant is left out: a whisper.cpp build using AMX crashed on q8_0
# on an AMX host (shared notes); AMX machines get the AVX-512 variant instead.
#
# Usage: scripts/package.sh [linux|windows|all]     (default: all)
# Needs: cmake, patchelf, cargo-deb (`cargo install cargo-deb`), mingw-w64 (posix threads),
# zip; rustup target x86_64-pc-windows-gnu. The builds go to target/portable and
# target/portable-windows (target dirs of their own: a portable whisper.cpp must not overwrite
# the static one of target/release, and the two can be built at the same time).
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
ROOT=$PWD
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
export CARGO_TARGET_DIR=$ROOT/target/portable
export GGML_BACKEND_DL=ON GGML_CPU_ALL_VARIANTS=ON GGML_NATIVE=OFF
DIST=$ROOT/dist
mkdir -p "$DIST"

# The cmake install dir of whisper-rs-sys for a target (newest build of it).
whisper_out() { # $1: release dir, e.g. target/portable/release
  local lib=$2 d
  d=$(ls -dt "$1"/build/whisper-rs-sys-*/out 2>/dev/null | while read -r o; do
        [ -e "$o/$lib" ] && { echo "$o"; break; }; done)
  [ -n "$d" ] || { echo "no whisper-rs-sys output with $lib under $1" >&2; exit 1; }
  echo "$d"
}

# Data files the app reads at run time (data_dir()): models and the demo/config assets.
# (Language data and the Silero VAD weights are compiled in.)
copy_data() { # $1: destination data dir
  mkdir -p "$1/assets"
  cp -r models "$1/"
  cp -r assets/demo assets/config assets/speed "$1/assets/"
  cp LICENSE "$1/"
}

build_linux() {
  echo "== Linux: portable release build"
  cargo build --locked --release --bin observant
  local rel=$CARGO_TARGET_DIR/release out stage=$DIST/linux
  out=$(whisper_out "$rel" lib/libwhisper.so)
  rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib" "$stage/share"
  cp "$rel/observant" "$stage/bin/observant"
  # /usr/bin/observant finds its libraries in /usr/lib/observant.
  patchelf --set-rpath '$ORIGIN/../lib/observant' "$stage/bin/observant"
  # The SONAME files (libwhisper.so.1, libggml.so.0, libggml-base.so.0) and the CPU variants.
  for f in "$out"/lib/lib{whisper,ggml,ggml-base}.so.*; do
    [ -L "$f" ] || continue # the soname links; copied as real files below
    cp -L "$f" "$stage/lib/$(basename "$f")"
  done
  find "$stage/lib" -name '*.so.*.*' -delete # keep only the names the loader asks for
  cp "$out"/bin/libggml-cpu-*.so "$stage/lib/"
  rm -f "$stage/lib/libggml-cpu-sapphirerapids.so"
  strip --strip-unneeded "$stage"/lib/*.so*
  copy_data "$stage/share"
  echo "== Linux: .deb (cargo-deb)"
  rm -f "$DIST"/observant_*_amd64.deb
  cargo deb --no-build --no-strip --fast --output "$DIST/observant_${VERSION}_amd64.deb"
  ls -l "$DIST/observant_${VERSION}_amd64.deb"
}

build_windows() {
  echo "== Windows: portable release build (x86_64-pc-windows-gnu, mingw-w64 posix threads)"
  local t=x86_64-pc-windows-gnu
  # gcc for Win64 assumes a 16-byte aligned stack, so AVX spills with aligned 32-byte moves
  # can fault (gcc bug 54412): let the assembler turn them into unaligned moves.
  # mingw-w64's math.h defines expf and tanhf inline as (float)exp/(float)tanh: without its inline
  # functions every call reaches observant-math.c (see vendor/whisper-rs-sys), as on Linux.
  local WIN_CFLAGS="-Wa,-muse-unaligned-vector-move -D__CRT__NO_INLINE"
  # libclang's own headers (stddef.h, stdbool.h), which bindgen does not find by itself here.
  local clang_include
  clang_include=$(ls -d /usr/lib/llvm-*/lib/clang/*/include | sort -V | tail -1)
  # whisper-rs refers to ggml's CPU feature queries, which live in the CPU module chosen at run
  # time; the PE linker wants them resolved (see the file).
  local cpu_has=$ROOT/target/portable-windows/ggml-cpu-has.o
  mkdir -p "$ROOT/target/portable-windows"
  x86_64-w64-mingw32-gcc-posix -O2 -c assets/packaging/windows/ggml-cpu-has.c -o "$cpu_has"
  # The bundled bindings are for Linux: generate them with mingw-w64's C headers (with glibc's, FILE has
  # another layout). ggml needs std::thread/std::mutex: the posix-thread flavour of mingw-w64's gcc 12, and the
  # same for Rust's linker, so that one libstdc++-6.dll serves all.
  CMAKE_SYSTEM_NAME=Windows CMAKE_SYSTEM_PROCESSOR=x86_64 \
    CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc-posix \
    CXX_x86_64_pc_windows_gnu=x86_64-w64-mingw32-g++-posix \
    AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc-posix \
    CFLAGS_x86_64_pc_windows_gnu="$WIN_CFLAGS" CXXFLAGS_x86_64_pc_windows_gnu="$WIN_CFLAGS" \
    WHISPER_DONT_GENERATE_BINDINGS=0 \
    BINDGEN_EXTRA_CLANG_ARGS_x86_64_pc_windows_gnu="--target=$t -isystem $clang_include -isystem /usr/x86_64-w64-mingw32/include" \
    CARGO_TARGET_DIR=$ROOT/target/portable-windows \
    cargo rustc --locked --release --target $t --bin observant -- -C link-arg="$cpu_has"
  local rel=$ROOT/target/portable-windows/$t/release out stage=$DIST/windows/observant gcclib
  out=$(whisper_out "$rel" bin/libwhisper.dll)
  rm -rf "$DIST/windows" && mkdir -p "$stage"
  cp "$rel/observant.exe" "$stage/"
  cp "$out"/bin/*.dll "$stage/"
  # ggml looks for ggml-cpu-<variant>.dll (mingw names modules libggml-cpu-*.dll).
  for f in "$stage"/libggml-cpu-*.dll; do
    [ -e "$f" ] && mv "$f" "$stage/${f##*/lib}"
  done
  rm -f "$stage/ggml-cpu-sapphirerapids.dll"
  # The mingw runtime the DLLs and the exe import.
  gcclib=$(dirname "$(x86_64-w64-mingw32-gcc-posix -print-libgcc-file-name)")
  cp "$gcclib"/{libstdc++-6.dll,libgcc_s_seh-1.dll,libgomp-1.dll} "$stage/"
  cp /usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll "$stage/"
  x86_64-w64-mingw32-strip --strip-unneeded "$stage"/*.dll
  copy_data "$stage"
  # Every DLL imported by the shipped files is either shipped or part of Windows.
  local missing=""
  for dll in $(x86_64-w64-mingw32-objdump -p "$stage"/*.exe "$stage"/*.dll | sed -n 's/^\s*DLL Name: //p' | sort -u); do
    [ -e "$stage/$dll" ] && continue
    case "${dll,,}" in
      kernel32.dll | user32.dll | gdi32.dll | advapi32.dll | ws2_32.dll | ole32.dll | oleaut32.dll | \
        shell32.dll | msvcrt.dll | ntdll.dll | bcrypt.dll | bcryptprimitives.dll | userenv.dll | \
        opengl32.dll | imm32.dll | dwmapi.dll | uxtheme.dll | comctl32.dll | winmm.dll | \
        propsys.dll | shlwapi.dll | crypt32.dll | secur32.dll | api-ms-win-*.dll | ucrtbase.dll | \
        dxgi.dll | d3d11.dll | d3d12.dll | dcomp.dll | avrt.dll | mmdevapi.dll | version.dll | \
        setupapi.dll | hid.dll | powrprof.dll | synchronization.dll | comdlg32.dll | winspool.drv | \
        oleacc.dll | mfplat.dll | ksuser.dll | iphlpapi.dll | dbghelp.dll | psapi.dll | \
        combase.dll | rpcrt4.dll) ;;
      *) missing="$missing $dll" ;;
    esac
  done
  [ -z "$missing" ] || { echo "imported but not shipped:$missing" >&2; exit 1; }
  local zip=$DIST/observant-${VERSION}-windows-x86_64.zip
  rm -f "$zip"
  (cd "$DIST/windows" && zip -qr -9 "$zip" observant)
  ls -l "$zip"
}

case "$WHAT" in
  linux) build_linux ;;
  windows) build_windows ;;
  all) build_linux && build_windows ;;
  *) echo "usage: $0 [linux|windows|all]" >&2; exit 2 ;;
esac
