//! Streaming conversion of mono audio at any sample rate to 16 kHz (the rate Whisper, Silero
//! VAD and the speaker encoder expect), with rubato.
//!
//! [`StreamResampler`] takes input in blocks of any size and returns output aligned in time
//! with the input: the resampler's filter delay is removed at the start and the tail is flushed
//! by [`StreamResampler::finish`], so `n` input samples always give exactly
//! `round(n * 16000 / rate)` output samples and sample `k` of the output lies at time
//! `k / 16000` s of the input. That is what makes segment times exact positions in the audio.
//! [`ChannelKeeper`] does the same for every channel of a microphone array, each on its own
//! (what a live session keeps beside its one channel for the second pass).
//!
//! Rates whose ratio to 16 kHz is a small fraction (8, 11.025, 22.05, 24, 32, 44.1, 48, 88.2,
//! 96 kHz, ...) use rubato's synchronous FFT resampler (fast, linear phase, proper anti-alias
//! filter); odd rates fall back to the asynchronous sinc resampler (256 taps, Blackman-Harris).
//! At 16 kHz the input passes through untouched.

use anyhow::{Context, Result, bail};
use rubato::{
    FftFixedIn, Resampler, SincFixedIn, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

/// The sample rate everything downstream of `audio` works at.
pub const TARGET_RATE: u32 = 16_000;

/// Input frames handed to rubato per call.
const CHUNK_IN: usize = 1024;

/// Largest `rate / gcd(rate, 16000)` for which the FFT resampler is used; above it the FFT
/// sizes get large and the sinc resampler is the better choice.
const MAX_FFT_UNIT: u32 = 2048;

enum Engine {
    Passthrough,
    Fft(Box<FftFixedIn<f32>>),
    Sinc(Box<SincFixedIn<f32>>),
}

impl Engine {
    fn process(&mut self, input: &[Vec<f32>], output: &mut [Vec<f32>]) -> Result<usize> {
        let (_, produced) = match self {
            Engine::Passthrough => return Ok(0),
            Engine::Fft(r) => r.process_into_buffer(input, output, None)?,
            Engine::Sinc(r) => r.process_into_buffer(input, output, None)?,
        };
        Ok(produced)
    }

    fn output_frames_max(&self) -> usize {
        match self {
            Engine::Passthrough => 0,
            Engine::Fft(r) => r.output_frames_max(),
            Engine::Sinc(r) => r.output_frames_max(),
        }
    }

    fn output_delay(&self) -> usize {
        match self {
            Engine::Passthrough => 0,
            Engine::Fft(r) => r.output_delay(),
            Engine::Sinc(r) => r.output_delay(),
        }
    }
}

/// Streaming mono resampler from `input_rate` to 16 kHz; see the module docs.
pub struct StreamResampler {
    input_rate: u32,
    engine: Engine,
    /// Input waiting for a full rubato chunk.
    pending: Vec<f32>,
    in_buf: Vec<Vec<f32>>,
    out_buf: Vec<Vec<f32>>,
    /// Output samples still to drop at the start (the filter delay).
    skip: usize,
    input_total: u64,
    output_total: u64,
    finished: bool,
}

impl StreamResampler {
    /// A resampler from `input_rate` Hz to 16 kHz. Errors for a rate of 0.
    pub fn new(input_rate: u32) -> Result<Self> {
        if input_rate == 0 {
            bail!("samplefrequentie 0 Hz / sample rate of 0 Hz");
        }
        let engine = make_engine(input_rate)?;
        let out_max = engine.output_frames_max();
        // The resamplers' own delay figures are off by a fraction of an input sample (FFT,
        // odd sizes) or a few samples (sinc), so measure the delay on an impulse instead.
        let skip = match &engine {
            Engine::Passthrough => 0,
            _ => measure_delay(make_engine(input_rate)?, out_max)?,
        };
        Ok(Self {
            input_rate,
            engine,
            pending: Vec::with_capacity(CHUNK_IN),
            in_buf: vec![vec![0.0; CHUNK_IN]],
            out_buf: vec![vec![0.0; out_max]],
            skip,
            input_total: 0,
            output_total: 0,
            finished: false,
        })
    }

    /// The input rate this resampler converts from.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    /// True when the input is already 16 kHz and samples pass through unchanged.
    pub fn is_passthrough(&self) -> bool {
        matches!(self.engine, Engine::Passthrough)
    }

    /// Feed `input` (mono, at the input rate) and append the 16 kHz output that is ready to
    /// `out`. Some output lags behind (filter delay) until [`finish`](Self::finish).
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        if self.finished {
            bail!("resampler: invoer na het einde / input after finish");
        }
        self.input_total += input.len() as u64;
        if self.is_passthrough() {
            out.extend_from_slice(input);
            self.output_total += input.len() as u64;
            return Ok(());
        }
        let mut rest = input;
        while !rest.is_empty() {
            let take = (CHUNK_IN - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == CHUNK_IN {
                self.in_buf[0].copy_from_slice(&self.pending);
                self.pending.clear();
                self.run_chunk(out, u64::MAX)?;
            }
        }
        Ok(())
    }

    /// End of input: flush everything still inside the filter and append it to `out`, so the
    /// total output is exactly `round(input_samples * 16000 / input_rate)`.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        if self.is_passthrough() {
            return Ok(());
        }
        let expected = self.expected_output();
        // Zero-pad the partial chunk, then keep feeding silence until the delayed tail is out.
        let mut guard = 0;
        while self.output_total < expected {
            let n = self.pending.len();
            self.in_buf[0][..n].copy_from_slice(&self.pending);
            self.in_buf[0][n..].fill(0.0);
            self.pending.clear();
            self.run_chunk(out, expected)?;
            guard += 1;
            if guard > 1_000_000 {
                bail!("resampler: uitvoer komt niet los / output does not drain");
            }
        }
        Ok(())
    }

    /// Number of 16 kHz samples the input so far corresponds to.
    pub fn expected_output(&self) -> u64 {
        let num = u128::from(self.input_total) * u128::from(TARGET_RATE);
        let rate = u128::from(self.input_rate);
        ((num + rate / 2) / rate) as u64
    }

    /// Run one full chunk from `in_buf`, dropping the initial delay and never producing more
    /// than `limit` samples in total.
    fn run_chunk(&mut self, out: &mut Vec<f32>, limit: u64) -> Result<()> {
        let produced = self.engine.process(&self.in_buf, &mut self.out_buf)?;
        let mut block = &self.out_buf[0][..produced];
        if self.skip > 0 {
            let s = self.skip.min(block.len());
            block = &block[s..];
            self.skip -= s;
        }
        let room = limit.saturating_sub(self.output_total);
        let take = (block.len() as u64).min(room) as usize;
        out.extend_from_slice(&block[..take]);
        self.output_total += take as u64;
        Ok(())
    }
}

