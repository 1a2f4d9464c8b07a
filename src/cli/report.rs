//! `observant report SESSION`: the process-evaluation report of a saved session folder, a
//! transcript (`.json`, `.vtt`, `.srt`) or a recording (transcribed first), as one
//! self-contained HTML file (default) or Markdown, to stdout or `-o FILE`. With
//! `--pseudonymize` no participant name appears anywhere in the output.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::analyze::{analysis_setup, prepare_transcript, write_stdout};
use super::{SessionArgs, SpeechArgs};
use crate::app::core::FileKind;
use crate::i18n::UiLang;
use crate::pipeline::offline;
use crate::report::{self, Report, ReportSource};
use crate::session::Session;
use crate::transcript::parse::load_transcript;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// One self-contained HTML file (inline CSS and SVG charts).
    #[default]
    Html,
    /// Markdown.
    Md,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Saved session folder, transcript (.json, .vtt, .srt) or recording (WAV, mp3, m4a, ogg, flac).
    #[arg(value_name = "SESSION")]
    pub input: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace participant names by roles/letters everywhere in the report.
    #[arg(long)]
    pub pseudonymize: bool,
    #[command(flatten)]
    pub speech: SpeechArgs,
    #[command(flatten)]
    pub session: SessionArgs,
}

/// A short title for a path: the session's folder or the file's name without extension.
fn title_of(path: &Path) -> String {
    path.file_stem()
        .or_else(|| path.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Loads a saved session, transcript or recording as a report source, with `--participants`,
/// `--method` and `--lang` applied.
pub fn load_source(
    path: &Path,
    speech: &SpeechArgs,
    session: &SessionArgs,
    verbose: bool,
) -> Result<ReportSource> {
    if !path.exists() {
        bail!(
            "{}: bestand of map bestaat niet / file or folder does not exist",
            path.display()
        );
    }
    let kind = FileKind::of(path);
    let mut src = if kind == FileKind::SessionDir {
        let s = Session::open_opt(path, session.secret()?.as_ref())?;
        let mut src = ReportSource::from_session(&s);
        crate::review::store::apply_sidecar(&mut src, &s)?;
        if src.title.trim().is_empty() {
            src.title = title_of(path);
        }
        src
    } else if path.is_dir() {
        bail!(
            "{}: geen sessiemap (session.json ontbreekt) / not a session folder (missing session.json)",
            path.display()
        );
    } else if kind == FileKind::Transcript {
        ReportSource::from_transcript(load_transcript(path)?, title_of(path))
    } else {
        let opts = offline::options_from_speech(
            &speech.options(session.passphrase_file.as_deref()),
            verbose,
        )?;
        let (t, _stats) = offline::transcribe_file(path, &opts)?;
        ReportSource::from_transcript(t, title_of(path))
    };
    prepare_transcript(&mut src.transcript, session)?;
    if let Some(code) = speech.lang.hint().code() {
        src.transcript.language = Some(code.into());
    }
    Ok(src)
}

/// The room check of a saved session's or a recording's audio, for the report; `None` for a
/// transcript, or when the audio cannot be read (the report does not fail over it).
fn room_of(path: &Path, session: &SessionArgs) -> Option<crate::room::RoomEstimate> {
    const WINDOW_SECONDS: f64 = 30.0;
    let check = match FileKind::of(path) {
        FileKind::SessionDir => {
            let s = Session::open_opt(path, session.secret().ok()?.as_ref()).ok()?;
            let mut source = s.audio().ok()??.into_source_from(0).ok()?;
            crate::audio::room::check_source(&mut source, WINDOW_SECONDS).ok()?
        }
        FileKind::Recording => {
            let mut file = crate::audio::decode::AudioFile::open(path).ok()?;
            crate::audio::room::check_recording(&mut file, WINDOW_SECONDS).ok()?
        }
        _ => return None,
    };
    check.overall
}

/// Builds the report of one input.
pub fn build(
    path: &Path,
    speech: &SpeechArgs,
    session: &SessionArgs,
    pseudonymize: bool,
    ui: UiLang,
    verbose: bool,
) -> Result<Report> {
    let setup = analysis_setup(session, ui)?;
    let mut src = load_source(path, speech, session, verbose)?;
    src.room = room_of(path, session);
    Ok(report::generate(
        src,
        &setup.classifier,
        &setup.config,
        pseudonymize,
    ))
}

/// Writes `text` to `-o FILE` or stdout.
pub fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(p) => crate::session::write_atomic(p, text.as_bytes()),
        None => write_stdout(text),
    }
}

pub fn run(a: &ReportArgs, ui: UiLang, verbose: bool) -> Result<()> {
    let r = build(&a.input, &a.speech, &a.session, a.pseudonymize, ui, verbose)?;
    if verbose {
        eprintln!(
            "observant: {} uitingen, {} signalen / {} utterances, {} flags",
            r.utterance_count,
            r.flags.len(),
            r.utterance_count,
            r.flags.len()
        );
    }
    let out = match a.format {
        ReportFormat::Html => report::to_html(&r, ui),
        ReportFormat::Md => report::to_markdown(&r, ui),
    };
    emit(a.output.as_deref(), &out)
}
