#!/usr/bin/env python3
"""Build held-out Dutch two-speaker test conversations from Fish Fillets NG (Debian 1.0.1-1.1).

Held out from tuning: the evaluation set next to the visible `shared/data/audio-nl` (same two
voices, other levels of the game). The data is GPL-2 (see that README) and not committed.

Follows the recipe of shared/data/audio-nl/README.md:
  * clip sound/<level>/nl/<id>.ogg  <->  subtitle in script/<level>/dialogs_nl.lua
    (dialogId("id", "font", "English") then dialogStr("Dutch"))
  * speaker from font (font_small/font_big), level code (addm/addv, small:/big: planDialog/talk)
    and the m/v token of the id: the signals present must not disagree, at least two must agree
  * sox -R in.ogg -r 16000 -c 1 -b 16 out.wav gain -1, then trim to 0.05 s before the first and
    0.15 s after the last 10 ms frame louder than -45 dBFS (whole milliseconds, sox trim)
  * conversation = one level's kept clips in script order (first use in code.lua; random
    alternatives "id"..random(n) all included), cut at the length limit, pauses of 0.3-1.2 s
    digital silence (uniform, seeded per file)
  * only levels with >= 8 speaker changes; the visible levels are excluded.

Standard library + sox CLI only.  Usage:
  (cd /tmp/fillets && apt-get download fillets-ng-data-nl fillets-ng-data &&
   for d in *.deb; do dpkg -x "$d" x; done)
  python3 scripts/make-nl-extra.py [--root /tmp/fillets/x/usr/share/games/fillets-ng] [--out DIR]
"""
import argparse
import array
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import wave

SR = 16000
VISIBLE = {"cabin1", "labyrinth", "propulsion", "cellar"}
N_FILES = 12
SELECT_SEED = 20241205
MIN_SEC, MAX_SEC = 60.0, 120.0
MIN_CHANGES = 8
PAUSE_MIN, PAUSE_MAX = 0.3, 1.2
THRESH_DBFS = -45.0
FRAME = SR // 100           # 10 ms
LEAD, TAIL = 0.05, 0.15

LUA_STR = r'"((?:[^"\\\n]|\\.)*)"'
DIALOG_RE = re.compile(
    r'dialogId\(\s*' + LUA_STR + r'\s*,\s*' + LUA_STR + r'\s*,\s*' + LUA_STR + r'\s*\)\s*'
    r'dialogStr\(\s*' + LUA_STR + r'\s*\)', re.S)


def lua_unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            simple = {"n": "\n", "t": "\t", '"': '"', "'": "'", "\\": "\\"}
            if n in simple:
                out.append(simple[n]); i += 2; continue
            m = re.match(r"\d{1,3}", s[i + 1:])
            if m:
                out.append(chr(int(m.group(0)))); i += 1 + len(m.group(0)); continue
            out.append(n); i += 2; continue
        out.append(c); i += 1
    return "".join(out)


def parse_dialogs(path):
    """id -> (font, english, dutch, line_of_dialogId)"""
    text = open(path, encoding="utf-8").read()
    res = {}
    for m in DIALOG_RE.finditer(text):
        did = lua_unescape(m.group(1))
        if did in res:
            continue
        line = text.count("\n", 0, m.start(4)) + 1  # line of dialogStr
        res[did] = (m.group(2), lua_unescape(m.group(3)), lua_unescape(m.group(4)), line)
    return res


CALL_SPEAKER = {"addm": "small", "addv": "big",
                "small:planDialog": "small", "big:planDialog": "big",
                "small:talk": "small", "big:talk": "big"}


