//! The GE2E voice encoder (Resemblyzer 0.1.4) in Rust: a 3-layer LSTM (40 -> 256) over
//! 1.6 s mel windows, then Linear(256, 256) + ReLU + L2 normalisation. An utterance's
//! embedding is the normalised mean of its windows' embeddings.
//!
//! Speed: the input projections of all timesteps are one matrix multiply per layer (in
//! time chunks that stay in cache), and many windows run side by side so that the
//! recurrent `W_hh h` is a small matrix multiply per step (see [`observant_audio::gemm`]).

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use safetensors::{Dtype, SafeTensors};

use super::cell::lstm_cell;
use super::mel::{self, N_MELS, PARTIAL_FRAMES, VolumeNorm};
use observant_audio::gemm::{PackedWeight, gemm_acc};

/// Size of a speaker embedding.
pub const EMBEDDING_DIM: usize = 256;
const HIDDEN: usize = 256;
const GATES: usize = 4 * HIDDEN;
const LAYERS: usize = 3;
/// Windows run side by side in one batch.
const BATCH: usize = 32;
/// Timesteps whose input projection is computed at once.
const TIME_CHUNK: usize = 16;

/// File name of the bundled model under `models/`.
pub const MODEL_FILE: &str = "voice-encoder-ge2e.safetensors";

/// A speaker embedding: 256 non-negative values with unit L2 norm (or all zero when the
/// input gave nothing to embed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Embedding(pub [f32; EMBEDDING_DIM]);

impl Default for Embedding {
    fn default() -> Self {
        Self([0.0; EMBEDDING_DIM])
    }
}

impl Embedding {
    /// The values as a slice.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// Dot product (= cosine similarity for normalised embeddings).
    pub fn dot(&self, other: &Embedding) -> f32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| a * b).sum()
    }

    /// L2 norm.
    pub fn norm(&self) -> f32 {
        self.dot(self).sqrt()
    }

    /// Cosine similarity; 0 when either vector is zero.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        let d = self.norm() * other.norm();
        if d > 0.0 && d.is_finite() {
            self.dot(other) / d
        } else {
            0.0
        }
    }

    /// Copy scaled to unit L2 norm; a zero (or non-finite) vector becomes all zero.
    pub fn normalized(&self) -> Embedding {
        let n = self.norm();
        if n > 0.0 && n.is_finite() {
            let mut out = *self;
            out.0.iter_mut().for_each(|v| *v /= n);
            out
        } else {
            Embedding::default()
        }
    }

    /// True when the vector is all zero (nothing was embedded).
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&v| v == 0.0)
    }

    /// Normalised weighted mean of embeddings (weights < 0 or non-finite count as 0).
    /// Empty input or zero total weight gives the zero embedding.
    pub fn weighted_mean<'a>(items: impl IntoIterator<Item = (&'a Embedding, f32)>) -> Embedding {
        let mut acc = [0f64; EMBEDDING_DIM];
        for (e, w) in items {
            if w.is_finite() && w > 0.0 {
                for (a, v) in acc.iter_mut().zip(e.0.iter()) {
                    *a += f64::from(w) * f64::from(*v);
                }
            }
        }
        let mut out = Embedding::default();
        for (o, a) in out.0.iter_mut().zip(acc.iter()) {
            *o = *a as f32;
        }
        out.normalized()
    }

    /// Normalised plain mean.
    pub fn mean<'a>(items: impl IntoIterator<Item = &'a Embedding>) -> Embedding {
        Self::weighted_mean(items.into_iter().map(|e| (e, 1.0)))
    }
}

/// One partial window's embedding and where it lies in the input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowEmbedding {
    /// First sample of the 1.6 s window (16 kHz).
    pub start: usize,
    /// One past the last sample of the window; may lie past the input (zero padding).
    pub end: usize,
    /// The window's embedding.
    pub embedding: Embedding,
}

struct Layer {
    w_ih: PackedWeight,
    w_hh: PackedWeight,
    bias: Vec<f32>,
}

