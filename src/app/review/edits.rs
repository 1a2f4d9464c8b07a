//! Review edits: what an observer or trainer corrects after the session (rename or merge a
//! speaker, fix a line's text or speaker, mark a flag right or wrong). Each edit is plain
//! data, kept in order and applied to the loaded transcript by pure functions; the original
//! session files are never rewritten.

use serde::{Deserialize, Serialize};

use crate::analysis::{Flag, FlagKind};
use crate::session::FlagVerdict;
use crate::transcript::Transcript;

/// A verdict belongs to a flag of its kind starting within this many seconds (as the report
/// matches them).
pub const VERDICT_TOLERANCE_SECONDS: f64 = 0.05;

/// One correction made in review. Utterance indices refer to the transcript in time order
/// (as [`super::ReviewDoc`] loads it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Edit {
    /// Give a speaker another name everywhere (participants list included).
    RenameSpeaker { from: String, to: String },
    /// Two labels are one person: every line of `from` becomes `into`'s.
    MergeSpeakers { from: String, into: String },
    /// This line was said by someone else.
    SetSpeaker { index: usize, speaker: String },
    /// This line's text was misheard.
    EditText { index: usize, text: String },
    /// The flag of `kind` starting at `start` is right (`Some(true)`), wrong (`Some(false)`,
    /// left out of counts and the report) or undecided again (`None`).
    Verdict {
        kind: FlagKind,
        start: f64,
        correct: Option<bool>,
    },
}

/// Renames `from` to `to` in utterances and participants; when `to` is already a
/// participant, `from`'s participant entry is dropped (a merge keeps one entry).
fn relabel(t: &mut Transcript, from: &str, to: &str) {
    if from == to || to.trim().is_empty() {
        return;
    }
    for u in &mut t.utterances {
        if u.speaker == from {
            u.speaker = to.to_string();
        }
    }
    if t.participants.iter().any(|p| p.name == to) {
        t.participants.retain(|p| p.name != from);
    } else {
        for p in &mut t.participants {
            if p.name == from {
                p.name = to.to_string();
            }
        }
    }
}

/// Applies one edit to a transcript and the verdict list.
pub fn apply(t: &mut Transcript, verdicts: &mut Vec<FlagVerdict>, e: &Edit) {
    match e {
        Edit::RenameSpeaker { from, to } => relabel(t, from, to.trim()),
        Edit::MergeSpeakers { from, into } => relabel(t, from, into),
        Edit::SetSpeaker { index, speaker } => {
            if let Some(u) = t.utterances.get_mut(*index)
                && !speaker.trim().is_empty()
            {
                u.speaker = speaker.trim().to_string();
            }
        }
        Edit::EditText { index, text } => {
            if let Some(u) = t.utterances.get_mut(*index) {
                u.text = text.clone();
            }
        }
        Edit::Verdict {
            kind,
            start,
            correct,
        } => {
            verdicts.retain(|v| {
                !(v.kind == *kind && (v.start - start).abs() <= VERDICT_TOLERANCE_SECONDS)
            });
            if let Some(c) = correct {
                verdicts.push(FlagVerdict {
                    kind: *kind,
                    start: *start,
                    correct: *c,
                });
            }
        }
    }
}

/// Applies edits in order.
pub fn apply_all(t: &mut Transcript, verdicts: &mut Vec<FlagVerdict>, edits: &[Edit]) {
    for e in edits {
        apply(t, verdicts, e);
    }
}

/// The verdict on a flag, when one was given (the latest matching one).
pub fn verdict_of(verdicts: &[FlagVerdict], f: &Flag) -> Option<bool> {
    verdicts
        .iter()
        .rev()
        .find(|v| v.kind == f.kind && (v.start - f.start).abs() <= VERDICT_TOLERANCE_SECONDS)
        .map(|v| v.correct)
}

/// Checks a new speaker name: not empty, not taken (for a rename). Returns the trimmed name
/// or a one-line reason in Dutch / English.
pub fn check_new_name(existing: &[String], from: &str, to: &str) -> Result<String, String> {
    let to = to.trim();
    if to.is_empty() {
        return Err("Geef een naam op. / Enter a name.".into());
    }
    if to == from {
        return Err("Dat is al de naam. / That is already the name.".into());
    }
    if existing.iter().any(|n| n == to) {
        return Err(format!(
            "{to} bestaat al: kies samenvoegen. / {to} already exists: choose merge."
        ));
    }
    Ok(to.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{Participant, Role, Utterance};

    fn t() -> Transcript {
        let u = |s: f64, who: &str, text: &str| Utterance {
            start: s,
            end: s + 1.0,
            speaker: who.into(),
            text: text.into(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        };
        Transcript {
            participants: vec![
                Participant::new("S1", Role::Facilitator),
                Participant::new("Bram", Role::Inbrenger),
            ],
            utterances: vec![
                u(0.0, "S1", "Welkom."),
                u(2.0, "S2", "Ja."),
                u(4.0, "Bram", "Nou."),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn rename_changes_lines_and_participant() {
        let mut x = t();
        let mut v = Vec::new();
        apply(
            &mut x,
            &mut v,
            &Edit::RenameSpeaker {
                from: "S1".into(),
                to: " Anna ".into(),
            },
        );
        assert_eq!(x.utterances[0].speaker, "Anna");
        assert_eq!(x.participants[0].name, "Anna");
        assert_eq!(x.participants[0].role, Role::Facilitator);
    }

    #[test]
    fn merge_moves_lines_and_keeps_one_participant() {
        let mut x = t();
        let mut v = Vec::new();
        apply(
            &mut x,
            &mut v,
            &Edit::MergeSpeakers {
                from: "S1".into(),
                into: "Bram".into(),
            },
        );
        assert_eq!(x.utterances[0].speaker, "Bram");
        assert_eq!(x.participants.len(), 1);
        apply(
            &mut x,
            &mut v,
            &Edit::MergeSpeakers {
                from: "S2".into(),
                into: "Bram".into(),
            },
        );
        assert!(x.utterances.iter().all(|u| u.speaker == "Bram"));
    }

    #[test]
    fn line_edits_and_verdicts() {
        let mut x = t();
        let mut v = Vec::new();
        apply_all(
            &mut x,
            &mut v,
            &[
                Edit::SetSpeaker {
                    index: 1,
                    speaker: "Bram".into(),
                },
                Edit::EditText {
                    index: 2,
                    text: "Nou, nee.".into(),
                },
                Edit::SetSpeaker {
                    index: 9,
                    speaker: "Bram".into(),
                },
                Edit::Verdict {
                    kind: FlagKind::Advice,
                    start: 4.0,
                    correct: Some(false),
                },
                Edit::Verdict {
                    kind: FlagKind::Advice,
                    start: 4.01,
                    correct: Some(true),
                },
                Edit::Verdict {
                    kind: FlagKind::WhyQuestion,
                    start: 2.0,
                    correct: Some(false),
                },
                Edit::Verdict {
                    kind: FlagKind::WhyQuestion,
                    start: 2.0,
                    correct: None,
                },
            ],
        );
        assert_eq!(x.utterances[1].speaker, "Bram");
        assert_eq!(x.utterances[2].text, "Nou, nee.");
        assert_eq!(v.len(), 1);
        assert!(v[0].correct);
    }

    #[test]
    fn new_names_are_checked() {
        let names = vec!["S1".to_string(), "Bram".to_string()];
        assert_eq!(check_new_name(&names, "S1", " Anna "), Ok("Anna".into()));
        assert!(check_new_name(&names, "S1", "Bram").is_err());
        assert!(check_new_name(&names, "S1", "  ").is_err());
    }
}
