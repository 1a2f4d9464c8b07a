//! Silero VAD v6 (16 kHz) in pure Rust: no ONNX runtime, about a megabyte of weights.
//!
//! The network, per 512-sample frame (32 ms) at 16 kHz, as in the official ONNX graph
//! `silero_vad_16k_op15.onnx`:
//!
//! 1. input = the previous call's last 64 samples (the context; zeros after a reset) followed
//!    by the 512 new samples, reflect-padded by 64 on the right: 640 samples;
//! 2. "STFT" = a stride-128 convolution with 258 fixed filters of 256 taps (a periodic-Hann
//!    windowed DFT: 129 real + 129 imaginary rows), magnitude `sqrt(re² + im²)`: 129 x 4;
//! 3. encoder: four 3-tap convolutions with ReLU, 129->128 (stride 1), 128->64 (2), 64->64
//!    (2), 64->128 (1): a 128-vector;
//! 4. an LSTM cell (128 hidden, PyTorch gate order i, f, g, o) whose `(h, c)` state is carried
//!    from frame to frame;
//! 5. decoder: ReLU, 1x1 convolution 128->1, sigmoid: the speech probability.
//!
//! When the STFT filters are the windowed DFT (they are, in the official weights) step 2 runs
//! as a 256-point real FFT; otherwise as the plain convolution. Frames are scored in batches
//! ([`Vad::speech_probabilities`]): the convolutions (im2col) and the LSTM's input weights run
//! as one matrix product over the batch ([`crate::gemm`]); only the recurrence is per frame.
//!
//! Weights: `models/silero_vad_v6_16k.safetensors` (MIT, extracted from the official ONNX file
//! by `scripts/silero_onnx_to_safetensors.py`; see `models/README.md`), embedded in the binary
//! so the VAD always works. Checked against onnxruntime in `tests/audio.rs`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use safetensors::{Dtype, SafeTensors};

use crate::gemm::{PackedWeight, gemm_acc};

use super::vad::{FRAME, Vad};

const CONTEXT: usize = 64;
const N_FFT: usize = 256;
const HOP: usize = 128;
const BINS: usize = N_FFT / 2 + 1; // 129
const STEPS: usize = 4; // STFT frames per call
const HIDDEN: usize = 128;

/// The official Silero VAD v6 16 kHz weights, embedded.
static BUNDLED: &[u8] = include_bytes!("../../../models/silero_vad_v6_16k.safetensors");

/// A 1-D convolution with 3 taps and padding 1 (weights `[out][in][tap]`, packed for
/// [`gemm_acc`]), run over a batch of frames at once.
struct Conv3 {
    in_ch: usize,
    stride: usize,
    weight: PackedWeight,
    bias: Vec<f32>,
}

impl Conv3 {
    /// `input` is `[frame][len][in_ch]` for `frames` frames; writes `[frame][out_len][out_ch]`
    /// after ReLU into `output` and returns `out_len`.
    fn forward_relu(
        &self,
        input: &[f32],
        frames: usize,
        len: usize,
        col: &mut Vec<f32>,
        output: &mut Vec<f32>,
    ) -> usize {
        let out_len = (len + 2 - 3) / self.stride + 1;
        let k = self.in_ch * 3;
        // im2col: one row per (frame, output position), laid out [in][tap] like the weight.
        col.clear();
        col.resize(frames * out_len * k, 0.0);
        for f in 0..frames {
            let x = &input[f * len * self.in_ch..(f + 1) * len * self.in_ch];
            for t in 0..out_len {
                let row = &mut col[(f * out_len + t) * k..(f * out_len + t + 1) * k];
                for tap in 0..3 {
                    let pos = (t * self.stride + tap) as isize - 1;
                    if pos < 0 || pos as usize >= len {
                        continue;
                    }
                    let src = &x[pos as usize * self.in_ch..(pos as usize + 1) * self.in_ch];
                    for (i, v) in src.iter().enumerate() {
                        row[i * 3 + tap] = *v;
                    }
                }
            }
        }
        output.clear();
        output.extend(
            std::iter::repeat_n(&self.bias, frames * out_len)
                .flatten()
                .copied(),
        );
        gemm_acc(col, &self.weight, output);
        for v in output.iter_mut() {
            *v = v.max(0.0);
        }
        out_len
    }
}

