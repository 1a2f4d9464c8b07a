//! Do the labels survive speech? Measures for recordings with a truth transcript: how many
//! of the questions, why-questions and advice the classifier finds in the *truth text* are
//! still found in what the speech pipeline produced (the same measure as
//! `shared/tools/score_labels.py`), and how many turns keep their first word at the start of
//! the utterance that covers them. Pure functions over utterances; the evaluation test
//! (`tests/labels_eval.rs`) and anyone scoring a recording use them.

use super::types::{AnalyzedUtterance, Classification, QuestionType};
use observant_model::transcript::Utterance;

/// Labels that must survive from text to speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// An open or closed question.
    Question,
    Why,
    Advice,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Question, Label::Why, Label::Advice];

    pub fn name(self) -> &'static str {
        match self {
            Label::Question => "question",
            Label::Why => "why",
            Label::Advice => "advice",
        }
    }

    fn of(self, question: QuestionType, why: bool, advice: bool) -> bool {
        match self {
            Label::Question => question != QuestionType::None,
            Label::Why => why,
            Label::Advice => advice,
        }
    }
}

/// Counts for one label.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LabelCount {
    /// Truth utterances whose text carries the label.
    pub truth: usize,
    /// Of those, the ones an overlapping predicted utterance carries too.
    pub found: usize,
    /// Predicted labels with no overlapping truth utterance carrying it.
    pub false_found: usize,
}

impl LabelCount {
    pub fn add(&mut self, o: LabelCount) {
        self.truth += o.truth;
        self.found += o.found;
        self.false_found += o.false_found;
    }

    /// Share of truth labels found (1 when there are none).
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.found as f64 / self.truth as f64
        }
    }

    /// Share of predicted labels that are right (1 when nothing was predicted).
    pub fn precision(&self) -> f64 {
        let n = self.found + self.false_found;
        if n == 0 {
            1.0
        } else {
            self.found as f64 / n as f64
        }
    }
}

/// Minimum overlap (seconds) for a predicted utterance to count as covering a truth one.
const MIN_OVERLAP_S: f64 = 0.2;

fn overlap(a: (f64, f64), b: (f64, f64)) -> f64 {
    a.1.min(b.1) - a.0.max(b.0)
}

/// Label survival of one recording: `truth` with the classifier's labels of its text
/// (`truth_labels`, same order), against the predicted utterances.
pub fn label_counts(
    truth: &[Utterance],
    truth_labels: &[Classification],
    predicted: &[AnalyzedUtterance],
    label: Label,
) -> LabelCount {
    let has_t = |c: &Classification| label.of(c.question, c.why, c.advice);
    let has_p = |p: &AnalyzedUtterance| label.of(p.question, p.why, p.advice);
    let mut n = LabelCount::default();
    for (u, c) in truth.iter().zip(truth_labels) {
        if has_t(c) {
            n.truth += 1;
            if predicted
                .iter()
                .any(|p| overlap((u.start, u.end), (p.start, p.end)) > MIN_OVERLAP_S && has_p(p))
            {
                n.found += 1;
            }
        }
    }
    for p in predicted.iter().filter(|p| has_p(p)) {
        let right = truth
            .iter()
            .zip(truth_labels)
            .any(|(u, c)| overlap((u.start, u.end), (p.start, p.end)) > MIN_OVERLAP_S && has_t(c));
        if !right {
            n.false_found += 1;
        }
    }
    n
}

/// Lowercase words without punctuation.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Turns (a speaker change, or a pause over 1 s) of `truth` whose first word is found at
/// the start of the predicted utterance that covers the turn's start: among its first two
/// words, or as those two written together (a split "waar om"). Returns (found, turns).
pub fn first_words(truth: &[Utterance], predicted: &[(f64, f64, &str)]) -> (usize, usize) {
    let mut found = 0;
    let mut turns = 0;
    for (i, u) in truth.iter().enumerate() {
        let starts_turn = i == 0 || {
            let prev = &truth[i - 1];
            prev.speaker != u.speaker || u.start - prev.end > 1.0
        };
        let tw = words(&u.text);
        let Some(first) = tw.first() else { continue };
        if !starts_turn {
            continue;
        }
        turns += 1;
        let at = u.start + 0.3;
        let mut covering: Vec<&(f64, f64, &str)> =
            predicted.iter().filter(|p| p.0 <= at && p.1 > at).collect();
        if covering.is_empty() {
            // Nothing covers the onset: the utterance overlapping the turn most.
            covering.extend(
                predicted
                    .iter()
                    .filter(|p| overlap((u.start, u.end), (p.0, p.1)) > 0.0)
                    .max_by(|a, b| {
                        overlap((u.start, u.end), (a.0, a.1))
                            .total_cmp(&overlap((u.start, u.end), (b.0, b.1)))
                    }),
            );
        }
        let ok = covering.iter().any(|p| {
            let pw = words(p.2);
            pw.iter().take(2).any(|w| w == first)
                || (pw.len() > 1 && format!("{}{}", pw[0], pw[1]) == *first)
        });
        found += usize::from(ok);
    }
    (found, turns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utt(start: f64, end: f64, speaker: &str, text: &str) -> Utterance {
        Utterance {
            start,
            end,
            speaker: speaker.into(),
            text: text.into(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }

    #[test]
    fn a_first_word_that_moved_to_the_previous_turn_is_not_found() {
        let truth = [
            utt(0.0, 2.0, "a", "Dat is goed."),
            utt(2.5, 4.0, "b", "Waarom dan?"),
            utt(4.2, 6.0, "b", "Ik snap het niet."),
        ];
        let good = [
            (0.0, 2.2, "dat is goed"),
            (2.2, 6.0, "waarom dan ik snap het niet"),
        ];
        assert_eq!(first_words(&truth, &good), (2, 2));
        let moved = [
            (0.0, 2.8, "dat is goed waarom"),
            (2.8, 6.0, "dan ik snap het niet"),
        ];
        assert_eq!(first_words(&truth, &moved), (1, 2));
        let split = [(0.0, 2.2, "dat is goed"), (2.2, 6.0, "waar om dan")];
        assert_eq!(first_words(&truth, &split), (2, 2));
    }

    #[test]
    fn labels_count_by_overlap() {
        let truth = [utt(0.0, 2.0, "a", "x"), utt(3.0, 5.0, "b", "y")];
        let why = Classification {
            question: QuestionType::Open,
            why: true,
            ..Default::default()
        };
        let labels = [why.clone(), Classification::default()];
        let p = |s: f64, e: f64, why: bool| AnalyzedUtterance {
            start: s,
            end: e,
            speaker: "S1".into(),
            text: String::new(),
            question: if why {
                QuestionType::Open
            } else {
                QuestionType::None
            },
            why,
            advice: false,
            extra: Default::default(),
        };
        let n = label_counts(
            &truth,
            &labels,
            &[p(0.1, 2.0, true), p(3.0, 5.0, true)],
            Label::Why,
        );
        assert_eq!((n.truth, n.found, n.false_found), (1, 1, 1));
        assert_eq!((n.recall(), n.precision()), (1.0, 0.5));
        let n = label_counts(&truth, &labels, &[p(0.0, 2.0, false)], Label::Why);
        assert_eq!((n.recall(), n.precision()), (0.0, 1.0));
    }
}
