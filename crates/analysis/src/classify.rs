//! Utterance classifier: question type (open/closed/none), why-question, advice, question
//! category and focus, spelregel signals (not-"ik", generalities), corrective language and
//! contradiction markers, with the cue words (evidence) behind every label.
//!
//! It is rule-based over the language data in `assets/lang/*.toml` (see `lang.rs`) and
//! built for transcriber output: no punctuation, lowercase, fillers, several sentences per
//! utterance. Decisions follow sentence *shape* rather than punctuation:
//!
//! 1. The text is tokenised once (lowercase, accents folded, apostrophes dropped) and split
//!    into sentences at `. ? ! ; :`. Inside long unpunctuated runs, a new question is
//!    detected where the word order starts one: a question word followed by a finite verb
//!    and a subject ("... wat deed jij toen"), a conjunction plus verb plus "je"
//!    ("... en heb je ..."), or an indirect-question frame ("ik vraag me af ...").
//! 2. Per sentence, after fillers and openers: a question word starts an open question,
//!    unless what follows makes it an embedded clause ("ik snap waarom je ...") or a
//!    pseudo-cleft ("wat mij opvalt is dat ..."); a finite verb followed by a subject is a
//!    yes/no (closed) question; invitations ("vertel eens", "kun je ... vertellen") are open;
//!    indirect questions ("ik ben benieuwd wat/of ...") are open/closed by their question
//!    word; tag questions and a bare question mark make a closed question.
//! 3. Cue families (multi-word token patterns with classes, gaps and anchors, indexed by
//!    their first word) give why, advice (statement directives and suggestive questions),
//!    blockers (empathy "je moet wel geschrokken zijn", own wishes "ik zou graag willen
//!    weten"), category, and the spelregel signals.
//!
//! Cost per utterance is a few microseconds: one pass of tokenisation with one hash lookup
//! per token, then array-indexed pattern candidates; nothing is compiled per call.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, bail};

use super::lang::{self, CORE_CLASSES, LangData, PATTERN_FAMILIES};
use super::types::{
    Classification, Evidence, Lang, LangHint, QuestionCategory, QuestionFocus, QuestionType,
};

// ---------------------------------------------------------------------------------------
// Small fast hasher for the vocabulary (short ASCII-ish keys).

#[derive(Clone, Copy)]
struct Fnv(u64);

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

type FnvBuild = BuildHasherDefault<Fnv>;

// ---------------------------------------------------------------------------------------
// Word classes: bit i is CORE_CLASSES[i]; further classes from the data follow.

const C_DETECT: u128 = 1 << 0;
const C_HESITATION: u128 = 1 << 1;
const C_OPENER: u128 = 1 << 2;
const C_INVERTING_OPENER: u128 = 1 << 3;
const C_WH: u128 = 1 << 4;
const C_WH_NP: u128 = 1 << 5;
const C_WHY_WH: u128 = 1 << 6;
const C_WH_PREP: u128 = 1 << 7;
const C_VERB: u128 = 1 << 8;
const C_IMPERATIVE: u128 = 1 << 9;
const C_SUBJECT: u128 = 1 << 10;
const C_PERSONAL: u128 = 1 << 11;
const C_FIRST_PERSON: u128 = 1 << 12;
const C_FIRST_PERSON_Q_VERB: u128 = 1 << 13;
const C_DETERMINER: u128 = 1 << 14;
const C_YOU: u128 = 1 << 15;
const C_EMBED_SUBJECT: u128 = 1 << 16;
const C_CONJUNCTION: u128 = 1 << 17;
const C_COPULA: u128 = 1 << 18;
const C_COMPLEMENTIZER: u128 = 1 << 19;
const C_IF: u128 = 1 << 20;
const C_NEGATION: u128 = 1 << 21;
const C_SUGGEST_MODAL: u128 = 1 << 22;
const C_SUGGEST_MARKER: u128 = 1 << 23;
const C_WHY_NO_ADVICE_VERB: u128 = 1 << 24;
const C_ADVERB: u128 = 1 << 25;
const C_NO_SPLIT_BEFORE: u128 = 1 << 26;
const C_SPEAKER: u128 = 1 << 27;
const C_STEM: u128 = 1 << 28;
const C_EXCLAIM_WH: u128 = 1 << 29;
const C_INFINITIVE_MARKER: u128 = 1 << 30;
const C_MISHEARD_WHY: u128 = 1 << 31;

// Pattern families: index into PATTERN_FAMILIES.
const F_WHY: u8 = 0;
const F_INDIRECT: u8 = 1;
const F_INVITATION: u8 = 2;
const F_TAG: u8 = 3;
const F_ELLIPTIC: u8 = 4;
const F_ADVICE: u8 = 5;
const F_ADVICE_Q: u8 = 6;
const F_ADVICE_BLOCKER: u8 = 7;
const F_CORRECTIVE: u8 = 8;
const F_CONTRADICTION: u8 = 9;
const F_CONTRADICTION_BLOCKER: u8 = 10;
const F_NOT_I: u8 = 11;
const F_GENERALITY: u8 = 12;
const F_CAT_SITUATION: u8 = 13;
const F_CAT_ACTIONS: u8 = 14;
const F_CAT_EXPERIENCE: u8 = 15;
const F_CAT_LEARNING: u8 = 16;
const F_STATEMENT: u8 = 17;

const NO_ID: u32 = u32::MAX;

/// One element of a cue pattern.
#[derive(Debug, Clone)]
enum Elem {
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
struct Pattern {
    family: u8,
    elems: Box<[Elem]>,
    at_start: bool,
    at_end: bool,
}

/// Compiled data of one language.
#[derive(Debug, Clone, Default)]
struct Compiled {
    /// Class bits per vocabulary id.
    bits: Vec<u128>,
    patterns: Vec<Pattern>,
    /// CSR index: patterns whose first element can match vocabulary id `i` are
    /// `index_flat[index_start[i]..index_start[i + 1]]`.
    index_start: Vec<u32>,
    index_flat: Vec<u32>,
    /// Patterns starting with a prefix/suffix element (tried everywhere).
    unindexed: Vec<u32>,
    verb_suffixes: Vec<String>,
    past_suffixes: Vec<String>,
    split_needs_conjunction: bool,
}

/// Rule-based classifier over the language data in `assets/lang/*.toml`.
#[derive(Debug, Clone)]
pub struct Classifier {
    vocab: HashMap<Box<str>, u32, FnvBuild>,
    /// Vocabulary ids of question words that may be glued from two split words.
    glue: std::collections::HashSet<u32, FnvBuild>,
    /// Index 0: Dutch, 1: English.
    langs: [Compiled; 2],
    data: [LangData; 2],
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier::new()
    }
}

