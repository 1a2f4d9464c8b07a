//! Command-line interface (`shared/contract.md`): argument parsing with clap, one module per
//! subcommand, and the error policy: a one-line message on stderr and a non-zero exit, never
//! a panic message or backtrace.

pub mod analyze;
pub mod classify;
pub mod group;
pub mod listen;
pub mod models;
pub mod progress;
pub mod report;
pub mod room;
pub mod transcribe;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis::{Lang, LangHint};
use crate::i18n::UiLang;
use crate::pipeline::{SessionOptions, SpeechOptions};

#[derive(Parser, Debug)]
#[command(
    name = "observant",
    version,
    about = "Observant: luistert mee tijdens intervisie, transcribeert op dit apparaat en signaleert valkuilen.\nObservant: listens in on intervisie sessions, transcribes on this device and flags pitfalls.",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the GUI on the bundled demo session.
    #[arg(long)]
    pub demo: bool,
    /// Session, transcript or recording to open in the GUI.
    pub open: Option<PathBuf>,
    /// User-interface language.
    #[arg(long, value_enum, default_value_t = UiLangArg::Nl, global = true)]
    pub ui_lang: UiLangArg,
    /// Show diagnostic logs (including whisper.cpp's own) on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Classify utterances read from stdin, one per line; writes one JSON object per line.
    Classify(ClassifyArgs),
    /// Analyze a recording or transcript: utterances, flags, per-speaker statistics.
    Analyze(AnalyzeArgs),
    /// Transcribe a recording on this device: who said what, when (no analysis).
    Transcribe(TranscribeArgs),
    /// Live capture without the GUI: JSON lines (utterances, flags, status) on stdout.
    Listen(ListenArgs),
    /// Process-evaluation report of a session, transcript or recording (HTML or Markdown).
    Report(report::ReportArgs),
    /// Several sessions of the same facilitator side by side, over time.
    Progress(progress::ProgressArgs),
    /// Forget a saved session: delete the session folder and every file in it.
    Forget(ForgetArgs),
    /// Groups that meet again: learn, list and forget the members' voices.
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// The speech models to choose from (bundled and in the model folder), with size,
    /// languages and their speed on this machine; `models add FILE` adds one.
    Models(models::ModelsArgs),
    /// The room check of a recording: speech level, noise floor, clarity and what to do about
    /// the room, window by window.
    Room(room::RoomArgs),
    /// Transcribe a saved live session's whole recording again, offline (more accurate, the
    /// speakers clustered over the whole), keeping its names; review and report then show it.
    SecondPass(RecoverArgs),
    /// Finish a session that was cut off (app killed, crash): transcribe the audio saved after
    /// its last line and add it to the session.
    Recover(RecoverArgs),
}

/// `--ui-lang nl|en`: the language of messages and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum UiLangArg {
    #[default]
    Nl,
    En,
}

