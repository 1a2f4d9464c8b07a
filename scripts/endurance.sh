#!/usr/bin/env bash
# Endurance of the live path: real recordings looped to MINUTES of audio are fed to
# `observant listen --save` through ALSA's `file` plugin (cpal -> ALSA file plugin -> a FIFO),
# with the same passphrase environment a user has (OBSERVANT_PASSPHRASE; a test one is set
# when it is unset), faster than real time. Measures memory (RSS every RSS_EVERY s) and
# whether any audio was lost, and prints a JSON report.
#
# Usage: scripts/endurance.sh [MINUTES=120] [BIN=target/release/observant]
# Env:   WAVS="a.wav b.wav"  recordings to loop (default ../shared/data/audio-nl/*.wav and
#                            ../shared/data/audio-multi/*.wav)
#        SPEED=4             feed rate in multiples of real time; 0 = an unpaced flood
#        RSS_EVERY=5         seconds between RSS samples
#        KEEP=1              keep the work folder (its path is in the report)
#        OBSERVANT_ARGS="--threads 2"  extra arguments for `listen`
#
# Why a FIFO and a pace: the `file` plugin reads as fast as it is asked, and cpal's callback
# must never block, so the capture queue (60 s) overflows as soon as the reader falls behind
# a flood: the audio is then replaced by silence (positions stay exact) and `listen` prints
# an `overflow` event. With SPEED=0 you see exactly that. "No lost audio" is therefore checked
# on the content, not only on counters: the session's audio (decrypted with
# `observant transcribe SESSION --export-audio`) must equal what was fed, sample for sample
# (1 LSB tolerance for the 16-bit rescale), with no overflow and written == captured. The
# transcriber may lag behind (the segment queue holds speech until Whisper catches up);
# `listen` is stopped (SIGINT) only once it has captured everything that was fed, and then
# flushes the rest through the pipeline.
set -euo pipefail
# The whole script is one block: bash reads it completely before running it, so editing the
# file during a long run cannot break that run.
{
cd "$(dirname "$0")/.."
MINUTES=${1:-120}
BIN=${2:-target/release/observant}
SPEED=${SPEED:-4}
RSS_EVERY=${RSS_EVERY:-5}
[ -x "$BIN" ] || cargo build --release
BIN=$(realpath "$BIN")
command -v sox >/dev/null || { echo "needs sox (scripts/setup.sh)" >&2; exit 1; }
# shellcheck disable=SC2206
[ -n "${WAVS:-}" ] && LIST=($WAVS) || LIST=(../shared/data/audio-nl/*.wav ../shared/data/audio-multi/*.wav)
export OBSERVANT_PASSPHRASE=${OBSERVANT_PASSPHRASE:-endurance-test-passphrase}

W=$(mktemp -d /tmp/observant-endurance.XXXXXX)
cleanup() {
  [ -n "${OBS_PID:-}" ] && kill "$OBS_PID" 2>/dev/null || true
  [ -n "${FEED_PID:-}" ] && kill "$FEED_PID" 2>/dev/null || true
  [ -n "${RSS_PID:-}" ] && kill "$RSS_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/clips"
i=0
for f in "${LIST[@]}"; do
  sox "$f" -t raw -r 16000 -c 1 -b 16 -e signed "$W/clips/$(printf %03d $i).raw"
  i=$((i + 1))
done
# Paced: a FIFO the feeder writes into. Flood (SPEED=0): a plain file the plugin reads as fast
# as it is asked (through a FIFO no writer can keep up, and the plugin pads short reads).
if python3 -c "import sys; sys.exit(0 if float('$SPEED') > 0 else 1)"; then
  INFILE=$W/in.fifo; mkfifo "$INFILE"
else
  INFILE=$W/in.raw
fi
cat > "$W/asound.conf" <<ALSA
</usr/share/alsa/alsa.conf>
pcm.!default {
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "$INFILE"
    format "raw"
}
ALSA

# The feeder: the clips looped to MINUTES, written into the FIFO at SPEED x real time; once
# everything was written and `listen` reports it captured, SIGINT to `listen`.
cat > "$W/feed.py" <<'PY'
import glob, json, os, signal, sys, time
w, minutes, speed, pid = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
clips = [open(p, "rb").read() for p in sorted(glob.glob(f"{w}/clips/*.raw"))]
total = int(minutes * 60 * 16000) * 2
flood = speed <= 0
t0 = time.monotonic(); sent = 0; k = 0; pos = 0
if flood and pid:
    sent = total  # the file was written before `listen` started (pid 0 below)
else:
    fd = os.open(f"{w}/in.raw" if flood else f"{w}/in.fifo", os.O_WRONLY | os.O_CREAT, 0o600)
# Always whole 0.1 s chunks (3200 bytes, a multiple of ALSA's period), also across clip
# boundaries: the `file` plugin does not handle a short read from the FIFO (it pads the
# period with stale data), so a read must never find less than a period waiting.
chunk = 3200
buf = bytearray()
while sent < total:
    while len(buf) < chunk:
        c = clips[k % len(clips)]
        buf += c[pos:pos + chunk]; pos += chunk
        if pos >= len(c):
            k += 1; pos = 0
    piece = bytes(buf[:min(chunk, total - sent)]); del buf[:len(piece)]
    os.write(fd, piece)  # blocking: the capture side sets the pace when it is slower
    sent += len(piece)
    if not flood:
        ahead = t0 + sent / 32000 / speed - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
fed_wall = time.monotonic() - t0
if flood:
    if not pid:
        os.close(fd)
        sys.exit(0)
    fd = None
# Wait until `listen` has captured all of it (status events), or captured and dropped it
# (audio dropped by an overflowing queue only reaches the pipeline, as silence, with the next
# chunk, which a finished feed never sends), then stop it.
want = total / 32000 - 0.05
captured = dropped = 0.0
while True:
    try:
        for line in open(f"{w}/events.jsonl"):
            if '"status"' in line:
                captured = max(captured, json.loads(line).get("captured_seconds", 0.0))
            elif '"overflow"' in line:
                dropped = max(dropped, json.loads(line).get("dropped_seconds", 0.0))
    except (OSError, ValueError):
        pass
    if captured >= want or (dropped > 0 and captured + dropped >= want):
        break
    try:
        os.kill(pid, 0)
    except OSError:
        break
    time.sleep(1)
json.dump({"fed_samples": total // 2, "feed_wall_seconds": fed_wall}, open(f"{w}/feed.json", "w"))
try:
    os.kill(pid, signal.SIGINT)
except OSError:
    pass
time.sleep(2)
if fd is not None:
    os.close(fd)
PY

echo "endurance: $MINUTES min of audio at ${SPEED}x (0 = flood) into $W" >&2
[ "$INFILE" = "$W/in.raw" ] && python3 "$W/feed.py" "$W" "$MINUTES" 0 0
START=$(date +%s.%N)
ALSA_CONFIG_PATH=$W/asound.conf "$BIN" listen --lang nl --save "$W/session" --status ${OBSERVANT_ARGS:-} \
  >"$W/events.jsonl" 2>"$W/listen.err" &
OBS_PID=$!
( while kill -0 "$OBS_PID" 2>/dev/null; do
    r=$(ps -o rss= -p "$OBS_PID" 2>/dev/null || true)
    [ -n "$r" ] && echo "$(date +%s.%N) $r" >> "$W/rss.txt"
    sleep "$RSS_EVERY"
  done ) &
RSS_PID=$!
python3 "$W/feed.py" "$W" "$MINUTES" "$SPEED" "$OBS_PID" &
FEED_PID=$!
set +e
wait "$OBS_PID"; RC=$?
set -e
END=$(date +%s.%N)
OBS_PID=
wait "$FEED_PID" 2>/dev/null || true
FEED_PID=
[ "$RC" = 0 ] || { echo "listen exited with $RC:" >&2; cat "$W/listen.err" >&2; }
# The session's audio as stored (decrypted) and its transcript, through the CLI.
"$BIN" transcribe "$W/session" --format json --export-audio "$W/session-audio.wav" \
  >"$W/transcript.json" 2>"$W/transcribe.err" || { cat "$W/transcribe.err" >&2; exit 1; }

python3 - "$W" "$START" "$END" "$MINUTES" "$SPEED" "$RC" <<'PY'
import array, glob, json, statistics, sys, wave
w, start, end, minutes, speed, rc = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
ev = []
for l in open(f"{w}/events.jsonl"):
    try:
        ev.append(json.loads(l))
    except ValueError:
        pass
stopped = [e for e in ev if e["type"] == "stopped"]
stop = stopped[-1] if stopped else {}
overflow = max([e["dropped_seconds"] for e in ev if e["type"] == "overflow"], default=0.0)
status = [e for e in ev if e["type"] == "status"]
max_queue = max([s["queue_len"] for e in status for s in e["stages"] if s["stage"] == "transcriber"], default=0)
max_lag = max([s["lag_seconds"] for e in status for s in e["stages"] if s["stage"] == "transcriber"], default=0.0)
utts = sum(1 for e in ev if e["type"] == "utterance")
transcript_utts = len(json.load(open(f"{w}/transcript.json")).get("utterances", []))
feed = json.load(open(f"{w}/feed.json")) if glob.glob(f"{w}/feed.json") else {}

# Content check: the session's audio against the same loop of clips, streamed in blocks.
clips = [open(p, "rb").read() for p in sorted(glob.glob(f"{w}/clips/*.raw"))]
fed = feed.get("fed_samples", int(minutes * 60 * 16000))
def fed_blocks(n=1 << 20):
    k, pos, left, buf = 0, 0, fed, bytearray()
    while left > 0:
        c = clips[k % len(clips)]
        take = c[pos:pos + 2 * left]
        buf += take; left -= len(take) // 2; pos += len(take)
        if pos >= len(c):
            k += 1; pos = 0
        while len(buf) >= 2 * n:
            yield array.array("h", bytes(buf[:2 * n])); del buf[:2 * n]
    if buf:
        yield array.array("h", bytes(buf))
sw = wave.open(f"{w}/session-audio.wav")
in_audio = sw.getnframes()
mismatch = 0; first_mismatch = None; pos = 0
for blk in fed_blocks():
    got = array.array("h", sw.readframes(len(blk)))
    for i in range(len(got)):
        if abs(got[i] - blk[i]) > 1:
            mismatch += 1
            if first_mismatch is None:
                first_mismatch = pos + i
    missing = len(blk) - len(got)
    if missing:
        mismatch += missing
        if first_mismatch is None:
            first_mismatch = pos + len(got)
    pos += len(blk)
extra = max(0, in_audio - fed)

rss = []
for l in open(f"{w}/rss.txt"):
    t, kb = l.split()
    rss.append((float(t) - start, int(kb) / 1024))
mb = [r for _, r in rss]
half = rss[len(rss) // 2:]
slope = 0.0
if len(half) >= 3:
    mt = statistics.fmean(t for t, _ in half); mr = statistics.fmean(r for _, r in half)
    den = sum((t - mt) ** 2 for t, _ in half)
    slope = sum((t - mt) * (r - mr) for t, r in half) / den * 3600 if den else 0.0
half_hours = (half[-1][0] - half[0][0]) / 3600 if len(half) > 1 else 0.0
growth = slope * half_hours
median = statistics.median(mb) if mb else 0.0
flat = growth <= max(10.0, 0.02 * median)
captured, written = stop.get("captured_samples"), stop.get("written_samples")
no_loss = (rc == 0 and captured is not None and written == captured and overflow == 0
           and mismatch == 0 and captured >= fed)
print(json.dumps({
    "audio_minutes": round(fed / 16000 / 60, 2),
    "wall_minutes": round((end - start) / 60, 2),
    "speed_asked": speed,
    "feed_wall_minutes": round(feed.get("feed_wall_seconds", 0) / 60, 2),
    "listen_exit": rc,
    "fed_samples": fed,
    "captured_samples": captured,
    "written_samples": written,
    "samples_in_session_audio": in_audio,
    "samples_differing_from_input": mismatch,
    "first_difference_at_seconds": None if first_mismatch is None else round(first_mismatch / 16000, 3),
    "extra_samples_after_input": extra,
    "overflow_dropped_seconds": overflow,
    "utterances": utts,
    "utterances_in_saved_transcript": transcript_utts,
    "transcriber_queue_max": max_queue,
    "transcriber_lag_max_seconds": round(max_lag, 1),
    "rss_mb_first": round(mb[0], 1) if mb else None,
    "rss_mb_median": round(median, 1),
    "rss_mb_max": round(max(mb), 1) if mb else None,
    "rss_mb_last": round(mb[-1], 1) if mb else None,
    "rss_slope_second_half_mb_per_hour": round(slope, 1),
    "rss_growth_second_half_mb": round(growth, 1),
    "rss_samples": len(mb),
    "verdict_memory_flat": flat,
    "verdict_no_lost_audio": no_loss,
    "verdicts": [v for v, ok in (("memory flat", flat), ("no lost audio", no_loss)) if ok],
    "work_dir": w,
}, indent=1))
PY
exit
}
