//! Noise suppression with RNNoise (Valin, "A hybrid DSP/deep learning approach to real-time
//! full-band speech enhancement", MMSP 2018) through its pure-Rust port `nnnoiseless`
//! (BSD-3-Clause, weights included in the crate).
//!
//! Owns the 16 kHz <-> 48 kHz resampling that RNNoise needs (rubato, FFT resamplers), the
//! alignment of the dry signal with the denoised one, and three ways of using the result:
//! the denoised signal alone, a wet/dry mix (a floor on the attenuation), or a gate that
//! only attenuates the dry signal where RNNoise's voice-activity probability is low.
//! Streaming: 160 samples (10 ms) in, 160 samples out, fixed latency [`Denoiser::latency`].

use nnnoiseless::DenoiseState;
use rubato::{FftFixedInOut, Resampler};
use std::collections::VecDeque;

/// Samples per block at 16 kHz (one RNNoise frame of 480 samples at 48 kHz).
pub const BLOCK: usize = 160;

/// How the denoised signal is used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DenoiseMode {
    /// RNNoise output only.
    Full,
    /// `wet * denoised + (1 - wet) * dry`.
    Mix(f32),
    /// Dry signal, attenuated to `floor_db` where the voice probability stays low.
    Gate { floor_db: f32 },
}

/// RNNoise wrapper at 16 kHz with state.
pub struct Denoiser {
    mode: DenoiseMode,
    up: FftFixedInOut<f32>,
    down: FftFixedInOut<f32>,
    rnn: Box<DenoiseState<'static>>,
    dry: VecDeque<f32>,
    vad: VecDeque<f32>,
    latency: usize,
    gain: f32,
    hold: usize,
    buf48: Vec<f32>,
    den48: Vec<f32>,
}

impl Denoiser {
    /// New denoiser.
    pub fn new(mode: DenoiseMode) -> Self {
        let up = FftFixedInOut::<f32>::new(16000, 48000, BLOCK, 1).expect("valid resampler");
        let down = FftFixedInOut::<f32>::new(48000, 16000, BLOCK * 3, 1).expect("valid resampler");
        assert_eq!(up.input_frames_next(), BLOCK);
        assert_eq!(down.input_frames_next(), BLOCK * 3);
        // Resampler delays plus one RNNoise frame (its overlap-add output lags by a frame).
        let latency =
            (up.output_delay() + DenoiseState::FRAME_SIZE).div_ceil(3) + down.output_delay();
        Self {
            mode,
            up,
            down,
            rnn: DenoiseState::new(),
            dry: VecDeque::from(vec![0.0; latency]),
            vad: VecDeque::from(vec![0.0; latency.div_ceil(BLOCK) + 1]),
            latency,
            gain: 1.0,
            hold: 0,
            buf48: vec![0.0; BLOCK * 3],
            den48: vec![0.0; BLOCK * 3],
        }
    }

    /// Output delay in samples at 16 kHz.
    pub fn latency(&self) -> usize {
        self.latency
    }

    /// Processes one block of [`BLOCK`] samples in [-1, 1].
    pub fn process_block(&mut self, input: &[f32], out: &mut [f32]) {
        assert!(input.len() == BLOCK && out.len() == BLOCK);
        let mut up_out = vec![vec![0.0f32; BLOCK * 3]];
        self.up
            .process_into_buffer(&[input], &mut up_out, None)
            .expect("resample up");
        for (b, s) in self.buf48.iter_mut().zip(&up_out[0]) {
            *b = s * 32768.0;
        }
        let vad = self.rnn.process_frame(&mut self.den48, &self.buf48);
        let den: Vec<f32> = self.den48.iter().map(|s| s / 32768.0).collect();
        let mut down_out = vec![vec![0.0f32; BLOCK]];
        self.down
            .process_into_buffer(&[den], &mut down_out, None)
            .expect("resample down");
        self.dry.extend(input.iter().copied());
        self.vad.push_back(vad);
        let vad_now = self.vad.pop_front().unwrap_or(0.0);
        let floor = match self.mode {
            DenoiseMode::Gate { floor_db } => 10f32.powf(floor_db / 20.0),
            _ => 1.0,
        };
        if vad_now > 0.3 {
            self.hold = 30; // keep open 300 ms after speech
        } else {
            self.hold = self.hold.saturating_sub(1);
        }
        let target = if self.hold > 0 { 1.0 } else { floor };
        for (o, w) in out.iter_mut().zip(&down_out[0]) {
            let d = self.dry.pop_front().unwrap_or(0.0);
            *o = match self.mode {
                DenoiseMode::Full => *w,
                DenoiseMode::Mix(wet) => wet * w + (1.0 - wet) * d,
                DenoiseMode::Gate { .. } => {
                    // Fast attack (about 5 ms), slow release (about 60 ms).
                    let k = if target > self.gain { 0.0125 } else { 0.001 };
                    self.gain += (target - self.gain) * k;
                    self.gain * d
                }
            };
        }
    }

