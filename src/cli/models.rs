//! `observant models [--format json] [--measure]` and `observant models add FILE`: the speech
//! models to choose from (the bundled one and the user's model folder) with size, languages
//! and the speed measured on this machine; `add` checks a ggml Whisper file to its last byte
//! and copies it into the model folder. Nothing is downloaded. The layer below is
//! [`crate::asr::models`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::group::ListFormat;
use crate::asr::models::{self, Listed, Speed, SpeedCache};
use crate::i18n::UiLang;
use observant_model::paths::user_models_dir;

#[derive(Args, Debug)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub action: Option<ModelsAction>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Measure the speed of every usable model not measured yet on this machine (one
    /// 5-second clip each; the figure is kept).
    #[arg(long)]
    pub measure: bool,
    /// CPU threads for the speed measurement (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Subcommand, Debug)]
pub enum ModelsAction {
    /// Check a ggml Whisper model file and copy it into the model folder.
    Add {
        /// The model file (ggml-*.bin, e.g. made by whisper.cpp's conversion scripts).
        file: PathBuf,
    },
}

/// The threads a speed is measured and looked up with.
pub fn speed_threads(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(crate::asr::whisper::default_threads)
}

pub fn run(a: &ModelsArgs, ui: UiLang) -> Result<()> {
    let dir = user_models_dir();
    if let Some(ModelsAction::Add { file }) = &a.action {
        let m = models::add(file, &dir)?;
        eprintln!(
            "{} {} ({})",
            ui.t("Toegevoegd:", "Added:"),
            m.path.display(),
            m.describe(ui)
        );
        return Ok(());
    }
    let threads = speed_threads(a.threads);
    let listed = models::list(&crate::default_model_path(), &dir);
    let cache = SpeedCache::load(&dir);
    let mut rows = Vec::new();
    for l in &listed {
        let speed = match l {
            Listed::Usable(m) => match cache.get(m, threads) {
                Some(s) => Some(s),
                None if a.measure => {
                    eprintln!("{} {} …", ui.t("Snelheid meten:", "Measuring:"), m.name);
                    Some(models::measure_and_keep(m, threads, &dir)?)
                }
                None => None,
            },
            Listed::Broken { .. } => None,
        };
        rows.push((l, speed));
    }
    match a.format {
        ListFormat::Json => {
            let models: Vec<_> = rows.iter().map(|(l, s)| json_row(l, *s)).collect();
            let out = serde_json::json!({ "model_dir": dir, "models": models });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        ListFormat::Text => {
            println!("{} {}", ui.t("Modelmap:", "Model folder:"), dir.display());
            for (l, s) in rows {
                println!("{}", text_row(l, s, ui));
            }
        }
    }
    Ok(())
}

fn json_row(l: &Listed, speed: Option<Speed>) -> serde_json::Value {
    match l {
        Listed::Usable(m) => serde_json::json!({
            "name": m.name, "path": m.path, "bytes": m.bytes, "size": m.size,
            "multilingual": m.multilingual, "quant": m.quant, "bundled": m.bundled,
            "usable": true, "speed": speed,
        }),
        Listed::Broken { path, reason } => serde_json::json!({
            "name": path.file_name().map(|n| n.to_string_lossy()),
            "path": path, "usable": false, "problem": reason,
        }),
    }
}

fn text_row(l: &Listed, speed: Option<Speed>, ui: UiLang) -> String {
    match l {
        Listed::Usable(m) => format!(
            "  {}  {}{}  {}",
            m.name,
            m.describe(ui),
            if m.bundled {
                ui.t(", meegeleverd", ", bundled")
            } else {
                ""
            },
            speed.map_or_else(
                || ui
                    .t("snelheid niet gemeten", "speed not measured")
                    .to_string(),
                |s| s.words(ui)
            )
        ),
        Listed::Broken { path, reason } => format!(
            "  {}  {} {reason}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            ui.t("niet bruikbaar:", "unusable:")
        ),
    }
}
