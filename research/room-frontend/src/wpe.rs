//! Weighted prediction error (WPE) dereverberation in the STFT domain.
//!
//! Owns late-reverberation removal by multi-channel linear prediction: each bin of each channel
//! is predicted from `taps` past frames of all channels, skipping the `delay` most recent frames
//! so that the direct sound and early reflections are kept, and the prediction is subtracted.
//! The filter minimises the prediction error weighted by the inverse of the (time-varying)
//! power of the desired signal.
//!
//! * [`wpe_offline`]: the iterative batch algorithm of Nakatani et al., "Speech dereverberation
//!   based on variance-normalized delayed linear prediction", IEEE TASLP 18(7), 2010, in its
//!   multi-channel form (Yoshioka & Nakatani, "Generalization of multi-channel linear prediction
//!   methods for blind MIMO impulse response shortening", IEEE TASLP 20(10), 2012).
//! * [`OnlineWpe`]: the frame-recursive (RLS) version for live use (Yoshioka & Nakatani 2013;
//!   Caroselli et al., "Adaptive multichannel dereverberation for automatic speech recognition",
//!   Interspeech 2017), one frame in, one frame out, no look-ahead.
//!
//! `mix` < 1 subtracts only part of the predicted reverberation (a partial, gentler mix).
//! Spectra are `frames x N_BINS` row-major per channel (see [`crate::stft`]).

use crate::stft::N_BINS;
use realfft::num_complex::{Complex32, Complex64};

/// Parameters shared by the offline and the online WPE.
#[derive(Clone, Debug)]
pub struct WpeConfig {
    /// Prediction filter length in frames (per channel).
    pub taps: usize,
    /// Prediction delay in frames (frames right before the current one that are not used).
    pub delay: usize,
    /// Iterations of the offline algorithm (ignored online).
    pub iterations: usize,
    /// Share of the predicted reverberation that is subtracted, 0..=1.
    pub mix: f32,
    /// Forgetting factor of the online version (ignored offline).
    pub alpha: f64,
}

impl Default for WpeConfig {
    fn default() -> Self {
        Self {
            taps: 10,
            delay: 3,
            iterations: 3,
            mix: 1.0,
            alpha: 0.998,
        }
    }
}

/// Power floor relative to a bin's mean power, so that silent frames do not dominate.
const REL_FLOOR: f64 = 1e-4;
const ABS_FLOOR: f64 = 1e-10;

/// Offline iterative WPE over whole spectrograms (`spec[ch]` is `n_frames x N_BINS`).
/// Returns the dereverberated spectrogram of every channel.
pub fn wpe_offline(
    spec: &[Vec<Complex32>],
    n_frames: usize,
    cfg: &WpeConfig,
) -> Vec<Vec<Complex32>> {
    let m = spec.len();
    let l = cfg.taps * m;
    let mut out = spec.to_vec();
    let mut y = vec![vec![Complex64::default(); n_frames]; m];
    let mut lambda = vec![0.0f64; n_frames];
    let mut r = vec![Complex64::default(); l * l];
    let mut p = vec![Complex64::default(); l * m];
    let mut x = vec![Complex64::default(); l];
    for f in 0..N_BINS {
        for (ch, yc) in y.iter_mut().enumerate() {
            for (t, v) in yc.iter_mut().enumerate() {
                let s = spec[ch][t * N_BINS + f];
                *v = Complex64::new(s.re as f64, s.im as f64);
            }
        }
        let mut d = y.clone();
        for _ in 0..cfg.iterations.max(1) {
            // Desired-signal power: mean over channels of the current estimate.
            for (t, lam) in lambda.iter_mut().enumerate() {
                *lam = d.iter().map(|dc| dc[t].norm_sqr()).sum::<f64>() / m as f64;
            }
            let mean = lambda.iter().sum::<f64>() / n_frames.max(1) as f64;
            let floor = mean * REL_FLOOR + ABS_FLOOR;
            r.fill(Complex64::default());
            p.fill(Complex64::default());
            for t in 0..n_frames {
                if !stack(&y, t, cfg, &mut x) {
                    continue;
                }
                let w = 1.0 / lambda[t].max(floor);
                for i in 0..l {
                    let xi = x[i] * w;
                    for j in i..l {
                        r[i * l + j] += xi * x[j].conj();
                    }
                    for (ch, yc) in y.iter().enumerate() {
                        p[i * m + ch] += xi * yc[t].conj();
                    }
                }
            }
            for i in 0..l {
                for j in 0..i {
                    r[i * l + j] = r[j * l + i].conj();
                }
            }
            let g = solve_hermitian(&mut r, &p, l, m);
            for t in 0..n_frames {
                let has = stack(&y, t, cfg, &mut x);
                for ch in 0..m {
                    let mut pred = Complex64::default();
                    if has {
                        for i in 0..l {
                            pred += g[i * m + ch].conj() * x[i];
                        }
                    }
                    d[ch][t] = y[ch][t] - pred * cfg.mix as f64;
                }
            }
        }
        for (ch, dc) in d.iter().enumerate() {
            for (t, v) in dc.iter().enumerate() {
                out[ch][t * N_BINS + f] = Complex32::new(v.re as f32, v.im as f32);
            }
        }
    }
    out
}

