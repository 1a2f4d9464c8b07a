//! `observant listen`: the live pipeline without the GUI. Opens the input device (or a file
//! with `--input-file`), writes one JSON object per event to stdout, and stops cleanly on
//! SIGINT/SIGTERM, `--duration`, or the end of the stream, flushing pending audio first.
//! A lost input device ends it with a one-line error and a non-zero exit, after the audio
//! captured so far has gone through the pipeline and the saved session is complete.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::ListenArgs;
use crate::audio::capture::{Capture, CaptureOptions, list_input_devices};
use crate::audio::source::{AudioSource, FileSource, Paced};
use crate::i18n::UiLang;
use crate::pipeline::{Command, Event, live};

pub fn run(a: &ListenArgs, ui: UiLang, verbose: bool) -> Result<()> {
    if a.list_devices {
        return print_devices(ui);
    }
    if let Some(d) = a.duration {
        anyhow::ensure!(
            d.is_finite() && d > 0.0,
            "--duration moet positief zijn / must be positive"
        );
    }
    // Audio retention from the settings (a bad settings file is an error before anything).
    crate::settings::apply_retention_at_start()?;
    let secret = a.session.secret()?;
    if a.save.is_some() && secret.is_none() {
        eprintln!(
            "observant: {}",
            ui.t(
                "let op: sessie wordt NIET versleuteld opgeslagen (geef --passphrase-file of OBSERVANT_PASSPHRASE)",
                "warning: the session is saved UNENCRYPTED (give --passphrase-file or OBSERVANT_PASSPHRASE)",
            )
        );
    }
    // The model before the device: a missing model is the clearer message.
    let model = a
        .speech
        .model
        .clone()
        .unwrap_or_else(crate::default_model_path);
    crate::asr::models::inspect(&model)?;
    let (source, device, capture_stats) = open_source(a)?;
    let setup = super::analyze::analysis_setup(&a.session, UiLang::default())?;
    let mut parts = live::parts_from_options(
        &a.speech.options(None),
        &a.session.options(),
        setup,
        a.save.clone(),
        source,
        device,
        verbose,
    )?;
    parts.secret = secret;
    // SIGINT/SIGTERM -> Stop (the pipeline then flushes and says Stopped). The handlers are
    // in place before capture starts, so an early signal cannot kill the process unflushed.
    let sig_rx = watch_signals()?;

    let pipeline = live::start_with(parts)?;
    let commands = pipeline.handle.commands.clone();
    let events = pipeline.handle.events.clone();

    let started = Instant::now();
    let deadline = a.duration.map(Duration::from_secs_f64);
    let mut stop_sent = false;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut fatal: Option<String> = None;
    let mut dropped_reported = 0u64;
    let mut last_drop_check = Instant::now();
    let mut printed = std::collections::HashSet::new();
    let mut printed_flags: Vec<crate::analysis::Flag> = Vec::new();
    loop {
        if !stop_sent && sig_rx.try_recv().is_ok() {
            let _ = commands.send(Command::Stop);
            stop_sent = true;
        }
        if let Some(d) = deadline
            && !stop_sent
            && started.elapsed() >= d
        {
            let _ = commands.send(Command::Stop);
            stop_sent = true;
        }
        let mut ev = match events.recv_timeout(Duration::from_millis(100)) {
            Ok(ev) => ev,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        let print = prepare(&mut ev, a);
        match &ev {
            Event::Error {
                message,
                fatal: true,
                ..
            } => fatal = Some(message.clone()),
            Event::DeviceLost {
                message,
                saved_seconds,
                ..
            } => {
                let clock = crate::ui::theme::clock(*saved_seconds);
                fatal = Some(format!(
                    "{message}; opname tot {clock} bewaard / recording up to {clock} saved"
                ));
                // Nothing reconnects here: end the session (the pipeline flushes first).
                let _ = commands.send(Command::Stop);
                stop_sent = true;
            }
            _ => {}
        }
        let done = matches!(ev, Event::Stopped { .. });
        if let Some((stats, rate)) = &capture_stats
            && (done || last_drop_check.elapsed() >= Duration::from_secs(1))
        {
            last_drop_check = Instant::now();
            let dropped = stats.stats().dropped_frames;
            if dropped > dropped_reported {
                dropped_reported = dropped;
                let line = serde_json::json!({
                    "t": started.elapsed().as_secs_f64(),
                    "type": "overflow",
                    "dropped_seconds": dropped as f64 / rate,
                });
                let _ = writeln!(out, "{line}").and_then(|_| out.flush());
            }
        }
        if print {
            // A line sent again (its speaker changed when the voices were clustered again,
            // or the observer moved it) is an `utterance_update` with the same index: the
            // `utterance` events stay one per line, for scripts that only append them.
            // The same for a finding sent again (a rapid-fire burst that grew, a flag whose
            // line moved to another voice): `flag_update`.
            let again = match &ev {
                Event::Utterance { index, .. } => !printed.insert(*index),
                Event::Flag { flag, .. } => {
                    match printed_flags
                        .iter_mut()
                        .find(|f| crate::pipeline::publish::same_flag(f, flag))
                    {
                        Some(f) => {
                            *f = flag.clone();
                            true
                        }
                        None => {
                            printed_flags.push(flag.clone());
                            false
                        }
                    }
                }
                _ => false,
            };
            let line = if again {
                let mut v = serde_json::to_value(&ev).unwrap_or_default();
                let kind = if matches!(ev, Event::Flag { .. }) {
                    "flag_update"
                } else {
                    "utterance_update"
                };
                v["type"] = serde_json::Value::from(kind);
                v.to_string()
            } else {
                serde_json::to_string(&ev).unwrap_or_default()
            };
            if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                // stdout closed: stop capturing, but keep the session.
                let _ = commands.send(Command::Stop);
                stop_sent = true;
            }
        }
        if done {
            break;
        }
    }
    drop(out);
    pipeline.join();
    if let Some((_, rate)) = &capture_stats
        && dropped_reported > 0
    {
        let secs = dropped_reported as f64 / rate;
        eprintln!(
            "observant: {}",
            ui.t(
                &format!("let op: {secs:.1} s audio ging verloren (invoerwachtrij vol; stilte in de plaats)"),
                &format!("warning: {secs:.1} s of audio were lost (input queue full; silence in its place)"),
            )
        );
    }
    match fatal {
        Some(m) => anyhow::bail!("{m}"),
        None => Ok(()),
    }
}

