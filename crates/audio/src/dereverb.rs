//! Dereverberation of a multi-channel recording before its channels become one: weighted
//! prediction error (WPE) over all microphones, for files (the offline path).
//!
//! In a meeting room every microphone hears each voice followed by its reflections, and the
//! late ones (after about 50 ms) smear syllables into each other; that is what costs Whisper
//! most on room audio. WPE removes them by linear prediction in the short-time Fourier
//! domain: each bin of each channel is predicted from the `taps` frames of *all* channels
//! that lie more than `delay` frames in the past (so the direct sound and the early
//! reflections, which help intelligibility, are kept), and the prediction is subtracted. The
//! filter minimises the prediction error weighted by the inverse of the speech's own
//! (time-varying) power, estimated again in each of a few iterations: Nakatani et al.,
//! "Speech dereverberation based on variance-normalized delayed linear prediction", IEEE
//! TASLP 18(7), 2010, in its multi-channel form (Yoshioka & Nakatani, IEEE TASLP 20(10),
//! 2012), as in the CHiME and REVERB challenge front ends.
//!
//! [`Dereverb`] runs it on a stream of interleaved frames in blocks of [`BLOCK_S`] seconds
//! (one filter per block and bin, so memory stays bounded on a long session), each block
//! seeing half a second of its neighbours and cross-faded with them over [`FADE_S`]. The
//! output has as many frames as the input, aligned with it, and lags it by a block (nothing for
//! a file; [`Dereverb::flush`] delivers the rest). Frequencies above 8 kHz (Whisper does not
//! hear them) pass unchanged, so a 48-kHz array costs what a 16-kHz one does.
//!
//! [`dereverberate_clip`] does the same for one channel of speech on its way to the
//! recogniser only (a packed window of the offline path): the voice prints and the VAD keep
//! hearing the signal as recorded, which separates voices better (measured, see the README).

use std::sync::Arc;

use realfft::num_complex::{Complex32, Complex64};
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Block length, in seconds: each block gets its own prediction filters.
pub const BLOCK_S: f64 = 60.0;
/// Context each block sees of its neighbours, in seconds (the first frames' predictors, the
/// cross-fade).
const CONTEXT_S: f64 = 0.5;
/// Cross-fade between two blocks' outputs, in seconds.
pub const FADE_S: f64 = 0.1;
/// Highest frequency dereverberated, in Hz.
const MAX_HZ: f64 = 8000.0;

/// WPE's parameters (frames of 8 ms).
#[derive(Clone, Debug, PartialEq)]
pub struct WpeConfig {
    /// Prediction filter length in frames, per channel.
    pub taps: usize,
    /// Frames right before the current one that are not used (the direct sound and early
    /// reflections stay).
    pub delay: usize,
    /// Iterations (each re-estimates the speech power).
    pub iterations: usize,
    /// The filter's statistics (the weighted correlations) are summed over every
    /// `frame_step`-th frame; the filter is applied to every frame. Frames overlap by 75 %,
    /// so every second one still overlaps its neighbours by half and carries nearly all
    /// the information; the sums are most of the cost.
    pub frame_step: usize,
}

impl Default for WpeConfig {
    /// 10 taps after a delay of 3 frames (24-104 ms back), 3 iterations: the usual setting
    /// for 16 kHz and 0.3-0.7 s of RT60 (the NARA-WPE defaults), and the best of the ones
    /// measured here. Statistics over every second frame: half the time, the same words on
    /// eighteen array recordings (see the README).
    fn default() -> WpeConfig {
        WpeConfig {
            taps: 10,
            delay: 3,
            iterations: 3,
            frame_step: 2,
        }
    }
}

/// Power floor relative to a bin's mean power, so silent frames do not dominate the fit.
const REL_FLOOR: f64 = 1e-4;
const ABS_FLOOR: f64 = 1e-10;

/// A short-time Fourier transform of 32-ms frames every 8 ms with square-root Hann windows
/// on both sides, so weighted overlap-add gives the input back exactly.
struct Stft {
    n_fft: usize,
    hop: usize,
    window: Vec<f32>,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
}

impl Stft {
    fn new(rate: u32) -> Stft {
        // 512 points at 16 kHz; an even length at other rates.
        let n_fft = ((512.0 * f64::from(rate) / 16000.0).round() as usize / 4 * 4).max(16);
        let mut planner = RealFftPlanner::<f32>::new();
        Stft {
            n_fft,
            hop: n_fft / 4,
            window: (0..n_fft)
                .map(|n| {
                    (0.5 - 0.5 * (2.0 * std::f32::consts::PI * n as f32 / n_fft as f32).cos())
                        .sqrt()
                })
                .collect(),
            forward: planner.plan_fft_forward(n_fft),
            inverse: planner.plan_fft_inverse(n_fft),
        }
    }

