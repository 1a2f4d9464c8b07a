#!/usr/bin/env python3
"""Writes the hand-made hostile files in tests/fixtures/bad/ (audio/, sessions/, transcripts,
configs). Run from the repository root; the output is committed, so this only documents how
the files were made. Each file is small; the hostile part is what the headers claim."""
import json
import os
import struct

ROOT = "tests/fixtures/bad"
AUDIO = os.path.join(ROOT, "audio")
SESS = os.path.join(ROOT, "sessions")


def w(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def fmt_chunk(tag=1, ch=1, rate=16000, bits=16, align=None, rate_bytes=None, extra=b""):
    align = ch * bits // 8 if align is None else align
    rate_bytes = rate * align if rate_bytes is None else rate_bytes
    body = struct.pack("<HHIIHH", tag, ch, rate, rate_bytes, align, bits) + extra
    return b"fmt " + struct.pack("<I", len(body)) + body


def riff(chunks, riff_size=None):
    body = b"WAVE" + b"".join(chunks)
    size = len(body) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", size) + body


def data_chunk(payload, declared=None):
    n = len(payload) if declared is None else declared
    return b"data" + struct.pack("<I", n) + payload


pcm = b"".join(struct.pack("<h", int(8000 * ((i % 40) - 20) / 20)) for i in range(800))

# --- audio -------------------------------------------------------------------------------
# A chunk before fmt claiming ~4 GiB: the walk must not seek/allocate by it.
w(f"{AUDIO}/huge-chunk.wav", riff([b"LIST" + struct.pack("<I", 0xFFFFFFF0) + b"junkjunk",
                                   fmt_chunk(), data_chunk(pcm)]))
# data chunk claiming 100 MB with 1600 bytes present.
w(f"{AUDIO}/data-longer-than-file.wav", riff([fmt_chunk(), data_chunk(pcm, 100_000_000)],
                                            riff_size=100_000_036))
# 65535 channels (the most a WAV header can say; "1e9 channels" does not fit in 16 bits).
w(f"{AUDIO}/65535-channels.wav", riff([fmt_chunk(ch=65535, align=65535 * 2 & 0xFFFF),
                                       data_chunk(pcm)]))
# WAVE_FORMAT_EXTENSIBLE claiming 1e9 channels in its channel mask and 0xFFFF channels.
ext = struct.pack("<HHI", 22, 16, 1_000_000_000) + b"\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
w(f"{AUDIO}/extensible-absurd.wav", riff([fmt_chunk(tag=0xFFFE, ch=0xFFFF, align=0xFFFE, extra=ext),
                                          data_chunk(pcm)]))
# 32-bit float with NaN, +inf, -inf, denormals and 1e38 samples.
specials = [float("nan"), float("inf"), float("-inf"), 1e-45, 3.4e38, -3.4e38, 0.5]
floats = b"".join(struct.pack("<f", specials[i % len(specials)]) for i in range(1600))
w(f"{AUDIO}/nan-floats.wav", riff([fmt_chunk(tag=3, bits=32), data_chunk(floats)]))
# 64-bit float NaNs.
doubles = b"".join(struct.pack("<d", specials[i % len(specials)]) for i in range(800))
w(f"{AUDIO}/nan-doubles.wav", riff([fmt_chunk(tag=3, bits=64), data_chunk(doubles)]))
# block_align 0 and bits 0 / 7 / 64-bit integer.
w(f"{AUDIO}/block-align-zero.wav", riff([fmt_chunk(align=0), data_chunk(pcm)]))
w(f"{AUDIO}/bits-zero.wav", riff([fmt_chunk(bits=0, align=0), data_chunk(pcm)]))
w(f"{AUDIO}/bits-7.wav", riff([fmt_chunk(bits=7, align=1), data_chunk(pcm)]))
w(f"{AUDIO}/int-64bit.wav", riff([fmt_chunk(bits=64, align=8), data_chunk(pcm)]))
# data before fmt; fmt chunk shorter than 16 bytes; no data chunk at all.
w(f"{AUDIO}/data-before-fmt.wav", riff([data_chunk(pcm), fmt_chunk()]))
w(f"{AUDIO}/short-fmt.wav", riff([b"fmt " + struct.pack("<I", 8) + b"\x01\x00\x01\x00\x80\x3e\x00\x00",
                                  data_chunk(pcm)]))
w(f"{AUDIO}/no-data-chunk.wav", riff([fmt_chunk(), b"LIST" + struct.pack("<I", 4) + b"INFO"]))
# 10 000 empty chunks before fmt (a walk with no limit spins).
w(f"{AUDIO}/many-chunks.wav", riff([b"junk\x00\x00\x00\x00" * 12000, fmt_chunk(), data_chunk(pcm)]))
# Unknown codec (0x1234) and MS-ADPCM with a nonsense block size.
w(f"{AUDIO}/unknown-codec.wav", riff([fmt_chunk(tag=0x1234), data_chunk(pcm)]))
w(f"{AUDIO}/adpcm-bad-block.wav", riff([fmt_chunk(tag=2, bits=4, align=0xFFFF,
                                                  extra=struct.pack("<HH", 2, 0xFFFF)),
                                        data_chunk(pcm)]))
# ADPCM block geometry symphonia would underflow / divide by zero on.
w(f"{AUDIO}/adpcm-block-too-small.wav", riff([fmt_chunk(tag=2, ch=2, bits=4, align=8,
                                                       extra=struct.pack("<HH", 2, 4)),
                                             data_chunk(pcm)]))
w(f"{AUDIO}/ima-adpcm-bits-zero.wav", riff([fmt_chunk(tag=0x11, ch=1, bits=0, align=256,
                                                     extra=struct.pack("<HH", 2, 505)),
                                           data_chunk(pcm)]))
# ID3v2 tag claiming 256 MB in front of nothing; an MP3 frame header repeated.
w(f"{AUDIO}/id3-huge.mp3", b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + b"\x00" * 64)
w(f"{AUDIO}/mp3-headers-only.mp3", b"\xff\xfb\x90\x64" * 500)
# MP4 boxes: ftyp then a moov whose size says 4 GiB, and an extended 64-bit size of 2^62.
ftyp = struct.pack(">I", 20) + b"ftypM4A \x00\x00\x00\x00M4A "
w(f"{AUDIO}/mp4-huge-box.m4a", ftyp + struct.pack(">I", 0xFFFFFFFF) + b"moov" + b"\x00" * 64)
w(f"{AUDIO}/mp4-64bit-size.m4a", ftyp + struct.pack(">I", 1) + b"moov" + struct.pack(">Q", 1 << 62)
  + b"\x00" * 64)
# FLAC STREAMINFO: sample rate 0, 0 channels bits, total samples 2^36-1, then garbage frames.
si = bytearray(34)
si[0:2] = struct.pack(">H", 4096)
si[2:4] = struct.pack(">H", 4096)
# rate 0 (20 bits), channels-1 = 7 (3 bits), bps-1 = 15 (5 bits), total samples all ones (36 bits)
packed = (0 << 44) | (7 << 41) | (15 << 36) | ((1 << 36) - 1)
si[10:18] = packed.to_bytes(8, "big")
w(f"{AUDIO}/flac-rate-zero.flac", b"fLaC" + bytes([0x80]) + (34).to_bytes(3, "big") + bytes(si)
  + b"\xff\xf8" + b"\x00" * 100)
# Ogg page header with a segment table claiming 255 x 255 bytes that are not there.
w(f"{AUDIO}/ogg-truncated-page.ogg", b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" * 2
  + b"\x00\x00\x00\x00" + bytes([255]) + bytes([255] * 255) + b"\x01vorbis")
# A UTF-8 text with BOM named .wav, and a zip file named .mp3.
w(f"{AUDIO}/bom-text.wav", "\ufeffDit is geen audio maar een notitie.\r\n")
w(f"{AUDIO}/zip.mp3", b"PK\x03\x04" + b"\x00" * 26 + b"hello")

# --- transcripts -------------------------------------------------------------------------
w(f"{ROOT}/deeply-nested.json", "[" * 10_000 + "]" * 10_000)
w(f"{ROOT}/deeply-nested-object.json", '{"utterances":' + '{"a":' * 5_000 + "1" + "}" * 5_000 + "}")
good = {"language": "nl", "utterances": [
    {"speaker": "Anna", "start": 0.0, "end": 2.5, "text": "Welkom allemaal."},
    {"speaker": "Bram", "start": 3.0, "end": 6.0, "text": "Waarom heb je dat niet gezegd?"}]}
w(f"{ROOT}/bom.json", "\ufeff" + json.dumps(good))
w(f"{ROOT}/utf16.json", b"\xff\xfe" + json.dumps(good).encode("utf-16-le"))
w(f"{ROOT}/number-overflow.json",
  '{"utterances":[{"speaker":"A","start":0,"end":1e999,"text":"x"}]}')
w(f"{ROOT}/huge-times.json",
  '{"utterances":[{"speaker":"A","start":0,"end":1e300,"text":"Waarom?"},'
  '{"speaker":"B","start":1e300,"end":1.7e308,"text":"Omdat."}]}')
w(f"{ROOT}/nul-in-text.json",
  '{"utterances":[{"speaker":"A\\u0000","start":0,"end":1,"text":"a\\u0000b"}]}')
w(f"{ROOT}/lone-surrogate.json",
  '{"utterances":[{"speaker":"A","start":0,"end":1,"text":"\\ud800"}]}')
w(f"{ROOT}/crlf.vtt", "WEBVTT\r\n\r\n00:00:00.000 --> 00:00:02.000\r\n<v Anna>Welkom allemaal.\r\n\r\n"
  "00:00:03.000 --> 00:00:05.000\r\n<v Bram>Waarom heb je dat niet gezegd?\r\n")
w(f"{ROOT}/bom-crlf.srt", "\ufeff1\r\n00:00:00,000 --> 00:00:02,000\r\nAnna: Welkom.\r\n\r\n"
  "2\r\n00:00:03,000 --> 00:00:05,500\r\nBram: Waarom?\r\n")
w(f"{ROOT}/cr-only.vtt", "WEBVTT\r\r00:00:00.000 --> 00:00:02.000\r<v Anna>Hoi.\r")
w(f"{ROOT}/huge-timestamp.vtt",
  "WEBVTT\n\n99999999999999:00:00.000 --> 99999999999999:59:59.999\n<v Anna>Later.\n")
w(f"{ROOT}/unclosed-voice.vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Anna" + "<" * 5000 + "\n")
w(f"{ROOT}/only-arrows.srt", "1\n-->\n\n2\n --> \n" + "-->\n" * 1000)
w(f"{ROOT}/timing-no-text.srt", "1\n00:00:00,000 --> 00:00:01,000\n\n2\n00:00:01,000 --> 00:00:02,000\n")

# --- configs -----------------------------------------------------------------------------
w(f"{ROOT}/nan-threshold.toml", "[dominance]\nwindow_seconds = nan\n")
w(f"{ROOT}/inf-threshold.toml", "[rapid_fire]\nwindow_seconds = inf\n")
w(f"{ROOT}/deeply-nested.toml", "x = " + "[" * 5_000 + "]" * 5_000 + "\n")
w(f"{ROOT}/deeply-nested-table.toml", "x = " + "{ a = " * 2_000 + "1" + " }" * 2_000 + "\n")
w(f"{ROOT}/bom.toml", "\ufeff[dominance]\nwindow_seconds = 300.0\n")
w(f"{ROOT}/wrong-type.toml", "[dominance]\nwindow_seconds = \"lang\"\n")

# --- sessions (folders: session.json + journal.jsonl) --------------------------------------
meta = {"version": 1, "title": "Hostile", "created_unix": 0,
        "participants": [{"name": "Anna", "role": "facilitator"}], "language": "nl"}
def session(name, meta_text, journal_text):
    w(f"{SESS}/{name}/session.json", meta_text)
    w(f"{SESS}/{name}/journal.jsonl", journal_text)

u = lambda i, s, st, en, t: json.dumps({"type": "utterance", "index": i, "speaker": s,
                                         "start": st, "end": en, "text": t})
session("torn-tail", json.dumps(meta), u(0, "Anna", 0, 1, "Hoi") + "\n" + '{"type":"utter')
session("damaged-middle", json.dumps(meta),
        u(0, "Anna", 0, 1, "Hoi") + "\n{garbage\n" + u(1, "Bram", 1, 2, "Ja") + "\n")
session("huge-index-and-times", json.dumps(meta),
        u(18446744073709551615, "Anna", 0, 1e308, "Waarom?") + "\n"
        + u(0, "Bram", -5, -1e308, "Nee") + "\n"
        + json.dumps({"type": "reassign", "index": 99999999999, "speaker": "X"}) + "\n"
        + json.dumps({"type": "step", "step": 4294967295, "t": 1e308}) + "\n"
        + json.dumps({"type": "audio", "seconds": -1e308}) + "\n")
session("meta-wrong-types", '{"version":"one","title":5,"created_unix":-1}', "")
session("meta-nested", '{"version":1,"title":' + "[" * 10_000 + "]" * 10_000 + "}", "")
session("journal-nul-bytes", json.dumps(meta), "\x00" * 3000 + "\n" + u(0, "Anna", 0, 1, "Hoi") + "\n")
session("journal-crlf", json.dumps(meta),
        u(0, "Anna", 0, 1, "Hoi") + "\r\n" + u(1, "Bram", 1, 2, "Ja") + "\r\n")
session("journal-bom", json.dumps(meta),
        "\ufeff" + u(0, "Anna", 0, 1, "Hoi") + "\n" + u(1, "Bram", 1, 2, "Ja") + "\n")
