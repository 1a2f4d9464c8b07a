//! `observant progress SESSION...`: several sessions of the same facilitator side by side
//! (why-questions, advice, open-question ratio, talk share per role, flags), in the order
//! given or by date, as a text table (default), JSON, Markdown or HTML with line plots.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::analyze::analysis_setup;
use super::report::{emit, load_source};
use super::{SessionArgs, SpeechArgs};
use crate::i18n::UiLang;
use crate::report::progress::{self, ProgressRow};
use crate::report::{self};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ProgressFormat {
    #[default]
    Text,
    Json,
    Md,
    /// Self-contained HTML with inline SVG line plots.
    Html,
}

#[derive(Args, Debug)]
pub struct ProgressArgs {
    /// Saved session folders, transcripts or recordings of the same facilitator.
    #[arg(value_name = "SESSION", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ProgressFormat::Text)]
    pub format: ProgressFormat,
    /// Order the sessions by date (a session's start, else the file's modification time)
    /// instead of the order given.
    #[arg(long)]
    pub by_date: bool,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace participant names by roles/letters in the labels.
    #[arg(long)]
    pub pseudonymize: bool,
    #[command(flatten)]
    pub speech: SpeechArgs,
    #[command(flatten)]
    pub session: SessionArgs,
}

fn modified_unix(p: &std::path::Path) -> Option<u64> {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
}

pub fn run(a: &ProgressArgs, ui: UiLang, verbose: bool) -> Result<()> {
    if a.inputs.is_empty() {
        bail!("geen sessies opgegeven / no sessions given");
    }
    let setup = analysis_setup(&a.session, ui)?;
    let mut rows: Vec<ProgressRow> = Vec::with_capacity(a.inputs.len());
    for path in &a.inputs {
        let mut src = load_source(path, &a.speech, &a.session, verbose)?;
        if src.created_unix.is_none() && a.by_date {
            src.created_unix = modified_unix(path);
        }
        let r = report::generate(src, &setup.classifier, &setup.config, a.pseudonymize);
        let label = r.meta.title.clone();
        rows.push(ProgressRow::from_report(&r, label));
    }
    if a.by_date {
        progress::sort_by_date(&mut rows);
    }
    let out = match a.format {
        ProgressFormat::Text => progress::to_text(&rows, ui),
        ProgressFormat::Json => progress::to_json(&rows),
        ProgressFormat::Md => progress::to_markdown(&rows, ui),
        ProgressFormat::Html => progress::to_html(&rows, ui),
    };
    emit(a.output.as_deref(), &out)
}
