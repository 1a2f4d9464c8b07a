//! The second pass in review: a live session's recording transcribed again offline
//! ([`crate::pipeline::second_pass`]) replaces the live lines, and a short note says what
//! changed (lines, speech time re-attributed, flags added or gone, line corrections that no
//! longer apply). The result is kept in the session's review sidecar, so the review and the
//! report show it from then on; the session's own files stay as live wrote them.

use serde::{Deserialize, Serialize};

use super::{Edit, ReviewDoc};
use crate::analysis::{Flag, FlagKind};
use crate::i18n::UiLang;
use crate::pipeline::second_pass::SecondPass;

/// What a second pass changed, kept with its result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PassNote {
    pub live_lines: usize,
    pub lines: usize,
    /// Share of the speech time whose speaker changed (0..1).
    pub reattributed: f64,
    /// Flags the second pass found that live did not, and live flags it no longer finds, per
    /// kind.
    pub flags_added: FlagTally,
    pub flags_gone: FlagTally,
    /// Review corrections of single lines (speaker, text) made before the second pass; they
    /// referred to the live lines and were dropped.
    pub dropped_edits: usize,
    /// Microphone channels the pass heard: each channel of an array the session kept (2 or
    /// more), or 1, the recording itself (0 in notes from before this was kept).
    #[serde(default)]
    pub channels: usize,
    /// The number of voices the user set for this pass (`None`: estimated, as by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voices: Option<usize>,
}

/// Flags per kind, in kind order.
pub type FlagTally = Vec<(FlagKind, usize)>;

/// Flags of `after` with no flag of the same kind overlapping in time in `before` (added), and
/// the other way round (gone), counted per kind in kind order.
pub fn flag_changes(before: &[Flag], after: &[Flag]) -> (FlagTally, FlagTally) {
    let unmatched = |from: &[Flag], other: &[Flag]| {
        let mut counts: FlagTally = Vec::new();
        for f in from {
            let found = other
                .iter()
                .any(|o| o.kind == f.kind && o.start <= f.end + 1.0 && f.start <= o.end + 1.0);
            if found {
                continue;
            }
            match counts.iter_mut().find(|(k, _)| *k == f.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((f.kind, 1)),
            }
        }
        counts.sort();
        counts
    };
    (unmatched(after, before), unmatched(before, after))
}

impl PassNote {
    /// The note in a sentence or two.
    pub fn describe(&self, lang: UiLang) -> String {
        let from = if self.channels >= 2 {
            format!(
                "{} {} {}: {}",
                lang.t(
                    "Tweede ronde over de hele opname, alle",
                    "Second pass over the whole recording, all"
                ),
                self.channels,
                lang.t("microfoons", "microphones"),
                lang.t("van", "from"),
            )
        } else {
            lang.t(
                "Tweede ronde over de hele opname: van",
                "Second pass over the whole recording: from",
            )
            .to_string()
        };
        let mut out = format!(
            "{from} {} {} {} {}; {} % {}",
            self.live_lines,
            lang.t("naar", "to"),
            self.lines,
            lang.t("regels", "lines"),
            (self.reattributed * 100.0).round(),
            lang.t(
                "van de spreektijd kreeg een andere spreker",
                "of the speech time changed speaker"
            ),
        );
        let list = |counts: &[(FlagKind, usize)], sign: &str| -> Vec<String> {
            counts
                .iter()
                .map(|(k, n)| format!("{sign}{n} {}", crate::report::labels::kind_label(*k, lang)))
                .collect()
        };
        let mut flags = list(&self.flags_added, "+");
        flags.extend(list(&self.flags_gone, "-"));
        if flags.is_empty() {
            out.push_str(lang.t("; dezelfde signalen.", "; the same flags."));
        } else {
            out.push_str(&format!(
                "; {}: {}.",
                lang.t("signalen", "flags"),
                flags.join(", ")
            ));
        }
        if let Some(n) = self.voices {
            out.push_str(&format!(
                " {} {n} {}, {}.",
                lang.t("Met", "With"),
                voices_word(n, lang),
                lang.t("zoals ingesteld", "as set")
            ));
        }
        if self.dropped_edits > 0 {
            out.push_str(&format!(
                " {} {}",
                self.dropped_edits,
                lang.t(
                    "correctie(s) van losse live-regels vervallen.",
                    "correction(s) of single live lines no longer apply."
                )
            ));
        }
        out
    }
}

/// "stem"/"stemmen" ("voice"/"voices") for `n`.
pub fn voices_word(n: usize, lang: UiLang) -> &'static str {
    if n == 1 {
        lang.t("stem", "voice")
    } else {
        lang.t("stemmen", "voices")
    }
}

