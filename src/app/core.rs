//! The UI's narrow door into the core: loading a transcript, analysing it, and the methods
//! (werkvormen) with their steps and budgets, in the shapes the views need. The UI never
//! computes analysis results itself; it calls these.

use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;

pub use crate::analysis::incremental::SessionAnalyzer;
use crate::analysis::{Analysis, LangHint, methods};
use crate::asr::AsrLanguage;
use crate::i18n::UiLang;
use crate::transcript::Transcript;

/// A method as the views show it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodInfo {
    pub id: String,
    pub name: String,
    pub steps: Vec<StepInfo>,
}

/// One step with its budget in seconds (`0.0` = no budget).
#[derive(Debug, Clone, PartialEq)]
pub struct StepInfo {
    pub name: String,
    pub budget_min: f64,
    pub budget_max: f64,
}

fn info(m: &methods::Method, lang: UiLang) -> MethodInfo {
    MethodInfo {
        id: m.id.to_string(),
        name: m.name(lang).to_string(),
        steps: m
            .steps
            .iter()
            .map(|s| {
                let (lo, hi) = s.budget_seconds();
                StepInfo {
                    name: s.name(lang).to_string(),
                    budget_min: lo,
                    budget_max: hi,
                }
            })
            .collect(),
    }
}

/// All methods, in the hand-out's order.
pub fn all_methods(lang: UiLang) -> Vec<MethodInfo> {
    methods::METHODS.iter().map(|m| info(m, lang)).collect()
}

/// A method by id, name or alias.
pub fn method(name: &str, lang: UiLang) -> Option<MethodInfo> {
    methods::find(name).map(|m| info(m, lang))
}

/// Reads a transcript (`.json`, `.vtt`, `.srt`).
pub fn load_transcript(path: &Path) -> anyhow::Result<Transcript> {
    crate::transcript::parse::load_transcript(path)
}

/// What review mode shows of a file: the transcript and the observer's notes `(t, text)`.
pub struct Opened {
    pub transcript: Transcript,
    pub notes: Vec<(f64, String)>,
}

/// Opens a saved session (its folder, or a file inside it) or a transcript file.
pub fn open_for_review(path: &Path) -> anyhow::Result<Opened> {
    use crate::session::Session;
    let dir = if Session::is_session_dir(path) {
        Some(path.to_path_buf())
    } else {
        path.parent()
            .filter(|d| path.is_file() && Session::is_session_dir(d))
            .filter(|_| {
                path.file_name().is_some_and(|f| {
                    f == crate::session::META_FILE || f == crate::session::JOURNAL_FILE
                })
            })
            .map(Path::to_path_buf)
    };
    match dir {
        Some(d) => {
            let s = Session::open(&d)?;
            Ok(Opened {
                transcript: s.transcript(),
                notes: s.notes.iter().map(|n| (n.t, n.text.clone())).collect(),
            })
        }
        None => Ok(Opened {
            transcript: load_transcript(path)?,
            notes: Vec::new(),
        }),
    }
}

/// Analyses a transcript with the default rules; messages in `lang`.
pub fn analyze_transcript(t: &Transcript, lang: UiLang) -> Analysis {
    analyze_with(t, crate::analysis::setup::AnalysisSetup::builtin(lang))
}

/// Analyses a transcript with `setup` (thresholds, cue words, message language).
pub fn analyze_with(t: &Transcript, setup: crate::analysis::setup::AnalysisSetup) -> Analysis {
    let ui = setup.config.ui;
    let mut a = SessionAnalyzer::new(setup).analyze(t);
    crate::report::words::write_analysis(&mut a, ui);
    a
}

/// What a path given to open, analyse or report names, by the path alone: a saved session's
/// folder, else by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A saved session's folder (`session.json`, or `session.key` for an encrypted one).
    SessionDir,
    /// A transcript file (`.json`, `.vtt`, `.srt`).
    Transcript,
    /// A recording (`.wav`, `.mp3`, `.m4a`, `.mp4`, `.aac`, `.ogg`, `.flac`).
    Recording,
    /// A speech model (`.bin`, a ggml Whisper file).
    Model,
    /// Anything else (another folder or file).
    Other,
}

