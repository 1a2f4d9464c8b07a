//! The VAD's track of a recording in which the room hides the speech from it.
//!
//! Silero scores speech from its spectral shape over the last few hundred milliseconds. In a
//! small, hard room a far voice reaches the microphone smeared by its own echo, and Silero can
//! stop calling it speech at all: in one simulated room (RT60 0.68 s, the deeper of two voices
//! 1.7 m away) it called 0.16 of the frames that stood 12 dB over the noise floor speech, and
//! half the conversation never reached the recogniser. Dereverberated (the online WPE of
//! `online_wpe`), the same frames scored 0.95. In rooms where Silero hears the speech
//! (0.86-1.00 of the loud frames in 30 simulated rooms) dereverberation moves its scores by a
//! point or two.
//!
//! So a recording is first listened to as it is ([`hear`]): the share of its loud frames that
//! Silero calls speech, and the room check's clarity (`room`). When the room sounds
//! reverberant ([`crate::dereverb::REVERBERANT_BELOW_CLARITY`]) and Silero heard less than
//! [`MIN_HEARD_SHARE`] of the loud frames, the segmenter is given Silero's scores of the
//! dereverberated recording instead ([`dereverberated_track`], replayed by
//! [`crate::vad::ScriptedVad`]). Only the VAD hears the dereverberated audio: the segments,
//! the voice prints and the saved recording stay as recorded. Other recordings are segmented
//! exactly as before, at the cost of reading them once more (Silero and the decoder: about
//! 0.1 % of real time). Live, [`RoomAwareVad`] does the same as the audio comes.

use anyhow::Result;

use crate::dereverb::REVERBERANT_BELOW_CLARITY;
use crate::online_wpe::OnlineDereverb;
use crate::room::RoomMeter;
use crate::silero::SileroVad;
use crate::source::{AudioSource, SourceRead};
use crate::vad::{FRAME, Vad, VadKind};

/// A frame is loud when its level stands this far above the recording's noise floor (the 5th
/// percentile of the frame levels).
pub const LOUD_OVER_FLOOR_DB: f32 = 12.0;

/// Silero must call at least this share of the loud frames speech; below it, in a reverberant
/// room, it hears the dereverberated recording. Measured (share as heard / dereverberated):
/// 30 simulated rooms of two to five voices 0.86-1.00 / 0.89-1.00; the two in which it lost
/// voices 0.16 / 0.94 and 0.67 / 0.86; single far voices 0.14-0.61 / 0.23-0.65.
pub const MIN_HEARD_SHARE: f32 = 0.8;

/// Digital silence does not make a floor: frame levels are counted from this level up.
const FLOOR_MIN_DB: f32 = -90.0;

/// What Silero and the room check heard of a recording as it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hearing {
    /// Share of the loud frames Silero scored 0.5 or more; `None` without loud frames.
    pub heard_share: Option<f32>,
    /// Median clarity over the room check's 30-s spans that held speech; `None` without any.
    pub clarity: Option<f32>,
}

impl Hearing {
    /// True when the VAD should hear the recording dereverberated (see the module docs).
    pub fn needs_dereverberation(&self) -> bool {
        matches!(
            (self.heard_share, self.clarity),
            (Some(h), Some(c)) if h < MIN_HEARD_SHARE && c < REVERBERANT_BELOW_CLARITY
        )
    }
}

/// What a listener books of a stream, frame by frame: each frame's level with whether Silero
/// called it speech (1-dB bins from [`FLOOR_MIN_DB`] up), and the room check's clarity over
/// spans of the stream. Bounded memory, whatever the length.
struct Booking {
    levels: Vec<[u64; 2]>,
    meter: RoomMeter,
    span: usize,
    in_span: usize,
    clarities: Vec<f32>,
}

/// Level bins of a [`Booking`] (1 dB each from [`FLOOR_MIN_DB`] to 0 dBFS).
const LEVEL_BINS: usize = (-FLOOR_MIN_DB) as usize + 1;

impl Booking {
    /// Clarity over spans of `span_s` seconds.
    fn new(span_s: f32) -> Booking {
        Booking {
            levels: vec![[0; 2]; LEVEL_BINS],
            meter: RoomMeter::with_span(span_s),
            span: (span_s * 16_000.0) as usize,
            in_span: 0,
            clarities: Vec::new(),
        }
    }

