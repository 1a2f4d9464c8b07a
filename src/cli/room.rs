//! `observant room RECORDING [--format json] [--window SECS]`: the room check of a recording,
//! window by window and as a whole: speech level, noise floor, clarity, and what to do about
//! the room (the same check the start screen and `listen` run live). The layer below is
//! [`crate::audio::room`]; the advice is [`crate::room`].

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use super::group::ListFormat;
use crate::audio::decode::AudioFile;
use crate::audio::room::{RoomCheck, check_recording};
use crate::i18n::UiLang;
use crate::room::{RoomEstimate, advice, figures, verdict_words};

#[derive(Args, Debug)]
pub struct RoomArgs {
    /// The recording (WAV, FLAC, MP3, Ogg, M4A; several channels are mixed).
    pub recording: PathBuf,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Seconds per window (the live check looks back over 30).
    #[arg(long, default_value_t = 30.0)]
    pub window: f64,
}

pub fn run(a: &RoomArgs, ui: UiLang) -> Result<()> {
    if !(a.window.is_finite() && a.window > 0.0) {
        anyhow::bail!(
            "{}",
            ui.t(
                "--window moet een positief aantal seconden zijn",
                "--window must be a positive number of seconds"
            )
        );
    }
    let mut file = AudioFile::open(&a.recording)?;
    let check = check_recording(&mut file, a.window)?;
    match a.format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&to_json(&check, ui))?),
        ListFormat::Text => print!("{}", to_text(&check, &a.recording, ui)),
    }
    Ok(())
}

fn estimate_json(e: &RoomEstimate, ui: UiLang) -> serde_json::Value {
    let problems = e.problems();
    let mut v = serde_json::to_value(e).unwrap_or_default();
    v["problems"] = json!(problems);
    v["advice"] = json!(advice(&problems, ui));
    v
}

fn to_json(check: &RoomCheck, ui: UiLang) -> serde_json::Value {
    let windows: Vec<serde_json::Value> = check
        .windows
        .iter()
        .map(|w| {
            let mut v = estimate_json(&w.estimate, ui);
            v["start"] = json!(w.start);
            v["end"] = json!(w.end);
            v
        })
        .collect();
    json!({
        "seconds": check.seconds,
        "overall": check.overall.as_ref().map(|e| estimate_json(e, ui)),
        "windows": windows,
    })
}

fn to_text(check: &RoomCheck, path: &std::path::Path, ui: UiLang) -> String {
    let mut out = format!(
        "{} {} ({})\n",
        ui.t("Ruimtecheck van", "Room check of"),
        path.display(),
        crate::time::clock(check.seconds)
    );
    let Some(overall) = &check.overall else {
        out.push_str(ui.t(
            "Te kort om iets over de ruimte te zeggen.\n",
            "Too short to say anything about the room.\n",
        ));
        return out;
    };
    let problems = overall.problems();
    out.push_str(&format!(
        "{}: {}\n",
        ui.t("Geheel", "Overall"),
        verdict_words(&problems, ui)
    ));
    for line in advice(&problems, ui) {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str(&format!("  {}\n", figures(overall, ui)));
    for w in &check.windows {
        out.push_str(&format!(
            "{}-{}  {}  ({})\n",
            crate::time::clock(w.start),
            crate::time::clock(w.end),
            verdict_words(&w.estimate.problems(), ui),
            figures(&w.estimate, ui)
        ));
    }
    out
}