/// The GE2E voice encoder with its weights loaded.
pub struct VoiceEncoder {
    layers: Vec<Layer>,
    linear: PackedWeight,
    linear_bias: Vec<f32>,
    volume: VolumeNorm,
    /// Threads for many windows at once (1: the calling thread only).
    threads: usize,
}

impl std::fmt::Debug for VoiceEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceEncoder")
            .field("volume", &self.volume)
            .finish_non_exhaustive()
    }
}

fn tensor(st: &SafeTensors<'_>, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
    let t = st
        .tensor(name)
        .map_err(|_| anyhow!("tensor `{name}` is missing"))?;
    if t.dtype() != Dtype::F32 {
        bail!("tensor `{name}` is {:?}, expected F32", t.dtype());
    }
    if t.shape() != shape {
        bail!(
            "tensor `{name}` has shape {:?}, expected {:?}",
            t.shape(),
            shape
        );
    }
    let data = t.data();
    let values: Vec<f32> = data
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if values.len() != shape.iter().product::<usize>() {
        bail!("tensor `{name}` has the wrong number of bytes");
    }
    if values.iter().any(|v| !v.is_finite()) {
        bail!("tensor `{name}` holds non-finite values");
    }
    Ok(values)
}

fn pack(values: &[f32], n: usize, k: usize, name: &str) -> Result<PackedWeight> {
    PackedWeight::pack(values, n, k).ok_or_else(|| anyhow!("tensor `{name}` cannot be packed"))
}