impl ReviewDoc {
    /// Replaces the live lines with the second pass's (see the module docs), keeps the
    /// corrections that name speakers and the flag verdicts, notes what changed and saves.
    /// The note's number of voices is the one the pass clustered into when one was given
    /// (for this pass, or at the session's start).
    pub fn apply_second_pass(&mut self, pass: SecondPass) {
        let before = self.analysis.flags.clone();
        let kept: Vec<Edit> = self
            .edits
            .iter()
            .filter(|e| !matches!(e, Edit::SetSpeaker { .. } | Edit::EditText { .. }))
            .cloned()
            .collect();
        let dropped_edits = self.edits.len() - kept.len();
        let mut t = pass.transcript;
        t.utterances.sort_by(|a, b| a.start.total_cmp(&b.start));
        self.original = t;
        self.edits = kept;
        self.recompute();
        let (flags_added, flags_gone) = flag_changes(&before, &self.analysis.flags);
        self.pass = Some(PassNote {
            live_lines: pass.live_lines,
            lines: pass.lines,
            reattributed: pass.reattributed,
            flags_added,
            flags_gone,
            dropped_edits,
            channels: pass.channels,
            voices: pass.voices,
        });
        self.save();
    }

    /// The session's transcript as live made it: the lines under review until a second pass
    /// replaced them, then read again from the session's own files (which a pass never
    /// rewrites), so a pass run again compares with live and takes live's names.
    pub fn live_transcript(&self) -> anyhow::Result<crate::transcript::Transcript> {
        match (&self.pass, &self.session) {
            (Some(_), Some(s)) => Ok(crate::session::Session::open(&s.dir)?.transcript()),
            _ => Ok(self.original.clone()),
        }
    }

    /// May the second pass run again (with a number of voices the user sets): a saved session
    /// with a recording that has had one.
    pub fn second_pass_again_possible(&self) -> bool {
        self.pass.is_some() && self.is_session_with_recording()
    }

    /// May a second pass run on this review: a saved session with a recording that has not
    /// had one yet.
    pub fn second_pass_possible(&self) -> bool {
        self.pass.is_none() && self.is_session_with_recording()
    }

    /// A saved session under review whose recording is there.
    fn is_session_with_recording(&self) -> bool {
        matches!(self.origin, super::Origin::Session(_))
            && self
                .session
                .as_ref()
                .is_some_and(crate::session::Session::has_audio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(kind: FlagKind, start: f64) -> Flag {
        Flag {
            kind,
            start,
            end: start + 2.0,
            speaker: None,
            target: None,
            message: String::new(),
            evidence: String::new(),
            detail: Default::default(),
            utterances: Vec::new(),
            uncertain: false,
        }
    }

    #[test]
    fn flags_are_compared_by_kind_and_time() {
        let before = [
            flag(FlagKind::WhyQuestion, 10.0),
            flag(FlagKind::Advice, 50.0),
        ];
        let after = [
            // The same why-question, a little later.
            flag(FlagKind::WhyQuestion, 11.5),
            flag(FlagKind::WhyQuestion, 30.0),
            flag(FlagKind::Advice, 90.0),
        ];
        let (added, gone) = flag_changes(&before, &after);
        assert_eq!(added, [(FlagKind::WhyQuestion, 1), (FlagKind::Advice, 1)]);
        assert_eq!(gone, [(FlagKind::Advice, 1)]);
        let note = PassNote {
            live_lines: 40,
            lines: 43,
            reattributed: 0.12,
            flags_added: added,
            flags_gone: gone,
            dropped_edits: 2,
            channels: 1,
            voices: None,
        };
        let text = note.describe(UiLang::Nl);
        assert!(text.contains("van 40 naar 43 regels"), "{text}");
        assert!(text.contains("12 %"), "{text}");
        assert!(text.contains("+1"), "{text}");
        assert!(text.contains("2 correctie"), "{text}");
        assert!(!text.contains("microfoons"), "{text}");
        assert!(!text.contains("stemmen"), "{text}");
        // A count the user set is named.
        let set = PassNote {
            voices: Some(3),
            ..note.clone()
        };
        assert!(
            set.describe(UiLang::Nl)
                .contains("Met 3 stemmen, zoals ingesteld."),
            "{}",
            set.describe(UiLang::Nl)
        );
        let one = PassNote {
            voices: Some(1),
            ..note.clone()
        };
        assert!(one.describe(UiLang::En).contains("With 1 voice, as set."));
        // A session that kept every microphone says so.
        let four = PassNote {
            channels: 4,
            ..note
        };
        let text = four.describe(UiLang::En);
        assert!(
            text.contains("all 4 microphones: from 40 to 43 lines"),
            "{text}"
        );
        // A note saved before the count was kept reads as before.
        let old: PassNote = serde_json::from_str(
            r#"{"live_lines":1,"lines":2,"reattributed":0.0,"flags_added":[],"flags_gone":[],"dropped_edits":0}"#,
        )
        .unwrap();
        assert_eq!(old.channels, 0);
        assert_eq!(old.voices, None);
    }
}
