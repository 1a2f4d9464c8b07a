#!/usr/bin/env bash
# Checks the installers of scripts/package.sh (dist/) on this Debian machine, as root:
#  1. Linux: `dpkg -i` the .deb; the installed `observant` (run from an empty folder, no
#     OBSERVANT_HOME) transcribes and analyses the fixture with its installed model; then
#     `dpkg -r` removes every file it installed.
#     Without its CPU modules, the installed binary fails with one line (no abort).
#  1b. The installed `observant --demo` draws its window under Xvfb (dist/check/linux-demo.png).
#  2. No AVX2: the installed binary transcribes the fixture under `qemu-x86_64 -cpu Nehalem`
#     (SSE4.2, no AVX): ggml falls back to its sse42 CPU variant instead of SIGILL.
#  3. Windows (wine): `observant.exe transcribe` and `analyze` on the fixture give the same
#     transcript and flags as the Linux package; `observant.exe --demo` draws its start screen
#     under Xvfb (screenshot: dist/check/wine-demo.png; look at it).
# Needs: dpkg, strace, qemu-user, wine, wine64, xvfb, imagemagick, python3.
# Usage: scripts/package-check.sh [--skip-qemu] [--skip-wine]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SKIP_QEMU=0 SKIP_WINE=0
for a in "$@"; do
  case "$a" in
    --skip-qemu) SKIP_QEMU=1 ;;
    --skip-wine) SKIP_WINE=1 ;;
    *) echo "usage: $0 [--skip-qemu] [--skip-wine]" >&2; exit 2 ;;
  esac
done
DEB=$(ls dist/observant_*_amd64.deb | head -1)
ZIP=$(ls dist/observant-*-windows-x86_64.zip 2>/dev/null | head -1 || true)
OUT=$ROOT/dist/check
rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/observant-check.XXXXXX)
cp tests/fixtures/audio/nl-cabin1-clip.wav "$WORK/clip.wav"
mkdir -p "$WORK/home"
VERIFIED=()
ok() { echo "OK   $*"; VERIFIED+=("$*"); }
fail() { echo "FAIL $*" >&2; exit 1; }
# A check that failed but leaves the others worth running; the script still exits non-zero.
SOFT_FAILED=()
soft_fail() { echo "FAIL $*" >&2; SOFT_FAILED+=("$*"); }
# The installed app as a user would run it: an unrelated folder, no OBSERVANT_HOME, a fresh
# HOME (sessions, settings, groups go there).
run_installed() { (cd "$WORK" && env -u OBSERVANT_HOME HOME="$WORK/home" XDG_DATA_HOME= XDG_CONFIG_HOME= "$@"); }
# Transcript (start, end, speaker, text) and flags of a JSON output, for comparing builds.
summary() {
  python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
t = d.get("transcript", d)
for u in t.get("utterances", []):
    print("U %.2f %.2f %s %s" % (u["start"], u["end"], u["speaker"], u["text"]))
for f in d.get("flags", []):
    print("F", json.dumps({k: v for k, v in f.items() if k not in ("confidence", "score")}, sort_keys=True))
EOF
}

# Runs `$3...` (`run_installed ...` or `wine ...`, the latter from $WORK) on a fresh Xvfb for $2
# seconds, saves a screenshot to $1 and checks it is not (nearly) blank; sets `colours`. The
# Linux app must still be running then (wine's launcher may hand over to another process).
demo_screenshot() {
  local png=$1 wait=$2 disp=:96 xvfb app
  shift 2
  Xvfb $disp -screen 0 1280x800x24 >/dev/null 2>&1 &
  xvfb=$!
  sleep 2
  if [ "$1" = wine ]; then
    (cd "$WORK" && DISPLAY=$disp exec "$@" >"${png%.png}.log" 2>&1) &
  else
    DISPLAY=$disp "$@" >"${png%.png}.log" 2>&1 &
  fi
  app=$!
  sleep "$wait"
  DISPLAY=$disp import -window root "$png"
  if [ "$1" != wine ]; then
    kill -0 "$app" 2>/dev/null || { cat "${png%.png}.log"; fail "$* exited early"; }
  fi
  kill "$app" 2>/dev/null || true
  [ "$1" = wine ] && { DISPLAY=$disp wineserver -k 2>/dev/null || true; }
  kill "$xvfb" 2>/dev/null || true
  wait "$app" "$xvfb" 2>/dev/null || true
  colours=$(convert "$png" -format '%k' info:)
  [ "$colours" -gt 16 ] || fail "the screenshot $png is (nearly) blank: $colours colours"
}

