//! Language knowledge of the utterance classifier, kept as data a trainer can read and
//! extend: `assets/lang/nl.toml` and `assets/lang/en.toml` are compiled into the binary, and a
//! trainer's own TOML file with the same schema can be appended at run time
//! (`observant classify --config FILE`).
//!
//! Schema (see the comments in the built-in files for the meaning of every list and the
//! pattern syntax: words, `a|b` alternatives, `@class`, `(optional)`, `*`/`**` gaps,
//! `pre*`/`*suf` affixes, `^` sentence start, `$` sentence end):
//!
//! ```toml
//! lang = "nl"                  # which language the lists extend
//! [words]                      # word classes; patterns refer to them as @name
//! wh = ["wat", "hoe"]
//! [patterns]                   # cue families; each entry is a small token pattern
//! advice = ["@you moet", "mijn tip"]
//! [shape]
//! verb_suffixes = ["t", "de"]
//! ```
//!
//! A general configuration file may instead hold the same tables under `[lang.nl]` and
//! `[lang.en]` (or `[nl]` / `[en]`), and/or point to a language file with
//! `[language] cues_file = "words.toml"` (relative to the configuration file); other keys
//! of such a file are ignored here.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde::Deserialize;

use super::types::Lang;
use observant_model::error::one_line_text;

/// Built-in Dutch (incl. Flemish) language data.
pub const NL_TOML: &str = include_str!("../../../assets/lang/nl.toml");
/// Built-in English language data.
pub const EN_TOML: &str = include_str!("../../../assets/lang/en.toml");

/// Pattern families the classifier understands (keys of the `[patterns]` table).
pub const PATTERN_FAMILIES: &[&str] = &[
    "why",
    "indirect_question",
    "invitation",
    "tag_question",
    "elliptic_open",
    "advice",
    "advice_question",
    "advice_blocker",
    "corrective",
    "contradiction",
    "contradiction_blocker",
    "not_i",
    "generality",
    "category_situation",
    "category_actions",
    "category_experience",
    "category_learning",
    "statement",
];

/// Word classes the classifier's sentence-shape rules rely on (keys of `[words]`). Further
/// classes may be defined freely for use in patterns.
pub const CORE_CLASSES: &[&str] = &[
    "detect",
    "hesitation",
    "opener",
    "inverting_opener",
    "wh",
    "wh_np",
    "why_wh",
    "wh_prep",
    "verb",
    "imperative",
    "subject",
    "personal",
    "first_person",
    "first_person_question_verb",
    "determiner",
    "you",
    "embed_subject",
    "conjunction",
    "copula",
    "complementizer",
    "if",
    "negation",
    "suggest_modal",
    "suggest_marker",
    "why_no_advice_verb",
    "adverb",
    "no_split_before",
    "speaker",
    "stem",
    "exclaim_wh",
    "infinitive_marker",
    "misheard_why",
];

/// Sentence-shape settings (`[shape]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shape {
    /// Endings of finite verbs: an unknown first word with such an ending, followed by a
    /// subject pronoun, is taken as the verb of a yes/no question ("gebeurt dit ...").
    #[serde(default)]
    pub verb_suffixes: Vec<String>,
    /// Endings of past-tense forms (a why-question in the past is not a suggestion).
    #[serde(default)]
    pub past_suffixes: Vec<String>,
    /// Mid-sentence questions may start after a verb-first pattern only after a conjunction
    /// (true for Dutch, where statements invert after adverbs) or anywhere (English).
    #[serde(default)]
    pub verb_first_split_needs_conjunction: Option<bool>,
}

/// One language's lists, as read from a TOML file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangData {
    /// Language these lists belong to.
    #[serde(default)]
    pub lang: Option<Lang>,
    /// Human-readable name of the data set.
    #[serde(default)]
    pub name: Option<String>,
    /// Word classes (lists of single words).
    #[serde(default)]
    pub words: BTreeMap<String, Vec<String>>,
    /// Cue families (lists of token patterns).
    #[serde(default)]
    pub patterns: BTreeMap<String, Vec<String>>,
    /// Sentence-shape settings.
    #[serde(default)]
    pub shape: Shape,
}

impl LangData {
    /// Parses one language file.
    pub fn parse(text: &str) -> anyhow::Result<LangData> {
        let data: LangData =
            toml::from_str(text).map_err(|e| anyhow::anyhow!(one_line_text(&e)))?;
        data.validate()?;
        Ok(data)
    }

