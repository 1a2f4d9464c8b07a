//! Offline speaker attribution of a whole recording: embed every speech segment (e.g. the
//! Whisper segments, or VAD regions), split segments at internal pauses and where the
//! speaker changes, cluster the pieces globally into speakers (stable over the whole
//! recording), and name speakers from enrollments.

use super::change::{ChangeConfig, Piece, Stretch, pieces, split_at_pauses};
use super::cluster::Clustering;
use super::cluster::{ClusterConfig, Item, cluster};
use super::encoder::{Embedding, VoiceEncoder, WindowEmbedding, utterance_embedding};
use super::enroll::{
    DEFAULT_MIN_SIMILARITY, Enrollment, VoiceMatch, group_matches, group_scores,
    group_speaker_names, speaker_names,
};
use super::mel::{FRAME_STEP, HOP, SAMPLE_RATE, WINDOW_SAMPLES};

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
#[derive(Clone, Debug, Default)]
struct Part {
    segment: usize,
    span: (usize, usize),
    speech: (usize, usize),
    windows: Vec<WindowEmbedding>,
    embedding: Embedding,
}

impl Part {
    /// The part as stretch of segment `segment`, which starts at sample `start`.
    fn placed(mut self, segment: usize, start: usize) -> Part {
        self.segment = segment;
        self.span = (start + self.span.0, start + self.span.1);
        self.speech = (start + self.speech.0, start + self.speech.1);
        self
    }
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
        let prints = SegmentPrints::of(encoder, pcm_16k, self.min_pause_s);
        let index = self.segments;
        self.segments += 1;
        self.parts
            .extend(prints.parts.into_iter().map(|p| p.placed(index, start)));
        index
    }

    /// Clusters everything pushed so far into speakers (see [`diarize`]).
    pub fn finish(&self, config: &DiarizeConfig) -> Diarization {
        finish(&self.parts, self.segments, config)
    }
}

/// The voice prints of one speech segment as [`Diarizer`] keeps them: the segment cut at
/// internal pauses, and the 1.6 s window embeddings of each stretch. The live attributor
/// keeps these per line, so that its re-clustering sees what the offline path sees
/// ([`diarize_prints`]) instead of one print per line.
#[derive(Clone, Debug, Default)]
pub struct SegmentPrints {
    /// Stretches with positions relative to the segment's first sample.
    parts: Vec<Part>,
}