impl From<UiLangArg> for UiLang {
    fn from(a: UiLangArg) -> UiLang {
        match a {
            UiLangArg::Nl => UiLang::Nl,
            UiLangArg::En => UiLang::En,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LangArg {
    Nl,
    En,
    #[default]
    Auto,
}

impl LangArg {
    pub fn hint(self) -> LangHint {
        match self {
            LangArg::Nl => LangHint::Fixed(Lang::Nl),
            LangArg::En => LangHint::Fixed(Lang::En),
            LangArg::Auto => LangHint::Auto,
        }
    }
}

#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// Language of the utterances (auto: decided per utterance).
    #[arg(long, value_enum, default_value_t = LangArg::Auto)]
    pub lang: LangArg,
    /// Configuration file (TOML) with extra cue words.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AnalyzeFormat {
    Json,
    #[default]
    Text,
    Md,
}

/// Options shared by every command that turns audio into a transcript.
#[derive(Args, Debug, Clone, Default)]
pub struct SpeechArgs {
    /// Whisper model: a ggml Whisper file, or the name of one in the model folder
    /// (`observant models`); default: the bundled base model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Spoken language.
    #[arg(long, value_enum, default_value_t = LangArg::Auto)]
    pub lang: LangArg,
    /// CPU threads for transcription (default: all cores; live: all cores but one).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Number of speakers when known (default: estimated).
    #[arg(long)]
    pub speakers: Option<usize>,
    /// At most this many speakers: the estimate stays at or below it (live: no more voices
    /// are opened). For a room where you know how many people sit at the table.
    #[arg(long, value_name = "N")]
    pub max_speakers: Option<usize>,
    /// Enroll a voice by name: NAME=recording.wav (repeatable).
    #[arg(long, value_name = "NAME=FILE")]
    pub enroll: Vec<String>,
    /// Voice activity detector: silero (default) or energy.
    #[arg(long, default_value = "silero")]
    pub vad: String,
    /// Do not attribute speakers (everything is S1).
    #[arg(long)]
    pub no_diarize: bool,
    /// Do not dereverberate: several microphones before they become one, one microphone
    /// where it sounds reverberant before Whisper hears it (files and the second pass), and
    /// what the VAD hears of a room that hides a voice from it (also live).
    #[arg(long)]
    pub no_dereverb: bool,
    /// Name known voices from this group's voice profiles (`observant group learn`); other
    /// voices stay S1, S2, ...
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// The command's own `--passphrase-file`, copied here by the command: it also unlocks
    /// the group store.
    #[arg(skip)]
    pub passphrase_file: Option<PathBuf>,
}

impl SpeechArgs {
    /// These options as the pipeline takes them, with the passphrase file that unlocks the
    /// group store.
    pub fn options(&self, passphrase_file: Option<&std::path::Path>) -> SpeechOptions {
        SpeechOptions {
            // A path, or a model's name in the model folder (`--model small`).
            model: self.model.as_deref().map(|m| {
                crate::asr::models::resolve(
                    m,
                    &crate::default_model_path(),
                    &observant_model::paths::user_models_dir(),
                )
            }),
            lang: self.lang.hint(),
            threads: self.threads,
            speakers: self.speakers,
            max_speakers: self.max_speakers,
            enroll: self.enroll.clone(),
            vad: self.vad.clone(),
            no_diarize: self.no_diarize,
            no_dereverb: self.no_dereverb,
            group: self.group.clone(),
            passphrase_file: passphrase_file
                .map(std::path::Path::to_path_buf)
                .or_else(|| self.passphrase_file.clone()),
        }
    }
}

/// Options shared by every command that analyses a session.
#[derive(Args, Debug, Clone, Default)]
pub struct SessionArgs {
    /// Participants and roles: "Anna=facilitator,Bram=inbrenger,...".
    #[arg(long)]
    pub participants: Option<String>,
    /// Method (werkvorm), e.g. crea, incident, roddel, winst, schoenen, vijf-vragen, speed, vrij.
    #[arg(long)]
    pub method: Option<String>,
    /// Configuration file (TOML) with thresholds and extra cue words.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// File holding the passphrase of encrypted sessions (to read one, or to encrypt the one
    /// `listen --save` makes); default: $OBSERVANT_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl SessionArgs {
    /// These options as the pipeline takes them.
    pub fn options(&self) -> SessionOptions {
        SessionOptions {
            participants: self.participants.clone(),
            method: self.method.clone(),
            config: self.config.clone(),
            passphrase_file: self.passphrase_file.clone(),
        }
    }

    /// The passphrase from `--passphrase-file` or `$OBSERVANT_PASSPHRASE`, if any.
    pub fn secret(&self) -> anyhow::Result<Option<crate::session::Secret>> {
        crate::session::Secret::resolve(self.passphrase_file.as_deref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TranscriptFormat {
    #[default]
    Json,
    Vtt,
    Srt,
    Text,
}

#[derive(Args, Debug)]
pub struct TranscribeArgs {
    /// Recording (WAV at any rate/depth/channels, mp3, m4a/AAC, ogg, flac), or a saved
    /// session folder (its transcript is exported).
    pub input: std::path::PathBuf,
    #[arg(long, value_enum, default_value_t = TranscriptFormat::Json)]
    pub format: TranscriptFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long)]
    pub output: Option<std::path::PathBuf>,
    /// Print timings (real-time factors per stage) to stderr when done.
    #[arg(long)]
    pub stats: bool,
    /// Replace names by roles/letters (S1, S2 stay as they are).
    #[arg(long)]
    pub pseudonymize: bool,
    /// For a saved (encrypted) session folder: file holding its passphrase; default:
    /// $OBSERVANT_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// For a saved session folder: also write its audio (decrypted) to this 16-bit WAV file.
    #[arg(long, value_name = "FILE")]
    pub export_audio: Option<PathBuf>,
    #[command(flatten)]
    pub speech: SpeechArgs,
}

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Input device (name or id from --list-devices); default: the system default input.
    #[arg(long)]
    pub device: Option<String>,
    /// List the input devices and exit.
    #[arg(long)]
    pub list_devices: bool,
    /// Stop after this many seconds of capture.
    #[arg(long)]
    pub duration: Option<f64>,
    /// Keep the session (journal + audio) in this folder.
    #[arg(long)]
    pub save: Option<std::path::PathBuf>,
    /// Test aid: read this recording instead of a device, as fast as it decodes.
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<std::path::PathBuf>,
    /// With --input-file: deliver the recording at real time, like a microphone (latency
    /// measurements without a sound card).
    #[arg(long, requires = "input_file")]
    pub realtime: bool,
    /// Also print pipeline status and level events.
    #[arg(long)]
    pub status: bool,
    #[command(flatten)]
    pub speech: SpeechArgs,
    #[command(flatten)]
    pub session: SessionArgs,
}

#[derive(Args, Debug)]
pub struct RecoverArgs {
    /// Saved session folder.
    #[arg(value_name = "SESSION")]
    pub session: PathBuf,
    /// File holding the passphrase of an encrypted session; default: $OBSERVANT_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    #[command(flatten)]
    pub speech: SpeechArgs,
}

#[derive(Args, Debug)]
pub struct ForgetArgs {
    /// Saved session folder(s) to delete completely.
    #[arg(value_name = "SESSION", required = true)]
    pub sessions: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Recording (WAV, mp3, m4a, ogg, flac) or transcript (.json, .vtt, .srt).
    pub input: PathBuf,
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    #[command(flatten)]
    pub speech: SpeechArgs,
    #[command(flatten)]
    pub session: SessionArgs,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        if crate::audio::decode::panic_is_guarded() {
            // A third-party decoder choked on a hostile file: reported as a one-line error.
            return;
        }
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "onbekende fout".into());
        eprintln!("observant: interne fout / internal error: {msg}");
    }));
    // Diagnostics for developers: `OBSERVANT_LOG=observant=debug` shows each stage's timing
    // (e.g. `observant::latency`) on stderr. Off unless asked for; nothing is written elsewhere.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("OBSERVANT_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("observant: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