/// How the STFT magnitude is computed.
enum Stft {
    /// 256-point real FFT of the Hann-windowed frame (the official filters).
    Fft {
        window: Vec<f32>,
        fft: Arc<dyn RealToComplex<f32>>,
    },
    /// The 258 x 256 filter bank as given.
    Direct { basis: Vec<f32> },
}

struct Weights {
    stft: Stft,
    conv: [Conv3; 4],
    /// LSTM input weights `[4*H][H]` (gate order i, f, g, o), packed.
    lstm_ih: PackedWeight,
    /// LSTM recurrent weights `[4*H][H]`, packed.
    lstm_hh: PackedWeight,
    /// `bias_ih + bias_hh`.
    lstm_b: Vec<f32>,
    final_w: Vec<f32>,
    final_b: f32,
}

/// Silero VAD v6 for 16 kHz audio; implements [`Vad`]. Cloning is cheap (weights are shared)
/// and gives an independent stream state.
pub struct SileroVad {
    w: Arc<Weights>,
    h: [f32; HIDDEN],
    c: [f32; HIDDEN],
    context: [f32; CONTEXT],
    // Scratch buffers, reused between calls.
    x: Vec<f32>,
    spec: Vec<f32>,
    a: Vec<f32>,
    b: Vec<f32>,
    col: Vec<f32>,
    fft_in: Vec<f32>,
    fft_out: Vec<Complex<f32>>,
    fft_scratch: Vec<Complex<f32>>,
    gates: Vec<f32>,
    probs: Vec<f32>,
}

impl Clone for SileroVad {
    fn clone(&self) -> Self {
        SileroVad::from_weights(self.w.clone())
    }
}

impl std::fmt::Debug for SileroVad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SileroVad")
    }
}

impl SileroVad {
    /// The embedded official v6 weights (never fails in practice; an error means a broken
    /// build).
    pub fn bundled() -> Result<SileroVad> {
        SileroVad::from_safetensors(BUNDLED)
            .context("ingebouwde Silero-gewichten / bundled Silero weights")
    }

