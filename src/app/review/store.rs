//! Review mode's files: the sidecar that keeps the edits (`review.json` in a session folder,
//! `FILE.review.json` next to a transcript or recording, which for a recording also holds its
//! transcript), the list of saved sessions for the start screen, and writing reports,
//! transcript exports and the progress overview. The session's own files are only read.
//! Written files are private (0600) and replaced atomically.
//!
//! In a saved session folder the sidecar goes through [`Session::write_private`] /
//! [`Session::read_private`], so an encrypted session keeps it encrypted
//! (`review.json.enc`); reports and exports of an encrypted session default to a place next
//! to its folder, never inside it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::{Edit, Origin, ReviewDoc};
use crate::analysis::setup::AnalysisSetup;
use crate::i18n::UiLang;
use crate::report::progress::ProgressRow;
use crate::session::{META_FILE, Session, SessionMeta};
use crate::transcript::Transcript;

/// File name of the sidecar inside a session folder.
pub const SIDECAR_FILE: &str = "review.json";

/// What the sidecar holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    pub version: u32,
    #[serde(default, deserialize_with = "known_edits")]
    pub edits: Vec<Edit>,
    /// A recording's transcript (so it is transcribed once), or a saved session's second
    /// pass (with `pass`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Transcript>,
    /// What a saved session's second pass changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<super::second_pass::PassNote>,
}

/// Reads a sidecar's edits, leaving out a verdict on a flag kind this version does not know
/// (written by another version, it matches no flag); anything else that does not read is an
/// error.
fn known_edits<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<Edit>, D::Error> {
    let raw = Vec::<serde_json::Value>::deserialize(d)?;
    let mut edits = Vec::with_capacity(raw.len());
    for v in raw {
        let unknown_kind = v.get("type").and_then(|t| t.as_str()) == Some("verdict")
            && v.get("kind")
                .and_then(|k| k.as_str())
                .is_some_and(|k| crate::session::flag_kind(k).is_none());
        if !unknown_kind {
            edits.push(serde_json::from_value(v).map_err(serde::de::Error::custom)?);
        }
    }
    Ok(edits)
}

/// The session folder `path` is or lies in (`session.json` / `journal.jsonl`, or for an
/// encrypted session `session.key` / `session.enc` / `journal.enc`, inside it).
pub fn session_dir_of(path: &Path) -> Option<PathBuf> {
    use crate::session::{JOURNAL_ENC_FILE, JOURNAL_FILE, KEY_FILE, META_ENC_FILE};
    if Session::is_session_dir(path) {
        return Some(path.to_path_buf());
    }
    let dir = path.parent()?;
    let inside = path.is_file()
        && path.file_name().is_some_and(|f| {
            [
                META_FILE,
                JOURNAL_FILE,
                KEY_FILE,
                META_ENC_FILE,
                JOURNAL_ENC_FILE,
            ]
            .contains(&f.to_str().unwrap_or_default())
        });
    (inside && Session::is_session_dir(dir)).then(|| dir.to_path_buf())
}

/// Where the edits of a review are kept (`None` for an unsaved review).
pub fn sidecar_path(origin: &Origin) -> PathBuf {
    match origin {
        Origin::Session(d) => d.join(SIDECAR_FILE),
        Origin::Transcript(p) | Origin::Recording(p) | Origin::Unsaved(p) => {
            let mut name = p.file_name().map(|f| f.to_os_string()).unwrap_or_default();
            name.push(".review.json");
            p.with_file_name(name)
        }
    }
}

/// Reads a sidecar; a missing one is empty, a damaged one an error naming the file.
pub fn load_sidecar(path: &Path) -> Result<Sidecar> {
    if !path.exists() {
        return Ok(Sidecar::default());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("kan niet lezen / cannot read: {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "correcties beschadigd / review edits damaged: {}",
            path.display()
        )
    })
}

