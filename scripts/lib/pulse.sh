# Shared by the real-time harnesses (live-latency.sh, crash-recovery.sh): source it.
# A PulseAudio null sink whose monitor is ALSA's default capture device, so `observant listen`
# (cpal -> ALSA -> pulse plugin) hears, bit-exact and at real time, what `paplay -d vsink` plays.

# Installs the packages the harness needs when missing (apt).
pulse_ensure_packages() {
  local need="" p
  for p in pulseaudio pulseaudio-utils libasound2-plugins sox "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
  done
  [ -z "$need" ] || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null; }
}

# Starts the null sink in work folder $1 (CHANNELS=N: an N-channel sink, a microphone array): exports XDG_RUNTIME_DIR, writes $1/asound.conf (use it
# as ALSA_CONFIG_PATH for listen), sets PA_PID, and waits until the server answers.
pulse_start_null_sink() {
  local w=$1
  export XDG_RUNTIME_DIR=$w/run; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
  cat > "$w/pa.pa" <<PA
load-module module-native-protocol-unix
load-module module-null-sink sink_name=vsink rate=16000 channels=${CHANNELS:-1} format=s16le
set-default-source vsink.monitor
PA
  cat > "$w/asound.conf" <<ALSA
</usr/share/alsa/alsa.conf>
pcm.!default { type pulse; device "vsink.monitor" }
ctl.!default { type pulse }
ALSA
  pulseaudio -n -F "$w/pa.pa" --daemonize=no --exit-idle-time=-1 --system=false >"$w/pa.log" 2>&1 &
  PA_PID=$!
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
}

# Keeps the null sink running with digital silence (zeros mix bit-exactly with what is played),
# the way a microphone delivers samples from the moment it opens. Without it the sink's monitor
# only produces audio once something plays, so capture time 0 would be the moment playback
# started, not the moment listen opened the device, and every latency would include that gap.
# Sets SILENCE_PID.
pulse_play_silence() {
  pacat --playback -d vsink --format=s16le --rate=16000 --channels=${CHANNELS:-1} --latency-msec=20 </dev/zero &
  SILENCE_PID=$!
}
