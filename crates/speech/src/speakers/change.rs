//! Speaker-change detection inside one segment (a long Whisper segment may span two
//! speakers): embed 1.6 s windows every 0.77 s, give each window its nearest speaker
//! centroid, smooth away single-window blips, and report the sample positions where the
//! label changes (halfway between the centres of the two windows that disagree).

use super::cluster::nearest;
use super::encoder::{Embedding, VoiceEncoder, WindowEmbedding};
use super::mel::{SAMPLE_RATE, WINDOW_SAMPLES};

/// Settings of [`change_points`].
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeConfig {
    /// No piece shorter than this (seconds) is cut off.
    pub min_piece_s: f32,
    /// A window's label only counts when its best centroid beats the runner-up by this
    /// much (cosine); unsure windows take their neighbours' label.
    pub min_margin: f32,
    /// Segments shorter than this (seconds) are never split.
    pub min_segment_s: f32,
}

impl Default for ChangeConfig {
    fn default() -> Self {
        Self {
            min_piece_s: 1.0,
            min_margin: 0.02,
            min_segment_s: 2.4,
        }
    }
}

/// A piece of a segment attributed to one speaker (sample range within the segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// First sample (relative to the segment start).
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
    /// Speaker index (into the centroids).
    pub speaker: usize,
}

/// Nearest-centroid label per window, with its margin over the runner-up.
fn window_labels(windows: &[WindowEmbedding], centroids: &[Embedding]) -> Vec<(usize, f32)> {
    windows
        .iter()
        .map(|w| {
            let (best, s) = nearest(&w.embedding, centroids).unwrap_or((0, 0.0));
            let second = centroids
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != best)
                .map(|(_, c)| w.embedding.dot(c))
                .fold(f32::NEG_INFINITY, f32::max);
            let margin = if second.is_finite() { s - second } else { 1.0 };
            (best, margin)
        })
        .collect()
}

/// Splits a segment of `n_samples` samples whose windows are `windows` (from
/// [`VoiceEncoder::embed_windows`]) into single-speaker pieces. Always returns at least
/// one piece when `n_samples > 0` and there is a centroid.
pub fn pieces(
    windows: &[WindowEmbedding],
    centroids: &[Embedding],
    n_samples: usize,
    config: &ChangeConfig,
) -> Vec<Piece> {
    if n_samples == 0 || centroids.is_empty() {
        return Vec::new();
    }
    let labels = window_labels(windows, centroids);
    let whole = |speaker: usize| {
        vec![Piece {
            start: 0,
            end: n_samples,
            speaker,
        }]
    };
    // Whole-segment fallback label: the majority of confident windows.
    let mut votes = vec![0usize; centroids.len()];
    for &(l, _) in &labels {
        if let Some(v) = votes.get_mut(l) {
            *v += 1;
        }
    }
    let majority = votes
        .iter()
        .enumerate()
        .max_by_key(|&(i, v)| (*v, usize::MAX - i))
        .map_or(0, |(i, _)| i);
    let sr = SAMPLE_RATE as f32;
    if labels.len() < 2 || centroids.len() < 2 || (n_samples as f32) < config.min_segment_s * sr {
        return whole(majority);
    }
    // Unsure windows take the label of the nearest sure neighbour (left first).
    let mut lab: Vec<usize> = labels.iter().map(|&(l, _)| l).collect();
    let sure: Vec<bool> = labels
        .iter()
        .map(|&(_, m)| m >= config.min_margin)
        .collect();
    for i in 0..lab.len() {
        if !sure[i] {
            let left = (0..i).rev().find(|&j| sure[j]);
            let right = (i + 1..lab.len()).find(|&j| sure[j]);
            if let Some(j) = left.or(right) {
                lab[i] = labels[j].0;
            }
        }
    }
    // Single-window blips between two windows that agree are noise.
    for i in 1..lab.len().saturating_sub(1) {
        if lab[i - 1] == lab[i + 1] && lab[i] != lab[i - 1] {
            lab[i] = lab[i - 1];
        }
    }
    let half = WINDOW_SAMPLES / 2;
    let mut cuts: Vec<(usize, usize)> = Vec::new(); // (sample, speaker after the cut)
    for i in 0..lab.len() - 1 {
        if lab[i] != lab[i + 1] {
            let c0 = windows[i].start + half;
            let c1 = windows[i + 1].start + half;
            cuts.push(((c0 + c1) / 2, lab[i + 1]));
        }
    }
    let min_piece = (config.min_piece_s.max(0.0) * sr) as usize;
    let mut out: Vec<Piece> = Vec::new();
    let mut start = 0usize;
    let mut speaker = lab[0];
    for (at, next) in cuts {
        let at = at.min(n_samples);
        if at < start + min_piece || at + min_piece > n_samples {
            // Too short a piece: the later speaker takes it over when it is the first
            // piece, else the cut is skipped.
            if out.is_empty() && at < start + min_piece {
                speaker = next;
            }
            continue;
        }
        out.push(Piece {
            start,
            end: at,
            speaker,
        });
        start = at;
        speaker = next;
    }
    out.push(Piece {
        start,
        end: n_samples,
        speaker,
    });
    // Join neighbours that ended up with the same speaker.
    let mut merged: Vec<Piece> = Vec::with_capacity(out.len());
    for p in out {
        match merged.last_mut() {
            Some(last) if last.speaker == p.speaker => last.end = p.end,
            _ => merged.push(p),
        }
    }
    merged
}