/// `--list-devices`: the input devices, the default marked with `*`.
/// Writes a flag's words (flags come as facts; the words as before: the configuration's
/// default language) and says whether the event is printed (status lines only on request).
fn prepare(ev: &mut Event, a: &ListenArgs) -> bool {
    if let Event::Flag { flag, .. } = ev {
        let method = a.session.method.as_deref();
        crate::report::words::write_flag_of(flag, method, UiLang::default());
    }
    match ev {
        Event::Level { .. } | Event::Status { .. } | Event::Stats { .. } => a.status,
        _ => true,
    }
}

fn print_devices(ui: UiLang) -> Result<()> {
    let devices = list_input_devices()?;
    if devices.is_empty() {
        eprintln!(
            "{}",
            ui.t("Geen invoerapparaten gevonden.", "No input devices found.")
        );
    }
    for d in devices {
        println!(
            "{}{}\t{}",
            if d.is_default { "* " } else { "  " },
            d.id,
            d.name
        );
    }
    Ok(())
}

/// The capture's counters and its device sample rate.
type CaptureCounters = Option<(crate::audio::capture::StatsHandle, f64)>;

/// The audio source `listen` reads (`--input-file`, paced with `--realtime`, or the device),
/// its name, and for a device the capture's counters.
fn open_source(a: &ListenArgs) -> Result<(Box<dyn AudioSource>, String, CaptureCounters)> {
    // The capture's counters, to report audio the input queue had to drop (a reader that
    // fell behind the device); positions stay exact (silence stands in), but it is lost.
    let mut capture_stats = None;
    let (source, device): (Box<dyn AudioSource>, String) = match &a.input_file {
        Some(p) if a.realtime => (
            Box::new(Paced::new(FileSource::open(p)?.keep_channels(true))),
            format!("file:{} (real time)", p.display()),
        ),
        Some(p) => (
            Box::new(FileSource::open(p)?.keep_channels(true)),
            format!("file:{}", p.display()),
        ),
        None => {
            let cap = Capture::start(&CaptureOptions {
                device: a.device.clone(),
                ..Default::default()
            })?;
            let info = cap.info();
            // Every microphone of an array is captured and beamformed to one channel.
            let name = if info.channels > 1 {
                format!(
                    "{} ({} microfoons / microphones)",
                    info.device, info.channels
                )
            } else {
                info.device.clone()
            };
            capture_stats = Some((cap.stats_handle(), f64::from(cap.info().sample_rate)));
            // Kept channel by channel too, for the session's second pass.
            (Box::new(cap.into_source()?.keep_channels(true)?), name)
        }
    };
    Ok((source, device, capture_stats))
}

/// A thread that waits for SIGINT/SIGTERM (Ctrl-C elsewhere) and then sends once on the
/// returned channel; the handlers are registered before this returns.
fn watch_signals() -> Result<crossbeam_channel::Receiver<()>> {
    let (sig_tx, sig_rx) = crossbeam_channel::bounded::<()>(1);
    let (ready_tx, ready_rx) = crossbeam_channel::bounded::<()>(1);
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = ready_tx.send(());
                return;
            };
            rt.block_on(async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{SignalKind, signal};
                    let registered = (
                        signal(SignalKind::terminate()),
                        signal(SignalKind::interrupt()),
                    );
                    let _ = ready_tx.send(());
                    let (Ok(mut term), Ok(mut int)) = registered else {
                        return;
                    };
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                #[cfg(not(unix))]
                {
                    let _ = ready_tx.send(());
                    let _ = tokio::signal::ctrl_c().await;
                }
            });
            let _ = sig_tx.send(());
        })
        .context("signal thread")?;
    let _ = ready_rx.recv_timeout(Duration::from_secs(5));
    Ok(sig_rx)
}
