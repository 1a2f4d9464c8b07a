//! The whole front end as one streaming processor for live capture.
//!
//! Owns the chaining and buffering of the streaming stages: per-channel high-pass, STFT,
//! online (RLS) WPE, channel combination, synthesis, RNNoise and AGC. Push any number of
//! samples per channel, get the processed mono samples that are ready; the delay is fixed
//! ([`LiveFrontEnd::latency`]). Batch WPE and whole-file level normalisation have no place here:
//! a [`Config`] asking for them gets their streaming counterparts (online WPE, AGC).

use crate::beam::{Beam, DelayAndSum, Mvdr};
use crate::denoise::{BLOCK, Denoiser};
use crate::filters::{Agc, Biquad};
use crate::stft::{HOP, LATENCY, N_BINS, StftAnalyzer, StftSynthesizer};
use crate::wpe::OnlineWpe;
use crate::{Config, Level};
use realfft::num_complex::Complex32;

enum Combiner {
    First,
    Mean,
    Ds(DelayAndSum),
    Mvdr(Mvdr),
}

/// Streaming front end for `channels` microphones at 16 kHz.
pub struct LiveFrontEnd {
    hp: Option<Vec<Biquad>>,
    analyzers: Vec<StftAnalyzer>,
    wpe: Option<OnlineWpe>,
    combiner: Combiner,
    synth: StftSynthesizer,
    denoiser: Option<Denoiser>,
    agc: Option<Agc>,
    pending: Vec<Vec<f32>>,
    frame: Vec<Vec<Complex32>>,
    mono_frame: Vec<Complex32>,
    to_denoise: Vec<f32>,
}

impl LiveFrontEnd {
    /// New processor for `channels` microphones.
    pub fn new(channels: usize, cfg: &Config) -> Self {
        let combiner = match cfg.beam {
            _ if channels == 1 => Combiner::First,
            Beam::First => Combiner::First,
            Beam::Mean => Combiner::Mean,
            Beam::DelayAndSum => Combiner::Ds(DelayAndSum::new(channels, cfg.mic_spacing_m)),
            Beam::Mvdr => Combiner::Mvdr(Mvdr::new(channels)),
        };
        Self {
            hp: cfg
                .highpass_hz
                .map(|hz| vec![Biquad::highpass(hz, 16000.0); channels]),
            analyzers: (0..channels).map(|_| StftAnalyzer::new()).collect(),
            wpe: cfg
                .wpe
                .as_ref()
                .map(|(_, w)| OnlineWpe::new(channels, w.clone())),
            combiner,
            synth: StftSynthesizer::new(),
            denoiser: cfg.denoise.map(Denoiser::new),
            agc: cfg.level.map(|l| match l {
                Level::Normalize | Level::Agc => Agc::new(-20.0, 30.0),
            }),
            pending: vec![Vec::new(); channels],
            frame: vec![vec![Complex32::default(); N_BINS]; channels],
            mono_frame: vec![Complex32::default(); N_BINS],
            to_denoise: Vec::new(),
        }
    }

    /// Delay from input to output, in samples.
    pub fn latency(&self) -> usize {
        LATENCY + self.denoiser.as_ref().map_or(0, |d| d.latency())
    }

    /// Feeds `input[ch]` (equal lengths) and appends the finished mono samples to `out`.
    pub fn push(&mut self, input: &[&[f32]], out: &mut Vec<f32>) {
        for (p, x) in self.pending.iter_mut().zip(input) {
            p.extend_from_slice(x);
        }
        if let Some(hp) = &mut self.hp {
            let start = self.pending[0].len() - input[0].len();
            for (f, p) in hp.iter_mut().zip(&mut self.pending) {
                f.process(&mut p[start..]);
            }
        }
        let mut hop_out = [0.0f32; HOP];
        while self.pending[0].len() >= HOP {
            for ((an, p), fr) in self
                .analyzers
                .iter_mut()
                .zip(&mut self.pending)
                .zip(&mut self.frame)
            {
                an.push(&p[..HOP], fr);
                p.drain(..HOP);
            }
            if let Some(w) = &mut self.wpe {
                w.process_frame(&mut self.frame);
            }
            match &mut self.combiner {
                Combiner::First => self.mono_frame.copy_from_slice(&self.frame[0]),
                Combiner::Mean => {
                    let k = 1.0 / self.frame.len() as f32;
                    for (f, o) in self.mono_frame.iter_mut().enumerate() {
                        *o = self.frame.iter().map(|c| c[f]).sum::<Complex32>() * k;
                    }
                }
                Combiner::Ds(ds) => ds.process_frame(&self.frame, &mut self.mono_frame),
                Combiner::Mvdr(mv) => mv.process_frame(&self.frame, &mut self.mono_frame),
            }
            self.synth.push(&self.mono_frame, &mut hop_out);
            self.to_denoise.extend_from_slice(&hop_out);
        }
        let start = out.len();
        match &mut self.denoiser {
            Some(d) => {
                let mut block = [0.0f32; BLOCK];
                let n = self.to_denoise.len() / BLOCK * BLOCK;
                for chunk in self.to_denoise[..n].chunks_exact(BLOCK) {
                    d.process_block(chunk, &mut block);
                    out.extend_from_slice(&block);
                }
                self.to_denoise.drain(..n);
            }
            None => out.append(&mut self.to_denoise),
        }
        if let Some(agc) = &mut self.agc {
            agc.process(&mut out[start..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beam::Beam;

    #[test]
    fn streaming_in_odd_blocks_matches_the_whole_file_path() {
        let x: Vec<f32> = (0..16000)
            .map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 0.3)
            .collect();
        let chans = vec![x.clone(), x.iter().map(|v| v * 0.9).collect::<Vec<_>>()];
        let cfg = Config {
            beam: Beam::DelayAndSum,
            highpass_hz: Some(90.0),
            ..Config::default()
        };
        let (batch, _) = crate::process(&chans, &cfg);
        let mut live = LiveFrontEnd::new(2, &cfg);
        let mut out = Vec::new();
        for (a, b) in chans[0].chunks(77).zip(chans[1].chunks(77)) {
            live.push(&[a, b], &mut out);
        }
        let lat = live.latency();
        let err = batch[..out.len() - lat]
            .iter()
            .zip(&out[lat..])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-4, "max difference {err}");
    }
}
