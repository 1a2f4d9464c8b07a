//! Offline speaker attribution of a whole recording: embed every speech segment (e.g. the
//! Whisper segments, or VAD regions), split segments at internal pauses and where the
//! speaker changes, cluster the pieces globally into speakers (stable over the whole
//! recording), and name speakers from enrollments.

use super::change::{ChangeConfig, Piece, Stretch, pieces, split_at_pauses};
use super::cluster::{ClusterConfig, Item, cluster};
use super::encoder::{Embedding, VoiceEncoder, WindowEmbedding, utterance_embedding};
use super::enroll::{
    DEFAULT_MIN_SIMILARITY, Enrollment, VoiceMatch, group_speaker_names, speaker_names,
};
use super::mel::{SAMPLE_RATE, WINDOW_SAMPLES};

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
    /// Cut segments at internal pauses at least this long (seconds) before anything else;
    /// `None` keeps segments whole.
    pub min_pause_s: Option<f32>,
    /// Enrolled voices for names instead of `S<n>`.
    pub enrolled: Vec<Enrollment>,
    /// Minimum centroid-to-enrollment similarity for a name.
    pub min_enroll_similarity: f32,
    /// The enrolled voices are a group's, from other recordings: match them by this rule
    /// instead of `min_enroll_similarity`.
    pub group_match: Option<VoiceMatch>,
}

