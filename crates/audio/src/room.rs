//! The room check: what a microphone hears of the room, measured from running speech (no test
//! signal, no reference). [`RoomMeter`] takes 16 kHz mono audio as it comes and estimates,
//! over the last stretch of it ([`SPAN_SECONDS`]):
//!
//! * the speech level and the noise floor, as percentiles of short-frame levels (the floor
//!   is what remains between words: minimum statistics, after R. Martin, "Noise power
//!   spectral density estimation based on optimal smoothing and minimum statistics", IEEE
//!   TSAP 2001, here simply the 5th percentile of 20-ms frames);
//! * clipping, as the share of samples at full scale;
//! * clarity, from the modulation spectrum of the speech envelope: speech carries most of its
//!   envelope energy at the syllable rate (4-12 Hz), and reverberation and distance fill the
//!   gaps between syllables, which moves envelope energy towards higher modulation rates.
//!   The ratio of the two is the idea behind the speech-to-reverberation modulation energy
//!   ratio (SRMR: T. H. Falk, C. Zheng, W.-Y. Chan, "A non-intrusive quality and
//!   intelligibility measure of reverberant and dereverberated speech", IEEE TASLP 2010) and,
//!   further back, the modulation transfer function of the speech transmission index
//!   (Houtgast & Steeneken 1985). Here: amplitude envelopes of 11 ERB-spaced bands over
//!   250-4000 Hz at 250 Hz, their modulation spectra over 1-s blocks of the louder half of
//!   the audio, and log10 of the energy at 4-12 Hz over that at 20-40 Hz.
//!
//! The figures become advice in `observant_model::room`.

use std::collections::VecDeque;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

pub use observant_model::room::RoomEstimate;

/// Sample rate the meter expects.
const RATE: f32 = 16_000.0;
/// Analysis frame and hop of the band envelopes (8 ms, 4 ms).
const FRAME: usize = 128;
const HOP: usize = 64;
/// Envelope frames per second.
const ENV_RATE: f32 = RATE / HOP as f32;
/// FFT bins (of [`FRAME`] points, 125 Hz each) of the 11 ERB-spaced bands, first and last
/// inclusive: 250-4000 Hz.
const BANDS: [(usize, usize); 11] = [
    (2, 2),
    (3, 3),
    (4, 4),
    (5, 6),
    (7, 7),
    (8, 10),
    (11, 12),
    (13, 16),
    (17, 20),
    (21, 25),
    (26, 32),
];
/// Envelope frames per level block (20 ms).
const BLOCK: usize = 5;
/// Modulation spectrum block (1.024 s of envelope) and its hop.
const MOD_BLOCK: usize = 256;
const MOD_HOP: usize = 64;
/// Modulation bins (0.977 Hz each) of the syllable band (4-12 Hz) and the smear band
/// (20-40 Hz), first and last inclusive.
const SYLLABLES: (usize, usize) = (5, 12);
const SMEAR: (usize, usize) = (21, 40);
/// How much audio an estimate looks back over.
pub const SPAN_SECONDS: f32 = 30.0;
/// Below this much audio there is no estimate.
pub const MIN_SECONDS: f32 = 2.0;
/// A block counts as speech when its speech band level is this far above the floor.
const SPEECH_OVER_FLOOR_DB: f32 = 12.0;
/// ... or, in a noisy room, at least this far.
const SPEECH_OVER_FLOOR_MIN_DB: f32 = 6.0;

/// One envelope frame: band amplitudes, the full-band mean square of its hop and how many of
/// the hop's samples clipped.
#[derive(Clone, Copy)]
struct EnvFrame {
    bands: [f32; BANDS.len()],
    mean_square: f32,
    clipped: u16,
}

/// Estimates the room from a stream of 16 kHz mono audio. Cheap enough to run beside capture
/// (see the `room` bench); keeps [`SPAN_SECONDS`] of band envelopes, not the audio.
pub struct RoomMeter {
    fft: Arc<dyn RealToComplex<f32>>,
    mod_fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    mod_window: Vec<f32>,
    pending: Vec<f32>,
    frames: VecDeque<EnvFrame>,
    keep: usize,
}

impl Default for RoomMeter {
    fn default() -> Self {
        RoomMeter::new()
    }
}

fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos())
        .collect()
}

fn db(power: f64) -> f32 {
    (10.0 * (power + 1e-12).log10()).max(-120.0) as f32
}

