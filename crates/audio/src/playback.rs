//! Audio playback for review mode: play a session's recording from any time through the
//! default output device (cpal), pause, and report where the playhead is so the transcript
//! can follow. The [`Player`] trait is the seam: the GUI talks to a `dyn Player`, tests use
//! their own implementation and need no device.
//!
//! [`CpalPlayer`] does nothing until the first [`Player::play_from`]; then a worker thread
//! opens the recording (WAV is read with seeking; other formats are decoded once into
//! memory at 16 kHz; any other [`PcmRead`] it is handed, such as a saved session's audio read
//! by the store, which decrypts only the records it plays and writes nothing) and
//! the output device, and keeps a small queue of resampled audio ahead of the device's
//! callback. With no output device (or an unreadable file) the player
//! reports a calm one-line problem and stays paused; nothing else depends on it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use observant_model::error::one_line_text as one_line;

/// What a player reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlayerStatus {
    pub playing: bool,
    /// Playhead in session seconds.
    pub position: f64,
    /// Why playback is not possible (no output device, unreadable file), one line.
    pub problem: Option<String>,
}

/// Plays a recording from a time; what the review view needs from audio.
pub trait Player: Send {
    /// Plays from session time `t` (seconds).
    fn play_from(&mut self, t: f64);
    /// Pauses (the playhead stays where it is).
    fn pause(&mut self);
    /// Where the player is.
    fn status(&self) -> PlayerStatus;
}

/// Seekable 16 kHz-or-other-rate mono reader of a recording.
pub trait PcmRead: Send {
    fn rate(&self) -> u32;
    /// Moves to session time `t`.
    fn seek(&mut self, t: f64) -> Result<()>;
    /// Appends up to `max` mono samples to `out`; returns how many (0 at the end).
    fn read(&mut self, out: &mut Vec<f32>, max: usize) -> Result<usize>;
}

/// A WAV file, read in place with seeking (session `audio.wav` and WAV recordings).
struct WavPcm {
    reader: hound::WavReader<std::io::BufReader<std::fs::File>>,
    spec: hound::WavSpec,
}

impl PcmRead for WavPcm {
    fn rate(&self) -> u32 {
        self.spec.sample_rate
    }
    fn seek(&mut self, t: f64) -> Result<()> {
        let frame = (t.max(0.0) * f64::from(self.spec.sample_rate)) as u64;
        let frame = frame.min(u64::from(self.reader.duration())) as u32;
        self.reader
            .seek(frame)
            .context("zoeken in WAV / seeking in WAV")
    }
    fn read(&mut self, out: &mut Vec<f32>, max: usize) -> Result<usize> {
        let ch = usize::from(self.spec.channels.max(1));
        let want = max * ch;
        let mut frame = Vec::with_capacity(ch);
        let mut n = 0;
        macro_rules! pull {
            ($iter:expr, $scale:expr) => {{
                for s in $iter.take(want) {
                    frame.push(s? as f32 * $scale);
                    if frame.len() == ch {
                        out.push(frame.iter().sum::<f32>() / ch as f32);
                        frame.clear();
                        n += 1;
                    }
                }
            }};
        }
        match self.spec.sample_format {
            hound::SampleFormat::Float => pull!(self.reader.samples::<f32>(), 1.0),
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (self.spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
                pull!(self.reader.samples::<i32>(), scale)
            }
        }
        Ok(n)
    }
}

/// Any other recording, decoded once to 16 kHz mono in memory (as 16-bit samples).
struct MemoryPcm {
    samples: Vec<i16>,
    pos: usize,
}