/// Stacks the delayed past frames of all channels for frame `t`; false if none exist yet.
fn stack(y: &[Vec<Complex64>], t: usize, cfg: &WpeConfig, x: &mut [Complex64]) -> bool {
    if t < cfg.delay {
        return false;
    }
    let m = y.len();
    for k in 0..cfg.taps {
        for (ch, yc) in y.iter().enumerate() {
            x[k * m + ch] = (t - cfg.delay)
                .checked_sub(k)
                .map_or(Complex64::default(), |i| yc[i]);
        }
    }
    true
}

/// Solves `R G = P` for Hermitian positive (semi-)definite `R` (`l x l`, overwritten by its
/// Cholesky factor) and `P` (`l x m`), with a small diagonal loading.
fn solve_hermitian(r: &mut [Complex64], p: &[Complex64], l: usize, m: usize) -> Vec<Complex64> {
    let trace: f64 = (0..l).map(|i| r[i * l + i].re).sum();
    let load = 1e-6 * trace / l as f64 + 1e-12;
    for i in 0..l {
        r[i * l + i] += load;
    }
    // In-place Cholesky: lower triangle holds L with R = L L^H.
    for j in 0..l {
        let mut s = r[j * l + j].re;
        for k in 0..j {
            s -= r[j * l + k].norm_sqr();
        }
        let djj = s.max(1e-300).sqrt();
        r[j * l + j] = Complex64::new(djj, 0.0);
        for i in j + 1..l {
            let mut v = r[i * l + j];
            for k in 0..j {
                v -= r[i * l + k] * r[j * l + k].conj();
            }
            r[i * l + j] = v / djj;
        }
    }
    let mut g = p.to_vec();
    for c in 0..m {
        // Forward: L z = p.
        for i in 0..l {
            let mut v = g[i * m + c];
            for k in 0..i {
                v -= r[i * l + k] * g[k * m + c];
            }
            g[i * m + c] = v / r[i * l + i].re;
        }
        // Backward: L^H g = z.
        for i in (0..l).rev() {
            let mut v = g[i * m + c];
            for k in i + 1..l {
                v -= r[k * l + i].conj() * g[k * m + c];
            }
            g[i * m + c] = v / r[i * l + i].re;
        }
    }
    g
}

/// Frame-recursive (RLS) WPE for live use: state per bin, one STFT frame of every channel in,
/// one dereverberated frame of every channel out.
pub struct OnlineWpe {
    cfg: WpeConfig,
    channels: usize,
    /// Past input frames, newest first: `(delay + taps) x channels x N_BINS`.
    history: Vec<Vec<Complex64>>,
    /// Inverse weighted correlation matrix per bin (`l x l`).
    inv_r: Vec<Vec<Complex64>>,
    /// Prediction filter per bin (`l x channels`).
    g: Vec<Vec<Complex64>>,
    x: Vec<Complex64>,
    nu: Vec<Complex64>,
    /// Slowly tracked mean power per bin, for the power floor.
    mean_pow: Vec<f64>,
    /// Input of the frame being processed (`channels x N_BINS`).
    current: Vec<Complex64>,
}

