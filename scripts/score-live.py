#!/usr/bin/env python3
"""The live path scored as `shared/tools/score_audio.py` scores the offline one.

Usage: scripts/score-live.py BIN DIR [extra listen args...]

Runs `BIN listen --input-file F --lang nl [extra]` on every F.wav of DIR (fed as fast as it
decodes, so the run is the same every time; add `--realtime` to take the snapshots of real
time), applies every `utterance_update` to the line it names (the lines as they stand when the
session ends), and prints per file the word error rate, the speakers found and the
speech-time speaker accuracy (best one-to-one mapping), with `score_audio.py`'s own functions,
then the means weighted as it weights them. Needs `../shared/tools/score_audio.py`.
"""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, '..', '..', 'shared', 'tools')
sys.path.insert(0, TOOLS)
try:
    from score_audio import norm, spk_acc, wer  # noqa: E402
except ImportError:
    sys.exit(f'score-live: the scorer is missing: {os.path.join(TOOLS, "score_audio.py")}')


def live_lines(binp, wav, extra):
    """The session's lines as they stand at the end (updates applied)."""
    r = subprocess.run([binp, 'listen', '--input-file', wav, '--lang', 'nl'] + extra,
                       capture_output=True, text=True, timeout=3600)
    if r.returncode != 0:
        sys.exit(f'{os.path.basename(wav)}: listen failed: '
                 f'{(r.stderr.strip().splitlines() or ["?"])[-1]}')
    lines = {}
    for raw in r.stdout.splitlines():
        try:
            ev = json.loads(raw)
        except ValueError:
            continue
        if ev.get('type') in ('utterance', 'utterance_update'):
            lines[ev['index']] = ev
    return [lines[i] for i in sorted(lines)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binp, d, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    files = sorted(glob.glob(os.path.join(d, '*.wav')))
    errors = words = acc = speech = 0.0
    for w in files:
        truth = json.load(open(w[:-4] + '.json'))['utterances']
        pred = live_lines(binp, w, extra)
        ref = [x for u in truth for x in norm(u['text'])]
        hyp = [x for u in pred for x in norm(u.get('text', ''))]
        dur = sum(u['end'] - u['start'] for u in truth)
        e, a = wer(ref, hyp), spk_acc(truth, pred)
        errors += e * len(ref)
        words += len(ref)
        acc += a * dur
        speech += dur
        found = len({u.get('speaker') for u in pred})
        print(f'{os.path.basename(w)}: wer={e:.3f} speakers={found} spk_acc={a:.3f}', flush=True)
    if files:
        print(f'files={len(files)} wer={errors / max(words, 1):.3f} '
              f'speaker_acc={acc / max(speech, 1e-9):.3f}')


if __name__ == '__main__':
    main()
