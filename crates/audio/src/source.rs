//! The `AudioSource` seam: one small trait for "something that yields 16 kHz mono audio", so
//! the offline pipeline (files), the live pipeline (a microphone) and tests (a scripted
//! signal) run the same downstream code (VAD, segmenter, Whisper).
//!
//! Implementations here: [`FileSource`] (the streaming decoder) and [`TestSignal`]
//! (deterministic tones, noise and silence). The microphone is
//! [`DeviceSource`](super::capture::DeviceSource) in `capture`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::decode::AudioFile;
use super::resample::TARGET_RATE;

/// What one [`AudioSource::read`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceRead {
    /// `out` now holds this many new samples (always > 0).
    Samples(usize),
    /// Nothing new yet (a live source waited briefly and got nothing); `out` is empty. Call
    /// again; this lets a consumer loop check for a stop request.
    Pending,
    /// The source is exhausted; `out` is empty and every later call returns `End` again.
    End,
}

/// A source of audio at 16 kHz, mono, `f32` in [-1, 1].
///
/// The contract is deliberately small (compare ripgrep's `Matcher`/`Sink`):
/// * `read` **replaces** the contents of `out` with the next samples, in order, with no gaps
///   or overlaps: the n-th sample ever delivered is at time `n / 16000` s of the source. A
///   source that has to fill a hole (a live overflow) fills it with silence so positions stay
///   exact, and reports the hole through its own side channel.
/// * A blocking source may wait, but only briefly (tens of milliseconds), then returns
///   [`SourceRead::Pending`].
/// * An `Err` is a one-line message fit for the user (Dutch / English); the source may not
///   be read again after it.
pub trait AudioSource: Send {
    /// Replace `out` with the next samples; see the trait docs.
    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead>;

    /// A short name for logs and the UI: a file name, a device name, "test signal".
    fn describe(&self) -> String;

    /// Total length in 16 kHz samples when known in advance (files), for progress bars.
    fn total_samples(&self) -> Option<u64> {
        None
    }

    /// Asks a live source to stop capturing; audio already captured is still delivered by
    /// later `read`s, then `End`. A file ends at once; test signals ignore it.
    fn stop(&mut self) {}

    /// True when samples arrive at the pace they are captured (a microphone, a paced file):
    /// then the live pipeline ties its wall clock to the audio's timeline (see
    /// `pipeline::live`), so an event's `t` minus an utterance's `end` is its latency.
    fn is_live(&self) -> bool {
        false
    }

    /// How long before the last `read` returned its last sample was captured, as far as the
    /// source knows (the device's reported delay plus any resampler backlog).
    fn delivery_delay(&self) -> Duration {
        Duration::ZERO
    }

    /// True when the samples are already dereverberated (a file of several microphones read
    /// with [`FileSource::with_dereverb`]), so the recogniser's input is not treated again.
    fn dereverberated(&self) -> bool {
        false
    }

    /// Seconds this source spent dereverberating what it delivered (included in the time its
    /// `read`s took), so a caller can report it apart.
    fn dereverb_seconds(&self) -> f64 {
        0.0
    }

    /// How many channels the source keeps apart besides the one it delivers: the microphones
    /// of an array or a speakerphone (2 or more), 0 when it has one channel or keeps none.
    /// A live session saves them, so the second pass can use every microphone.
    fn kept_channels(&self) -> usize {
        0
    }

    /// Replaces `out` with the kept channels' frames at 16 kHz, interleaved, that arrived
    /// since the last call (as many frames, over the whole stream, as samples `read`
    /// delivered, give or take what the beamformer holds back at a moment).
    fn take_channels(&mut self, out: &mut Vec<f32>) {
        out.clear();
    }
}

impl<S: AudioSource + ?Sized> AudioSource for Box<S> {
    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead> {
        (**self).read(out)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn total_samples(&self) -> Option<u64> {
        (**self).total_samples()
    }
    fn stop(&mut self) {
        (**self).stop()
    }
    fn is_live(&self) -> bool {
        (**self).is_live()
    }
    fn delivery_delay(&self) -> Duration {
        (**self).delivery_delay()
    }
    fn dereverberated(&self) -> bool {
        (**self).dereverberated()
    }
    fn dereverb_seconds(&self) -> f64 {
        (**self).dereverb_seconds()
    }
    fn kept_channels(&self) -> usize {
        (**self).kept_channels()
    }
    fn take_channels(&mut self, out: &mut Vec<f32>) {
        (**self).take_channels(out)
    }
}

/// A recording on disk, decoded and converted on the fly (see [`AudioFile`]).
#[derive(Debug)]
pub struct FileSource {
    file: AudioFile,
    limit: Option<u64>,
    ended: bool,
}

impl FileSource {
    /// Open a file; the errors are [`AudioFile::open`]'s.
    pub fn open(path: impl AsRef<Path>) -> Result<FileSource> {
        Ok(FileSource {
            file: AudioFile::open(path)?,
            limit: None,
            ended: false,
        })
    }

