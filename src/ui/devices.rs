//! Input devices for the start screen: which microphones there are and a preview level meter.
//! Runs cpal on a background thread so a slow or missing sound system never blocks the UI.
//! (A stopgap until `crate::audio` offers a device list and level probe of its own; the live
//! session's level comes from the pipeline's `Level` events.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceList {
    /// Input devices that can actually be opened (have a default input configuration).
    pub devices: Vec<String>,
    /// The system default input, when usable.
    pub default: Option<String>,
}

/// Result of probing in the background; `None` while it runs.
pub struct DeviceProbe {
    rx: Option<Receiver<DeviceList>>,
    pub result: Option<DeviceList>,
    meter: Option<Meter>,
}

/// A preview meter on one device: the stream lives on its own thread until dropped.
struct Meter {
    device: String,
    level: Arc<AtomicU32>,
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

    /// Preview level (0..1 RMS) of `device`, opening a meter on it when needed.
    pub fn level(&mut self, device: &str) -> Option<f32> {
        if self.meter.as_ref().is_none_or(|m| m.device != device) {
            self.meter = open_meter(device);
        }
        self.meter
            .as_ref()
            .map(|m| f32::from_bits(m.level.load(Ordering::Relaxed)))
    }

    /// Closes the preview meter (before the live pipeline opens the device).
    pub fn close_meter(&mut self) {
        self.meter = None;
    }
}

fn list_inputs() -> DeviceList {
    use cpal::traits::{DeviceTrait, HostTrait};
    let host = cpal::default_host();
    // ALSA's "null" device accepts a stream but only ever delivers zeros: not a microphone.
    let usable = |d: &cpal::Device| {
        !d.id().is_ok_and(|id| id.to_string().ends_with(":null"))
            && d.default_input_config().is_ok()
    };
    let default = host
        .default_input_device()
        .filter(usable)
        .map(|d| d.to_string());
    let mut devices: Vec<String> = match host.input_devices() {
        Ok(it) => it.filter(usable).map(|d| d.to_string()).collect(),
        Err(_) => Vec::new(),
    };
    if let Some(d) = &default
        && !devices.contains(d)
    {
        devices.insert(0, d.clone());
    }
    devices.dedup();
    DeviceList { devices, default }
}

fn open_meter(device: &str) -> Option<Meter> {
    let level = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (ok_tx, ok_rx): (Sender<bool>, Receiver<bool>) = crossbeam_channel::bounded(1);
    let (lv, st, name) = (level.clone(), stop.clone(), device.to_string());
    thread::Builder::new()
        .name("observant-meter".into())
        .spawn(move || run_meter(&name, lv, st, ok_tx))
        .ok()?;
    match ok_rx.recv_timeout(Duration::from_secs(2)) {
        Ok(true) => Some(Meter {
            device: device.to_string(),
            level,
            stop,
        }),
        _ => {
            stop.store(true, Ordering::Relaxed);
            None
        }
    }
}

fn run_meter(name: &str, level: Arc<AtomicU32>, stop: Arc<AtomicBool>, ok: Sender<bool>) {
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    let host = cpal::default_host();
    let device = host
        .input_devices()
        .ok()
        .and_then(|mut it| it.find(|d| d.to_string() == name));
    let Some(device) = device else {
        let _ = ok.send(false);
        return;
    };
    let Ok(config) = device.default_input_config() else {
        let _ = ok.send(false);
        return;
    };
    let lv = level.clone();
    let stream = device.build_input_stream::<f32, _, _>(
        config.config(),
        move |data: &[f32], _| {
            if data.is_empty() {
                return;
            }
            let rms = (data.iter().map(|s| s * s).sum::<f32>() / data.len() as f32).sqrt();
            let prev = f32::from_bits(lv.load(Ordering::Relaxed));
            let smoothed = if rms > prev {
                rms
            } else {
                prev * 0.85 + rms * 0.15
            };
            lv.store(smoothed.to_bits(), Ordering::Relaxed);
        },
        |_| {},
        Some(Duration::from_secs(2)),
    );
    let Ok(stream) = stream else {
        let _ = ok.send(false);
        return;
    };
    if stream.play().is_err() {
        let _ = ok.send(false);
        return;
    }
    let _ = ok.send(true);
    while !stop.load(Ordering::Relaxed) {
        thread::sleep(Duration::from_millis(100));
    }
    drop(stream);
}