def scan_code(path, _seen=frozenset()):
    """List of (literal, call_name, is_prefix, is_suffix) for every string literal in Lua code,
    in order; is_prefix: followed by '..', is_suffix: preceded by '..'.
    call_name is the function whose argument list directly encloses the literal."""
    src = open(path, encoding="utf-8", errors="replace").read()
    i, n = 0, len(src)
    stack = []          # call names for each open '('
    out = []
    ident_re = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[.:][A-Za-z_][A-Za-z0-9_]*)*")
    while i < n:
        c = src[i]
        if src.startswith("--", i):
            m = re.match(r"--\[(=*)\[", src[i:])
            if m:
                end = src.find("]" + m.group(1) + "]", i)
                i = n if end < 0 else end + len(m.group(1)) + 2
            else:
                end = src.find("\n", i)
                i = n if end < 0 else end
            continue
        if c in "\"'":
            j, buf = i + 1, []
            while j < n and src[j] != c:
                if src[j] == "\\":
                    buf.append(src[j:j + 2]); j += 2
                else:
                    buf.append(src[j]); j += 1
            lit = lua_unescape("".join(buf))
            k = j + 1
            while k < n and src[k] in " \t":
                k += 1
            is_prefix = src.startswith("..", k)
            b = i - 1
            while b >= 0 and src[b] in " \t":
                b -= 1
            is_suffix = b >= 1 and src[b - 1:b + 1] == ".."
            call = stack[-1] if stack else None
            inc = os.path.join(os.path.dirname(path), os.path.basename(lit))
            if call == "file_include" and lit.endswith(".lua") and os.path.exists(inc) \
                    and inc not in _seen:
                # level-local include ("script/"..codename.."/X.lua"): scan it in place
                out.extend(scan_code(inc, _seen | {path, inc}))
            else:
                out.append((lit, call, is_prefix, is_suffix))
            i = j + 1
            continue
        m = ident_re.match(src, i)
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            name = m.group(0)
            k = m.end()
            while k < n and src[k] in " \t":
                k += 1
            if k < n and src[k] == "(":
                stack.append(name)
                i = k + 1
                continue
            i = m.end()
            continue
        if c == "(":
            stack.append(None)
        elif c == ")":
            if stack:
                stack.pop()
        i += 1
    return out


def id_token_speaker(did):
    toks = did.split("-")
    has_m, has_v = "m" in toks, "v" in toks
    if has_m and not has_v:
        return "small"
    if has_v and not has_m:
        return "big"
    return None


