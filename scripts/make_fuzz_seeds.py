#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (fuzz/seeds/TARGET/) from the test fixtures and
assets. Run from the repository root. The first byte of a seed is the target's selector (see
fuzz/fuzz_targets/*.rs); the session target takes `meta NUL journal`."""
import glob
import json
import os
import struct

OUT = "fuzz/seeds"
MAX = 16 * 1024


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX:
        data = data[:MAX]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(p):
    with open(p, "rb") as f:
        return f.read()


# audio_decode: selector = index into [wav, mp3, m4a, ogg, flac, none]
EXT = {"wav": 0, "mp3": 1, "m4a": 2, "ogg": 3, "flac": 4}
for p in sorted(glob.glob("tests/fixtures/audio/*") + glob.glob("tests/fixtures/bad/audio/*")):
    e = p.rsplit(".", 1)[-1]
    if e not in EXT or os.path.getsize(p) > MAX or os.path.getsize(p) == 0:
        continue
    put("audio_decode", os.path.basename(p), bytes([EXT[e]]) + read(p))
# a short clean 16-bit WAV (the real clip is too long for a seed)
clip = read("tests/fixtures/audio/nl-cabin1-clip.wav")
pcm = clip[44:44 + 8000]
hdr = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " + struct.pack(
    "<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", len(pcm))
put("audio_decode", "speech-0.25s.wav", b"\x00" + hdr + pcm)

# transcript: 0 json, 1 vtt, 2 srt, 3 participants
SEL = {"json": 0, "vtt": 1, "srt": 2}
for p in sorted(glob.glob("tests/fixtures/bad/*") + glob.glob("tests/fixtures/sessions/*.json")
                + glob.glob("assets/demo/*.json")):
    e = p.rsplit(".", 1)[-1]
    if e in SEL and os.path.getsize(p) <= MAX:
        put("transcript", os.path.basename(p), bytes([SEL[e]]) + read(p))
put("transcript", "participants", b"\x03Anna=facilitator,Bram=inbrenger;Cees:deelnemer, Dirk = observant")
put("transcript", "participants-bad", b"\x03Anna,=x,Bram=baas,Anna=deelnemer")

# session: meta NUL journal
meta = {"version": 1, "title": "Seed", "created_unix": 1700000000,
        "participants": [{"name": "Anna", "role": "facilitator"}, {"name": "Bram", "role": "inbrenger"}],
        "method": "incident", "language": "nl", "model": "base", "consent": True, "audio": True}
src = json.load(open("tests/fixtures/sessions/nl-spervuur-basisschool.json"))
lines = []
for i, u in enumerate(src["utterances"][:12]):
    lines.append(json.dumps({"type": "utterance", "index": i, **u}))
lines += [json.dumps(x) for x in [
    {"type": "reassign", "index": 1, "speaker": "Anna"},
    {"type": "edit_text", "index": 2, "text": "Waarom?"},
    {"type": "rename_speaker", "from": "Anna", "to": "Ans"},
    {"type": "step", "step": 2, "t": 12.5},
    {"type": "note", "t": 3.0, "text": "let op"},
    {"type": "verdict", "kind": "why_question", "start": 4.0, "correct": False},
    {"type": "audio", "seconds": 60.0},
    {"type": "participants", "participants": [{"name": "Cees", "role": "deelnemer"}]},
]]
journal = "\n".join(lines) + "\n"
put("session", "full", json.dumps(meta).encode() + b"\x00" + journal.encode())
put("session", "journal-only", journal)
put("session", "torn", json.dumps(meta).encode() + b"\x00" + journal.encode()[:-20])

# config: 0 Config, 1 parse_extra, 2 LangData::parse
put("config", "default", b"\x00" + read("assets/config/default.toml"))
for p in sorted(glob.glob("tests/fixtures/bad/*.toml")):
    put("config", os.path.basename(p), b"\x00" + read(p))
for lang in ["nl", "en"]:
    t = read(f"assets/lang/{lang}.toml")
    put("config", f"lang-{lang}", b"\x02" + t)
    put("config", f"extra-{lang}", b"\x01" + t)
put("config", "extra-tables", b"\x01[lang.nl]\nwords.hedges = [\"misschien\"]\n[en]\npatterns.why = [\"why *\"]\n")

# sealed_records: header + records with valid framing (contents do not authenticate)
for kind in (1, 2, 3):
    h = b"OBSREC01" + bytes([1, kind, 0, 0]) + struct.pack("<I", 16000 if kind == 3 else 0) + bytes(range(16))
    recs = b"".join(struct.pack("<I", n) + bytes((i * 7) & 255 for i in range(n)) for n in (40, 100, 1000))
    put("sealed_records", f"kind{kind}", h + recs)
    put("sealed_records", f"kind{kind}-torn", h + recs[:-10])
    put("sealed_records", f"kind{kind}-zero-tail", h + recs + bytes(64))
key = b"OBSKEY01" + bytes([1, 1, 0, 0]) + struct.pack("<III", 65536, 3, 1) + bytes(16) + bytes(72)
put("sealed_records", "keyfile", key)