/// Sample positions (within the segment) where the speaker changes.
pub fn change_points(
    windows: &[WindowEmbedding],
    centroids: &[Embedding],
    n_samples: usize,
    config: &ChangeConfig,
) -> Vec<usize> {
    pieces(windows, centroids, n_samples, config)
        .iter()
        .skip(1)
        .map(|p| p.start)
        .collect()
}

/// Embeds the windows of `pcm_16k` and splits it into single-speaker pieces.
pub fn split_segment(
    encoder: &VoiceEncoder,
    pcm_16k: &[f32],
    centroids: &[Embedding],
    config: &ChangeConfig,
) -> Vec<Piece> {
    if pcm_16k.is_empty() || centroids.is_empty() {
        return Vec::new();
    }
    if (pcm_16k.len() as f32) < config.min_segment_s * SAMPLE_RATE as f32 || centroids.len() < 2 {
        let e = encoder.embed_utterance(pcm_16k);
        let speaker = nearest(&e, centroids).map_or(0, |(k, _)| k);
        return vec![Piece {
            start: 0,
            end: pcm_16k.len(),
            speaker,
        }];
    }
    let windows = encoder.embed_windows(pcm_16k);
    pieces(&windows, centroids, pcm_16k.len(), config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(a: usize) -> Embedding {
        let mut e = Embedding::default();
        e.0[a] = 1.0;
        e
    }

    fn windows(labels: &[usize]) -> Vec<WindowEmbedding> {
        labels
            .iter()
            .enumerate()
            .map(|(i, &l)| WindowEmbedding {
                start: i * 77 * 160,
                end: i * 77 * 160 + WINDOW_SAMPLES,
                embedding: axis(l),
            })
            .collect()
    }

    #[test]
    fn finds_one_change_and_ignores_blips() {
        let c = [axis(0), axis(1)];
        let cfg = ChangeConfig::default();
        let w = windows(&[0, 0, 0, 1, 1, 1]);
        let n = 5 * 77 * 160 + WINDOW_SAMPLES;
        let p = pieces(&w, &c, n, &cfg);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].speaker, p[1].speaker), (0, 1));
        let expect = (2 * 77 * 160 + 3 * 77 * 160) / 2 + WINDOW_SAMPLES / 2;
        assert_eq!(p[1].start, expect);
        assert_eq!(change_points(&w, &c, n, &cfg), vec![expect]);
        let blip = windows(&[0, 0, 1, 0, 0]);
        assert_eq!(pieces(&blip, &c, n, &cfg).len(), 1);
    }

    #[test]
    fn pauses_cut_segments() {
        let tone =
            |n: usize| -> Vec<f32> { (0..n).map(|i| 0.3 * (i as f32 * 0.05).sin()).collect() };
        let mut pcm = tone(16000);
        pcm.extend(vec![0.0; 8000]);
        pcm.extend(tone(16000));
        pcm.extend(vec![0.0; 1600]); // 0.1 s: too short to cut
        pcm.extend(tone(8000));
        let st = split_at_pauses(&pcm, 0.3);
        assert_eq!(st.len(), 2, "{st:?}");
        assert_eq!(st[0].span.0, 0);
        assert_eq!(st[0].span.1, st[1].span.0);
        assert_eq!(st[1].span.1, pcm.len());
        let cut = st[0].span.1 as f32 / 16000.0;
        assert!((cut - 1.25).abs() < 0.02, "cut at {cut}");
        assert!(st[1].speech.0 >= 24000 - 800 && st[1].speech.0 <= 24000);
        assert_eq!(split_at_pauses(&[], 0.3).len(), 1);
        assert_eq!(split_at_pauses(&vec![0.0; 32000], 0.3).len(), 1);
        assert_eq!(split_at_pauses(&pcm, f32::NAN).len(), 1);
        assert_eq!(split_at_pauses(&vec![f32::NAN; 32000], 0.3).len(), 1);
    }

    #[test]
    fn degenerate() {
        let cfg = ChangeConfig::default();
        assert!(pieces(&[], &[], 0, &cfg).is_empty());
        let p = pieces(&[], &[axis(3)], 100, &cfg);
        assert_eq!(
            p,
            vec![Piece {
                start: 0,
                end: 100,
                speaker: 0
            }]
        );
        let w = windows(&[0, 1]);
        assert_eq!(pieces(&w, &[axis(0), axis(1)], 10, &cfg).len(), 1);
    }
}