def font_speaker(font):
    return {"font_small": "small", "font_big": "big"}.get(font)


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def read_pcm(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == SR and w.getnchannels() == 1 and w.getsampwidth() == 2
        a = array.array("h")
        a.frombytes(w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        a.byteswap()
    return a


def trim_bounds(a):
    """(start_ms, end_ms) or None: 0.05 s before first / 0.15 s after last loud 10 ms frame."""
    thr = 32768.0 * 10 ** (THRESH_DBFS / 20.0)
    loud = []
    for f in range(0, len(a) // FRAME + (1 if len(a) % FRAME else 0)):
        seg = a[f * FRAME:(f + 1) * FRAME]
        rms = math.sqrt(sum(x * x for x in seg) / len(seg))
        if rms > thr:
            loud.append(f)
    if not loud:
        return None
    total_ms = len(a) * 1000 // SR
    s_ms = max(0, round(loud[0] * 10 - LEAD * 1000))
    e_ms = min(total_ms, round((loud[-1] + 1) * 10 + TAIL * 1000))
    return s_ms, e_ms


def prepare_clip(ogg, tmpdir):
    """Return trimmed mono 16 kHz samples (array 'h') of one clip, or None if silent."""
    base = os.path.join(tmpdir, os.path.basename(ogg)[:-4])
    full, cut = base + ".full.wav", base + ".cut.wav"
    run(["sox", "-R", ogg, "-r", str(SR), "-c", "1", "-b", "16", full, "gain", "-1"])
    b = trim_bounds(read_pcm(full))
    if b is None:
        return None
    s_ms, e_ms = b
    run(["sox", "-R", full, cut, "trim", "=%ds" % (s_ms * 16), "=%ds" % (e_ms * 16)])
    pcm = read_pcm(cut)
    assert len(pcm) == (e_ms - s_ms) * 16, (ogg, len(pcm), s_ms, e_ms)
    return pcm


def level_clips(root, level, lang="nl"):
    """Kept clips of a level in script order: list of dicts (`lang`: the dub, nl or cs)."""
    snd = os.path.join(root, "sound", level, lang)
    scr = os.path.join(root, "script", level)
    if not os.path.isdir(snd):
        return [], {}
    oggs = sorted(f[:-4] for f in os.listdir(snd) if f.endswith(".ogg"))
    dpath = os.path.join(scr, "dialogs_%s.lua" % lang)
    dialogs = parse_dialogs(dpath) if os.path.exists(dpath) else {}
    code = scan_code(os.path.join(scr, "code.lua")) if os.path.exists(os.path.join(scr, "code.lua")) else []
    ogg_set = set(oggs)

    order, code_spk = [], {}

    def use(did, call):
        if did not in code_spk:
            code_spk[did] = set()
            order.append(did)
        if call in CALL_SPEAKER:
            code_spk[did].add(CALL_SPEAKER[call])

    for n, (lit, call, is_prefix, is_suffix) in enumerate(code):
        if lit in ogg_set and not is_prefix:
            use(lit, call)
        elif is_prefix and lit and not is_suffix:
            # "id"..random(n) / "id"..k [.."suffix"]: all numbered alternatives, in number order
            suffix = ""
            if n + 1 < len(code) and code[n + 1][3] and code[n + 1][1] == call:
                suffix = code[n + 1][0]
            pat = re.compile(re.escape(lit) + r"(\d+)" + re.escape(suffix))
            alts = [(int(m.group(1)), o) for o in oggs for m in [pat.fullmatch(o)] if m]
            for _, o in sorted(alts):
                use(o, call)
        elif lit in ogg_set:
            use(lit, call)
    # ids never referenced by the level code have no place in the script order: left out
    unref = [o for o in oggs if o not in code_spk]
    stats = {"oggs": len(oggs), "no_subtitle": 0, "empty": 0, "disagree": 0, "weak": 0,
             "unreferenced_left_out": len(unref), "kept": 0}
    kept = []
    for did in order:
        if did not in dialogs:
            stats["no_subtitle"] += 1
            continue
        font, eng, nl, line = dialogs[did]
        if not nl.strip():
            stats["empty"] += 1
            continue
        sig = {}
        if font_speaker(font):
            sig["font"] = font_speaker(font)
        cs = code_spk.get(did, set())
        if len(cs) == 1:
            sig["code"] = next(iter(cs))
        elif len(cs) > 1:
            stats["disagree"] += 1
            continue
        if id_token_speaker(did):
            sig["id"] = id_token_speaker(did)
        vals = set(sig.values())
        if len(vals) > 1:
            stats["disagree"] += 1
            continue
        if len(sig) < 2:
            stats["weak"] += 1
            continue
        kept.append({"id": did, "speaker": vals.pop(), "text": nl.strip(),
                     "ogg": "sound/%s/%s/%s.ogg" % (level, lang, did),
                     "sub": "script/%s/dialogs_%s.lua:%d" % (level, lang, line),
                     "evidence": "+".join(k for k in ("font", "code", "id") if k in sig)})
    stats["kept"] = len(kept)
    return kept, stats


def changes(spk):
    return sum(1 for a, b in zip(spk, spk[1:]) if a != b)


def build_conversation(root, level, clips, tmpdir):
    """Prepare audio, cut at MAX_SEC. Returns (list of (clip, pcm)), without pauses yet."""
    out = []
    for c in clips:
        pcm = prepare_clip(os.path.join(root, c["ogg"]), tmpdir)
        if pcm is not None:
            out.append((c, pcm))
    return out


def assemble(name, items):
    rng = random.Random(name)
    pcm_all = array.array("h")
    utts, rows = [], []
    t_samples = 0
    for i, (c, pcm) in enumerate(items):
        if i > 0:
            gap_ms = round(rng.uniform(PAUSE_MIN, PAUSE_MAX) * 1000)
            pcm_all.extend(array.array("h", bytes(gap_ms * 16 * 2)))
            t_samples += gap_ms * 16
        start = t_samples
        pcm_all.extend(pcm)
        t_samples += len(pcm)
        utts.append({"start": round(start / SR, 3), "end": round(t_samples / SR, 3),
                     "speaker": c["speaker"], "text": c["text"]})
        rows.append((i, start / SR, t_samples / SR, c))
    return pcm_all, utts, rows


def plan_length(items, name):
    """Keep clips (script order) while the file including pauses stays <= MAX_SEC."""
    rng = random.Random(name)
    total, keep = 0.0, []
    for i, (c, pcm) in enumerate(items):
        gap = round(rng.uniform(PAUSE_MIN, PAUSE_MAX) * 1000) / 1000 if i > 0 else 0.0
        d = len(pcm) / SR
        if total + gap + d > MAX_SEC:
            break
        total += gap + d
        keep.append((c, pcm))
    return keep, total


def write_wav(path, pcm):
    a = array.array("h", pcm)
    if sys.byteorder == "big":
        a.byteswap()
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(SR)
        w.writeframes(a.tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="/tmp/fillets/x/usr/share/games/fillets-ng")
    ap.add_argument("--out", default="nl-extra")
    ap.add_argument("--levels", default="", help="comma list: build exactly these (no selection)")
    args = ap.parse_args()
    root = args.root
    levels = sorted(d for d in os.listdir(os.path.join(root, "sound"))
                    if os.path.isdir(os.path.join(root, "sound", d, "nl")))
    total = {}
    per_level = {}
    for lv in levels:
        kept, st = level_clips(root, lv)
        per_level[lv] = kept
        for k, v in st.items():
            total[k] = total.get(k, 0) + v
    print("clip stats over all levels:", total, file=sys.stderr)

    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        if args.levels:
            chosen = args.levels.split(",")
            prepared = {}
            for lv in chosen:
                items = build_conversation(root, lv, per_level[lv], tmpdir)
                keep, dur = plan_length(items, "nl-fillets-" + lv)
                prepared[lv] = keep
        else:
            # candidates: not visible, both speakers alternate (>= MIN_CHANGES), >= MIN_SEC
            prepared, cands = {}, []
            for lv in levels:
                if lv in VISIBLE or changes([c["speaker"] for c in per_level[lv]]) < MIN_CHANGES:
                    continue
                items = build_conversation(root, lv, per_level[lv], tmpdir)
                keep, dur = plan_length(items, "nl-fillets-" + lv)
                ch = changes([c["speaker"] for c, _ in keep])
                print("candidate %-14s clips %3d  kept-in-limit %3d  %.1f s  changes %d"
                      % (lv, len(items), len(keep), dur, ch), file=sys.stderr)
                if dur >= MIN_SEC and ch >= MIN_CHANGES:
                    cands.append(lv)
                    prepared[lv] = keep
            print("eligible levels (%d): %s" % (len(cands), " ".join(cands)), file=sys.stderr)
            chosen = sorted(random.Random(SELECT_SEED).sample(cands, N_FILES))
        tsv = ["file\tindex\tstart\tend\tspeaker\tlevel\tdialog_id\tsource_ogg\tsubtitle_source\tspeaker_evidence"]
        for lv in chosen:
            name = "nl-fillets-" + lv
            pcm, utts, rows = assemble(name, prepared[lv])
            write_wav(os.path.join(args.out, name + ".wav"), pcm)
            doc = {"language": "nl",
                   "participants": [{"name": "small", "role": "deelnemer"},
                                    {"name": "big", "role": "deelnemer"}],
                   "utterances": utts}
            with open(os.path.join(args.out, name + ".json"), "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, indent=1)
                f.write("\n")
            for i, s, e, c in rows:
                tsv.append("%s\t%d\t%.3f\t%.3f\t%s\t%s\t%s\t%s\t%s\t%s" % (
                    name, i, s, e, c["speaker"], lv, c["id"], c["ogg"], c["sub"], c["evidence"]))
        with open(os.path.join(args.out, "clips.tsv"), "w", encoding="utf-8") as f:
            f.write("\n".join(tsv) + "\n")
    print("wrote %d conversations to %s: %s" % (len(chosen), args.out, " ".join(chosen)))


if __name__ == "__main__":
    main()
