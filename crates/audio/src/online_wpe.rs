//! Dereverberation that runs as the audio comes: recursive weighted prediction error (online
//! WPE: T. Yoshioka, T. Nakatani, "Dereverberation for reverberation-robust microphone
//! arrays", EUSIPCO 2013; J. Caroselli et al., "Adaptive multichannel dereverberation for
//! automatic speech recognition", Interspeech 2017), one channel.
//!
//! Per frequency bin, the late reverberation of the current STFT frame is predicted from the
//! frames 24-104 ms back (10 taps after a delay of 3 frames of 8 ms, as the block WPE in
//! `dereverb`) and subtracted; the prediction filter is updated frame by frame by recursive
//! least squares, weighted by the inverse of the signal's recent power, with a forgetting
//! factor of [`FORGET`] (a memory of about a second). Output lags the input by
//! [`LATENCY`] samples (the STFT's frame minus its hop: 24 ms). Used to let the live VAD hear a
//! room that hides a voice from it (`vad_track`); nothing that is recognised or saved goes
//! through it.

use std::sync::Arc;

use realfft::num_complex::{Complex32, Complex64};
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

const N_FFT: usize = 512;
const HOP: usize = 128;
const BINS: usize = N_FFT / 2 + 1;
const TAPS: usize = 10;
const DELAY: usize = 3;
const HISTORY: usize = DELAY + TAPS;

/// Forgetting factor of the recursive least squares (per 8-ms frame).
pub const FORGET: f64 = 0.99;

/// Output lags input by this many samples (16 kHz).
pub const LATENCY: usize = N_FFT - HOP;

/// Initial inverse correlation (scaled identity) of each bin's filter.
const P_INIT: f64 = 1e4;

/// Floor of the power that weighs a frame (silent frames do not dominate the fit).
const POWER_FLOOR: f64 = 1e-10;

/// One bin's filter state.
#[derive(Clone)]
struct Bin {
    /// The last [`HISTORY`] frames' values, a ring indexed by frame number.
    history: [Complex64; HISTORY],
    /// Prediction filter.
    g: [Complex64; TAPS],
    /// Inverse weighted correlation of the past frames (Hermitian, row-major).
    p: [Complex64; TAPS * TAPS],
    /// Smoothed power of the input.
    power: f64,
}

impl Bin {
    fn new() -> Bin {
        let mut b = Bin {
            history: [Complex64::default(); HISTORY],
            g: [Complex64::default(); TAPS],
            p: [Complex64::default(); TAPS * TAPS],
            power: 0.0,
        };
        b.reset_filter();
        b
    }

    fn reset_filter(&mut self) {
        self.g = [Complex64::default(); TAPS];
        self.p = [Complex64::default(); TAPS * TAPS];
        for i in 0..TAPS {
            self.p[i * TAPS + i] = Complex64::new(P_INIT, 0.0);
        }
    }

    /// The frame `t`'s value with its predicted late reverberation removed; updates the
    /// filter.
    fn process(&mut self, t: usize, y: Complex64) -> Complex64 {
        let mut past = [Complex64::default(); TAPS];
        for (k, v) in past.iter_mut().enumerate() {
            let back = DELAY + k;
            if t >= back {
                *v = self.history[(t - back) % HISTORY];
            }
        }
        self.history[t % HISTORY] = y;
        let predicted: Complex64 = self.g.iter().zip(&past).map(|(g, v)| g.conj() * v).sum();
        let out = y - predicted;
        self.power = 0.7 * self.power + 0.3 * y.norm_sqr();
        let weight = FORGET * self.power.max(POWER_FLOOR);
        let mut pk = [Complex64::default(); TAPS];
        for (i, v) in pk.iter_mut().enumerate() {
            *v = (0..TAPS).map(|j| self.p[i * TAPS + j] * past[j]).sum();
        }
        let quad: f64 = past.iter().zip(&pk).map(|(v, q)| (v.conj() * q).re).sum();
        if !(quad >= 0.0 && quad.is_finite() && predicted.re.is_finite()) {
            // Lost its positive definiteness (rounding): start this bin's filter afresh.
            self.reset_filter();
            return y;
        }
        let denominator = weight + quad;
        for (g, q) in self.g.iter_mut().zip(&pk) {
            *g += q / denominator * out.conj();
        }
        for i in 0..TAPS {
            for j in i..TAPS {
                let v = (self.p[i * TAPS + j] - pk[i] * pk[j].conj() / denominator) / FORGET;
                self.p[i * TAPS + j] = v;
                self.p[j * TAPS + i] = v.conj();
            }
        }
        out
    }
}

/// Online WPE over a stream of 16 kHz mono audio.
pub struct OnlineDereverb {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    window: Vec<f32>,
    /// The last [`N_FFT`] input samples (the oldest first), then those since the last frame.
    input: Vec<f32>,
    /// Input samples since the last frame.
    fresh: usize,
    /// Overlap-add of the frames not yet complete.
    ola: Vec<f32>,
    bins: Vec<Bin>,
    frame: usize,
    buf: Vec<f32>,
    spec: Vec<Complex32>,
}

impl Default for OnlineDereverb {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for OnlineDereverb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnlineDereverb")
            .field("frame", &self.frame)
            .finish()
    }
}