    /// Books one frame (its samples as recorded; a short last one counts as zero-padded)
    /// and Silero's score of it.
    fn book(&mut self, frame: &[f32], p: f32) {
        let ms = frame.iter().map(|v| v * v).sum::<f32>() / FRAME as f32;
        let db = 10.0 * ms.max(1e-12).log10();
        if db >= FLOOR_MIN_DB {
            let bin = ((db - FLOOR_MIN_DB) as usize).min(LEVEL_BINS - 1);
            self.levels[bin][usize::from(p >= 0.5)] += 1;
        }
        self.meter.push(frame);
        self.in_span += frame.len();
        if self.in_span >= self.span {
            self.end_span();
        }
    }

    /// Takes the clarity of the span so far (when it held speech) and starts a new one.
    fn end_span(&mut self) {
        if let Some(e) = self
            .meter
            .estimate()
            .filter(|e| e.speech_seconds >= observant_model::room::MIN_SPEECH_SECONDS)
        {
            self.clarities.push(e.clarity);
        }
        self.meter.reset();
        self.in_span = 0;
    }

    /// What was heard so far; the share of loud frames only once there are `min_loud` of
    /// them (at least one).
    fn hearing(&self, min_loud: u64) -> Hearing {
        let total: u64 = self.levels.iter().map(|c| c[0] + c[1]).sum();
        // The floor: the 5th percentile of the frame levels.
        let mut seen = 0;
        let floor = self.levels.iter().position(|c| {
            seen += c[0] + c[1];
            seen * 20 > total
        });
        let heard_share = floor.and_then(|floor| {
            let from = (floor + LOUD_OVER_FLOOR_DB as usize + 1).min(LEVEL_BINS);
            let (quiet, called) = self.levels[from..]
                .iter()
                .fold((0, 0), |(a, b), c| (a + c[0], b + c[1]));
            (quiet + called >= min_loud.max(1)).then(|| called as f32 / (quiet + called) as f32)
        });
        let mut clarities = self.clarities.clone();
        Hearing {
            heard_share,
            clarity: median(&mut clarities),
        }
    }
}

/// Silero over a stream, whole frames at a time, the last partial frame zero-padded (as the
/// segmenter scores them); books each frame when given a [`Booking`].
struct FrameScorer {
    vad: SileroVad,
    pending: Vec<f32>,
    probabilities: Vec<f32>,
    booking: Option<Booking>,
}

impl FrameScorer {
    fn new(booking: Option<Booking>) -> Result<FrameScorer> {
        Ok(FrameScorer {
            vad: SileroVad::bundled()?,
            pending: Vec::new(),
            probabilities: Vec::new(),
            booking,
        })
    }

    fn push(&mut self, samples: &[f32]) {
        self.pending.extend_from_slice(samples);
        let whole = self.pending.len() / FRAME * FRAME;
        if whole > 0 {
            self.score(whole);
        }
    }

    fn finish(mut self) -> (Vec<f32>, Option<Booking>) {
        if !self.pending.is_empty() {
            let n = self.pending.len();
            self.score(n);
        }
        (self.probabilities, self.booking)
    }

    fn score(&mut self, n: usize) {
        let batch: Vec<f32> = self.pending.drain(..n).collect();
        let first = self.probabilities.len();
        if n.is_multiple_of(FRAME) {
            self.vad
                .speech_probabilities(&batch, &mut self.probabilities);
        } else {
            let p = self.vad.speech_probability(&batch);
            self.probabilities.push(p);
        }
        if let Some(booking) = self.booking.as_mut() {
            for (frame, &p) in batch.chunks(FRAME).zip(&self.probabilities[first..]) {
                booking.book(frame, p);
            }
        }
    }
}

/// Reads `source` to its end and says what Silero and the room check (over its own 30-s
/// spans) heard of it.
pub fn hear(mut source: impl AudioSource) -> Result<Hearing> {
    let mut scorer = FrameScorer::new(Some(Booking::new(crate::room::SPAN_SECONDS)))?;
    let mut chunk = Vec::new();
    loop {
        match source.read(&mut chunk)? {
            SourceRead::Samples(_) => scorer.push(&chunk),
            SourceRead::Pending => std::thread::sleep(std::time::Duration::from_millis(5)),
            SourceRead::End => break,
        }
    }
    let Some(mut booking) = scorer.finish().1 else {
        unreachable!("the scorer was given a booking")
    };
    if booking.in_span > 0 {
        booking.end_span();
    }
    Ok(booking.hearing(1))
}

fn median(v: &mut [f32]) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    Some(v[v.len() / 2])
}