echo "== 1. Debian package: $DEB"
dpkg -s observant >/dev/null 2>&1 && dpkg -r observant >/dev/null
dpkg -i "$DEB" >"$OUT/dpkg-i.log" 2>&1 || { cat "$OUT/dpkg-i.log"; fail "dpkg -i"; }
dpkg -s observant | grep -q '^Status: install ok installed' || fail "package not installed"
dpkg -L observant >"$OUT/installed-files.txt"
ok "dpkg -i $(basename "$DEB"): $(wc -l <"$OUT/installed-files.txt") paths installed"
for f in /usr/bin/observant /usr/share/observant/models/ggml-base-q8_0.bin \
  /usr/share/observant/models/voice-encoder-ge2e.safetensors \
  /usr/share/applications/observant.desktop /usr/share/icons/hicolor/scalable/apps/observant.svg \
  /usr/share/metainfo/nl.observant.Observant.metainfo.xml; do
  [ -e "$f" ] || fail "missing $f"
done
ls /usr/lib/observant/libggml-cpu-*.so >/dev/null || fail "no CPU backends in /usr/lib/observant"
ok "installed: binary, model + voice encoder in /usr/share/observant, $(ls /usr/lib/observant/libggml-cpu-*.so | wc -l) ggml CPU variants in /usr/lib/observant, desktop entry, icons, AppStream metainfo"
! ldd /usr/bin/observant | grep -q 'not found' || { ldd /usr/bin/observant; fail "unresolved libraries"; }
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate /usr/share/applications/observant.desktop >"$OUT/desktop.log" 2>&1 || { cat "$OUT/desktop.log"; fail "desktop entry"; }
  [ ! -s "$OUT/desktop.log" ] || { cat "$OUT/desktop.log"; fail "desktop-file-validate hints"; }
  ok "desktop-file-validate: clean"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net /usr/share/metainfo/nl.observant.Observant.metainfo.xml >"$OUT/appstream.log" 2>&1 \
    || { cat "$OUT/appstream.log"; fail "appstream metainfo"; }
  ok "appstreamcli validate: $(tail -1 "$OUT/appstream.log")"
fi

run_installed strace -f -e trace=openat -o "$OUT/strace-transcribe.txt" \
  observant transcribe clip.wav --lang nl --format json -o "$OUT/linux-transcribe.json" 2>"$OUT/linux-transcribe.err" \
  || { cat "$OUT/linux-transcribe.err"; fail "installed observant transcribe"; }
grep -q '"/usr/share/observant/models/ggml-base-q8_0.bin"' "$OUT/strace-transcribe.txt" || fail "installed model not read"
! grep "\"$ROOT/" "$OUT/strace-transcribe.txt" | grep -vq "\"$OUT/" || fail "the installed binary read files from the source tree"
variant=$(grep -o 'libggml-cpu-[a-z0-9_]*\.so' "$OUT/strace-transcribe.txt" | tail -1)
summary "$OUT/linux-transcribe.json" >"$OUT/linux-transcribe.txt"
[ -s "$OUT/linux-transcribe.txt" ] || fail "empty transcript"
ok "installed observant transcribe (from $WORK, no OBSERVANT_HOME): read /usr/share/observant/models/ggml-base-q8_0.bin, nothing from the source tree; CPU backend $variant; $(wc -l <"$OUT/linux-transcribe.txt") utterances"
sed 's/^/     /' "$OUT/linux-transcribe.txt"
run_installed observant analyze clip.wav --lang nl --format json >"$OUT/linux-analyze.json" 2>"$OUT/linux-analyze.err" \
  || { cat "$OUT/linux-analyze.err"; fail "installed observant analyze"; }