fn make_engine(input_rate: u32) -> Result<Engine> {
    if input_rate == TARGET_RATE {
        return Ok(Engine::Passthrough);
    }
    let unit = input_rate / gcd(input_rate, TARGET_RATE);
    if unit <= MAX_FFT_UNIT {
        return Ok(Engine::Fft(Box::new(
            FftFixedIn::new(input_rate as usize, TARGET_RATE as usize, CHUNK_IN, 1, 1)
                .context("resampler (FFT)")?,
        )));
    }
    let params = SincInterpolationParameters {
        sinc_len: 256,
        f_cutoff: rubato::calculate_cutoff(256, WindowFunction::BlackmanHarris2),
        oversampling_factor: 256,
        interpolation: SincInterpolationType::Cubic,
        window: WindowFunction::BlackmanHarris2,
    };
    let ratio = f64::from(TARGET_RATE) / f64::from(input_rate);
    Ok(Engine::Sinc(Box::new(
        SincFixedIn::new(ratio, 1.0, params, CHUNK_IN, 1).context("resampler (sinc)")?,
    )))
}

/// Group delay of `engine` in output samples: where the peak of its impulse response lands
/// (parabolic interpolation), rounded.
fn measure_delay(mut engine: Engine, out_max: usize) -> Result<usize> {
    let nominal = engine.output_delay();
    let mut input = vec![vec![0.0f32; CHUNK_IN]];
    input[0][0] = 1.0;
    let mut output = vec![vec![0.0f32; out_max]];
    let mut response = Vec::new();
    let mut guard = 0;
    while response.len() < 2 * nominal + 64 && guard < 10_000 {
        let n = engine.process(&input, &mut output)?;
        response.extend_from_slice(&output[0][..n]);
        input[0][0] = 0.0;
        guard += 1;
    }
    let Some((k, _)) = response
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
    else {
        return Ok(nominal);
    };
    let mut peak = k as f64;
    if k > 0 && k + 1 < response.len() {
        let (a, b, c) = (
            f64::from(response[k - 1]),
            f64::from(response[k]),
            f64::from(response[k + 1]),
        );
        let denom = a - 2.0 * b + c;
        if denom.abs() > 1e-12 {
            peak += (0.5 * (a - c) / denom).clamp(-0.5, 0.5);
        }
    }
    Ok(peak.round().max(0.0) as usize)
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a.max(1)
}

/// Each channel of an interleaved stream resampled to 16 kHz on its own and interleaved again:
/// a multi-channel microphone kept channel by channel (a session saves them beside the one
/// channel live hears, so the second pass can use every microphone). Every channel gets the
/// same number of samples, and as many as a [`StreamResampler`] of one channel would give.
pub struct ChannelKeeper {
    channels: usize,
    resamplers: Vec<StreamResampler>,
    one: Vec<f32>,
    resampled: Vec<Vec<f32>>,
    /// 16 kHz frames (interleaved) not taken yet.
    ready: Vec<f32>,
}

