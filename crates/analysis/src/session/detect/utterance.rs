//! Utterance-level flags: why-questions, advice, know-it-all advice (IWAB) and closed questions, by anyone but the inbrenger.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind, QuestionType};
use observant_model::transcript::Role;

impl Ctx<'_> {
    // -----------------------------------------------------------------------------------
    // Utterance-level flags

    pub(crate) fn utterance_flags(&self, out: &mut Vec<Flag>) {
        let cfg = self.cfg;
        for &i in &self.order {
            let sp = self.spk[i];
            if self.is_inbrenger(sp) {
                continue;
            }
            let c = self.c(i);
            let step = self.step(i);
            if cfg.why_question.enabled && c.why {
                let cue = self.cue(i, &["why"]);
                out.push(self.flag(FlagKind::WhyQuestion, i, FlagDetail::Cue { cue }));
            }
            let ideas_step = step.is_some_and(|s| s.rules.advice_expected);
            if cfg.advice.enabled && c.advice && !(cfg.advice.allow_in_idea_steps && ideas_step) {
                let cue = self.cue(i, &["advice"]);
                out.push(self.flag(FlagKind::Advice, i, FlagDetail::Cue { cue }));
            }
            if cfg.iwab.enabled && c.advice && c.corrective {
                let cue = self.cue(i, &["corrective"]);
                out.push(self.flag(FlagKind::Iwab, i, FlagDetail::Cue { cue }));
            }
            let facilitator = self.role(sp) == Some(Role::Facilitator);
            if cfg.closed_question.enabled
                && c.question == QuestionType::Closed
                && !c.advice
                && !c.why
                && (!facilitator || cfg.closed_question.include_facilitator)
            {
                let cue = self
                    .cue(i, &["question"])
                    .filter(|c| c.chars().any(char::is_alphanumeric));
                out.push(self.flag(FlagKind::ClosedQuestion, i, FlagDetail::Cue { cue }));
            }
        }
    }
}
