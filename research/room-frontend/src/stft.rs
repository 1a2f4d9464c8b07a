//! Short-time Fourier transform used by every STFT-domain stage (WPE, beamformers).
//!
//! Owns the analysis/synthesis pair: 512-point frames, 128-sample hop at 16 kHz, periodic
//! square-root Hann windows on both sides so that weighted overlap-add reconstructs the input
//! exactly (Griffin & Lim 1984 WOLA). Batch helpers cover offline use; [`StftAnalyzer`] and
//! [`StftSynthesizer`] keep state for block-wise (live) processing.

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// FFT length (32 ms at 16 kHz).
pub const N_FFT: usize = 512;
/// Hop between frames (8 ms at 16 kHz).
pub const HOP: usize = 128;
/// Number of frequency bins of one frame.
pub const N_BINS: usize = N_FFT / 2 + 1;

fn sqrt_hann() -> Vec<f32> {
    (0..N_FFT)
        .map(|n| {
            let w = 0.5 - 0.5 * (2.0 * std::f32::consts::PI * n as f32 / N_FFT as f32).cos();
            w.sqrt()
        })
        .collect()
}

/// Streaming STFT analysis: push `HOP` samples, get one frame of `N_BINS` bins.
pub struct StftAnalyzer {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    buf: Vec<f32>,
    scratch: Vec<f32>,
}

impl Default for StftAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl StftAnalyzer {
    /// New analyzer whose history is silence.
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        Self {
            fft,
            window: sqrt_hann(),
            buf: vec![0.0; N_FFT],
            scratch: vec![0.0; N_FFT],
        }
    }

    /// Shifts in `hop` (exactly `HOP` samples) and writes the spectrum of the newest frame.
    pub fn push(&mut self, hop: &[f32], out: &mut [Complex32]) {
        assert_eq!(hop.len(), HOP);
        self.buf.copy_within(HOP.., 0);
        self.buf[N_FFT - HOP..].copy_from_slice(hop);
        for ((s, b), w) in self.scratch.iter_mut().zip(&self.buf).zip(&self.window) {
            *s = b * w;
        }
        self.fft
            .process(&mut self.scratch, out)
            .expect("fft sizes match");
    }
}

/// Streaming STFT synthesis (weighted overlap-add): push one frame, get `HOP` samples.
pub struct StftSynthesizer {
    ifft: Arc<dyn ComplexToReal<f32>>,
    window: Vec<f32>,
    acc: Vec<f32>,
    spec: Vec<Complex32>,
    frame: Vec<f32>,
}

impl Default for StftSynthesizer {
    fn default() -> Self {
        Self::new()
    }
}

impl StftSynthesizer {
    /// New synthesizer with an empty overlap buffer.
    pub fn new() -> Self {
        let ifft = RealFftPlanner::<f32>::new().plan_fft_inverse(N_FFT);
        Self {
            ifft,
            window: sqrt_hann(),
            acc: vec![0.0; N_FFT],
            spec: vec![Complex32::default(); N_BINS],
            frame: vec![0.0; N_FFT],
        }
    }

    /// Adds one frame and writes the `HOP` samples that are now complete.
    pub fn push(&mut self, frame: &[Complex32], out: &mut [f32]) {
        assert_eq!(out.len(), HOP);
        self.spec.copy_from_slice(frame);
        // A real signal has real DC and Nyquist bins.
        self.spec[0].im = 0.0;
        self.spec[N_BINS - 1].im = 0.0;
        self.ifft
            .process(&mut self.spec, &mut self.frame)
            .expect("fft sizes match");
        // 1/N for the unnormalised inverse, 1/2 for the sum of four overlapping Hann windows.
        let scale = 1.0 / (N_FFT as f32 * 2.0);
        for ((a, f), w) in self.acc.iter_mut().zip(&self.frame).zip(&self.window) {
            *a += f * w * scale;
        }
        out.copy_from_slice(&self.acc[..HOP]);
        self.acc.copy_within(HOP.., 0);
        let n = self.acc.len();
        self.acc[n - HOP..].fill(0.0);
    }
}

/// Latency of an analysis + synthesis round trip, in samples.
pub const LATENCY: usize = N_FFT - HOP;

/// Spectrogram of a whole signal: `frames x N_BINS`, row-major. The signal is padded with
/// `LATENCY` zeros at the end so that [`istft`] can return every input sample.
pub fn stft(x: &[f32]) -> (usize, Vec<Complex32>) {
    let mut an = StftAnalyzer::new();
    let n_frames = (x.len() + LATENCY).div_ceil(HOP);
    let mut out = vec![Complex32::default(); n_frames * N_BINS];
    let mut hop = [0.0f32; HOP];
    for (t, row) in out.chunks_exact_mut(N_BINS).enumerate() {
        for (i, h) in hop.iter_mut().enumerate() {
            *h = x.get(t * HOP + i).copied().unwrap_or(0.0);
        }
        an.push(&hop, row);
    }
    (n_frames, out)
}

/// Inverse of [`stft`]: the first `len` samples, latency removed.
pub fn istft(spec: &[Complex32], len: usize) -> Vec<f32> {
    let mut syn = StftSynthesizer::new();
    let mut y = Vec::with_capacity(spec.len() / N_BINS * HOP);
    let mut hop = [0.0f32; HOP];
    for row in spec.chunks_exact(N_BINS) {
        syn.push(row, &mut hop);
        y.extend_from_slice(&hop);
    }
    y.drain(..LATENCY.min(y.len()));
    y.resize(len, 0.0);
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_identity() {
        let x: Vec<f32> = (0..5000)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let (_, s) = stft(&x);
        let y = istft(&s, x.len());
        let err = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-4, "max error {err}");
    }
}