fn percentile(sorted: &[f32], p: f32) -> f32 {
    let i = ((sorted.len() - 1) as f32 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

impl RoomMeter {
    /// A meter looking back over [`SPAN_SECONDS`].
    pub fn new() -> RoomMeter {
        RoomMeter::with_span(SPAN_SECONDS)
    }

    /// A meter looking back over `seconds` of audio.
    pub fn with_span(seconds: f32) -> RoomMeter {
        let mut planner = RealFftPlanner::<f32>::new();
        RoomMeter {
            fft: planner.plan_fft_forward(FRAME),
            mod_fft: planner.plan_fft_forward(MOD_BLOCK),
            window: hann(FRAME),
            mod_window: hann(MOD_BLOCK),
            pending: Vec::with_capacity(FRAME * 4),
            frames: VecDeque::new(),
            keep: (seconds.max(MIN_SECONDS) * ENV_RATE) as usize,
        }
    }

    /// Seconds of audio the next estimate would rest on.
    pub fn seconds(&self) -> f32 {
        self.frames.len() as f32 / ENV_RATE
    }

    /// Forgets everything heard so far.
    pub fn reset(&mut self) {
        self.pending.clear();
        self.frames.clear();
    }

    /// Adds 16 kHz mono samples.
    pub fn push(&mut self, samples: &[f32]) {
        self.pending.extend_from_slice(samples);
        let mut input = vec![0.0f32; FRAME];
        let mut spectrum = vec![Complex::default(); FRAME / 2 + 1];
        let mut scratch = self.fft.make_scratch_vec();
        let window_power: f32 = self.window.iter().map(|w| w * w).sum();
        let scale = 2.0 / (FRAME as f32 * window_power);
        let mut start = 0;
        while start + FRAME <= self.pending.len() {
            let frame = &self.pending[start..start + FRAME];
            for ((o, &x), &w) in input.iter_mut().zip(frame).zip(&self.window) {
                *o = if x.is_finite() { x * w } else { 0.0 };
            }
            if self
                .fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .is_err()
            {
                break;
            }
            let mut bands = [0.0f32; BANDS.len()];
            for (b, &(lo, hi)) in bands.iter_mut().zip(BANDS.iter()) {
                let power: f32 = spectrum[lo..=hi].iter().map(|c| c.norm_sqr()).sum();
                *b = (power * scale).sqrt();
            }
            let hop = &frame[FRAME - HOP..];
            let (mut sum, mut clipped) = (0.0f32, 0u16);
            for &x in hop {
                let x = if x.is_finite() { x } else { 0.0 };
                sum += x * x;
                if x.abs() >= 0.999 {
                    clipped += 1;
                }
            }
            self.frames.push_back(EnvFrame {
                bands,
                mean_square: sum / HOP as f32,
                clipped,
            });
            start += HOP;
        }
        self.pending.drain(..start);
        while self.frames.len() > self.keep {
            self.frames.pop_front();
        }
    }

    /// The estimate over the audio kept so far; `None` below [`MIN_SECONDS`].
    pub fn estimate(&self) -> Option<RoomEstimate> {
        let n = self.frames.len();
        if (n as f32) < MIN_SECONDS * ENV_RATE {
            return None;
        }
        let frames: Vec<EnvFrame> = self.frames.iter().copied().collect();
        let (band_db, full_db) = block_levels(&frames);
        let mut sorted_band = band_db.clone();
        sorted_band.sort_by(f32::total_cmp);
        let mut sorted_full = full_db;
        sorted_full.sort_by(f32::total_cmp);
        let noise = percentile(&sorted_band, 0.05);
        let loud = percentile(&sorted_band, 0.95);
        // Speech: blocks well over the floor; in a noisy room "well over" is half the spread
        // between the floor and the loud frames (a steady noise alone spreads a few dB).
        let over = (0.5 * (loud - noise)).clamp(SPEECH_OVER_FLOOR_MIN_DB, SPEECH_OVER_FLOOR_DB);
        let speech_blocks = band_db
            .iter()
            .filter(|&&l| l > noise + over && l > -100.0)
            .count();
        let clipped: u64 = frames.iter().map(|f| u64::from(f.clipped)).sum();
        Some(RoomEstimate {
            speech_dbfs: percentile(&sorted_full, 0.95),
            noise_dbfs: noise,
            snr_db: loud - noise,
            clarity: self.clarity(&frames),
            clipped: clipped as f32 / (n * HOP) as f32,
            seconds: n as f32 / ENV_RATE,
            speech_seconds: (speech_blocks * BLOCK) as f32 / ENV_RATE,
            confidence: None,
        })
    }

    /// log10 of the envelope modulation energy at 4-12 Hz over 20-40 Hz, over the 1-s blocks
    /// whose loudness is at least the median (the speech, not the pauses).
    fn clarity(&self, frames: &[EnvFrame]) -> f32 {
        let total: Vec<f32> = frames.iter().map(|f| f.bands.iter().sum()).collect();
        let mut sorted = total.clone();
        sorted.sort_by(f32::total_cmp);
        let median = percentile(&sorted, 0.5);
        let starts: Vec<usize> = (0..frames.len().saturating_sub(MOD_BLOCK - 1))
            .step_by(MOD_HOP)
            .collect();
        let loud: Vec<usize> = starts
            .iter()
            .copied()
            .filter(|&s| total[s..s + MOD_BLOCK].iter().sum::<f32>() / MOD_BLOCK as f32 >= median)
            .collect();
        let blocks = if loud.is_empty() { starts } else { loud };
        let mut input = vec![0.0f32; MOD_BLOCK];
        let mut spectrum = vec![Complex::default(); MOD_BLOCK / 2 + 1];
        let mut scratch = self.mod_fft.make_scratch_vec();
        let (mut syllables, mut smear) = (0.0f64, 0.0f64);
        for s in blocks {
            let block = &frames[s..s + MOD_BLOCK];
            for b in 0..BANDS.len() {
                let mean = block.iter().map(|f| f.bands[b]).sum::<f32>() / MOD_BLOCK as f32;
                for ((o, f), &w) in input.iter_mut().zip(block).zip(&self.mod_window) {
                    *o = (f.bands[b] - mean) * w;
                }
                if self
                    .mod_fft
                    .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                    .is_err()
                {
                    continue;
                }
                let energy = |(lo, hi): (usize, usize)| -> f64 {
                    spectrum[lo..=hi]
                        .iter()
                        .map(|c| f64::from(c.norm_sqr()))
                        .sum()
                };
                syllables += energy(SYLLABLES);
                smear += energy(SMEAR);
            }
        }
        ((syllables + 1e-20) / (smear + 1e-20))
            .log10()
            .clamp(-1.0, 3.0) as f32
    }
}

/// Speech band and full-band levels (dBFS) of the 20-ms blocks.
fn block_levels(frames: &[EnvFrame]) -> (Vec<f32>, Vec<f32>) {
    frames
        .chunks_exact(BLOCK)
        .map(|block| {
            let band: f64 = block
                .iter()
                .map(|f| f.bands.iter().map(|a| f64::from(a * a)).sum::<f64>())
                .sum::<f64>()
                / BLOCK as f64;
            let full: f64 =
                block.iter().map(|f| f64::from(f.mean_square)).sum::<f64>() / BLOCK as f64;
            (db(band), db(full))
        })
        .unzip()
}

/// The estimate over a whole stretch of 16 kHz mono audio (its last [`SPAN_SECONDS`]).
pub fn estimate(samples: &[f32]) -> Option<RoomEstimate> {
    let mut meter = RoomMeter::new();
    meter.push(samples);
    meter.estimate()
}

/// The room check of one stretch of a recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoomWindow {
    /// Seconds into the recording.
    pub start: f64,
    pub end: f64,
    pub estimate: RoomEstimate,
}

/// The room check of a whole recording: one estimate per window and the recording's own.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomCheck {
    pub seconds: f64,
    pub windows: Vec<RoomWindow>,
    /// The median of each figure over the windows that held speech (over all windows when
    /// none did); `None` for a recording shorter than [`MIN_SECONDS`].
    pub overall: Option<RoomEstimate>,
}

