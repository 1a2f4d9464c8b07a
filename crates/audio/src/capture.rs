//! Live capture with cpal: list input devices, open the default or a named one, and deliver
//! 16 kHz mono audio to a consumer thread through a bounded crossbeam channel.
//!
//! * Takes every channel the device has (a laptop array, a speakerphone: up to 8; a sound
//!   server's virtual device: its default, two), at 16 kHz when offered (16-bit, else float,
//!   else any integer format), else at the device's rate. The consumer lines the channels up
//!   and sums them ([`LiveBeamformer`], 2 ms of delay) and resamples (rubato); one channel
//!   is only resampled.
//! * The audio callback only converts to `f32`, updates the level meter and `try_send`s;
//!   it never blocks. When the queue (60 s of audio by default) is full, the chunk is counted
//!   as dropped, a [`CaptureEvent::Overflow`] is sent, and the consumer later receives the
//!   same number of zero samples in its place: positions stay exact, nothing goes missing
//!   silently.
//! * A stream error (device pulled, server gone) becomes a [`CaptureEvent::Failed`] and, once
//!   the queued audio has been read, an error from [`DeviceSource::read`]. A device that just
//!   stops delivering is reported as [`CaptureEvent::Stalled`], and after
//!   [`CaptureOptions::lost_after`] without audio it counts as lost in the same way.
//! * No sound card (cpal's `DeviceNotAvailable`) is a calm [`CaptureError::NoDevice`].

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};

use super::beam::LiveBeamformer;
use super::resample::{ChannelKeeper, StreamResampler, TARGET_RATE};
use super::source::{AudioSource, SourceRead};
use observant_model::error::one_line_text as one_line;

/// Why capture could not start or stopped. Messages are one line, Dutch then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// No usable input device on this machine (no sound card, no microphone).
    #[error(
        "Geen microfoon beschikbaar ({0}); open een opname in plaats daarvan / No microphone available ({0}); open a recording instead"
    )]
    NoDevice(String),
    /// A device was asked for by name and is not there.
    #[error(
        "Invoerapparaat '{name}' niet gevonden (beschikbaar: {available}) / Input device '{name}' not found (available: {available})"
    )]
    DeviceNotFound {
        /// The name asked for.
        name: String,
        /// Names that do exist, comma-separated.
        available: String,
    },
    /// The operating system refused access.
    #[error("Geen toegang tot de microfoon ({0}) / No permission to use the microphone ({0})")]
    PermissionDenied(String),
    /// Another program holds the device.
    #[error(
        "De microfoon is bezet door een ander programma ({0}) / The microphone is in use by another program ({0})"
    )]
    Busy(String),
    /// The device disappeared or the stream died while capturing.
    #[error("Het invoerapparaat is weggevallen ({0}) / The input device was lost ({0})")]
    DeviceLost(String),
    /// Anything else the audio system reported.
    #[error("Audio-opname mislukt ({0}) / Audio capture failed ({0})")]
    Backend(String),
}

fn map_cpal(e: &cpal::Error) -> CaptureError {
    let msg = one_line(e);
    match e.kind() {
        cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::HostUnavailable => {
            CaptureError::NoDevice(msg)
        }
        cpal::ErrorKind::PermissionDenied => CaptureError::PermissionDenied(msg),
        cpal::ErrorKind::DeviceBusy => CaptureError::Busy(msg),
        _ => CaptureError::Backend(msg),
    }
}

/// An input device as listed for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputDevice {
    /// Human-readable name.
    pub name: String,
    /// Stable identifier (`host:device`), accepted by [`CaptureOptions::device`].
    pub id: String,
    /// True for the system's default input.
    pub is_default: bool,
}

/// The input devices of the default audio host. An empty list (not an error) when there are
/// none.
pub fn list_input_devices() -> Result<Vec<InputDevice>> {
    let host = cpal::default_host();
    let default_id = host.default_input_device().and_then(|d| d.id().ok());
    let devices = match host.input_devices() {
        Ok(d) => d,
        Err(e) => match map_cpal(&e) {
            CaptureError::NoDevice(_) => return Ok(Vec::new()),
            other => return Err(other.into()),
        },
    };
    let mut list = Vec::new();
    for d in devices {
        let Ok(id) = d.id() else { continue };
        let name = d
            .description()
            .map(|desc| desc.name().to_string())
            .unwrap_or_else(|_| id.id().to_string());
        list.push(InputDevice {
            name,
            is_default: Some(&id) == default_id.as_ref(),
            id: id.to_string(),
        });
    }
    Ok(list)
}

/// The input devices cpal can actually open for input, in [`list_input_devices`]' order: ALSA
/// lists many pseudo devices that give no input configuration, and its `null` device gives
/// only zeros. An empty list (not an error) when there are none.
pub fn usable_input_devices() -> Vec<InputDevice> {
    let listed = list_input_devices().unwrap_or_default();
    let host = cpal::default_host();
    let usable: Vec<String> = match host.input_devices() {
        Ok(it) => it
            .filter(|d| d.default_input_config().is_ok())
            .filter_map(|d| d.id().ok().map(|id| id.to_string()))
            .filter(|id| !id.ends_with(":null"))
            .collect(),
        Err(_) => Vec::new(),
    };
    listed
        .into_iter()
        .filter(|d| usable.contains(&d.id))
        .collect()
}

