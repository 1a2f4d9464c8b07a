//! Scoring speaker attribution against a reference: the share of reference speech time
//! whose hypothesis speaker is right after the optimal one-to-one mapping of hypothesis
//! labels to reference speakers (the usual speaker-error measure without the
//! speech-activity part).

use super::assign::max_score_matching;

/// A labelled stretch of time (seconds).
#[derive(Clone, Debug, PartialEq)]
pub struct Labeled {
    /// Start (s).
    pub start: f64,
    /// End (s).
    pub end: f64,
    /// Speaker label.
    pub speaker: String,
}

impl Labeled {
    /// The utterances of a transcript as labelled stretches.
    pub fn from_utterances(utterances: &[observant_model::transcript::Utterance]) -> Vec<Labeled> {
        utterances
            .iter()
            .map(|u| Labeled {
                start: u.start,
                end: u.end,
                speaker: u.speaker.clone(),
            })
            .collect()
    }
}

/// [`time_accuracy`] of a transcript's utterances against a reference transcript (e.g. a
/// recording's truth): the share of the reference's speech time whose speaker is right.
pub fn transcript_accuracy(
    hypothesis: &observant_model::transcript::Transcript,
    reference: &observant_model::transcript::Transcript,
) -> f64 {
    time_accuracy(
        &Labeled::from_utterances(&hypothesis.utterances),
        &Labeled::from_utterances(&reference.utterances),
    )
}

/// Fraction (0..=1) of reference speech time attributed to the right speaker under the
/// best one-to-one label mapping. Reference time without any hypothesis counts as wrong.
/// 1.0 for an empty reference.
pub fn time_accuracy(hypothesis: &[Labeled], reference: &[Labeled]) -> f64 {
    let mut hyp_labels: Vec<&str> = Vec::new();
    let mut ref_labels: Vec<&str> = Vec::new();
    let index = |v: &mut Vec<&'_ str>, s: &'_ str| -> usize {
        v.iter().position(|x| *x == s).unwrap_or(v.len())
    };
    let mut total = 0f64;
    for r in reference {
        total += (r.end - r.start).max(0.0);
    }
    if total <= 0.0 {
        return 1.0;
    }
    let mut overlaps: Vec<(usize, usize, f64)> = Vec::new();
    for h in hypothesis {
        for r in reference {
            let o = h.end.min(r.end) - h.start.max(r.start);
            if o > 0.0 {
                let hi = index(&mut hyp_labels, &h.speaker);
                if hi == hyp_labels.len() {
                    hyp_labels.push(&h.speaker);
                }
                let ri = index(&mut ref_labels, &r.speaker);
                if ri == ref_labels.len() {
                    ref_labels.push(&r.speaker);
                }
                overlaps.push((hi, ri, o));
            }
        }
    }
    let mut m = vec![vec![0f32; ref_labels.len()]; hyp_labels.len()];
    for (h, r, o) in overlaps {
        m[h][r] += o as f32;
    }
    let matching = max_score_matching(&m);
    let correct: f64 = matching
        .iter()
        .enumerate()
        .filter_map(|(h, r)| r.map(|r| f64::from(m[h][r])))
        .sum();
    (correct / total).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(a: f64, b: f64, s: &str) -> Labeled {
        Labeled {
            start: a,
            end: b,
            speaker: s.to_string(),
        }
    }

    #[test]
    fn accuracy() {
        let truth = vec![l(0.0, 2.0, "a"), l(2.0, 4.0, "b"), l(4.0, 6.0, "a")];
        let perfect = vec![l(0.0, 2.0, "x"), l(2.0, 4.0, "y"), l(4.0, 6.0, "x")];
        assert!((time_accuracy(&perfect, &truth) - 1.0).abs() < 1e-6);
        let one_wrong = vec![l(0.0, 2.0, "x"), l(2.0, 4.0, "y"), l(4.0, 6.0, "y")];
        assert!((time_accuracy(&one_wrong, &truth) - 4.0 / 6.0).abs() < 1e-6);
        assert!((time_accuracy(&[], &truth)).abs() < 1e-9);
        assert_eq!(time_accuracy(&perfect, &[]), 1.0);
        // More hypothesis labels than reference speakers: the extra one scores nothing.
        let split = vec![
            l(0.0, 2.0, "x"),
            l(2.0, 3.0, "y"),
            l(3.0, 4.0, "z"),
            l(4.0, 6.0, "x"),
        ];
        assert!((time_accuracy(&split, &truth) - 5.0 / 6.0).abs() < 1e-6);
        // Reference time nobody covers counts as wrong.
        let gap = vec![l(0.0, 1.5, "x"), l(2.0, 4.0, "y"), l(4.0, 6.0, "x")];
        assert!((time_accuracy(&gap, &truth) - 5.5 / 6.0).abs() < 1e-6);
    }
}