/// Checks a recording window by window (`window_seconds` each; a last, shorter window counts
/// when it holds at least [`MIN_SECONDS`]).
pub fn check_recording(
    file: &mut crate::decode::AudioFile,
    window_seconds: f64,
) -> anyhow::Result<RoomCheck> {
    check_chunks(window_seconds, || {
        let mut buf = Vec::new();
        Ok((file.read_chunk(&mut buf)? > 0).then_some(buf))
    })
}

/// [`check_recording`] over 16 kHz mono samples already in memory.
pub fn check_pcm(samples: &[f32], window_seconds: f64) -> RoomCheck {
    let mut chunks = samples.chunks(RATE as usize * 10);
    // The closure never fails, so neither does the check.
    check_chunks(window_seconds, || Ok(chunks.next().map(<[f32]>::to_vec))).unwrap_or(RoomCheck {
        seconds: samples.len() as f64 / f64::from(RATE),
        windows: Vec::new(),
        overall: None,
    })
}

/// [`check_recording`] over any 16 kHz mono source (a session's own, possibly encrypted,
/// audio): read to its end.
pub fn check_source(
    source: &mut dyn crate::source::AudioSource,
    window_seconds: f64,
) -> anyhow::Result<RoomCheck> {
    check_chunks(window_seconds, || {
        loop {
            let mut buf = Vec::new();
            match source.read(&mut buf)? {
                crate::source::SourceRead::Samples(_) => return Ok(Some(buf)),
                crate::source::SourceRead::Pending => {
                    std::thread::sleep(std::time::Duration::from_millis(5))
                }
                crate::source::SourceRead::End => return Ok(None),
            }
        }
    })
}

