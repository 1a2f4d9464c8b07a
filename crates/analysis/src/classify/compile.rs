//! The pattern compiler: turns language data (word lists, classes, cue patterns written as
//! text) into vocabulary ids, per-word class bits and patterns indexed by their first word.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use anyhow::{Context, bail};

use super::Classifier;
use super::tokenize::{Glue, normalize_word};
use crate::lang::{CORE_CLASSES, LangData, PATTERN_FAMILIES};

// ---------------------------------------------------------------------------------------
// Small fast hasher for the vocabulary (short ASCII-ish keys).

#[derive(Clone, Copy)]
pub(super) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(super) type FnvBuild = BuildHasherDefault<Fnv>;

// ---------------------------------------------------------------------------------------
// Word classes: bit i is CORE_CLASSES[i]; further classes from the data follow.

pub(super) const C_DETECT: u128 = 1 << 0;
pub(super) const C_HESITATION: u128 = 1 << 1;
pub(super) const C_OPENER: u128 = 1 << 2;
pub(super) const C_INVERTING_OPENER: u128 = 1 << 3;
pub(super) const C_WH: u128 = 1 << 4;
pub(super) const C_WH_NP: u128 = 1 << 5;
pub(super) const C_WHY_WH: u128 = 1 << 6;
pub(super) const C_WH_PREP: u128 = 1 << 7;
pub(super) const C_VERB: u128 = 1 << 8;
pub(super) const C_IMPERATIVE: u128 = 1 << 9;
pub(super) const C_SUBJECT: u128 = 1 << 10;
pub(super) const C_PERSONAL: u128 = 1 << 11;
pub(super) const C_FIRST_PERSON: u128 = 1 << 12;
pub(super) const C_FIRST_PERSON_Q_VERB: u128 = 1 << 13;
pub(super) const C_DETERMINER: u128 = 1 << 14;
pub(super) const C_YOU: u128 = 1 << 15;
pub(super) const C_EMBED_SUBJECT: u128 = 1 << 16;
pub(super) const C_CONJUNCTION: u128 = 1 << 17;
pub(super) const C_COPULA: u128 = 1 << 18;
pub(super) const C_COMPLEMENTIZER: u128 = 1 << 19;
pub(super) const C_IF: u128 = 1 << 20;
pub(super) const C_NEGATION: u128 = 1 << 21;
pub(super) const C_SUGGEST_MODAL: u128 = 1 << 22;
pub(super) const C_SUGGEST_MARKER: u128 = 1 << 23;
pub(super) const C_WHY_NO_ADVICE_VERB: u128 = 1 << 24;
pub(super) const C_ADVERB: u128 = 1 << 25;
pub(super) const C_NO_SPLIT_BEFORE: u128 = 1 << 26;
pub(super) const C_SPEAKER: u128 = 1 << 27;
pub(super) const C_STEM: u128 = 1 << 28;
pub(super) const C_EXCLAIM_WH: u128 = 1 << 29;
pub(super) const C_INFINITIVE_MARKER: u128 = 1 << 30;
pub(super) const C_MISHEARD_WHY: u128 = 1 << 31;

// Pattern families: index into PATTERN_FAMILIES.
pub(super) const F_WHY: u8 = 0;
pub(super) const F_INDIRECT: u8 = 1;
pub(super) const F_INVITATION: u8 = 2;
pub(super) const F_TAG: u8 = 3;
pub(super) const F_ELLIPTIC: u8 = 4;
pub(super) const F_ADVICE: u8 = 5;
pub(super) const F_ADVICE_Q: u8 = 6;
pub(super) const F_ADVICE_BLOCKER: u8 = 7;
pub(super) const F_CORRECTIVE: u8 = 8;
pub(super) const F_CONTRADICTION: u8 = 9;
pub(super) const F_CONTRADICTION_BLOCKER: u8 = 10;
pub(super) const F_NOT_I: u8 = 11;
pub(super) const F_GENERALITY: u8 = 12;
pub(super) const F_CAT_SITUATION: u8 = 13;
pub(super) const F_CAT_ACTIONS: u8 = 14;
pub(super) const F_CAT_EXPERIENCE: u8 = 15;
pub(super) const F_CAT_LEARNING: u8 = 16;
pub(super) const F_STATEMENT: u8 = 17;