    /// The built-in data of a language.
    pub fn builtin(lang: Lang) -> anyhow::Result<LangData> {
        let text = match lang {
            Lang::Nl => NL_TOML,
            Lang::En => EN_TOML,
        };
        let mut d = LangData::parse(text).with_context(|| format!("built-in {lang:?} data"))?;
        d.lang = Some(lang);
        Ok(d)
    }

    /// Appends every list of `other` to this one (a trainer's extension file).
    pub fn extend(&mut self, other: LangData) {
        for (k, v) in other.words {
            self.words.entry(k).or_default().extend(v);
        }
        for (k, v) in other.patterns {
            self.patterns.entry(k).or_default().extend(v);
        }
        self.shape.verb_suffixes.extend(other.shape.verb_suffixes);
        self.shape.past_suffixes.extend(other.shape.past_suffixes);
        if other.shape.verb_first_split_needs_conjunction.is_some() {
            self.shape.verb_first_split_needs_conjunction =
                other.shape.verb_first_split_needs_conjunction;
        }
    }

    /// The words of a class (empty when the class is not defined).
    pub fn class(&self, name: &str) -> &[String] {
        self.words.get(name).map(|v| v.as_slice()).unwrap_or(&[])
    }

    /// Checks the pattern family names, so a typo in a trainer's file is reported.
    pub fn validate(&self) -> anyhow::Result<()> {
        for k in self.patterns.keys() {
            if !PATTERN_FAMILIES.contains(&k.as_str()) {
                bail!(
                    "unknown pattern family [patterns] {k:?} (known: {})",
                    PATTERN_FAMILIES.join(", ")
                );
            }
        }
        Ok(())
    }
}

/// Parses extra language data from TOML text: a language file (`lang = "nl"` plus
/// `[words]`/`[patterns]`) or a configuration file holding `[lang.nl]`/`[lang.en]` (or
/// `[nl]`/`[en]`) tables; a configuration file without any of these yields no extensions.
/// (Reading the files, and a configuration's `[language] cues_file`, is the store's job:
/// `observant_store::setup`.)
pub fn parse_extra(text: &str) -> anyhow::Result<Vec<LangData>> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| anyhow::anyhow!(one_line_text(&e)))?;
    let mut out = Vec::new();
    match table.get("lang") {
        Some(toml::Value::String(_)) => {
            let d = LangData::parse(text)?;
            out.push(d);
            return Ok(out);
        }
        Some(toml::Value::Table(t)) => {
            collect_lang_tables(t, "lang.", &mut out)?;
        }
        _ => {}
    }
    collect_lang_tables(&table, "", &mut out)?;
    if out.is_empty() && (table.contains_key("words") || table.contains_key("patterns")) {
        bail!("language data needs `lang = \"nl\"` or `lang = \"en\"` at the top");
    }
    Ok(out)
}

fn collect_lang_tables(
    t: &toml::Table,
    prefix: &str,
    out: &mut Vec<LangData>,
) -> anyhow::Result<()> {
    for (key, lang) in [("nl", Lang::Nl), ("en", Lang::En)] {
        if let Some(v) = t.get(key) {
            let mut d: LangData = v.clone().try_into().map_err(|e: toml::de::Error| {
                anyhow::anyhow!("[{prefix}{key}]: {}", one_line_text(&e))
            })?;
            d.validate().with_context(|| format!("[{prefix}{key}]"))?;
            d.lang = Some(lang);
            out.push(d);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_files_parse_and_have_core_classes() {
        for lang in [Lang::Nl, Lang::En] {
            let d = LangData::builtin(lang).unwrap();
            for c in CORE_CLASSES {
                assert!(d.words.contains_key(*c), "{lang:?} lacks [words] {c}");
            }
        }
    }

    #[test]
    fn extra_file_forms() {
        let one = parse_extra("lang = \"nl\"\n[patterns]\nadvice = [\"doe dat\"]\n").unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].lang, Some(Lang::Nl));
        let cfg = parse_extra(
            "[thresholds]\nx = 1\n[lang.en.patterns]\nadvice = [\"go for it\"]\n[lang.nl.words]\nwh = [\"wa\"]\n",
        )
        .unwrap();
        assert_eq!(cfg.len(), 2);
        assert!(parse_extra("[thresholds]\nx = 1\n").unwrap().is_empty());
        assert!(parse_extra("lang = \"nl\"\n[patterns]\nadvise = [\"x\"]\n").is_err());
        assert!(parse_extra("[patterns]\nadvice = [\"x\"]\n").is_err());
        assert!(parse_extra("lang = \"fr\"\n").is_err());
        assert!(parse_extra("not toml [").is_err());
    }
}
