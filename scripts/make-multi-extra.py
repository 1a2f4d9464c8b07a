#!/usr/bin/env python3
"""Build held-out 4-voice test conversations of the voices of `shared/data/audio-multi`.

The group tests (#17) learn the four fish voices (Dutch and Czech dub of Fish Fillets NG, two
voice actors each) from `multi5-a` and name them in `multi4-a`. These files are *other
conversations of the same voices*: other levels of the game, other turn orders and loudness,
the way a group meets again. They are held out from tuning. The data is GPL-2 (see
shared/data/audio-multi/README.md) and not committed.

Follows the recipe of shared/data/audio-multi/README.md with the clip handling of
make-nl-extra.py (speaker evidence, sox conversion, trimming):
  * the Dutch voices speak lines of one set of levels, the Czech voices of another, never a
    level of the visible sets (audio-nl, audio-multi);
  * turn order seeded per file: talkativeness weight 0.5-1.5 per voice, the same voice again
    with probability 0.20, otherwise another by weight; each voice speaks its own clips in
    script order; pauses 0.3-1.2 s of digital silence; files of about 180 s;
  * with --librivox, 5-voice files too (multi5-*): the LibriVox reader's three clips that
    multi5-a does not use, spread over the file (18 s in all);
  * each clip's active level (energy mean of the 10-ms frames within 30 dB of its loudest) is
    set to -26 dBFS + a per-file per-voice offset (+-4 dB) + a per-clip jitter (+-2 dB), with
    no peak above -1 dBFS.

Standard library + numpy + sox.  Usage:
  (cd /tmp/fillets && apt-get download fillets-ng-data fillets-ng-data-nl fillets-ng-data-cs &&
   for d in *.deb; do dpkg -x "$d" x; done)
  python3 scripts/make-multi-extra.py [--root ...] [--out DIR] [--files 6]
Then rooms: python3 ../shared/tools/make_room_sets.py (see its --help) on the output.
"""
import argparse
import importlib.util
import json
import os
import random
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("nlextra", os.path.join(HERE, "make-nl-extra.py"))
nlx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nlx)

SR = nlx.SR
VISIBLE = {"cabin1", "labyrinth", "propulsion", "cellar",            # audio-nl
           "briefcase", "library", "kitchen", "experiments", "wreck"}  # audio-multi
VOICES = [("nl", "small"), ("nl", "big"), ("cs", "small"), ("cs", "big")]
TARGET_SEC = 180.0
SAME_AGAIN = 0.20