impl FileKind {
    /// The kind of `path` (a session folder is looked at on disk; files go by extension).
    pub fn of(path: &Path) -> FileKind {
        if crate::session::Session::is_session_dir(path) {
            return FileKind::SessionDir;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "json" | "vtt" | "srt" => FileKind::Transcript,
            "wav" | "mp3" | "m4a" | "mp4" | "aac" | "ogg" | "flac" => FileKind::Recording,
            "bin" => FileKind::Model,
            _ => FileKind::Other,
        }
    }
}

/// Is this a recording (an audio file) rather than a transcript or session?
pub fn is_recording(path: &Path) -> bool {
    path.is_file() && FileKind::of(path) == FileKind::Recording
}

/// Transcribes a recording on a background thread with the speech pipeline (`model`, spoken
/// language `lang`: fixed or detected; voices counted automatically); the result arrives on
/// the channel.
pub fn transcribe_recording(
    path: &Path,
    model: PathBuf,
    lang: LangHint,
) -> Receiver<Result<Transcript, String>> {
    transcribe_recording_with_progress(path, model, (lang, None), None)
}

/// [`transcribe_recording`], reporting how far it is through `progress`.
pub fn transcribe_recording_with_progress(
    path: &Path,
    model: PathBuf,
    (lang, speakers): (LangHint, Option<usize>),
    progress: Option<std::sync::Arc<crate::pipeline::offline::ProgressCounter>>,
) -> Receiver<Result<Transcript, String>> {
    let path = path.to_path_buf();
    in_background("observant-transcribe", move || {
        let mut opts = crate::pipeline::offline::OfflineOptions::new(model);
        opts.whisper.language = lang.into();
        opts.speakers = speakers;
        opts.progress = false;
        opts.progress_counter = progress;
        crate::pipeline::offline::transcribe_file(&path, &opts).map(|(t, _)| t)
    })
}

/// Runs `work` on a thread of its own; its result (an error as one line) arrives on the
/// channel.
pub(crate) fn in_background<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Receiver<Result<T, String>> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let spawned = std::thread::Builder::new().name(name.into()).spawn({
        let tx = tx.clone();
        move || {
            let _ = tx.send(work().map_err(|e| crate::error::one_line(&e)));
        }
    });
    if let Err(e) = spawned {
        let _ = tx.send(Err(e.to_string()));
    }
    rx
}

/// A saved session whose recording runs on past its transcript: the app (or the machine)
/// stopped while the session was being recorded, before Whisper caught up.
#[derive(Debug, Clone, PartialEq)]
pub struct Interrupted {
    /// The session folder.
    pub dir: PathBuf,
    /// End of the last transcribed line (s).
    pub from: f64,
    /// End of the recorded audio (s).
    pub to: f64,
}

/// Is `path` (a session folder or a file in one) an interrupted session with untranscribed
/// audio? Not when its transcript was marked complete, while it is still being recorded, or
/// when it is encrypted and locked (it is asked again after the passphrase).
pub fn interrupted_session(path: &Path) -> Option<Interrupted> {
    use crate::session::Session;
    let dir = crate::review::store::session_dir_of(path)?;
    if crate::session::transcribed_at(&dir).is_some() || Session::is_being_recorded(&dir) {
        return None;
    }
    let session = Session::open(&dir).ok()?;
    let (from, to) = crate::pipeline::recover::missing_tail(&session).ok()??;
    Some(Interrupted { dir, from, to })
}

/// Transcribes an interrupted session's missing tail on a background thread
/// ([`crate::pipeline::recover`]) with the speech model `model` and language `lang`
/// ([`LangHint::Auto`]: the session's own language, else detect); the result arrives on the
/// channel.
pub fn recover_session_with_progress(
    dir: &Path,
    model: PathBuf,
    lang: LangHint,
    progress: Option<std::sync::Arc<crate::pipeline::offline::ProgressCounter>>,
) -> Receiver<Result<crate::pipeline::recover::Recovery, String>> {
    let dir = dir.to_path_buf();
    in_background("observant-recover", move || {
        let mut session = crate::session::Session::open(&dir)?;
        let mut opts = crate::pipeline::offline::OfflineOptions::new(model);
        opts.whisper.language = match lang {
            LangHint::Auto => AsrLanguage::stored(session.meta.language.as_deref()),
            fixed => fixed.into(),
        };
        opts.progress = false;
        opts.progress_counter = progress;
        crate::pipeline::recover::recover(&mut session, &opts)
    })
}