    /// Denoises a whole signal, latency removed (output length = input length).
    pub fn process_all(&mut self, x: &[f32]) -> Vec<f32> {
        let total = x.len() + self.latency;
        let mut y = Vec::with_capacity(total + BLOCK);
        let mut inb = [0.0f32; BLOCK];
        let mut outb = [0.0f32; BLOCK];
        let mut pos = 0;
        while y.len() < total {
            for (i, s) in inb.iter_mut().enumerate() {
                *s = x.get(pos + i).copied().unwrap_or(0.0);
            }
            pos += BLOCK;
            self.process_block(&inb, &mut outb);
            y.extend_from_slice(&outb);
        }
        y.drain(..self.latency);
        y.truncate(x.len());
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Voiced-speech stand-in: harmonics of a gliding 120-180 Hz pitch with a 1/k spectrum,
    /// in 0.6 s "syllable" groups separated by pauses.
    fn voiced(n: usize) -> Vec<f32> {
        let mut phase = 0.0f32;
        (0..n)
            .map(|i| {
                let t = i as f32 / 16000.0;
                let f0 = 150.0 + 30.0 * (2.0 * std::f32::consts::PI * 0.7 * t).sin();
                phase += 2.0 * std::f32::consts::PI * f0 / 16000.0;
                let on = if (i / 9600) % 2 == 0 {
                    (std::f32::consts::PI * (i % 9600) as f32 / 9600.0).sin()
                } else {
                    0.0
                };
                let s: f32 = (1..25).map(|k| (k as f32 * phase).sin() / k as f32).sum();
                0.08 * on * s
            })
            .collect()
    }

    fn energy(x: &[f32]) -> f32 {
        x.iter().map(|s| s * s).sum::<f32>()
    }

    #[test]
    fn full_denoise_removes_noise_and_keeps_speech_level() {
        let n = 16000 * 8;
        let sp = voiced(n);
        let nz: Vec<f32> = noise(n, 9).iter().map(|v| v * 0.01).collect();
        let x: Vec<f32> = sp.iter().zip(&nz).map(|(a, b)| a + b).collect();
        let y = Denoiser::new(DenoiseMode::Full).process_all(&x);
        assert_eq!(y.len(), x.len());
        // Pauses: 0.6..1.2 s (each second segment) lose most of the noise.
        let (p_in, p_out) = (
            energy(&x[57600 + 9600 + 1000..57600 + 19200 - 1000]),
            energy(&y[57600 + 9600 + 1000..57600 + 19200 - 1000]),
        );
        assert!(p_out < p_in * 0.3, "noise {p_in} -> {p_out}");
        // Voiced part keeps its level within 3 dB.
        let (s_in, s_out) = (
            energy(&sp[57600 + 2000..57600 + 7600]),
            energy(&y[57600 + 2000..57600 + 7600]),
        );
        let db = 10.0 * (s_out / s_in).log10();
        assert!(db.abs() < 3.0, "speech level changed by {db} dB");
    }

    #[test]
    fn output_is_aligned_with_input() {
        let n = 16000 * 4;
        let x = voiced(n);
        let y = Denoiser::new(DenoiseMode::Mix(0.5)).process_all(&x);
        let corr = |lag: isize| -> f32 {
            (8000..n - 8000)
                .map(|i| x[i] * y[(i as isize + lag) as usize])
                .sum::<f32>()
        };
        let best = (-40..=40)
            .max_by(|a, b| corr(*a).total_cmp(&corr(*b)))
            .unwrap_or(99);
        assert!(best.abs() <= 1, "lag {best}");
    }
}
