//! Long monologues: a floor hold (see the context) longer than the configured maximum.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind};

impl Ctx<'_> {
    pub(crate) fn long_monologues(&self, out: &mut Vec<Flag>) {
        let lm = &self.cfg.long_monologue;
        if !lm.enabled {
            return;
        }
        for h in &self.holds {
            let len = h.end - h.start;
            if len <= lm.max_seconds || self.is_inbrenger(h.speaker) {
                continue;
            }
            let who = self.name(h.speaker).to_string();
            out.push(Flag {
                kind: FlagKind::LongMonologue,
                start: h.start,
                end: h.end,
                speaker: Some(who.clone()),
                target: None,
                message: String::new(),
                evidence: String::new(),
                detail: FlagDetail::LongMonologue {
                    seconds: len,
                    max_seconds: lm.max_seconds,
                },
                utterances: h.utterances.clone(),
                uncertain: false,
            });
        }
    }
}
