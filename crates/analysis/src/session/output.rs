//! The non-flag parts of an analysis: analysed utterances, the session language and the
//! per-speaker statistics.

use super::ctx::{Ctx, SpeakerInfo};
use super::round;
use crate::types::{
    AnalyzedUtterance, Lang, QuestionCategory, QuestionFocus, QuestionType, SpeakerStats,
    UtteranceExtra,
};

impl Ctx<'_> {
    // -----------------------------------------------------------------------------------
    // Output

    pub(crate) fn analyzed_utterances(&self) -> Vec<AnalyzedUtterance> {
        self.t
            .utterances
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let c = self.c(i);
                AnalyzedUtterance {
                    start: u.start,
                    end: u.end,
                    speaker: u.speaker.clone(),
                    text: u.text.clone(),
                    question: c.question,
                    why: c.why,
                    advice: c.advice,
                    extra: UtteranceExtra {
                        questions: c.questions,
                        category: c.category,
                        focus: c.focus,
                        not_i: c.not_i,
                        generality: c.generality,
                        lang: c.lang,
                        confidence: c.confidence,
                        evidence: c.evidence.clone(),
                        step: self.step_of[i],
                        asr_confidence: u.confidence,
                        uncertain: ["why", "advice", "question"]
                            .into_iter()
                            .filter(|l| self.unsure(i, l))
                            .map(str::to_string)
                            .collect(),
                    },
                }
            })
            .collect()
    }

    pub(crate) fn language(&self) -> Option<String> {
        if let Some(l) = &self.t.language {
            return Some(l.clone());
        }
        if self.cls.is_empty() {
            return None;
        }
        let en = self.cls.iter().filter(|c| c.lang == Lang::En).count();
        let lang = if en * 2 > self.cls.len() {
            Lang::En
        } else {
            Lang::Nl
        };
        Some(lang.code().to_string())
    }

    pub(crate) fn speaker_stats(&self) -> Vec<SpeakerStats> {
        let total: f64 = self.speakers.iter().map(SpeakerInfo::total).sum();
        let minutes = self.end / 60.0;
        let mut stats: Vec<SpeakerStats> = self
            .speakers
            .iter()
            .map(|sp| SpeakerStats {
                name: sp.name.clone(),
                role: sp.role,
                talk_seconds: round(sp.total(), 2),
                share: if total > 0.0 {
                    round(sp.total() / total, 4)
                } else {
                    0.0
                },
                ..Default::default()
            })
            .collect();
        for tn in &self.turns {
            stats[tn.speaker].turns += 1;
        }
        for h in &self.holds {
            let st = &mut stats[h.speaker];
            st.longest_monologue_seconds =
                st.longest_monologue_seconds.max(round(h.end - h.start, 2));
        }
        let mut pauses: Vec<(f64, u32)> = vec![(0.0, 0); self.speakers.len()];
        for (pos, &i) in self.order.iter().enumerate() {
            let st = &mut stats[self.spk[i]];
            let c = self.c(i);
            st.questions = st.questions.saturating_add(self.q(i));
            match c.question {
                QuestionType::Open => st.open_questions += 1,
                QuestionType::Closed => st.closed_questions += 1,
                QuestionType::None => {}
            }
            st.why_questions += u32::from(c.why);
            st.advice += u32::from(c.advice);
            if self.q(i) > 0 {
                match c.focus {
                    Some(QuestionFocus::Informative) => st.informative_questions += 1,
                    Some(QuestionFocus::Experience) => st.experience_questions += 1,
                    None => {}
                }
                if let Some(cat) = c.category {
                    let k = match cat {
                        QuestionCategory::Situation => 0,
                        QuestionCategory::Actions => 1,
                        QuestionCategory::Experience => 2,
                        QuestionCategory::Learning => 3,
                    };
                    st.categories[k] += 1;
                }
            }
            if pos > 0 {
                let p = self.order[pos - 1];
                if self.spk[p] != self.spk[i] && self.q(p) > 0 {
                    // From the end of the question's speech to the start of the answer's:
                    // lines from audio share the pause between them (see
                    // `Utterance::speech`).
                    let said = |k: usize| {
                        self.t.utterances[k]
                            .speech
                            .filter(|(a, b)| a.is_finite() && b.is_finite())
                    };
                    let answer = said(i).map_or(self.s[i], |(a, _)| a);
                    let question = said(p).map_or(self.e[p], |(_, b)| b);
                    let pause = (answer - question).max(0.0);
                    let acc = &mut pauses[self.spk[i]];
                    acc.0 += pause;
                    acc.1 += 1;
                }
            }
        }
        for (k, st) in stats.iter_mut().enumerate() {
            st.turns_per_minute = if minutes > 0.0 {
                round(f64::from(st.turns) / minutes, 2)
            } else {
                0.0
            };
            let (sum, n) = pauses[k];
            st.mean_answer_pause = (n > 0).then(|| round(sum / f64::from(n), 2));
            st.longest_silence_seconds = round(
                self.silences(k)
                    .iter()
                    .map(|(a, b)| b - a)
                    .fold(0.0, f64::max),
                2,
            );
        }
        stats
    }
}