pub use crate::error::one_line;

/// `observant second-pass SESSION`: see [`crate::pipeline::second_pass`]. The result is kept in
/// the session's review sidecar (encrypted like the session), where the GUI's review and
/// `report` take it from; what changed goes to stderr in words and to stdout as one JSON line.
fn second_pass(a: &RecoverArgs, ui: UiLang, verbose: bool) -> anyhow::Result<()> {
    use crate::pipeline::offline;
    if let Some(secret) = crate::session::Secret::resolve(a.passphrase_file.as_deref())?
        && crate::session::Session::is_encrypted_dir(&a.session)
    {
        crate::session::Session::unlock(&a.session, &secret)?;
    }
    let mut doc = crate::review::ReviewDoc::open(&a.session, ui)?;
    let Some(session) = doc.session.clone() else {
        anyhow::bail!(
            "{}: {}",
            a.session.display(),
            ui.t("geen bewaarde sessie", "not a saved session")
        );
    };
    let mut speech = a.speech.options(a.passphrase_file.as_deref());
    // A group's session: the second pass names the group's voices too (profile-guided
    // clustering), when the group store opens and the group still has voices.
    let session_group = speech
        .group
        .is_none()
        .then(|| session.meta.group.clone())
        .flatten();
    speech.group = speech.group.clone().or(session_group.clone());
    let mut opts = match offline::options_from_speech(&speech, verbose) {
        Err(e) if session_group.is_some() => {
            eprintln!(
                "{}: {e:#}",
                ui.t(
                    "stemmen van de groep niet gebruikt",
                    "the group's voices were not used"
                )
            );
            speech.group = None;
            offline::options_from_speech(&speech, verbose)?
        }
        other => other?,
    };
    if a.speech.lang == LangArg::Auto {
        opts.whisper.language = crate::asr::AsrLanguage::stored(session.meta.language.as_deref());
    }
    opts.progress = !verbose;
    let live = doc.live_transcript()?;
    let pass = crate::pipeline::second_pass::second_pass(&session, &live, &opts)?;
    doc.apply_second_pass(pass);
    if let Some(e) = &doc.save_error {
        anyhow::bail!("{e}");
    }
    if let Some(note) = &doc.pass {
        eprintln!("{}", note.describe(ui));
        println!("{}", serde_json::to_string(note)?);
    }
    Ok(())
}