impl SegmentPrints {
    /// The prints of `pcm_16k`, cut at pauses of at least `min_pause_s` (`None`: whole).
    pub fn of(encoder: &VoiceEncoder, pcm_16k: &[f32], min_pause_s: Option<f32>) -> SegmentPrints {
        let n = pcm_16k.len();
        let stretches = match min_pause_s {
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
        let parts = stretches
            .iter()
            .zip(audio.iter())
            .map(|(st, a)| {
                let windows = if a.is_empty() {
                    Vec::new()
                } else {
                    embs.next().unwrap_or_default()
                };
                Part {
                    segment: 0,
                    span: st.span,
                    speech: (st.speech.0, st.speech.0 + a.len()),
                    embedding: utterance_embedding(&windows),
                    windows,
                }
            })
            .collect();
        SegmentPrints { parts }
    }

    /// A segment known only by one print for `samples` of speech (one stretch, one window).
    pub fn from_embedding(embedding: Embedding, samples: usize) -> SegmentPrints {
        SegmentPrints {
            parts: vec![Part {
                segment: 0,
                span: (0, samples),
                speech: (0, samples),
                windows: vec![WindowEmbedding {
                    start: 0,
                    end: samples,
                    embedding,
                }],
                embedding,
            }],
        }
    }

    /// A segment of one stretch of speech known by its window prints, one every 0.77 s
    /// (the encoder's layout), e.g. prints kept from an earlier run.
    pub fn from_windows(prints: &[Embedding]) -> SegmentPrints {
        let step = FRAME_STEP * HOP;
        let windows: Vec<WindowEmbedding> = prints
            .iter()
            .enumerate()
            .map(|(k, e)| WindowEmbedding {
                start: k * step,
                end: k * step + WINDOW_SAMPLES,
                embedding: *e,
            })
            .collect();
        let samples = windows.last().map_or(0, |w| w.end);
        SegmentPrints {
            parts: vec![Part {
                segment: 0,
                span: (0, samples),
                speech: (0, samples),
                embedding: utterance_embedding(&windows),
                windows,
            }],
        }
    }

    /// The segment's print: the normalised mean of all its windows (zero when silent), the
    /// print of its speech without the pauses.
    pub fn embedding(&self) -> Embedding {
        Embedding::mean(
            self.parts
                .iter()
                .flat_map(|p| p.windows.iter().map(|w| &w.embedding)),
        )
    }
}

/// [`diarize`] over segments whose prints were taken already (`prints[i]` is segment `i`;
/// segments are laid end to end, so [`Diarization::turns`] positions count from the first
/// one's start): the clustering of the whole session the live attributor repeats as lines
/// arrive. Only [`DiarizeConfig::min_pause_s`] is not used (the prints were cut already).
pub fn diarize_prints(prints: &[&SegmentPrints], config: &DiarizeConfig) -> Diarization {
    let mut parts = Vec::new();
    let mut offset = 0;
    for (i, p) in prints.iter().enumerate() {
        let len = p.parts.iter().map(|x| x.span.1).max().unwrap_or(0);
        parts.extend(p.parts.iter().cloned().map(|x| x.placed(i, offset)));
        offset += len;
    }
    finish(&parts, prints.len(), config)
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
            // Window clusters only place the cuts; they are kept as they were measured.
            centre: false,
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
    let mut clustering = cluster(&items, &config.cluster);
    if let Some(rule) = &config.group_match
        && config.cluster.num_speakers.is_none()
    {
        clustering = split_for_group(&items, clustering, config, rule);
    }
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

/// Speech a split-off guest must hold (seconds): a few seconds split off a member are
/// more often the member's own voice in another mood or spot of the room than a guest.
const GUEST_MIN_S: f32 = 10.0;
/// Share of a split-off guest's speech that must come from named speakers.
const GUEST_SOURCE_SHARE: f32 = 0.8;
/// A part of a split-off guest's speech at least this share of it counts as taken from
/// that speaker (less is the clustering's shuffle at the edges).
const GUEST_MIN_PART: f32 = 0.2;
/// A split-off guest holds at most this many times the speech left with the member. A
/// speaker is named after the member its centroid matches; had most of its speech been a
/// guest's, it would not have matched the member, so a "guest" part much larger than the
/// member's is the member's own voice heard another way (another spot in the room). In 32
/// simulated rooms: parts split off a member's own voice held 2.6-3.9 times the rest, parts
/// that were another voice 0.6-1.1 times (see the README, "Groepen / Groups").
const GUEST_MAX_RATIO: f32 = 1.5;

/// How many speakers beyond the current count [`split_for_group`] tries.
const SPLIT_LOOKAHEAD: usize = 2;

/// Profile-guided splitting (offline, with a group's voices, automatic count): the
/// clustering may merge two similar voices in a reverberant room, and a merged speaker
/// carries one name for both. The group's prints are evidence the clustering lacks, so
/// one or two speakers more are tried (the same clustering with a known count) and a
/// candidate is kept when
/// - it names a member more and every member named before stays named (two members
///   were merged), or
/// - it names the same members and one speaker more matches nobody, split off a named
///   speaker ([`guest_split_off`]: a guest or a forgotten member merged with a member);
///
/// then the search goes on from the kept one. A candidate that only cuts a voice in two
/// (a guest, or a member in two halves that both match the member) is not taken.
fn split_for_group(
    items: &[Item],
    mut best: Clustering,
    config: &DiarizeConfig,
    rule: &VoiceMatch,
) -> Clustering {
    let named = |c: &Clustering| -> Vec<usize> {
        let mut v: Vec<usize> = group_matches(&c.centroids, &config.enrolled, rule)
            .into_iter()
            .flatten()
            .collect();
        v.sort_unstable();
        v
    };
    let mut names = named(&best);
    'grow: loop {
        for k in best.num_speakers() + 1..=best.num_speakers() + SPLIT_LOOKAHEAD {
            if k > config.cluster.max_speakers {
                break 'grow;
            }
            let candidate = cluster(
                items,
                &ClusterConfig {
                    num_speakers: Some(k),
                    ..config.cluster.clone()
                },
            );
            if candidate.num_speakers() != k {
                break 'grow;
            }
            let more = named(&candidate);
            let guest_out = more == names
                && k == best.num_speakers() + 1
                && guest_split_off(items, &best, &candidate, config, rule);
            let member_out = more.len() > names.len()
                && names.iter().all(|m| more.contains(m))
                && new_names_are_first_choices(&candidate, &names, config, rule);
            if guest_out || member_out {
                best = candidate;
                names = more;
                continue 'grow;
            }
        }
        break;
    }
    best
}

/// Whether every speaker of `candidate` named after a member not in `before` scores
/// highest with that member: a voice split off a member that only takes a free name as
/// its second choice (the one-to-one assignment gave its first choice to the other half)
/// is a member cut in two, not a second member.
fn new_names_are_first_choices(
    candidate: &Clustering,
    before: &[usize],
    config: &DiarizeConfig,
    rule: &VoiceMatch,
) -> bool {
    let scores = group_scores(&candidate.centroids, &config.enrolled, rule);
    group_matches(&candidate.centroids, &config.enrolled, rule)
        .iter()
        .zip(scores.iter())
        .all(|(m, row)| match m {
            Some(m) if !before.contains(m) => row
                .iter()
                .enumerate()
                .all(|(j, s)| j == *m || s.0 < row[*m].0),
            _ => true,
        })
}

/// Whether `candidate` (one speaker more than `best`, naming the same members) took a
/// voice that matches no member out of a named speaker: a guest (or a forgotten member)
/// whom the clustering had merged with a member. The split is kept when one new speaker
/// matches nobody and holds at least [`GUEST_MIN_S`], at least [`GUEST_SOURCE_SHARE`] of its
/// speech comes from named speakers, and from each speaker it took a part of (at least
/// [`GUEST_MIN_PART`] of its speech) that speaker's member stays named with at least
/// 1/[`GUEST_MAX_RATIO`] of the part left. A guest's voice can be spread over two members'
/// speakers (in a held-out room, `nl-big` forgotten: 7 s with one member, 8 s with another;
/// until 7 Dec the rule asked 80 % from one speaker, and his voice kept their names for 98 %
/// of its time). (An earlier rule also asked that what is left of the member's speaker score
/// higher with her prints than before; both scores are centred on the session's mean voice,
/// which moves when a speaker is added, and in 32 rooms with each of four members forgotten
/// in turn the rule only ever blocked one split, a forgotten member's, whose voice then kept
/// another member's name.)
fn guest_split_off(
    items: &[Item],
    best: &Clustering,
    candidate: &Clustering,
    config: &DiarizeConfig,
    rule: &VoiceMatch,
) -> bool {
    let before = group_scores(&best.centroids, &config.enrolled, rule);
    let after = group_scores(&candidate.centroids, &config.enrolled, rule);
    let strangers = |scores: &[Vec<(f32, bool)>]| {
        scores
            .iter()
            .filter(|row| row.iter().all(|&(_, ok)| !ok))
            .count()
    };
    if strangers(&after) != strangers(&before) + 1 {
        return false;
    }
    let named_before = group_matches(&best.centroids, &config.enrolled, rule);
    let named_after = group_matches(&candidate.centroids, &config.enrolled, rule);
    let (kb, kc) = (best.num_speakers(), candidate.num_speakers());
    // Speech of each candidate speaker by the speaker it had before.
    let mut from = vec![vec![0.0f32; kb]; kc];
    for (i, it) in items.iter().enumerate() {
        let (c, b) = (candidate.labels[i], best.labels[i]);
        if c < kc && b < kb && it.duration_s.is_finite() {
            from[c][b] += it.duration_s.max(0.0);
        }
    }
    (0..kc).any(|c| {
        let total: f32 = from[c].iter().sum();
        let new_stranger =
            named_after[c].is_none() && after[c].iter().all(|&(_, ok)| !ok) && total >= GUEST_MIN_S;
        if !new_stranger {
            return false;
        }
        // Every speaker it took a real part from was named, its member stays named, and
        // the part taken is at most GUEST_MAX_RATIO times what is left with the member.
        let mut from_named = 0.0f32;
        for (b, &part) in from[c].iter().enumerate() {
            if part < GUEST_MIN_PART * total {
                continue;
            }
            let Some(member) = named_before[b] else {
                return false;
            };
            let Some(rest) = named_after.iter().position(|m| *m == Some(member)) else {
                return false;
            };
            if part > GUEST_MAX_RATIO * from[rest].iter().sum::<f32>() {
                return false;
            }
            from_named += part;
        }
        from_named >= GUEST_SOURCE_SHARE * total
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule groups use.
    const RULE: VoiceMatch = super::super::enroll::GROUP_MATCH;

    /// A voice in one room: the room's common component (axis 0) plus the voice's own
    /// direction (axis `10 + v`, weight `w`), with a little per-item spread.
    fn voice(v: usize, w: f32, jitter: usize) -> Embedding {
        let mut e = Embedding::default();
        e.0[0] = 1.0;
        e.0[10 + v] = w;
        e.0[100 + jitter % 50] = 0.1;
        e.normalized()
    }

    /// Alternating turns of 2.5 s by the voices `(v, w)`.
    fn session(voices: &[(usize, f32)], turns: usize) -> Vec<Item> {
        (0..turns)
            .map(|j| {
                let (v, w) = voices[j % voices.len()];
                Item {
                    embedding: voice(v, w, j),
                    duration_s: 2.5,
                }
            })
            .collect()
    }

    fn print(name: &str, v: usize, w: f32) -> Enrollment {
        let mut e = Embedding::default();
        e.0[0] = 1.0;
        e.0[10 + v] = w;
        Enrollment::from_embedding(name, e)
    }

    /// Centring (see [`cluster`]) already tells these voices apart; without it the
    /// clustering merges them as it can in a room, which is what the splitting must undo.
    fn group_config(enrolled: Vec<Enrollment>) -> DiarizeConfig {
        DiarizeConfig {
            enrolled,
            group_match: Some(RULE),
            cluster: ClusterConfig {
                centre: false,
                ..ClusterConfig::default()
            },
            ..DiarizeConfig::default()
        }
    }

    fn split_and_name(items: &[Item], config: &DiarizeConfig) -> (Clustering, Vec<String>) {
        let c = split_for_group(items, cluster(items, &config.cluster), config, &RULE);
        let names = group_speaker_names(&c.centroids, &config.enrolled, &RULE);
        (c, names)
    }

    /// Asserts that item `j` carries `who[j % who.len()]` (the session's voices in turn).
    fn assert_named_in_turn(c: &Clustering, names: &[String], who: &[&str]) {
        for (j, &label) in c.labels.iter().enumerate() {
            assert_eq!(names[label], who[j % who.len()], "item {j}");
        }
    }

    #[test]
    fn two_similar_members_merged_by_the_clustering_are_split_by_their_prints() {
        // Anna and Bram sound alike in this room (0.8): the automatic count merges them.
        let items = session(&[(1, 0.5), (2, 0.5), (3, 1.5)], 36);
        let config = group_config(vec![
            print("Anna", 1, 0.5),
            print("Bram", 2, 0.5),
            print("Cor", 3, 1.5),
        ]);
        assert_eq!(cluster(&items, &config.cluster).num_speakers(), 2);
        let (c, names) = split_and_name(&items, &config);
        assert_eq!(c.num_speakers(), 3);
        assert_named_in_turn(&c, &names, &["Anna", "Bram", "Cor"]);
    }

    #[test]
    fn a_guest_merged_with_a_member_is_split_off_and_stays_anonymous() {
        // Bram is not in the group (a guest, or forgotten) and sounds like Anna.
        let items = session(&[(1, 0.55), (2, 0.55), (3, 1.5)], 36);
        let config = group_config(vec![print("Anna", 1, 0.55), print("Cor", 3, 1.5)]);
        assert_eq!(cluster(&items, &config.cluster).num_speakers(), 2);
        let (c, names) = split_and_name(&items, &config);
        assert_eq!(c.num_speakers(), 3);
        assert_named_in_turn(&c, &names, &["Anna", "S1", "Cor"]);
    }

    #[test]
    fn a_member_heard_mostly_unlike_her_print_is_not_cut_in_two() {
        // Two thirds of what Anna says here sound unlike her print (voice 2: another spot
        // in the room, another mood), a third like it. The part that matches nobody holds
        // twice the speech of the part that matches her: had it been a guest, the speaker
        // would not have matched Anna in the first place, so it stays hers.
        let items = session(&[(1, 0.55), (2, 0.55), (2, 0.55), (3, 1.5)], 48);
        let config = group_config(vec![print("Anna", 1, 0.55), print("Cor", 3, 1.5)]);
        let (c, names) = split_and_name(&items, &config);
        assert_named_in_turn(&c, &names, &["Anna", "Anna", "Anna", "Cor"]);
    }

    #[test]
    fn members_alone_are_not_cut_in_two() {
        let items = session(&[(1, 0.55), (3, 1.5)], 36);
        let config = group_config(vec![
            print("Anna", 1, 0.55),
            print("Bram", 2, 0.55),
            print("Cor", 3, 1.5),
        ]);
        let (c, names) = split_and_name(&items, &config);
        assert_eq!(c.num_speakers(), 2);
        assert_eq!(names, vec!["Anna", "Cor"]);
        // A short guest (below GUEST_MIN_S) merged with Anna is left with her.
        let mut items = session(&[(1, 0.55), (3, 1.5)], 36);
        items.extend(session(&[(2, 0.55)], 3));
        let config = group_config(vec![print("Anna", 1, 0.55), print("Cor", 3, 1.5)]);
        let (c, _) = split_and_name(&items, &config);
        assert_eq!(c.num_speakers(), 2);
    }
}
