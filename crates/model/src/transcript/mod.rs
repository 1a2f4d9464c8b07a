//! Transcript data model shared by every stage: participants with roles, timed utterances,
//! and the optional method with its step marks. Parsing from JSON / WebVTT / SRT lives in
//! [`parse`]; everything here is plain data with no I/O.

pub mod export;
pub mod parse;

use serde::{Deserialize, Serialize};

/// A participant's role in an intervisie session (Dutch names in data, English aliases accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[serde(alias = "Facilitator")]
    Facilitator,
    #[serde(alias = "presenter", alias = "case presenter", alias = "Inbrenger")]
    Inbrenger,
    #[serde(alias = "participant", alias = "Deelnemer")]
    Deelnemer,
    #[serde(alias = "observer", alias = "Observant")]
    Observant,
}

impl Role {
    /// Parses a role name or alias, case-insensitively.
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_lowercase().as_str() {
            "facilitator" | "begeleider" | "voorzitter" => Some(Role::Facilitator),
            "inbrenger" | "presenter" | "case presenter" | "casusinbrenger" => {
                Some(Role::Inbrenger)
            }
            "deelnemer" | "participant" => Some(Role::Deelnemer),
            "observant" | "observer" | "waarnemer" => Some(Role::Observant),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Facilitator => "facilitator",
            Role::Inbrenger => "inbrenger",
            Role::Deelnemer => "deelnemer",
            Role::Observant => "observant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub name: String,
    pub role: Role,
}

impl Participant {
    /// A participant called `name` in `role`.
    pub fn new(name: impl Into<String>, role: Role) -> Participant {
        Participant {
            name: name.into(),
            role,
        }
    }
}

/// One stretch of speech by one speaker. Times are seconds from the session start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    pub start: f64,
    pub end: f64,
    pub speaker: String,
    pub text: String,
    /// Transcriber confidence in 0..1 (audio input only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Words the recogniser was unsure of (lowercase, audio input only): a label that rests
    /// on one of them is shown as uncertain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain_words: Vec<String>,
    /// Where the speech itself starts and ends (seconds), when `start`/`end` were moved
    /// into the pauses around it: a short pause between two lines is shared between them,
    /// so the lines tile the talk; the pause after a question is measured from these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<(f64, f64)>,
}

/// How a word is kept in [`Utterance::uncertain_words`]: lowercase, without punctuation.
pub fn uncertain_key(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '\'')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The facilitator moved to method step `step` (1-based) at time `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepMark {
    pub step: u32,
    pub start: f64,
}

/// A whole session's transcript (contract format, plus optional extensions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    pub utterances: Vec<Utterance>,
    /// Method (werkvorm) id, see `analysis::methods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// When the facilitator advanced the method's steps (extension to the contract).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepMark>,
}

impl Transcript {
    /// Role of a speaker, if the speaker is a known participant.
    pub fn role_of(&self, speaker: &str) -> Option<Role> {
        self.participants
            .iter()
            .find(|p| p.name == speaker)
            .map(|p| p.role)
    }
    /// Name of the inbrenger, if known.
    pub fn inbrenger(&self) -> Option<&str> {
        self.participants
            .iter()
            .find(|p| p.role == Role::Inbrenger)
            .map(|p| p.name.as_str())
    }
}

/// Replaces every participant name by its role (with a letter when a role occurs more than
/// once: "deelnemer A", "deelnemer B"), in speakers, participants and in the text itself.
/// Unknown speakers (S1, S2 from attribution) keep their labels.
pub fn pseudonymize(t: &mut Transcript) {
    let mut counts: std::collections::HashMap<Role, usize> = Default::default();
    for p in &t.participants {
        *counts.entry(p.role).or_default() += 1;
    }
    let mut seen: std::collections::HashMap<Role, usize> = Default::default();
    let mut map: Vec<(String, String)> = Vec::new();
    for p in &t.participants {
        let n = seen.entry(p.role).or_default();
        let alias = if counts[&p.role] > 1 {
            format!("{} {}", p.role.as_str(), (b'A' + (*n % 26) as u8) as char)
        } else {
            p.role.as_str().to_string()
        };
        *n += 1;
        map.push((p.name.clone(), alias));
    }
    // Longest names first, so "Jan" does not eat into "Janneke".
    map.sort_by_key(|b| std::cmp::Reverse(b.0.len()));
    for p in &mut t.participants {
        if let Some((_, a)) = map.iter().find(|(n, _)| *n == p.name) {
            p.name = a.clone();
        }
    }
    for u in &mut t.utterances {
        if let Some((_, a)) = map.iter().find(|(n, _)| *n == u.speaker) {
            u.speaker = a.clone();
        }
        u.text = replace_names(&u.text, &map);
    }
}

/// Replaces whole-word occurrences of names (case-insensitive, Unicode word boundaries).
pub fn replace_names(text: &str, map: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (name, alias) in map {
        if name.trim().is_empty() {
            continue;
        }
        let pattern = format!(r"(?i)\b{}\b", regex::escape(name.trim()));
        if let Ok(re) = regex::Regex::new(&pattern) {
            out = re.replace_all(&out, regex::NoExpand(alias)).into_owned();
        }
    }
    out
}