pub(super) const NO_ID: u32 = u32::MAX;

/// One element of a cue pattern.
#[derive(Debug, Clone)]
pub(super) enum Elem {
    Word(u32),
    Alts(Box<[u32]>),
    Class(u128),
    Gap(u8),
    Prefix(Box<str>),
    Suffix(Box<str>),
    /// Optional element: matches with or without it.
    Opt(Box<Elem>),
    /// Zero-width: the next word (if any) is not this.
    Not(Box<Elem>),
}

#[derive(Debug, Clone)]
pub(super) struct Pattern {
    pub(super) family: u8,
    pub(super) elems: Box<[Elem]>,
    pub(super) at_start: bool,
    pub(super) at_end: bool,
}

/// Compiled data of one language.
#[derive(Debug, Clone, Default)]
pub(super) struct Compiled {
    /// Class bits per vocabulary id.
    pub(super) bits: Vec<u128>,
    pub(super) patterns: Vec<Pattern>,
    /// CSR index: patterns whose first element can match vocabulary id `i` are
    /// `index_flat[index_start[i]..index_start[i + 1]]`.
    pub(super) index_start: Vec<u32>,
    pub(super) index_flat: Vec<u32>,
    /// Patterns starting with a prefix/suffix element (tried everywhere).
    pub(super) unindexed: Vec<u32>,
    pub(super) verb_suffixes: Vec<String>,
    pub(super) past_suffixes: Vec<String>,
    pub(super) split_needs_conjunction: bool,
}

impl Classifier {
    /// Compiles Dutch and English language data.
    pub fn from_data(nl: LangData, en: LangData) -> anyhow::Result<Classifier> {
        let mut vocab: HashMap<Box<str>, u32, FnvBuild> = HashMap::default();
        let mut intern = |w: &str| -> u32 {
            if let Some(&id) = vocab.get(w) {
                return id;
            }
            let id = vocab.len() as u32;
            vocab.insert(w.into(), id);
            id
        };
        // Pass 1: intern every word so all languages share one id space.
        let mut class_ids: [HashMap<String, Vec<u32>>; 2] = [HashMap::new(), HashMap::new()];
        let mut parsed: [Vec<(u8, RawPattern)>; 2] = [Vec::new(), Vec::new()];
        for (li, data) in [&nl, &en].into_iter().enumerate() {
            data.validate()?;
            for (name, words) in &data.words {
                let ids = class_ids[li].entry(name.clone()).or_default();
                for w in words {
                    let n = normalize_word(w);
                    if n.is_empty() || n.contains(' ') {
                        bail!("[words] {name}: {w:?} must be a single word");
                    }
                    ids.push(intern(&n));
                }
            }
            for (fam, list) in &data.patterns {
                let family = PATTERN_FAMILIES
                    .iter()
                    .position(|f| f == fam)
                    .with_context(|| format!("unknown pattern family {fam:?}"))?
                    as u8;
                for p in list {
                    let raw =
                        RawPattern::parse(p).with_context(|| format!("[patterns] {fam}: {p:?}"))?;
                    for e in &raw.elems {
                        let e = match e {
                            RawElem::Opt(inner) | RawElem::Not(inner) => &**inner,
                            other => other,
                        };
                        match e {
                            RawElem::Word(w) => {
                                intern(w);
                            }
                            RawElem::Alts(ws) => {
                                for w in ws {
                                    intern(w);
                                }
                            }
                            _ => {}
                        }
                    }
                    parsed[li].push((family, raw));
                }
            }
        }
        // Pass 2: class bits and patterns per language.
        let n = vocab.len();
        let mut langs: [Compiled; 2] = [Compiled::default(), Compiled::default()];
        for (li, data) in [&nl, &en].into_iter().enumerate() {
            let bit_of = class_bit_numbers(data)?;
            let mut bits = vec![0u128; n];
            for (name, ids) in &class_ids[li] {
                let b = 1u128 << bit_of[name];
                for &id in ids {
                    bits[id as usize] |= b;
                }
            }
            let mut patterns = Vec::with_capacity(parsed[li].len());
            for (family, raw) in &parsed[li] {
                let mut elems = Vec::with_capacity(raw.elems.len());
                for e in &raw.elems {
                    elems.push(compile_elem(e, &vocab, &bit_of)?);
                }
                patterns.push(Pattern {
                    family: *family,
                    elems: elems.into(),
                    at_start: raw.at_start,
                    at_end: raw.at_end,
                });
            }
            let (index_start, index_flat, unindexed) = index_patterns(&patterns, &bits);
            langs[li] = Compiled {
                bits,
                patterns,
                index_start,
                index_flat,
                unindexed,
                verb_suffixes: data
                    .shape
                    .verb_suffixes
                    .iter()
                    .map(|s| normalize_word(s))
                    .collect(),
                past_suffixes: data
                    .shape
                    .past_suffixes
                    .iter()
                    .map(|s| normalize_word(s))
                    .collect(),
                split_needs_conjunction: data
                    .shape
                    .verb_first_split_needs_conjunction
                    .unwrap_or(false),
            };
        }
        // Detection words shared by both languages say nothing about the language.
        for id in 0..n {
            if langs[0].bits[id] & C_DETECT != 0 && langs[1].bits[id] & C_DETECT != 0 {
                langs[0].bits[id] &= !C_DETECT;
                langs[1].bits[id] &= !C_DETECT;
            }
        }
        // Question words a recogniser splits in two ("waar om", "hoe zo"): the tokenizer
        // glues two adjacent words back when together they are one of these.
        let glue = Glue::new(
            vocab
                .iter()
                .filter(|&(_, &id)| {
                    let id = id as usize;
                    (langs[0].bits[id] | langs[1].bits[id]) & C_WH != 0
                })
                .map(|(w, _)| &**w),
        );
        Ok(Classifier {
            vocab,
            glue,
            langs,
            data: [nl, en],
        })
    }
}