impl MemoryPcm {
    fn decode(path: &Path) -> Result<MemoryPcm> {
        let mut f = crate::AudioFile::open(path)?;
        let mut samples = Vec::new();
        let mut chunk = Vec::new();
        while f.read_chunk(&mut chunk)? > 0 {
            samples.extend(
                chunk
                    .iter()
                    .map(|s| (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16),
            );
        }
        Ok(MemoryPcm { samples, pos: 0 })
    }
}

impl PcmRead for MemoryPcm {
    fn rate(&self) -> u32 {
        crate::TARGET_RATE
    }
    fn seek(&mut self, t: f64) -> Result<()> {
        self.pos = ((t.max(0.0) * 16_000.0) as usize).min(self.samples.len());
        Ok(())
    }
    fn read(&mut self, out: &mut Vec<f32>, max: usize) -> Result<usize> {
        let end = (self.pos + max).min(self.samples.len());
        out.extend(
            self.samples[self.pos..end]
                .iter()
                .map(|&s| f32::from(s) / f32::from(i16::MAX)),
        );
        let n = end - self.pos;
        self.pos = end;
        Ok(n)
    }
}

/// What a [`CpalPlayer`] plays.
enum Source {
    /// A recording file (WAV read in place, other formats decoded).
    File(PathBuf),
    /// Audio another layer knows how to read (a saved session's audio, plain or encrypted,
    /// read in place by the store): opened afresh on every play.
    Pcm(PcmOpener),
}

/// Opens a [`PcmRead`] on demand (on the playback worker's thread).
pub type PcmOpener = Box<dyn Fn() -> Result<Box<dyn PcmRead>> + Send + Sync>;

impl Source {
    fn open(&self) -> Result<Box<dyn PcmRead>> {
        match self {
            Source::File(p) => open_pcm(p),
            Source::Pcm(open) => open(),
        }
    }
}

fn open_pcm(path: &Path) -> Result<Box<dyn PcmRead>> {
    let is_wav = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    if is_wav && let Ok(reader) = hound::WavReader::open(path) {
        let spec = reader.spec();
        if spec.sample_rate > 0 && spec.channels > 0 {
            return Ok(Box::new(WavPcm { reader, spec }));
        }
    }
    Ok(Box::new(MemoryPcm::decode(path)?))
}

/// Linear-interpolating rate converter for playback (speech; quality is not critical).
#[derive(Debug, Default)]
pub struct LinearResampler {
    buf: Vec<f32>,
    pos: f64,
}

impl LinearResampler {
    /// Converts `input` (at `from` Hz), appending output at `to` Hz to `out`; keeps what
    /// it needs for the next call.
    pub fn push(&mut self, input: &[f32], from: u32, to: u32, out: &mut Vec<f32>) {
        self.buf.extend_from_slice(input);
        let step = f64::from(from) / f64::from(to.max(1));
        while self.pos + 1.0 < self.buf.len() as f64 {
            let i = self.pos as usize;
            let f = (self.pos - i as f64) as f32;
            out.push(self.buf[i] * (1.0 - f) + self.buf[i + 1] * f);
            self.pos += step;
        }
        let used = (self.pos as usize).min(self.buf.len());
        self.buf.drain(..used);
        self.pos -= used as f64;
    }

    /// Forgets buffered input (after a seek).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.pos = 0.0;
    }
}

/// State shared by the GUI side, the worker and the device callback.
#[derive(Default)]
struct Shared {
    playing: AtomicBool,
    /// Bumped on every seek; blocks of older generations are dropped by the callback.
    generation: AtomicU64,
    /// Device frames played since the last seek.
    played: AtomicU64,
    /// Session time of the last seek, as f64 bits.
    base_bits: AtomicU64,
    /// Device sample rate (0 until the device is open).
    rate: AtomicU64,
    /// The worker reached the end of the file for this generation.
    ended: AtomicBool,
    problem: Mutex<Option<String>>,
}

impl Shared {
    fn position(&self) -> f64 {
        let base = f64::from_bits(self.base_bits.load(Ordering::Relaxed));
        let rate = self.rate.load(Ordering::Relaxed);
        if rate == 0 {
            return base;
        }
        base + self.played.load(Ordering::Relaxed) as f64 / rate as f64
    }
    fn fail(&self, msg: String) {
        self.playing.store(false, Ordering::Relaxed);
        if let Ok(mut p) = self.problem.lock() {
            *p = Some(msg);
        }
    }
}

enum Msg {
    Seek(f64),
}

/// A block of interleaved device samples for one generation.
struct Block {
    generation: u64,
    samples: Vec<f32>,
}

/// Plays a recording through the default output device.
pub struct CpalPlayer {
    source: Arc<Source>,
    shared: Arc<Shared>,
    worker: Option<Sender<Msg>>,
}

impl CpalPlayer {
    /// A player for `path`; nothing is opened until the first `play_from`.
    pub fn new(path: PathBuf) -> CpalPlayer {
        CpalPlayer::on(Source::File(path))
    }

    /// A player for audio that `open` reads (e.g. a saved session's audio, plain or
    /// encrypted, see the store's `SessionPcm`); nothing is opened until the first `play_from`.
    pub fn for_pcm(open: PcmOpener) -> CpalPlayer {
        CpalPlayer::on(Source::Pcm(open))
    }

    fn on(source: Source) -> CpalPlayer {
        CpalPlayer {
            source: Arc::new(source),
            shared: Arc::new(Shared::default()),
            worker: None,
        }
    }

    fn ensure_worker(&mut self) -> Option<&Sender<Msg>> {
        if self.worker.is_none() {
            let (tx, rx) = crossbeam_channel::unbounded();
            let shared = self.shared.clone();
            let source = self.source.clone();
            let spawned = std::thread::Builder::new()
                .name("observant-playback".into())
                .spawn(move || worker(&source, shared, rx));
            match spawned {
                Ok(_) => self.worker = Some(tx),
                Err(e) => self.shared.fail(format!(
                    "Afspelen kan niet starten / playback cannot start: {e}"
                )),
            }
        }
        self.worker.as_ref()
    }
}