/// Reads a saved session's sidecar (decrypted when the session is encrypted); a missing one
/// is empty, a damaged one an error naming the file.
pub fn load_session_sidecar(s: &Session) -> Result<Sidecar> {
    let Some(bytes) = s.read_private(SIDECAR_FILE)? else {
        return Ok(Sidecar::default());
    };
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "correcties beschadigd / review edits damaged: {}",
            s.dir.join(SIDECAR_FILE).display()
        )
    })
}

/// Writes the review's sidecar (nothing for an unsaved review, nor for a saved session or
/// transcript without edits). A saved session's goes through [`Session::write_private`].
pub fn save(d: &ReviewDoc) -> Result<()> {
    let transcript = match &d.origin {
        Origin::Unsaved(_) => return Ok(()),
        Origin::Recording(_) => Some(d.original.clone()),
        Origin::Session(dir) => {
            let opened;
            let s = match &d.session {
                Some(s) => s,
                None => {
                    // A review made without opening the session (an encrypted one opens
                    // only once unlocked).
                    opened = Session::open(dir)?;
                    &opened
                }
            };
            if d.edits.is_empty() && d.pass.is_none() && s.read_private(SIDECAR_FILE)?.is_none() {
                return Ok(());
            }
            let side = Sidecar {
                version: 1,
                edits: d.edits.clone(),
                transcript: d.pass.is_some().then(|| d.original.clone()),
                pass: d.pass.clone(),
            };
            let bytes = zeroize::Zeroizing::new(serde_json::to_vec_pretty(&side)?);
            return s.write_private(SIDECAR_FILE, &bytes);
        }
        Origin::Transcript(_) => None,
    };
    let path = sidecar_path(&d.origin);
    if d.edits.is_empty() && transcript.is_none() && !path.exists() {
        return Ok(());
    }
    let side = Sidecar {
        version: 1,
        edits: d.edits.clone(),
        transcript,
        pass: None,
    };
    let bytes = serde_json::to_vec_pretty(&side)?;
    crate::session::write_atomic(&path, &bytes)
}

/// Applies a saved session's review corrections (`DIR/review.json`, if any) to its report
/// source, as the review shows them: the second pass's lines when there was one, utterances in time order, then the edits; flags marked
/// wrong there are left out of the report. The CLI's `report` and `progress` use this (an
/// encrypted session's sidecar is read with the key of the opened `session`).
pub fn apply_sidecar(src: &mut crate::report::ReportSource, session: &Session) -> Result<()> {
    let side = load_session_sidecar(session)?;
    if let (Some(t), Some(_)) = (side.transcript, &side.pass) {
        src.transcript.utterances = t.utterances;
    }
    if side.edits.is_empty() {
        return Ok(());
    }
    src.transcript
        .utterances
        .sort_by(|a, b| a.start.total_cmp(&b.start));
    super::edits::apply_all(&mut src.transcript, &mut src.verdicts, &side.edits);
    Ok(())
}

/// A recording's transcript kept from an earlier transcription, if any.
pub fn transcribed_before(recording: &Path) -> bool {
    load_sidecar(&sidecar_path(&Origin::Recording(recording.to_path_buf())))
        .is_ok_and(|s| s.transcript.is_some())
}

