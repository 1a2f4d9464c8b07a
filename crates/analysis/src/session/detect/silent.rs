//! Silent participants: long silences of a deelnemer or facilitator, not counting steps where the method expects silence.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind};
use observant_model::transcript::Role;

impl Ctx<'_> {
    // -----------------------------------------------------------------------------------
    // Silent participants

    /// Intervals (sorted) where the method expects silence or listening.
    pub(crate) fn quiet_steps(&self) -> Vec<(f64, f64)> {
        let Some(m) = self.method else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, mk) in self.marks.iter().enumerate() {
            let end = self.marks.get(k + 1).map_or(self.end, |n| n.start);
            if m.step(mk.step).is_some_and(|s| s.rules.silence_expected) {
                out.push((mk.start, end.max(mk.start)));
            }
        }
        out
    }

    /// Silences of a speaker: gaps before, between and after their speech.
    pub(crate) fn silences(&self, k: usize) -> Vec<(f64, f64)> {
        let sp = &self.speakers[k];
        let mut out = Vec::new();
        let mut prev = 0.0f64;
        for (&a, &b) in sp.starts.iter().zip(&sp.ends) {
            if a > prev {
                out.push((prev, a));
            }
            prev = prev.max(b);
        }
        if self.end > prev {
            out.push((prev, self.end));
        }
        out
    }

    pub(crate) fn silent_participants(&self, out: &mut Vec<Flag>) {
        let sc = &self.cfg.silent_participant;
        if !sc.enabled {
            return;
        }
        let quiet = self.quiet_steps();
        for k in 0..self.speakers.len() {
            match self.role(k) {
                Some(Role::Deelnemer | Role::Facilitator) | None => {}
                Some(Role::Inbrenger | Role::Observant) => continue,
            }
            for (a, b) in self.silences(k) {
                let expected: f64 = quiet
                    .iter()
                    .map(|&(x, y)| (b.min(y) - a.max(x)).max(0.0))
                    .sum();
                let len = b - a - expected;
                if len < sc.min_silence_seconds {
                    continue;
                }
                let who = self.name(k).to_string();
                out.push(Flag {
                    kind: FlagKind::SilentParticipant,
                    start: a,
                    end: b,
                    speaker: Some(who.clone()),
                    target: None,
                    message: String::new(),
                    evidence: String::new(),
                    detail: FlagDetail::Silent,
                    utterances: Vec::new(),
                    uncertain: false,
                });
            }
        }
    }
}