    fn bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Frames covering `x` (the first starts `n_fft - hop` before it, so every sample is
    /// covered by four), their lowest `bins` bins, bin by bin: `out[f * frames + t]`.
    fn analyse(&self, x: &[f32], bins: usize) -> (usize, Vec<Complex32>) {
        let lead = self.n_fft - self.hop;
        let frames = (x.len() + lead).div_ceil(self.hop);
        let bins = bins.min(self.bins());
        let mut out = vec![Complex32::default(); frames * bins];
        let mut buf = vec![0.0f32; self.n_fft];
        let mut full = vec![Complex32::default(); self.bins()];
        let mut scratch = self.forward.make_scratch_vec();
        for t in 0..frames {
            for (i, b) in buf.iter_mut().enumerate() {
                let at = (t * self.hop + i) as isize - lead as isize;
                *b = if at >= 0 {
                    x.get(at as usize).copied().unwrap_or(0.0) * self.window[i]
                } else {
                    0.0
                };
            }
            let _ = self
                .forward
                .process_with_scratch(&mut buf, &mut full, &mut scratch);
            for (f, v) in full[..bins].iter().enumerate() {
                out[f * frames + t] = *v;
            }
        }
        (frames, out)
    }

    /// The `len` samples [`Stft::analyse`] was given, from (processed) frames of `bins`
    /// bins in its layout (the bins above are taken as zero).
    fn synthesise(&self, spec: &[Complex32], bins: usize, len: usize) -> Vec<f32> {
        let lead = self.n_fft - self.hop;
        let all = self.bins();
        let mut y = vec![0.0f32; len + self.n_fft + lead];
        let mut row = vec![Complex32::default(); all];
        let mut buf = vec![0.0f32; self.n_fft];
        let mut scratch = self.inverse.make_scratch_vec();
        // sqrt-Hann on both sides, a hop of a quarter frame: the windows' products sum to 2;
        // the inverse FFT is not normalised.
        let scale = 1.0 / (self.n_fft as f32 * 2.0);
        let frames = spec.len() / bins.max(1);
        for t in 0..frames {
            for (f, v) in row[..bins].iter_mut().enumerate() {
                *v = spec[f * frames + t];
            }
            row[bins..].fill(Complex32::default());
            // The inverse real FFT needs real DC and Nyquist bins.
            row[0].im = 0.0;
            row[all - 1].im = 0.0;
            let _ = self
                .inverse
                .process_with_scratch(&mut row, &mut buf, &mut scratch);
            let at = t * self.hop;
            for (i, v) in buf.iter().enumerate() {
                y[at + i] += v * self.window[i] * scale;
            }
        }
        y.drain(..lead);
        y.truncate(len);
        y
    }
}

/// Batch WPE over the spectrograms of every channel (`spec[ch]` in [`Stft::analyse`]'s
/// layout, `frames` per bin): each bin is replaced by its late reverberation as predicted
/// (what is to be subtracted). The bins are independent; they are shared out over `threads`.
fn wpe(spec: &mut [Vec<Complex32>], frames: usize, cfg: &WpeConfig, threads: usize) {
    let Some(first) = spec.first() else { return };
    if frames == 0 {
        return;
    }
    let bins = first.len() / frames;
    let per = bins.div_ceil(threads.max(1)).max(1);
    let mut parts: Vec<Vec<&mut [Complex32]>> = Vec::new();
    for channel in spec.iter_mut() {
        for (k, chunk) in channel.chunks_mut(per * frames).enumerate() {
            if parts.len() <= k {
                parts.push(Vec::new());
            }
            parts[k].push(chunk);
        }
    }
    std::thread::scope(|s| {
        for mut part in parts {
            s.spawn(move || {
                let mut work = Work::new(part.len(), frames, cfg);
                for b in 0..part[0].len() / frames {
                    work.bin(&mut part, b * frames, cfg);
                }
            });
        }
    });
}

/// One thread's buffers for [`wpe`].
struct Work {
    y: Vec<Vec<Complex64>>,
    d: Vec<Vec<Complex64>>,
    lambda: Vec<f64>,
    r: Vec<Complex64>,
    /// The upper triangle of `r` as it is summed, real and imaginary parts apart (see
    /// [`hermitian_update`]).
    rr: Vec<f64>,
    ri: Vec<f64>,
    p: Vec<Complex64>,
    /// `p` as it is summed, real and imaginary parts apart, by channel: `[ch][i]`.
    pr: Vec<Vec<f64>>,
    pi: Vec<Vec<f64>>,
    x: Vec<Complex64>,
    /// `x`'s real and imaginary parts.
    xr: Vec<f64>,
    xi: Vec<f64>,
    /// `y`'s real and imaginary parts, and one channel's prediction (see [`predict`]).
    yr: Vec<Vec<f64>>,
    yi: Vec<Vec<f64>>,
    guess_r: Vec<f64>,
    guess_i: Vec<f64>,
}

impl Work {
    fn new(m: usize, frames: usize, cfg: &WpeConfig) -> Work {
        let l = cfg.taps * m;
        Work {
            y: vec![vec![Complex64::default(); frames]; m],
            d: vec![vec![Complex64::default(); frames]; m],
            lambda: vec![0.0; frames],
            r: vec![Complex64::default(); l * l],
            rr: vec![0.0; l * l],
            ri: vec![0.0; l * l],
            p: vec![Complex64::default(); l * m],
            pr: vec![vec![0.0; l]; m],
            pi: vec![vec![0.0; l]; m],
            x: vec![Complex64::default(); l],
            xr: vec![0.0; l],
            xi: vec![0.0; l],
            yr: vec![vec![0.0; frames]; m],
            yi: vec![vec![0.0; frames]; m],
            guess_r: vec![0.0; frames],
            guess_i: vec![0.0; frames],
        }
    }