/// The window-by-window check over chunks from `next` (`None`: the end).
fn check_chunks(
    window_seconds: f64,
    mut next: impl FnMut() -> anyhow::Result<Option<Vec<f32>>>,
) -> anyhow::Result<RoomCheck> {
    let window = (window_seconds.max(f64::from(MIN_SECONDS)) * f64::from(RATE)) as usize;
    let mut meter = RoomMeter::with_span(window as f32 / RATE + 1.0);
    let mut windows = Vec::new();
    let (mut in_window, mut start) = (0usize, 0u64);
    let mut close = |meter: &mut RoomMeter, start: u64, len: usize| {
        if let Some(estimate) = meter.estimate() {
            windows.push(RoomWindow {
                start: start as f64 / f64::from(RATE),
                end: (start + len as u64) as f64 / f64::from(RATE),
                estimate,
            });
        }
        meter.reset();
    };
    while let Some(buf) = next()? {
        let mut rest = &buf[..];
        while !rest.is_empty() {
            let take = rest.len().min(window - in_window);
            meter.push(&rest[..take]);
            in_window += take;
            rest = &rest[take..];
            if in_window == window {
                close(&mut meter, start, in_window);
                start += in_window as u64;
                in_window = 0;
            }
        }
    }
    if in_window > 0 {
        close(&mut meter, start, in_window);
    }
    let seconds = (start + in_window as u64) as f64 / f64::from(RATE);
    let overall = median_estimate(&windows);
    Ok(RoomCheck {
        seconds,
        windows,
        overall,
    })
}