impl OnlineWpe {
    /// New state for `channels` microphones.
    pub fn new(channels: usize, cfg: WpeConfig) -> Self {
        assert!(
            cfg.delay >= 1 && cfg.taps >= 1,
            "WPE needs delay >= 1 and taps >= 1"
        );
        let l = cfg.taps * channels;
        let mut eye = vec![Complex64::default(); l * l];
        for i in 0..l {
            eye[i * l + i] = Complex64::new(1.0, 0.0);
        }
        Self {
            history: vec![vec![Complex64::default(); channels * N_BINS]; cfg.delay + cfg.taps],
            inv_r: vec![eye; N_BINS],
            g: vec![vec![Complex64::default(); l * channels]; N_BINS],
            x: vec![Complex64::default(); l],
            nu: vec![Complex64::default(); l],
            mean_pow: vec![0.0; N_BINS],
            current: vec![Complex64::default(); channels * N_BINS],
            cfg,
            channels,
        }
    }

    /// Processes one frame: `frame[ch]` holds `N_BINS` bins of channel `ch`; it is overwritten
    /// with the dereverberated frame.
    pub fn process_frame(&mut self, frame: &mut [Vec<Complex32>]) {
        let m = self.channels;
        for (ch, fr) in frame.iter().enumerate() {
            for (f, s) in fr.iter().enumerate() {
                self.current[ch * N_BINS + f] = Complex64::new(s.re as f64, s.im as f64);
            }
        }
        let l = self.cfg.taps * m;
        let alpha = self.cfg.alpha;
        for f in 0..N_BINS {
            // Stacked delayed frames: history[delay + k] is frame t - delay - k.
            for k in 0..self.cfg.taps {
                let h = &self.history[self.cfg.delay + k - 1];
                for ch in 0..m {
                    self.x[k * m + ch] = h[ch * N_BINS + f];
                }
            }
            let y: Vec<Complex64> = (0..m)
                .map(|ch| {
                    let s = frame[ch][f];
                    Complex64::new(s.re as f64, s.im as f64)
                })
                .collect();
            let pow = y.iter().map(|v| v.norm_sqr()).sum::<f64>() / m as f64;
            self.mean_pow[f] = 0.995 * self.mean_pow[f] + 0.005 * pow;
            let lambda = pow.max(self.mean_pow[f] * REL_FLOOR * 10.0 + ABS_FLOOR);
            let inv_r = &mut self.inv_r[f];
            let g = &mut self.g[f];
            // nu = R^-1 x; k = nu / (alpha lambda + x^H nu)
            let mut denom = alpha * lambda;
            for i in 0..l {
                let mut v = Complex64::default();
                for j in 0..l {
                    v += inv_r[i * l + j] * self.x[j];
                }
                self.nu[i] = v;
                denom += (self.x[i].conj() * v).re;
            }
            // Prediction error with the current filter (a priori).
            for ch in 0..m {
                let mut pred = Complex64::default();
                for i in 0..l {
                    pred += g[i * m + ch].conj() * self.x[i];
                }
                let e = y[ch] - pred;
                // Safeguard: dereverberation removes energy, so never return more than came in
                // (guards against a filter that has not converged yet or drifts).
                let mut d = y[ch] - pred * self.cfg.mix as f64;
                let (nd, ny) = (d.norm(), y[ch].norm());
                if nd > ny {
                    d *= ny / nd;
                }
                frame[ch][f] = Complex32::new(d.re as f32, d.im as f32);
                for i in 0..l {
                    g[i * m + ch] += self.nu[i] / denom * e.conj();
                }
            }
            // R^-1 <- (R^-1 - k nu^H) / alpha, kept Hermitian.
            for i in 0..l {
                let ki = self.nu[i] / denom;
                for j in i..l {
                    let v = (inv_r[i * l + j] - ki * self.nu[j].conj()) / alpha;
                    inv_r[i * l + j] = v;
                    inv_r[j * l + i] = v.conj();
                }
            }
            // A filter that blew up (non-finite) starts over.
            if !g.iter().all(|v| v.re.is_finite() && v.im.is_finite()) {
                g.fill(Complex64::default());
                inv_r.fill(Complex64::default());
                for i in 0..l {
                    inv_r[i * l + i] = Complex64::new(1.0, 0.0);
                }
            }
        }
        // Shift history: the frame just read becomes history[0].
        let mut oldest = self.history.pop().expect("history is non-empty");
        std::mem::swap(&mut oldest, &mut self.current);
        self.history.insert(0, oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::{istft, stft};

    /// Deterministic pseudo-random numbers in [-1, 1].
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

    /// Bursts of noise (0.25 s on, 0.5 s off) convolved with an exponentially decaying
    /// random impulse response (RT60 0.5 s); returns (dry, reverberant) for `mics` mics.
    fn reverberant(mics: usize) -> (Vec<f32>, Vec<Vec<f32>>) {
        let n = 16000 * 12;
        let src: Vec<f32> = noise(n, 1)
            .iter()
            .enumerate()
            .map(|(i, v)| if i % 12000 < 4000 { *v } else { 0.0 })
            .collect();
        let rir_len = 8000;
        let decay = (-6.9 / (0.5 * 16000.0)) as f32; // -60 dB in 0.5 s
        let outs = (0..mics)
            .map(|m| {
                let tail = noise(rir_len, 10 + m as u64);
                let mut rir: Vec<f32> = tail
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * 0.3 * (decay * i as f32).exp())
                    .collect();
                rir[0] = 1.0;
                let mut y = vec![0.0f32; n];
                for (i, s) in src.iter().enumerate().filter(|(_, s)| **s != 0.0) {
                    for (k, h) in rir.iter().enumerate() {
                        if i + k < n {
                            y[i + k] += s * h;
                        }
                    }
                }
                y
            })
            .collect();
        (src, outs)
    }

    /// Energy in the "off" parts of the bursts, 50 ms after each offset, relative to the total.
    fn late_ratio(y: &[f32]) -> f32 {
        let (mut late, mut all) = (0.0f32, 0.0f32);
        for (i, v) in y.iter().enumerate().skip(16000 * 3) {
            all += v * v;
            if i % 12000 >= 4800 {
                late += v * v;
            }
        }
        late / all
    }

    fn run(mics: usize, online: bool) -> (f32, f32) {
        let (_, ys) = reverberant(mics);
        let mut n_frames = 0;
        let specs: Vec<Vec<Complex32>> = ys
            .iter()
            .map(|y| {
                let (n, s) = stft(y);
                n_frames = n;
                s
            })
            .collect();
        let cfg = WpeConfig {
            taps: 10,
            delay: 3,
            iterations: 3,
            ..WpeConfig::default()
        };
        let out = if online {
            let mut st = OnlineWpe::new(mics, cfg);
            let mut res = specs.clone();
            let mut frame = vec![vec![Complex32::default(); N_BINS]; mics];
            for t in 0..n_frames {
                for (fr, s) in frame.iter_mut().zip(&specs) {
                    fr.copy_from_slice(&s[t * N_BINS..(t + 1) * N_BINS]);
                }
                st.process_frame(&mut frame);
                for (fr, o) in frame.iter().zip(res.iter_mut()) {
                    o[t * N_BINS..(t + 1) * N_BINS].copy_from_slice(fr);
                }
            }
            res
        } else {
            wpe_offline(&specs, n_frames, &cfg)
        };
        let y = istft(&out[0], ys[0].len());
        (late_ratio(&ys[0]), late_ratio(&y))
    }

    #[test]
    fn offline_single_channel_reduces_late_energy() {
        let (before, after) = run(1, false);
        assert!(after < before * 0.9, "late energy {before} -> {after}");
    }

    #[test]
    fn offline_two_channel_reduces_late_energy() {
        let (before, after) = run(2, false);
        assert!(after < before * 0.75, "late energy {before} -> {after}");
    }

    #[test]
    fn online_reduces_late_energy_and_stays_bounded() {
        let (before, after) = run(2, true);
        assert!(after < before * 0.8, "late energy {before} -> {after}");
    }
}
