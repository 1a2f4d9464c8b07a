//! Utterance-level flags: why-questions, advice, know-it-all advice (IWAB) and closed questions, by anyone but the inbrenger.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagKind, QuestionType};
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
            let who = self.name(sp);
            let step = self.step(i);
            if cfg.why_question.enabled && c.why {
                let ev = self
                    .cue(i, &["why"])
                    .unwrap_or_else(|| self.tr("waarom", "why").to_string());
                let msg = format!(
                    "{} {who}: {}",
                    self.tr("Waarom-vraag van", "Why-question by"),
                    self.tr(
                        "kan als oordeel voelen; vraag liever naar wat of hoe.",
                        "can feel judgmental; ask what or how instead."
                    )
                );
                out.push(self.flag(FlagKind::WhyQuestion, i, msg, ev));
            }
            let ideas_step = step.is_some_and(|s| s.rules.advice_expected);
            if cfg.advice.enabled && c.advice && !(cfg.advice.allow_in_idea_steps && ideas_step) {
                let ev = self
                    .cue(i, &["advice"])
                    .unwrap_or_else(|| self.tr("advies", "advice").to_string());
                let msg = format!(
                    "{} {who} {}",
                    self.tr("Advies van", "Advice by"),
                    self.tr(
                        "in plaats van een vraag of reflectie.",
                        "instead of a question or reflection."
                    )
                );
                out.push(self.flag(FlagKind::Advice, i, msg, ev));
            }
            if cfg.iwab.enabled && c.advice && c.corrective {
                let ev = self
                    .cue(i, &["corrective"])
                    .unwrap_or_else(|| self.tr("corrigerend", "corrective").to_string());
                let msg = format!(
                    "{}: {who} {}",
                    self.tr("Ik weet alles beter", "Know-it-all"),
                    self.tr(
                        "geeft advies in absolute of corrigerende termen.",
                        "gives advice in absolute or corrective terms."
                    )
                );
                out.push(self.flag(FlagKind::Iwab, i, msg, ev));
            }
            let facilitator = self.role(sp) == Some(Role::Facilitator);
            if cfg.closed_question.enabled
                && c.question == QuestionType::Closed
                && !c.advice
                && !c.why
                && (!facilitator || cfg.closed_question.include_facilitator)
            {
                let ev = self
                    .cue(i, &["question"])
                    .filter(|c| c.chars().any(char::is_alphanumeric))
                    .unwrap_or_else(|| self.tr("ja/nee-vraag", "yes/no question").to_string());
                let msg = format!(
                    "{} {who}: {}",
                    self.tr("Gesloten vraag van", "Closed question by"),
                    self.tr(
                        "een open vraag (wat, hoe) nodigt meer uit.",
                        "an open question (what, how) invites more."
                    )
                );
                out.push(self.flag(FlagKind::ClosedQuestion, i, msg, ev));
            }
        }
    }
}
