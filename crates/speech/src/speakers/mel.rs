//! Preprocessing for the GE2E voice encoder, an exact port of Resemblyzer's
//! `audio.py` / `voice_encoder.py` (see `models/README.md` and the model card):
//! volume normalisation to -30 dBFS RMS, the partial-window layout (1.6 s windows every
//! 0.77 s with the 0.75 coverage rule) and the 40-band Slaney mel power spectrogram
//! (librosa defaults: n_fft 400, hop 160, periodic Hann, zero centre padding, no log).

use std::sync::{Arc, OnceLock};

use realfft::{RealFftPlanner, RealToComplex};

/// Sample rate the encoder expects.
pub const SAMPLE_RATE: usize = 16_000;
/// FFT size (25 ms).
pub const N_FFT: usize = 400;
/// Hop between mel frames (10 ms).
pub const HOP: usize = 160;
/// Number of mel bands.
pub const N_MELS: usize = 40;
/// Mel frames per partial window (1.6 s).
pub const PARTIAL_FRAMES: usize = 160;
/// Mel frames between partial window starts (`round((16000 / 1.3) / 160)`, 0.77 s).
pub const FRAME_STEP: usize = 77;
/// Samples per partial window.
pub const WINDOW_SAMPLES: usize = PARTIAL_FRAMES * HOP;
/// Minimum coverage of the last partial window (Resemblyzer's `min_coverage`).
pub const MIN_COVERAGE: f64 = 0.75;
/// Target level of the volume normalisation.
pub const TARGET_DBFS: f64 = -30.0;

const INT16_MAX: f64 = 32767.0;

/// Replaces non-finite samples by 0 and clamps the rest to [-1, 1] (copy).
pub fn sanitize(pcm: &[f32]) -> Vec<f32> {
    pcm.iter()
        .map(|&x| {
            if x.is_finite() {
                x.clamp(-1.0, 1.0)
            } else {
                0.0
            }
        })
        .collect()
}

/// RMS level of `pcm` in dBFS, as Resemblyzer computes it; `None` for empty or silent
/// input (or input that is not finite).
pub fn level_dbfs(pcm: &[f32]) -> Option<f64> {
    if pcm.is_empty() {
        return None;
    }
    let sum: f64 = pcm
        .iter()
        .map(|&x| {
            let v = f64::from(x) * INT16_MAX;
            v * v
        })
        .sum();
    let rms = (sum / pcm.len() as f64).sqrt();
    if !(rms.is_finite() && rms > 0.0) {
        return None;
    }
    Some(20.0 * (rms / INT16_MAX).log10())
}

/// Volume normalisation to `target_dbfs` RMS. `increase_only` reproduces Resemblyzer
/// (quiet audio raised, loud audio left alone); `false` normalises both ways, which the
/// model card recommends for our use. Silent or empty input is returned unchanged.
pub fn normalize_volume(pcm: &[f32], target_dbfs: f64, increase_only: bool) -> Vec<f32> {
    let Some(dbfs) = level_dbfs(pcm) else {
        return pcm.to_vec();
    };
    let change = target_dbfs - dbfs;
    if change < 0.0 && increase_only {
        return pcm.to_vec();
    }
    let gain = 10f64.powf(change / 20.0);
    pcm.iter().map(|&x| (f64::from(x) * gain) as f32).collect()
}

/// Start frames (mel frame index, multiply by [`HOP`] for samples) of the partial windows
/// Resemblyzer uses for an utterance of `n_samples` samples. Never empty.
pub fn partial_starts(n_samples: usize) -> Vec<usize> {
    let n_frames = (n_samples + 1).div_ceil(HOP);
    let steps = (n_frames + FRAME_STEP + 1)
        .saturating_sub(PARTIAL_FRAMES)
        .max(1);
    let mut starts: Vec<usize> = (0..steps).step_by(FRAME_STEP).collect();
    if starts.len() > 1 {
        let last = starts[starts.len() - 1];
        let coverage = (n_samples as f64 - (last * HOP) as f64) / WINDOW_SAMPLES as f64;
        if coverage < MIN_COVERAGE {
            starts.pop();
        }
    }
    starts
}

/// Length the waveform is zero-padded to before the mel spectrogram (never shorter than
/// the input).
pub fn padded_len(n_samples: usize, starts: &[usize]) -> usize {
    let end = starts
        .last()
        .map_or(WINDOW_SAMPLES, |&s| (s + PARTIAL_FRAMES) * HOP);
    end.max(n_samples)
}

fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    if f >= 1000.0 {
        15.0 + (f.max(1e-10) / 1000.0).ln() / (6.4f64.ln() / 27.0)
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    if m >= 15.0 {
        1000.0 * ((6.4f64.ln() / 27.0) * (m - 15.0)).exp()
    } else {
        f_sp * m
    }
}