/// A stretch of a segment between internal pauses: `span` covers the segment without
/// gaps (cuts lie in the middle of pauses), `speech` is the sounding part used for
/// embedding. Sample offsets are relative to the segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stretch {
    /// Start and end of the stretch's share of the segment.
    pub span: (usize, usize),
    /// Start and end of its speech (within `span`).
    pub speech: (usize, usize),
}

/// Cuts a segment at internal pauses of at least `min_pause_s` seconds. A pause frame
/// (10 ms) is one more than 35 dB below the segment's loudest frame, or below -55 dBFS
/// whatever the loudest. A segment without such pauses is one stretch. Speech parts keep
/// 50 ms of context on each side.
pub fn split_at_pauses(pcm: &[f32], min_pause_s: f32) -> Vec<Stretch> {
    const FRAME: usize = 160;
    let n = pcm.len();
    let whole = vec![Stretch {
        span: (0, n),
        speech: (0, n),
    }];
    let frames = n / FRAME;
    if frames < 3 || !(min_pause_s.is_finite() && min_pause_s > 0.0) {
        return whole;
    }
    let db: Vec<f32> = pcm
        .chunks(FRAME)
        .take(frames)
        .map(|f| {
            let e: f32 = f
                .iter()
                .map(|v| if v.is_finite() { v * v } else { 0.0 })
                .sum::<f32>()
                / FRAME as f32;
            10.0 * (e + 1e-12).log10()
        })
        .collect();
    let loudest = db.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let floor = (loudest - 35.0).max(-55.0);
    let voiced: Vec<bool> = db.iter().map(|&d| d > floor).collect();
    let min_pause = ((min_pause_s * 100.0).round() as usize).max(1);
    // Speech runs: voiced frames joined across gaps shorter than min_pause.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < frames {
        if !voiced[i] {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        let mut j = i + 1;
        while j < frames {
            if voiced[j] {
                end = j + 1;
                j += 1;
            } else if j - end + 1 >= min_pause {
                break;
            } else {
                j += 1;
            }
        }
        runs.push((start, end));
        i = j.max(end);
    }
    if runs.is_empty() {
        return whole;
    }
    let ctx = 5; // 50 ms
    let mut out = Vec::with_capacity(runs.len());
    for (k, &(a, b)) in runs.iter().enumerate() {
        let span_start = if k == 0 {
            0
        } else {
            (runs[k - 1].1 + a) / 2 * FRAME
        };
        let span_end = if k + 1 == runs.len() {
            n
        } else {
            (b + runs[k + 1].0) / 2 * FRAME
        };
        let s0 = (a.saturating_sub(ctx) * FRAME).max(span_start);
        let s1 = ((b + ctx) * FRAME).min(span_end);
        out.push(Stretch {
            span: (span_start, span_end),
            speech: (s0, s1.max(s0)),
        });
    }
    out
}
