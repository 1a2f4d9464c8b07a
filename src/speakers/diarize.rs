//! Offline speaker attribution of a whole recording: embed every speech segment (e.g. the
//! Whisper segments, or VAD regions), cluster them globally into speakers, split long
//! segments where the speaker changes, and name speakers from enrollments.

use super::change::{ChangeConfig, pieces};
use super::cluster::{ClusterConfig, Item, cluster, nearest};
use super::encoder::{Embedding, VoiceEncoder};
use super::enroll::{DEFAULT_MIN_SIMILARITY, Enrollment, speaker_names};
use super::mel::SAMPLE_RATE;

/// A speech segment of the recording, in samples at 16 kHz (`start..end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

impl Segment {
    /// A segment from times in seconds (negative or non-finite times count as 0).
    pub fn from_secs(start_s: f64, end_s: f64) -> Segment {
        let at = |t: f64| {
            if t.is_finite() && t > 0.0 {
                (t * SAMPLE_RATE as f64).round() as usize
            } else {
                0
            }
        };
        Segment {
            start: at(start_s),
            end: at(end_s),
        }
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f32 {
        self.end.saturating_sub(self.start) as f32 / SAMPLE_RATE as f32
    }
}

/// Settings of [`diarize`].
#[derive(Clone, Debug, PartialEq)]
pub struct DiarizeConfig {
    /// Clustering (known or automatic speaker count).
    pub cluster: ClusterConfig,
    /// Speaker-change detection inside segments.
    pub change: ChangeConfig,
    /// Look for speaker changes inside segments at least this long (seconds); `None`
    /// never splits.
    pub split_min_s: Option<f32>,
    /// Enrolled voices for names instead of `S<n>`.
    pub enrolled: Vec<Enrollment>,
    /// Minimum centroid-to-enrollment similarity for a name.
    pub min_enroll_similarity: f32,
}

impl Default for DiarizeConfig {
    fn default() -> Self {
        Self {
            cluster: ClusterConfig::default(),
            change: ChangeConfig::default(),
            split_min_s: Some(4.0),
            enrolled: Vec::new(),
            min_enroll_similarity: DEFAULT_MIN_SIMILARITY,
        }
    }
}

/// A stretch of speech by one speaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
    /// Speaker index (into [`Diarization::names`]).
    pub speaker: usize,
    /// Index of the input segment this turn comes from.
    pub segment: usize,
}

/// Result of [`diarize`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diarization {
    /// Turns in time order; a segment split at a speaker change gives several.
    pub turns: Vec<Turn>,
    /// Speaker of each input segment as clustered (before splitting).
    pub segment_speakers: Vec<usize>,
    /// Display name of each speaker: enrolled name or `S<n>`.
    pub names: Vec<String>,
    /// Centroid of each speaker.
    pub centroids: Vec<Embedding>,
}

/// Attributes every segment of `pcm_16k` to a speaker. Segment bounds are clamped to the
/// audio; empty or silent segments take the speaker of the segment before them (or after,
/// for leading ones). Speakers are numbered by first appearance. Never panics.
pub fn diarize(
    encoder: &VoiceEncoder,
    pcm_16k: &[f32],
    segments: &[Segment],
    config: &DiarizeConfig,
) -> Diarization {
    let clamp = |s: &Segment| {
        let a = s.start.min(pcm_16k.len());
        let b = s.end.clamp(a, pcm_16k.len());
        (a, b)
    };
    let audio: Vec<&[f32]> = segments
        .iter()
        .map(|s| {
            let (a, b) = clamp(s);
            &pcm_16k[a..b]
        })
        .collect();
    let embeddings: Vec<Embedding> = {
        let nonempty: Vec<&[f32]> = audio.iter().copied().filter(|a| !a.is_empty()).collect();
        let mut embs = encoder.embed_utterances(&nonempty).into_iter();
        audio
            .iter()
            .map(|a| {
                if a.is_empty() {
                    Embedding::default()
                } else {
                    embs.next().unwrap_or_default()
                }
            })
            .collect()
    };
    let items: Vec<Item> = embeddings
        .iter()
        .zip(audio.iter())
        .map(|(e, a)| Item {
            embedding: *e,
            duration_s: a.len() as f32 / SAMPLE_RATE as f32,
        })
        .collect();
    let clustering = cluster(&items, &config.cluster);
    let centroids = clustering.centroids.clone();
    let mut seg_labels = clustering.labels.clone();
    fill_silent(&mut seg_labels, &embeddings);
    let mut turns = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let (a, b) = clamp(s);
        let label = seg_labels.get(i).copied().unwrap_or(0);
        let long = config
            .split_min_s
            .is_some_and(|min| (b - a) as f32 >= min * SAMPLE_RATE as f32);
        if !long || centroids.len() < 2 {
            turns.push(Turn {
                start: a,
                end: b,
                speaker: label,
                segment: i,
            });
            continue;
        }
        let windows = encoder.embed_windows(&pcm_16k[a..b]);
        let parts = pieces(&windows, &centroids, b - a, &config.change);
        if parts.len() <= 1 {
            turns.push(Turn {
                start: a,
                end: b,
                speaker: label,
                segment: i,
            });
            continue;
        }
        // Re-embed each piece as an utterance for its final label.
        let piece_audio: Vec<&[f32]> = parts
            .iter()
            .map(|p| &pcm_16k[a + p.start..a + p.end])
            .collect();
        let piece_embs = encoder.embed_utterances(&piece_audio);
        for (p, e) in parts.iter().zip(piece_embs.iter()) {
            let speaker = nearest(e, &centroids).map_or(p.speaker, |(k, _)| k);
            match turns.last_mut() {
                Some(last @ Turn { .. }) if last.segment == i && last.speaker == speaker => {
                    last.end = a + p.end;
                }
                _ => turns.push(Turn {
                    start: a + p.start,
                    end: a + p.end,
                    speaker,
                    segment: i,
                }),
            }
        }
    }
    // Number speakers by first appearance in the final turns.
    let mut map = vec![usize::MAX; centroids.len()];
    let mut order = Vec::new();
    for t in &turns {
        if let Some(m) = map.get_mut(t.speaker).filter(|m| **m == usize::MAX) {
            *m = order.len();
            order.push(t.speaker);
        }
    }
    for (k, m) in map.iter_mut().enumerate() {
        if *m == usize::MAX {
            *m = order.len();
            order.push(k);
        }
    }
    let remap = |k: usize| map.get(k).copied().unwrap_or(0);
    turns.iter_mut().for_each(|t| t.speaker = remap(t.speaker));
    let centroids: Vec<Embedding> = order.iter().map(|&k| centroids[k]).collect();
    let names = speaker_names(&centroids, &config.enrolled, config.min_enroll_similarity);
    Diarization {
        turns,
        segment_speakers: seg_labels.into_iter().map(remap).collect(),
        names,
        centroids,
    }
}

/// Silent (zero-embedding) segments take the previous segment's label, leading ones the
/// first real label.
fn fill_silent(labels: &mut [usize], embeddings: &[Embedding]) {
    let first = labels
        .iter()
        .zip(embeddings.iter())
        .find(|(_, e)| !e.is_zero())
        .map_or(0, |(l, _)| *l);
    let mut prev = first;
    for (l, e) in labels.iter_mut().zip(embeddings.iter()) {
        if e.is_zero() {
            *l = prev;
        } else {
            prev = *l;
        }
    }
}