/// The librosa Slaney mel filterbank, `[N_MELS][N_FFT / 2 + 1]`, as f32.
pub fn mel_filterbank() -> Vec<[f32; N_FFT / 2 + 1]> {
    let n_bins = N_FFT / 2 + 1;
    let lo = hz_to_mel(0.0);
    let hi = hz_to_mel(SAMPLE_RATE as f64 / 2.0);
    let pts: Vec<f64> = (0..N_MELS + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (N_MELS + 1) as f64))
        .collect();
    let mut bank = vec![[0f32; N_FFT / 2 + 1]; N_MELS];
    for (m, row) in bank.iter_mut().enumerate() {
        let enorm = 2.0 / (pts[m + 2] - pts[m]);
        for (k, v) in row.iter_mut().enumerate().take(n_bins) {
            let f = k as f64 * SAMPLE_RATE as f64 / N_FFT as f64;
            let lower = (f - pts[m]) / (pts[m + 1] - pts[m]);
            let upper = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1]);
            *v = (lower.min(upper).max(0.0) * enorm) as f32;
        }
    }
    bank
}

struct MelTables {
    window: Vec<f64>,
    bank: Vec<[f32; N_FFT / 2 + 1]>,
    /// Non-zero bin range of each filter.
    ranges: Vec<(usize, usize)>,
    fft: Arc<dyn RealToComplex<f64>>,
}

fn tables() -> &'static MelTables {
    static TABLES: OnceLock<MelTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let window = (0..N_FFT)
            .map(|k| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / N_FFT as f64).cos())
            .collect();
        let bank = mel_filterbank();
        let ranges = bank
            .iter()
            .map(|row| {
                let first = row.iter().position(|&v| v != 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&v| v != 0.0).map_or(0, |p| p + 1);
                (first, last.max(first))
            })
            .collect();
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(N_FFT);
        MelTables {
            window,
            bank,
            ranges,
            fft,
        }
    })
}

/// Mel power spectrogram of `pcm` (16 kHz), `1 + len / 160` frames of [`N_MELS`] values,
/// exactly librosa's `melspectrogram(y, sr=16000, n_fft=400, hop_length=160, n_mels=40)`.
pub fn mel_spectrogram(pcm: &[f32]) -> Vec<[f32; N_MELS]> {
    let t = tables();
    let pad = N_FFT / 2;
    let n_frames = 1 + pcm.len() / HOP;
    let mut out = vec![[0f32; N_MELS]; n_frames];
    let mut input = t.fft.make_input_vec();
    let mut spectrum = t.fft.make_output_vec();
    let mut scratch = t.fft.make_scratch_vec();
    let mut power = [0f32; N_FFT / 2 + 1];
    for (frame, mel) in out.iter_mut().enumerate() {
        // Sample index of input[0] in the unpadded signal is frame * HOP - pad.
        for (k, slot) in input.iter_mut().enumerate() {
            let idx = (frame * HOP + k).checked_sub(pad);
            let x = idx.and_then(|i| pcm.get(i)).copied().unwrap_or(0.0);
            *slot = f64::from(x) * t.window[k];
        }
        if t.fft
            .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
            .is_err()
        {
            continue;
        }
        for (p, c) in power.iter_mut().zip(spectrum.iter()) {
            *p = (c.re * c.re + c.im * c.im) as f32;
        }
        for ((m, row), &(a, b)) in mel.iter_mut().zip(t.bank.iter()).zip(t.ranges.iter()) {
            let mut acc = 0f32;
            for k in a..b {
                acc += row[k] * power[k];
            }
            *m = acc;
        }
    }
    out
}

/// A waveform prepared for the encoder: sanitised, volume-normalised, zero-padded, with its
/// mel spectrogram and partial-window start frames.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// Mel frames of the padded waveform.
    pub mel: Vec<[f32; N_MELS]>,
    /// Start frame of each partial window (window = `mel[s .. s + PARTIAL_FRAMES]`).
    pub starts: Vec<usize>,
}

/// Volume handling before the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum VolumeNorm {
    /// Normalise to -30 dBFS RMS both ways (recommended: level-independent embeddings).
    #[default]
    BothWays,
    /// Resemblyzer's behaviour: only raise quiet audio to -30 dBFS.
    IncreaseOnly,
    /// Leave the level as it is.
    None,
}

/// Sanitises, normalises and pads `pcm`, and computes its mel spectrogram and windows.
pub fn prepare(pcm: &[f32], volume: VolumeNorm) -> Prepared {
    let clean = sanitize(pcm);
    let mut wav = match volume {
        VolumeNorm::BothWays => normalize_volume(&clean, TARGET_DBFS, false),
        VolumeNorm::IncreaseOnly => normalize_volume(&clean, TARGET_DBFS, true),
        VolumeNorm::None => clean,
    };
    let starts = partial_starts(wav.len());
    wav.resize(padded_len(wav.len(), &starts), 0.0);
    let mel = mel_spectrogram(&wav);
    Prepared { mel, starts }
}