impl Player for CpalPlayer {
    fn play_from(&mut self, t: f64) {
        let shared = self.shared.clone();
        if shared.problem.lock().is_ok_and(|p| p.is_some()) {
            // Known not to work (no device): keep the playhead where the user clicked.
            shared
                .base_bits
                .store(t.max(0.0).to_bits(), Ordering::Relaxed);
            shared.played.store(0, Ordering::Relaxed);
            return;
        }
        // Playing before the worker starts, so a failure in it (which pauses) comes after.
        shared.playing.store(true, Ordering::Relaxed);
        if let Some(tx) = self.ensure_worker() {
            let _ = tx.send(Msg::Seek(t.max(0.0)));
        }
    }

    fn pause(&mut self) {
        self.shared.playing.store(false, Ordering::Relaxed);
    }

    fn status(&self) -> PlayerStatus {
        PlayerStatus {
            playing: self.shared.playing.load(Ordering::Relaxed),
            position: self.shared.position(),
            problem: self.shared.problem.lock().ok().and_then(|p| p.clone()),
        }
    }
}

impl Drop for CpalPlayer {
    fn drop(&mut self) {
        // Dropping the sender ends the worker, which drops the stream.
        self.shared.playing.store(false, Ordering::Relaxed);
        self.worker = None;
    }
}

fn no_output(detail: &str) -> String {
    format!(
        "Geen geluidsuitvoer gevonden; terugluisteren kan hier niet, al het andere werkt gewoon. / No audio output found; playback is not possible here, everything else works. ({detail})"
    )
}

/// The worker: opens file and device, then keeps the queue filled from the playhead.
fn worker(source: &Source, shared: Arc<Shared>, rx: Receiver<Msg>) {
    let mut pcm = match source.open() {
        Ok(p) => p,
        Err(e) => {
            shared.fail(format!(
                "De opname kan niet worden afgespeeld / the recording cannot be played: {}",
                observant_model::error::one_line(&e)
            ));
            return;
        }
    };
    let (block_tx, block_rx) = crossbeam_channel::bounded::<Block>(8);
    let (stream, rate, channels) = match open_output(shared.clone(), block_rx) {
        Ok(s) => s,
        Err(msg) => {
            shared.fail(msg);
            return;
        }
    };
    shared.rate.store(u64::from(rate), Ordering::Relaxed);
    let mut resampler = LinearResampler::default();
    let mut mono = Vec::new();
    let mut out = Vec::new();
    let mut pending: Option<Block> = None;
    let chunk = (pcm.rate() / 10).max(1) as usize;
    loop {
        // Newest seek wins.
        let mut seek = None;
        let wait = if pending.is_some() || shared.ended.load(Ordering::Relaxed) {
            Duration::from_millis(20)
        } else {
            Duration::from_millis(0)
        };
        match rx.recv_timeout(wait) {
            Ok(Msg::Seek(t)) => seek = Some(t),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
        }
        while let Ok(Msg::Seek(t)) = rx.try_recv() {
            seek = Some(t);
        }
        if let Some(t) = seek {
            if let Err(e) = pcm.seek(t) {
                shared.fail(observant_model::error::one_line(&e));
                continue;
            }
            resampler.reset();
            pending = None;
            shared.ended.store(false, Ordering::Relaxed);
            shared.base_bits.store(t.to_bits(), Ordering::Relaxed);
            shared.played.store(0, Ordering::Relaxed);
            shared.generation.fetch_add(1, Ordering::Relaxed);
        }
        let generation = shared.generation.load(Ordering::Relaxed);
        if pending.is_none() && !shared.ended.load(Ordering::Relaxed) {
            mono.clear();
            match pcm.read(&mut mono, chunk) {
                Ok(0) => shared.ended.store(true, Ordering::Relaxed),
                Ok(_) => {
                    out.clear();
                    resampler.push(&mono, pcm.rate(), rate, &mut out);
                    let samples = out
                        .iter()
                        .flat_map(|&s| std::iter::repeat_n(s, channels))
                        .collect();
                    pending = Some(Block {
                        generation,
                        samples,
                    });
                }
                Err(e) => {
                    shared.fail(observant_model::error::one_line(&e));
                    shared.ended.store(true, Ordering::Relaxed);
                }
            }
        }
        if let Some(b) = pending.take() {
            match block_tx.try_send(b) {
                Ok(()) => {}
                Err(TrySendError::Full(b)) => pending = Some(b),
                Err(TrySendError::Disconnected(_)) => break,
            }
        }
    }
    drop(stream);
}