impl std::fmt::Debug for ChannelKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelKeeper")
            .field("channels", &self.channels)
            .field("ready", &self.ready.len())
            .finish()
    }
}

impl ChannelKeeper {
    /// For `channels` channels at `input_rate` Hz.
    pub fn new(channels: usize, input_rate: u32) -> Result<ChannelKeeper> {
        Ok(ChannelKeeper {
            channels,
            resamplers: (0..channels)
                .map(|_| StreamResampler::new(input_rate))
                .collect::<Result<_>>()?,
            one: Vec::new(),
            resampled: vec![Vec::new(); channels],
            ready: Vec::new(),
        })
    }

    /// The number of channels kept.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Feeds interleaved frames at the input rate.
    pub fn push(&mut self, interleaved: &[f32]) -> Result<()> {
        let c = self.channels.max(1);
        for k in 0..self.channels {
            self.one.clear();
            self.one
                .extend(interleaved.iter().skip(k).step_by(c).copied());
            self.resampled[k].clear();
            self.resamplers[k].push(&self.one, &mut self.resampled[k])?;
        }
        self.interleave();
        Ok(())
    }

    /// The end of the stream: what the resamplers still hold.
    pub fn finish(&mut self) -> Result<()> {
        for k in 0..self.channels {
            self.resampled[k].clear();
            self.resamplers[k].finish(&mut self.resampled[k])?;
        }
        self.interleave();
        Ok(())
    }

    /// Moves the 16 kHz frames ready so far (interleaved) to `out`, replacing its contents.
    pub fn take(&mut self, out: &mut Vec<f32>) {
        out.clear();
        std::mem::swap(out, &mut self.ready);
    }

    fn interleave(&mut self) {
        let n = self.resampled.iter().map(Vec::len).min().unwrap_or(0);
        self.ready.reserve(n * self.channels);
        for i in 0..n {
            for ch in &self.resampled {
                self.ready.push(ch[i]);
            }
        }
    }
}

/// Average interleaved frames of `channels` channels into mono, appending to `out`.
/// A trailing partial frame is ignored. `channels == 0` appends nothing.
pub fn downmix_into(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    match channels {
        0 => {}
        1 => out.extend_from_slice(interleaved),
        2 => out.extend(interleaved.chunks_exact(2).map(|f| (f[0] + f[1]) * 0.5)),
        n => {
            let scale = 1.0 / n as f32;
            out.extend(
                interleaved
                    .chunks_exact(n)
                    .map(|f| f.iter().sum::<f32>() * scale),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resample_all(rate: u32, input: &[f32], block: usize) -> Vec<f32> {
        let mut r = StreamResampler::new(rate).unwrap();
        let mut out = Vec::new();
        for c in input.chunks(block.max(1)) {
            r.push(c, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    fn sine(rate: u32, hz: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn exact_lengths_and_alignment() {
        for &rate in &[
            8000u32, 11025, 22050, 44100, 48000, 96000, 44101, 7919, 192000,
        ] {
            let n = rate as usize * 3 / 2 + 17;
            let input = sine(rate, 440.0, n);
            let out = resample_all(rate, &input, 777);
            let expected = ((n as u64 * 16000) as f64 / rate as f64).round() as usize;
            assert_eq!(out.len(), expected, "rate {rate}");
            // Away from the edges the output is the same 440 Hz sine: full amplitude, and in
            // time with the input to within a sample (the delay is measured, then rounded).
            let mid = &out[2000..out.len() - 2000];
            let (mut s, mut c) = (0.0f64, 0.0f64);
            for (i, &v) in mid.iter().enumerate() {
                let ph = 2.0 * std::f64::consts::PI * 440.0 * (i + 2000) as f64 / 16000.0;
                s += f64::from(v) * ph.sin();
                c += f64::from(v) * ph.cos();
            }
            let amp = 2.0 * (s * s + c * c).sqrt() / mid.len() as f64;
            let delay = -c.atan2(s) / (2.0 * std::f64::consts::PI * 440.0) * 16000.0;
            assert!((amp - 0.5).abs() < 0.005, "rate {rate}: amplitude {amp}");
            assert!(delay.abs() < 1.0, "rate {rate}: off by {delay} samples");
        }
    }

    #[test]
    fn passthrough_and_downmix() {
        let out = resample_all(16000, &[0.1, 0.2, 0.3], 2);
        assert_eq!(out, vec![0.1, 0.2, 0.3]);
        let mut m = Vec::new();
        downmix_into(&[1.0, 0.0, 0.5, 0.5, 9.0], 2, &mut m);
        assert_eq!(m, vec![0.5, 0.5]);
        downmix_into(&[1.0, 2.0, 3.0], 3, &mut m);
        assert_eq!(m[2], 2.0);
        downmix_into(&[1.0], 0, &mut m);
        assert_eq!(m.len(), 3);
        assert!(StreamResampler::new(0).is_err());
    }
}