/// How to open the capture.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureOptions {
    /// Device name or id (see [`list_input_devices`]); `None` for the default input.
    pub device: Option<String>,
    /// Seconds of audio the queue between the audio thread and the consumer can hold before
    /// it overflows.
    pub queue_seconds: f32,
    /// Report [`CaptureEvent::Stalled`] when no audio arrives for this long.
    pub stall_after: Duration,
    /// Treat the device as lost (an error from the source) when no audio arrives for this
    /// long: a stream that silently stopped is as gone as a pulled one.
    pub lost_after: Duration,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            device: None,
            queue_seconds: 60.0,
            stall_after: Duration::from_secs(2),
            lost_after: Duration::from_secs(5),
        }
    }
}

/// Something the consumer (UI, logs) should know about; from [`Capture::events`].
#[derive(Debug, Clone, PartialEq)]
pub enum CaptureEvent {
    /// The queue was full and audio was replaced by silence; total native frames lost so far.
    Overflow {
        /// Frames (at the device rate) lost since capture started.
        dropped_frames: u64,
    },
    /// The device reported an over- or underrun (a glitch in the audio).
    Xrun,
    /// A non-fatal notice from the audio system (route changed, no real-time priority).
    Warning(String),
    /// The stream died; capture is over once the queued audio has been read.
    Failed(String),
    /// No audio arrived for this many seconds (device stopped without an error).
    Stalled {
        /// Seconds without audio.
        seconds: f32,
    },
}

/// The input level over the last ~50 ms, linear full scale (1.0 = 0 dBFS).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Level {
    /// Root mean square.
    pub rms: f32,
    /// Largest absolute sample.
    pub peak: f32,
}

impl Level {
    /// RMS in dBFS (-100 for silence), for a meter.
    pub fn rms_dbfs(&self) -> f32 {
        (20.0 * self.rms.max(1e-5).log10()).max(-100.0)
    }

    /// Peak in dBFS (-100 for silence).
    pub fn peak_dbfs(&self) -> f32 {
        (20.0 * self.peak.max(1e-5).log10()).max(-100.0)
    }
}

/// Counters since capture started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaptureStats {
    /// Frames (at the device rate) delivered into the queue.
    pub captured_frames: u64,
    /// Frames lost to a full queue (replaced by silence for the consumer).
    pub dropped_frames: u64,
    /// Over/underruns the device reported.
    pub xruns: u64,
}

/// The counters of a running capture, cheap to clone and poll from another thread.
#[derive(Clone)]
pub struct StatsHandle(Arc<Shared>);

impl StatsHandle {
    /// Counters so far.
    pub fn stats(&self) -> CaptureStats {
        CaptureStats {
            captured_frames: self.0.captured.load(Ordering::Relaxed),
            dropped_frames: self.0.dropped.load(Ordering::Relaxed),
            xruns: self.0.xruns.load(Ordering::Relaxed),
        }
    }
}

/// The stream as opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureInfo {
    /// Device name.
    pub device: String,
    /// Device sample rate in use.
    pub sample_rate: u32,
    /// Device channels in use (two or more are beamformed to one, [`LiveBeamformer`]).
    pub channels: u16,
    /// Sample format in use, e.g. `i16`.
    pub sample_format: String,
    /// True when we convert (the device did not give 16 kHz mono itself).
    pub converting: bool,
}

struct Shared {
    rms_bits: AtomicU32,
    peak_bits: AtomicU32,
    captured: AtomicU64,
    dropped: AtomicU64,
    xruns: AtomicU64,
    failed: Mutex<Option<String>>,
    overflowing: AtomicBool,
    /// The device's delay for the latest buffer (callback time - capture time), in ns.
    delay_ns: AtomicU64,
}

impl Shared {
    fn failure(&self) -> Option<String> {
        self.failed.lock().map(|g| g.clone()).unwrap_or(None)
    }
}

/// A handle on the live level, cheap to clone and poll from a UI thread.
#[derive(Clone)]
pub struct LevelMeter(Arc<Shared>);

impl LevelMeter {
    /// The level over the most recent ~50 ms.
    pub fn level(&self) -> Level {
        Level {
            rms: f32::from_bits(self.0.rms_bits.load(Ordering::Relaxed)),
            peak: f32::from_bits(self.0.peak_bits.load(Ordering::Relaxed)),
        }
    }
}

impl std::fmt::Debug for LevelMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LevelMeter({:?})", self.level())
    }
}

/// One callback's worth of audio: interleaved frames of the captured channels, at the
/// device rate.
struct Chunk {
    samples: Vec<f32>,
    /// Frames dropped (queue full) just before this chunk.
    dropped_before: u64,
}

/// A running capture. Turn it into an [`AudioSource`] with [`Capture::into_source`].
pub struct Capture {
    stream: Option<cpal::Stream>,
    rx: Receiver<Chunk>,
    events_rx: Receiver<CaptureEvent>,
    events_tx: Sender<CaptureEvent>,
    shared: Arc<Shared>,
    info: CaptureInfo,
    options: CaptureOptions,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture").field("info", &self.info).finish()
    }
}

/// Sample formats we can take, best first: 16-bit is what microphones deliver and is
/// bit-exact through `f32`.
const FORMAT_PREFERENCE: [SampleFormat; 8] = [
    SampleFormat::I16,
    SampleFormat::F32,
    SampleFormat::I32,
    SampleFormat::I24,
    SampleFormat::U16,
    SampleFormat::U8,
    SampleFormat::I8,
    SampleFormat::F64,
];