type Output = (cpal::Stream, u32, usize);

/// A cpal error on one line.
fn open_output(shared: Arc<Shared>, blocks: Receiver<Block>) -> Result<Output, String> {
    let host = cpal::default_host();
    let device = host
        .default_output_device()
        .ok_or_else(|| no_output("geen standaarduitvoer / no default output"))?;
    let supported = device
        .default_output_config()
        .map_err(|e| no_output(&one_line(&e)))?;
    let config = supported.config();
    let rate = config.sample_rate;
    let channels = usize::from(config.channels.max(1));
    let err_shared = shared.clone();
    let on_error = move |e: cpal::Error| {
        if !matches!(e.kind(), cpal::ErrorKind::Xrun) {
            err_shared.fail(format!(
                "Afspelen gestopt / playback stopped: {}",
                one_line(&e)
            ));
        }
    };
    let stream = match supported.sample_format() {
        SampleFormat::F32 => build::<f32>(&device, config, shared, blocks, channels, on_error),
        SampleFormat::I16 => build::<i16>(&device, config, shared, blocks, channels, on_error),
        SampleFormat::I32 => build::<i32>(&device, config, shared, blocks, channels, on_error),
        SampleFormat::U16 => build::<u16>(&device, config, shared, blocks, channels, on_error),
        other => {
            return Err(no_output(&format!(
                "sampleformaat {other} niet ondersteund / sample format {other} not supported"
            )));
        }
    }
    .map_err(|e| no_output(&one_line(&e)))?;
    stream.play().map_err(|e| no_output(&one_line(&e)))?;
    Ok((stream, rate, channels))
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    shared: Arc<Shared>,
    blocks: Receiver<Block>,
    channels: usize,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let mut current: Option<(Block, usize)> = None;
    device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            let silence = T::from_sample(0.0f32);
            if !shared.playing.load(Ordering::Relaxed) {
                data.fill(silence);
                return;
            }
            let generation = shared.generation.load(Ordering::Relaxed);
            let mut i = 0;
            while i < data.len() {
                let stale = current
                    .as_ref()
                    .is_none_or(|(b, at)| b.generation != generation || *at >= b.samples.len());
                if stale {
                    current = None;
                    while let Ok(b) = blocks.try_recv() {
                        if b.generation == generation {
                            current = Some((b, 0));
                            break;
                        }
                    }
                }
                let Some((b, at)) = current.as_mut() else {
                    if shared.ended.load(Ordering::Relaxed) {
                        shared.playing.store(false, Ordering::Relaxed);
                    }
                    data[i..].fill(silence);
                    return;
                };
                let n = (data.len() - i).min(b.samples.len() - *at);
                for (d, s) in data[i..i + n].iter_mut().zip(&b.samples[*at..*at + n]) {
                    *d = T::from_sample(*s);
                }
                *at += n;
                i += n;
                shared
                    .played
                    .fetch_add((n / channels) as u64, Ordering::Relaxed);
            }
        },
        on_error,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_resampler_keeps_the_rate_ratio_and_the_signal() {
        let mut r = LinearResampler::default();
        let input: Vec<f32> = (0..16_000).map(|i| i as f32 / 16_000.0).collect();
        let mut out = Vec::new();
        for c in input.chunks(1600) {
            r.push(c, 16_000, 48_000, &mut out);
        }
        assert!((out.len() as i64 - 48_000).abs() <= 3, "{}", out.len());
        // A ramp stays a ramp.
        assert!((out[24_000] - 0.5).abs() < 1e-3);
    }

    #[test]
    fn wav_reading_seeks_and_downmixes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&p, spec).unwrap();
        for i in 0..16_000i32 {
            // Left: the second number; right: silence.
            w.write_sample((i / 8000 * 8000) as i16).unwrap();
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        let mut pcm = open_pcm(&p).unwrap();
        assert_eq!(pcm.rate(), 8000);
        pcm.seek(1.5).unwrap();
        let mut out = Vec::new();
        assert_eq!(pcm.read(&mut out, 100).unwrap(), 100);
        assert!((out[0] - 8000.0 / 32768.0 / 2.0).abs() < 1e-6, "{}", out[0]);
        out.clear();
        pcm.seek(0.0).unwrap();
        pcm.read(&mut out, 10).unwrap();
        assert_eq!(out[0], 0.0);
    }

    #[test]
    fn a_missing_file_is_a_calm_problem_not_a_panic() {
        let mut p = CpalPlayer::new("/nonexistent/audio.wav".into());
        assert_eq!(p.status().problem, None);
        p.play_from(12.0);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while p.status().problem.is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let s = p.status();
        assert!(!s.playing);
        assert!(s.problem.is_some_and(|m| m.contains("cannot be played")));
    }
}