summary "$OUT/linux-analyze.json" >"$OUT/linux-analyze.txt"
ok "installed observant analyze: $(grep -c '^U' "$OUT/linux-analyze.txt") utterances, $(grep -c '^F' "$OUT/linux-analyze.txt" || true) flags"

# A broken installation (the CPU modules gone): one clear line and a non-zero exit, no abort.
mkdir -p "$WORK/modules-away"
mv /usr/lib/observant/libggml-cpu-*.so "$WORK/modules-away/"
rc=0
run_installed observant transcribe clip.wav --lang nl --format text >/dev/null 2>"$OUT/broken.err" || rc=$?
mv "$WORK/modules-away/"* /usr/lib/observant/
[ "$rc" != 0 ] && [ "$rc" -lt 128 ] || { cat "$OUT/broken.err"; fail "without its CPU modules: exit $rc (expected an error, not a crash)"; }
[ "$(wc -l <"$OUT/broken.err")" = 1 ] || { cat "$OUT/broken.err"; fail "without its CPU modules: not a one-line error"; }
ok "without /usr/lib/observant/libggml-cpu-*.so: exit $rc, one line: $(cat "$OUT/broken.err")"

echo "== 1b. the installed observant --demo under Xvfb"
demo_screenshot "$OUT/linux-demo.png" "${DEMO_WAIT_LINUX:-15}" run_installed observant --demo
ok "installed observant --demo under Xvfb: still running after ${DEMO_WAIT_LINUX:-15} s, screenshot $OUT/linux-demo.png ($colours colours; look at it)"

if [ "$SKIP_QEMU" = 0 ]; then
  echo "== 2. No AVX2: qemu-x86_64 -cpu Nehalem"
  rc=0
  run_installed qemu-x86_64 -cpu Nehalem -strace /usr/bin/observant transcribe clip.wav --lang nl --format text \
    -o "$OUT/nehalem-transcript.txt" 2>"$OUT/nehalem.strace" || rc=$?
  [ "$rc" = 0 ] || { tail -5 "$OUT/nehalem.strace"; fail "under qemu -cpu Nehalem: exit $rc"; }
  [ -s "$OUT/nehalem-transcript.txt" ] || fail "empty transcript under qemu"
  variant=$(grep -o 'libggml-cpu-[a-z0-9_]*\.so' "$OUT/nehalem.strace" | tail -1)
  ok "qemu-x86_64 -cpu Nehalem /usr/bin/observant transcribe: exit 0, CPU backend $variant, transcript:"
  sed 's/^/     /' "$OUT/nehalem-transcript.txt"
  # For contrast: a static (non-portable) release build, when there is one.
  if [ -x target/release/observant ]; then
    rc=0
    (cd "$WORK" && qemu-x86_64 -cpu Nehalem "$ROOT/target/release/observant" transcribe clip.wav \
      --format text >/dev/null 2>&1) || rc=$?
    ok "for contrast, the static build target/release/observant under the same qemu: exit $rc$([ "$rc" = 132 ] && echo ' (SIGILL)')"
  fi
fi

echo "== 3. dpkg -r"
dpkg -r observant >"$OUT/dpkg-r.log" 2>&1 || { cat "$OUT/dpkg-r.log"; fail "dpkg -r"; }
left=""
while read -r p; do
  [ -d "$p" ] && continue # shared folders (/usr/share/icons...) stay
  [ -e "$p" ] && left="$left $p"
done <"$OUT/installed-files.txt"
for d in /usr/lib/observant /usr/share/observant /usr/share/doc/observant; do [ -e "$d" ] && left="$left $d"; done
[ -z "$left" ] || fail "left after dpkg -r:$left"
dpkg -s observant >/dev/null 2>&1 && fail "package still known to dpkg"
ok "dpkg -r observant: every installed file and /usr/lib/observant, /usr/share/observant gone"