/// `observant recover SESSION`: see [`crate::pipeline::recover`]. The session's language is
/// used unless `--lang` says otherwise; one JSON line with what was done goes to stdout.
fn recover(a: &RecoverArgs, ui: UiLang, verbose: bool) -> anyhow::Result<()> {
    use crate::pipeline::{offline, recover};
    let secret = crate::session::Secret::resolve(a.passphrase_file.as_deref())?;
    let mut session = crate::session::Session::open_opt(&a.session, secret.as_ref())?;
    let mut opts =
        offline::options_from_speech(&a.speech.options(a.passphrase_file.as_deref()), verbose)?;
    if a.speech.lang == LangArg::Auto {
        opts.whisper.language = crate::asr::AsrLanguage::stored(session.meta.language.as_deref());
    }
    opts.progress = !verbose;
    let r = recover::recover(&mut session, &opts)?;
    let (from, to) = (
        crate::time::clock(r.from_seconds),
        crate::time::clock(r.audio_seconds),
    );
    let (nl, en) = if r.added_utterances > 0 {
        (
            format!(
                "Hersteld: {} regels toegevoegd vanaf {from} (audio tot {to})",
                r.added_utterances
            ),
            format!(
                "Recovered: {} lines added from {from} (audio up to {to})",
                r.added_utterances
            ),
        )
    } else {
        (
            "Niets te herstellen: de transcriptie is compleet".to_string(),
            "Nothing to recover: the transcript is complete".to_string(),
        )
    };
    eprintln!("{}", ui.t(&nl, &en));
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let ui_lang: UiLang = cli.ui_lang.into();
    match cli.command {
        Some(Command::Classify(a)) => classify::run(&a),
        Some(Command::Analyze(a)) => analyze::run(&a, ui_lang, cli.verbose),
        Some(Command::Transcribe(a)) => transcribe::run(&a, cli.verbose),
        Some(Command::Listen(a)) => listen::run(&a, ui_lang, cli.verbose),
        Some(Command::Report(a)) => report::run(&a, ui_lang, cli.verbose),
        Some(Command::Progress(a)) => progress::run(&a, ui_lang, cli.verbose),
        Some(Command::Forget(a)) => {
            for dir in &a.sessions {
                crate::session::retention::forget(dir)?;
                eprintln!(
                    "{}",
                    ui_lang.t(
                        &format!("Sessie verwijderd: {}", dir.display()),
                        &format!("Session deleted: {}", dir.display()),
                    )
                );
            }
            Ok(())
        }
        Some(Command::Recover(a)) => recover(&a, ui_lang, cli.verbose),
        Some(Command::SecondPass(a)) => second_pass(&a, ui_lang, cli.verbose),
        Some(Command::Group(g)) => group::run(&g, ui_lang),
        Some(Command::Models(a)) => models::run(&a, ui_lang),
        Some(Command::Room(a)) => room::run(&a, ui_lang),
        None => crate::ui::run_app(crate::ui::AppOptions::new(ui_lang, cli.open, cli.demo)),
    }
}
