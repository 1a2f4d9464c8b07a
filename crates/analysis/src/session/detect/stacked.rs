//! Stacked questions: several questions in one turn, outside a rapid-fire burst.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind};
use observant_model::transcript::Role;

impl Ctx<'_> {
    // -----------------------------------------------------------------------------------
    // Stacked questions

    pub(crate) fn stacked_questions(&self, out: &mut Vec<Flag>) {
        let sq = &self.cfg.stacked_questions;
        if !sq.enabled {
            return;
        }
        let in_burst: std::collections::HashSet<usize> = out
            .iter()
            .filter(|f| f.kind == FlagKind::RapidFire)
            .flat_map(|f| f.utterances.iter().copied())
            .collect();
        for tn in &self.turns {
            let sp = tn.speaker;
            if self.is_inbrenger(sp)
                || (self.role(sp) == Some(Role::Facilitator) && !sq.include_facilitator)
            {
                continue;
            }
            let idx: Vec<usize> = (tn.first..=tn.last).map(|p| self.order[p]).collect();
            if idx.iter().any(|i| in_burst.contains(i)) {
                continue;
            }
            let n_q = idx.iter().fold(0u32, |n, &i| n.saturating_add(self.q(i)));
            if n_q < sq.min_questions {
                continue;
            }
            out.push(Flag {
                kind: FlagKind::StackedQuestions,
                start: tn.start,
                end: tn.end,
                speaker: Some(self.name(sp).to_string()),
                target: self.target_of(idx[0]),
                message: String::new(),
                evidence: String::new(),
                detail: FlagDetail::StackedQuestions { questions: n_q },
                utterances: idx,
                uncertain: false,
            });
        }
    }
}
