#!/usr/bin/env bash
# Measures the live path as a person would use it: real recordings are played at real time
# into a PulseAudio null sink, `observant listen` captures its monitor through ALSA's pulse
# plugin (cpal -> ALSA -> PulseAudio), and we measure
#   - flag latency: end of an utterance's audio -> the flag event about it (why/advice/closed...)
#   - utterance latency: end of the audio -> the utterance event
#   - captured samples vs samples written to the session's audio file
#   - peak memory (RSS) over the run, sampled every 5 s
# Usage: scripts/live-latency.sh [OBSERVANT_BIN] [REPEAT] [WAV...]
#   REPEAT loops the recordings (e.g. 5 loops of the four audio-nl files is ~30 minutes).
# Needs: pulseaudio pulseaudio-utils libasound2-plugins (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/observant}
REPEAT=${2:-1}
shift 2 || true
WAVS=("$@")
[ ${#WAVS[@]} -gt 0 ] || WAVS=(../shared/data/audio-nl/*.wav)
. scripts/lib/pulse.sh
pulse_ensure_packages

W=$(mktemp -d)
pulse_start_null_sink "$W"
trap 'kill $PA_PID 2>/dev/null || true; kill ${OBS_PID:-0} 2>/dev/null || true' EXIT

# The playlist: the recordings REPEAT times, joined into one file.
LIST=()
for _ in $(seq "$REPEAT"); do LIST+=("${WAVS[@]}"); done
sox "${LIST[@]}" -r 16000 -c 1 -b 16 "$W/play.wav"
DUR=$(soxi -D "$W/play.wav")
echo "playing $DUR s of audio at real time" >&2

ALSA_CONFIG_PATH=$W/asound.conf "$BIN" listen --lang nl --save "$W/session" \
  --duration "$(python3 -c "print($DUR + 8)")" ${OBSERVANT_ARGS:-} >"$W/events.jsonl" 2>"$W/listen.err" &
OBS_PID=$!
sleep 1.0
( while kill -0 $OBS_PID 2>/dev/null; do ps -o rss= -p $OBS_PID >> "$W/rss.txt" || true; sleep 5; done ) &
paplay -d vsink "$W/play.wav"
wait $OBS_PID || { echo "listen failed:" >&2; cat "$W/listen.err" >&2; exit 1; }

python3 - "$W" <<'PY'
import json, sys, statistics, wave, os
w = sys.argv[1]
ev = [json.loads(l) for l in open(f"{w}/events.jsonl") if l.strip()]
utt = {e["index"]: e for e in ev if e["type"] == "utterance"}
lat_u = [e["t"] - e["end"] for e in ev if e["type"] == "utterance"]
lat_f = []
for e in ev:
    if e["type"] != "flag" or e["kind"] not in ("why_question", "advice", "closed_question", "stacked_questions", "iwab"):
        continue
    idx = e.get("utterances") or []
    if idx and idx[-1] in utt:
        lat_f.append(e["t"] - utt[idx[-1]]["end"])
def q(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")
stop = [e for e in ev if e["type"] == "stopped"][-1]
with wave.open(f"{w}/session/audio.wav") as f:
    frames = f.getnframes()
rss = [int(x) for x in open(f"{w}/rss.txt").read().split()] if os.path.exists(f"{w}/rss.txt") else []
print(json.dumps({
    "utterances": len(lat_u), "flags_measured": len(lat_f),
    "flag_latency_median_s": round(q(lat_f, .5), 3), "flag_latency_p95_s": round(q(lat_f, .95), 3),
    "utterance_latency_median_s": round(q(lat_u, .5), 3), "utterance_latency_p95_s": round(q(lat_u, .95), 3),
    "captured_samples": stop["captured_samples"], "written_samples": stop["written_samples"],
    "samples_in_audio_file": frames,
    "rss_mb_first": round(rss[0] / 1024, 1) if rss else None,
    "rss_mb_max": round(max(rss) / 1024, 1) if rss else None,
    "rss_mb_last": round(rss[-1] / 1024, 1) if rss else None,
}, indent=1))
PY