fn find_device(host: &cpal::Host, wanted: &str) -> Result<cpal::Device, CaptureError> {
    let mut names = Vec::new();
    let mut fuzzy = Vec::new();
    let lower = wanted.to_lowercase();
    if let Ok(devices) = host.input_devices() {
        for d in devices {
            let id = d.id().ok();
            let name = d
                .description()
                .map(|x| x.name().to_string())
                .unwrap_or_default();
            let id_full = id.as_ref().map(|i| i.to_string()).unwrap_or_default();
            let id_short = id.as_ref().map(|i| i.id().to_string()).unwrap_or_default();
            if wanted == id_full || wanted == id_short || wanted == name {
                return Ok(d);
            }
            if name.to_lowercase().contains(&lower) {
                fuzzy.push(d);
            }
            names.push(if name.is_empty() { id_full } else { name });
        }
    }
    if fuzzy.len() == 1 {
        return Ok(fuzzy.remove(0));
    }
    // ALSA accepts PCM names (e.g. `plughw:1,0`) that are not enumerated.
    let id = wanted
        .parse::<cpal::DeviceId>()
        .unwrap_or_else(|_| cpal::DeviceId::new(host.id(), wanted));
    if let Some(d) = host.device_by_id(&id) {
        return Ok(d);
    }
    names.dedup();
    Err(CaptureError::DeviceNotFound {
        name: wanted.to_string(),
        available: if names.is_empty() {
            "geen/none".into()
        } else {
            names.join(", ")
        },
    })
}

/// Most channels taken from one device (laptop arrays and speakerphones have 2-4).
pub const MAX_CAPTURE_CHANNELS: u16 = 8;

/// How many channels to capture. A device with a small fixed set of channels (a laptop's
/// array on its own ALSA device, a USB speakerphone, a Windows or macOS input) gives all of
/// them, up to [`MAX_CAPTURE_CHANNELS`]; a device that converts to any count (a sound
/// server's virtual device, PulseAudio's `default`) is asked for as many as its default
/// (two there: a stereo array comes through as it is, a mono microphone twice, which the
/// beamformer passes unchanged).
fn capture_channels(ranges: &[cpal::SupportedStreamConfigRange], default: Option<u16>) -> u16 {
    let usable = ranges
        .iter()
        .filter(|r| FORMAT_PREFERENCE.contains(&r.sample_format()) && r.channels() > 0);
    match usable.map(|r| r.channels()).max() {
        Some(max) if max <= MAX_CAPTURE_CHANNELS => max,
        _ => default.unwrap_or(1).clamp(1, MAX_CAPTURE_CHANNELS),
    }
}

/// Pick the stream config: every channel the device has ([`capture_channels`]), at 16 kHz
/// in the best sample format when it offers that, else at its default or a standard rate
/// (converted here); a device that cannot give that many channels is taken as before: 16 kHz
/// mono when it offers it, else its default.
fn choose_config(
    device: &cpal::Device,
) -> Result<(cpal::StreamConfig, SampleFormat, cpal::SupportedBufferSize), CaptureError> {
    let ranges: Vec<_> = device
        .supported_input_configs()
        .map_err(|e| map_cpal(&e))?
        .collect();
    let supported = pick_config(&ranges, device.default_input_config())?;
    Ok((
        supported.config(),
        supported.sample_format(),
        *supported.buffer_size(),
    ))
}

/// [`choose_config`] over what the device reported.
fn pick_config(
    ranges: &[cpal::SupportedStreamConfigRange],
    default: Result<cpal::SupportedStreamConfig, cpal::Error>,
) -> Result<cpal::SupportedStreamConfig, CaptureError> {
    let usable_default = match &default {
        Ok(c) if FORMAT_PREFERENCE.contains(&c.sample_format()) => Some(*c),
        _ => None,
    };
    let wanted = capture_channels(ranges, default.as_ref().ok().map(|c| c.channels()));
    let at_16k = |channels: u16| {
        FORMAT_PREFERENCE.iter().find_map(|&fmt| {
            ranges
                .iter()
                .find(|r| {
                    r.channels() == channels
                        && r.sample_format() == fmt
                        && r.contains_rate(TARGET_RATE)
                })
                .map(|r| r.with_sample_rate(TARGET_RATE))
        })
    };
    if wanted > 1 {
        let all = at_16k(wanted)
            .or_else(|| usable_default.filter(|c| c.channels() == wanted))
            .or_else(|| {
                FORMAT_PREFERENCE.iter().find_map(|&fmt| {
                    ranges
                        .iter()
                        .find(|r| r.channels() == wanted && r.sample_format() == fmt)
                        .map(|r| {
                            r.try_with_standard_sample_rate()
                                .unwrap_or_else(|| r.with_max_sample_rate())
                        })
                })
            });
        if let Some(c) = all.filter(|c| c.sample_rate() > 0) {
            return Ok(c);
        }
    }
    if let Some(c) = at_16k(1) {
        return Ok(c);
    }
    let supported = match usable_default {
        Some(c) => c,
        None => {
            // The default is unusable; take any range in a format we handle.
            let r = FORMAT_PREFERENCE
                .iter()
                .find_map(|f| {
                    ranges
                        .iter()
                        .find(|r| r.sample_format() == *f && r.channels() > 0)
                })
                .ok_or_else(|| match &default {
                    Err(e) => map_cpal(e),
                    Ok(c) => CaptureError::Backend(format!(
                        "geen bruikbaar sampleformaat ({}) / no usable sample format ({})",
                        c.sample_format(),
                        c.sample_format()
                    )),
                })?;
            r.try_with_standard_sample_rate()
                .unwrap_or_else(|| r.with_max_sample_rate())
        }
    };
    if supported.channels() == 0 || supported.sample_rate() == 0 {
        return Err(CaptureError::Backend(
            "apparaat meldt 0 kanalen of 0 Hz / device reports 0 channels or 0 Hz".into(),
        ));
    }
    Ok(supported)
}

