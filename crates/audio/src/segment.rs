//! Push-based speech segmenter: feed 16 kHz samples as they come (a file chunk by chunk or a
//! microphone live, same code), get [`SpeechSegment`]s out as soon as each one is over.
//!
//! Per 512-sample frame the VAD gives a speech probability; a segment
//! * starts at the first frame with probability >= `on_threshold` (0.5),
//! * ends where the probability first fell below `off_threshold` (0.35, hysteresis) and then
//!   stayed out of speech (never back >= `on_threshold`) for `min_silence_ms` (400 ms),
//! * except that a frame below `off_threshold` counts as speech (it neither starts that
//!   silence nor lets one that began go on) while it is plainly audible speech:
//!   probability still >= `hold_threshold` (0.1), level at least
//!   `hold_snr_db` (10 dB) above the noise floor (the quietest frame of the last 3 s) and
//!   within `hold_below_peak_db` (15 dB) of the segment's loudest frame. Silero scores a far
//!   talker in a reverberant, noisy room at 0.1-0.4 frame after frame although the voice
//!   stands 15 dB above the room noise; without the hold such a turn ended after its first
//!   frames and was dropped as too short (5 % of the speech time of a 5-voice room
//!   recording, `audio-room/multi5-a-room`). The peak condition keeps pauses and decaying
//!   tails of close, clean speech (30 dB and more below its syllables) out of the hold.
//! * also starts, without any frame reaching `on_threshold`, on a stretch of `weak_on_ms`
//!   (320 ms) in which at least 70 % of the frames score `weak_on_threshold` (0.08) or more
//!   and stand `weak_on_snr_db` (8 dB) above the noise floor, beginning with such a frame:
//!   a quiet far talker (1-3 m away, across the table) whom Silero scores 0.05-0.45 for a
//!   whole sentence never opened a segment, and the sentence was on no line (2-4 % of the
//!   speech time of some 4-voice room recordings). Room noise, keyboard clicks, a fan and
//!   paper rustling score below 0.05 or sit at the floor; a reverberant tail follows
//!   speech, where the hold already decides.
//! * is dropped when its speech part is shorter than `min_speech_ms` (250 ms),
//! * gets `pad_ms` (200 ms) of audio on each side (never overlapping the previous segment;
//!   the end padding is at most `min_silence_ms` so a segment is complete the moment its
//!   silence has been seen),
//! * is split when it reaches `max_segment_s` (22 s, so padded segments fit Whisper's 30 s
//!   window) at the quietest frame of its second half; the parts are contiguous.
//!
//! All positions are exact sample indices (u64) in the 16 kHz stream, counted from the first
//! sample pushed, so `start_sample / 16000` is the segment's time in the recording.
//! [`Segmenter::flush`] closes a segment still open at the end of the stream.

use std::collections::VecDeque;

use anyhow::Result;

use super::resample::TARGET_RATE;
use super::source::{AudioSource, SourceRead};
use super::vad::{FRAME, Vad};

/// Thresholds and durations of the [`Segmenter`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmenterConfig {
    /// Speech starts at a frame with at least this probability.
    pub on_threshold: f32,
    /// Silence (towards the end of a segment) is a frame below this probability.
    pub off_threshold: f32,
    /// Silence needed to end a segment, in ms.
    pub min_silence_ms: u32,
    /// Shorter speech is dropped, in ms.
    pub min_speech_ms: u32,
    /// Audio kept before and after the speech, in ms.
    pub pad_ms: u32,
    /// Longest segment (without padding) before it is split, in seconds.
    pub max_segment_s: f32,
    /// Inside a segment, a frame below `off_threshold` still holds the speech (counts as
    /// speech: it neither starts the silence that ends the segment nor lets one go on) when
    /// its probability is at least this, its level stands `hold_snr_db` above the noise
    /// floor and at most `hold_below_peak_db` below the segment's loudest frame: a far
    /// talker in a reverberant room scores 0.1-0.4 with Silero while plainly audible.
    pub hold_threshold: f32,
    /// How far above the noise floor (dB) a held frame must be; `f32::INFINITY` turns the
    /// hold off.
    pub hold_snr_db: f32,
    /// How far below the open segment's loudest frame (dB) a held frame may be.
    pub hold_below_peak_db: f32,
    /// A segment also starts without any frame reaching `on_threshold` when, of the last
    /// `weak_on_ms` of frames, at least the share `weak_on_share` score at least
    /// `weak_on_threshold` and stand `weak_on_snr_db` above the noise floor: a far talker
    /// whom Silero scores 0.05-0.45 frame after frame for a whole sentence. The segment
    /// starts at the first frame of that stretch.
    pub weak_on_threshold: f32,
    /// Length of the stretch that starts a segment on weak scores, in ms.
    pub weak_on_ms: u32,
    /// Share of that stretch's frames that must be weak speech.
    pub weak_on_share: f32,
    /// How far above the noise floor (dB) a weak speech frame must be; `f32::INFINITY`
    /// turns the weak start off.
    pub weak_on_snr_db: f32,
}

