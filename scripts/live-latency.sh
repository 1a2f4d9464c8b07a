#!/usr/bin/env bash
# Measures the live path as a person would use it: real recordings are played at real time
# into a PulseAudio null sink, `observant listen` captures its monitor through ALSA's pulse
# plugin (cpal -> ALSA -> PulseAudio), and we measure
#   - flag latency: end of an utterance's audio -> the flag event about it (why/advice/closed...)
#   - utterance latency: end of the audio -> the utterance event
#   - captured samples vs samples written to the session's audio file
#   - peak memory (RSS) over the run, sampled every 5 s
# Usage: scripts/live-latency.sh [OBSERVANT_BIN] [REPEAT] [WAV...]
#   (KEEP_EVENTS=DIR keeps the event lines and listen's log; OBSERVANT_ARGS adds options)
#   REPEAT loops the recordings (e.g. 5 loops of the four audio-nl files is ~30 minutes).
#   CHANNELS=N plays N-channel recordings (a microphone array) into an N-channel sink as they are;
#   by default everything is played as one channel.
# Needs: pulseaudio pulseaudio-utils libasound2-plugins (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/observant}
REPEAT=${2:-1}
shift $(( $# < 2 ? $# : 2 ))
WAVS=("$@")
[ ${#WAVS[@]} -gt 0 ] || WAVS=(../shared/data/audio-nl/*.wav)
. scripts/lib/pulse.sh
pulse_ensure_packages

W=$(mktemp -d)
pulse_start_null_sink "$W"
pulse_play_silence
trap 'kill $PA_PID $SILENCE_PID 2>/dev/null || true; kill ${OBS_PID:-0} 2>/dev/null || true' EXIT

# The playlist: the recordings REPEAT times, joined into one file.
LIST=()
for _ in $(seq "$REPEAT"); do LIST+=("${WAVS[@]}"); done
sox "${LIST[@]}" -r 16000 -c "${CHANNELS:-1}" -b 16 "$W/play.wav"
DUR=$(soxi -D "$W/play.wav")
echo "playing $DUR s of audio at real time" >&2

# Each event line is also stamped with the wall clock as it arrives (stamps.txt), for a check
# that does not rely on listen's own clock (see "independent" below).
ALSA_CONFIG_PATH=$W/asound.conf "$BIN" listen --lang nl --save "$W/session" \
  --duration "$(python3 -c "print($DUR + 8)")" ${OBSERVANT_ARGS:-} 2>"$W/listen.err" \
  > >(python3 -c '
import sys, time
out, st = open(sys.argv[1], "w"), open(sys.argv[2], "w")
for line in iter(sys.stdin.readline, ""):
    st.write("%.4f\n" % time.time()); out.write(line); out.flush(); st.flush()
' "$W/events.jsonl" "$W/stamps.txt") &
OBS_PID=$!
sleep "${LEAD_SECONDS:-4}"
( while kill -0 $OBS_PID 2>/dev/null; do ps -o rss= -p $OBS_PID >> "$W/rss.txt" || true; sleep 5; done ) &
date +%s.%N > "$W/play_start.txt"
paplay -d vsink "$W/play.wav"
wait $OBS_PID || { echo "listen failed:" >&2; cat "$W/listen.err" >&2; exit 1; }
sleep 1
# KEEP_EVENTS=DIR keeps the events, their wall stamps and listen's log for a closer look.
if [ -n "${KEEP_EVENTS:-}" ]; then
  mkdir -p "$KEEP_EVENTS" && cp "$W/events.jsonl" "$W/stamps.txt" "$W/listen.err" "$KEEP_EVENTS/"
fi

python3 - "$W" <<'PY'
import json, sys, wave, os, array
w = sys.argv[1]
lines = [l for l in open(f"{w}/events.jsonl") if l.strip()]
stamps = [float(x) for x in open(f"{w}/stamps.txt").read().split()]
ev = [json.loads(l) for l in lines]
for e, s in zip(ev, stamps):
    e["_wall"] = s
utt = {e["index"]: e for e in ev if e["type"] == "utterance"}
flags = []
for e in ev:
    if e["type"] != "flag" or e["kind"] not in ("why_question", "advice", "closed_question", "stacked_questions", "iwab"):
        continue
    idx = e.get("utterances") or []
    if idx and idx[-1] in utt:
        flags.append((e, utt[idx[-1]]["end"]))
# listen's own clock: t (seconds since capture started) - end (position in the captured audio).
lat_u = [e["t"] - e["end"] for e in utt.values()]
lat_f = [e["t"] - end for e, end in flags]
# Independent of listen's clock: where the played file starts in the captured audio (first
# non-zero sample; the sink carries exact zeros before it), and when paplay was started on
# the wall clock. The end of an utterance was heard at play_start + (end - offset); the event
# arrived at its wall stamp. paplay's own start-up delay counts against us (conservative).
def first_nonzero(path):
    with wave.open(path) as f:
        n, ch, data = f.getnframes(), f.getnchannels(), f.readframes(f.getnframes())
    a = array.array("h", data)
    first = next((i for i, v in enumerate(a) if v != 0), None)
    return (None if first is None else first // ch), n
cap_first, frames = first_nonzero(f"{w}/session/audio.wav")
file_first, _ = first_nonzero(f"{w}/play.wav")
play_start = float(open(f"{w}/play_start.txt").read())
offset = (cap_first - file_first) / 16000 if cap_first is not None and file_first is not None else None
if offset is not None and os.environ.get("KEEP_EVENTS"):
    open(os.path.join(os.environ["KEEP_EVENTS"], "offset.txt"), "w").write("%.4f\n" % offset)
ind_u = [e["_wall"] - (play_start + e["end"] - offset) for e in utt.values() if "_wall" in e] if offset is not None else []
ind_f = [e["_wall"] - (play_start + end - offset) for e, end in flags if "_wall" in e] if offset is not None else []
def q(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")
stop = [e for e in ev if e["type"] == "stopped"][-1]
rss = [int(x) for x in open(f"{w}/rss.txt").read().split()] if os.path.exists(f"{w}/rss.txt") else []
print(json.dumps({
    "utterances": len(lat_u), "flags_measured": len(lat_f),
    "flag_latency_median_s": round(q(lat_f, .5), 3), "flag_latency_p95_s": round(q(lat_f, .95), 3),
    "utterance_latency_median_s": round(q(lat_u, .5), 3), "utterance_latency_p95_s": round(q(lat_u, .95), 3),
    "independent_flag_latency_median_s": round(q(ind_f, .5), 3),
    "independent_flag_latency_p95_s": round(q(ind_f, .95), 3),
    "independent_utterance_latency_median_s": round(q(ind_u, .5), 3),
    "independent_utterance_latency_p95_s": round(q(ind_u, .95), 3),
    "captured_samples": stop["captured_samples"], "written_samples": stop["written_samples"],
    "samples_in_audio_file": frames,
    "rss_mb_first": round(rss[0] / 1024, 1) if rss else None,
    "rss_mb_max": round(max(rss) / 1024, 1) if rss else None,
    "rss_mb_last": round(rss[-1] / 1024, 1) if rss else None,
    "rss_mb_median_second_half": round(sorted(rss[len(rss)//2:])[len(rss[len(rss)//2:])//2] / 1024, 1) if rss else None,
}, indent=1))
PY
