//! `observant analyze INPUT`: a transcript (`.json`, `.vtt`, `.srt`) or a recording becomes
//! an [`Analysis`](crate::analysis::Analysis), written to stdout as text (default), Markdown
//! or the contract's JSON. `--participants`, `--method`, `--lang` and `--config` adjust the
//! transcript and thresholds first (see [`prepare_transcript`]).

use std::io::Write;

use anyhow::Result;

use super::{AnalyzeArgs, AnalyzeFormat, SessionArgs};
use crate::analysis::session::analyze;
use crate::analysis::setup::AnalysisSetup;
use crate::app::core::FileKind;
use crate::i18n::UiLang;
use crate::report::analysis_text as render;
use crate::transcript::Transcript;
use crate::transcript::parse::{
    apply_method, apply_participants, check_method, load_transcript, parse_participants,
};

/// The analysis setup (thresholds and cue words) of `--config`, else of the settings'
/// `[analysis] config`, else the defaults; flag messages in `ui`. The one setup path of
/// `analyze`, `report`, `progress` and `listen` (see [`crate::setup`]).
pub fn analysis_setup(args: &SessionArgs, ui: UiLang) -> Result<AnalysisSetup> {
    let settings = match &args.config {
        Some(_) => crate::settings::Settings::default(),
        // A settings file that cannot be read is reported where it matters (retention);
        // here it only means no configuration file is named.
        None => crate::settings::Settings::load().unwrap_or_default(),
    };
    crate::setup::resolve_with_settings(args.config.as_deref(), &settings, ui)
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

pub fn run(a: &AnalyzeArgs, ui: UiLang, verbose: bool) -> Result<()> {
    let setup = analysis_setup(&a.session, ui)?;
    let input = &a.input;
    if !input.exists() {
        anyhow::bail!(
            "{}: bestand bestaat niet / file does not exist",
            input.display()
        );
    }
    let mut t = match FileKind::of(input) {
        FileKind::SessionDir => {
            crate::session::Session::open_opt(input, a.session.secret()?.as_ref())?.transcript()
        }
        FileKind::Transcript => load_transcript(input)?,
        // Anything else is taken for a recording (the decoder says when it is not).
        FileKind::Recording | FileKind::Model | FileKind::Other => {
            let opts = crate::pipeline::offline::options_from_speech(
                &a.speech.options(a.session.passphrase_file.as_deref()),
                verbose,
            )?;
            crate::pipeline::offline::transcribe_file(input, &opts)?.0
        }
    };
    prepare_transcript(&mut t, &a.session)?;
    if let Some(code) = a.speech.lang.hint().code() {
        t.language = Some(code.into());
    }
    let mut analysis = analyze(&t, &setup.classifier, &setup.config);
    crate::report::words::write_analysis(&mut analysis, ui);
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