/// The period to ask the device for: about 20 ms, within what it supports. Left to the
/// driver (`None`) when it does not say. The driver's own default can be far larger (the
/// PulseAudio ALSA plugin delivered audio about 1.7 s late), and every millisecond of it is
/// latency before a flag can appear.
fn low_latency_period(rate: u32, supported: &cpal::SupportedBufferSize) -> Option<u32> {
    match supported {
        cpal::SupportedBufferSize::Range { min, max } if *min <= *max && *max > 0 => {
            Some((rate / 50).clamp((*min).max(1), *max))
        }
        _ => None,
    }
}

impl Capture {
    /// Open the device and start capturing. Errors are [`CaptureError`]s (downcast to tell
    /// "no microphone" from other failures).
    pub fn start(options: &CaptureOptions) -> Result<Capture> {
        Ok(Capture::start_inner(options)?)
    }

    fn start_inner(options: &CaptureOptions) -> Result<Capture, CaptureError> {
        let host = cpal::default_host();
        let device = match &options.device {
            Some(name) if !name.trim().is_empty() => find_device(&host, name.trim())?,
            _ => host.default_input_device().ok_or_else(|| {
                CaptureError::NoDevice("geen standaard-invoer / no default input".into())
            })?,
        };
        let device_name = device
            .description()
            .map(|d| d.name().to_string())
            .or_else(|_| device.id().map(|i| i.to_string()))
            .unwrap_or_else(|_| "?".into());
        let (config, format, buffer_sizes) = choose_config(&device)?;
        let channels = config.channels;
        let rate = config.sample_rate;

        // Queue capacity in chunks; callbacks are typically 5-25 ms, assume 256 frames.
        let capacity = ((f64::from(options.queue_seconds.max(1.0)) * f64::from(rate) / 256.0)
            as usize)
            .clamp(64, 1 << 20);
        let (tx, rx) = crossbeam_channel::bounded::<Chunk>(capacity);
        let (events_tx, events_rx) = crossbeam_channel::bounded::<CaptureEvent>(1024);
        let shared = Arc::new(Shared {
            rms_bits: AtomicU32::new(0),
            peak_bits: AtomicU32::new(0),
            captured: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            xruns: AtomicU64::new(0),
            failed: Mutex::new(None),
            overflowing: AtomicBool::new(false),
            delay_ns: AtomicU64::new(0),
        });

        let err_shared = shared.clone();
        let err_events = events_tx.clone();
        let on_error = move |e: cpal::Error| {
            let msg = one_line(&e);
            match e.kind() {
                cpal::ErrorKind::Xrun => {
                    err_shared.xruns.fetch_add(1, Ordering::Relaxed);
                    let _ = err_events.try_send(CaptureEvent::Xrun);
                }
                cpal::ErrorKind::DeviceChanged | cpal::ErrorKind::RealtimeDenied => {
                    let _ = err_events.try_send(CaptureEvent::Warning(msg));
                }
                _ => {
                    if let Ok(mut f) = err_shared.failed.lock() {
                        f.get_or_insert(msg.clone());
                    }
                    let _ = err_events.try_send(CaptureEvent::Failed(msg));
                }
            }
        };

        let make_sink = || CallbackSink {
            tx: tx.clone(),
            events: events_tx.clone(),
            shared: shared.clone(),
            channels: usize::from(channels.max(1)),
            rate,
            window: (rate / 20).max(1) as usize,
            acc_sq: 0.0,
            acc_peak: 0.0,
            acc_n: 0,
            pending_drop: 0,
        };
        let open = |config: cpal::StreamConfig| {
            let sink = make_sink();
            let on_error = on_error.clone();
            match format {
                SampleFormat::I16 => build::<i16>(&device, config, sink, on_error),
                SampleFormat::F32 => build::<f32>(&device, config, sink, on_error),
                SampleFormat::I32 => build::<i32>(&device, config, sink, on_error),
                SampleFormat::I24 => build::<cpal::I24>(&device, config, sink, on_error),
                SampleFormat::U16 => build::<u16>(&device, config, sink, on_error),
                SampleFormat::U8 => build::<u8>(&device, config, sink, on_error),
                SampleFormat::I8 => build::<i8>(&device, config, sink, on_error),
                SampleFormat::F64 => build::<f64>(&device, config, sink, on_error),
                other => Err(cpal::Error::with_message(
                    cpal::ErrorKind::UnsupportedConfig,
                    format!(
                        "sampleformaat {other} niet ondersteund / sample format {other} not supported"
                    ),
                )),
            }
        };
        // A short period first (low latency); the driver's default when it refuses one.
        let stream = match low_latency_period(rate, &buffer_sizes) {
            Some(period) => {
                let mut fixed = config;
                fixed.buffer_size = cpal::BufferSize::Fixed(period);
                match open(fixed) {
                    Ok(s) => Ok(s),
                    Err(e) => {
                        tracing::info!("period of {period} frames refused ({e}); driver default");
                        open(config)
                    }
                }
            }
            None => open(config),
        }
        .map_err(|e| map_cpal(&e))?;
        if let Ok(frames) = stream.buffer_size() {
            tracing::info!("capture period: {frames} frames at {rate} Hz");
        }
        stream.play().map_err(|e| map_cpal(&e))?;

        let info = CaptureInfo {
            device: device_name,
            sample_rate: rate,
            channels,
            sample_format: format.to_string(),
            converting: !(rate == TARGET_RATE && channels == 1),
        };
        tracing::info!("capture started: {info:?}");
        Ok(Capture {
            stream: Some(stream),
            rx,
            events_rx,
            events_tx,
            shared,
            info,
            options: options.clone(),
        })
    }

    /// What was opened.
    pub fn info(&self) -> &CaptureInfo {
        &self.info
    }

    /// A level meter handle for the UI.
    pub fn level_meter(&self) -> LevelMeter {
        LevelMeter(self.shared.clone())
    }