/// A title from a file name (without extension).
pub fn file_title(path: &Path) -> String {
    path.file_stem()
        .or_else(|| path.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A title from a session folder's name.
pub fn folder_title(dir: &Path) -> String {
    dir.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A new, unused session folder under `root` (`sessie-<unix time>`, numbered when taken).
pub fn new_session_dir(root: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut dir = root.join(format!("sessie-{stamp}"));
    let mut n = 1;
    while dir.exists() {
        n += 1;
        dir = root.join(format!("sessie-{stamp}-{n}"));
    }
    dir
}

/// A saved session as the start screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSession {
    pub dir: PathBuf,
    pub title: String,
    pub created_unix: Option<u64>,
    pub participants: usize,
}

/// Saved session folders under `root`, newest first (only `session.json` is read).
pub fn saved_sessions(root: &Path) -> Vec<SavedSession> {
    let Ok(read) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<SavedSession> = read
        .flatten()
        .map(|e| e.path())
        .filter(|p| Session::is_session_dir(p))
        .map(|dir| {
            // An encrypted session's metadata is not readable here: its title is the folder's.
            let meta: Option<SessionMeta> = std::fs::read_to_string(dir.join(META_FILE))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok());
            let title = meta
                .as_ref()
                .map(|m| m.title.trim().to_string())
                .filter(|t| !t.is_empty() && t != "live")
                .unwrap_or_else(|| folder_title(&dir));
            SavedSession {
                title,
                created_unix: meta
                    .as_ref()
                    .map(|m| m.created_unix)
                    .filter(|&c| c > 0)
                    .or_else(|| created_from_folder(&dir)),
                participants: meta.as_ref().map_or(0, |m| m.participants.len()),
                dir,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.created_unix
            .cmp(&a.created_unix)
            .then_with(|| b.dir.cmp(&a.dir))
    });
    out
}

/// The start time in a session folder's name (`sessie-<unix time>[-n]`), if it has one.
fn created_from_folder(dir: &Path) -> Option<u64> {
    let name = dir.file_name()?.to_str()?;
    let stamp = name.strip_prefix("sessie-")?.split('-').next()?;
    stamp.parse().ok().filter(|&c| c > 0)
}

/// Where files for a saved session are written by default: inside a plain session's folder
/// (`dir/name`), next to an encrypted one's (`parent/<folder>-name`), so that folder holds
/// nothing plaintext.
fn beside_session(d: &ReviewDoc, dir: &Path, name: &str) -> PathBuf {
    match dir.parent() {
        Some(parent) if d.is_encrypted() => parent.join(format!("{}-{name}", folder_title(dir))),
        _ => dir.join(name),
    }
}

/// The obvious place for a review's report: in the session folder (next to it for an
/// encrypted session), or next to the file.
pub fn default_report_path(d: &ReviewDoc, pseudonymize: bool) -> PathBuf {
    let suffix = if pseudonymize {
        "rapport-pseudoniem.html"
    } else {
        "rapport.html"
    };
    match &d.origin {
        Origin::Session(dir) => beside_session(d, dir, suffix),
        Origin::Transcript(p) | Origin::Recording(p) => {
            p.with_file_name(format!("{}-{suffix}", file_title(p)))
        }
        Origin::Unsaved(p) => std::env::temp_dir().join(format!("{}-{suffix}", file_title(p))),
    }
}

/// Transcript export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Vtt,
    Srt,
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Vtt => "vtt",
            ExportFormat::Srt => "srt",
            ExportFormat::Json => "json",
        }
    }
}

/// The obvious place for a transcript export (extension replaced by `format`'s).
pub fn default_export_path(d: &ReviewDoc, format: ExportFormat, pseudonymize: bool) -> PathBuf {
    let name = format!(
        "transcript{}.{}",
        if pseudonymize { "-pseudoniem" } else { "" },
        format.extension()
    );
    match &d.origin {
        Origin::Session(dir) => beside_session(d, dir, &name),
        Origin::Transcript(p) | Origin::Recording(p) => {
            p.with_file_name(format!("{}-{name}", file_title(p)))
        }
        Origin::Unsaved(p) => std::env::temp_dir().join(format!("{}-{name}", file_title(p))),
    }
}

/// The HTML process-evaluation report of the review as it stands (corrections applied,
/// flags marked wrong left out), from the review's analysis.
pub fn report_html(d: &ReviewDoc, pseudonymize: bool, ui: UiLang) -> String {
    // The review's own analysis: neither the report nor its pseudonyms run it again.
    let r = crate::report::generate_from(d.report_source(), d.analysis.clone(), ui, pseudonymize);
    crate::report::to_html(&r, ui)
}

