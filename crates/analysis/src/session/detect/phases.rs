//! Method-step rules: phase overrun, the inbrenger speaking in a listening step, questions in a silent step, experience questions where informative ones are asked.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagKind, QuestionFocus};
use observant_model::text::capitalise;
use observant_model::time::duration as fmt_duration;

impl Ctx<'_> {
    pub(crate) fn phase_flags(&self, out: &mut Vec<Flag>) {
        let ph = &self.cfg.phases;
        let Some(m) = self.method else { return };
        if !ph.enabled || self.marks.is_empty() {
            return;
        }
        for st in &self.steps {
            let len = st.end - st.start;
            if st.budget_max_seconds > 0.0
                && len > st.budget_max_seconds + ph.overrun_tolerance_seconds
            {
                let budget = if st.budget_min_seconds < st.budget_max_seconds {
                    format!(
                        "{}–{} min",
                        st.budget_min_seconds / 60.0,
                        st.budget_max_seconds / 60.0
                    )
                } else {
                    format!("{} min", st.budget_max_seconds / 60.0)
                };
                let label = m
                    .step(st.step)
                    .map(|s| self.step_label(s))
                    .unwrap_or_default();
                out.push(Flag {
                    kind: FlagKind::PhaseOverrun,
                    start: st.start + st.budget_max_seconds,
                    end: st.end,
                    speaker: None,
                    target: None,
                    message: format!(
                        "{} {} {}; {} {budget}.",
                        capitalise(&label),
                        self.tr("duurde", "took"),
                        fmt_duration(len),
                        self.tr("gepland", "planned")
                    ),
                    evidence: format!("{} > {budget}", fmt_duration(len)),
                    utterances: Vec::new(),
                    uncertain: false,
                });
            }
        }
        // Inbrenger speaking where they only listen: one flag per run of their utterances.
        let mut run: Vec<usize> = Vec::new();
        let flush = |run: &mut Vec<usize>, out: &mut Vec<Flag>| {
            if run.is_empty() {
                return;
            }
            let (first, last) = (run[0], run[run.len() - 1]);
            let Some(st) = self.step(first) else {
                run.clear();
                return;
            };
            let who = self.name(self.spk[first]).to_string();
            out.push(Flag {
                kind: FlagKind::InbrengerSpokeInListeningPhase,
                start: self.s[first],
                end: self.e[last],
                speaker: Some(who.clone()),
                target: None,
                message: format!(
                    "{who} {} {}, {}",
                    self.tr("(inbrenger) spreekt in", "(presenter) speaks in"),
                    self.step_label(st),
                    self.tr(
                        "waarin de inbrenger alleen luistert.",
                        "where the presenter only listens."
                    )
                ),
                evidence: format!(
                    "{} {}",
                    fmt_duration(run.iter().map(|&i| self.dur(i)).sum()),
                    self.tr("spraak", "speech")
                ),
                utterances: std::mem::take(run),
                uncertain: false,
            });
        };
        for &i in &self.order {
            let sp = self.spk[i];
            let st = self.step(i);
            let listening = st.is_some_and(|s| s.rules.inbrenger_silent);
            if self.is_inbrenger(sp) && listening && self.dur(i) >= ph.inbrenger_min_seconds {
                if let Some(&prev) = run.last()
                    && self.step_of[prev] != self.step_of[i]
                {
                    flush(&mut run, out);
                }
                run.push(i);
            } else if !self.is_inbrenger(sp) || !listening {
                flush(&mut run, out);
            }
        }
        flush(&mut run, out);

        for &i in &self.order {
            let Some(st) = self.step(i) else { continue };
            let sp = self.spk[i];
            let who = self.name(sp).to_string();
            if st.rules.no_spoken_questions && self.q(i) > 0 {
                out.push(self.flag(
                    FlagKind::QuestionsInSilentPhase,
                    i,
                    format!(
                        "{} {who} {} {}, {}",
                        self.tr("Vraag van", "Question by"),
                        self.tr("in", "in"),
                        self.step_label(st),
                        self.tr(
                            "waarin geen vragen hardop horen.",
                            "where no questions are asked aloud."
                        )
                    ),
                    format!("{} {}", self.q(i), self.tr("vraag/vragen", "question(s)")),
                ));
            }
            if st.rules.informative_questions_only
                && !self.is_inbrenger(sp)
                && self.q(i) > 0
                && self.c(i).focus == Some(QuestionFocus::Experience)
            {
                let ev = self.cue(i, &["category", "focus"]).unwrap_or_else(|| {
                    self.tr("belevingsvraag", "experience question").to_string()
                });
                out.push(self.flag(
                    FlagKind::NonInformativeQuestion,
                    i,
                    format!(
                        "{} {who} {} {}: {}",
                        self.tr("Belevingsvraag van", "Experience question by"),
                        self.tr("in", "in"),
                        self.step_label(st),
                        self.tr(
                            "hier horen informatieve vragen (wie, wat, waar, hoe).",
                            "this step asks for informative questions (who, what, where, how)."
                        )
                    ),
                    ev,
                ));
            }
        }
    }
}