    /// Weights from a safetensors file with the tensor names of the upstream
    /// `silero_vad_16k.safetensors` (`stft_conv.weight`, `conv1.weight`, ..., `final_conv.bias`).
    pub fn load(path: impl AsRef<Path>) -> Result<SileroVad> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).with_context(|| {
            format!(
                "{}: kan VAD-model niet lezen / cannot read VAD model",
                path.display()
            )
        })?;
        SileroVad::from_safetensors(&bytes).with_context(|| {
            format!(
                "{}: geen bruikbaar Silero VAD-model / not a usable Silero VAD model",
                path.display()
            )
        })
    }

    /// Weights from the bytes of a safetensors file.
    pub fn from_safetensors(bytes: &[u8]) -> Result<SileroVad> {
        let st =
            SafeTensors::deserialize(bytes).map_err(|e| anyhow::anyhow!("safetensors: {e}"))?;
        let get = |name: &str, shape: &[usize]| -> Result<Vec<f32>> {
            let t = st
                .tensor(name)
                .map_err(|_| anyhow::anyhow!("tensor {name} ontbreekt / tensor {name} missing"))?;
            if t.dtype() != Dtype::F32 {
                bail!("tensor {name}: type {:?}, verwacht/expected F32", t.dtype());
            }
            if t.shape() != shape {
                bail!(
                    "tensor {name}: vorm/shape {:?}, verwacht/expected {shape:?}",
                    t.shape()
                );
            }
            let v: Vec<f32> = t
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if v.iter().any(|x| !x.is_finite()) {
                bail!("tensor {name}: bevat NaN/inf / contains NaN/inf");
            }
            Ok(v)
        };
        let basis = get("stft_conv.weight", &[2 * BINS, 1, N_FFT])?;
        let pack = |w: &[f32], n: usize, k: usize| {
            PackedWeight::pack(w, n, k).context("gewichten inpakken / packing weights")
        };
        let conv = |i: usize, out_ch: usize, in_ch: usize, stride: usize| -> Result<Conv3> {
            let w = get(&format!("conv{i}.weight"), &[out_ch, in_ch, 3])?;
            Ok(Conv3 {
                in_ch,
                stride,
                weight: pack(&w, out_ch, in_ch * 3)?,
                bias: get(&format!("conv{i}.bias"), &[out_ch])?,
            })
        };
        let convs = [
            conv(1, 128, BINS, 1)?,
            conv(2, 64, 128, 2)?,
            conv(3, 64, 64, 2)?,
            conv(4, HIDDEN, 64, 1)?,
        ];
        let w_ih = get("lstm_cell.weight_ih", &[4 * HIDDEN, HIDDEN])?;
        let w_hh = get("lstm_cell.weight_hh", &[4 * HIDDEN, HIDDEN])?;
        let b_ih = get("lstm_cell.bias_ih", &[4 * HIDDEN])?;
        let b_hh = get("lstm_cell.bias_hh", &[4 * HIDDEN])?;
        let lstm_ih = pack(&w_ih, 4 * HIDDEN, HIDDEN)?;
        let lstm_hh = pack(&w_hh, 4 * HIDDEN, HIDDEN)?;
        let lstm_b = b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect();
        let final_w = get("final_conv.weight", &[1, HIDDEN, 1])?;
        let final_b = get("final_conv.bias", &[1])?[0];

        let stft = if is_hann_dft(&basis) {
            let window = (0..N_FFT)
                .map(|n| {
                    (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos())
                        as f32
                })
                .collect();
            let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
            Stft::Fft { window, fft }
        } else {
            Stft::Direct { basis }
        };
        let w = Weights {
            stft,
            conv: convs,
            lstm_ih,
            lstm_hh,
            lstm_b,
            final_w,
            final_b,
        };
        Ok(SileroVad::from_weights(Arc::new(w)))
    }

    fn from_weights(w: Arc<Weights>) -> SileroVad {
        let (fft_in, fft_out, fft_scratch) = match &w.stft {
            Stft::Fft { fft, .. } => (
                fft.make_input_vec(),
                fft.make_output_vec(),
                fft.make_scratch_vec(),
            ),
            Stft::Direct { .. } => (Vec::new(), Vec::new(), Vec::new()),
        };
        SileroVad {
            w,
            h: [0.0; HIDDEN],
            c: [0.0; HIDDEN],
            context: [0.0; CONTEXT],
            x: Vec::with_capacity(CONTEXT + FRAME + CONTEXT),
            spec: Vec::new(),
            a: Vec::new(),
            b: Vec::new(),
            col: Vec::new(),
            fft_in,
            fft_out,
            fft_scratch,
            gates: Vec::new(),
            probs: Vec::new(),
        }
    }

    /// True when the STFT runs as an FFT (the official weights), false for the direct filters.
    pub fn uses_fft(&self) -> bool {
        matches!(self.w.stft, Stft::Fft { .. })
    }

    /// Speech probabilities of `frames.len() / FRAME` consecutive frames (a shorter tail
    /// counts as one zero-padded frame; no frames as one silent frame), left in
    /// `self.probs`. Everything but the LSTM's recurrence runs for the whole batch at once,
    /// as matrix products.
    fn forward_batch(&mut self, frames: &[f32]) {
        let n = frames.len().div_ceil(FRAME).max(1);
        let w = &*self.w;

        // 1+2. Per frame: context + frame (zero-padded to 512), reflect pad 64 on the right,
        // then the STFT magnitude, laid out [frame][step][bin].
        self.spec.clear();
        self.spec.resize(n * STEPS * BINS, 0.0);
        for f in 0..n {
            let frame = &frames[(f * FRAME).min(frames.len())..((f + 1) * FRAME).min(frames.len())];
            self.x.clear();
            self.x.extend_from_slice(&self.context);
            self.x.extend(frame.iter().map(|v| {
                if v.is_finite() {
                    v.clamp(-1.0, 1.0)
                } else {
                    0.0
                }
            }));
            self.x.resize(CONTEXT + FRAME, 0.0);
            self.context
                .copy_from_slice(&self.x[FRAME..CONTEXT + FRAME]);
            let len = CONTEXT + FRAME;
            for i in 0..CONTEXT {
                let v = self.x[len - 2 - i];
                self.x.push(v);
            }
            let spec = &mut self.spec[f * STEPS * BINS..(f + 1) * STEPS * BINS];
            for t in 0..STEPS {
                let seg = &self.x[t * HOP..t * HOP + N_FFT];
                let row = &mut spec[t * BINS..(t + 1) * BINS];
                match &w.stft {
                    Stft::Fft { window, fft } => {
                        for ((d, s), win) in self.fft_in.iter_mut().zip(seg).zip(window) {
                            *d = s * win;
                        }
                        if fft
                            .process_with_scratch(
                                &mut self.fft_in,
                                &mut self.fft_out,
                                &mut self.fft_scratch,
                            )
                            .is_err()
                        {
                            row.fill(0.0);
                            continue;
                        }
                        for (r, z) in row.iter_mut().zip(&self.fft_out) {
                            *r = (z.re * z.re + z.im * z.im).sqrt();
                        }
                    }
                    Stft::Direct { basis } => {
                        for (k, r) in row.iter_mut().enumerate() {
                            let re = dot(&basis[k * N_FFT..(k + 1) * N_FFT], seg);
                            let im = dot(&basis[(BINS + k) * N_FFT..(BINS + k + 1) * N_FFT], seg);
                            *r = (re * re + im * im).sqrt();
                        }
                    }
                }
            }
        }

        // 3. Encoder, all frames at once.
        let l1 = w.conv[0].forward_relu(&self.spec, n, STEPS, &mut self.col, &mut self.a);
        let l2 = w.conv[1].forward_relu(&self.a, n, l1, &mut self.col, &mut self.b);
        let l3 = w.conv[2].forward_relu(&self.b, n, l2, &mut self.col, &mut self.a);
        let l4 = w.conv[3].forward_relu(&self.a, n, l3, &mut self.col, &mut self.b);
        debug_assert_eq!(l4, 1);

        // 4. LSTM: the input part for all frames at once, then the recurrence frame by frame.
        self.gates.clear();
        self.gates
            .extend(std::iter::repeat_n(&w.lstm_b, n).flatten().copied());
        gemm_acc(&self.b, &w.lstm_ih, &mut self.gates);
        self.probs.clear();
        for gates in self.gates.chunks_exact_mut(4 * HIDDEN) {
            gemm_acc(&self.h, &w.lstm_hh, gates);
            for j in 0..HIDDEN {
                let i = sigmoid(gates[j]);
                let f = sigmoid(gates[HIDDEN + j]);
                let g = gates[2 * HIDDEN + j].tanh();
                let o = sigmoid(gates[3 * HIDDEN + j]);
                let c = f * self.c[j] + i * g;
                self.c[j] = c;
                self.h[j] = o * c.tanh();
            }
            // 5. Decoder.
            let mut z = w.final_b;
            for (wj, hj) in w.final_w.iter().zip(&self.h) {
                z += wj * hj.max(0.0);
            }
            let p = sigmoid(z);
            if p.is_finite() {
                self.probs.push(p);
            } else {
                // Never seen with the official weights; start the recurrence afresh.
                self.h = [0.0; HIDDEN];
                self.c = [0.0; HIDDEN];
                self.probs.push(0.0);
            }
        }
    }
}