impl Default for SegmenterConfig {
    fn default() -> Self {
        SegmenterConfig {
            on_threshold: 0.5,
            off_threshold: 0.35,
            min_silence_ms: 400,
            min_speech_ms: 250,
            pad_ms: 200,
            max_segment_s: 22.0,
            hold_threshold: 0.1,
            hold_snr_db: 10.0,
            hold_below_peak_db: 15.0,
            weak_on_threshold: 0.08,
            weak_on_ms: 320,
            weak_on_share: 0.7,
            weak_on_snr_db: 8.0,
        }
    }
}

impl SegmenterConfig {
    /// Live capture: segments are cut at 10 s (at the quietest frame of their second half),
    /// so a long turn is transcribed piece by piece while it goes on and the last piece is
    /// ready soon after the speaker stops.
    pub fn live() -> Self {
        SegmenterConfig {
            max_segment_s: 10.0,
            ..SegmenterConfig::default()
        }
    }
}

/// One stretch of speech with its padding.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechSegment {
    /// Position of `samples[0]` in the 16 kHz stream (padding included).
    pub start_sample: u64,
    /// The audio, 16 kHz mono, padding included.
    pub samples: Vec<f32>,
    /// Where the VAD found speech to start (>= `start_sample`).
    pub speech_start: u64,
    /// Where the VAD found speech to end, exclusive (<= `end_sample()`).
    pub speech_end: u64,
    /// True when the segment was cut at the maximum length: the speech goes on in the next
    /// segment, which starts exactly at this one's end.
    pub split: bool,
    /// Up to where the segmenter had heard when it closed the segment (>= `speech_end`):
    /// the silence after the speech up to here belonged to nobody else.
    pub heard_until: u64,
}

impl SpeechSegment {
    /// Position just after the last sample (exclusive end, padding included).
    pub fn end_sample(&self) -> u64 {
        self.start_sample + self.samples.len() as u64
    }

    /// Start time in seconds.
    pub fn start_seconds(&self) -> f64 {
        self.start_sample as f64 / f64::from(TARGET_RATE)
    }

    /// End time in seconds.
    pub fn end_seconds(&self) -> f64 {
        self.end_sample() as f64 / f64::from(TARGET_RATE)
    }
}

/// Per-frame numbers kept while a segment is open (for choosing a split point).
#[derive(Debug, Clone, Copy)]
struct FrameStat {
    start: u64,
    prob: f32,
    energy: f32,
}

#[derive(Debug, Clone)]
enum State {
    Idle,
    Speech {
        start: u64,
        /// Where the current run of silence began, if one is running.
        temp_end: Option<u64>,
    },
}

/// The segmenter; see the module docs.
pub struct Segmenter {
    vad: Box<dyn Vad>,
    cfg: SegmenterConfig,
    min_silence: u64,
    min_speech: u64,
    pad: u64,
    end_pad: u64,
    max_len: u64,
    /// Audio kept from `buf_start` up to `pos`.
    buf: Vec<f32>,
    buf_start: u64,
    /// Samples pushed so far.
    pos: u64,
    /// Samples already run through the VAD (a multiple of FRAME until flush).
    framed: u64,
    state: State,
    stats: Vec<FrameStat>,
    last_end: u64,
    last_prob: f32,
    /// A frame not yet complete (fewer than FRAME samples).
    frame: Vec<f32>,
    /// Scratch for a batch's probabilities.
    probs: Vec<f32>,
    /// The noise floor: the quietest frame level of the last few seconds.
    floor: NoiseFloor,
    /// The loudest frame level (dB) of the open segment.
    peak_db: f32,
    /// Between segments: the last `weak_frames` frames, each with whether it was weak
    /// speech (see [`SegmenterConfig::weak_on_threshold`]).
    recent: VecDeque<(FrameStat, bool, f32)>,
    /// Frames in the stretch that starts a segment on weak scores (0: off).
    weak_frames: usize,
}

