//! Method-step rules: phase overrun, the inbrenger speaking in a listening step, questions in a silent step, experience questions where informative ones are asked.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind, QuestionFocus};

impl Ctx<'_> {
    pub(crate) fn phase_flags(&self, out: &mut Vec<Flag>) {
        let ph = &self.cfg.phases;
        if self.method.is_none() || !ph.enabled || self.marks.is_empty() {
            return;
        }
        for st in &self.steps {
            let len = st.end - st.start;
            if st.budget_max_seconds > 0.0
                && len > st.budget_max_seconds + ph.overrun_tolerance_seconds
            {
                out.push(Flag {
                    kind: FlagKind::PhaseOverrun,
                    start: st.start + st.budget_max_seconds,
                    end: st.end,
                    speaker: None,
                    target: None,
                    message: String::new(),
                    evidence: String::new(),
                    detail: FlagDetail::PhaseOverrun {
                        step: st.step,
                        seconds: len,
                        budget_min_seconds: st.budget_min_seconds,
                        budget_max_seconds: st.budget_max_seconds,
                    },
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
                message: String::new(),
                evidence: String::new(),
                detail: FlagDetail::ListeningPhase {
                    step: st.number,
                    speech_seconds: run.iter().map(|&i| self.dur(i)).sum(),
                },
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
            if st.rules.no_spoken_questions && self.q(i) > 0 {
                out.push(self.flag(
                    FlagKind::QuestionsInSilentPhase,
                    i,
                    FlagDetail::SilentPhase {
                        step: st.number,
                        questions: self.q(i),
                    },
                ));
            }
            if st.rules.informative_questions_only
                && !self.is_inbrenger(sp)
                && self.q(i) > 0
                && self.c(i).focus == Some(QuestionFocus::Experience)
            {
                let cue = self.cue(i, &["category", "focus"]);
                out.push(self.flag(
                    FlagKind::NonInformativeQuestion,
                    i,
                    FlagDetail::ExperienceQuestion {
                        step: st.number,
                        cue,
                    },
                ));
            }
        }
    }
}