    /// Events (overflow, xrun, failure, stall); a clone of the same receiver, so read it from
    /// one place.
    pub fn events(&self) -> Receiver<CaptureEvent> {
        self.events_rx.clone()
    }

    /// Counters so far.
    pub fn stats(&self) -> CaptureStats {
        self.stats_handle().stats()
    }

    /// A handle on the counters that stays valid after [`Capture::into_source`] (to report
    /// audio lost to a full queue while the pipeline owns the source).
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(self.shared.clone())
    }

    /// The failure message if the stream has died.
    pub fn failure(&self) -> Option<String> {
        self.shared.failure()
    }

    /// Stop capturing. Audio already queued can still be read through the source.
    pub fn stop(&mut self) {
        if let Some(s) = self.stream.take() {
            let _ = s.pause();
            drop(s);
        }
    }

    /// The consumer side as an [`AudioSource`] delivering 16 kHz mono.
    pub fn into_source(self) -> Result<DeviceSource> {
        let resampler = StreamResampler::new(self.info.sample_rate)?;
        let beam = (self.info.channels > 1)
            .then(|| LiveBeamformer::new(usize::from(self.info.channels), self.info.sample_rate));
        Ok(DeviceSource {
            capture: self,
            beam,
            kept: None,
            mono: Vec::new(),
            resampler,
            last_data: Instant::now(),
            stall_reported: false,
            ended: false,
            failed: None,
            zeros: Vec::new(),
            produced: 0,
        })
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The state the audio callback owns.
struct CallbackSink {
    tx: Sender<Chunk>,
    events: Sender<CaptureEvent>,
    shared: Arc<Shared>,
    channels: usize,
    rate: u32,
    window: usize,
    acc_sq: f64,
    acc_peak: f32,
    acc_n: usize,
    pending_drop: u64,
}

impl CallbackSink {
    /// Meters and queues one callback's interleaved frames.
    fn deliver(&mut self, samples: Vec<f32>) {
        for &v in &samples {
            self.acc_sq += f64::from(v) * f64::from(v);
            self.acc_peak = self.acc_peak.max(v.abs());
        }
        let frames = (samples.len() / self.channels.max(1)) as u64;
        self.acc_n += frames as usize;
        if self.acc_n >= self.window {
            let rms = (self.acc_sq / (self.acc_n * self.channels.max(1)) as f64).sqrt() as f32;
            self.shared.rms_bits.store(rms.to_bits(), Ordering::Relaxed);
            self.shared
                .peak_bits
                .store(self.acc_peak.to_bits(), Ordering::Relaxed);
            self.acc_sq = 0.0;
            self.acc_peak = 0.0;
            self.acc_n = 0;
        }
        match self.tx.try_send(Chunk {
            samples,
            dropped_before: self.pending_drop,
        }) {
            Ok(()) => {
                self.pending_drop = 0;
                self.shared.captured.fetch_add(frames, Ordering::Relaxed);
                self.shared.overflowing.store(false, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_)) => {
                self.pending_drop += frames;
                let total = self.shared.dropped.fetch_add(frames, Ordering::Relaxed) + frames;
                if !self.shared.overflowing.swap(true, Ordering::Relaxed) {
                    let _ = self.events.try_send(CaptureEvent::Overflow {
                        dropped_frames: total,
                    });
                }
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut sink: CallbackSink,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], info: &cpal::InputCallbackInfo| {
            // `capture` is when the buffer's first frame was captured; keep the delay of its
            // last frame (what arrives now).
            let ts = info.timestamp();
            let frames = data.len() / sink.channels.max(1);
            let span = Duration::from_secs_f64(frames as f64 / f64::from(sink.rate.max(1)));
            let delay = ts.callback.duration_since(ts.capture).saturating_sub(span);
            sink.shared.delay_ns.store(
                delay.as_nanos().min(u128::from(u64::MAX)) as u64,
                Ordering::Relaxed,
            );
            // Whole frames only; the channels stay apart (beamformed by the consumer).
            let whole = frames * sink.channels.max(1);
            sink.deliver(
                data[..whole]
                    .iter()
                    .map(|&s| f32::from_sample_(s))
                    .collect(),
            );
        },
        on_error,
        Some(Duration::from_secs(5)),
    )
}

/// The microphone as an [`AudioSource`] (16 kHz mono). `read` waits up to 50 ms for audio.
pub struct DeviceSource {
    capture: Capture,
    /// Two or more channels are lined up and summed before resampling.
    beam: Option<LiveBeamformer>,
    /// Two or more channels, each kept at 16 kHz ([`AudioSource::take_channels`]).
    kept: Option<ChannelKeeper>,
    /// One channel at the device rate (the beamformer's output).
    mono: Vec<f32>,
    resampler: StreamResampler,
    last_data: Instant,
    stall_reported: bool,
    ended: bool,
    failed: Option<String>,
    zeros: Vec<f32>,
    /// 16 kHz samples delivered so far.
    produced: u64,
}

impl std::fmt::Debug for DeviceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSource")
            .field("info", &self.capture.info)
            .finish()
    }
}

impl DeviceSource {
    /// Keeps every microphone of an array as it was heard too, each at 16 kHz
    /// ([`AudioSource::take_channels`], which the reader must then call after each `read`:
    /// what it does not take piles up), for a session to save. One channel: nothing to keep.
    pub fn keep_channels(mut self, on: bool) -> Result<DeviceSource> {
        let channels = usize::from(self.capture.info.channels);
        self.kept = (on && channels > 1)
            .then(|| ChannelKeeper::new(channels, self.capture.info.sample_rate))
            .transpose()?;
        Ok(self)
    }