impl Default for DiarizeConfig {
    fn default() -> Self {
        Self {
            cluster: ClusterConfig::default(),
            change: ChangeConfig::default(),
            split_min_s: Some(2.4),
            min_pause_s: Some(0.3),
            enrolled: Vec::new(),
            min_enroll_similarity: DEFAULT_MIN_SIMILARITY,
            group_match: None,
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
    /// Speaker of each input segment (the one with most of its time).
    pub segment_speakers: Vec<usize>,
    /// Display name of each speaker: enrolled name or `S<n>`.
    pub names: Vec<String>,
    /// Centroid of each speaker.
    pub centroids: Vec<Embedding>,
}

/// Merge threshold for the window clustering that finds change points (high: splitting
/// one voice is cheap, merging two is not).
const WINDOW_MERGE_SIMILARITY: f32 = 0.80;

/// A stretch of a segment between pauses (absolute sample positions) with its 1.6 s
/// window embeddings (positions relative to `speech.0`).
struct Part {
    segment: usize,
    span: (usize, usize),
    speech: (usize, usize),
    windows: Vec<WindowEmbedding>,
    embedding: Embedding,
}

/// A piece of a segment with its embedding (the unit that is finally clustered).
struct Unit {
    segment: usize,
    start: usize,
    end: usize,
    /// Samples of speech that gave the embedding.
    speech: usize,
    embedding: Embedding,
}

/// Attributes every segment of `pcm_16k` to a speaker. Segment bounds are clamped to the
/// audio; empty or silent segments take the speaker of the segment before them (or after,
/// for leading ones). Speakers are numbered by first appearance. Never panics.
///
/// The same as pushing every segment into a [`Diarizer`] and finishing it.
pub fn diarize(
    encoder: &VoiceEncoder,
    pcm_16k: &[f32],
    segments: &[Segment],
    config: &DiarizeConfig,
) -> Diarization {
    let mut d = Diarizer::new(config);
    for s in segments {
        let a = s.start.min(pcm_16k.len());
        let b = s.end.clamp(a, pcm_16k.len());
        d.push_segment(encoder, a, &pcm_16k[a..b]);
    }
    d.finish(config)
}

/// Incremental form of [`diarize`] for recordings that are streamed, never held whole:
/// push the speech segments in time order as they are decoded (only their window
/// embeddings are kept, about 1 KB per 0.77 s of speech, never the audio), then call
/// [`Diarizer::finish`] for the global result (speakers stay stable over the whole
/// recording).
///
/// Steps: (0) each segment is cut at internal pauses ([`DiarizeConfig::min_pause_s`]);
/// (1) 1.6 s window embeddings of every stretch; at the end (2) when splitting is on, the
/// windows are clustered and long stretches are cut where consecutive windows fall in
/// different window clusters (over-splitting one speaker is harmless, step 3 joins the
/// pieces again; a piece's embedding is the mean of its windows); (3) the pieces (whole
/// stretches when not cut) are clustered globally.
pub struct Diarizer {
    min_pause_s: Option<f32>,
    parts: Vec<Part>,
    segments: usize,
}

impl Diarizer {
    /// An empty diarizer; only `config.min_pause_s` is used before [`Diarizer::finish`].
    pub fn new(config: &DiarizeConfig) -> Diarizer {
        Diarizer {
            min_pause_s: config.min_pause_s,
            parts: Vec::new(),
            segments: 0,
        }
    }

    /// Number of segments pushed so far.
    pub fn num_segments(&self) -> usize {
        self.segments
    }

    /// Adds the next segment: `pcm_16k` starts at sample `start` of the recording.
    /// Returns the segment's index (the `segment` of its [`Turn`]s).
    pub fn push_segment(&mut self, encoder: &VoiceEncoder, start: usize, pcm_16k: &[f32]) -> usize {
        let index = self.segments;
        self.segments += 1;
        let n = pcm_16k.len();
        let stretches = match self.min_pause_s {
            Some(p) => split_at_pauses(pcm_16k, p),
            None => vec![Stretch {
                span: (0, n),
                speech: (0, n),
            }],
        };
        let audio: Vec<&[f32]> = stretches
            .iter()
            .map(|st| &pcm_16k[st.speech.0.min(n)..st.speech.1.min(n).max(st.speech.0.min(n))])
            .collect();
        let nonempty: Vec<&[f32]> = audio.iter().copied().filter(|a| !a.is_empty()).collect();
        let mut embs = encoder.embed_windows_batch(&nonempty).into_iter();
        for (st, a) in stretches.iter().zip(audio.iter()) {
            let windows = if a.is_empty() {
                Vec::new()
            } else {
                embs.next().unwrap_or_default()
            };
            self.parts.push(Part {
                segment: index,
                span: (start + st.span.0, start + st.span.1),
                speech: (start + st.speech.0, start + st.speech.0 + a.len()),
                embedding: utterance_embedding(&windows),
                windows,
            });
        }
        index
    }

    /// Clusters everything pushed so far into speakers (see [`diarize`]).
    pub fn finish(&self, config: &DiarizeConfig) -> Diarization {
        finish(&self.parts, self.segments, config)
    }
}

/// Embedding of a piece (sample range relative to the stretch's speech) from the
/// stretch's windows: the mean of the windows centred inside it, else of the window that
/// overlaps it most.
fn piece_embedding(windows: &[WindowEmbedding], p: &Piece) -> Embedding {
    let half = WINDOW_SAMPLES / 2;
    let inside: Vec<&Embedding> = windows
        .iter()
        .filter(|w| (p.start..p.end).contains(&(w.start + half)))
        .map(|w| &w.embedding)
        .collect();
    if !inside.is_empty() {
        return Embedding::mean(inside);
    }
    windows
        .iter()
        .max_by_key(|w| w.end.min(p.end).saturating_sub(w.start.max(p.start)))
        .map(|w| w.embedding)
        .unwrap_or_default()
}

fn finish(parts: &[Part], n_segments: usize, config: &DiarizeConfig) -> Diarization {
    let sr = SAMPLE_RATE as f32;
    let speech_len = |i: usize| parts[i].speech.1 - parts[i].speech.0;
    let is_long = |i: usize| {
        config
            .split_min_s
            .is_some_and(|min| speech_len(i) as f32 >= min * sr && parts[i].windows.len() >= 2)
    };

    // Step 2: cut long stretches at window-cluster changes.
    let mut cuts: Vec<Vec<Piece>> = vec![Vec::new(); parts.len()];
    if (0..parts.len()).any(is_long) {
        let mut items = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if is_long(i) {
                items.extend(part.windows.iter().map(|w| Item {
                    embedding: w.embedding,
                    duration_s: WINDOW_SAMPLES as f32 / sr,
                }));
            } else {
                items.push(Item {
                    embedding: part.embedding,
                    duration_s: speech_len(i) as f32 / sr,
                });
            }
        }
        // Automatic count even when the speaker count is known: splitting one voice in
        // two here is harmless (step 3 joins the pieces), merging two voices is not.
        let window_config = ClusterConfig {
            num_speakers: None,
            max_speakers: config
                .cluster
                .max_speakers
                .max(config.cluster.num_speakers.unwrap_or(0) + 4),
            merge_similarity: config.cluster.merge_similarity.max(WINDOW_MERGE_SIMILARITY),
            ..config.cluster.clone()
        };
        let window_clusters = cluster(&items, &window_config);
        if window_clusters.num_speakers() >= 2 {
            for (i, cut) in cuts.iter_mut().enumerate() {
                if is_long(i) {
                    let p = pieces(
                        &parts[i].windows,
                        &window_clusters.centroids,
                        speech_len(i),
                        &config.change,
                    );
                    if p.len() > 1 {
                        *cut = p;
                    }
                }
            }
        }
    }
    let units = units_of(parts, &cuts);

    // Step 3: cluster the pieces.
    let items: Vec<Item> = units
        .iter()
        .map(|u| Item {
            embedding: u.embedding,
            duration_s: u.speech as f32 / sr,
        })
        .collect();
    let clustering = cluster(&items, &config.cluster);
    let centroids = clustering.centroids.clone();
    let unit_embs: Vec<Embedding> = units.iter().map(|u| u.embedding).collect();
    let mut unit_labels = clustering.labels.clone();
    fill_silent(&mut unit_labels, &unit_embs);
    let mut turns: Vec<Turn> = Vec::new();
    for (u, &speaker) in units.iter().zip(unit_labels.iter()) {
        match turns.last_mut() {
            Some(last) if last.segment == u.segment && last.speaker == speaker => {
                last.end = u.end;
            }
            _ => turns.push(Turn {
                start: u.start,
                end: u.end,
                speaker,
                segment: u.segment,
            }),
        }
    }
    let seg_labels = segment_speakers(&turns, n_segments, centroids.len());

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
    let names = match &config.group_match {
        Some(rule) => group_speaker_names(&centroids, &config.enrolled, rule),
        None => speaker_names(&centroids, &config.enrolled, config.min_enroll_similarity),
    };
    Diarization {
        turns,
        segment_speakers: seg_labels.into_iter().map(remap).collect(),
        names,
        centroids,
    }
}

/// The units step 3 clusters: each part whole, or the pieces step 2 cut it into (the first
/// and last piece keep the part's outer span).
fn units_of(parts: &[Part], cuts: &[Vec<Piece>]) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    for (i, c) in cuts.iter().enumerate() {
        let part = &parts[i];
        if c.is_empty() {
            units.push(Unit {
                segment: part.segment,
                start: part.span.0,
                end: part.span.1,
                speech: part.speech.1 - part.speech.0,
                embedding: part.embedding,
            });
        } else {
            for (k, p) in c.iter().enumerate() {
                let start = if k == 0 {
                    part.span.0
                } else {
                    part.speech.0 + p.start
                };
                let end = if k + 1 == c.len() {
                    part.span.1
                } else {
                    part.speech.0 + p.end
                };
                units.push(Unit {
                    segment: part.segment,
                    start,
                    end,
                    speech: p.end - p.start,
                    embedding: piece_embedding(&part.windows, p),
                });
            }
        }
    }
    units
}

/// The speaker of each segment: the one with most of its time (turns are in segment order);
/// a segment whose turns have no length takes its first turn's speaker.
fn segment_speakers(turns: &[Turn], n_segments: usize, n_speakers: usize) -> Vec<usize> {
    let mut seg_labels = vec![0usize; n_segments];
    let mut time = vec![0usize; n_speakers.max(1)];
    let mut k = 0;
    for (i, label) in seg_labels.iter_mut().enumerate() {
        time.iter_mut().for_each(|v| *v = 0);
        let first = k;
        while k < turns.len() && turns[k].segment == i {
            if let Some(v) = time.get_mut(turns[k].speaker) {
                *v += turns[k].end - turns[k].start;
            }
            k += 1;
        }
        *label = time
            .iter()
            .enumerate()
            .max_by_key(|&(k, v)| (*v, usize::MAX - k))
            .map_or(0, |(k, _)| k);
        if first < k && time.iter().all(|&v| v == 0) {
            *label = turns[first].speaker;
        }
    }
    seg_labels
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