    /// The bin whose frames start at `at` in every channel's slice.
    fn bin(&mut self, spec: &mut [&mut [Complex32]], at: usize, cfg: &WpeConfig) {
        let Work {
            y,
            d,
            lambda,
            r,
            rr,
            ri,
            p,
            pr,
            pi,
            x,
            xr,
            xi,
            yr,
            yi,
            guess_r,
            guess_i,
        } = self;
        let m = y.len();
        let l = cfg.taps * m;
        let frames = lambda.len();
        for (yc, sc) in y.iter_mut().zip(spec.iter()) {
            for (v, s) in yc.iter_mut().zip(&sc[at..at + frames]) {
                *v = Complex64::new(f64::from(s.re), f64::from(s.im));
            }
        }
        for ((yc, re), im) in y.iter().zip(yr.iter_mut()).zip(yi.iter_mut()) {
            for ((v, r), i) in yc.iter().zip(re.iter_mut()).zip(im.iter_mut()) {
                (*r, *i) = (v.re, v.im);
            }
        }
        for (dc, yc) in d.iter_mut().zip(y.iter()) {
            dc.copy_from_slice(yc);
        }
        for _ in 0..cfg.iterations.max(1) {
            // The speech's power: the mean over channels of the current estimate.
            for (t, lam) in lambda.iter_mut().enumerate() {
                *lam = d.iter().map(|dc| dc[t].norm_sqr()).sum::<f64>() / m as f64;
            }
            let mean = lambda.iter().sum::<f64>() / frames.max(1) as f64;
            let floor = mean * REL_FLOOR + ABS_FLOOR;
            rr.fill(0.0);
            ri.fill(0.0);
            for (a, b) in pr.iter_mut().zip(pi.iter_mut()) {
                a.fill(0.0);
                b.fill(0.0);
            }
            for t in (0..frames).step_by(cfg.frame_step.max(1)) {
                if !stack(y, t, cfg, x) {
                    continue;
                }
                let w = 1.0 / lambda[t].max(floor);
                for ((re, im), v) in xr.iter_mut().zip(xi.iter_mut()).zip(x.iter()) {
                    (*re, *im) = (v.re, v.im);
                }
                hermitian_update(rr, ri, xr, xi, w);
                for (ch, yc) in y.iter().enumerate() {
                    cross_update(&mut pr[ch], &mut pi[ch], xr, xi, w, yc[t]);
                }
            }
            for (ch, (a, b)) in pr.iter().zip(pi.iter()).enumerate() {
                for i in 0..l {
                    p[i * m + ch] = Complex64::new(a[i], b[i]);
                }
            }
            for i in 0..l {
                for j in i..l {
                    r[i * l + j] = Complex64::new(rr[i * l + j], ri[i * l + j]);
                }
                for j in 0..i {
                    r[i * l + j] = r[j * l + i].conj();
                }
            }
            let g = solve_hermitian(r, p, l, m);
            for ch in 0..m {
                let taps: Vec<Complex64> = (0..l).map(|i| g[i * m + ch].conj()).collect();
                predict(guess_r, guess_i, yr, yi, &taps, cfg.delay);
                for (((dv, yv), gr), gi) in
                    d[ch].iter_mut().zip(&y[ch]).zip(&*guess_r).zip(&*guess_i)
                {
                    *dv = yv - Complex64::new(*gr, *gi);
                }
            }
        }
        for ((dc, yc), sc) in d.iter().zip(y.iter()).zip(spec.iter_mut()) {
            for ((v, x), out) in dc.iter().zip(yc).zip(&mut sc[at..at + frames]) {
                let late = x - v;
                let late = Complex32::new(late.re as f32, late.im as f32);
                *out = if late.re.is_finite() && late.im.is_finite() {
                    late
                } else {
                    Complex32::default()
                };
            }
        }
    }
}

/// `R += w x x^H` on the upper triangle of `R`, kept as real (`rr`) and imaginary (`ri`)
/// parts, for `x = xr + i xi` (`l` values, `rr`/`ri` `l x l`). Most of WPE's time is here.
/// The arithmetic is that of `R[i][j] += (x[i] * w) * conj(x[j])` in complex numbers, term
/// for term (the same products and sums in the same order, so the same bits); split into
/// real arrays, each row is a plain loop that runs four lanes wide where the CPU has AVX2.
fn hermitian_update(rr: &mut [f64], ri: &mut [f64], xr: &[f64], xi: &[f64], w: f64) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { hermitian_update_avx2(rr, ri, xr, xi, w) };
        return;
    }
    hermitian_update_rows(rr, ri, xr, xi, w);
}