/// Writes the report to `path`.
pub fn write_report(d: &ReviewDoc, path: &Path, pseudonymize: bool, ui: UiLang) -> Result<()> {
    crate::session::write_atomic(path, report_html(d, pseudonymize, ui).as_bytes())
}

/// The corrected transcript, pseudonymised on request, in an export format.
pub fn export_text(d: &ReviewDoc, format: ExportFormat, pseudonymize: bool, ui: UiLang) -> String {
    let mut src = d.report_source();
    if pseudonymize {
        crate::report::pseudonymize_source(&mut src, ui);
    }
    let t = &src.transcript;
    match format {
        ExportFormat::Vtt => crate::transcript::export::to_vtt(t),
        ExportFormat::Srt => crate::transcript::export::to_srt(t),
        ExportFormat::Json => crate::transcript::export::to_json(t),
    }
}

/// Writes a transcript export to `path`.
pub fn write_export(
    d: &ReviewDoc,
    path: &Path,
    format: ExportFormat,
    pseudonymize: bool,
    ui: UiLang,
) -> Result<()> {
    crate::session::write_atomic(path, export_text(d, format, pseudonymize, ui).as_bytes())
}

/// Progress numbers of saved sessions (review edits applied), oldest first; sessions that
/// cannot be opened are returned as one-line messages.
pub fn progress_rows(dirs: &[PathBuf], ui: UiLang) -> (Vec<ProgressRow>, Vec<String>) {
    progress_rows_with(dirs, &AnalysisSetup::builtin(ui))
}