    /// The capture behind this source (info, level meter, events, stats).
    pub fn capture(&self) -> &Capture {
        &self.capture
    }

    /// Stop the device; the audio already queued is still delivered, then `End`.
    pub fn stop(&mut self) {
        self.capture.stop();
    }

    fn take_chunk(&mut self, chunk: Chunk, out: &mut Vec<f32>) -> Result<()> {
        let channels = usize::from(self.capture.info.channels.max(1));
        if chunk.dropped_before > 0 {
            // Keep positions exact: the lost stretch becomes silence.
            let mut left = chunk.dropped_before;
            while left > 0 {
                let n = left.min(1 << 16) as usize;
                self.zeros.clear();
                self.zeros.resize(n * channels, 0.0);
                let zeros = std::mem::take(&mut self.zeros);
                let r = self.one_channel(&zeros, out);
                self.zeros = zeros;
                r?;
                left -= n as u64;
            }
        }
        self.one_channel(&chunk.samples, out)
    }

    /// Interleaved device frames to one channel (beamformed when there are several), then
    /// resampled to 16 kHz into `out`.
    fn one_channel(&mut self, interleaved: &[f32], out: &mut Vec<f32>) -> Result<()> {
        if let Some(k) = self.kept.as_mut()
            && k.push(interleaved).is_err()
        {
            // Only the copies are lost; the session then keeps its one channel alone.
            self.kept = None;
        }
        match self.beam.as_mut() {
            Some(beam) => {
                self.mono.clear();
                beam.push(interleaved, &mut self.mono);
                self.resampler.push(&self.mono, out)
            }
            None => self.resampler.push(interleaved, out),
        }
    }

    /// The end of the stream: what the beamformer and the resampler still hold.
    fn finish(&mut self, out: &mut Vec<f32>) -> Result<()> {
        if let Some(k) = self.kept.as_mut()
            && k.finish().is_err()
        {
            self.kept = None;
        }
        if let Some(beam) = self.beam.as_mut() {
            self.mono.clear();
            beam.flush(&mut self.mono);
            self.resampler.push(&self.mono, out)?;
        }
        self.resampler.finish(out)
    }
}

impl AudioSource for DeviceSource {
    fn stop(&mut self) {
        DeviceSource::stop(self)
    }

    fn kept_channels(&self) -> usize {
        self.kept.as_ref().map_or(0, ChannelKeeper::channels)
    }

    fn take_channels(&mut self, out: &mut Vec<f32>) {
        match self.kept.as_mut() {
            Some(k) => k.take(out),
            None => out.clear(),
        }
    }

    fn is_live(&self) -> bool {
        true
    }

