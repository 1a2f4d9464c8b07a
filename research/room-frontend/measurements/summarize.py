#!/usr/bin/env python3
"""Table of WER / speaker accuracy per configuration and file set from results/*.txt."""
import glob, json, os, re
def norm(t): return re.sub(r"[^\w\s]", ' ', t.lower()).split()
def truth(path):
    for d in ['/work/lab/sets/room', '/work/lab/sets/clean', '/work/lab/sets/multi']:
        p = os.path.join(d, path[:-4] + '.json')
        if os.path.exists(p):
            u = json.load(open(p))['utterances']
            return sum(len(norm(x['text'])) for x in u), sum(x['end'] - x['start'] for x in u)
S3 = {'nl-fillets-cellar-room.wav', 'lab-s5-rt60-2mic.wav', 'cabin-s23-rt45-2mic.wav'}
rows = []
for f in sorted(glob.glob('results/*.txt')):
    name = os.path.basename(f)[:-4]
    per = {}
    for line in open(f):
        m = re.match(r'(\S+\.wav): wer=([\d.]+) speakers=\d+ spk_acc=([\d.]+)', line)
        if m: per[m[1]] = (float(m[2]), float(m[3]))
    def agg(files):
        files = [x for x in files if x in per]
        if not files: return None
        w = sum(per[x][0] * truth(x)[0] for x in files) / sum(truth(x)[0] for x in files)
        a = sum(per[x][1] * truth(x)[1] for x in files) / sum(truth(x)[1] for x in files)
        return w, a, len(files)
    sub = agg(S3) if name.endswith('-room') else None
    full = agg(per.keys())
    print(f"{name:32s} " + (f"S3 wer {sub[0]:.3f} spk {sub[1]:.3f} | " if sub else "") + (f"all({full[2]}) wer {full[0]:.3f} spk {full[1]:.3f}" if full else ""))
    print('    ' + '  '.join(f"{k.replace('.wav','')}={v[0]:.3f}/{v[1]:.3f}" for k, v in sorted(per.items())))
