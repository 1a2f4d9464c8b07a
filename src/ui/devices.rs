//! Input devices for the start screen: which microphones there are and a preview level meter,
//! both through `crate::audio::capture` and both on background threads, so a slow or missing
//! sound system never blocks the UI. (The live session's level comes from the pipeline's
//! `Level` events; the preview meter is closed before the pipeline opens the device.)

use crossbeam_channel::Receiver;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;

use crate::audio::capture::{Capture, CaptureOptions};
use crate::audio::source::{AudioSource, SourceRead};

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
}

/// A preview meter on one device: capture runs on its own thread until dropped.
struct Meter {
    device: String,
    level: Arc<AtomicU32>,
    ok: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
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
        }
    }

    /// A probe with a known result (tests, or when probing is not wanted).
    pub fn fixed(list: DeviceList) -> DeviceProbe {
        DeviceProbe {
            rx: None,
            result: Some(list),
            meter: None,
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
            self.meter = Some(open_meter(id));
        }
        self.meter
            .as_ref()
            .filter(|m| m.ok.load(Ordering::Relaxed))
            .map(|m| f32::from_bits(m.level.load(Ordering::Relaxed)))
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

fn open_meter(id: &str) -> Meter {
    let meter = Meter {
        device: id.to_string(),
        level: Arc::new(AtomicU32::new(0)),
        ok: Arc::new(AtomicBool::new(false)),
        stop: Arc::new(AtomicBool::new(false)),
    };
    let (level, ok, stop) = (meter.level.clone(), meter.ok.clone(), meter.stop.clone());
    let device = id.to_string();
    let _ = thread::Builder::new()
        .name("observant-meter".into())
        .spawn(move || run_meter(device, level, ok, stop));
    meter
}

fn run_meter(device: String, level: Arc<AtomicU32>, ok: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    let Ok(capture) = Capture::start(&CaptureOptions {
        device: Some(device),
        queue_seconds: 2.0,
        ..Default::default()
    }) else {
        return;
    };
    let meter = capture.level_meter();
    let Ok(mut source) = capture.into_source() else {
        return;
    };
    ok.store(true, Ordering::Relaxed);
    let mut buf = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        // Reading keeps the capture queue drained; the audio itself is not kept.
        match source.read(&mut buf) {
            Ok(SourceRead::Samples(_)) | Ok(SourceRead::Pending) => {}
            Ok(SourceRead::End) | Err(_) => break,
        }
        level.store(meter.level().rms.to_bits(), Ordering::Relaxed);
    }
    ok.store(false, Ordering::Relaxed);
    source.stop();
}