/// Bit numbers of the word classes of one language: the core classes first, then the
/// language's own classes in name order (at most 128 in all).
fn class_bit_numbers(data: &LangData) -> anyhow::Result<HashMap<String, u32>> {
    let mut bit_of: HashMap<String, u32> = HashMap::new();
    for (i, c) in CORE_CLASSES.iter().enumerate() {
        bit_of.insert((*c).to_string(), i as u32);
    }
    let mut next = CORE_CLASSES.len() as u32;
    for name in data.words.keys() {
        if !bit_of.contains_key(name) {
            if next >= 128 {
                bail!("too many word classes (at most 128)");
            }
            bit_of.insert(name.clone(), next);
            next += 1;
        }
    }
    Ok(bit_of)
}

/// The CSR index of patterns by the vocabulary ids their first element can match (see
/// [`Compiled`]): (index_start, index_flat, unindexed).
fn index_patterns(patterns: &[Pattern], bits: &[u128]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let n = bits.len();
    // Index by first element.
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut unindexed = Vec::new();
    for (pi, p) in patterns.iter().enumerate() {
        match &p.elems[0] {
            Elem::Word(id) => lists[*id as usize].push(pi as u32),
            Elem::Alts(ids) => {
                for id in ids.iter() {
                    lists[*id as usize].push(pi as u32);
                }
            }
            Elem::Class(mask) => {
                for (id, b) in bits.iter().enumerate() {
                    if b & mask != 0 {
                        lists[id].push(pi as u32);
                    }
                }
            }
            _ => unindexed.push(pi as u32),
        }
    }
    let mut index_start = Vec::with_capacity(n + 1);
    let mut index_flat = Vec::new();
    for l in &mut lists {
        l.dedup();
        index_start.push(index_flat.len() as u32);
        index_flat.extend_from_slice(l);
    }
    index_start.push(index_flat.len() as u32);
    (index_start, index_flat, unindexed)
}