impl OnlineDereverb {
    /// A dereverberator at the start of a stream.
    pub fn new() -> OnlineDereverb {
        let mut planner = RealFftPlanner::<f32>::new();
        OnlineDereverb {
            forward: planner.plan_fft_forward(N_FFT),
            inverse: planner.plan_fft_inverse(N_FFT),
            window: (0..N_FFT)
                .map(|n| {
                    (0.5 - 0.5 * (2.0 * std::f32::consts::PI * n as f32 / N_FFT as f32).cos())
                        .sqrt()
                })
                .collect(),
            input: vec![0.0; N_FFT],
            fresh: 0,
            ola: vec![0.0; N_FFT],
            bins: vec![Bin::new(); BINS],
            frame: 0,
            buf: vec![0.0; N_FFT],
            spec: vec![Complex32::default(); BINS],
        }
    }

    /// Appends to `out` the dereverberated samples that `x` completes: over a stream, exactly
    /// as many as came in, lagging them by [`LATENCY`] samples (a push of a multiple of 128
    /// samples gets as many back).
    pub fn push(&mut self, x: &[f32], out: &mut Vec<f32>) {
        for &v in x {
            self.input.push(if v.is_finite() { v } else { 0.0 });
            self.fresh += 1;
            if self.fresh == HOP {
                self.fresh = 0;
                self.input.drain(..HOP);
                self.step(out);
            }
        }
    }

    /// One STFT frame: analyse, dereverberate each bin, overlap-add, emit a hop.
    fn step(&mut self, out: &mut Vec<f32>) {
        for ((b, x), w) in self.buf.iter_mut().zip(&self.input).zip(&self.window) {
            *b = x * w;
        }
        let _ = self.forward.process(&mut self.buf, &mut self.spec);
        let t = self.frame;
        for (s, bin) in self.spec.iter_mut().zip(self.bins.iter_mut()) {
            let y = bin.process(t, Complex64::new(f64::from(s.re), f64::from(s.im)));
            *s = Complex32::new(y.re as f32, y.im as f32);
        }
        self.spec[0].im = 0.0;
        self.spec[BINS - 1].im = 0.0;
        let _ = self.inverse.process(&mut self.spec, &mut self.buf);
        // sqrt-Hann on both sides at a hop of a quarter frame: the products sum to 2; the
        // inverse FFT is not normalised.
        let scale = 1.0 / (N_FFT as f32 * 2.0);
        for ((o, b), w) in self.ola.iter_mut().zip(&self.buf).zip(&self.window) {
            *o += b * w * scale;
        }
        out.extend_from_slice(&self.ola[..HOP]);
        self.ola.rotate_left(HOP);
        self.ola[N_FFT - HOP..].fill(0.0);
        self.frame += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic white noise in [-1, 1].
    fn noise(seed: u64) -> impl FnMut() -> f32 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
        }
    }

    #[test]
    fn a_dry_signal_comes_back_late_by_the_latency_and_nearly_as_it_was() {
        // Noise without any echo: nothing in it can be predicted from 24 ms back and
        // earlier, so it passes, moved by LATENCY samples.
        let mut next = noise(7);
        let x: Vec<f32> = (0..16000 * 2).map(|_| 0.3 * next()).collect();
        let mut d = OnlineDereverb::new();
        let mut y = Vec::new();
        for chunk in x.chunks(512) {
            d.push(chunk, &mut y);
        }
        assert_eq!(y.len(), x.len());
        assert!(y.iter().all(|v| v.is_finite()));
        let tail = 16000..x.len();
        let energy = |v: &[f32]| v.iter().map(|s| s * s).sum::<f32>();
        let lagged: Vec<f32> = tail.clone().map(|n| y[n] - x[n - LATENCY]).collect();
        let rest = energy(&lagged) / energy(&x[tail]);
        assert!(rest < 0.1, "residual {rest}");
    }

    #[test]
    fn an_echo_is_taken_out() {
        // Noise bursts with an echo 60 ms later at half strength: the echo is late
        // reverberation for the filter (beyond its 24-ms delay), so most of it goes.
        let mut next = noise(1);
        let n = 16000 * 6;
        let dry: Vec<f32> = (0..n)
            .map(|i| {
                if (i / 3200) % 2 == 0 {
                    0.3 * next()
                } else {
                    0.0
                }
            })
            .collect();
        let echo = 960;
        let wet: Vec<f32> = (0..n)
            .map(|i| dry[i] + if i >= echo { 0.5 * dry[i - echo] } else { 0.0 })
            .collect();
        let mut d = OnlineDereverb::new();
        let mut y = Vec::new();
        d.push(&wet, &mut y);
        // Energy in the gaps, where only the echo sounds, over the last three seconds.
        let gap_energy = |v: &[f32], lag: usize| -> f32 {
            (16000 * 3..n - LATENCY)
                .filter(|i| (i / 3200) % 2 == 1 && i % 3200 < echo)
                .map(|i| v[i + lag] * v[i + lag])
                .sum()
        };
        let before = gap_energy(&wet, 0);
        let after = gap_energy(&y, LATENCY);
        assert!(after < 0.5 * before, "echo energy {before} -> {after}");
    }
}