/// Frames over which the noise floor is the minimum level (3 s).
const FLOOR_FRAMES: u64 = 94;

/// A running noise-floor estimate: the minimum frame level (dB) over the last
/// [`FLOOR_FRAMES`] frames, in the spirit of minimum statistics (Martin 2001) without its
/// bias correction (a floor a little low only makes the hold stricter). A monotonic queue
/// keeps it O(1) per frame.
#[derive(Debug, Default)]
struct NoiseFloor {
    /// (frame number, level) with increasing levels.
    queue: std::collections::VecDeque<(u64, f32)>,
    frames: u64,
}

impl NoiseFloor {
    /// Adds a frame's level and returns the floor including it.
    fn push(&mut self, db: f32) -> f32 {
        while self.queue.back().is_some_and(|&(_, d)| d >= db) {
            self.queue.pop_back();
        }
        self.queue.push_back((self.frames, db));
        self.frames += 1;
        while self
            .queue
            .front()
            .is_some_and(|&(k, _)| k + FLOOR_FRAMES < self.frames)
        {
            self.queue.pop_front();
        }
        self.queue.front().map_or(db, |&(_, d)| d)
    }
}

/// Level of a frame's mean square in dB (digital silence is -100 dB).
fn level_db(mean_square: f32) -> f32 {
    10.0 * mean_square.max(1e-10).log10()
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter")
            .field("vad", &self.vad.name())
            .field("cfg", &self.cfg)
            .field("pos", &self.pos)
            .field("state", &self.state)
            .finish()
    }
}

fn ms_to_samples(ms: u32) -> u64 {
    u64::from(ms) * u64::from(TARGET_RATE) / 1000
}

impl Segmenter {
    /// A segmenter over `vad`; out-of-range settings are clamped to sane values.
    pub fn new(vad: Box<dyn Vad>, config: SegmenterConfig) -> Segmenter {
        let mut cfg = config;
        cfg.on_threshold = if cfg.on_threshold.is_finite() {
            cfg.on_threshold.clamp(0.01, 1.0)
        } else {
            0.5
        };
        cfg.off_threshold = if cfg.off_threshold.is_finite() {
            cfg.off_threshold.clamp(0.0, cfg.on_threshold)
        } else {
            cfg.on_threshold
        };
        // The hold only ever lowers the off threshold; a NaN level setting makes it strict.
        cfg.hold_threshold = if cfg.hold_threshold.is_finite() {
            cfg.hold_threshold.clamp(0.0, cfg.off_threshold)
        } else {
            cfg.off_threshold
        };
        if cfg.hold_snr_db.is_nan() {
            cfg.hold_snr_db = f32::INFINITY;
        }
        if cfg.hold_below_peak_db.is_nan() {
            cfg.hold_below_peak_db = 0.0;
        }
        cfg.weak_on_threshold = if cfg.weak_on_threshold.is_finite() {
            cfg.weak_on_threshold.clamp(0.0, cfg.on_threshold)
        } else {
            cfg.on_threshold
        };
        if cfg.weak_on_snr_db.is_nan() {
            cfg.weak_on_snr_db = f32::INFINITY;
        }
        if !cfg.weak_on_share.is_finite() {
            cfg.weak_on_share = 1.0;
        }
        cfg.weak_on_share = cfg.weak_on_share.clamp(0.0, 1.0);
        let weak_frames = if cfg.weak_on_snr_db.is_finite() {
            (ms_to_samples(cfg.weak_on_ms) as usize)
                .div_ceil(FRAME)
                .clamp(1, 256)
        } else {
            0
        };
        if !cfg.max_segment_s.is_finite() || cfg.max_segment_s < 1.0 {
            cfg.max_segment_s = 1.0;
        }
        cfg.max_segment_s = cfg.max_segment_s.min(3600.0);
        let min_silence = ms_to_samples(cfg.min_silence_ms).max(1);
        let pad = ms_to_samples(cfg.pad_ms);
        Segmenter {
            vad,
            cfg,
            min_silence,
            min_speech: ms_to_samples(cfg.min_speech_ms),
            pad,
            end_pad: pad.min(min_silence),
            max_len: (f64::from(cfg.max_segment_s) * f64::from(TARGET_RATE)) as u64,
            buf: Vec::new(),
            buf_start: 0,
            pos: 0,
            framed: 0,
            state: State::Idle,
            stats: Vec::new(),
            last_end: 0,
            last_prob: 0.0,
            frame: Vec::with_capacity(FRAME),
            probs: Vec::new(),
            floor: NoiseFloor::default(),
            peak_db: f32::NEG_INFINITY,
            recent: VecDeque::new(),
            weak_frames,
        }
    }

