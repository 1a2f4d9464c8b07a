#!/usr/bin/env bash
# Speed and memory of `observant transcribe` against whisper.cpp's own CLI, in one run, on
# the same recording, model and thread count (issue #3's speed criterion).
#
#   scripts/bench-vs-whisper-cli.sh [MINUTES] [THREADS] [WAV...]
#
# Joins the given recordings (default: ../shared/data/audio-nl/*.wav, real Dutch speech with
# its natural pauses) and loops them to MINUTES (default 10) of 16 kHz mono audio, then runs
#   1. whisper-cli -m models/ggml-base-q8_0.bin -l nl -t THREADS -bs 1 -bo 1   (greedy)
#   2. observant transcribe --lang nl --threads THREADS --format text
# each under /usr/bin/time, alternating, REPEAT times (env, default 1), and prints wall time,
# real-time factor, the ratio ours/CLI and peak resident memory of each.
# whisper-cli is built for the benchmark only (scripts/build-whisper-cli.sh), never shipped.
# Extra arguments for the reference: CLI_ARGS (env), e.g. CLI_ARGS="-tpi 0" for no fallback.
set -euo pipefail
cd "$(dirname "$0")/.."
MIN=${1:-10}
THREADS=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
WAVS=("$@")
[ ${#WAVS[@]} -gt 0 ] || WAVS=(../shared/data/audio-nl/*.wav)
REPEAT=${REPEAT:-1}
MODEL=${MODEL:-models/ggml-base-q8_0.bin}
BIN=${OBSERVANT_BIN:-target/release/observant}
[ -x "$BIN" ] || cargo build --release --locked
# whisper-cli needs its sources from npm; offline, whisper-ref stands in for it: the same
# whisper.cpp (the vendored 1.9.1) called with whisper-cli's parameters (scripts/whisper-ref).
CLI=${WHISPER_CLI:-$(scripts/build-whisper-cli.sh 2>/dev/null || scripts/build-whisper-ref.sh)}
echo "reference: $CLI" >&2
command -v sox >/dev/null || { echo "sox is needed (scripts/setup.sh installs it)" >&2; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
sox "${WAVS[@]}" -r 16000 -c 1 -b 16 "$W/one.wav"
ONE=$(soxi -D "$W/one.wav")
LOOPS=$(python3 -c "import math; print(max(1, math.ceil($MIN * 60 / $ONE)))")
LIST=(); for _ in $(seq "$LOOPS"); do LIST+=("$W/one.wav"); done
sox "${LIST[@]}" "$W/long.wav" trim 0 "$((MIN * 60))"
DUR=$(soxi -D "$W/long.wav")
echo "recording: $DUR s (${WAVS[*]} looped), model $MODEL, $THREADS threads" >&2

run() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/time" "$@" >"$W/$name.out" 2>"$W/$name.err" \
    || { echo "$name failed:" >&2; tail -5 "$W/$name.err" >&2; exit 1; }
  read -r wall rss <"$W/time"
  echo "$name $wall $rss" >>"$W/results"
}
for _ in $(seq "$REPEAT"); do
  run whisper-cli "$CLI" -m "$MODEL" -f "$W/long.wav" -l nl -t "$THREADS" -bs 1 -bo 1 -np -nt ${CLI_ARGS:-}
  run observant "$BIN" transcribe "$W/long.wav" --lang nl --threads "$THREADS" --format text --model "$MODEL"
done

python3 - "$W/results" "$DUR" "$THREADS" <<'PY'
import sys, statistics, json
rows = [l.split() for l in open(sys.argv[1])]
dur = float(sys.argv[2])
out = {"audio_s": dur, "threads": int(sys.argv[3])}
for name in ("whisper-cli", "observant"):
    walls = [float(r[1]) for r in rows if r[0] == name]
    rss = [int(r[2]) for r in rows if r[0] == name]
    w = statistics.median(walls)
    out[name] = {"wall_s": round(w, 2), "runs": walls, "realtime_factor": round(dur / w, 1),
                 "peak_rss_mb": round(max(rss) / 1024, 1)}
out["ratio_observant_to_cli"] = round(out["observant"]["wall_s"] / out["whisper-cli"]["wall_s"], 3)
print(json.dumps(out, indent=1))
PY