/// Silero's score of every 512-sample frame of `source` dereverberated by the online WPE the
/// live VAD uses ([`OnlineDereverb`]), its lag taken out: one score per frame the segmenter
/// will see, aligned with the source.
pub fn dereverberated_track(mut source: impl AudioSource) -> Result<Vec<f32>> {
    let mut scorer = FrameScorer::new(None)?;
    let mut wpe = OnlineDereverb::new();
    let mut chunk = Vec::new();
    let mut out = Vec::new();
    // Output samples still to drop (the lag), samples read and samples scored.
    let (mut lag, mut read, mut scored) = (crate::online_wpe::LATENCY, 0usize, 0usize);
    let mut take = |out: &[f32], lag: &mut usize, scored: &mut usize, limit: usize| {
        let drop = (*lag).min(out.len());
        *lag -= drop;
        let n = (out.len() - drop).min(limit - *scored);
        scorer.push(&out[drop..drop + n]);
        *scored += n;
    };
    loop {
        match source.read(&mut chunk)? {
            SourceRead::Samples(_) => {
                read += chunk.len();
                out.clear();
                wpe.push(&chunk, &mut out);
                take(&out, &mut lag, &mut scored, usize::MAX);
            }
            SourceRead::Pending => std::thread::sleep(std::time::Duration::from_millis(5)),
            SourceRead::End => break,
        }
    }
    // The last samples, still inside the WPE's frame, are pushed out by silence.
    out.clear();
    wpe.push(&[0.0; crate::online_wpe::LATENCY + 128], &mut out);
    take(&out, &mut lag, &mut scored, read);
    Ok(scorer.finish().0)
}

/// Silero for a live stream that also listens to the stream dereverberated as it comes
/// ([`OnlineDereverb`]), and passes on those scores instead of its own once the session has
/// shown the same signs as a recording that needs it ([`Hearing::needs_dereverberation`]: the
/// room check's median clarity over 15-s spans below the line, and Silero calling less than
/// [`MIN_HEARD_SHARE`] of the loud frames speech, counted over the session so far, after at
/// least [`LIVE_MIN_LOUD_S`] of loud frames). Until then, and in every room where Silero hears
/// the speech, its scores are exactly Silero's own. Costs a second Silero and the online WPE:
/// all of it 0.8 % of one core (`benches/audio.rs`, `dereverb/room_aware_vad_30s`).
pub struct RoomAwareVad {
    raw: SileroVad,
    heard: SileroVad,
    wpe: OnlineDereverb,
    booking: Booking,
    frames: u64,
    dereverberated: bool,
    raw_p: Vec<f32>,
    heard_p: Vec<f32>,
    clean: Vec<f32>,
}

/// Seconds of loud frames a live session needs before its VAD may switch to the
/// dereverberated scores.
pub const LIVE_MIN_LOUD_S: f32 = 10.0;

/// The live room check's clarity is taken over spans of this many seconds (half the room
/// check's own, to decide sooner).
const LIVE_CLARITY_SPAN_S: f32 = 15.0;

impl std::fmt::Debug for RoomAwareVad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomAwareVad")
            .field("dereverberated", &self.dereverberated)
            .finish()
    }
}

impl RoomAwareVad {
    /// Silero twice (as it is and dereverberated); fails when Silero does not load.
    pub fn new() -> Result<RoomAwareVad> {
        Ok(RoomAwareVad {
            raw: SileroVad::bundled()?,
            heard: SileroVad::bundled()?,
            wpe: OnlineDereverb::new(),
            booking: Booking::new(LIVE_CLARITY_SPAN_S),
            frames: 0,
            dereverberated: false,
            raw_p: Vec::new(),
            heard_p: Vec::new(),
            clean: Vec::new(),
        })
    }

    /// True once it passes on the dereverberated scores.
    pub fn dereverberated(&self) -> bool {
        self.dereverberated
    }

    /// What it has heard of the session so far.
    pub fn hearing(&self) -> Hearing {
        let frames_per_s = 16_000.0 / FRAME as f32;
        self.booking
            .hearing((LIVE_MIN_LOUD_S * frames_per_s).ceil() as u64)
    }

    /// Books one frame (its samples as recorded and Silero's score of them).
    fn book(&mut self, frame: &[f32], p: f32) {
        self.booking.book(frame, p);
        self.frames += 1;
        // Decided again about once a second.
        if self.frames.is_multiple_of(32) {
            self.dereverberated = self.hearing().needs_dereverberation();
        }
    }
}

impl Vad for RoomAwareVad {
    fn speech_probability(&mut self, frame: &[f32]) -> f32 {
        let mut padded = [0.0f32; FRAME];
        let n = frame.len().min(FRAME);
        padded[..n].copy_from_slice(&frame[..n]);
        let mut out = Vec::with_capacity(1);
        self.speech_probabilities(&padded, &mut out);
        out.first().copied().unwrap_or(0.0)
    }