/// Loads a group's voices (name and prints) for the second pass, on its thread.
pub type GroupVoices =
    Box<dyn FnOnce() -> anyhow::Result<(String, Vec<crate::speakers::enroll::Enrollment>)> + Send>;

/// Transcribes a live session's whole recording again in the background
/// ([`crate::pipeline::second_pass`]) with the speech model `model` and the session's own
/// language; `live` is the session's transcript as live made it. `group` loads the voices
/// of the session's group, which then name the voices they match (profile-guided
/// clustering); when it fails the pass runs without them. `speakers`: the number of voices
/// when the user set it (otherwise estimated, capped as the session was).
pub fn second_pass_with_progress(
    session: crate::session::Session,
    live: Transcript,
    model: PathBuf,
    progress: Option<std::sync::Arc<crate::pipeline::offline::ProgressCounter>>,
    group: Option<GroupVoices>,
    speakers: Option<usize>,
) -> Receiver<Result<crate::pipeline::second_pass::SecondPass, String>> {
    in_background("observant-second-pass", move || {
        let mut opts = crate::pipeline::offline::OfflineOptions::new(model);
        opts.speakers = speakers;
        if let Some(Ok((name, voices))) = group.map(|load| load())
            && !voices.is_empty()
        {
            opts.voices = voices;
            opts.group = Some(name);
        }
        opts.whisper.language = AsrLanguage::stored(session.meta.language.as_deref());
        opts.progress = false;
        opts.progress_counter = progress;
        crate::pipeline::second_pass::second_pass(&session, &live, &opts)
    })
}

/// The room check of a review's recording in the background: a saved session's own audio
/// (decrypted on the fly when encrypted) or a recording file; `None` when there is no audio.
pub fn room_check_of(
    session: Option<crate::session::Session>,
    audio: Option<PathBuf>,
) -> Option<Receiver<Result<crate::audio::room::RoomCheck, String>>> {
    const WINDOW_SECONDS: f64 = 30.0;
    match (session, audio) {
        (Some(s), _) if s.has_audio() => Some(in_background("observant-room", move || {
            let audio = s
                .audio()?
                .ok_or_else(|| anyhow::anyhow!("geen opname / no recording"))?;
            let mut source = audio.into_source_from(0)?;
            crate::audio::room::check_source(&mut source, WINDOW_SECONDS)
        })),
        (_, Some(path)) => Some(in_background("observant-room", move || {
            let mut file = crate::audio::decode::AudioFile::open(&path)?;
            crate::audio::room::check_recording(&mut file, WINDOW_SECONDS)
        })),
        _ => None,
    }
}

/// Why the speech model at `path` cannot be used (missing, not a ggml Whisper model,
/// truncated), as one line; `None` when it looks usable. Whisper itself may still reject a
/// file that passes (then starting the session fails with its message).
pub fn model_problem(path: &str) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return Some("geen spraakmodel gekozen / no speech model chosen".into());
    }
    crate::asr::models::inspect(Path::new(path))
        .err()
        .map(|e| crate::error::one_line(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_by_folder_and_extension() {
        let root = tempfile::tempdir().unwrap();
        let (s, _j) = crate::session::Session::create(root.path(), Default::default()).unwrap();
        assert_eq!(FileKind::of(&s.dir), FileKind::SessionDir);
        assert_eq!(FileKind::of(root.path()), FileKind::Other);
        for (name, kind) in [
            ("a.json", FileKind::Transcript),
            ("a.VTT", FileKind::Transcript),
            ("a.srt", FileKind::Transcript),
            ("a.wav", FileKind::Recording),
            ("a.Mp3", FileKind::Recording),
            ("a.flac", FileKind::Recording),
            ("a.txt", FileKind::Other),
            ("ggml-small.BIN", FileKind::Model),
            ("a", FileKind::Other),
        ] {
            assert_eq!(FileKind::of(Path::new(name)), kind, "{name}");
        }
        let wav = root.path().join("rec.wav");
        assert!(!is_recording(&wav), "only an existing file");
        std::fs::write(&wav, b"RIFF").unwrap();
        assert!(is_recording(&wav));
    }
}