fn lang_index(l: Lang) -> usize {
    match l {
        Lang::Nl => 0,
        Lang::En => 1,
    }
}

impl Classifier {
    /// Classifier with the built-in Dutch and English language data.
    pub fn new() -> Classifier {
        let nl = LangData::builtin(Lang::Nl).unwrap_or_default();
        let en = LangData::builtin(Lang::En).unwrap_or_default();
        match Classifier::from_data(nl, en) {
            Ok(c) => c,
            // The built-in data is checked by tests; this fallback only guards against a
            // broken build and keeps the no-panic promise.
            Err(_) => Classifier::from_data(LangData::default(), LangData::default())
                .unwrap_or_else(|_| Classifier::empty()),
        }
    }

    /// A process-wide classifier with the built-in data (built on first use).
    pub fn shared() -> &'static Classifier {
        static SHARED: OnceLock<Classifier> = OnceLock::new();
        SHARED.get_or_init(Classifier::new)
    }

    fn empty() -> Classifier {
        Classifier {
            vocab: HashMap::default(),
            glue: Default::default(),
            langs: [Compiled::default(), Compiled::default()],
            data: [LangData::default(), LangData::default()],
        }
    }

    /// Built-in data extended with a trainer's TOML file (same schema as
    /// `assets/lang/*.toml`, `lang = "nl"|"en"` at the top; or a configuration file with
    /// `[lang.nl]` / `[lang.en]` tables). Its lists are appended to the built-in ones.
    pub fn with_extra_lang_file(path: impl AsRef<Path>) -> anyhow::Result<Classifier> {
        let path = path.as_ref();
        let extra = lang::load_extra_file(path)?;
        Classifier::with_extra(extra).with_context(|| format!("{}", path.display()))
    }

    /// Built-in data extended with language data given as TOML text.
    pub fn with_extra_lang_toml(text: &str) -> anyhow::Result<Classifier> {
        Classifier::with_extra(lang::parse_extra(text)?)
    }

    /// Built-in data extended with already parsed language data.
    pub fn with_extra(extra: Vec<LangData>) -> anyhow::Result<Classifier> {
        let mut nl = LangData::builtin(Lang::Nl)?;
        let mut en = LangData::builtin(Lang::En)?;
        for d in extra {
            match d.lang {
                Some(Lang::Nl) => nl.extend(d),
                Some(Lang::En) => en.extend(d),
                None => bail!("language data without `lang = \"nl\"` or `lang = \"en\"`"),
            }
        }
        Classifier::from_data(nl, en)
    }

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
        let glue = (0..n)
            .filter(|&id| (langs[0].bits[id] | langs[1].bits[id]) & C_WH != 0)
            .map(|id| id as u32)
            .collect();
        Ok(Classifier {
            vocab,
            glue,
            langs,
            data: [nl, en],
        })
    }

    /// The (merged) language data of a language.
    pub fn lang_data(&self, lang: Lang) -> &LangData {
        &self.data[lang_index(lang)]
    }

    /// Decides the language of a text by counting typical function words.
    pub fn detect_lang(&self, text: &str) -> Lang {
        let t = tokenize(text, &self.vocab, &self.glue);
        self.detect_tokens(&t)
    }

    fn detect_tokens(&self, t: &Tokens) -> Lang {
        let (mut nl, mut en) = (0u32, 0u32);
        for tok in &t.toks {
            if tok.id == NO_ID {
                continue;
            }
            let id = tok.id as usize;
            if self.langs[0]
                .bits
                .get(id)
                .is_some_and(|b| b & C_DETECT != 0)
            {
                nl += 1;
            }
            if self.langs[1]
                .bits
                .get(id)
                .is_some_and(|b| b & C_DETECT != 0)
            {
                en += 1;
            }
        }
        if en > nl {
            return Lang::En;
        }
        if nl > en {
            return Lang::Nl;
        }
        // Tie: letter patterns typical for each language.
        let (mut snl, mut sen) = (0u32, 0u32);
        for tok in &t.toks {
            let w = &t.norm[tok.norm.0 as usize..tok.norm.1 as usize];
            for pat in ["ij", "oe", "aa", "ee", "uu", "sch", "cht"] {
                if w.contains(pat) {
                    snl += 1;
                }
            }
            for pat in ["th", "wh", "sh", "ing", "ou", "ck"] {
                if w.contains(pat) {
                    sen += 1;
                }
            }
        }
        if sen > snl { Lang::En } else { Lang::Nl }
    }

    /// Classifies one utterance.
    pub fn classify(&self, text: &str, hint: LangHint) -> Classification {
        let toks = tokenize(text, &self.vocab, &self.glue);
        let lang = match hint {
            LangHint::Fixed(l) => l,
            LangHint::Auto => self.detect_tokens(&toks),
        };
        let c = &self.langs[lang_index(lang)];
        Analysis::new(c, &toks, text).run(lang)
    }
}

