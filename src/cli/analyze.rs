//! `observant analyze INPUT`: a transcript (`.json`, `.vtt`, `.srt`) or a recording becomes
//! an [`Analysis`](crate::analysis::Analysis), written to stdout as text (default), Markdown
//! or the contract's JSON. `--participants`, `--method`, `--lang` and `--config` adjust the
//! transcript and thresholds first (see [`prepare_transcript`]).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::{AnalyzeArgs, AnalyzeFormat, LangArg, SessionArgs};
use crate::analysis::classify::Classifier;
use crate::analysis::config::Config;
use crate::analysis::lang;
use crate::analysis::session::analyze;
use crate::i18n::UiLang;
use crate::report::analysis_text as render;
use crate::transcript::Transcript;
use crate::transcript::parse::{
    apply_method, apply_participants, check_method, load_transcript, parse_participants,
};

/// Whether a path names a transcript (by extension) rather than a recording.
pub fn is_transcript_path(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "json" | "vtt" | "srt"))
}

/// Loads the configuration (`--config`, else the defaults) with messages in `ui`.
pub fn load_config(args: &SessionArgs, ui: UiLang) -> Result<Config> {
    let mut cfg = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    cfg.ui = ui;
    Ok(cfg)
}

/// Applies `--participants` and `--method` to a transcript, and checks method and steps.
pub fn prepare_transcript(t: &mut Transcript, args: &SessionArgs) -> Result<()> {
    if let Some(spec) = &args.participants {
        let list = parse_participants(spec)?;
        apply_participants(t, &list);
    }
    match &args.method {
        Some(m) => apply_method(t, m)?,
        None => check_method(t)?,
    }
    Ok(())
}

/// A classifier with the trainer's extra cue words, when the configuration brings any:
/// `[lang.nl]` / `[lang.en]` tables in the `--config` file itself and/or the file named by
/// `language.cues_file`. `None` means the built-in data suffices.
pub fn extended_classifier(args: &SessionArgs, cfg: &Config) -> Result<Option<Classifier>> {
    let mut extra = Vec::new();
    if let Some(p) = &args.config
        && cfg.lang.is_some()
    {
        extra.extend(lang::load_extra_file(p)?);
    }
    if let Some(p) = &cfg.language.cues_file {
        extra.extend(lang::load_extra_file(p)?);
    }
    if extra.is_empty() {
        return Ok(None);
    }
    Ok(Some(Classifier::with_extra(extra)?))
}

pub fn run(a: &AnalyzeArgs, ui: UiLang, verbose: bool) -> Result<()> {
    let cfg = load_config(&a.session, ui)?;
    let input = &a.input;
    if !input.exists() {
        anyhow::bail!(
            "{}: bestand bestaat niet / file does not exist",
            input.display()
        );
    }
    let mut t = if crate::session::Session::is_session_dir(input) {
        crate::session::Session::open_opt(input, a.session.secret()?.as_ref())?.transcript()
    } else if is_transcript_path(input) {
        load_transcript(input)?
    } else {
        let opts = crate::pipeline::offline::options_from_speech(
            &a.speech.options(a.session.passphrase_file.as_deref()),
            verbose,
        )?;
        crate::pipeline::offline::transcribe_file(input, &opts)?.0
    };
    prepare_transcript(&mut t, &a.session)?;
    match a.speech.lang {
        LangArg::Nl => t.language = Some("nl".into()),
        LangArg::En => t.language = Some("en".into()),
        LangArg::Auto => {}
    }
    let extended = extended_classifier(&a.session, &cfg)?;
    let classifier = extended.as_ref().unwrap_or_else(|| Classifier::shared());
    let analysis = analyze(&t, classifier, &cfg);
    if verbose {
        eprintln!(
            "observant: {} uitingen, {} signalen / {} utterances, {} flags",
            analysis.utterances.len(),
            analysis.flags.len(),
            analysis.utterances.len(),
            analysis.flags.len()
        );
    }
    let out = match a.format {
        AnalyzeFormat::Json => {
            let mut s = render::render_json(&analysis);
            s.push('\n');
            s
        }
        AnalyzeFormat::Text => render::render_text(&analysis, ui),
        AnalyzeFormat::Md => render::render_markdown(&analysis, ui),
    };
    write_stdout(&out)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(s: &str) -> Result<()> {
    let mut lock = std::io::stdout().lock();
    match lock.write_all(s.as_bytes()).and_then(|()| lock.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(anyhow::anyhow!(
            "kan niet naar stdout schrijven / cannot write to stdout: {e}"
        )),
        _ => Ok(()),
    }
}
