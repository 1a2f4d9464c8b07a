//! Multi-microphone combination in the STFT domain: reduces `M` channels to one.
//!
//! * [`Beam::First`] / [`Beam::Mean`]: the reference channel, or the plain downmix.
//! * [`DelayAndSum`]: time differences of arrival by GCC-PHAT (Knapp & Carter, "The generalized
//!   correlation method for estimation of time delay", IEEE TASSP 24(4), 1976) on recursively
//!   smoothed cross-spectra, re-estimated every few frames, fractional delays applied as phase
//!   shifts, then the channels averaged.
//! * [`Mvdr`]: the reference-channel MVDR of Souden, Benesty & Affes ("On optimal frequency-domain
//!   multichannel linear filtering for noise reduction", IEEE TASLP 18(2), 2010), which needs
//!   only the noisy and the noise spatial covariance; the noise covariance is updated on frames
//!   that a minimum-tracking energy detector calls noise.
//!
//! All are causal and frame-recursive, so they serve live and offline alike.

use crate::stft::{HOP, N_BINS, N_FFT};
use realfft::num_complex::{Complex32, Complex64};

/// How channels are combined.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Beam {
    /// Channel 0 only.
    First,
    /// Plain average (what the product does today).
    Mean,
    /// GCC-PHAT delay-and-sum.
    DelayAndSum,
    /// Souden MVDR with an energy-based noise detector.
    Mvdr,
}

/// Lowest and highest bins used for GCC-PHAT (about 100 Hz .. 5 kHz).
const GCC_LO: usize = 3;
const GCC_HI: usize = 160;

/// GCC-PHAT delay-and-sum beamformer state.
pub struct DelayAndSum {
    channels: usize,
    /// Smoothed cross-spectra `X_0 X_m^*` per channel (index 0 unused).
    cross: Vec<Vec<Complex64>>,
    /// Current delay of each channel relative to channel 0, in samples.
    taus: Vec<f32>,
    /// Largest delay searched per unit of channel index (samples).
    max_lag_per_mic: f32,
    frame: usize,
    /// Re-estimate the delays every this many frames.
    update_every: usize,
    /// Smoothing of the cross-spectra per frame.
    beta: f64,
}

impl DelayAndSum {
    /// `spacing_m`: microphone spacing of a linear array (7 cm for the laptop array).
    pub fn new(channels: usize, spacing_m: f32) -> Self {
        Self {
            channels,
            cross: vec![vec![Complex64::default(); N_BINS]; channels],
            taus: vec![0.0; channels],
            max_lag_per_mic: spacing_m / 343.0 * 16000.0 + 0.5,
            frame: 0,
            update_every: 8,
            beta: 0.97,
        }
    }

    /// Current delay estimates in samples (channel 0 is 0).
    pub fn delays(&self) -> &[f32] {
        &self.taus
    }

    /// Combines one frame of every channel into `out`.
    pub fn process_frame(&mut self, frame: &[Vec<Complex32>], out: &mut [Complex32]) {
        for (cross, fr) in self.cross.iter_mut().zip(frame).skip(1) {
            for f in GCC_LO..GCC_HI {
                let (a, b) = (frame[0][f], fr[f]);
                let c = Complex64::new(a.re as f64, a.im as f64)
                    * Complex64::new(b.re as f64, -b.im as f64);
                cross[f] = cross[f] * self.beta + c * (1.0 - self.beta);
            }
        }
        self.frame += 1;
        if self.frame.is_multiple_of(self.update_every) {
            for ch in 1..self.channels {
                let max = self.max_lag_per_mic * ch as f32;
                self.taus[ch] = gcc_phat_peak(&self.cross[ch], max);
            }
        }
        out.copy_from_slice(&frame[0]);
        for (fr, &tau) in frame.iter().zip(&self.taus).skip(1) {
            for (f, (o, v)) in out.iter_mut().zip(fr).enumerate() {
                let w = 2.0 * std::f32::consts::PI * f as f32 / N_FFT as f32;
                *o += v * Complex32::from_polar(1.0, w * tau);
            }
        }
        let inv = 1.0 / self.channels as f32;
        out.iter_mut().for_each(|o| *o *= inv);
    }
}