fn compile_elem(
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
enum RawElem {
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
struct RawPattern {
    elems: Vec<RawElem>,
    at_start: bool,
    at_end: bool,
}

impl RawPattern {
    fn parse(s: &str) -> anyhow::Result<RawPattern> {
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

// ---------------------------------------------------------------------------------------
// Tokenisation.

#[derive(Debug, Clone, Copy)]
struct Tok {
    /// Byte range in the original text.
    span: (usize, usize),
    /// Byte range in `Tokens::norm`.
    norm: (u32, u32),
    id: u32,
    /// A comma follows ("klopt, dat herken ik").
    comma_after: bool,
}

#[derive(Debug, Clone, Copy)]
struct HardSeg {
    start: usize,
    end: usize,
    qmark: bool,
    /// Follows a colon (reported speech or thought may follow).
    after_colon: bool,
}

#[derive(Debug, Default)]
struct Tokens {
    norm: String,
    toks: Vec<Tok>,
    segs: Vec<HardSeg>,
}

fn fold(c: char) -> char {
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

fn push_norm(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        for l in c.to_lowercase() {
            out.push(fold(l));
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´' | 'ʼ')
}

fn is_hyphen(c: char) -> bool {
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
fn is_clitic_pair(prev: &str, clitic: &str) -> bool {
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

/// Whether `joined` (two adjacent words written together) is a question word a recogniser
/// tends to split: "waar om" -> "waarom", "hoe zo" -> "hoezo".
fn is_split_word(
    joined: &str,
    vocab: &HashMap<Box<str>, u32, FnvBuild>,
    glue: &std::collections::HashSet<u32, FnvBuild>,
) -> bool {
    joined.len() >= 5 && vocab.get(joined).is_some_and(|id| glue.contains(id))
}

fn tokenize(
    text: &str,
    vocab: &HashMap<Box<str>, u32, FnvBuild>,
    glue: &std::collections::HashSet<u32, FnvBuild>,
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
                    || is_split_word(&t.norm[prev.norm.0 as usize..ne], vocab, glue))
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

// ---------------------------------------------------------------------------------------
// Analysis of one utterance.

/// A cleaned token: hesitations dropped, repeats collapsed.
#[derive(Debug, Clone, Copy)]
struct CTok {
    tok: usize,
    id: u32,
    bits: u128,
    comma_after: bool,
}

/// A sentence (hard segment or a question detected inside a run).
#[derive(Debug, Clone, Copy)]
struct Sub {
    /// First token.
    a: usize,
    /// First content token (after openers).
    c: usize,
    /// End (exclusive).
    b: usize,
    /// An inverting opener ("dus", "toen") was skipped: verb-first is no question.
    inverted: bool,
    /// The sentence ends with a question mark.
    qmark: bool,
    /// The sentence follows a colon.
    after_colon: bool,
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    family: u8,
    s: usize,
    e: usize,
    anchored: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    None,
    Wh,
    VerbFirst,
    Frame,
    Invitation,
    Elliptic,
    Tag,
    QMark,
}

#[derive(Debug, Clone)]
struct SubResult {
    q: QuestionType,
    shape: Shape,
    why: bool,
    advice: bool,
    tag_only: bool,
    q_conf: f32,
    a_conf: f32,
    category: Option<QuestionCategory>,
    /// Token span of the cue that decided the category.
    category_cue: Option<(usize, usize)>,
}

struct Analysis<'a> {
    c: &'a Compiled,
    t: &'a Tokens,
    text: &'a str,
    ct: Vec<CTok>,
    evidence: Vec<Evidence>,
}

impl<'a> Analysis<'a> {
    fn new(c: &'a Compiled, t: &'a Tokens, text: &'a str) -> Analysis<'a> {
        Analysis {
            c,
            t,
            text,
            ct: Vec::with_capacity(t.toks.len()),
            evidence: Vec::new(),
        }
    }

    fn bits_of(&self, id: u32) -> u128 {
        if id == NO_ID {
            0
        } else {
            self.c.bits.get(id as usize).copied().unwrap_or(0)
        }
    }

    fn word(&self, i: usize) -> &str {
        let tok = &self.t.toks[self.ct[i].tok];
        &self.t.norm[tok.norm.0 as usize..tok.norm.1 as usize]
    }

    fn has(&self, i: usize, mask: u128) -> bool {
        i < self.ct.len() && self.ct[i].bits & mask != 0
    }

    /// Original text of cleaned tokens `s..e`.
    fn surface(&self, s: usize, e: usize) -> String {
        if s >= e || e > self.ct.len() {
            return String::new();
        }
        let a = self.t.toks[self.ct[s].tok].span.0;
        let b = self.t.toks[self.ct[e - 1].tok].span.1;
        self.text.get(a..b).unwrap_or_default().to_string()
    }

    fn add_evidence(&mut self, label: &str, s: usize, e: usize) {
        let cue = self.surface(s, e);
        self.add_evidence_text(label, cue);
    }

    fn add_evidence_text(&mut self, label: &str, cue: String) {
        if cue.is_empty() {
            return;
        }
        if self
            .evidence
            .iter()
            .any(|ev| ev.label == label && ev.cue == cue)
        {
            return;
        }
        self.evidence.push(Evidence {
            label: label.to_string(),
            cue,
        });
    }

    fn run(mut self, lang: Lang) -> Classification {
        // Clean: drop hesitations and immediate repeats; map hard segments.
        let mut segs: Vec<(usize, usize, bool, bool)> = Vec::with_capacity(self.t.segs.len());
        for hs in &self.t.segs {
            let start = self.ct.len();
            let mut prev: Option<&str> = None;
            for ti in hs.start..hs.end {
                let tok = self.t.toks[ti];
                let bits = self.bits_of(tok.id);
                if bits & C_HESITATION != 0 {
                    continue;
                }
                let w = &self.t.norm[tok.norm.0 as usize..tok.norm.1 as usize];
                if prev == Some(w) && w.chars().all(char::is_alphabetic) {
                    continue;
                }
                prev = Some(w);
                self.ct.push(CTok {
                    tok: ti,
                    id: tok.id,
                    bits,
                    comma_after: tok.comma_after,
                });
            }
            if self.ct.len() > start {
                segs.push((start, self.ct.len(), hs.qmark, hs.after_colon));
            }
        }
        let mut out = Classification {
            lang,
            ..Default::default()
        };
        if self.ct.is_empty() {
            out.confidence = 1.0;
            return out;
        }
        // Sentences.
        let mut subs: Vec<Sub> = Vec::with_capacity(segs.len() + 2);
        for &(a, b, q, colon) in &segs {
            let starts = self.split_points(a, b);
            for (k, &s) in starts.iter().enumerate() {
                let e = starts.get(k + 1).copied().unwrap_or(b);
                let (c, inverted) = self.content_start(s, e);
                subs.push(Sub {
                    a: s,
                    c,
                    b: e,
                    inverted,
                    qmark: q && e == b,
                    after_colon: colon && k == 0,
                });
            }
        }
        // Per-sentence analysis.
        let mut hits: Vec<Hit> = Vec::new();
        let mut results: Vec<SubResult> = Vec::with_capacity(subs.len());
        let mut contradiction_hits: Vec<Hit> = Vec::new();
        for (si, sub) in subs.iter().enumerate() {
            hits.clear();
            self.collect_hits(sub, &mut hits);
            let prev_question = si > 0 && results[si - 1].q != QuestionType::None;
            let r = self.analyze_sub(sub, &hits, prev_question);
            // Spelregel signals.
            for h in &hits {
                match h.family {
                    F_GENERALITY => {
                        out.generality = true;
                        self.add_evidence("generality", h.s, h.e);
                    }
                    F_CORRECTIVE => {
                        out.corrective = true;
                        self.add_evidence("corrective", h.s, h.e);
                    }
                    F_NOT_I if r.q == QuestionType::None => {
                        out.not_i = true;
                        self.add_evidence("not_i", h.s, h.e);
                    }
                    F_CONTRADICTION => contradiction_hits.push(*h),
                    _ => {}
                }
            }
            let mut last_end = 0usize;
            for h in contradiction_hits.drain(..) {
                if h.s < last_end {
                    continue;
                }
                let blocked = hits
                    .iter()
                    .any(|b| b.family == F_CONTRADICTION_BLOCKER && b.s <= h.s && h.s < b.e);
                if !blocked {
                    last_end = h.e;
                    out.contradiction = true;
                    self.add_evidence("contradiction", h.s, h.e);
                }
            }
            results.push(r);
        }
        // Combine.
        let mut q_conf = 0.85f32;
        let mut a_conf = 1.0f32;
        let mut decided = false;
        for r in &results {
            if r.q != QuestionType::None && !r.tag_only {
                out.questions += 1;
            }
            if r.q == QuestionType::Open {
                out.question = QuestionType::Open;
            } else if r.q == QuestionType::Closed && out.question == QuestionType::None {
                out.question = QuestionType::Closed;
            }
            if r.q != QuestionType::None {
                if !decided {
                    q_conf = r.q_conf;
                    decided = true;
                } else {
                    q_conf = q_conf.max(r.q_conf);
                }
                if out.category.is_none() && !r.tag_only {
                    out.category = r.category;
                    if let Some((s, e)) = r.category_cue {
                        self.add_evidence("category", s, e);
                    }
                }
            }
            out.why |= r.why;
            if r.advice {
                out.advice = true;
                a_conf = a_conf.min(r.a_conf);
            }
        }
        if out.question != QuestionType::None && out.questions == 0 {
            out.questions = 1;
        }
        out.focus = out.category.map(|c| match c {
            QuestionCategory::Experience | QuestionCategory::Learning => QuestionFocus::Experience,
            _ => QuestionFocus::Informative,
        });
        if let Some(cat) = out.category {
            let name = match cat {
                QuestionCategory::Situation => "situation",
                QuestionCategory::Actions => "actions",
                QuestionCategory::Experience => "experience",
                QuestionCategory::Learning => "learning",
            };
            if !self.evidence.iter().any(|e| e.label == "category") {
                // No cue word: the category follows from the default rule.
                self.add_evidence_text("category", name.to_string());
            }
        }
        let short = self.ct.len() < 3 && !results.iter().any(|r| r.shape == Shape::Wh);
        let mut conf = q_conf.min(a_conf);
        if short {
            conf = conf.min(0.75);
        }
        out.confidence = (conf * 100.0).round() / 100.0;
        out.evidence = std::mem::take(&mut self.evidence);
        out
    }

    /// Skips openers; returns the first content token and whether an inverting opener was
    /// skipped.
    fn content_start(&self, a: usize, b: usize) -> (usize, bool) {
        let mut c = a;
        let mut inverted = false;
        while c < b && self.has(c, C_OPENER | C_INVERTING_OPENER) {
            // Keep a final opener as content when nothing follows ("ja.", "nee").
            if c + 1 == b {
                break;
            }
            // "nou wat ..." vs "dan moet je": an inverting opener inverts.
            if self.has(c, C_INVERTING_OPENER) {
                inverted = true;
            }
            c += 1;
        }
        (c, inverted)
    }

    /// Where new sentences start inside a hard segment `a..b`.
    fn split_points(&self, a: usize, b: usize) -> Vec<usize> {
        let mut starts = vec![a];
        if b - a < 4 {
            return starts;
        }
        let mut i = a + 1;
        while i < b {
            let last = *starts.last().unwrap_or(&a);
            let (lc, _) = self.content_start(last, b);
            // At least two content words before a new question can start.
            if i >= lc + 2 && !self.awaits_verb(lc, i) && self.starts_question_midrun(i, b) {
                starts.push(i);
                i += 2;
                continue;
            }
            i += 1;
        }
        starts
    }

    /// The sentence from `c` is a question-word phrase still waiting for its verb ("for
    /// what reason | did you ..."): a verb at `i` belongs to it.
    fn awaits_verb(&self, c: usize, i: usize) -> bool {
        let Some(w) = self.wh_start(c, i) else {
            return false;
        };
        !self.has(i, C_WH) && !(w + 1..i).any(|k| self.has(k, C_VERB))
    }

    fn starts_question_midrun(&self, i: usize, b: usize) -> bool {
        let prev = i - 1;
        // Indirect question frame ("... ik vraag me af ...").
        if self.frame_at(i, b).is_some() && !self.has(prev, C_NO_SPLIT_BEFORE) {
            return true;
        }
        if self.has(prev, C_NO_SPLIT_BEFORE) {
            return false;
        }
        // Question word + finite verb + subject ("... wat deed jij toen").
        if self.has(i, C_WH) {
            let mut v = i + 1;
            if self.has(i, C_WH_NP) {
                v += 1;
            }
            if v + 1 < b
                && self.has(v, C_VERB)
                && self.has(v + 1, C_SUBJECT | C_DETERMINER)
                && !self.has(v + 1, C_FIRST_PERSON | C_SPEAKER)
            {
                return true;
            }
            return false;
        }
        // Conjunction + verb + addressee ("... en heb je ...").
        if i + 1 < b && self.has(i, C_VERB) && self.has(i + 1, C_PERSONAL) {
            if self.has(prev, C_CONJUNCTION) {
                return self.has(i + 1, C_YOU) || !self.c.split_needs_conjunction;
            }
            if !self.c.split_needs_conjunction
                && !self.has(prev, C_WH | C_VERB | C_SUBJECT | C_WH_PREP)
                && !self.has(i + 1, C_FIRST_PERSON)
            {
                return true;
            }
        }
        false
    }

    /// An indirect-question frame starting at `p`: returns its end.
    fn frame_at(&self, p: usize, b: usize) -> Option<usize> {
        let id = self.ct[p].id;
        let cands = self.candidates(id);
        for &pi in cands {
            let pat = &self.c.patterns[pi as usize];
            if pat.family != F_INDIRECT {
                continue;
            }
            if let Some(e) = self.match_elems(&pat.elems, p, b, pat.at_end) {
                return Some(e);
            }
        }
        None
    }

    fn candidates(&self, id: u32) -> &[u32] {
        if id == NO_ID {
            return &[];
        }
        let i = id as usize;
        match (self.c.index_start.get(i), self.c.index_start.get(i + 1)) {
            (Some(&s), Some(&e)) => &self.c.index_flat[s as usize..e as usize],
            _ => &[],
        }
    }

    fn elem_matches(&self, e: &Elem, i: usize) -> bool {
        let ct = &self.ct[i];
        match e {
            Elem::Word(id) => ct.id == *id,
            Elem::Alts(ids) => ct.id != NO_ID && ids.contains(&ct.id),
            Elem::Class(mask) => ct.bits & mask != 0,
            Elem::Gap(_) => true,
            Elem::Opt(inner) => self.elem_matches(inner, i),
            Elem::Not(inner) => !self.elem_matches(inner, i),
            Elem::Prefix(p) => {
                let w = self.word(i);
                w.len() > p.len() && w.starts_with(&**p)
            }
            Elem::Suffix(s) => {
                let w = self.word(i);
                w.len() > s.len() && w.ends_with(&**s)
            }
        }
    }

    /// Matches pattern elements from `pos` within `..limit`; returns the end.
    fn match_elems(
        &self,
        elems: &[Elem],
        pos: usize,
        limit: usize,
        must_end: bool,
    ) -> Option<usize> {
        let Some((first, rest)) = elems.split_first() else {
            return if !must_end || pos == limit {
                Some(pos)
            } else {
                None
            };
        };
        match first {
            Elem::Not(inner) => {
                if pos < limit && self.elem_matches(inner, pos) {
                    None
                } else {
                    self.match_elems(rest, pos, limit, must_end)
                }
            }
            Elem::Opt(inner) => {
                if pos < limit
                    && self.elem_matches(inner, pos)
                    && let Some(e) = self.match_elems(rest, pos + 1, limit, must_end)
                {
                    return Some(e);
                }
                self.match_elems(rest, pos, limit, must_end)
            }
            Elem::Gap(g) => {
                for k in 0..=(*g as usize) {
                    if pos + k > limit {
                        break;
                    }
                    if let Some(e) = self.match_elems(rest, pos + k, limit, must_end) {
                        return Some(e);
                    }
                }
                None
            }
            e => {
                if pos < limit && self.elem_matches(e, pos) {
                    self.match_elems(rest, pos + 1, limit, must_end)
                } else {
                    None
                }
            }
        }
    }

    fn collect_hits(&self, sub: &Sub, hits: &mut Vec<Hit>) {
        for p in sub.a..sub.b {
            let id = self.ct[p].id;
            let cands = self.candidates(id);
            for &pi in cands.iter().chain(self.c.unindexed.iter()) {
                let pat = &self.c.patterns[pi as usize];
                if pat.at_start && p > sub.c {
                    continue;
                }
                if let Some(e) = self.match_elems(&pat.elems, p, sub.b, pat.at_end) {
                    hits.push(Hit {
                        family: pat.family,
                        s: p,
                        e,
                        anchored: pat.at_start,
                    });
                }
            }
        }
    }

    /// Matches one family at `p` ignoring start anchors (used after a frame).
    fn family_at(&self, family: u8, p: usize, b: usize) -> Option<usize> {
        if p >= b {
            return None;
        }
        for &pi in self.candidates(self.ct[p].id) {
            let pat = &self.c.patterns[pi as usize];
            if pat.family == family
                && let Some(e) = self.match_elems(&pat.elems, p, b, pat.at_end)
            {
                return Some(e);
            }
        }
        None
    }

    fn ends_with_any(&self, i: usize, suffixes: &[String]) -> bool {
        let w = self.word(i);
        suffixes
            .iter()
            .any(|s| !s.is_empty() && w.len() > s.len() + 1 && w.ends_with(s.as_str()))
    }

    fn analyze_sub(&mut self, sub: &Sub, hits: &[Hit], prev_question: bool) -> SubResult {
        let (a, c, b) = (sub.a, sub.c, sub.b);
        let first_hit = |f: u8| hits.iter().find(|h| h.family == f).copied();
        let mut r = SubResult {
            q: QuestionType::None,
            shape: Shape::None,
            why: false,
            advice: false,
            tag_only: false,
            q_conf: 0.85,
            a_conf: 1.0,
            category: None,
            category_cue: None,
        };
        let mut why_cue: Option<(usize, usize)> = None;
        let mut q_cue: Option<(usize, usize)> = None;
        let mut wh_pos: Option<usize> = None;

        // 1. Shape.
        // A permission frame ("mag ik iets vragen?", "can I ask something") without a
        // question word after it is just a yes/no question.
        let frame = first_hit(F_INDIRECT).filter(|f| {
            let n = f.e;
            let wh_next = n < b
                && (self.has(n, C_WH | C_WHY_WH | C_IF)
                    || (self.has(n, C_WH_PREP) && self.has(n + 1, C_WH)));
            wh_next || self.family_at(F_WHY, n, b).is_some() || !self.has(c, C_VERB)
        });
        if let Some(f) = frame {
            r.shape = Shape::Frame;
            r.q_conf = 0.85;
            q_cue = Some((f.s, f.e));
            let n = f.e;
            if n < b && self.has(n, C_WHY_WH) {
                r.q = QuestionType::Open;
                why_cue = Some((n, n + 1));
            } else if let Some(e) = self.family_at(F_WHY, n, b) {
                r.q = QuestionType::Open;
                why_cue = Some((n, e));
            } else if n < b && self.has(n, C_IF) {
                r.q = QuestionType::Closed;
            } else {
                r.q = QuestionType::Open;
            }
        } else if let Some(h) = hits
            .iter()
            .find(|h| h.family == F_INVITATION && !(h.s..h.e).any(|k| self.has(k, C_NEGATION)))
            .copied()
        {
            r.shape = Shape::Invitation;
            r.q = QuestionType::Open;
            r.q_conf = 0.85;
            q_cue = Some((h.s, h.e));
        } else if hits.iter().any(|h| h.family == F_STATEMENT && h.anchored) {
            // Fixed expressions that look like questions: "hoe dan ook", "wat mij betreft".
        } else if self.has(c, C_MISHEARD_WHY)
            && c + 2 < b
            && self.has(c + 1, C_VERB)
            && self.has(c + 2, C_SUBJECT)
        {
            // "maar om heb je dat gedaan": the recogniser's "(maar|waar) om" for "waarom";
            // the word stays where it is but counts as the why-word (its cue).
            r.shape = Shape::Wh;
            r.q = QuestionType::Open;
            r.q_conf = 0.7;
            q_cue = Some((c, c + 1));
            wh_pos = Some(c);
            why_cue = Some((c, c + 1));
        } else if let Some(w) = self.wh_start(c, b) {
            let embedded = !sub.qmark
                && !self.has(w, C_WH_NP)
                && w + 1 < b
                && self.has(w + 1, C_EMBED_SUBJECT)
                && self.family_at(F_WHY, c, b).is_none();
            // "what strikes me is that you ...": copula + "that" + a clause after the
            // question-word phrase (not "welke afspraak was dat precies").
            let np = usize::from(self.has(w, C_WH_NP));
            let cleft = !sub.qmark
                && (w + 2 + np..b.saturating_sub(2)).any(|k| {
                    self.has(k, C_COPULA)
                        && self.has(k + 1, C_COMPLEMENTIZER)
                        && self.has(k + 2, C_SUBJECT | C_DETERMINER | C_EMBED_SUBJECT)
                });
            // "waarom vragen kunnen oordelend overkomen": the question word is part of a
            // compound subject (a lost hyphen), the verb has no subject after it.
            let compound = !sub.qmark
                && !self.has(w, C_WH_NP)
                && w + 2 < b
                && self.ct[w + 1].bits & (C_VERB | C_SUBJECT | C_WH | C_DETERMINER | C_ADVERB) == 0
                && self.has(w + 2, C_VERB)
                && !self.has(w + 2, C_SUBJECT)
                && (w + 3 == b || !self.has(w + 3, C_SUBJECT | C_DETERMINER | C_VERB))
                && self.family_at(F_WHY, c, b).is_none();
            // "je dacht: waar ben ik aan begonnen" is a reported thought, not a question.
            let reported = !sub.qmark
                && sub.after_colon
                && (w + 1..(w + 3).min(b)).any(|k| self.has(k, C_SPEAKER));
            // "wat fijn dat je ...", "hoe jammer": an exclamation.
            let exclamation = !sub.qmark
                && self.has(w, C_EXCLAIM_WH)
                && w + 1 < b
                && !self.has(w + 1, C_VERB | C_WH)
                && !self.ends_with_any(w + 1, &self.c.verb_suffixes)
                && (w + 2 == b || self.has(w + 2, C_COMPLEMENTIZER))
                && self.family_at(F_WHY, c, b).is_none();
            // "wat hier gezegd wordt, blijft in deze groep", "hoe je het aanpakt, is aan
            // jou": a free relative as the subject; its verb comes last and is followed by
            // the main clause's verb (after a comma, or directly when punctuation is lost).
            let free_relative = !sub.qmark
                && !self.has(w, C_WH_NP | C_WHY_WH)
                && w + 1 < b
                && !self.has(w + 1, C_VERB)
                && (w + 2..b.saturating_sub(1)).any(|k| {
                    self.has(k, C_VERB)
                        && (self.has(k + 1, C_VERB)
                            || (self.ct[k].comma_after
                                && (self.has(k + 1, C_COMPLEMENTIZER | C_VERB))))
                })
                && self.family_at(F_WHY, c, b).is_none();
            if !embedded && !cleft && !reported && !exclamation && !compound && !free_relative {
                r.shape = Shape::Wh;
                r.q = QuestionType::Open;
                r.q_conf = 0.9;
                q_cue = Some((w, w + 1));
                wh_pos = Some(w);
                if self.has(w, C_WHY_WH) {
                    why_cue = Some((w, w + 1));
                }
            }
        } else if !sub.inverted && c + 1 < b {
            let next = self.ct[c + 1].bits;
            // "bel je haar nog?": an imperative-like stem before "je" is a question verb.
            let verb = self.has(c, C_VERB) || (self.has(c, C_IMPERATIVE) && next & C_YOU != 0);
            let subj = next & (C_SUBJECT | C_DETERMINER) != 0;
            let first_person_stmt =
                next & C_FIRST_PERSON != 0 && !self.has(c, C_FIRST_PERSON_Q_VERB) && !sub.qmark;
            let imperative = self.has(c, C_IMPERATIVE) && next & C_PERSONAL == 0;
            // A bare stem before a non-addressee is a topic-drop statement: "denk het wel",
            // "ben het met je eens" (a question would read "denkt hij", "is het").
            let stem_stmt = self.has(c, C_STEM) && next & C_YOU == 0 && !sub.qmark;
            // "klopt, dat herken ik": a comma between verb and "subject" breaks the pattern.
            let comma = self.ct[c].comma_after;
            if verb && subj && !first_person_stmt && !imperative && !stem_stmt && !comma {
                r.shape = Shape::VerbFirst;
                r.q = QuestionType::Closed;
                r.q_conf = 0.9;
                q_cue = Some((c, c + 2));
            } else if self.ct[c].bits == 0
                && !comma
                && !self.has(c, C_ADVERB)
                && self.word(c).len() >= 3
                && next & C_SUBJECT != 0
                && next & C_FIRST_PERSON == 0
                && self.ends_with_any(c, &self.c.verb_suffixes)
            {
                // Unknown word with a finite-verb ending + subject pronoun: "gebeurt dit".
                r.shape = Shape::VerbFirst;
                r.q = QuestionType::Closed;
                r.q_conf = 0.65;
                q_cue = Some((c, c + 2));
            }
        }
        // An advice statement starting at the verb ("moet je maar doen") is no question.
        if r.shape == Shape::VerbFirst
            && hits
                .iter()
                .any(|h| h.family == F_ADVICE && h.anchored && h.s == c && self.has(c, C_VERB))
        {
            r.shape = Shape::None;
            r.q = QuestionType::None;
            q_cue = None;
        }
        if r.shape == Shape::None {
            if let Some(h) = first_hit(F_ELLIPTIC).filter(|_| sub.qmark) {
                r.shape = Shape::Elliptic;
                r.q = QuestionType::Open;
                r.q_conf = 0.8;
                q_cue = Some((h.s, h.e));
            } else if let Some(h) = first_hit(F_TAG) {
                r.shape = Shape::Tag;
                r.q = QuestionType::Closed;
                r.q_conf = 0.8;
                q_cue = Some((h.s, h.e));
                r.tag_only = h.s <= c && prev_question;
            } else if sub.qmark {
                r.shape = Shape::QMark;
                r.q = QuestionType::Closed;
                r.q_conf = 0.7;
                r.tag_only = prev_question && b - c <= 2;
                self.add_evidence_text("question", "?".to_string());
            }
        }
        // "..., or did they?": a tag after a question adds no question of its own.
        if prev_question
            && hits
                .iter()
                .any(|h| h.family == F_TAG && h.s <= c && h.e == b)
        {
            r.tag_only = true;
        }
        let structural_question = matches!(
            r.shape,
            Shape::Wh | Shape::VerbFirst | Shape::Frame | Shape::Invitation
        );

        // 2. Why.
        if r.q != QuestionType::None
            && why_cue.is_none()
            && let Some(h) = first_hit(F_WHY)
        {
            why_cue = Some((h.s, h.e));
        }
        if let Some((s, e)) = why_cue
            && r.q != QuestionType::None
        {
            r.why = true;
            if r.q == QuestionType::Closed && r.shape != Shape::VerbFirst {
                r.q = QuestionType::Open;
            }
            self.add_evidence("why", s, e);
        }

        // 3. Advice.
        let mut advice_cues: Vec<(usize, usize, f32, bool)> = Vec::new(); // (s, e, conf, blockable)
        for h in hits {
            match h.family {
                F_ADVICE if !structural_question => {
                    advice_cues.push((h.s, h.e, 0.85, true));
                }
                F_ADVICE_Q => advice_cues.push((h.s, h.e, 0.85, false)),
                _ => {}
            }
        }
        // Generic suggestive question: modal + negation + marker ("kun je niet gewoon").
        if r.shape == Shape::VerbFirst && self.has(c, C_SUGGEST_MODAL) {
            let neg = (c..b).any(|k| self.has(k, C_NEGATION));
            let marker = (c + 1..b).find(|&k| self.has(k, C_SUGGEST_MARKER));
            if let (true, Some(m)) = (neg, marker) {
                let e = if m < c + 6 { m + 1 } else { c + 2 };
                advice_cues.push((c, e, 0.75, true));
            }
        }
        // Suggestive why: "waarom app je hem niet gewoon even", "why don't you".
        if r.why
            && let Some(w) = wh_pos.filter(|&w| self.has(w, C_WHY_WH))
        {
            let v = w + 1;
            // The negation must be in the main clause, not in an infinitive ("waarom
            // besloot je om het niet te melden").
            let clause_end = (v + 2..b)
                .find(|&k| self.has(k, C_INFINITIVE_MARKER))
                .unwrap_or(b);
            if v + 1 < b
                && !self.has(v, C_WHY_NO_ADVICE_VERB)
                && !self.ends_with_any(v, &self.c.past_suffixes)
                && self.has(v + 1, C_YOU)
                && (v..clause_end).any(|k| self.has(k, C_NEGATION))
            {
                advice_cues.push((w, v + 2, 0.75, false));
            }
        }
        // Imperative at the start: "bel haar gewoon even", "probeer eens".
        if !structural_question
            && c < b
            && self.has(c, C_IMPERATIVE)
            && !self.has(c + 1, C_PERSONAL | C_VERB)
            && first_hit(F_INVITATION).is_none()
        {
            advice_cues.push((c, c + 1, 0.65, true));
        }
        // Blockers (empathy, own wish, impersonal): cancel nearby blockable cues.
        let blockers: Vec<Hit> = hits
            .iter()
            .filter(|h| h.family == F_ADVICE_BLOCKER)
            .copied()
            .collect();
        advice_cues.retain(|&(s, e, _, blockable)| {
            !blockable
                || !blockers
                    .iter()
                    .any(|bl| bl.s <= e + 2 && bl.e >= s && bl.s + 1 >= s)
        });
        if r.shape == Shape::Frame || r.shape == Shape::Invitation {
            // "ik zou graag willen weten", "misschien kun je vertellen": asking, not advising.
            advice_cues.retain(|&(_, _, _, blockable)| !blockable);
        }
        if !advice_cues.is_empty() {
            advice_cues.sort_by_key(|a| (a.0, std::cmp::Reverse(a.1)));
            r.advice = true;
            r.a_conf = advice_cues.iter().map(|a| a.2).fold(0.0, f32::max);
            let mut last_end = 0usize;
            for &(s, e, _, _) in &advice_cues {
                // Overlapping cues ("zoudt ge niet" / "zoudt ge niet beter"): show one.
                if s < last_end && s >= a {
                    continue;
                }
                last_end = last_end.max(e);
                self.add_evidence("advice", s, e);
            }
        }

        // 4. Question evidence and category.
        if r.q != QuestionType::None {
            if let Some((s, e)) = q_cue {
                self.add_evidence("question", s, e);
            }
            let cat = [
                (F_CAT_LEARNING, QuestionCategory::Learning),
                (F_CAT_EXPERIENCE, QuestionCategory::Experience),
                (F_CAT_ACTIONS, QuestionCategory::Actions),
                (F_CAT_SITUATION, QuestionCategory::Situation),
            ]
            .into_iter()
            .find_map(|(f, cat)| first_hit(f).map(|h| (cat, h)));
            r.category = Some(match cat {
                Some((cat, h)) => {
                    r.category_cue = Some((h.s, h.e));
                    cat
                }
                None => {
                    if (a..b).any(|k| self.has(k, C_YOU)) {
                        QuestionCategory::Actions
                    } else {
                        QuestionCategory::Situation
                    }
                }
            });
        }
        r
    }

    /// The question word starting the sentence at content token `c`, if any (also after a
    /// preposition: "om welke reden", "met wie").
    fn wh_start(&self, c: usize, b: usize) -> Option<usize> {
        if c < b && self.has(c, C_WH) {
            return Some(c);
        }
        if c + 1 < b && self.has(c, C_WH_PREP) && self.has(c + 1, C_WH) {
            return Some(c + 1);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cl() -> &'static Classifier {
        Classifier::shared()
    }

    fn q(text: &str) -> Classification {
        cl().classify(text, LangHint::Auto)
    }

    #[test]
    fn constants_match_data_names() {
        let fams = [
            (F_WHY, "why"),
            (F_INDIRECT, "indirect_question"),
            (F_INVITATION, "invitation"),
            (F_TAG, "tag_question"),
            (F_ELLIPTIC, "elliptic_open"),
            (F_ADVICE, "advice"),
            (F_ADVICE_Q, "advice_question"),
            (F_ADVICE_BLOCKER, "advice_blocker"),
            (F_CORRECTIVE, "corrective"),
            (F_CONTRADICTION, "contradiction"),
            (F_CONTRADICTION_BLOCKER, "contradiction_blocker"),
            (F_NOT_I, "not_i"),
            (F_GENERALITY, "generality"),
            (F_CAT_SITUATION, "category_situation"),
            (F_CAT_ACTIONS, "category_actions"),
            (F_CAT_EXPERIENCE, "category_experience"),
            (F_CAT_LEARNING, "category_learning"),
            (F_STATEMENT, "statement"),
        ];
        for (i, n) in fams {
            assert_eq!(PATTERN_FAMILIES[i as usize], n);
        }
        let classes = [
            (C_DETECT, "detect"),
            (C_HESITATION, "hesitation"),
            (C_OPENER, "opener"),
            (C_INVERTING_OPENER, "inverting_opener"),
            (C_WH, "wh"),
            (C_WH_NP, "wh_np"),
            (C_WHY_WH, "why_wh"),
            (C_WH_PREP, "wh_prep"),
            (C_VERB, "verb"),
            (C_IMPERATIVE, "imperative"),
            (C_SUBJECT, "subject"),
            (C_PERSONAL, "personal"),
            (C_FIRST_PERSON, "first_person"),
            (C_FIRST_PERSON_Q_VERB, "first_person_question_verb"),
            (C_DETERMINER, "determiner"),
            (C_YOU, "you"),
            (C_EMBED_SUBJECT, "embed_subject"),
            (C_CONJUNCTION, "conjunction"),
            (C_COPULA, "copula"),
            (C_COMPLEMENTIZER, "complementizer"),
            (C_IF, "if"),
            (C_NEGATION, "negation"),
            (C_SUGGEST_MODAL, "suggest_modal"),
            (C_SUGGEST_MARKER, "suggest_marker"),
            (C_WHY_NO_ADVICE_VERB, "why_no_advice_verb"),
            (C_ADVERB, "adverb"),
            (C_NO_SPLIT_BEFORE, "no_split_before"),
            (C_SPEAKER, "speaker"),
            (C_STEM, "stem"),
            (C_EXCLAIM_WH, "exclaim_wh"),
            (C_INFINITIVE_MARKER, "infinitive_marker"),
            (C_MISHEARD_WHY, "misheard_why"),
        ];
        assert_eq!(classes.len(), CORE_CLASSES.len());
        for (mask, n) in classes {
            assert_eq!(CORE_CLASSES[mask.trailing_zeros() as usize], n);
        }
    }

    #[test]
    fn builtin_data_compiles() {
        let nl = LangData::builtin(Lang::Nl).unwrap();
        let en = LangData::builtin(Lang::En).unwrap();
        Classifier::from_data(nl, en).unwrap();
    }

    #[test]
    fn tokenizer_handles_apostrophes_hyphens_and_segments() {
        let c = cl();
        let t = tokenize("Don't go. Waarom-vragen? Zo'n 10.30 uur", &c.vocab, &c.glue);
        let words: Vec<&str> = t
            .toks
            .iter()
            .map(|k| &t.norm[k.norm.0 as usize..k.norm.1 as usize])
            .collect();
        assert_eq!(
            words,
            ["dont", "go", "waarom-vragen", "zon", "10.30", "uur"]
        );
        assert_eq!(t.segs.len(), 3);
        assert!(t.segs[1].qmark);
    }

    #[test]
    fn open_closed_none_basics() {
        assert_eq!(q("Wat gebeurde er toen?").question, QuestionType::Open);
        assert_eq!(q("heb je dat gemeld").question, QuestionType::Closed);
        assert_eq!(q("Ik ging naar huis.").question, QuestionType::None);
        assert_eq!(q("did you tell her").question, QuestionType::Closed);
        assert_eq!(q("what did she say").question, QuestionType::Open);
    }

    #[test]
    fn empty_and_odd_input_do_not_panic() {
        for s in [
            "",
            " ",
            "?",
            "...",
            "eh",
            "eh uhm",
            "😀",
            "ß",
            "İstanbul",
            "a-",
            "-a",
            "'",
            "\u{0}",
            "wat",
            "waarom",
            "heb",
            "je moet",
            "ja maar",
            "of wel",
            "?? !! ..",
        ] {
            let r = q(s);
            assert!(r.confidence >= 0.0 && r.confidence <= 1.0, "{s:?}");
        }
        assert_eq!(q("").question, QuestionType::None);
    }

    #[test]
    fn extra_lang_data_extends_lists() {
        let c = Classifier::with_extra_lang_toml(
            "lang = \"nl\"\n[patterns]\nadvice = [\"pak de telefoon\"]\n",
        )
        .unwrap();
        assert!(
            !cl()
                .classify("pak de telefoon", LangHint::Fixed(Lang::Nl))
                .advice
        );
        assert!(
            c.classify("pak de telefoon", LangHint::Fixed(Lang::Nl))
                .advice
        );
        assert!(
            Classifier::with_extra_lang_toml("lang = \"nl\"\n[patterns]\nadvice = [\"@nope x\"]\n")
                .is_err()
        );
    }

    #[test]
    fn detects_language() {
        assert_eq!(cl().detect_lang("waarom heb je dat gedaan"), Lang::Nl);
        assert_eq!(cl().detect_lang("why did you do that"), Lang::En);
        assert_eq!(cl().detect_lang("hoezo dan"), Lang::Nl);
        assert_eq!(cl().detect_lang("why not"), Lang::En);
    }
}