/// [`progress_rows`] analysed with `setup` (thresholds, cue words, message language).
pub fn progress_rows_with(
    dirs: &[PathBuf],
    setup: &AnalysisSetup,
) -> (Vec<ProgressRow>, Vec<String>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for dir in dirs {
        match ReviewDoc::open(dir, setup.config.ui) {
            Ok(d) => {
                let d = d.with_setup(setup.clone());
                let r = crate::report::generate(
                    d.report_source(),
                    &setup.classifier,
                    &setup.config,
                    false,
                );
                rows.push(ProgressRow::from_report(&r, d.title.clone()));
            }
            Err(e) => problems.push(crate::error::one_line(&e)),
        }
    }
    crate::report::progress::sort_by_date(&mut rows);
    (rows, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Entry, SessionMeta};
    use crate::transcript::{Participant, Role, Utterance};

    fn make_session(root: &Path, created: u64) -> PathBuf {
        let meta = SessionMeta {
            title: format!("sessie {created}"),
            created_unix: created,
            participants: vec![
                Participant::new("Anna", Role::Facilitator),
                Participant::new("Bram", Role::Inbrenger),
            ],
            ..Default::default()
        };
        let (s, mut j) = Session::create(root, meta).unwrap();
        for (i, (who, text)) in [
            ("Anna", "Welkom, Bram, vertel maar."),
            ("Bram", "Mijn collega komt steeds te laat."),
            ("S3", "Waarom heb je dat niet gezegd?"),
        ]
        .into_iter()
        .enumerate()
        {
            j.append(&Entry::Utterance {
                index: i,
                utterance: Utterance {
                    start: i as f64 * 5.0,
                    end: i as f64 * 5.0 + 4.0,
                    speaker: who.into(),
                    text: text.into(),
                    confidence: None,
                    uncertain_words: Vec::new(),
                    speech: None,
                },
            })
            .unwrap();
        }
        j.flush().unwrap();
        s.dir
    }

    #[test]
    fn edits_survive_reopening_and_leave_the_journal_alone() {
        let root = tempfile::tempdir().unwrap();
        let dir = make_session(root.path(), 1_700_000_000);
        let journal = std::fs::read(dir.join(crate::session::JOURNAL_FILE)).unwrap();
        let mut d = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
        assert_eq!(d.lanes, vec!["Anna", "Bram", "S3"]);
        d.edit(Edit::RenameSpeaker {
            from: "S3".into(),
            to: "Carla".into(),
        });
        d.edit(Edit::EditText {
            index: 1,
            text: "Mijn collega komt vaak te laat.".into(),
        });
        assert_eq!(d.save_error, None);
        let back = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
        assert_eq!(back.transcript.utterances[2].speaker, "Carla");
        assert_eq!(
            back.transcript.utterances[1].text,
            "Mijn collega komt vaak te laat."
        );
        assert_eq!(
            std::fs::read(dir.join(crate::session::JOURNAL_FILE)).unwrap(),
            journal,
            "the journal is untouched"
        );
        // The CLI's report source sees the same corrections.
        let s = Session::open(&dir).unwrap();
        let mut src = crate::report::ReportSource::from_session(&s);
        apply_sidecar(&mut src, &s).unwrap();
        assert_eq!(src.transcript, back.transcript);
        // The report and exports use the corrected transcript.
        let html = report_html(&back, false, UiLang::Nl);
        assert!(html.contains("Carla"));
        let vtt = export_text(&back, ExportFormat::Vtt, true, UiLang::Nl);
        assert!(!vtt.contains("Anna") && !vtt.contains("Bram"), "{vtt}");
        assert!(vtt.contains("facilitator"));
    }

    #[test]
    fn saved_sessions_are_listed_newest_first_and_progress_reads_them() {
        let root = tempfile::tempdir().unwrap();
        let old = make_session(root.path(), 1_600_000_000);
        let new = make_session(root.path(), 1_700_000_000);
        std::fs::create_dir(root.path().join("not-a-session")).unwrap();
        let list = saved_sessions(root.path());
        assert_eq!(
            list.iter().map(|s| s.dir.clone()).collect::<Vec<_>>(),
            vec![new.clone(), old.clone()]
        );
        assert_eq!(list[0].title, "sessie 1700000000");
        let (rows, problems) = progress_rows(&[new, old, root.path().join("nope")], UiLang::Nl);
        assert_eq!(rows.len(), 2);
        assert_eq!(problems.len(), 1);
        assert_eq!(rows[0].date_unix, Some(1_600_000_000));
    }

    #[test]
    fn sidecar_paths() {
        assert_eq!(
            sidecar_path(&Origin::Transcript("/x/sessie.vtt".into())),
            PathBuf::from("/x/sessie.vtt.review.json")
        );
        assert_eq!(
            sidecar_path(&Origin::Session("/x/s1".into())),
            PathBuf::from("/x/s1/review.json")
        );
    }

    #[test]
    fn a_sidecar_verdict_keeps_its_kind_name_and_an_unknown_kind_is_left_out() {
        let text = r#"{"version":1,"edits":[
            {"type":"verdict","kind":"advice","start":4.0,"correct":false},
            {"type":"verdict","kind":"a_kind_of_another_version","start":5.0,"correct":true},
            {"type":"rename_speaker","from":"A","to":"B"}]}"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json.review.json");
        std::fs::write(&path, text).unwrap();
        let sidecar = load_sidecar(&path).unwrap();
        assert_eq!(
            sidecar.edits,
            vec![
                Edit::Verdict {
                    kind: crate::analysis::FlagKind::Advice,
                    start: 4.0,
                    correct: Some(false),
                },
                Edit::RenameSpeaker {
                    from: "A".into(),
                    to: "B".into(),
                },
            ]
        );
        let written = serde_json::to_value(&sidecar).unwrap();
        assert_eq!(written["edits"][0]["kind"], "advice");
        // Damage is still an error.
        std::fs::write(
            &path,
            r#"{"version":1,"edits":[{"type":"verdict","kind":7}]}"#,
        )
        .unwrap();
        assert!(load_sidecar(&path).is_err());
    }
}