if [ "$SKIP_WINE" = 0 ]; then
  echo "== 4. Windows build under wine: $ZIP"
  [ -n "$ZIP" ] || fail "no Windows zip in dist/"
  unzip -q "$ZIP" -d "$WORK/win"
  # A wine prefix of its own, kept between runs (creating one takes a while).
  export WINEPREFIX=${OBSERVANT_CHECK_WINEPREFIX:-/tmp/observant-check-wine} WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  wineboot -i >/dev/null 2>&1 || true
  # Debian 12's wine 8.0 lacks bcryptprimitives.dll (ProcessPrng), which every Windows 10/11
  # has and Rust's standard library imports: a stand-in for this check only, never shipped.
  x86_64-w64-mingw32-gcc-posix -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    scripts/wine/bcryptprimitives.c -lbcrypt
  export WINEDLLOVERRIDES="$WINEDLLOVERRIDES;bcryptprimitives=n"
  EXE=$WORK/win/observant/observant.exe
  (cd "$WORK" && wine "$EXE" transcribe clip.wav --lang nl --format json -o win-transcribe.json 2>"$OUT/win-transcribe.err") \
    || { cat "$OUT/win-transcribe.err"; fail "observant.exe transcribe"; }
  tr -d '\r' <"$WORK/win-transcribe.json" >"$OUT/win-transcribe.json"
  summary "$OUT/win-transcribe.json" >"$OUT/win-transcribe.txt"
  if diff "$OUT/linux-transcribe.txt" "$OUT/win-transcribe.txt"; then
    ok "wine observant.exe transcribe: the same transcript as the Linux package ($(wc -l <"$OUT/win-transcribe.txt") utterances, times, speakers, words)"
  elif diff <(cut -d' ' -f1-4 "$OUT/linux-transcribe.txt") <(cut -d' ' -f1-4 "$OUT/win-transcribe.txt") >/dev/null; then
    soft_fail "wine observant.exe transcribe: same utterances, times and speakers, but words differ: $(diff "$OUT/linux-transcribe.txt" "$OUT/win-transcribe.txt" | grep '^[<>]' | tr '\n' ' ')"
  else
    fail "Windows transcript differs from Linux"
  fi
  (cd "$WORK" && wine "$EXE" analyze clip.wav --lang nl --format json >win-analyze.json 2>"$OUT/win-analyze.err") \
    || { cat "$OUT/win-analyze.err"; fail "observant.exe analyze"; }
  tr -d '\r' <"$WORK/win-analyze.json" >"$OUT/win-analyze.json"
  summary "$OUT/win-analyze.json" >"$OUT/win-analyze.txt"
  if diff "$OUT/linux-analyze.txt" "$OUT/win-analyze.txt"; then
    ok "wine observant.exe analyze: the same utterances and flags as the Linux package ($(grep -c '^F' "$OUT/win-analyze.txt" || true) flags)"
  elif diff <(grep '^F' "$OUT/linux-analyze.txt") <(grep '^F' "$OUT/win-analyze.txt") >/dev/null; then
    soft_fail "wine observant.exe analyze: the same flags ($(grep -c '^F' "$OUT/win-analyze.txt" || true)), but utterance words differ (as in transcribe)"
  else
    fail "Windows analysis differs from Linux"
  fi

  echo "== 5. observant.exe --demo under Xvfb"
  demo_screenshot "$OUT/wine-demo.png" "${DEMO_WAIT:-40}" wine "$EXE" --demo
  ok "wine observant.exe --demo under Xvfb: screenshot $OUT/wine-demo.png ($colours colours; look at it)"
fi

echo
echo "== Verified"
for v in "${VERIFIED[@]}"; do echo " - $v"; done
rm -rf "$WORK"
if ((${#SOFT_FAILED[@]})); then
  echo "== Not verified"
  for v in "${SOFT_FAILED[@]}"; do echo " - $v"; done
  exit 1
fi