    /// The settings in use (after clamping).
    pub fn config(&self) -> &SegmenterConfig {
        &self.cfg
    }

    /// The VAD's name.
    pub fn vad_name(&self) -> &'static str {
        self.vad.name()
    }

    /// Samples pushed so far (the position of the next sample).
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// True while a segment is open (for a live "speaking" indicator).
    pub fn in_speech(&self) -> bool {
        matches!(self.state, State::Speech { .. })
    }

    /// Speech probability of the most recent frame.
    pub fn last_probability(&self) -> f32 {
        self.last_prob
    }

    /// The segment still open, as it would be cut now: its padded start, the audio heard so
    /// far and where its speech began. `None` between segments. Live transcription decodes
    /// such a snapshot to send the lines of a long segment that are already followed by
    /// more speech, before the segment ends; the segment's own start stays the same when it
    /// is closed ([`SpeechSegment::start_sample`]), so the two can be matched.
    pub fn open_segment(&self) -> Option<SpeechSegment> {
        let State::Speech { start, .. } = self.state else {
            return None;
        };
        let padded_start = self.padded_start(start);
        let a = (padded_start - self.buf_start) as usize;
        let b = self.buf.len();
        (a < b).then(|| SpeechSegment {
            start_sample: padded_start,
            samples: self.buf[a..b].to_vec(),
            speech_start: start,
            speech_end: self.framed.max(start),
            split: false,
            heard_until: self.framed.max(start),
        })
    }

    /// The open segment's speech so far, from where it began to the last scored frame
    /// (stream positions); `None` between segments. Cheap: nothing is copied.
    pub fn open_speech(&self) -> Option<std::ops::Range<u64>> {
        match self.state {
            State::Speech { start, .. } => Some(start..self.framed.max(start)),
            State::Idle => None,
        }
    }

    /// Where the open segment's latest pause ended: the first speech frame after the last
    /// run of at least `min_ms` of frames below the off threshold (too short to end the
    /// segment, but often a sentence or a turn boundary). `None` between segments and
    /// before speech has followed such a pause.
    pub fn last_pause_end(&self, min_ms: u32) -> Option<u64> {
        if !self.in_speech() {
            return None;
        }
        let min_frames = (ms_to_samples(min_ms) as usize).div_ceil(FRAME).max(1);
        let mut run = 0usize;
        let mut after: Option<u64> = None;
        for s in self.stats.iter().rev() {
            if s.prob < self.cfg.off_threshold {
                run += 1;
                if run >= min_frames && after.is_some() {
                    return after;
                }
            } else {
                run = 0;
                after = Some(s.start);
            }
        }
        None
    }

    /// Where a segment whose speech begins at `start` begins with its lead padding: never
    /// before the previous segment's end nor before the audio still kept.
    fn padded_start(&self, start: u64) -> u64 {
        start
            .saturating_sub(self.pad)
            .max(self.last_end)
            .max(self.buf_start)
    }

    /// Feed samples; returns the segments completed by them (usually none). Whole frames are
    /// scored as one batch ([`Vad::speech_probabilities`]).
    pub fn push(&mut self, samples: &[f32]) -> Vec<SpeechSegment> {
        let mut out = Vec::new();
        let mut rest = samples;
        // First complete the frame left partial by the previous push.
        if !self.frame.is_empty() {
            let take = (FRAME - self.frame.len()).min(rest.len());
            self.frame.extend_from_slice(&rest[..take]);
            self.buf.extend_from_slice(&rest[..take]);
            self.pos += take as u64;
            rest = &rest[take..];
            if self.frame.len() == FRAME {
                let frame = std::mem::take(&mut self.frame);
                let p = self.vad.speech_probability(&frame);
                self.advance(p, &frame, &mut out);
                self.frame = frame;
                self.frame.clear();
            }
        }
        let whole = rest.len() / FRAME * FRAME;
        if whole > 0 {
            let (batch, tail) = rest.split_at(whole);
            self.buf.extend_from_slice(batch);
            self.pos += whole as u64;
            let mut probs = std::mem::take(&mut self.probs);
            probs.clear();
            self.vad.speech_probabilities(batch, &mut probs);
            for (i, frame) in batch.chunks_exact(FRAME).enumerate() {
                self.advance(probs.get(i).copied().unwrap_or(0.0), frame, &mut out);
            }
            self.probs = probs;
            rest = tail;
        }
        self.frame.extend_from_slice(rest);
        self.buf.extend_from_slice(rest);
        self.pos += rest.len() as u64;
        self.trim();
        out
    }

    /// End of stream: score the last partial frame and close an open segment. The segmenter
    /// can be pushed to again afterwards (positions continue; the VAD starts afresh).
    pub fn flush(&mut self) -> Vec<SpeechSegment> {
        let mut out = Vec::new();
        if !self.frame.is_empty() {
            let frame = std::mem::take(&mut self.frame);
            let p = self.vad.speech_probability(&frame);
            self.advance(p, &frame, &mut out);
            self.frame = frame;
            self.frame.clear();
        }
        if let State::Speech { start, temp_end } = self.state {
            let end = temp_end.unwrap_or(self.pos);
            self.close(start, end, self.pos, false, &mut out);
        }
        self.state = State::Idle;
        self.stats.clear();
        self.recent.clear();
        self.vad.reset();
        self.trim();
        out
    }

    /// Advance over one scored frame: `frame` holds its audio (the last frame of a stream may
    /// be shorter than [`FRAME`]; the VAD saw it zero-padded), `p` its speech probability.
    fn advance(&mut self, p: f32, frame: &[f32], out: &mut Vec<SpeechSegment>) {
        let real = frame.len();
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let energy = frame.iter().map(|v| v * v).sum::<f32>() / real.max(1) as f32;
        let db = level_db(energy);
        let floor = self.floor.push(db);
        if matches!(self.state, State::Idle) {
            self.peak_db = db;
        } else {
            self.peak_db = self.peak_db.max(db);
        }
        let held = p >= self.cfg.hold_threshold
            && db >= floor + self.cfg.hold_snr_db
            && db >= self.peak_db - self.cfg.hold_below_peak_db;
        self.last_prob = p;
        let f_start = self.framed;
        let f_end = f_start + real as u64;
        self.framed = f_end;

        match self.state {
            State::Idle => {
                let stat = FrameStat {
                    start: f_start,
                    prob: p,
                    energy,
                };
                if p >= self.cfg.on_threshold {
                    self.state = State::Speech {
                        start: f_start,
                        temp_end: None,
                    };
                    self.stats.clear();
                    self.stats.push(stat);
                    self.recent.clear();
                } else if self.weak_frames > 0 {
                    let weak =
                        p >= self.cfg.weak_on_threshold && db >= floor + self.cfg.weak_on_snr_db;
                    self.recent.push_back((stat, weak, db));
                    if self.recent.len() > self.weak_frames {
                        self.recent.pop_front();
                    }
                    let n_weak = self.recent.iter().filter(|r| r.1).count();
                    if self.recent.len() == self.weak_frames
                        && self.recent.front().is_some_and(|r| r.1)
                        && n_weak as f32 >= self.cfg.weak_on_share * self.weak_frames as f32
                    {
                        let start = self.recent.front().map_or(f_start, |r| r.0.start);
                        self.state = State::Speech {
                            start,
                            temp_end: None,
                        };
                        self.stats.clear();
                        self.stats.extend(self.recent.iter().map(|r| r.0));
                        self.peak_db = self.recent.iter().map(|r| r.2).fold(db, f32::max);
                        self.recent.clear();
                    }
                }
            }
            State::Speech { start, temp_end } => {
                self.stats.push(FrameStat {
                    start: f_start,
                    prob: p,
                    energy,
                });
                let mut temp_end = temp_end;
                if p >= self.cfg.on_threshold || held {
                    // Speech, scored high or held: a run of silence that had begun is over.
                    temp_end = None;
                } else if p < self.cfg.off_threshold {
                    let silence_from = *temp_end.get_or_insert(f_start);
                    if f_end - silence_from >= self.min_silence {
                        self.close(start, silence_from, f_end, false, out);
                        self.state = State::Idle;
                        self.stats.clear();
                        return;
                    }
                }
                self.state = State::Speech { start, temp_end };
                if f_end - start >= self.max_len {
                    self.split(start, temp_end, f_end, out);
                }
            }
        }
    }

    /// Cut an over-long segment at the quietest frame of its second half.
    fn split(&mut self, start: u64, temp_end: Option<u64>, now: u64, out: &mut Vec<SpeechSegment>) {
        let half = start + self.max_len / 2;
        let best = self
            .stats
            .iter()
            .filter(|s| s.start >= half && s.start + FRAME as u64 <= now)
            .min_by(|a, b| {
                a.prob
                    .total_cmp(&b.prob)
                    .then(a.energy.total_cmp(&b.energy))
            })
            .copied();
        let cut = match best {
            Some(s) => s.start + FRAME as u64 / 2,
            None => now,
        }
        .clamp(start + 1, now);
        self.close(start, cut, cut, true, out);
        self.stats.retain(|s| s.start + FRAME as u64 / 2 > cut);
        self.state = State::Speech {
            start: cut,
            temp_end: temp_end.map(|t| t.max(cut)),
        };
    }

    /// Emit speech `[start, end)` padded (end padding up to `limit`), unless too short.
    fn close(
        &mut self,
        start: u64,
        end: u64,
        limit: u64,
        split: bool,
        out: &mut Vec<SpeechSegment>,
    ) {
        if end <= start || (!split && end - start < self.min_speech) {
            return;
        }
        let padded_start = self.padded_start(start);
        let padded_end = if split {
            end
        } else {
            (end + self.end_pad).min(limit).min(self.pos)
        };
        if padded_end <= padded_start {
            return;
        }
        let a = (padded_start - self.buf_start) as usize;
        let b = ((padded_end - self.buf_start) as usize).min(self.buf.len());
        out.push(SpeechSegment {
            start_sample: padded_start,
            samples: self.buf[a.min(b)..b].to_vec(),
            speech_start: start,
            speech_end: end,
            split,
            heard_until: limit.max(end),
        });
        self.last_end = padded_end;
    }

    /// Drop audio no future segment can need.
    fn trim(&mut self) {
        let keep_from = match self.state {
            State::Speech { start, .. } => start.saturating_sub(self.pad),
            State::Idle => self
                .framed
                .saturating_sub(self.pad + (self.weak_frames * FRAME) as u64),
        }
        .max(self.buf_start);
        let drop = (keep_from - self.buf_start) as usize;
        if drop >= 16_000 || (drop > 0 && drop * 2 >= self.buf.len()) {
            let drop = drop.min(self.buf.len());
            self.buf.drain(..drop);
            self.buf_start += drop as u64;
        }
    }
}