/// Delay (samples, |tau| <= max) that maximises the PHAT-weighted cross-correlation of a
/// cross-spectrum `X_ref X_m^*`: positive when channel m lags the reference.
pub fn gcc_phat_peak(cross: &[Complex64], max: f32) -> f32 {
    let mut best = (f64::MIN, 0.0f32);
    let steps = (max / 0.1).ceil() as i32;
    for s in -steps..=steps {
        let tau = s as f32 * 0.1;
        let mut acc = 0.0;
        for (f, c) in cross.iter().enumerate().take(GCC_HI).skip(GCC_LO) {
            let n = c.norm();
            if n <= 0.0 {
                continue;
            }
            let w = 2.0 * std::f64::consts::PI * f as f64 / N_FFT as f64;
            // C = |X|^2 e^{j w tau}: correlate with e^{-j w tau'}.
            acc += (c / n * Complex64::from_polar(1.0, -w * tau as f64)).re;
        }
        if acc > best.0 {
            best = (acc, tau);
        }
    }
    best.1
}

/// Souden MVDR with recursive covariance estimates and an energy-based noise detector.
pub struct Mvdr {
    m: usize,
    /// Noisy covariance per bin (`m x m`).
    phi_y: Vec<Vec<Complex64>>,
    /// Noise covariance per bin.
    phi_n: Vec<Vec<Complex64>>,
    /// Tracked noise floor of the frame energy.
    floor: f64,
    frames: usize,
}

impl Mvdr {
    /// New beamformer for `channels` microphones.
    pub fn new(channels: usize) -> Self {
        let z = vec![Complex64::default(); channels * channels];
        Self {
            m: channels,
            phi_y: vec![z.clone(); N_BINS],
            phi_n: vec![z; N_BINS],
            floor: 0.0,
            frames: 0,
        }
    }

    /// Combines one frame of every channel into `out` (reference: channel 0).
    pub fn process_frame(&mut self, frame: &[Vec<Complex32>], out: &mut [Complex32]) {
        let m = self.m;
        let energy: f64 = frame[0].iter().map(|c| c.norm_sqr() as f64).sum::<f64>() + 1e-12;
        // Minimum tracking: fall fast, rise slowly (about 3 dB per second at 125 frames/s).
        self.floor = if self.frames == 0 {
            energy
        } else {
            (self.floor * 1.0055).min(energy.max(self.floor * 0.9))
        };
        self.frames += 1;
        let is_noise = energy < 2.5 * self.floor;
        let (ay, an) = (0.98, 0.99);
        for f in 0..N_BINS {
            let x: Vec<Complex64> = (0..m)
                .map(|c| Complex64::new(frame[c][f].re as f64, frame[c][f].im as f64))
                .collect();
            for i in 0..m {
                for j in 0..m {
                    let v = x[i] * x[j].conj();
                    self.phi_y[f][i * m + j] = self.phi_y[f][i * m + j] * ay + v * (1.0 - ay);
                    if is_noise || self.frames < 25 {
                        self.phi_n[f][i * m + j] = self.phi_n[f][i * m + j] * an + v * (1.0 - an);
                    }
                }
            }
            out[f] = frame[0][f];
            if self.frames < 50 {
                continue;
            }
            // w = (Phi_n^-1 Phi_y - I) u / (tr(Phi_n^-1 Phi_y) - m)
            let mut pn = self.phi_n[f].clone();
            let tr: f64 = (0..m).map(|i| pn[i * m + i].re).sum();
            for i in 0..m {
                pn[i * m + i] += 1e-3 * tr / m as f64 + 1e-12;
            }
            let Some(a) = solve_small(&pn, &self.phi_y[f], m) else {
                continue;
            };
            let tr_a: f64 = (0..m).map(|i| a[i * m + i].re).sum::<f64>() - m as f64;
            if tr_a <= 1e-3 {
                continue;
            }
            let mut y = Complex64::default();
            for i in 0..m {
                let mut wi = a[i * m];
                if i == 0 {
                    wi -= 1.0;
                }
                y += (wi / tr_a).conj() * x[i];
            }
            out[f] = Complex32::new(y.re as f32, y.im as f32);
        }
    }
}