    fn speech_probabilities(&mut self, frames: &[f32], out: &mut Vec<f32>) {
        let whole = frames.len() / FRAME * FRAME;
        if whole < frames.len() {
            // A partial tail: scored zero-padded, as one more frame.
            self.speech_probabilities(&frames[..whole], out);
            let p = self.speech_probability(&frames[whole..]);
            out.push(p);
            return;
        }
        self.raw_p.clear();
        self.raw.speech_probabilities(frames, &mut self.raw_p);
        self.clean.clear();
        self.wpe.push(frames, &mut self.clean);
        self.heard_p.clear();
        self.heard
            .speech_probabilities(&self.clean, &mut self.heard_p);
        for (k, frame) in frames.chunks_exact(FRAME).enumerate() {
            let raw = self.raw_p.get(k).copied().unwrap_or(0.0);
            let heard = self.heard_p.get(k).copied().unwrap_or(0.0);
            self.book(frame, raw);
            out.push(if self.dereverberated { heard } else { raw });
        }
    }

    fn reset(&mut self) {
        self.raw.reset();
        self.heard.reset();
        self.wpe = OnlineDereverb::new();
        self.booking = Booking::new(LIVE_CLARITY_SPAN_S);
        self.frames = 0;
        self.dereverberated = false;
    }

    fn name(&self) -> &'static str {
        self.raw.name()
    }
}

/// The VAD for live listening: [`RoomAwareVad`] for Silero with dereverberation on, else the
/// detector asked for (`crate::vad::default_vad`).
pub fn live_vad(kind: VadKind, dereverb: bool) -> Box<dyn Vad> {
    if kind == VadKind::Silero && dereverb {
        match RoomAwareVad::new() {
            Ok(v) => return Box::new(v),
            Err(e) => tracing::warn!("VAD: {e:#}"),
        }
    }
    crate::vad::default_vad(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::TestSignal;

    #[test]
    fn the_share_counts_only_frames_loud_over_the_floor() {
        // 40 quiet frames (the floor), 10 loud ones of which 4 were called speech.
        let frame = |amplitude: f32| [amplitude; FRAME];
        let mut booking = Booking::new(30.0);
        for _ in 0..40 {
            booking.book(&frame(0.001), 0.9); // -60 dBFS
        }
        for p in [0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1] {
            booking.book(&frame(0.1), p); // -20 dBFS
        }
        let share = booking.hearing(1).heard_share.unwrap();
        assert!((share - 0.4).abs() < 1e-6, "{share}");
        assert_eq!(booking.hearing(11).heard_share, None, "too few loud frames");
        let mut silence = Booking::new(30.0);
        for _ in 0..3 {
            silence.book(&frame(0.0), 0.5);
        }
        assert_eq!(silence.hearing(1).heard_share, None, "digital silence");
    }

    #[test]
    fn dereverberation_is_asked_only_in_a_reverberant_room_the_vad_misses() {
        let h = |heard, clarity| Hearing {
            heard_share: Some(heard),
            clarity: Some(clarity),
        };
        assert!(h(0.16, 0.45).needs_dereverberation());
        assert!(!h(0.95, 0.45).needs_dereverberation(), "the VAD hears it");
        assert!(!h(0.7, 0.8).needs_dereverberation(), "a clear room");
        assert!(
            !Hearing {
                heard_share: None,
                clarity: Some(0.3)
            }
            .needs_dereverberation()
        );
    }

    #[test]
    fn a_reset_starts_a_new_stream() {
        let mut signal = TestSignal::bursts(4, 0.2, 0.3);
        let (mut pcm, mut chunk) = (Vec::new(), Vec::new());
        while let Ok(SourceRead::Samples(_)) = signal.read(&mut chunk) {
            pcm.extend_from_slice(&chunk);
        }
        assert!(pcm.len() > 16_000);
        let mut vad = RoomAwareVad::new().unwrap();
        let mut first = Vec::new();
        vad.speech_probabilities(&pcm, &mut first);
        vad.reset();
        let mut second = Vec::new();
        vad.speech_probabilities(&pcm, &mut second);
        assert_eq!(first, second);
    }

    #[test]
    fn the_track_has_one_score_per_frame_the_segmenter_sees() {
        // 2.5 s of bursts: 78 whole frames and a partial one.
        let signal = TestSignal::bursts(5, 0.2, 0.3);
        let n = signal.len() as usize;
        let track = dereverberated_track(signal).unwrap();
        assert_eq!(track.len(), n.div_ceil(FRAME));
        assert!(track.iter().all(|p| (0.0..=1.0).contains(p)));
    }
}