impl Vad for SileroVad {
    fn speech_probability(&mut self, frame: &[f32]) -> f32 {
        self.forward_batch(&frame[..frame.len().min(FRAME)]);
        self.probs[0]
    }

    fn speech_probabilities(&mut self, frames: &[f32], out: &mut Vec<f32>) {
        if !frames.is_empty() {
            self.forward_batch(frames);
            out.extend_from_slice(&self.probs);
        }
    }

    fn reset(&mut self) {
        self.h = [0.0; HIDDEN];
        self.c = [0.0; HIDDEN];
        self.context = [0.0; CONTEXT];
    }

    fn name(&self) -> &'static str {
        "silero-v6"
    }
}

/// Are the 258 STFT filters the periodic-Hann windowed DFT (re rows, then ±im rows)?
fn is_hann_dft(basis: &[f32]) -> bool {
    let tau = 2.0 * std::f64::consts::PI;
    for k in 0..BINS {
        for n in 0..N_FFT {
            let win = 0.5 - 0.5 * (tau * n as f64 / N_FFT as f64).cos();
            let phase = tau * ((k * n) % N_FFT) as f64 / N_FFT as f64;
            let re = win * phase.cos();
            let im = win * phase.sin();
            let b_re = f64::from(basis[k * N_FFT + n]);
            let b_im = f64::from(basis[(BINS + k) * N_FFT + n]);
            if (b_re - re).abs() > 1e-5 || (b_im.abs() - im.abs()).abs() > 1e-5 {
                return false;
            }
        }
    }
    true
}