    /// Dereverberates a recording of two or more channels ([`AudioFile::with_dereverb`]).
    pub fn with_dereverb(mut self, on: bool) -> FileSource {
        self.file = self.file.with_dereverb(on);
        self
    }

    /// Keeps a recording of two or more channels channel by channel too
    /// ([`AudioSource::take_channels`]), as a microphone array is kept live.
    pub fn keep_channels(mut self, on: bool) -> FileSource {
        self.file = self.file.keep_channels(on);
        self
    }

    /// Stop after the first `seconds` of audio.
    pub fn with_limit_seconds(mut self, seconds: f64) -> FileSource {
        if seconds.is_finite() && seconds >= 0.0 {
            self.limit = Some((seconds * f64::from(TARGET_RATE)) as u64);
        }
        self
    }

    /// The underlying decoder (for `info()`).
    pub fn file(&self) -> &AudioFile {
        &self.file
    }
}

impl AudioSource for FileSource {
    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead> {
        out.clear();
        if self.ended {
            return Ok(SourceRead::End);
        }
        let before = self.file.position();
        if let Some(limit) = self.limit
            && before >= limit
        {
            self.ended = true;
            return Ok(SourceRead::End);
        }
        let n = self.file.read_chunk(out)?;
        if let Some(limit) = self.limit {
            let room = limit.saturating_sub(before) as usize;
            out.truncate(room);
        }
        if out.is_empty() || n == 0 {
            self.ended = true;
            out.clear();
            return Ok(SourceRead::End);
        }
        Ok(SourceRead::Samples(out.len()))
    }

    fn describe(&self) -> String {
        Path::new(self.file.path())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.path().to_string())
    }

    fn total_samples(&self) -> Option<u64> {
        let n = self.file.info().samples_16k()?;
        Some(self.limit.map_or(n, |l| l.min(n)))
    }

    /// A file read as a live input (`listen --input-file`) ends where it was stopped.
    fn stop(&mut self) {
        self.ended = true;
    }

    fn dereverberated(&self) -> bool {
        self.file.dereverberates()
    }

    fn dereverb_seconds(&self) -> f64 {
        self.file.dereverb_seconds()
    }

    fn kept_channels(&self) -> usize {
        self.file.kept_channels()
    }

    fn take_channels(&mut self, out: &mut Vec<f32>) {
        self.file.take_channels(out)
    }
}

/// Any source delivered no faster than real time, like a microphone: `listen --input-file F
/// --realtime` plays a recording through the live pipeline the way a room would, so latency
/// can be measured without a sound card.
pub struct Paced<S: AudioSource> {
    inner: S,
    start: Option<Instant>,
    delivered: u64,
    held: Vec<f32>,
    /// The inner source's kept channels (interleaved), released in step with `held`.
    held_channels: Vec<f32>,
    /// Kept channels released and not taken yet.
    channels_out: Vec<f32>,
    /// Samples per delivery (20 ms, like a typical capture period).
    chunk: usize,
}

impl<S: AudioSource> Paced<S> {
    pub fn new(inner: S) -> Paced<S> {
        Paced {
            inner,
            start: None,
            delivered: 0,
            held: Vec::new(),
            held_channels: Vec::new(),
            channels_out: Vec::new(),
            chunk: (TARGET_RATE / 50) as usize,
        }
    }
}