    /// The device's own delay plus what the beamformer and the resampler still hold.
    fn delivery_delay(&self) -> Duration {
        let rate = f64::from(self.capture.info.sample_rate.max(1));
        let device = Duration::from_nanos(self.capture.shared.delay_ns.load(Ordering::Relaxed))
            + Duration::from_secs_f64(
                self.beam.as_ref().map_or(0, |b| b.latency_frames()) as f64 / rate,
            );
        let held = self
            .resampler
            .expected_output()
            .saturating_sub(self.produced);
        device + Duration::from_secs_f64(held as f64 / f64::from(TARGET_RATE))
    }

    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead> {
        out.clear();
        if self.ended {
            return Ok(SourceRead::End);
        }
        match self.capture.rx.recv_timeout(Duration::from_millis(50)) {
            Ok(chunk) => {
                self.last_data = Instant::now();
                self.stall_reported = false;
                self.take_chunk(chunk, out)?;
                // Catch up in bigger bites when the queue has backed up.
                while out.len() < 16_000 {
                    match self.capture.rx.try_recv() {
                        Ok(chunk) => self.take_chunk(chunk, out)?,
                        Err(_) => break,
                    }
                }
                self.produced += out.len() as u64;
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Some(msg) = self.capture.failure()
                    && self.capture.rx.is_empty()
                {
                    // The stream is dead and its audio has been read: deliver the resampler's
                    // tail now, report the failure on the next call.
                    if self.failed.is_none() {
                        self.failed = Some(msg);
                        self.finish(out)?;
                        self.capture.stop();
                        if !out.is_empty() {
                            return Ok(SourceRead::Samples(out.len()));
                        }
                    }
                    self.ended = true;
                    let msg = self.failed.clone().unwrap_or_default();
                    return Err(CaptureError::DeviceLost(one_line(&msg)).into());
                }
                let idle = self.last_data.elapsed();
                if idle >= self.capture.options.stall_after && !self.stall_reported {
                    self.stall_reported = true;
                    let _ = self.capture.events_tx.try_send(CaptureEvent::Stalled {
                        seconds: idle.as_secs_f32(),
                    });
                }
                if idle >= self.capture.options.lost_after
                    && let Ok(mut f) = self.capture.shared.failed.lock()
                    && f.is_none()
                {
                    // Reported by the failure path above on the next call.
                    let secs = idle.as_secs();
                    *f = Some(format!(
                        "geen audio meer sinds {secs} s / no audio for {secs} s"
                    ));
                    let _ = self
                        .capture
                        .events_tx
                        .try_send(CaptureEvent::Failed(format!("no audio for {secs} s")));
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.ended = true;
                self.finish(out)?;
            }
        }
        if out.is_empty() {
            if self.ended {
                return Ok(SourceRead::End);
            }
            return Ok(SourceRead::Pending);
        }
        Ok(SourceRead::Samples(out.len()))
    }

    fn describe(&self) -> String {
        self.capture.info.device.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A capture with no device behind it: the test plays the audio callback.
    fn fake(rate: u32) -> (Capture, CallbackSink) {
        fake_with(rate, 1, 4)
    }

    /// [`fake`] with `channels` interleaved channels and a queue of `capacity` chunks.
    fn fake_with(rate: u32, channels: u16, capacity: usize) -> (Capture, CallbackSink) {
        let (tx, rx) = crossbeam_channel::bounded::<Chunk>(capacity);
        let (events_tx, events_rx) = crossbeam_channel::bounded(16);
        let shared = Arc::new(Shared {
            rms_bits: AtomicU32::new(0),
            peak_bits: AtomicU32::new(0),
            captured: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            xruns: AtomicU64::new(0),
            failed: Mutex::new(None),
            overflowing: AtomicBool::new(false),
            delay_ns: AtomicU64::new(0),
        });
        let sink = CallbackSink {
            tx,
            events: events_tx.clone(),
            shared: shared.clone(),
            channels: usize::from(channels),
            rate,
            window: 100,
            acc_sq: 0.0,
            acc_peak: 0.0,
            acc_n: 0,
            pending_drop: 0,
        };
        let capture = Capture {
            stream: None,
            rx,
            events_rx,
            events_tx,
            shared,
            info: CaptureInfo {
                device: "fake".into(),
                sample_rate: rate,
                channels,
                sample_format: "f32".into(),
                converting: rate != TARGET_RATE || channels != 1,
            },
            options: CaptureOptions::default(),
        };
        (capture, sink)
    }

    /// `n` samples of deterministic white noise in -0.5..0.5 (a voice-like wide band).
    fn noise(n: usize) -> Vec<f32> {
        let mut x = 12345u64;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect()
    }

    fn read_all(src: &mut DeviceSource) -> (Vec<f32>, Option<String>) {
        let mut all = Vec::new();
        let mut buf = Vec::new();
        loop {
            match src.read(&mut buf) {
                Ok(SourceRead::Samples(_)) => all.extend_from_slice(&buf),
                Ok(SourceRead::Pending) => {}
                Ok(SourceRead::End) => return (all, None),
                Err(e) => return (all, Some(format!("{e:#}"))),
            }
        }
    }

    #[test]
    fn overflow_becomes_counted_silence_and_level_is_metered() {
        let (capture, mut sink) = fake(16000);
        let meter = capture.level_meter();
        let events = capture.events();
        let mut src = capture.into_source().unwrap();
        // Queue of 4: the 5th and 6th chunks overflow, the 7th carries the gap.
        for _ in 0..7 {
            sink.deliver(vec![0.5; 100]);
        }
        assert_eq!(src.capture().stats().dropped_frames, 300);
        assert_eq!(
            events.try_recv().unwrap(),
            CaptureEvent::Overflow {
                dropped_frames: 100
            }
        );
        let level = meter.level();
        assert!((level.peak - 0.5).abs() < 1e-6 && (level.rms - 0.5).abs() < 1e-6);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Ok(SourceRead::Samples(_)) = src.read(&mut buf) {
            got.extend_from_slice(&buf);
        }
        // 4 chunks of audio; the next delivery carries the 300 lost frames as zeros.
        assert_eq!(got, vec![0.5; 400]);
        sink.deliver(vec![0.25; 100]);
        drop(sink); // the stream is gone: the source ends after the queue
        let (rest, err) = read_all(&mut src);
        assert!(err.is_none());
        assert_eq!(rest.len(), 400);
        assert!(rest[..300].iter().all(|v| *v == 0.0));
        assert!(rest[300..].iter().all(|v| *v == 0.25));
    }

    #[test]
    fn device_lost_delivers_queued_audio_then_one_line_error() {
        let (capture, mut sink) = fake(48000);
        let shared = capture.shared.clone();
        let mut src = capture.into_source().unwrap();
        sink.deliver(vec![0.1; 4800]);
        *shared.failed.lock().unwrap() = Some("device\nunplugged".into());
        let (audio, err) = read_all(&mut src);
        // 4800 frames at 48 kHz = 1600 at 16 kHz, including the resampler's flushed tail.
        assert_eq!(audio.len(), 1600);
        let err = err.expect("an error");
        assert!(err.contains("weggevallen") && err.contains("lost"), "{err}");
        assert!(!err.contains('\n'));
        let mut buf = Vec::new();
        assert_eq!(src.read(&mut buf).unwrap(), SourceRead::End);
        drop(sink);
    }

    #[test]
    fn a_stream_that_stops_delivering_counts_as_lost_after_its_queue_is_read() {
        let (mut capture, mut sink) = fake(16000);
        capture.options.stall_after = Duration::from_millis(50);
        capture.options.lost_after = Duration::from_millis(200);
        let events = capture.events();
        let mut src = capture.into_source().unwrap();
        sink.deliver(vec![0.2; 800]);
        // The sink stays alive (no disconnect) but delivers nothing more.
        let (audio, err) = read_all(&mut src);
        assert_eq!(audio.len(), 800);
        let err = err.expect("an error");
        assert!(
            err.contains("no audio for") && err.contains("lost"),
            "{err}"
        );
        let seen: Vec<CaptureEvent> = events.try_iter().collect();
        assert!(
            seen.iter()
                .any(|e| matches!(e, CaptureEvent::Stalled { .. }))
        );
        assert!(seen.iter().any(|e| matches!(e, CaptureEvent::Failed(_))));
        drop(sink);
    }

    #[test]
    fn every_microphone_is_captured_and_lined_up() {
        // A 2-mic array at 16 kHz; the second microphone hears the voice 3 samples later.
        // The source delivers one channel: the voice itself once the first second has been
        // measured, not the comb-filtered average of the two.
        let (capture, mut sink) = fake_with(16000, 2, 1000);
        let mut src = capture.into_source().unwrap();
        let voice = noise(48_000);
        let frames: Vec<f32> = (0..voice.len())
            .flat_map(|t| [voice[t], if t >= 3 { voice[t - 3] } else { 0.0 }])
            .collect();
        let reader = std::thread::spawn(move || read_all(&mut src));
        for chunk in frames.chunks(2 * 320) {
            sink.deliver(chunk.to_vec());
        }
        assert_eq!(sink.shared.captured.load(Ordering::Relaxed), 48_000);
        drop(sink);
        let (out, err) = reader.join().unwrap();
        assert!(err.is_none(), "{err:?}");
        assert_eq!(out.len(), voice.len(), "one sample per frame, none lost");
        let power = |v: &[f32]| v.iter().map(|a| a * a).sum::<f32>() / v.len() as f32;
        let diff: Vec<f32> = (20_000..46_000).map(|t| out[t] - voice[t]).collect();
        assert!(power(&diff) < 0.01 * power(&voice[20_000..46_000]));
    }

    #[test]
    fn every_microphone_is_kept_at_16k_only_when_asked() {
        // A 2-mic array at 48 kHz: the second microphone hears the voice 3 samples later at
        // half the level. Kept, each channel comes out at 16 kHz as itself, as many frames as
        // the one channel delivered; not asked for (the start screen's meter), nothing piles up.
        let voice = noise(96_000);
        let frames: Vec<f32> = (0..voice.len())
            .flat_map(|t| [voice[t], if t >= 3 { 0.5 * voice[t - 3] } else { 0.0 }])
            .collect();
        for keep in [true, false] {
            let (capture, mut sink) = fake_with(48_000, 2, 1000);
            let mut src = capture.into_source().unwrap().keep_channels(keep).unwrap();
            assert_eq!(src.kept_channels(), if keep { 2 } else { 0 });
            let reader = std::thread::spawn(move || {
                let (mut mono, mut kept, mut buf, mut ch) = (0, Vec::new(), Vec::new(), Vec::new());
                loop {
                    let r = src.read(&mut buf);
                    src.take_channels(&mut ch);
                    kept.extend_from_slice(&ch);
                    match r {
                        Ok(SourceRead::Samples(n)) => mono += n,
                        Ok(SourceRead::Pending) => {}
                        _ => return (mono, kept),
                    }
                }
            });
            for chunk in frames.chunks(2 * 960) {
                sink.deliver(chunk.to_vec());
            }
            drop(sink);
            let (mono, kept) = reader.join().unwrap();
            assert_eq!(mono, 32_000);
            if !keep {
                assert!(kept.is_empty());
                continue;
            }
            assert_eq!(
                kept.len(),
                2 * mono,
                "each channel as long as the recording"
            );
            let power = |v: &[f32]| v.iter().map(|a| a * a).sum::<f32>() / v.len() as f32;
            let left: Vec<f32> = kept.iter().step_by(2).copied().collect();
            let right: Vec<f32> = kept.iter().skip(1).step_by(2).copied().collect();
            let ratio = power(&right) / power(&left);
            assert!((ratio - 0.25).abs() < 0.02, "{ratio}");
        }
    }

    #[test]
    fn the_config_takes_every_channel_a_device_has() {
        use cpal::{SupportedBufferSize, SupportedStreamConfig, SupportedStreamConfigRange};
        let range = |ch: u16, lo: u32, hi: u32, f: SampleFormat| {
            SupportedStreamConfigRange::new(ch, lo, hi, SupportedBufferSize::Unknown, f)
        };
        let default = |ch: u16, rate: u32, f: SampleFormat| {
            Ok(SupportedStreamConfig::new(
                ch,
                rate,
                SupportedBufferSize::Unknown,
                f,
            ))
        };
        let pick = |ranges: &[SupportedStreamConfigRange], d| {
            let c = pick_config(ranges, d).unwrap();
            (c.channels(), c.sample_rate(), c.sample_format())
        };
        // A USB speakerphone with four microphones.
        let usb = [range(4, 16_000, 48_000, SampleFormat::I16)];
        assert_eq!(
            pick(&usb, default(4, 48_000, SampleFormat::I16)),
            (4, 16_000, SampleFormat::I16)
        );
        // A laptop array that only runs at 48 kHz: all channels in its default format,
        // converted here.
        let hw = [
            range(2, 48_000, 48_000, SampleFormat::I32),
            range(2, 48_000, 48_000, SampleFormat::I16),
        ];
        assert_eq!(
            pick(&hw, default(2, 48_000, SampleFormat::I32)),
            (2, 48_000, SampleFormat::I32)
        );
        // A sound server's virtual device takes any count: its default's (two).
        let server: Vec<_> = (1..=32)
            .flat_map(|ch| {
                [
                    range(ch, 1, 384_000, SampleFormat::F32),
                    range(ch, 1, 384_000, SampleFormat::I16),
                ]
            })
            .collect();
        assert_eq!(
            pick(&server, default(2, 44_100, SampleFormat::F32)),
            (2, 16_000, SampleFormat::I16)
        );
        // A mono microphone stays mono.
        let mono = [range(1, 8_000, 48_000, SampleFormat::I16)];
        assert_eq!(
            pick(&mono, default(1, 48_000, SampleFormat::I16)),
            (1, 16_000, SampleFormat::I16)
        );
        // Nothing usable: a one-line error, not a panic.
        let odd = [range(2, 48_000, 48_000, SampleFormat::DsdU8)];
        assert!(pick_config(&odd, default(2, 48_000, SampleFormat::DsdU8)).is_err());
    }
}