/// The median of each figure over the windows with speech (all windows when none had any).
fn median_estimate(windows: &[RoomWindow]) -> Option<RoomEstimate> {
    let min = observant_model::room::MIN_SPEECH_SECONDS;
    let spoken: Vec<&RoomEstimate> = windows
        .iter()
        .map(|w| &w.estimate)
        .filter(|e| e.speech_seconds >= min)
        .collect();
    let chosen: Vec<&RoomEstimate> = if spoken.is_empty() {
        windows.iter().map(|w| &w.estimate).collect()
    } else {
        spoken
    };
    chosen.first()?;
    let median = |f: &dyn Fn(&RoomEstimate) -> f32| {
        let mut v: Vec<f32> = chosen.iter().map(|e| f(e)).collect();
        v.sort_by(f32::total_cmp);
        percentile(&v, 0.5)
    };
    Some(RoomEstimate {
        speech_dbfs: median(&|e| e.speech_dbfs),
        noise_dbfs: median(&|e| e.noise_dbfs),
        snr_db: median(&|e| e.snr_db),
        clarity: median(&|e| e.clarity),
        clipped: median(&|e| e.clipped),
        seconds: windows.iter().map(|w| w.estimate.seconds).sum(),
        speech_seconds: windows.iter().map(|w| w.estimate.speech_seconds).sum(),
        confidence: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_model::room::RoomProblem;

    /// A tiny deterministic noise generator (xorshift), values in -1..1.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        }
    }

    /// Speech-like test audio: noise bursts shaped as syllables (120-220 ms, raised-cosine
    /// edges) about five per second, in phrases of 1-3 s with pauses between them.
    fn syllables(seconds: f32, seed: u64) -> Vec<f32> {
        let mut noise = Noise(seed);
        let n = (seconds * RATE) as usize;
        let mut out = vec![0.0f32; n];
        let mut t = 0usize;
        while t < n {
            let phrase_end = t + (RATE * (1.0 + 2.0 * (noise.next() + 1.0) / 2.0)) as usize;
            while t < phrase_end.min(n) {
                let len = (RATE * (0.12 + 0.1 * (noise.next() + 1.0) / 2.0)) as usize;
                let edge = (RATE * 0.03) as usize;
                for i in 0..len.min(n - t) {
                    let ramp = (i.min(len - i) as f32 / edge as f32).min(1.0);
                    let env = 0.5 - 0.5 * (std::f32::consts::PI * ramp).cos();
                    out[t + i] = 0.3 * env * noise.next();
                }
                t += len + (RATE * (0.04 + 0.06 * (noise.next() + 1.0) / 2.0)) as usize;
            }
            t += (RATE * (0.3 + 0.5 * (noise.next() + 1.0) / 2.0)) as usize;
        }
        out
    }

    /// `x` in a reverberant room far from the microphone: a weak direct path and an
    /// exponentially decaying diffuse tail (RT60 `rt60`), with the tail `drr_db` above the
    /// direct sound.
    fn reverberate(x: &[f32], rt60: f32, tail_over_direct_db: f32) -> Vec<f32> {
        let mut noise = Noise(99);
        let len = (rt60 * RATE) as usize;
        let decay = 6.91 / (rt60 * RATE); // amplitude falls 60 dB over rt60
        let mut tail: Vec<f32> = (0..len)
            .map(|i| noise.next() * (-decay * i as f32).exp())
            .collect();
        let energy: f32 = tail.iter().map(|v| v * v).sum();
        let gain = 10f32.powf(tail_over_direct_db / 20.0) / energy.sqrt();
        tail.iter_mut().for_each(|v| *v *= gain);
        let mut out = x.to_vec();
        // Sparse convolution: the tail sampled every 4th tap keeps the test fast.
        for (i, &v) in x.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            for k in (1..len).step_by(4) {
                if let Some(o) = out.get_mut(i + k) {
                    *o += 2.0 * v * tail[k];
                }
            }
        }
        let peak = out.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        out.iter().map(|v| v * 0.5 / peak).collect()
    }

    fn with_noise(x: &[f32], level: f32) -> Vec<f32> {
        let mut noise = Noise(7);
        x.iter().map(|v| v + level * noise.next()).collect()
    }

    fn problems(x: &[f32]) -> (RoomEstimate, Vec<RoomProblem>) {
        let e = estimate(x).expect("an estimate");
        (e, e.problems())
    }

    #[test]
    fn clean_close_speech_is_good() {
        let (e, p) = problems(&with_noise(&syllables(20.0, 1), 0.0005));
        assert!(p.is_empty(), "{p:?} {e:?}");
        assert!(e.speech_seconds > 5.0, "{e:?}");
    }

    #[test]
    fn each_room_problem_is_told_apart() {
        let clean = with_noise(&syllables(20.0, 2), 0.0005);
        let (e, p) = problems(&with_noise(&clean, 0.08));
        assert_eq!(p, vec![RoomProblem::Noise], "{e:?}");
        let (e, p) = problems(&reverberate(&clean, 0.8, 8.0));
        assert_eq!(p, vec![RoomProblem::Reverberation], "{e:?}");
        let quiet: Vec<f32> = clean.iter().map(|v| v * 0.002).collect();
        let (e, p) = problems(&quiet);
        assert_eq!(p, vec![RoomProblem::TooQuiet], "{e:?}");
        let loud: Vec<f32> = clean.iter().map(|v| (v * 8.0).clamp(-1.0, 1.0)).collect();
        let (e, p) = problems(&loud);
        assert!(p.contains(&RoomProblem::Clipping), "{e:?}");
        let (e, p) = problems(&with_noise(&vec![0.0; 16_000 * 10], 0.05));
        assert_eq!(p, vec![RoomProblem::NoSpeech], "{e:?}");
    }

    #[test]
    fn the_meter_does_not_depend_on_how_audio_is_chunked() {
        let x = reverberate(&syllables(12.0, 3), 0.5, 3.0);
        let whole = estimate(&x).unwrap();
        let mut meter = RoomMeter::new();
        for chunk in x.chunks(777) {
            meter.push(chunk);
        }
        assert_eq!(meter.estimate().unwrap(), whole);
        assert!(estimate(&x[..16_000]).is_none(), "one second is too little");
    }

    #[test]
    fn the_meter_forgets_what_is_older_than_its_span() {
        let far = reverberate(&syllables(20.0, 4), 0.8, 8.0);
        let near = syllables(20.0, 5);
        let mut meter = RoomMeter::with_span(10.0);
        meter.push(&far);
        let e = meter.estimate().unwrap();
        assert_eq!(e.problems(), vec![RoomProblem::Reverberation], "{e:?}");
        meter.push(&near);
        let e = meter.estimate().unwrap();
        assert!(e.problems().is_empty(), "{e:?}");
        assert!((meter.seconds() - 10.0).abs() < 0.1);
    }

    #[test]
    fn bad_samples_do_not_break_the_estimate() {
        let mut x = syllables(10.0, 6);
        x[1000] = f32::NAN;
        x[2000] = f32::INFINITY;
        let e = estimate(&x).unwrap();
        assert!(e.snr_db.is_finite() && e.clarity.is_finite(), "{e:?}");
    }
}
