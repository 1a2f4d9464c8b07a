//! Input devices for the start screen: which microphones there are, a preview level meter and
//! the room check before a session ([`crate::audio::room::RoomMeter`] on the same audio), all
//! through `crate::audio::capture` and on background threads, so a slow or missing sound
//! system never blocks the UI. (The live session's level comes from the pipeline's
//! `Level` events; the preview meter is closed before the pipeline opens the device.)

use crossbeam_channel::Receiver;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::audio::capture::{Capture, CaptureOptions, LevelMeter};
use crate::audio::room::{RoomEstimate, RoomMeter};
use crate::audio::source::{AudioSource, SourceRead};

/// Opens a device by id as a 16 kHz mono source: stands in for the sound system (tests feed
/// recordings through it).
pub type DeviceOpener = Arc<dyn Fn(&str) -> anyhow::Result<Box<dyn AudioSource>> + Send + Sync>;

/// The room check before a session looks back over this much audio.
const ROOM_PREVIEW_SECONDS: f32 = 20.0;

/// One usable input device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// What the capture and the pipeline accept (`host:device`).
    pub id: String,
    /// What the user sees.
    pub name: String,
}

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceList {
    /// Input devices that can actually be opened.
    pub devices: Vec<Device>,
    /// Id of the system default input, when usable.
    pub default: Option<String>,
}

impl DeviceList {
    /// Display name of a device id.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.devices
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.as_str())
    }
}

/// Lists devices in the background and keeps a preview meter on the chosen one.
pub struct DeviceProbe {
    rx: Option<Receiver<DeviceList>>,
    pub result: Option<DeviceList>,
    meter: Option<Meter>,
    opener: Option<DeviceOpener>,
}

/// A preview meter on one device: capture runs on its own thread until dropped.
struct Meter {
    device: String,
    shown: Shown,
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.shown.stop.store(true, Ordering::Relaxed);
    }
}

impl DeviceProbe {
    /// Starts listing the input devices in the background.
    pub fn start() -> DeviceProbe {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = thread::Builder::new()
            .name("observant-devices".into())
            .spawn(move || {
                let _ = tx.send(list_inputs());
            });
        DeviceProbe {
            rx: spawned.ok().map(|_| rx),
            result: None,
            meter: None,
            opener: None,
        }
    }

    /// A probe with a known result (tests, or when probing is not wanted).
    pub fn fixed(list: DeviceList) -> DeviceProbe {
        DeviceProbe {
            rx: None,
            result: Some(list),
            meter: None,
            opener: None,
        }
    }

    /// A probe with a known list whose devices open through `opener` instead of the sound
    /// system (tests: a recording stands in for the microphone).
    pub fn stand_in(list: DeviceList, opener: DeviceOpener) -> DeviceProbe {
        DeviceProbe {
            opener: Some(opener),
            ..DeviceProbe::fixed(list)
        }
    }

    /// Picks up the background result when it is there.
    pub fn poll(&mut self) {
        let Some(rx) = &self.rx else { return };
        match rx.try_recv() {
            Ok(list) => {
                self.result = Some(list);
                self.rx = None;
            }
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.result = Some(DeviceList::default());
                self.rx = None;
            }
            Err(crossbeam_channel::TryRecvError::Empty) => {}
        }
    }

    /// Still probing?
    pub fn probing(&self) -> bool {
        self.result.is_none() && self.rx.is_some()
    }

    /// Preview level (0..1 RMS) of device `id`, opening a meter on it when needed; `None`
    /// while it opens or when the device gives no audio.
    pub fn level(&mut self, id: &str) -> Option<f32> {
        if self.meter.as_ref().is_none_or(|m| m.device != id) {
            self.meter = Some(open_meter(id, self.opener.clone()));
        }
        self.meter
            .as_ref()
            .filter(|m| m.shown.ok.load(Ordering::Relaxed))
            .map(|m| f32::from_bits(m.shown.level.load(Ordering::Relaxed)))
    }

    /// The room check on the device being previewed (after a few seconds of audio).
    pub fn room(&self) -> Option<RoomEstimate> {
        let meter = self.meter.as_ref()?;
        *meter.shown.room.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the preview meter (before the live pipeline opens the device).
    pub fn close_meter(&mut self) {
        self.meter = None;
    }
}

/// The devices the capture module can actually open for input, with the default marked.
fn list_inputs() -> DeviceList {
    let mut list = DeviceList::default();
    for d in crate::audio::capture::usable_input_devices() {
        if d.is_default {
            list.default = Some(d.id.clone());
        }
        list.devices.push(Device {
            id: d.id,
            name: d.name,
        });
    }
    list
}

fn open_meter(id: &str, opener: Option<DeviceOpener>) -> Meter {
    let meter = Meter {
        device: id.to_string(),
        shown: Shown::default(),
    };
    let (device, shown) = (id.to_string(), meter.shown.clone());
    let _ = thread::Builder::new()
        .name("observant-meter".into())
        .spawn(move || run_meter(device, opener, shown));
    meter
}

/// What the meter thread shares with the start screen.
#[derive(Clone, Default)]
struct Shown {
    level: Arc<AtomicU32>,
    ok: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    room: Arc<Mutex<Option<RoomEstimate>>>,
}

/// Opens the device (the capture's own level meter) or its stand-in (the level of each read).
fn open_source(
    device: String,
    opener: Option<DeviceOpener>,
) -> Option<(Box<dyn AudioSource>, Option<LevelMeter>)> {
    if let Some(open) = opener {
        return open(&device).ok().map(|s| (s, None));
    }
    let capture = Capture::start(&CaptureOptions {
        device: Some(device),
        queue_seconds: 2.0,
        ..Default::default()
    })
    .ok()?;
    let meter = capture.level_meter();
    let source = capture.into_source().ok()?;
    Some((Box::new(source), Some(meter)))
}

fn run_meter(device: String, opener: Option<DeviceOpener>, shown: Shown) {
    let Some((mut source, meter)) = open_source(device, opener) else {
        return;
    };
    shown.ok.store(true, Ordering::Relaxed);
    let mut room = RoomMeter::with_span(ROOM_PREVIEW_SECONDS);
    let mut unchecked = 0usize;
    let mut buf = Vec::new();
    let publish = |room: &RoomMeter| {
        *shown.room.lock().unwrap_or_else(|e| e.into_inner()) = room.estimate();
    };
    while !shown.stop.load(Ordering::Relaxed) {
        // The audio feeds the room check and is not kept; reading keeps the queue drained.
        let rms = match source.read(&mut buf) {
            Ok(SourceRead::Samples(_)) => {
                room.push(&buf);
                unchecked += buf.len();
                if unchecked >= 16_000 {
                    unchecked = 0;
                    publish(&room);
                }
                let sum: f32 = buf.iter().map(|x| x * x).sum();
                (sum / buf.len().max(1) as f32).sqrt()
            }
            Ok(SourceRead::Pending) => 0.0,
            Ok(SourceRead::End) | Err(_) => break,
        };
        let level = meter.as_ref().map_or(rms, |m| m.level().rms);
        shown.level.store(level.to_bits(), Ordering::Relaxed);
    }
    publish(&room);
    shown.ok.store(false, Ordering::Relaxed);
    source.stop();
}