impl<S: AudioSource> AudioSource for Paced<S> {
    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead> {
        out.clear();
        let start = *self.start.get_or_insert_with(Instant::now);
        let mut pending = false;
        while self.held.len() < self.chunk {
            let mut more = Vec::new();
            let read = self.inner.read(&mut more)?;
            if self.inner.kept_channels() > 0 {
                let mut frames = Vec::new();
                self.inner.take_channels(&mut frames);
                self.held_channels.extend_from_slice(&frames);
            }
            match read {
                SourceRead::Samples(_) => self.held.extend_from_slice(&more),
                SourceRead::Pending => {
                    pending = true;
                    break;
                }
                SourceRead::End => break,
            }
        }
        if self.held.is_empty() {
            // The end: what the channels still hold goes out with it.
            if !pending {
                self.channels_out.append(&mut self.held_channels);
            }
            return Ok(if pending {
                SourceRead::Pending
            } else {
                SourceRead::End
            });
        }
        let n = self.chunk.min(self.held.len());
        let due =
            Duration::from_secs_f64((self.delivered + n as u64) as f64 / f64::from(TARGET_RATE));
        let elapsed = start.elapsed();
        if due > elapsed {
            std::thread::sleep((due - elapsed).min(Duration::from_millis(50)));
            if start.elapsed() < due {
                return Ok(SourceRead::Pending);
            }
        }
        out.extend(self.held.drain(..n));
        self.delivered += n as u64;
        let c = self.inner.kept_channels();
        if c > 0 {
            let frames = (n * c).min(self.held_channels.len() / c * c);
            self.channels_out.extend(self.held_channels.drain(..frames));
        }
        Ok(SourceRead::Samples(n))
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn total_samples(&self) -> Option<u64> {
        self.inner.total_samples()
    }

    fn stop(&mut self) {
        self.held.clear();
        self.held_channels.clear();
        self.inner.stop();
    }

    fn is_live(&self) -> bool {
        true
    }

    fn kept_channels(&self) -> usize {
        self.inner.kept_channels()
    }

    fn take_channels(&mut self, out: &mut Vec<f32>) {
        out.clear();
        std::mem::swap(out, &mut self.channels_out);
    }
}

/// One piece of a [`TestSignal`].
#[derive(Debug, Clone, PartialEq)]
pub enum SignalPart {
    /// Digital silence.
    Silence {
        /// Length in samples.
        samples: u64,
    },
    /// A sine tone.
    Tone {
        /// Frequency in Hz.
        hz: f32,
        /// Peak amplitude (0..1).
        amplitude: f32,
        /// Length in samples.
        samples: u64,
    },
    /// Deterministic white noise (a fixed-seed generator).
    Noise {
        /// Peak amplitude (0..1).
        amplitude: f32,
        /// Length in samples.
        samples: u64,
    },
    /// Given samples, played as they are.
    Samples(Vec<f32>),
}

impl SignalPart {
    fn len(&self) -> u64 {
        match self {
            SignalPart::Silence { samples }
            | SignalPart::Tone { samples, .. }
            | SignalPart::Noise { samples, .. } => *samples,
            SignalPart::Samples(v) => v.len() as u64,
        }
    }
}

/// A deterministic scripted signal for tests and demos: the same parts give the same samples,
/// bit for bit, regardless of the chunk size.
#[derive(Debug, Clone)]
pub struct TestSignal {
    parts: Vec<SignalPart>,
    part: usize,
    offset: u64,
    chunk: usize,
    rng: u64,
}

impl TestSignal {
    /// A signal made of `parts`, in order, delivered in chunks of 1600 samples (0.1 s).
    pub fn new(parts: Vec<SignalPart>) -> TestSignal {
        TestSignal {
            parts,
            part: 0,
            offset: 0,
            chunk: 1600,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// A signal that plays `samples` as they are.
    pub fn from_samples(samples: Vec<f32>) -> TestSignal {
        TestSignal::new(vec![SignalPart::Samples(samples)])
    }

    /// Alternating bursts and pauses: `n` tones of `on_s` seconds at 0.5 amplitude, each
    /// followed by `off_s` seconds of silence; a stand-in for turns of speech with the
    /// energy VAD.
    pub fn bursts(n: usize, on_s: f64, off_s: f64) -> TestSignal {
        let on = (on_s * f64::from(TARGET_RATE)) as u64;
        let off = (off_s * f64::from(TARGET_RATE)) as u64;
        let mut parts = Vec::new();
        for i in 0..n {
            parts.push(SignalPart::Tone {
                hz: 220.0 + 110.0 * (i % 4) as f32,
                amplitude: 0.5,
                samples: on,
            });
            parts.push(SignalPart::Silence { samples: off });
        }
        TestSignal::new(parts)
    }

    /// Deliver chunks of `samples` samples (at least 1).
    pub fn with_chunk(mut self, samples: usize) -> TestSignal {
        self.chunk = samples.max(1);
        self
    }

    /// Deliver no faster than real time, like a microphone (sleeps inside `read`).
    pub fn paced(self) -> Paced<TestSignal> {
        Paced::new(self)
    }

    /// Total length in samples.
    pub fn len(&self) -> u64 {
        self.parts.iter().map(SignalPart::len).sum()
    }

    /// True when the signal has no samples at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn next_noise(&mut self) -> f32 {
        // xorshift64*: deterministic, good enough for test noise.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let v = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((v >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

impl AudioSource for TestSignal {
    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead> {
        out.clear();
        while out.len() < self.chunk && self.part < self.parts.len() {
            let part_len = self.parts[self.part].len();
            let take = (part_len - self.offset).min((self.chunk - out.len()) as u64);
            let from = self.offset;
            let mut noise = None;
            match &self.parts[self.part] {
                SignalPart::Silence { .. } => out.extend(std::iter::repeat_n(0.0, take as usize)),
                SignalPart::Tone { hz, amplitude, .. } => {
                    let w = 2.0 * std::f64::consts::PI * f64::from(*hz) / f64::from(TARGET_RATE);
                    let a = f64::from(*amplitude);
                    out.extend((from..from + take).map(|i| ((w * i as f64).sin() * a) as f32));
                }
                SignalPart::Noise { amplitude, .. } => noise = Some(*amplitude),
                SignalPart::Samples(v) => {
                    out.extend_from_slice(&v[from as usize..(from + take) as usize]);
                }
            }
            if let Some(amplitude) = noise {
                for _ in 0..take {
                    let v = self.next_noise() * amplitude;
                    out.push(v);
                }
            }
            self.offset += take;
            if self.offset >= part_len {
                self.part += 1;
                self.offset = 0;
            }
        }
        if out.is_empty() {
            return Ok(SourceRead::End);
        }
        Ok(SourceRead::Samples(out.len()))
    }

    fn describe(&self) -> String {
        "testsignaal / test signal".into()
    }

    fn total_samples(&self) -> Option<u64> {
        Some(self.len())
    }
}
