#!/usr/bin/env python3
"""Reference for the pure-Rust Silero VAD port (src/audio/silero.rs).

Cuts the short real-speech test clip tests/fixtures/audio/nl-cabin1-clip.wav from the GPL-2
fillets-ng recording in ../shared/data/audio-nl/ (see tests/fixtures/audio/README.md) and runs
the official Silero VAD v6 16 kHz ONNX graph on it with onnxruntime, exactly as the upstream
`silero_vad` package does (512-sample frames, the previous 64 samples prepended as context, the
LSTM state carried between calls, the last partial frame zero-padded). The per-frame speech
probabilities go to tests/fixtures/audio/nl-cabin1-clip.silero.txt, one per line, which
tests/audio.rs compares against the Rust port (max abs difference < 1e-3).

Usage (needs `pip install numpy onnxruntime`):
    python3 scripts/silero_reference.py [--shared ../shared] [--check-all]
--check-all also runs every file in audio-nl and prints the probabilities to stdout as
`file frame prob` lines, for a whole-corpus comparison with `observant` debug tooling.
"""
import argparse
import os
import sys
import wave

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIP_SOURCE = "nl-fillets-cabin1.wav"
CLIP_START = 118400  # 7.4 s at 16 kHz
CLIP_END = 198400  # 12.4 s (5 s clip): end of one turn, a pause, "Waar zie je die wieg?", a pause, a new turn


def read_wav16k(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        raw = w.readframes(w.getnframes())
    return np.frombuffer(raw, dtype="<i2")


def silero_probs(session, pcm_i16):
    audio = pcm_i16.astype(np.float32) / 32768.0
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros((1, 64), dtype=np.float32)
    probs = []
    for start in range(0, len(audio), 512):
        chunk = audio[start:start + 512]
        if len(chunk) < 512:
            chunk = np.pad(chunk, (0, 512 - len(chunk)))
        x = np.concatenate([context, chunk[None, :]], axis=1)
        out, state = session.run(None, {"input": x, "state": state, "sr": np.array(16000, dtype=np.int64)})
        context = x[:, -64:]
        probs.append(float(out[0, 0]))
    return probs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--check-all", action="store_true")
    args = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    session = ort.InferenceSession(os.path.join(args.shared, "models", "silero_vad_16k_op15.onnx"), opts)

    if args.check_all:
        data = os.path.join(args.shared, "data", "audio-nl")
        for name in sorted(os.listdir(data)):
            if name.endswith(".wav"):
                for i, p in enumerate(silero_probs(session, read_wav16k(os.path.join(data, name)))):
                    print(f"{name} {i} {p:.7f}")
        return

    pcm = read_wav16k(os.path.join(args.shared, "data", "audio-nl", CLIP_SOURCE))[CLIP_START:CLIP_END]
    fixtures = os.path.join(ROOT, "tests", "fixtures", "audio")
    os.makedirs(fixtures, exist_ok=True)
    with wave.open(os.path.join(fixtures, "nl-cabin1-clip.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.astype("<i2").tobytes())
    probs = silero_probs(session, pcm)
    with open(os.path.join(fixtures, "nl-cabin1-clip.silero.txt"), "w") as f:
        f.write("# Silero VAD v6 16 kHz (onnxruntime) speech probability per 512-sample frame of\n")
        f.write("# nl-cabin1-clip.wav; made by scripts/silero_reference.py\n")
        for p in probs:
            f.write(f"{p:.7f}\n")
    print(f"{len(pcm)} samples, {len(probs)} frames", file=sys.stderr)


if __name__ == "__main__":
    main()
