#!/usr/bin/env python3
"""Build a check set of room recordings with parameters drawn per seed, reproducibly.

Every accuracy target of issue 13 is also checked on hidden rooms, so each change is measured
on rooms it was not tuned on. This draws, for each seed, a room like those of
`shared/data/audio-room` (RT60 0.3-0.7 s, SNR 12-25 dB, one of five room sizes, talkers
0.8-1.3 m to 1.9-2.8 m from the table's centre, one microphone or, one time in four, a laptop
pair) and re-records a clean source through `shared/tools/make_room_sets.py`, so the same
command gives the same set on another day (`/tmp` does not survive a session).

With `--one-voice` it first cuts each voice of a Dutch two-voice source out on its own (its
truth utterances back to back with 0.6-s pauses) and writes it clean and through a far room
(1.8-2.6 m): a session where one person speaks (a monologue, a trainer's own recording).

Usage:
  python3 scripts/make-room-checks.py OUT --first-seed 971 --count 12 [--sources a.wav,b.wav]
  python3 scripts/make-room-checks.py OUT --one-voice --first-seed 991
Then: `python3 ../shared/tools/score_audio.py BIN OUT` (offline) and
`scripts/score-live.py BIN OUT` (live). Needs numpy, scipy, soundfile, pyroomacoustics and
`../shared`. The files are derived from GPL-2 / public-domain sources (see the sources'
READMEs) and are not committed.
"""
import argparse
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, '..', '..', 'shared')
MAKE = os.path.join(SHARED, 'tools', 'make_room_sets.py')
ROOMS = ['6.5,5.0,2.9', '5.0,4.0,2.8', '8.0,6.0,3.0', '4.5,3.5,2.7', '7.0,5.5,3.0']
DEFAULT_SOURCES = ['audio-multi/multi4-a', 'audio-multi/multi5-a', 'audio-nl/nl-fillets-cellar',
                   'audio-nl/nl-fillets-cabin1', 'audio-nl/nl-fillets-labyrinth',
                   'audio-nl/nl-fillets-propulsion']


def room(src, out, seed, rt60, snr, size, dist, mics):
    r = subprocess.run([sys.executable, MAKE, src, out, '--seed', str(seed), '--rt60', str(rt60),
                        '--snr', str(snr), '--room', size, '--dist', dist, '--mics', str(mics)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'make-room-checks: {os.path.basename(out)}: '
                 f'{(r.stderr.strip().splitlines() or ["failed"])[-1]}')
    print(f'{os.path.basename(out)}: RT60 {rt60} s, SNR {snr} dB, room {size}, {dist} m, '
          f'{mics} mic(s)', flush=True)


def one_voice(out_dir, first_seed):
    import numpy as np
    import soundfile as sf
    seed = first_seed
    nl = os.path.join(SHARED, 'data', 'audio-nl')
    for name in sorted(f[:-4] for f in os.listdir(nl) if f.endswith('.wav')):
        x, sr = sf.read(os.path.join(nl, name + '.wav'))
        truth = json.load(open(os.path.join(nl, name + '.json')))
        for who in sorted({u['speaker'] for u in truth['utterances']}):
            audio, utts, pos = [], [], 0.0
            for u in truth['utterances']:
                if u['speaker'] != who:
                    continue
                clip = x[int(u['start'] * sr):int(u['end'] * sr)]
                utts.append(dict(u, start=pos, end=pos + len(clip) / sr))
                audio += [clip, np.zeros(int(0.6 * sr))]
                pos += len(clip) / sr + 0.6
            base = os.path.join(out_dir, f'one-{name}-{who}')
            sf.write(base + '.wav', np.concatenate(audio), sr, subtype='PCM_16')
            json.dump(dict(truth, utterances=utts), open(base + '.json', 'w'))
            rng = random.Random(seed)
            room(base + '.wav', os.path.join(out_dir, f'room-one-{name}-{who}.wav'), seed,
                 round(rng.uniform(0.4, 0.7), 2), round(rng.uniform(14, 20)), rng.choice(ROOMS),
                 '1.8,2.6', 1)
            seed += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--first-seed', type=int, default=971)
    ap.add_argument('--count', type=int, default=12)
    ap.add_argument('--sources', help='comma-separated clean WAVs with truth JSON beside them '
                    '(default: audio-multi and audio-nl of ../shared/data, in turn)')
    ap.add_argument('--one-voice', action='store_true')
    a = ap.parse_args()
    if not os.path.exists(MAKE):
        sys.exit(f'make-room-checks: the generator is missing: {MAKE}')
    os.makedirs(a.out, exist_ok=True)
    if a.one_voice:
        one_voice(a.out, a.first_seed)
        return
    sources = (a.sources.split(',') if a.sources else
               [os.path.join(SHARED, 'data', s + '.wav') for s in DEFAULT_SOURCES])
    for i in range(a.count):
        seed = a.first_seed + i
        rng = random.Random(seed)
        src = sources[i % len(sources)]
        rt60, snr = round(rng.uniform(0.3, 0.7), 2), round(rng.uniform(12, 25))
        size = rng.choice(ROOMS)
        dist = f'{rng.uniform(0.8, 1.3):.1f},{rng.uniform(1.9, 2.8):.1f}'
        mics = 2 if rng.random() < 0.25 else 1
        name = os.path.basename(src)[:-4]
        room(src, os.path.join(a.out, f'{name}-s{seed}.wav'), seed, rt60, snr, size, dist, mics)


if __name__ == '__main__':
    main()