def active_level_db(x):
    f = x[: len(x) // 160 * 160].reshape(-1, 160).astype(np.float64) / 32768.0
    e = (f * f).mean(axis=1) + 1e-12
    db = 10 * np.log10(e)
    keep = e[db >= db.max() - 30.0]
    return 10 * np.log10(keep.mean())


def level_pool(root, lang):
    out = {}
    for lv in sorted(os.listdir(os.path.join(root, "sound"))):
        if lv in VISIBLE or not os.path.isdir(os.path.join(root, "sound", lv, lang)):
            continue
        kept, _ = nlx.level_clips(root, lv, lang)
        by = {"small": [c for c in kept if c["speaker"] == "small"],
              "big": [c for c in kept if c["speaker"] == "big"]}
        if len(by["small"]) >= 4 and len(by["big"]) >= 4:
            out[lv] = by
    return out


def librivox_clips(d, skip):
    """The LibriVox reader's clips (pocketsphinx-testdata) not used by `multi5-a`."""
    if not d:
        return []
    text = {}
    for line in open(os.path.join(d, "transcription"), encoding="utf-8"):
        m = line.strip().rsplit(" (", 1)
        if len(m) == 2:
            text[m[1].rstrip(")")] = m[0].replace("<s>", "").replace("</s>", "").strip()
    return [{"wav": os.path.join(d, k + ".wav"), "text": t, "ogg": k + ".wav", "sub": "transcription",
             "evidence": "reader"} for k, t in sorted(text.items()) if k not in skip]


def build(name, root, pools, used, tmpdir, english=()):
    rng = random.Random(name)
    # levels per language, not used by another file if avoidable
    levels = {}
    for lang in ("nl", "cs"):
        free = [lv for lv in pools[lang] if lv not in used and lv not in levels.values()]
        rng.shuffle(free)
        levels[lang] = free[:3]
        used.update(levels[lang])
    queue = {}
    for lang, who in VOICES:
        clips = [c for lv in levels[lang] for c in pools[lang][lv][who]]
        queue[f"{lang}-{who}"] = clips
    weight = {v: rng.uniform(0.5, 1.5) for v in queue}
    offset = {v: rng.uniform(-4.0, 4.0) for v in queue}
    if english:
        offset["en-librivox"] = rng.uniform(-4.0, 4.0)
    # the English clips go at turns spread over the file (about 45 turns in all)
    english_at = {int(round((k + 0.5) * 45 / len(english))): c for k, c in enumerate(english)}
    pcm, utts, rows, t, prev = [], [], [], 0, None
    while t / SR < TARGET_SEC:
        live = [v for v in queue if queue[v]]
        if not live:
            break
        if len(utts) in english_at and prev != "en-librivox":
            v, c = "en-librivox", english_at.pop(len(utts))
            a = nlx.read_pcm(c["wav"])
            b = nlx.trim_bounds(a)
            a = a[b[0] * 16:b[1] * 16] if b else None
        else:
            if prev in live and rng.random() < SAME_AGAIN:
                v = prev
            else:
                others = [x for x in live if x != prev] or live
                v = rng.choices(others, [weight[x] for x in others])[0]
            c = queue[v].pop(0)
            a = nlx.prepare_clip(os.path.join(root, c["ogg"]), tmpdir)
        if a is None or len(a) < SR // 2:
            continue
        x = np.asarray(a, dtype=np.float64)
        gain_db = -26.0 + offset[v] + rng.uniform(-2.0, 2.0) - active_level_db(x)
        peak = np.abs(x).max() / 32768.0
        gain_db = min(gain_db, -1.0 - 20 * np.log10(max(peak, 1e-9)))
        y = np.clip(np.round(x * 10 ** (gain_db / 20)), -32768, 32767).astype(np.int16)
        if utts:
            gap = int(round(rng.uniform(nlx.PAUSE_MIN, nlx.PAUSE_MAX) * 1000)) * 16
            pcm.append(np.zeros(gap, dtype=np.int16))
            t += gap
        start = t
        pcm.append(y)
        t += len(y)
        utts.append({"start": round(start / SR, 3), "end": round(t / SR, 3),
                     "speaker": v, "text": c["text"]})
        rows.append((len(utts) - 1, start / SR, t / SR, v, c, round(gain_db, 2)))
        prev = v
    return np.concatenate(pcm), utts, rows, levels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="/tmp/fillets/x/usr/share/games/fillets-ng")
    ap.add_argument("--out", default="multi-extra")
    ap.add_argument("--files", type=int, default=6)
    ap.add_argument("--librivox", default="",
                    help="pocketsphinx-testdata's test/data/librivox: also write 5-voice files "
                         "(multi5-*) with the reader's three clips multi5-a does not use")
    args = ap.parse_args()
    pools = {lang: level_pool(args.root, lang) for lang in ("nl", "cs")}
    print("levels: nl %d, cs %d" % (len(pools["nl"]), len(pools["cs"])), file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    tsv = ["file\tindex\tstart\tend\tspeaker\tsource_ogg\tsubtitle_source\tspeaker_evidence\tgain_db"]
    used = set()
    english = librivox_clips(args.librivox, {"sense_and_sensibility_01_austen_64kb-0880",
                                             "sense_and_sensibility_01_austen_64kb-0930"})
    jobs = [("multi4-" + chr(ord("b") + k), ()) for k in range(args.files)]
    if english:
        jobs += [("multi5-" + chr(ord("b") + k), english) for k in range(args.files // 2)]
    with tempfile.TemporaryDirectory() as tmpdir:
        for name, eng in jobs:
            pcm, utts, rows, levels = build(name, args.root, pools, used, tmpdir, eng)
            nlx.write_wav(os.path.join(args.out, name + ".wav"), pcm.tolist())
            doc = {"language": "mixed",
                   "participants": [{"name": f"{l}-{w}", "role": "deelnemer"} for l, w in VOICES]
                   + ([{"name": "en-librivox", "role": "deelnemer"}] if eng else []),
                   "utterances": utts}
            with open(os.path.join(args.out, name + ".json"), "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, indent=1)
                f.write("\n")
            for i, s, e, v, c, g in rows:
                tsv.append(f"{name}\t{i}\t{s:.3f}\t{e:.3f}\t{v}\t{c['ogg']}\t{c['sub']}\t{c['evidence']}\t{g}")
            talk = {}
            for u in utts:
                talk[u["speaker"]] = talk.get(u["speaker"], 0) + u["end"] - u["start"]
            print("%s: %.1f s, %d turns, levels nl %s | cs %s, talk %s" % (
                name, len(pcm) / SR, len(utts), ",".join(levels["nl"]), ",".join(levels["cs"]),
                " ".join(f"{k} {v:.0f}s" for k, v in sorted(talk.items()))), file=sys.stderr)
    with open(os.path.join(args.out, "clips.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(tsv) + "\n")


if __name__ == "__main__":
    main()