impl VoiceEncoder {
    /// Loads `voice-encoder-ge2e.safetensors`; fails with a one-line error when the file
    /// is missing, unreadable, not safetensors, or not the GE2E encoder (names, dtypes and
    /// shapes are all checked).
    pub fn load(path: impl AsRef<Path>) -> Result<VoiceEncoder> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read voice encoder model {}", path.display()))?;
        Self::from_bytes(&bytes).map_err(|e| {
            anyhow!(
                "{} is not the GE2E voice encoder model ({MODEL_FILE}): {e}",
                path.display()
            )
        })
    }

    /// Loads the bundled model (`models/voice-encoder-ge2e.safetensors` under
    /// [`observant_model::data_dir`]).
    pub fn load_default() -> Result<VoiceEncoder> {
        Self::load(Self::default_path())
    }

    /// Path of the bundled model.
    pub fn default_path() -> std::path::PathBuf {
        observant_model::data_dir().join("models").join(MODEL_FILE)
    }

    /// Parses the model from the bytes of a safetensors file.
    pub fn from_bytes(bytes: &[u8]) -> Result<VoiceEncoder> {
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| anyhow!("not a valid safetensors file ({e})"))?;
        let mut layers = Vec::with_capacity(LAYERS);
        for l in 0..LAYERS {
            let input = if l == 0 { N_MELS } else { HIDDEN };
            let n_ih = format!("lstm.weight_ih_l{l}");
            let n_hh = format!("lstm.weight_hh_l{l}");
            let w_ih = tensor(&st, &n_ih, &[GATES, input])?;
            let w_hh = tensor(&st, &n_hh, &[GATES, HIDDEN])?;
            let b_ih = tensor(&st, &format!("lstm.bias_ih_l{l}"), &[GATES])?;
            let b_hh = tensor(&st, &format!("lstm.bias_hh_l{l}"), &[GATES])?;
            let bias = b_ih
                .iter()
                .zip(b_hh.iter())
                .map(|(a, b)| (f64::from(*a) + f64::from(*b)) as f32)
                .collect();
            layers.push(Layer {
                w_ih: pack(&w_ih, GATES, input, &n_ih)?,
                w_hh: pack(&w_hh, GATES, HIDDEN, &n_hh)?,
                bias,
            });
        }
        let lw = tensor(&st, "linear.weight", &[EMBEDDING_DIM, HIDDEN])?;
        let linear_bias = tensor(&st, "linear.bias", &[EMBEDDING_DIM])?;
        Ok(VoiceEncoder {
            layers,
            linear: pack(&lw, EMBEDDING_DIM, HIDDEN, "linear.weight")?,
            linear_bias,
            volume: VolumeNorm::default(),
            threads: 1,
        })
    }

    /// Chooses the volume normalisation (default: both ways to -30 dBFS).
    pub fn with_volume_norm(mut self, volume: VolumeNorm) -> Self {
        self.volume = volume;
        self
    }

    /// The volume normalisation in use.
    pub fn volume_norm(&self) -> VolumeNorm {
        self.volume
    }

    /// Embedding of one utterance (16 kHz mono samples in [-1, 1]): the normalised mean
    /// of its 1.6 s windows. Any input works: empty or sub-1.6 s audio is zero-padded to
    /// one window, non-finite samples count as 0.
    pub fn embed_utterance(&self, pcm_16k: &[f32]) -> Embedding {
        self.embed_utterances(&[pcm_16k]).pop().unwrap_or_default()
    }

    /// Embeddings of many utterances; their windows are batched together (faster than
    /// one call per utterance).
    pub fn embed_utterances(&self, utterances: &[&[f32]]) -> Vec<Embedding> {
        self.embed_windows_batch(utterances)
            .iter()
            .map(|w| utterance_embedding(w))
            .collect()
    }

    /// Embeddings of each 1.6 s window (every 0.77 s, Resemblyzer's layout) of one
    /// segment, with their sample positions. The whole segment is volume-normalised once.
    /// [`utterance_embedding`] of the result equals [`Self::embed_utterance`].
    pub fn embed_windows(&self, pcm_16k: &[f32]) -> Vec<WindowEmbedding> {
        self.embed_windows_batch(&[pcm_16k])
            .pop()
            .unwrap_or_default()
    }

    /// [`Self::embed_windows`] for many segments, batched (memory stays bounded: segments
    /// are prepared a few batches at a time).
    pub fn embed_windows_batch(&self, segments: &[&[f32]]) -> Vec<Vec<WindowEmbedding>> {
        let mut out: Vec<Vec<WindowEmbedding>> = Vec::with_capacity(segments.len());
        let mut pending: Vec<mel::Prepared> = Vec::new();
        let mut pending_windows = 0;
        let flush = |pending: &mut Vec<mel::Prepared>, out: &mut Vec<Vec<WindowEmbedding>>| {
            let windows: Vec<&[[f32; N_MELS]]> = pending
                .iter()
                .flat_map(|p| p.starts.iter().map(|&s| window_slice(&p.mel, s)))
                .collect();
            let mut embs = self.embed_mel_windows(&windows).into_iter();
            for p in pending.iter() {
                out.push(
                    p.starts
                        .iter()
                        .map(|&s| WindowEmbedding {
                            start: s * mel::HOP,
                            end: (s + PARTIAL_FRAMES) * mel::HOP,
                            embedding: embs.next().unwrap_or_default(),
                        })
                        .collect(),
                );
            }
            pending.clear();
        };
        for seg in segments {
            let p = mel::prepare(seg, self.volume);
            pending_windows += p.starts.len();
            pending.push(p);
            if pending_windows >= 4 * BATCH {
                flush(&mut pending, &mut out);
                pending_windows = 0;
            }
        }
        flush(&mut pending, &mut out);
        out
    }

    /// Runs the network on mel windows (each [`PARTIAL_FRAMES`] frames; shorter windows
    /// are zero-extended, longer ones cut) and returns one embedding per window.
    pub fn embed_mel_windows(&self, windows: &[&[[f32; N_MELS]]]) -> Vec<Embedding> {
        let run = |part: &[&[[f32; N_MELS]]]| -> Vec<Embedding> {
            let mut out = Vec::with_capacity(part.len());
            for chunk in part.chunks(BATCH) {
                out.extend(self.forward(chunk));
            }
            out
        };
        let threads = self.threads.min(windows.len()).max(1);
        if threads == 1 {
            return run(windows);
        }
        // Each window is independent: split them into `threads` runs of about equal length.
        let per = windows.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = windows
                .chunks(per)
                .map(|part| scope.spawn(move || run(part)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    }

    /// Computes many windows on up to `n` threads (offline transcription, where nothing else
    /// runs at the same time; the live path keeps 1 and leaves the other cores to Whisper).
    pub fn set_threads(&mut self, n: usize) {
        self.threads = n.max(1);
    }

    /// Forward pass of one batch of windows.
    fn forward(&self, windows: &[&[[f32; N_MELS]]]) -> Vec<Embedding> {
        let b = windows.len();
        if b == 0 {
            return Vec::new();
        }
        let t_len = PARTIAL_FRAMES;
        // Time-major input of layer 0: x[t][b][40].
        let mut x = vec![0f32; t_len * b * N_MELS];
        for (bi, w) in windows.iter().enumerate() {
            for (t, frame) in w.iter().take(t_len).enumerate() {
                let at = (t * b + bi) * N_MELS;
                x[at..at + N_MELS].copy_from_slice(frame);
            }
        }
        let mut in_dim = N_MELS;
        let mut y = vec![0f32; t_len * b * HIDDEN];
        let mut gates = vec![0f32; TIME_CHUNK * b * GATES];
        let mut c = vec![0f32; b * HIDDEN];
        for layer in &self.layers {
            c.iter_mut().for_each(|v| *v = 0.0);
            for t0 in (0..t_len).step_by(TIME_CHUNK) {
                let t1 = (t0 + TIME_CHUNK).min(t_len);
                let rows = (t1 - t0) * b;
                let g = &mut gates[..rows * GATES];
                for row in g.chunks_exact_mut(GATES) {
                    row.copy_from_slice(&layer.bias);
                }
                gemm_acc(&x[t0 * b * in_dim..t1 * b * in_dim], &layer.w_ih, g);
                for t in t0..t1 {
                    let gt = &mut g[(t - t0) * b * GATES..(t - t0 + 1) * b * GATES];
                    if t > 0 {
                        let h_prev = &y[(t - 1) * b * HIDDEN..t * b * HIDDEN];
                        gemm_acc(h_prev, &layer.w_hh, gt);
                    }
                    let h_out = &mut y[t * b * HIDDEN..(t + 1) * b * HIDDEN];
                    lstm_cell(gt, &mut c, h_out);
                }
            }
            std::mem::swap(&mut x, &mut y);
            in_dim = HIDDEN;
            if y.len() < t_len * b * HIDDEN {
                y.resize(t_len * b * HIDDEN, 0.0);
            }
        }
        // After the swap, `x` holds the last layer's outputs; take h at the last step.
        let h_last = &x[(t_len - 1) * b * HIDDEN..t_len * b * HIDDEN];
        let mut lin = vec![0f32; b * EMBEDDING_DIM];
        for row in lin.chunks_exact_mut(EMBEDDING_DIM) {
            row.copy_from_slice(&self.linear_bias);
        }
        gemm_acc(h_last, &self.linear, &mut lin);
        lin.chunks_exact(EMBEDDING_DIM)
            .map(|row| {
                let mut e = Embedding::default();
                for (o, v) in e.0.iter_mut().zip(row.iter()) {
                    *o = v.max(0.0);
                }
                e.normalized()
            })
            .collect()
    }
}

/// Utterance embedding from its window embeddings: the normalised mean.
pub fn utterance_embedding(windows: &[WindowEmbedding]) -> Embedding {
    Embedding::mean(windows.iter().map(|w| &w.embedding))
}

fn window_slice(mel: &[[f32; N_MELS]], start: usize) -> &[[f32; N_MELS]] {
    let a = start.min(mel.len());
    let b = (start + PARTIAL_FRAMES).min(mel.len());
    &mel[a..b]
}
