//! The tokenizer: lowercases, folds accents, drops apostrophes, joins clitics and split
//! question words, and cuts the text into hard segments at sentence punctuation.

use std::collections::HashMap;

use super::compile::{FnvBuild, NO_ID};

// ---------------------------------------------------------------------------------------
// Tokenisation.

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    /// Byte range in the original text.
    pub(super) span: (usize, usize),
    /// Byte range in `Tokens::norm`.
    pub(super) norm: (u32, u32),
    pub(super) id: u32,
    /// A comma follows ("klopt, dat herken ik").
    pub(super) comma_after: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct HardSeg {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) qmark: bool,
    /// Follows a colon (reported speech or thought may follow).
    pub(super) after_colon: bool,
}

#[derive(Debug, Default)]
pub(super) struct Tokens {
    pub(super) norm: String,
    pub(super) toks: Vec<Tok>,
    pub(super) segs: Vec<HardSeg>,
}

pub(super) fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

pub(super) fn push_norm(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        for l in c.to_lowercase() {
            out.push(fold(l));
        }
    }
}

pub(super) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´' | 'ʼ')
}

pub(super) fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑')
}

/// Normalises one word of the language data the same way the tokenizer does.
pub fn normalize_word(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for c in w.trim().chars() {
        if is_apostrophe(c) {
            continue;
        }
        push_norm(&mut out, c);
    }
    out
}

/// Whether `clitic` is the tail of a contraction whose apostrophe became a space
/// ("don t" -> "dont", "i m" -> "im", "what s" -> "whats", "zo n" -> "zon").
pub(super) fn is_clitic_pair(prev: &str, clitic: &str) -> bool {
    const PRONOUNS: &[&str] = &[
        "i", "you", "we", "they", "he", "she", "it", "that", "there", "who", "what",
    ];
    match clitic {
        "t" => prev.len() > 2 && prev.ends_with('n') && prev != "een",
        "s" => matches!(
            prev,
            "what"
                | "that"
                | "it"
                | "let"
                | "he"
                | "she"
                | "there"
                | "who"
                | "where"
                | "how"
                | "here"
        ),
        "d" | "ll" | "m" | "re" | "ve" => PRONOUNS.contains(&prev),
        "n" => prev == "zo",
        _ => false,
    }
}

/// The question words a recogniser tends to split ("waar om" -> "waarom", "hoe zo" ->
/// "hoezo"), looked up cheaply: nearly every pair of adjacent words is a candidate, and
/// their joined length and first letter rule most out before any hashing.
#[derive(Debug, Clone, Default)]
pub(super) struct Glue {
    /// Bit `n`: some glue word is `n` bytes long (words of 64 bytes and more never glue).
    lens: u64,
    /// Bit `b`: some glue word starts with byte `b`.
    first: [u64; 4],
    words: std::collections::HashSet<Box<str>, FnvBuild>,
}

impl Glue {
    /// Glue words of at least five bytes (shorter ones would join ordinary words).
    pub(super) fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Glue {
        let mut g = Glue::default();
        for w in words.into_iter().filter(|w| (5..64).contains(&w.len())) {
            g.lens |= 1 << w.len();
            let b = w.as_bytes()[0];
            g.first[usize::from(b >> 6)] |= 1 << (b & 63);
            g.words.insert(w.into());
        }
        g
    }

    /// Whether `joined` (two adjacent words written together) is a glue word.
    pub(super) fn contains(&self, joined: &str) -> bool {
        let n = joined.len();
        let Some(&b) = joined.as_bytes().first() else {
            return false;
        };
        n < 64
            && self.lens >> n & 1 == 1
            && self.first[usize::from(b >> 6)] >> (b & 63) & 1 == 1
            && self.words.contains(joined)
    }
}

pub(super) fn tokenize(
    text: &str,
    vocab: &HashMap<Box<str>, u32, FnvBuild>,
    glue: &Glue,
) -> Tokens {
    let mut t = Tokens {
        norm: String::with_capacity(text.len()),
        toks: Vec::with_capacity(text.len() / 4 + 1),
        segs: Vec::new(),
    };
    let mut cur: Option<(usize, usize)> = None; // (byte start, norm start)
    let mut last_end = 0usize;
    let mut seg_start = 0usize;
    let mut after_colon = false;
    let mut prev_char = ' ';
    let flush = |t: &mut Tokens, cur: &mut Option<(usize, usize)>, end: usize, seg_start: usize| {
        if let Some((s, ns)) = cur.take() {
            let ne = t.norm.len();
            // A contraction split by a lost apostrophe ("don t", "i m"): glue it back.
            if t.toks.len() > seg_start
                && let Some(prev) = t.toks.last_mut()
                && prev.norm.1 as usize == ns
                && s == prev.span.1 + 1
                && (is_clitic_pair(&t.norm[prev.norm.0 as usize..ns], &t.norm[ns..ne])
                    || glue.contains(&t.norm[prev.norm.0 as usize..ne]))
            {
                prev.norm.1 = ne as u32;
                prev.span.1 = end;
                prev.id = vocab
                    .get(&t.norm[prev.norm.0 as usize..ne])
                    .copied()
                    .unwrap_or(NO_ID);
                return;
            }
            if ne > ns {
                let id = vocab.get(&t.norm[ns..ne]).copied().unwrap_or(NO_ID);
                t.toks.push(Tok {
                    span: (s, end),
                    norm: (ns as u32, ne as u32),
                    id,
                    comma_after: false,
                });
            }
        }
    };
    for (i, c) in text.char_indices() {
        let next = text[i + c.len_utf8()..].chars().next().unwrap_or(' ');
        if c.is_alphanumeric() {
            if cur.is_none() {
                cur = Some((i, t.norm.len()));
            }
            push_norm(&mut t.norm, c);
            last_end = i + c.len_utf8();
            prev_char = c;
            continue;
        }
        if cur.is_some() && next.is_alphanumeric() {
            if is_apostrophe(c) {
                prev_char = c;
                continue;
            }
            if is_hyphen(c) {
                t.norm.push('-');
                prev_char = c;
                continue;
            }
            if (c == '.' || c == ',') && prev_char.is_ascii_digit() && next.is_ascii_digit() {
                t.norm.push(c);
                prev_char = c;
                continue;
            }
        }
        flush(&mut t, &mut cur, last_end, seg_start);
        if matches!(c, ',' | '，')
            && t.toks.len() > seg_start
            && let Some(last) = t.toks.last_mut()
        {
            last.comma_after = true;
        }
        let boundary = match c {
            '?' | '？' | '¿' => Some(true),
            '.' | '!' | ';' | ':' | '…' | '。' | '！' | '\n' | '\r' => Some(false),
            _ => None,
        };
        if let Some(q) = boundary {
            if t.toks.len() > seg_start {
                t.segs.push(HardSeg {
                    start: seg_start,
                    end: t.toks.len(),
                    qmark: q,
                    after_colon,
                });
                seg_start = t.toks.len();
                after_colon = c == ':';
            } else if q {
                // "Wat?!" / "wat ?" : a question mark right after a closed segment.
                if let Some(last) = t.segs.last_mut()
                    && last.end == t.toks.len()
                {
                    last.qmark = true;
                }
            }
        }
        prev_char = c;
    }
    flush(&mut t, &mut cur, last_end, seg_start);
    if t.toks.len() > seg_start {
        t.segs.push(HardSeg {
            start: seg_start,
            end: t.toks.len(),
            qmark: false,
            after_colon,
        });
    }
    t
}
