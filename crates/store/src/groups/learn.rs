//! Voice prints from what exists: a recording (16 kHz mono) and a transcript that names its
//! speakers (a reviewed session, or a transcript file). Each named speaker's utterances are
//! embedded with the voice encoder; stretches where another speaker talks at the same time
//! are left out, and utterances whose voice is far from the speaker's own mean (a wrong
//! name, a cough, someone else's barge-in) are dropped before the final mean. Anonymous
//! labels (`S1`, `S2`, ...) teach nothing.

use observant_model::transcript::Transcript;
use observant_speech::speakers::encoder::{Embedding, VoiceEncoder};

use super::is_anonymous_label;

/// A speaker needs at least this much clean speech (seconds) for a print.
pub const MIN_LEARN_S: f32 = 3.0;
/// Utterances shorter than this (seconds) are too short for a reliable embedding.
const MIN_UTTERANCE_S: f64 = 0.8;
/// An utterance less similar than this to its speaker's first mean is dropped.
const OUTLIER_SIMILARITY: f32 = 0.55;
/// Weight cap per utterance (seconds), so one long monologue does not drown the rest.
const WEIGHT_CAP_S: f32 = 10.0;

/// What a recording taught about one named voice.
#[derive(Clone, Debug, PartialEq)]
pub struct LearntVoice {
    pub name: String,
    pub embedding: Embedding,
    /// Seconds of speech used.
    pub seconds: f32,
    /// Utterances used and dropped as outliers.
    pub used: usize,
    pub dropped: usize,
}

/// A named speaker that gave no print, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub name: String,
    pub seconds: f32,
}

/// Result of [`learn_voices`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Learnt {
    pub voices: Vec<LearntVoice>,
    /// Named speakers with less than [`MIN_LEARN_S`] of clean speech.
    pub too_short: Vec<Skipped>,
    /// Mean voice of the recording (plain mean of the learnt voices) when it holds at least
    /// three, else zero: what the prints are centred on when matched.
    pub background: Embedding,
}

/// The clean stretches (sample ranges) of each utterance: the utterance minus the parts
/// where another speaker's utterance overlaps it.
fn clean_spans(t: &Transcript, rate: f64, len: usize) -> Vec<Vec<(usize, usize)>> {
    let at = |s: f64| ((s.max(0.0) * rate) as usize).min(len);
    t.utterances
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut spans = vec![(at(u.start), at(u.end))];
            for (j, o) in t.utterances.iter().enumerate() {
                if j == i || o.speaker == u.speaker || o.end <= u.start || o.start >= u.end {
                    continue;
                }
                let (a, b) = (at(o.start), at(o.end));
                spans = spans
                    .into_iter()
                    .flat_map(|(s, e)| {
                        if b <= s || a >= e {
                            vec![(s, e)]
                        } else {
                            vec![(s, a.max(s)), (b.min(e), e)]
                        }
                    })
                    .filter(|(s, e)| e > s)
                    .collect();
            }
            spans
        })
        .collect()
}

/// Computes a voice print for every named speaker of `transcript` from `pcm_16k`.
pub fn learn_voices(encoder: &VoiceEncoder, pcm_16k: &[f32], transcript: &Transcript) -> Learnt {
    const RATE: f64 = 16000.0;
    let min_len = (MIN_UTTERANCE_S * RATE) as usize;
    let spans = clean_spans(transcript, RATE, pcm_16k.len());
    let mut names: Vec<String> = Vec::new();
    let mut clips: Vec<(usize, &[f32])> = Vec::new();
    for (u, spans) in transcript.utterances.iter().zip(&spans) {
        let name = u.speaker.trim();
        if is_anonymous_label(name) {
            continue;
        }
        let k = match names.iter().position(|n| n == name) {
            Some(k) => k,
            None => {
                names.push(name.to_string());
                names.len() - 1
            }
        };
        for &(s, e) in spans {
            if e - s >= min_len {
                clips.push((k, &pcm_16k[s..e]));
            }
        }
    }
    let pcm: Vec<&[f32]> = clips.iter().map(|(_, c)| *c).collect();
    let embs = encoder.embed_utterances(&pcm);
    let secs = |c: &[f32]| c.len() as f32 / RATE as f32;
    let mut out = Learnt::default();
    for (k, name) in names.iter().enumerate() {
        let mine: Vec<(&Embedding, f32)> = clips
            .iter()
            .zip(&embs)
            .filter(|((s, _), e)| *s == k && !e.is_zero())
            .map(|((_, c), e)| (e, secs(c)))
            .collect();
        let total: f32 = mine.iter().map(|(_, s)| s).sum();
        let first = Embedding::weighted_mean(mine.iter().map(|(e, s)| (*e, s.min(WEIGHT_CAP_S))));
        let kept: Vec<&(&Embedding, f32)> = mine
            .iter()
            .filter(|(e, _)| e.cosine(&first) >= OUTLIER_SIMILARITY)
            .collect();
        let seconds: f32 = kept.iter().map(|(_, s)| s).sum();
        if seconds < MIN_LEARN_S || first.is_zero() {
            out.too_short.push(Skipped {
                name: name.clone(),
                seconds: total,
            });
            continue;
        }
        let embedding =
            Embedding::weighted_mean(kept.iter().map(|(e, s)| (*e, s.min(WEIGHT_CAP_S))));
        out.voices.push(LearntVoice {
            name: name.clone(),
            embedding,
            seconds,
            used: kept.len(),
            dropped: mine.len() - kept.len(),
        });
    }
    if out.voices.len() >= 3 {
        out.background =
            observant_speech::speakers::enroll::plain_mean(out.voices.iter().map(|v| &v.embedding));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_model::transcript::Utterance;

    fn utt(start: f64, end: f64, speaker: &str) -> Utterance {
        Utterance {
            start,
            end,
            speaker: speaker.into(),
            text: String::new(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }

    #[test]
    fn overlapping_stretches_are_left_out() {
        let t = Transcript {
            utterances: vec![utt(0.0, 4.0, "A"), utt(3.0, 6.0, "B"), utt(7.0, 8.0, "A")],
            ..Transcript::default()
        };
        let spans = clean_spans(&t, 10.0, 100);
        assert_eq!(spans[0], vec![(0, 30)]);
        assert_eq!(spans[1], vec![(40, 60)]);
        assert_eq!(spans[2], vec![(70, 80)]);
    }
}