/// Segments of a whole [`AudioSource`], as an iterator: reads the source, pushes into the
/// segmenter and yields each segment as soon as it is complete (then flushes at the end).
/// Memory stays bounded by one segment, whatever the length of the recording.
pub struct Segments<S: AudioSource> {
    source: S,
    segmenter: Segmenter,
    ready: VecDeque<SpeechSegment>,
    chunk: Vec<f32>,
    done: bool,
}

impl<S: AudioSource> Segments<S> {
    /// Segment `source` with `segmenter`.
    pub fn new(source: S, segmenter: Segmenter) -> Segments<S> {
        Segments {
            source,
            segmenter,
            ready: VecDeque::new(),
            chunk: Vec::new(),
            done: false,
        }
    }

    /// Samples read from the source so far (for progress).
    pub fn position(&self) -> u64 {
        self.segmenter.position()
    }

    /// The source (e.g. for `total_samples()`).
    pub fn source(&self) -> &S {
        &self.source
    }
}

impl<S: AudioSource> Iterator for Segments<S> {
    type Item = Result<SpeechSegment>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(s) = self.ready.pop_front() {
                return Some(Ok(s));
            }
            if self.done {
                return None;
            }
            match self.source.read(&mut self.chunk) {
                Ok(SourceRead::Samples(_)) => {
                    let segs = self.segmenter.push(&self.chunk);
                    self.ready.extend(segs);
                }
                Ok(SourceRead::Pending) => std::thread::sleep(std::time::Duration::from_millis(5)),
                Ok(SourceRead::End) => {
                    self.done = true;
                    let segs = self.segmenter.flush();
                    self.ready.extend(segs);
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