#[inline(always)]
fn hermitian_update_rows(rr: &mut [f64], ri: &mut [f64], xr: &[f64], xi: &[f64], w: f64) {
    let l = xr.len();
    for i in 0..l {
        let (ar, ai) = (xr[i] * w, xi[i] * w);
        let row = i * l + i..(i + 1) * l;
        for (((r, m), &br), &bi) in rr[row.clone()]
            .iter_mut()
            .zip(&mut ri[row])
            .zip(&xr[i..])
            .zip(&xi[i..])
        {
            *r += ar * br - ai * -bi;
            *m += ar * -bi + ai * br;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn hermitian_update_avx2(rr: &mut [f64], ri: &mut [f64], xr: &[f64], xi: &[f64], w: f64) {
    hermitian_update_rows(rr, ri, xr, xi, w);
}

/// `P[i] += (x[i] * w) * conj(v)` for one channel's column of `P` (real and imaginary parts
/// apart), term for term as in complex numbers, four lanes wide where the CPU has AVX2.
fn cross_update(pr: &mut [f64], pi: &mut [f64], xr: &[f64], xi: &[f64], w: f64, v: Complex64) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { cross_update_avx2(pr, pi, xr, xi, w, v) };
        return;
    }
    cross_update_lanes(pr, pi, xr, xi, w, v);
}

#[inline(always)]
fn cross_update_lanes(
    pr: &mut [f64],
    pi: &mut [f64],
    xr: &[f64],
    xi: &[f64],
    w: f64,
    v: Complex64,
) {
    let (br, bi) = (v.re, -v.im);
    for (((r, m), &a), &b) in pr.iter_mut().zip(pi.iter_mut()).zip(xr).zip(xi) {
        let (ar, ai) = (a * w, b * w);
        *r += ar * br - ai * bi;
        *m += ar * bi + ai * br;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn cross_update_avx2(pr: &mut [f64], pi: &mut [f64], xr: &[f64], xi: &[f64], w: f64, v: Complex64) {
    cross_update_lanes(pr, pi, xr, xi, w, v);
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| std::arch::is_x86_feature_detected!("avx2"))
}

/// One channel's prediction of its late reverberation in every frame: `guess[t] = sum over i
/// of taps[i] * x_t[i]`, where `x_t[i]` is channel `i % m` at frame `t - delay - i / m`
/// ([`stack`]'s order; frames before the first count as zero and add nothing). The terms are
/// added in the order of `i` for every frame, as a complex dot product per frame would add
/// them, but a frame at a time across `t`, so the loop runs four lanes wide where the CPU
/// has AVX2.
fn predict(
    guess_r: &mut [f64],
    guess_i: &mut [f64],
    yr: &[Vec<f64>],
    yi: &[Vec<f64>],
    taps: &[Complex64],
    delay: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { predict_avx2(guess_r, guess_i, yr, yi, taps, delay) };
        return;
    }
    predict_frames(guess_r, guess_i, yr, yi, taps, delay);
}

#[inline(always)]
fn predict_frames(
    guess_r: &mut [f64],
    guess_i: &mut [f64],
    yr: &[Vec<f64>],
    yi: &[Vec<f64>],
    taps: &[Complex64],
    delay: usize,
) {
    let m = yr.len();
    guess_r.fill(0.0);
    guess_i.fill(0.0);
    for (i, a) in taps.iter().enumerate() {
        let (c, lag) = (i % m, delay + i / m);
        if lag >= guess_r.len() {
            continue;
        }
        let (ar, ai) = (a.re, a.im);
        for (((gr, gi), &br), &bi) in guess_r[lag..]
            .iter_mut()
            .zip(&mut guess_i[lag..])
            .zip(&yr[c])
            .zip(&yi[c])
        {
            *gr += ar * br - ai * bi;
            *gi += ar * bi + ai * br;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn predict_avx2(
    guess_r: &mut [f64],
    guess_i: &mut [f64],
    yr: &[Vec<f64>],
    yi: &[Vec<f64>],
    taps: &[Complex64],
    delay: usize,
) {
    predict_frames(guess_r, guess_i, yr, yi, taps, delay);
}

/// The delayed past frames of all channels for frame `t`; false before there are any.
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

/// Solves `R G = P` for a Hermitian positive semi-definite `R` (`l x l`, overwritten by its
/// Cholesky factor) and `P` (`l x m`), with a little diagonal loading.
fn solve_hermitian(r: &mut [Complex64], p: &[Complex64], l: usize, m: usize) -> Vec<Complex64> {
    let trace: f64 = (0..l).map(|i| r[i * l + i].re).sum();
    let load = 1e-6 * trace / l as f64 + 1e-12;
    for i in 0..l {
        r[i * l + i] += load;
    }
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
        for i in 0..l {
            let mut v = g[i * m + c];
            for k in 0..i {
                v -= r[i * l + k] * g[k * m + c];
            }
            g[i * m + c] = v / r[i * l + i].re;
        }
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

/// Multi-channel WPE over a stream of interleaved frames, block by block (see the module
/// docs). Push frames with [`Dereverb::push`]; the output comes a block later, the rest with
/// [`Dereverb::flush`].
pub struct Dereverb {
    channels: usize,
    cfg: WpeConfig,
    stft: Stft,
    max_bin: usize,
    block: usize,
    context: usize,
    fade: usize,
    /// Input per channel from stream frame `base` on.
    input: Vec<Vec<f32>>,
    base: u64,
    /// Threads the bins are shared out over.
    threads: usize,
    /// Frames received and delivered so far.
    received: u64,
    delivered: u64,
    /// The previous block's output over the next cross-fade (per channel; starts at
    /// `delivered`).
    tail: Vec<Vec<f32>>,
}

impl std::fmt::Debug for Dereverb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dereverb")
            .field("channels", &self.channels)
            .field("received", &self.received)
            .field("delivered", &self.delivered)
            .finish()
    }
}

impl Dereverb {
    /// For `channels` channels at `rate` Hz, with WPE's default parameters.
    pub fn new(channels: usize, rate: u32) -> Dereverb {
        Dereverb::with_config(channels, rate, WpeConfig::default())
    }

    pub fn with_config(channels: usize, rate: u32, cfg: WpeConfig) -> Dereverb {
        let stft = Stft::new(rate);
        let max_bin =
            ((MAX_HZ / f64::from(rate) * stft.n_fft as f64).ceil() as usize + 1).min(stft.bins());
        let secs = |s: f64| (s * f64::from(rate)).round() as usize;
        Dereverb {
            channels: channels.max(1),
            cfg,
            stft,
            max_bin,
            block: secs(BLOCK_S),
            context: secs(CONTEXT_S),
            fade: secs(FADE_S),
            input: vec![Vec::new(); channels.max(1)],
            base: 0,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            received: 0,
            delivered: 0,
            tail: vec![Vec::new(); channels.max(1)],
        }
    }

    /// Shares the work out over `threads` threads (default: every core; the bins are
    /// independent).
    pub fn with_threads(mut self, threads: usize) -> Dereverb {
        self.threads = threads.max(1);
        self
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Takes interleaved frames of [`Dereverb::channels`] channels; appends the interleaved
    /// frames that are done to `out`.
    pub fn push(&mut self, interleaved: &[f32], out: &mut Vec<f32>) {
        let n = self.channels;
        for frame in interleaved.chunks_exact(n) {
            for (c, s) in self.input.iter_mut().zip(frame) {
                c.push(*s);
            }
        }
        self.received += (interleaved.len() / n) as u64;
        // A block is done once the context after it has arrived.
        while self.received >= self.delivered + (self.block + self.context) as u64 {
            let end = self.delivered + self.block as u64;
            self.render(end, out);
        }
    }

    /// Delivers everything still held; call once at the end of the stream.
    pub fn flush(&mut self, out: &mut Vec<f32>) {
        while self.delivered < self.received {
            let end = (self.delivered + self.block as u64).min(self.received);
            self.render(end, out);
        }
    }

    /// Dereverberates the block that ends at stream frame `end` (with its context) and
    /// delivers its output up to where the next block's cross-fade begins (everything at the
    /// end of the stream).
    fn render(&mut self, end: u64, out: &mut Vec<f32>) {
        let n = self.channels;
        let half = (self.fade / 2) as u64;
        let from = self
            .delivered
            .saturating_sub(self.context as u64)
            .max(self.base);
        let to = (end + self.context as u64).min(self.received);
        let a = (from - self.base) as usize;
        let b = (to - self.base) as usize;
        let mut specs = Vec::with_capacity(n);
        let mut frames = 0;
        for c in &self.input {
            let (f, s) = self.stft.analyse(&c[a..b], self.max_bin);
            frames = f;
            specs.push(s);
        }
        wpe(&mut specs, frames, &self.cfg, self.threads);
        // The input minus its late reverberation (none above `max_bin`).
        let clean: Vec<Vec<f32>> = specs
            .iter()
            .zip(&self.input)
            .map(|(s, c)| {
                let late = self.stft.synthesise(s, self.max_bin, b - a);
                c[a..b].iter().zip(late).map(|(x, r)| x - r).collect()
            })
            .collect();
        // Deliver from `delivered` to `until`; the previous block's tail is faded out over
        // its length, this block faded in.
        let last = end >= self.received;
        let until = if last { end } else { end - half };
        let fade_len = self.tail[0].len();
        for i in 0..(until - self.delivered) as usize {
            let at = (self.delivered - from) as usize + i;
            for (channel, tail) in clean.iter().zip(&self.tail) {
                let mut v = channel[at];
                if i < fade_len {
                    let w = (i as f32 + 0.5) / fade_len as f32;
                    v = v * w + tail[i] * (1.0 - w);
                }
                out.push(v);
            }
        }
        // This block's output over the next cross-fade.
        for (c, t) in self.tail.iter_mut().enumerate() {
            t.clear();
            if !last {
                let s = (until - from) as usize;
                let e = ((end + half).min(to) - from) as usize;
                t.extend_from_slice(&clean[c][s..e]);
            }
        }
        self.delivered = until;
        // Keep only what the next block needs as context.
        let keep_from = self
            .delivered
            .saturating_sub(self.context as u64)
            .max(self.base);
        let drop = (keep_from - self.base) as usize;
        for c in &mut self.input {
            c.drain(..drop);
        }
        self.base = keep_from;
    }
}

/// A recording (or a window of one) sounds reverberant when the room check
/// (`crate::room`) reads its clarity below this. Measured on packed windows: close talkers
/// 0.63-0.92 (most above 0.75), far or reverberant rooms 0.28-0.69; dereverberating a close
/// window gains nothing (twelve clean conversations 0.414 -> 0.410, within the noise).
pub const REVERBERANT_BELOW_CLARITY: f32 = 0.70;

/// One channel of speech at `rate` Hz, dereverberated as a whole (up to [`BLOCK_S`] seconds
/// is one block) on `threads` threads: the same length, aligned with the input.
pub fn dereverberate_clip(samples: &[f32], rate: u32, threads: usize) -> Vec<f32> {
    // Every frame's statistics: one channel costs a quarter of two, and summing over every
    // second frame moved single files' words and turns without a gain on fifteen mono rooms.
    let cfg = WpeConfig {
        frame_step: 1,
        ..WpeConfig::default()
    };
    let mut d = Dereverb::with_config(1, rate, cfg).with_threads(threads);
    let mut out = Vec::with_capacity(samples.len());
    d.push(samples, &mut out);
    d.flush(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Bursts of noise (0.2 s on, 0.3 s off) heard by `mics` microphones, each through its
    /// own exponentially decaying random impulse response (RT60 0.4 s after a direct path).
    fn reverberant(mics: usize, seconds: usize) -> Vec<Vec<f32>> {
        let n = 16000 * seconds;
        let src: Vec<f32> = noise(n, 1)
            .iter()
            .enumerate()
            .map(|(i, v)| if i % 8000 < 3200 { *v } else { 0.0 })
            .collect();
        let decay = (-6.9 / (0.4 * 16000.0)) as f32;
        (0..mics)
            .map(|m| {
                let mut rir: Vec<f32> = noise(3000, 10 + m as u64)
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * 0.3 * (decay * i as f32).exp())
                    .collect();
                rir[m] = 1.0;
                let mut y = vec![0.0f32; n];
                for (i, s) in src.iter().enumerate().filter(|(_, s)| **s != 0.0) {
                    for (k, h) in rir.iter().enumerate().take(n - i) {
                        y[i + k] += s * h;
                    }
                }
                y
            })
            .collect()
    }

    /// Energy from 60 ms after each burst to the next one, relative to all (after 1 s).
    fn late_share(y: &[f32]) -> f32 {
        let (mut late, mut all) = (0.0f32, 0.0f32);
        for (i, v) in y.iter().enumerate().skip(16000) {
            all += v * v;
            if i % 8000 >= 3200 + 960 {
                late += v * v;
            }
        }
        late / all
    }

    fn interleave(chans: &[Vec<f32>]) -> Vec<f32> {
        (0..chans[0].len())
            .flat_map(|i| chans.iter().map(move |c| c[i]))
            .collect()
    }

    /// Short blocks, so a few seconds cross several block boundaries.
    fn short_blocks(channels: usize) -> Dereverb {
        let mut d = Dereverb::new(channels, 16000);
        d.block = 16000;
        d.context = 4000;
        d.fade = 800;
        d
    }

    #[test]
    fn two_microphones_lose_their_late_reverberation() {
        let mics = reverberant(2, 4);
        let mut d = short_blocks(2);
        let mut out = Vec::new();
        d.push(&interleave(&mics), &mut out);
        d.flush(&mut out);
        assert_eq!(out.len(), mics[0].len() * 2, "one frame out per frame in");
        let first: Vec<f32> = out.iter().step_by(2).copied().collect();
        let (before, after) = (late_share(&mics[0]), late_share(&first));
        assert!(after < before * 0.7, "late energy {before} -> {after}");
        // The bursts themselves stay: the output keeps most of the energy while they sound.
        let on = |y: &[f32]| -> f32 {
            y.iter()
                .enumerate()
                .skip(16000)
                .filter(|(i, _)| i % 8000 < 3200)
                .map(|(_, v)| v * v)
                .sum()
        };
        assert!(on(&first) > on(&mics[0]) * 0.5);
    }

    #[test]
    fn every_second_frame_s_statistics_remove_the_late_reverberation_as_well_as_every_frame_s() {
        let mics = reverberant(2, 4);
        let late_after = |frame_step: usize| {
            let cfg = WpeConfig {
                frame_step,
                ..WpeConfig::default()
            };
            let mut d = Dereverb::with_config(2, 16000, cfg);
            d.block = 16000;
            d.context = 4000;
            d.fade = 800;
            let mut out = Vec::new();
            d.push(&interleave(&mics), &mut out);
            d.flush(&mut out);
            let first: Vec<f32> = out.iter().step_by(2).copied().collect();
            late_share(&first)
        };
        assert_eq!(WpeConfig::default().frame_step, 2);
        let (every, second) = (late_after(1), late_after(2));
        let before = late_share(&mics[0]);
        assert!(second < before * 0.7, "late energy {before} -> {second}");
        assert!(
            second < every * 1.15,
            "every frame {every}, every second {second}"
        );
    }

    #[test]
    fn the_split_correlation_sums_are_the_complex_ones_bit_for_bit() {
        let l = 20;
        let v = noise(4 * l * 7, 11);
        let mut reference = vec![Complex64::default(); l * l];
        let (mut rr, mut ri) = (vec![0.0; l * l], vec![0.0; l * l]);
        let (mut pr, mut pi) = (vec![0.0; l * l], vec![0.0; l * l]);
        let mut cross = vec![Complex64::default(); l];
        let (mut cr, mut ci) = (vec![0.0; l], vec![0.0; l]);
        let (mut qr, mut qi) = (vec![0.0; l], vec![0.0; l]);
        for frame in v.chunks_exact(2 * l) {
            let x: Vec<Complex64> = frame
                .chunks_exact(2)
                .map(|c| Complex64::new(f64::from(c[0]), f64::from(c[1])))
                .collect();
            let w = 1.0 / (0.1 + x[0].norm_sqr());
            for i in 0..l {
                let xi = x[i] * w;
                for j in i..l {
                    reference[i * l + j] += xi * x[j].conj();
                }
            }
            let xr: Vec<f64> = x.iter().map(|c| c.re).collect();
            let xi: Vec<f64> = x.iter().map(|c| c.im).collect();
            hermitian_update(&mut rr, &mut ri, &xr, &xi, w);
            hermitian_update_rows(&mut pr, &mut pi, &xr, &xi, w);
            let now = x[l / 2];
            for (c, v) in cross.iter_mut().zip(&x) {
                *c += (v * w) * now.conj();
            }
            cross_update(&mut cr, &mut ci, &xr, &xi, w, now);
            cross_update_lanes(&mut qr, &mut qi, &xr, &xi, w, now);
        }
        for (i, want) in cross.iter().enumerate() {
            assert_eq!(
                (cr[i].to_bits(), ci[i].to_bits()),
                (want.re.to_bits(), want.im.to_bits())
            );
            assert_eq!(
                (qr[i].to_bits(), qi[i].to_bits()),
                (want.re.to_bits(), want.im.to_bits())
            );
        }
        for i in 0..l {
            for j in i..l {
                let want = reference[i * l + j];
                let k = i * l + j;
                assert_eq!(
                    (rr[k].to_bits(), ri[k].to_bits()),
                    (want.re.to_bits(), want.im.to_bits())
                );
                assert_eq!(
                    (pr[k].to_bits(), pi[k].to_bits()),
                    (want.re.to_bits(), want.im.to_bits())
                );
            }
        }
    }

    #[test]
    fn the_prediction_across_frames_is_the_per_frame_complex_one_bit_for_bit() {
        let (m, frames) = (2, 300);
        let cfg = WpeConfig::default();
        let l = cfg.taps * m;
        let v = noise(2 * m * frames + 2 * l, 5);
        let y: Vec<Vec<Complex64>> = (0..m)
            .map(|c| {
                (0..frames)
                    .map(|t| {
                        let at = 2 * (c * frames + t);
                        Complex64::new(f64::from(v[at]), f64::from(v[at + 1]))
                    })
                    .collect()
            })
            .collect();
        let taps: Vec<Complex64> = v[2 * m * frames..]
            .chunks_exact(2)
            .map(|c| Complex64::new(f64::from(c[0]), f64::from(c[1])))
            .collect();
        let yr: Vec<Vec<f64>> = y.iter().map(|c| c.iter().map(|z| z.re).collect()).collect();
        let yi: Vec<Vec<f64>> = y.iter().map(|c| c.iter().map(|z| z.im).collect()).collect();
        let (mut gr, mut gi) = (vec![0.0; frames], vec![0.0; frames]);
        let (mut pr, mut pi) = (vec![0.0; frames], vec![0.0; frames]);
        predict(&mut gr, &mut gi, &yr, &yi, &taps, cfg.delay);
        predict_frames(&mut pr, &mut pi, &yr, &yi, &taps, cfg.delay);
        let mut x = vec![Complex64::default(); l];
        for t in 0..frames {
            let mut want = Complex64::default();
            if stack(&y, t, &cfg, &mut x) {
                for i in 0..l {
                    want += taps[i] * x[i];
                }
            }
            // Equal as numbers (a term of a frame before the first adds a signed zero there).
            assert_eq!((gr[t], gi[t]), (want.re, want.im), "frame {t}");
            assert_eq!(
                (pr[t].to_bits(), pi[t].to_bits()),
                (gr[t].to_bits(), gi[t].to_bits())
            );
        }
    }

    #[test]
    fn a_clip_of_one_microphone_loses_some_of_its_late_reverberation() {
        let mic = reverberant(1, 4).remove(0);
        let out = dereverberate_clip(&mic, 16000, 2);
        assert_eq!(out.len(), mic.len());
        let (before, after) = (late_share(&mic), late_share(&out));
        assert!(after < before * 0.9, "late energy {before} -> {after}");
    }

    #[test]
    fn the_output_does_not_depend_on_how_the_input_is_cut() {
        let x = interleave(&reverberant(2, 3));
        let whole = {
            let mut d = short_blocks(2);
            let mut out = Vec::new();
            d.push(&x, &mut out);
            d.flush(&mut out);
            out
        };
        let mut d = short_blocks(2);
        let mut pieces = Vec::new();
        for chunk in x.chunks(2 * 777) {
            d.push(chunk, &mut pieces);
        }
        d.flush(&mut pieces);
        assert_eq!(whole, pieces);
        // No block boundary makes a sample jump out of the signal's range.
        let peak = |y: &[f32]| y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(whole.iter().all(|v| v.is_finite()));
        assert!(
            peak(&whole) <= peak(&x) * 1.5,
            "{} vs {}",
            peak(&whole),
            peak(&x)
        );
    }

    #[test]
    fn the_transform_gives_its_input_back() {
        for rate in [16000, 44100, 48000] {
            let stft = Stft::new(rate);
            let x = noise(5000, 3);
            let (frames, s) = stft.analyse(&x, stft.bins());
            let y = stft.synthesise(&s[..frames * stft.bins()], stft.bins(), x.len());
            let err = x
                .iter()
                .zip(&y)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(err < 1e-4, "{rate} Hz: max error {err}");
        }
    }
}