/// `A^-1 B` for small complex matrices (Gauss-Jordan with partial pivoting).
fn solve_small(a: &[Complex64], b: &[Complex64], m: usize) -> Option<Vec<Complex64>> {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    for col in 0..m {
        let piv =
            (col..m).max_by(|&i, &j| a[i * m + col].norm().total_cmp(&a[j * m + col].norm()))?;
        if a[piv * m + col].norm() < 1e-300 {
            return None;
        }
        for k in 0..m {
            a.swap(col * m + k, piv * m + k);
            b.swap(col * m + k, piv * m + k);
        }
        let d = a[col * m + col];
        for k in 0..m {
            a[col * m + k] /= d;
            b[col * m + k] /= d;
        }
        for r in 0..m {
            if r != col {
                let fct = a[r * m + col];
                for k in 0..m {
                    let (ak, bk) = (a[col * m + k], b[col * m + k]);
                    a[r * m + k] -= fct * ak;
                    b[r * m + k] -= fct * bk;
                }
            }
        }
    }
    Some(b)
}

/// Frames per second of the STFT (for time constants).
pub const FRAMES_PER_SECOND: f32 = 16000.0 / HOP as f32;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::{istft, stft};

    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn delay_and_sum_finds_and_aligns_a_known_delay() {
        let x = noise(32000, 3);
        let delayed: Vec<f32> = (0..x.len())
            .map(|i| if i >= 2 { x[i - 2] } else { 0.0 })
            .collect();
        let (n, s0) = stft(&x);
        let (_, s1) = stft(&delayed);
        let mut ds = DelayAndSum::new(2, 0.07);
        let mut out = vec![Complex32::default(); n * N_BINS];
        let mut frame = vec![vec![Complex32::default(); N_BINS]; 2];
        for t in 0..n {
            frame[0].copy_from_slice(&s0[t * N_BINS..(t + 1) * N_BINS]);
            frame[1].copy_from_slice(&s1[t * N_BINS..(t + 1) * N_BINS]);
            ds.process_frame(&frame, &mut out[t * N_BINS..(t + 1) * N_BINS]);
        }
        assert!(
            (ds.delays()[1] - 2.0).abs() < 0.15,
            "delay {}",
            ds.delays()[1]
        );
        // Aligned sum of two copies equals the reference (coherent, no comb filtering).
        let y = istft(&out, x.len());
        let err: f32 = x[16000..]
            .iter()
            .zip(&y[16000..])
            .map(|(a, b)| (a - b).powi(2))
            .sum();
        let en: f32 = x[16000..].iter().map(|a| a * a).sum();
        assert!(err / en < 0.01, "residual {}", err / en);
    }

    #[test]
    fn mvdr_passes_a_coherent_source_in_diffuse_noise() {
        let n = 16000 * 6;
        let src: Vec<f32> = noise(n, 5)
            .iter()
            .enumerate()
            .map(|(i, v)| if (i / 8000) % 2 == 1 { *v * 0.5 } else { 0.0 })
            .collect();
        let n0 = noise(n, 6);
        let n1 = noise(n, 7);
        let m0: Vec<f32> = (0..n).map(|i| src[i] + 0.05 * n0[i]).collect();
        let m1: Vec<f32> = (0..n).map(|i| src[i] + 0.05 * n1[i]).collect();
        let (nf, s0) = stft(&m0);
        let (_, s1) = stft(&m1);
        let mut mv = Mvdr::new(2);
        let mut out = vec![Complex32::default(); nf * N_BINS];
        let mut frame = vec![vec![Complex32::default(); N_BINS]; 2];
        for t in 0..nf {
            frame[0].copy_from_slice(&s0[t * N_BINS..(t + 1) * N_BINS]);
            frame[1].copy_from_slice(&s1[t * N_BINS..(t + 1) * N_BINS]);
            mv.process_frame(&frame, &mut out[t * N_BINS..(t + 1) * N_BINS]);
        }
        let y = istft(&out, n);
        let seg = |v: &[f32], a: usize, b: usize| {
            v[a..b].iter().map(|s| s * s).sum::<f32>() / (b - a) as f32
        };
        // Noise-only second (4..4.5 s) gets quieter, speech second (4.5..5 s) keeps its level.
        let (noise_in, noise_out) = (seg(&m0, 64000, 72000), seg(&y, 64000, 72000));
        let (sp_in, sp_out) = (seg(&m0, 74000, 80000), seg(&y, 74000, 80000));
        assert!(
            noise_out < noise_in * 0.8,
            "noise {noise_in} -> {noise_out}"
        );
        assert!(
            (sp_out / sp_in - 1.0).abs() < 0.2,
            "speech {sp_in} -> {sp_out}"
        );
    }
}