pub(super) fn compile_elem(
    e: &RawElem,
    vocab: &HashMap<Box<str>, u32, FnvBuild>,
    bit_of: &HashMap<String, u32>,
) -> anyhow::Result<Elem> {
    let id = |w: &str| vocab.get(w).copied().unwrap_or(NO_ID);
    Ok(match e {
        RawElem::Word(w) => Elem::Word(id(w)),
        RawElem::Alts(ws) => Elem::Alts(ws.iter().map(|w| id(w)).collect()),
        RawElem::Class(c) => {
            let b = bit_of
                .get(c)
                .with_context(|| format!("unknown word class @{c} (define it under [words])"))?;
            Elem::Class(1u128 << b)
        }
        RawElem::Gap(g) => Elem::Gap(*g),
        RawElem::Prefix(p) => Elem::Prefix(p.as_str().into()),
        RawElem::Suffix(s) => Elem::Suffix(s.as_str().into()),
        RawElem::Opt(inner) => Elem::Opt(Box::new(compile_elem(inner, vocab, bit_of)?)),
        RawElem::Not(inner) => Elem::Not(Box::new(compile_elem(inner, vocab, bit_of)?)),
    })
}

// ---------------------------------------------------------------------------------------
// Pattern parsing.

#[derive(Debug, Clone)]
pub(super) enum RawElem {
    Word(String),
    Alts(Vec<String>),
    Class(String),
    Gap(u8),
    Prefix(String),
    Suffix(String),
    Opt(Box<RawElem>),
    Not(Box<RawElem>),
}

#[derive(Debug, Clone)]
pub(super) struct RawPattern {
    pub(super) elems: Vec<RawElem>,
    pub(super) at_start: bool,
    pub(super) at_end: bool,
}

impl RawPattern {
    pub(super) fn parse(s: &str) -> anyhow::Result<RawPattern> {
        let mut parts: Vec<&str> = s.split_whitespace().collect();
        let mut at_start = false;
        let mut at_end = false;
        if let Some(first) = parts.first_mut() {
            if *first == "^" {
                at_start = true;
                parts.remove(0);
            } else if let Some(rest) = first.strip_prefix('^') {
                at_start = true;
                *first = rest;
            }
        }
        if let Some(last) = parts.last_mut() {
            if *last == "$" {
                at_end = true;
                parts.pop();
            } else if let Some(rest) = last.strip_suffix('$') {
                at_end = true;
                *last = rest;
            }
        }
        let mut elems = Vec::with_capacity(parts.len());
        for p in parts {
            let (p, optional) = match p.strip_prefix('(').and_then(|q| q.strip_suffix(')')) {
                Some(inner) if !inner.is_empty() => (inner, true),
                _ => (p, false),
            };
            let (p, negated) = match p.strip_prefix('!') {
                Some(inner) if !inner.is_empty() => (inner, true),
                _ => (p, false),
            };
            let e = if p == "*" {
                RawElem::Gap(4)
            } else if p == "**" {
                RawElem::Gap(10)
            } else if let Some(c) = p.strip_prefix('@') {
                if c.is_empty() {
                    bail!("empty class name");
                }
                RawElem::Class(c.to_string())
            } else if p.contains('|') {
                let ws: Vec<String> = p
                    .split('|')
                    .map(normalize_word)
                    .filter(|w| !w.is_empty())
                    .collect();
                if ws.is_empty() {
                    bail!("empty alternative");
                }
                RawElem::Alts(ws)
            } else if p.len() > 1 && p.ends_with('*') {
                RawElem::Prefix(normalize_word(p.trim_end_matches('*')))
            } else if p.len() > 1 && p.starts_with('*') {
                RawElem::Suffix(normalize_word(p.trim_start_matches('*')))
            } else {
                let w = normalize_word(p);
                if w.is_empty() {
                    bail!("{p:?} is not a word");
                }
                RawElem::Word(w)
            };
            if (optional || negated) && matches!(e, RawElem::Gap(_)) {
                bail!("a gap cannot be optional or negated");
            }
            if negated {
                elems.push(RawElem::Not(Box::new(e)));
            } else if optional {
                elems.push(RawElem::Opt(Box::new(e)));
            } else {
                elems.push(e);
            }
        }
        match elems.first() {
            None => bail!("empty pattern"),
            Some(RawElem::Gap(_)) | Some(RawElem::Opt(_)) | Some(RawElem::Not(_)) => {
                bail!("a pattern cannot start with a gap, an optional or a negated word")
            }
            _ => {}
        }
        while matches!(elems.last(), Some(RawElem::Gap(_))) {
            elems.pop();
        }
        Ok(RawPattern {
            elems,
            at_start,
            at_end,
        })
    }
}
