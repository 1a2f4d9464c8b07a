//! Speech front end for Observant: turns the 16 kHz microphone signal(s) of a meeting room into
//! one 16 kHz mono signal that Whisper recognises better.
//!
//! Stages (each optional, see [`Config`]): high-pass and level control ([`filters`]),
//! dereverberation by WPE ([`wpe`]), channel combination ([`beam`]) and RNNoise denoising
//! ([`denoise`]), all over `f32` slices at 16 kHz without any I/O. [`process`] runs a whole
//! recording (the lab and an offline second pass); every stage also has a streaming struct
//! for live use.

pub mod beam;
pub mod denoise;
pub mod filters;
pub mod live;
pub mod stft;
pub mod wpe;

use beam::{Beam, DelayAndSum, Mvdr};
use denoise::{DenoiseMode, Denoiser};
use filters::{Agc, Biquad};
use realfft::num_complex::Complex32;
use std::time::{Duration, Instant};
use stft::N_BINS;
use wpe::{OnlineWpe, WpeConfig};

/// Which WPE variant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WpeKind {
    /// Iterative batch WPE (offline).
    Batch,
    /// Frame-recursive RLS WPE (live).
    Online,
}

/// Level control before recognition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    /// One gain for the whole recording.
    Normalize,
    /// Slow streaming AGC.
    Agc,
}

/// Front-end configuration; `Config::default()` is the plain downmix.
#[derive(Clone, Debug)]
pub struct Config {
    /// High-pass cut-off in Hz.
    pub highpass_hz: Option<f32>,
    /// WPE variant and parameters.
    pub wpe: Option<(WpeKind, WpeConfig)>,
    /// Run WPE on all channels before combining them (else combine first, then 1-channel WPE).
    pub wpe_multichannel: bool,
    /// Channel combination.
    pub beam: Beam,
    /// Microphone spacing for delay-and-sum (m).
    pub mic_spacing_m: f32,
    /// RNNoise use.
    pub denoise: Option<DenoiseMode>,
    /// Level control.
    pub level: Option<Level>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            highpass_hz: None,
            wpe: None,
            wpe_multichannel: true,
            beam: Beam::Mean,
            mic_spacing_m: 0.07,
            denoise: None,
            level: None,
        }
    }
}

/// Wall-clock time spent per stage, for real-time factors.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// High-pass.
    pub highpass: Duration,
    /// STFT analysis and synthesis.
    pub stft: Duration,
    /// WPE.
    pub wpe: Duration,
    /// Channel combination.
    pub beam: Duration,
    /// RNNoise with resampling.
    pub denoise: Duration,
    /// Level control.
    pub level: Duration,
}

/// Processes a whole recording: `channels[ch]` are equally long 16 kHz signals in [-1, 1].
pub fn process(channels: &[Vec<f32>], cfg: &Config) -> (Vec<f32>, Timings) {
    let mut tm = Timings::default();
    let len = channels.first().map_or(0, Vec::len);
    let mut chans = channels.to_vec();
    let t = Instant::now();
    if let Some(hz) = cfg.highpass_hz {
        for c in &mut chans {
            Biquad::highpass(hz, 16000.0).process(c);
        }
    }
    tm.highpass = t.elapsed();

    let needs_stft =
        cfg.wpe.is_some() || (chans.len() > 1 && cfg.beam != Beam::Mean && cfg.beam != Beam::First);
    let mut mono = if needs_stft {
        let t = Instant::now();
        let mut specs: Vec<Vec<Complex32>> = Vec::new();
        let mut n_frames = 0;
        for c in &chans {
            let (n, s) = stft::stft(c);
            n_frames = n;
            specs.push(s);
        }
        tm.stft += t.elapsed();
        let wpe_first = cfg.wpe_multichannel || specs.len() == 1;
        if wpe_first {
            specs = run_wpe(specs, n_frames, cfg, &mut tm);
        }
        let t = Instant::now();
        let mut out = combine(&specs, n_frames, cfg);
        tm.beam += t.elapsed();
        if !wpe_first {
            out = run_wpe(vec![out], n_frames, cfg, &mut tm).remove(0);
        }
        let t = Instant::now();
        let y = stft::istft(&out, len);
        tm.stft += t.elapsed();
        y
    } else {
        let t = Instant::now();
        let y = match cfg.beam {
            Beam::First => chans[0].clone(),
            _ => (0..len)
                .map(|i| chans.iter().map(|c| c[i]).sum::<f32>() / chans.len() as f32)
                .collect(),
        };
        tm.beam += t.elapsed();
        y
    };

    if let Some(mode) = cfg.denoise {
        let t = Instant::now();
        mono = Denoiser::new(mode).process_all(&mono);
        tm.denoise = t.elapsed();
    }
    let t = Instant::now();
    match cfg.level {
        Some(Level::Normalize) => filters::normalize_speech_level(&mut mono, -20.0, 30.0),
        Some(Level::Agc) => Agc::new(-20.0, 30.0).process(&mut mono),
        None => {}
    }
    tm.level = t.elapsed();
    (mono, tm)
}

fn run_wpe(
    specs: Vec<Vec<Complex32>>,
    n_frames: usize,
    cfg: &Config,
    tm: &mut Timings,
) -> Vec<Vec<Complex32>> {
    let Some((kind, wcfg)) = &cfg.wpe else {
        return specs;
    };
    let t = Instant::now();
    let out = match kind {
        WpeKind::Batch => wpe::wpe_offline(&specs, n_frames, wcfg),
        WpeKind::Online => {
            let mut st = OnlineWpe::new(specs.len(), wcfg.clone());
            let mut out = specs.clone();
            let mut frame = vec![vec![Complex32::default(); N_BINS]; specs.len()];
            for t in 0..n_frames {
                for (fr, s) in frame.iter_mut().zip(&specs) {
                    fr.copy_from_slice(&s[t * N_BINS..(t + 1) * N_BINS]);
                }
                st.process_frame(&mut frame);
                for (fr, o) in frame.iter().zip(out.iter_mut()) {
                    o[t * N_BINS..(t + 1) * N_BINS].copy_from_slice(fr);
                }
            }
            out
        }
    };
    tm.wpe += t.elapsed();
    out
}

fn combine(specs: &[Vec<Complex32>], n_frames: usize, cfg: &Config) -> Vec<Complex32> {
    let m = specs.len();
    if m == 1 || cfg.beam == Beam::First {
        return specs[0].clone();
    }
    let mut out = vec![Complex32::default(); n_frames * N_BINS];
    if cfg.beam == Beam::Mean {
        for s in specs {
            out.iter_mut().zip(s).for_each(|(o, v)| *o += v / m as f32);
        }
        return out;
    }
    let mut ds = DelayAndSum::new(m, cfg.mic_spacing_m);
    let mut mv = Mvdr::new(m);
    let mut frame = vec![vec![Complex32::default(); N_BINS]; m];
    for t in 0..n_frames {
        for (fr, s) in frame.iter_mut().zip(specs) {
            fr.copy_from_slice(&s[t * N_BINS..(t + 1) * N_BINS]);
        }
        let o = &mut out[t * N_BINS..(t + 1) * N_BINS];
        match cfg.beam {
            Beam::DelayAndSum => ds.process_frame(&frame, o),
            _ => mv.process_frame(&frame, o),
        }
    }
    out
}
