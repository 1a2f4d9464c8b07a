//! Saved sessions. A session is a folder:
//!
//! - `session.json`: what the session is (participants, method, language, model, times),
//!   rewritten atomically (temp file + rename) when it changes;
//! - `journal.jsonl`: an append-only log of everything that happened (utterances, speaker
//!   re-assignments, step changes, notes, flag verdicts), flushed to disk every second or so,
//!   so a killed app loses at most that much; a torn last line is ignored on recovery;
//! - `audio.wav`: the captured audio, written as it arrives (see [`audio_writer`]); its
//!   header is refreshed on every flush and repaired on recovery.
//!
//! [`Session::open`] replays the journal into the current state; the same replay serves
//! crash recovery, review and reports.

pub mod audio_writer;
pub mod journal;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::transcript::{Participant, StepMark, Transcript, Utterance};
pub use journal::{Entry, Journal};

/// Metadata of a session (`session.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SessionMeta {
    /// Format version of the session folder.
    pub version: u32,
    pub title: String,
    /// Seconds since the Unix epoch when the session started.
    pub created_unix: u64,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    /// The observer confirmed that everyone present consented.
    #[serde(default)]
    pub consent: bool,
    /// Whether audio was kept (retention may delete it).
    #[serde(default)]
    pub audio: bool,
}

/// The observer's own note at a time in the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub t: f64,
    pub text: String,
}

/// The observer's or trainer's verdict on a flag (review mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagVerdict {
    pub kind: String,
    pub start: f64,
    pub correct: bool,
}

/// A session's current state: metadata plus everything replayed from the journal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    pub dir: PathBuf,
    pub meta: SessionMeta,
    pub utterances: Vec<Utterance>,
    pub steps: Vec<StepMark>,
    pub notes: Vec<Note>,
    pub verdicts: Vec<FlagVerdict>,
    /// Seconds of audio the journal says were captured (last `Audio` entry).
    pub captured_seconds: f64,
    /// The journal's last line was torn (the app was killed mid-write) and was skipped.
    pub recovered_torn_line: bool,
}

pub const META_FILE: &str = "session.json";
pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const AUDIO_FILE: &str = "audio.wav";

/// Default folder for sessions: `$OBSERVANT_SESSIONS`, else `$XDG_DATA_HOME/observant/sessions`,
/// else `~/.local/share/observant/sessions`.
pub fn default_sessions_root() -> PathBuf {
    if let Ok(p) = std::env::var("OBSERVANT_SESSIONS") {
        return p.into();
    }
    if let Ok(p) = std::env::var("XDG_DATA_HOME") {
        return Path::new(&p).join("observant").join("sessions");
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| ".".into());
    Path::new(&home)
        .join(".local")
        .join("share")
        .join("observant")
        .join("sessions")
}

/// Writes `bytes` to `path` atomically (temp file in the same folder, fsync, rename), with
/// owner-only permissions.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let mut f = create_private(&tmp)?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .with_context(|| format!("schrijven mislukt / write failed: {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("schrijven mislukt / write failed: {}", path.display()))?;
    Ok(())
}

/// Creates (truncating) a file readable and writable by the owner only (0600 on Unix).
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).with_context(|| {
        format!(
            "kan bestand niet aanmaken / cannot create file: {}",
            path.display()
        )
    })
}

/// Creates a folder readable by the owner only (0700 on Unix).
pub fn create_private_dir(path: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path).with_context(|| {
        format!(
            "kan map niet aanmaken / cannot create folder: {}",
            path.display()
        )
    })
}

impl Session {
    /// Is `path` a session folder?
    pub fn is_session_dir(path: &Path) -> bool {
        path.is_dir() && path.join(META_FILE).is_file()
    }

    /// Creates a new session folder `root/<timestamp-title>` with its metadata and an empty journal.
    pub fn create(root: &Path, mut meta: SessionMeta) -> Result<(Session, Journal)> {
        create_private_dir(root)?;
        if meta.created_unix == 0 {
            meta.created_unix = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
        }
        meta.version = 1;
        let mut name = format!("sessie-{}", meta.created_unix);
        let mut n = 1;
        while root.join(&name).exists() {
            n += 1;
            name = format!("sessie-{}-{n}", meta.created_unix);
        }
        let dir = root.join(name);
        Session::create_in(&dir, meta)
    }

    /// Creates a session in exactly this (new or empty) folder.
    pub fn create_in(dir: &Path, meta: SessionMeta) -> Result<(Session, Journal)> {
        create_private_dir(dir)?;
        if dir.join(JOURNAL_FILE).exists() {
            bail!(
                "er staat al een sessie in {} / a session already exists there",
                dir.display()
            );
        }
        let s = Session {
            dir: dir.to_path_buf(),
            meta,
            ..Default::default()
        };
        s.save_meta()?;
        let journal = Journal::create(&dir.join(JOURNAL_FILE))?;
        Ok((s, journal))
    }

