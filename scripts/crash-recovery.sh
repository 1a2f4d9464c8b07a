#!/usr/bin/env bash
# Crash recovery of a live session: a real recording is played at real time into a PulseAudio
# null sink, `observant listen --save` captures its monitor (cpal -> ALSA pulse plugin), is
# killed with SIGKILL in the middle, and the session is then opened as the app would
# (journal replay, audio repair): `observant report SESSION --format md` and
# `observant transcribe SESSION --format json --export-audio` must work. Measured per run:
#   - audio lost: seconds of the recording played before the kill minus seconds of it in the
#     session's audio (the recording is located in the audio by its content);
#   - transcript lost: kill time minus the end of the last utterance after `observant recover`
#     (which transcribes the audio saved after the journal's last line), and the seconds of true
#     speech (the recordings' truth files) in between, all in recording time; the same before
#     recovery is reported too.
# Runs REPEAT times (default 3) with kills at KILL_AT seconds (default 60, then +23 s each
# run), prints a JSON report with per-run figures, the maxima and the verdict "<= 5 s lost".
# Afterwards it tries whether a restarted `listen --save` on the same folder can continue.
#
# Usage: scripts/crash-recovery.sh [BIN=target/release/observant]
# Env:   WAVS="a.wav ..." (default ../shared/data/audio-nl/*.wav, played back to back),
#        REPEAT=3, KILL_AT=60, KILL_STEP=23, KEEP=1 (keep the work folder),
#        OBSERVANT_PASSPHRASE (a test one is set when unset: sessions are encrypted).
# Needs: pulseaudio pulseaudio-utils libasound2-plugins sox (installed when missing).
set -euo pipefail
# The whole script is one block: bash reads it completely before running it, so editing the
# file during a long run cannot break that run.
{
cd "$(dirname "$0")/.."
BIN=${1:-target/release/observant}
REPEAT=${REPEAT:-3}
KILL_AT=${KILL_AT:-60}
KILL_STEP=${KILL_STEP:-23}
[ -x "$BIN" ] || cargo build --release
BIN=$(realpath "$BIN")
# shellcheck disable=SC2206
[ -n "${WAVS:-}" ] && LIST=($WAVS) || LIST=(../shared/data/audio-nl/*.wav)
export OBSERVANT_PASSPHRASE=${OBSERVANT_PASSPHRASE:-crash-test-passphrase}
. scripts/lib/pulse.sh
pulse_ensure_packages

W=$(mktemp -d /tmp/observant-crash.XXXXXX)
pulse_start_null_sink "$W"
cleanup() {
  [ -n "${OBS_PID:-}" ] && kill -9 "$OBS_PID" 2>/dev/null || true
  [ -n "${PLAY_PID:-}" ] && kill "$PLAY_PID" 2>/dev/null || true
  kill "$PA_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT

# The recording (back to back) and its truth, shifted to recording time.
sox "${LIST[@]}" -r 16000 -c 1 -b 16 "$W/play.wav"
python3 - "$W" "${LIST[@]}" <<'PY'
import json, os, sys, wave
w, files = sys.argv[1], sys.argv[2:]
off, utts = 0.0, []
for f in files:
    t = os.path.splitext(f)[0] + ".json"
    if os.path.exists(t):
        for u in json.load(open(t))["utterances"]:
            utts.append({"start": u["start"] + off, "end": u["end"] + off})
    with wave.open(f) as x:
        off += x.getnframes() / x.getframerate()
json.dump(utts, open(f"{w}/truth.json", "w"))
PY
DUR=$(soxi -D "$W/play.wav")

now() { date +%s.%N; }
for run in $(seq "$REPEAT"); do
  K=$(python3 -c "print($KILL_AT + ($run - 1) * $KILL_STEP)")
  python3 -c "import sys; sys.exit(0 if $K + 5 < $DUR else 1)" || { echo "kill at $K s is past the recording ($DUR s)" >&2; exit 1; }
  R=$W/run$run; mkdir -p "$R"
  echo "run $run: kill -9 after $K s of playback" >&2
  ALSA_CONFIG_PATH=$W/asound.conf "$BIN" listen --lang nl --save "$R/session" \
    >"$R/events.jsonl" 2>"$R/listen.err" &
  OBS_PID=$!
  # Wait for capture to run (the Argon2id key derivation takes a moment).
  for _ in $(seq 200); do grep -q '"started"' "$R/events.jsonl" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  T_PLAY=$(now)
  paplay -d vsink "$W/play.wav" &
  PLAY_PID=$!
  sleep "$K"
  T_KILL=$(now)
  kill -9 "$OBS_PID"
  wait "$OBS_PID" 2>/dev/null || true
  OBS_PID=
  kill "$PLAY_PID" 2>/dev/null || true
  wait "$PLAY_PID" 2>/dev/null || true
  PLAY_PID=
  echo "$T_PLAY $T_KILL" > "$R/times"
  # Reopen as the app does: first what the journal had, then `recover` transcribes the audio
  # that was saved after the last line (Whisper's lag at the moment of the kill).
  set +e
  "$BIN" transcribe "$R/session" --format json >"$R/before.json" 2>/dev/null
  "$BIN" recover "$R/session" --lang nl >"$R/recover.json" 2>"$R/recover.err"; echo $? > "$R/recover.rc"
  "$BIN" report "$R/session" --format md -o "$R/report.md" 2>"$R/report.err"; echo $? > "$R/report.rc"
  "$BIN" transcribe "$R/session" --format json --export-audio "$R/audio.wav" \
    >"$R/transcript.json" 2>"$R/transcribe.err"; echo $? > "$R/transcribe.rc"
  set -e
done

# Can a restarted `listen` continue the killed session?
set +e
ALSA_CONFIG_PATH=$W/asound.conf timeout 20 "$BIN" listen --lang nl --save "$W/run1/session" --duration 3 \
  >"$W/restart.jsonl" 2>"$W/restart.err"
echo $? > "$W/restart.rc"
set -e

python3 - "$W" "$REPEAT" <<'PY'
import array, json, os, sys, wave
w, repeat = sys.argv[1], int(sys.argv[2])
with wave.open(f"{w}/play.wav") as f:
    play = array.array("h", f.readframes(f.getnframes()))
truth = json.load(open(f"{w}/truth.json"))

def locate(got):
    """Sample offset of the recording in the session audio, by content (the first moments
    of playback may not reach the monitor, so search for the session's first sound)."""
    start = next((i for i, x in enumerate(got) if abs(x) > 64), None)
    if start is None or start + 1600 > len(got):
        return None
    probe = got[start:start + 1600].tolist()
    for j in range(0, min(len(play) - 1600, 30 * 16000)):
        if abs(play[j] - probe[0]) <= 1 and all(abs(play[j + k] - probe[k]) <= 1 for k in range(0, 1600, 7)):
            return start - j
    return None

runs = []
for r in range(1, repeat + 1):
    d = f"{w}/run{r}"
    t_play, t_kill = map(float, open(f"{d}/times").read().split())
    played = t_kill - t_play
    rep_rc = int(open(f"{d}/report.rc").read())
    tr_rc = int(open(f"{d}/transcribe.rc").read())
    run = {"run": r, "killed_after_playing_s": round(played, 2),
           "report_md_ok": rep_rc == 0, "transcribe_json_ok": tr_rc == 0}
    if rep_rc:
        run["report_error"] = open(f"{d}/report.err").read().strip()
    if tr_rc:
        run["transcribe_error"] = open(f"{d}/transcribe.err").read().strip()
    if tr_rc == 0:
        with wave.open(f"{d}/audio.wav") as f:
            got = array.array("h", f.readframes(f.getnframes()))
        off = locate(got)
        run["session_audio_s"] = round(len(got) / 16000, 2)
        if off is None:
            run["error"] = "recording not found in the session audio"
        else:
            in_audio = (len(got) - off) / 16000  # seconds of the recording that were saved
            n = min(len(got) - off, len(play))
            # From the first sound that reached the session (PulseAudio drops the first
            # ~0.1 s of a playback; that counts as lost above, not as a difference).
            first = next(i for i, x in enumerate(got) if abs(x) > 64)
            lo = max(0, first - off)
            diff = sum(1 for i in range(lo, n) if abs(got[off + i] - play[i]) > 1)
            run.update({
                "recording_offset_in_session_s": round(off / 16000, 3),
                "recording_saved_s": round(in_audio, 2),
                "audio_lost_s": round(played - in_audio, 2),
                "saved_samples_differing": diff,
            })
            try:
                before = json.load(open(f"{d}/before.json")).get("utterances", [])
                end_before = max((u["end"] for u in before), default=0.0) - off / 16000
                run["transcript_lost_before_recover_s"] = round(played - end_before, 2)
            except (OSError, ValueError):
                pass
            run["recover_ok"] = int(open(f"{d}/recover.rc").read()) == 0
            utts = json.load(open(f"{d}/transcript.json")).get("utterances", [])
            last_end = max((u["end"] for u in utts), default=0.0) - off / 16000
            lost_speech = sum(max(0.0, min(u["end"], played) - max(u["start"], last_end))
                              for u in truth if u["start"] < played)
            run.update({
                "utterances_recovered": len(utts),
                "last_utterance_end_s": round(last_end, 2),
                "transcript_lost_s": round(played - last_end, 2),
                "true_speech_untranscribed_s": round(lost_speech, 2),
            })
    runs.append(run)

def mx(k):
    v = [r[k] for r in runs if k in r]
    return max(v) if len(v) == len(runs) else None
ma, mt, ms = mx("audio_lost_s"), mx("transcript_lost_s"), mx("true_speech_untranscribed_s")
all_ok = all(r["report_md_ok"] and r["transcribe_json_ok"] for r in runs)
rc = int(open(f"{w}/restart.rc").read())
restart_err = open(f"{w}/restart.err").read().strip().splitlines()
print(json.dumps({
    "runs": runs,
    "max_audio_lost_s": ma,
    "max_transcript_lost_s": mt,
    "max_true_speech_untranscribed_s": ms,
    "reopen_ok": all_ok,
    "verdict_audio_le_5s_lost": ma is not None and ma <= 5.0 and all_ok,
    "verdict_transcript_le_5s_lost": mt is not None and mt <= 5.0 and all_ok,
    "restart_listen_same_folder": {"exit": rc, "message": restart_err[-1] if restart_err else ""},
    "work_dir": w,
}, indent=1))
PY
exit
}