#[inline]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Dot product with 16 independent accumulators, so the compiler can vectorise it.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; 16];
    let ca = a.chunks_exact(16);
    let cb = b.chunks_exact(16);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = 0.0;
    for pair in acc.chunks_exact(2) {
        s += pair[0] + pair[1];
    }
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_loads_and_uses_fft() {
        let vad = SileroVad::bundled().unwrap();
        assert!(vad.uses_fft());
    }

    #[test]
    fn fft_and_direct_stft_agree() {
        let mut fast = SileroVad::bundled().unwrap();
        let mut slow = fast.clone();
        let basis = {
            let st = SafeTensors::deserialize(BUNDLED).unwrap();
            st.tensor("stft_conv.weight")
                .unwrap()
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        };
        let mut w = SileroVad::from_safetensors(BUNDLED).unwrap();
        let weights = Arc::get_mut(&mut w.w).unwrap();
        weights.stft = Stft::Direct { basis };
        slow = SileroVad {
            w: w.w.clone(),
            ..slow
        };
        assert!(!slow.uses_fft());
        let mut max_diff = 0.0f32;
        for f in 0..40 {
            let frame: Vec<f32> = (0..FRAME)
                .map(|i| (((f * FRAME + i) as f32) * 0.05).sin() * 0.3 * ((f % 5) as f32 / 4.0))
                .collect();
            let a = fast.speech_probability(&frame);
            let b = slow.speech_probability(&frame);
            max_diff = max_diff.max((a - b).abs());
        }
        assert!(max_diff < 1e-4, "{max_diff}");
    }

    #[test]
    fn a_batch_scores_like_frame_by_frame() {
        let audio: Vec<f32> = (0..40 * FRAME + 100)
            .map(|i| ((i as f32) * 0.031).sin() * 0.4 * (((i / 3000) % 3) as f32 / 2.0))
            .collect();
        let mut one = SileroVad::bundled().unwrap();
        let single: Vec<f32> = audio
            .chunks(FRAME)
            .map(|f| one.speech_probability(f))
            .collect();
        let mut batch = SileroVad::bundled().unwrap();
        let mut probs = Vec::new();
        batch.speech_probabilities(&audio[..17 * FRAME], &mut probs);
        batch.speech_probabilities(&audio[17 * FRAME..], &mut probs);
        assert_eq!(probs.len(), single.len());
        let max_diff = probs
            .iter()
            .zip(&single)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(max_diff < 1e-5, "{max_diff}");
    }

    #[test]
    fn odd_frames_do_not_panic() {
        let mut vad = SileroVad::bundled().unwrap();
        for frame in [vec![], vec![0.5; 3], vec![f32::NAN; 512], vec![1e30; 2000]] {
            let p = vad.speech_probability(&frame);
            assert!((0.0..=1.0).contains(&p));
        }
        assert!(SileroVad::from_safetensors(b"not a model").is_err());
    }
}