    /// Rewrites `session.json`.
    pub fn save_meta(&self) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.meta)?;
        write_atomic(&self.dir.join(META_FILE), &bytes)
    }

    /// Opens a session folder and replays its journal.
    pub fn open(dir: &Path) -> Result<Session> {
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&meta_path).with_context(|| {
            format!(
                "geen sessie gevonden / not a session folder: {} (missing {META_FILE})",
                dir.display()
            )
        })?;
        let meta: SessionMeta = serde_json::from_str(&text).with_context(|| {
            format!(
                "sessiebestand is beschadigd / session file is damaged: {}",
                meta_path.display()
            )
        })?;
        let mut s = Session {
            dir: dir.to_path_buf(),
            meta,
            ..Default::default()
        };
        let jpath = dir.join(JOURNAL_FILE);
        if jpath.exists() {
            let (entries, torn) = journal::read_entries(&jpath)?;
            s.recovered_torn_line = torn;
            for e in entries {
                s.apply(e);
            }
        }
        Ok(s)
    }

    /// Applies one journal entry to the state.
    pub fn apply(&mut self, e: Entry) {
        match e {
            Entry::Utterance { index, utterance } => {
                if index < self.utterances.len() {
                    self.utterances[index] = utterance;
                } else {
                    // Indices are dense; a gap can only come from a damaged journal.
                    self.utterances.push(utterance);
                }
            }
            Entry::Reassign { index, speaker } => {
                if let Some(u) = self.utterances.get_mut(index) {
                    u.speaker = speaker;
                }
            }
            Entry::EditText { index, text } => {
                if let Some(u) = self.utterances.get_mut(index) {
                    u.text = text;
                }
            }
            Entry::RenameSpeaker { from, to } => {
                for u in &mut self.utterances {
                    if u.speaker == from {
                        u.speaker = to.clone();
                    }
                }
                for p in &mut self.meta.participants {
                    if p.name == from {
                        p.name = to.clone();
                    }
                }
            }
            Entry::Step { step, t } => self.steps.push(StepMark { step, start: t }),
            Entry::Note { t, text } => self.notes.push(Note { t, text }),
            Entry::Verdict {
                kind,
                start,
                correct,
            } => {
                self.verdicts
                    .retain(|v| !(v.kind == kind && v.start == start));
                self.verdicts.push(FlagVerdict {
                    kind,
                    start,
                    correct,
                });
            }
            Entry::Audio { seconds } => self.captured_seconds = seconds,
            Entry::Participants { participants } => self.meta.participants = participants,
        }
    }

    /// The session as a transcript for the analysis core.
    pub fn transcript(&self) -> Transcript {
        Transcript {
            language: self.meta.language.clone(),
            participants: self.meta.participants.clone(),
            utterances: self.utterances.clone(),
            method: self.meta.method.clone(),
            steps: self.steps.clone(),
        }
    }

    /// Path of the session's audio, when it exists.
    pub fn audio_path(&self) -> Option<PathBuf> {
        let p = self.dir.join(AUDIO_FILE);
        p.is_file().then_some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Role;

    fn utt(start: f64, speaker: &str, text: &str) -> Utterance {
        Utterance {
            start,
            end: start + 2.0,
            speaker: speaker.into(),
            text: text.into(),
            confidence: None,
        }
    }

    #[test]
    fn journal_replay_restores_state_and_skips_a_torn_last_line() {
        let root = tempfile::tempdir().unwrap();
        let meta = SessionMeta {
            title: "test".into(),
            participants: vec![Participant {
                name: "S1".into(),
                role: Role::Deelnemer,
            }],
            ..Default::default()
        };
        let (s, mut j) = Session::create(root.path(), meta).unwrap();
        j.append(&Entry::Utterance {
            index: 0,
            utterance: utt(0.0, "S1", "Welkom."),
        })
        .unwrap();
        j.append(&Entry::Utterance {
            index: 1,
            utterance: utt(3.0, "S2", "Waarom deed je dat?"),
        })
        .unwrap();
        j.append(&Entry::Reassign {
            index: 1,
            speaker: "S1".into(),
        })
        .unwrap();
        j.append(&Entry::RenameSpeaker {
            from: "S1".into(),
            to: "Anna".into(),
        })
        .unwrap();
        j.append(&Entry::Note {
            t: 4.0,
            text: "kijkt weg".into(),
        })
        .unwrap();
        j.flush().unwrap();
        drop(j);
        // Simulate a kill in the middle of a write.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(s.dir.join(JOURNAL_FILE))
            .unwrap();
        f.write_all(b"{\"type\":\"utterance\",\"index\":2,\"utter")
            .unwrap();
        drop(f);

        let back = Session::open(&s.dir).unwrap();
        assert_eq!(back.utterances.len(), 2);
        assert!(back.utterances.iter().all(|u| u.speaker == "Anna"));
        assert_eq!(back.meta.participants[0].name, "Anna");
        assert_eq!(back.notes.len(), 1);
        assert!(back.recovered_torn_line);
    }

    #[cfg(unix)]
    #[test]
    fn session_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let (s, _j) = Session::create(root.path(), SessionMeta::default()).unwrap();
        for f in [META_FILE, JOURNAL_FILE] {
            let mode = std::fs::metadata(s.dir.join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
        let mode = std::fs::metadata(&s.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn opening_a_non_session_says_so() {
        let d = tempfile::tempdir().unwrap();
        let e = Session::open(d.path()).unwrap_err().to_string();
        assert!(e.contains("not a session folder"), "{e}");
    }
}
