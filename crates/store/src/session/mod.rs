//! Saved sessions. A session is a folder:
//!
//! - `session.json`: what the session is (participants, method, language, model, times),
//!   rewritten atomically (temp file + rename) when it changes;
//! - `journal.jsonl`: an append-only log of everything that happened (utterances, speaker
//!   re-assignments, step changes, notes, flag verdicts), flushed to disk every second or so,
//!   so a killed app loses at most that much; a torn last line is ignored on recovery;
//! - `audio.wav`: the captured audio, written as it arrives (see [`audio_writer`]); its
//!   header is refreshed on every flush and repaired on recovery;
//! - `audio-ch1.wav`, `audio-ch2.wav`, ...: when the microphone has several channels (a laptop
//!   array, a speakerphone), each channel as it was heard, beside the one channel live made
//!   of them, so the second pass can use every microphone ([`Session::channel_audio`]).
//!
//! [`Session::open`] replays the journal into the current state; the same replay serves
//! crash recovery, review and reports.
//!
//! ## Encrypted sessions
//!
//! A session created with a passphrase ([`Session::create_in_with`] / [`Session::create_with`]
//! given a [`Secret`]) keeps everything encrypted (see [`crypt`] and [`records`]):
//! `session.key` (the session's random data key, wrapped under an Argon2id key from the
//! passphrase), `session.enc` (the metadata), `journal.enc` (the journal, one sealed record per
//! flush) and `audio.enc` (the audio in sealed records of 0.5 s; a microphone array's channels
//! the same way in `audio-ch1.enc`, ...). A killed app loses at most the record being written; a record that was altered, moved or dropped is an error. Open
//! one with [`Session::open_with`] (or [`Session::open_opt`]); [`Session::open`] says that a
//! passphrase is needed ([`CryptError::NeedPassphrase`]); a wrong one is
//! [`CryptError::WrongPassphrase`] ("Verkeerd wachtwoord / wrong passphrase"). Nothing
//! plaintext is written into an encrypted session folder, not even temporarily; other
//! modules that keep files in a session folder use [`Session::write_private`] and
//! [`Session::read_private`], which encrypt when the session is encrypted.
//!
//! ## Reading the audio (plain or encrypted): [`Session::audio`]
//!
//! `session.audio()?` gives `Some(`[`SessionAudio`]`)` when the session has audio:
//! [`SessionAudio::len`] (samples), [`SessionAudio::sample_rate`],
//! [`SessionAudio::read`]`(offset, &mut buf)` (samples from any offset, in -1..1) and
//! [`SessionAudio::read_all`]. It works the same for `audio.wav` and `audio.enc`.
//!
//! ## Retention and forgetting
//!
//! [`retention`] applies the user's audio retention setting over the sessions root and
//! [`retention::forget`] removes a session folder completely. A session being recorded holds
//! a lock on its journal ([`Session::is_being_recorded`]) and is never touched; the live
//! pipeline marks a session's transcript complete ([`mark_transcribed`]) when it finishes.

pub mod audio_reader;
pub mod audio_writer;
pub mod crypt;
pub mod journal;
pub mod playback;
pub mod records;
pub mod retention;
pub mod sealed;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

pub use audio_reader::SessionAudio;
pub use crypt::{CryptError, KdfParams, Secret};
pub use journal::{Entry, Journal};
use observant_analysis::FlagKind;
use observant_model::transcript::{Participant, StepMark, Transcript, Utterance};

use crypt::DataKey;
use records::Kind;
use zeroize::Zeroizing;

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
    /// The group (`crate::groups`) the session was held for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The most voices the session was started with (the start screen's "Stemmen", listen's
    /// `--speakers`/`--max-speakers`): live opened no more, and without a
    /// [`SessionMeta::known_speakers`] the second pass keeps to it as a cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_speakers: Option<usize>,
    /// The number of voices the user gave (the start screen's "Stemmen", listen's
    /// `--speakers`): live kept that many once each had spoken, and the second pass clusters
    /// into exactly that many. `None`: the count was a cap or estimated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_speakers: Option<usize>,
}

/// The observer's own note at a time in the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub t: f64,
    pub text: String,
}

/// The observer's or trainer's verdict on a flag (review mode). The kind is written as its
/// snake_case name (`"why_question"`), as before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagVerdict {
    pub kind: FlagKind,
    pub start: f64,
    pub correct: bool,
}

/// The flag kind a journal or sidecar names (`"why_question"`); `None` for one this version
/// does not know (written by another version).
pub fn flag_kind(name: &str) -> Option<FlagKind> {
    use serde::de::IntoDeserializer;
    FlagKind::deserialize(IntoDeserializer::<serde::de::value::Error>::into_deserializer(name)).ok()
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
    /// The data key of an encrypted session (`None`: plain).
    key: Option<DataKey>,
    /// Held while this session is being written (created here): see [`Session::is_being_recorded`].
    lock: Option<RecordingLock>,
}

/// An exclusive lock on a session's journal, held while the session is being recorded.
#[derive(Debug, Clone)]
struct RecordingLock(#[allow(dead_code)] std::sync::Arc<std::fs::File>);

impl PartialEq for RecordingLock {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

pub const META_FILE: &str = "session.json";
pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const AUDIO_FILE: &str = "audio.wav";
/// Encrypted sessions: the wrapped data key (its presence marks an encrypted session).
pub const KEY_FILE: &str = "session.key";
/// Encrypted sessions: the metadata.
pub const META_ENC_FILE: &str = "session.enc";
/// Encrypted sessions: the journal.
pub const JOURNAL_ENC_FILE: &str = "journal.enc";
/// Encrypted sessions: the audio.
pub const AUDIO_ENC_FILE: &str = "audio.enc";
/// The file that keeps channel `index` (1, 2, ...) of a multi-channel microphone: `audio-ch1.wav`,
/// or `audio-ch1.enc` in an encrypted session.
pub fn channel_file_name(index: usize, encrypted: bool) -> String {
    let ext = if encrypted { "enc" } else { "wav" };
    format!("audio-ch{index}.{ext}")
}

/// Is `name` one of the files [`channel_file_name`] makes?
pub fn is_channel_file_name(name: &str) -> bool {
    name.strip_prefix("audio-ch")
        .and_then(|r| r.strip_suffix(".wav").or_else(|| r.strip_suffix(".enc")))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Plain marker: the session's transcript is complete (content: Unix seconds when it was).
pub const TRANSCRIBED_FILE: &str = "transcribed";

/// Marks the transcript of the session in `dir` complete (retention may then delete audio).
pub fn mark_transcribed(dir: &Path) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    write_atomic(&dir.join(TRANSCRIBED_FILE), now.to_string().as_bytes())
}

/// When the transcript of the session in `dir` was marked complete (Unix seconds), if it was.
pub fn transcribed_at(dir: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join(TRANSCRIBED_FILE)).ok()?;
    text.trim().parse().ok()
}

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

/// Data keys of sessions unlocked in this process (see [`Session::unlock`]).
static UNLOCKED: std::sync::Mutex<Vec<(PathBuf, DataKey)>> = std::sync::Mutex::new(Vec::new());

fn unlocked_key(dir: &Path) -> Option<DataKey> {
    let id = dir.canonicalize().ok()?;
    let u = UNLOCKED.lock().ok()?;
    u.iter().find(|(d, _)| *d == id).map(|(_, k)| k.clone())
}

/// Forgets every unlocked session key of this process.
pub fn lock_all() {
    if let Ok(mut u) = UNLOCKED.lock() {
        u.clear();
    }
}

/// Takes the exclusive recording lock on the session's journal (released when the file is
/// closed, also when the process dies).
fn lock_journal(dir: &Path) -> Result<std::fs::File> {
    let path = [JOURNAL_ENC_FILE, JOURNAL_FILE]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .unwrap_or_else(|| dir.join(JOURNAL_FILE));
    let f = std::fs::File::open(&path)
        .with_context(|| format!("kan niet openen / cannot open: {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "sessie wordt al opgenomen / session is already being recorded: {}",
            dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(e)
            .with_context(|| format!("vergrendelen mislukt / lock failed: {}", path.display())),
    }
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

/// The session's metadata from the bytes of `path` (plain or decrypted).
fn parse_meta(bytes: &[u8], path: &Path) -> Result<SessionMeta> {
    serde_json::from_slice(bytes).with_context(|| {
        format!(
            "sessiebestand is beschadigd / session file is damaged: {}",
            path.display()
        )
    })
}

impl Session {
    /// Is `path` a session folder (plain or encrypted)?
    pub fn is_session_dir(path: &Path) -> bool {
        path.is_dir() && (path.join(META_FILE).is_file() || path.join(KEY_FILE).is_file())
    }

    /// Is `path` an encrypted session folder?
    pub fn is_encrypted_dir(path: &Path) -> bool {
        path.is_dir() && path.join(KEY_FILE).is_file()
    }

    /// Is this session encrypted?
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// Creates a new plain session folder `root/<timestamp-title>` with its metadata and an
    /// empty journal.
    pub fn create(root: &Path, meta: SessionMeta) -> Result<(Session, Journal)> {
        Session::create_with(root, meta, None)
    }

    /// [`Session::create`], encrypted with `secret` when given.
    pub fn create_with(
        root: &Path,
        mut meta: SessionMeta,
        secret: Option<&Secret>,
    ) -> Result<(Session, Journal)> {
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
        Session::create_in_with(&dir, meta, secret)
    }

    /// Creates a plain session in exactly this (new or empty) folder.
    pub fn create_in(dir: &Path, meta: SessionMeta) -> Result<(Session, Journal)> {
        Session::create_in_with(dir, meta, None)
    }

    /// Creates a session in exactly this (new or empty) folder, encrypted with `secret` when
    /// given. The returned session holds the recording lock until it is dropped.
    pub fn create_in_with(
        dir: &Path,
        meta: SessionMeta,
        secret: Option<&Secret>,
    ) -> Result<(Session, Journal)> {
        create_private_dir(dir)?;
        if [JOURNAL_FILE, JOURNAL_ENC_FILE, KEY_FILE]
            .iter()
            .any(|f| dir.join(f).exists())
        {
            bail!(
                "er staat al een sessie in {} / a session already exists there",
                dir.display()
            );
        }
        let key = match secret {
            Some(secret) => {
                let key = DataKey::generate();
                write_atomic(&dir.join(KEY_FILE), &crypt::wrap_key(&key, secret)?)?;
                Some(key)
            }
            None => None,
        };
        let mut s = Session {
            dir: dir.to_path_buf(),
            meta,
            key,
            ..Default::default()
        };
        s.save_meta()?;
        let journal = match &s.key {
            Some(k) => Journal::on(Box::new(sealed::SealedJournalFile::create(
                &dir.join(JOURNAL_ENC_FILE),
                k,
            )?)),
            None => Journal::create(&dir.join(JOURNAL_FILE))?,
        };
        s.lock = Some(RecordingLock(std::sync::Arc::new(lock_journal(dir)?)));
        Ok((s, journal))
    }

    /// Rewrites the metadata (`session.json`, or `session.enc` when encrypted).
    pub fn save_meta(&self) -> Result<()> {
        let bytes = Zeroizing::new(serde_json::to_vec_pretty(&self.meta)?);
        match &self.key {
            Some(k) => write_atomic(
                &self.dir.join(META_ENC_FILE),
                &records::seal_bytes(k, Kind::Meta, 0, &bytes),
            ),
            None => write_atomic(&self.dir.join(META_FILE), &bytes),
        }
    }

    /// Opens a plain session folder and replays its journal. An encrypted one is an error
    /// ([`CryptError::NeedPassphrase`]): use [`Session::open_with`].
    pub fn open(dir: &Path) -> Result<Session> {
        Session::open_opt(dir, None)
    }

    /// Opens a session folder, decrypting it with `secret` when it is encrypted (a plain one
    /// opens as with [`Session::open`]). A wrong passphrase is [`CryptError::WrongPassphrase`].
    pub fn open_with(dir: &Path, secret: &Secret) -> Result<Session> {
        Session::open_opt(dir, Some(secret))
    }

    /// [`Session::open_with`] when a passphrase is at hand, else [`Session::open`].
    pub fn open_opt(dir: &Path, secret: Option<&Secret>) -> Result<Session> {
        if Session::is_encrypted_dir(dir) {
            let Some(secret) = secret else {
                return match unlocked_key(dir) {
                    Some(key) => Session::open_keyed(dir, key),
                    None => bail!(CryptError::NeedPassphrase),
                };
            };
            let kpath = dir.join(KEY_FILE);
            let kbytes = std::fs::read(&kpath)
                .with_context(|| format!("kan niet lezen / cannot read: {}", kpath.display()))?;
            let key = crypt::unwrap_key(&kbytes, secret)?;
            return Session::open_keyed(dir, key);
        }
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&meta_path).with_context(|| {
            format!(
                "geen sessie gevonden / not a session folder: {} (missing {META_FILE})",
                dir.display()
            )
        })?;
        let meta = parse_meta(text.as_bytes(), &meta_path)?;
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

    fn open_keyed(dir: &Path, key: DataKey) -> Result<Session> {
        let meta_path = dir.join(META_ENC_FILE);
        let (bytes, _) = records::read_file(&meta_path, &key, Kind::Meta)?;
        let meta = parse_meta(&bytes, &meta_path)?;
        let mut s = Session {
            dir: dir.to_path_buf(),
            meta,
            key: Some(key),
            ..Default::default()
        };
        let jpath = dir.join(JOURNAL_ENC_FILE);
        if jpath.exists() {
            let k = s.key.as_ref().expect("set above");
            let (plain, torn_record) = records::read_file(&jpath, k, Kind::Journal)?;
            let (entries, torn_line) = journal::parse_entries(&plain[..])
                .with_context(|| format!("journaal / journal: {}", jpath.display()))?;
            s.recovered_torn_line = torn_record || torn_line;
            for e in entries {
                s.apply(e);
            }
        }
        Ok(s)
    }

    /// A journal to append to (review edits, a resumed recording): the session's own format,
    /// a torn tail cut first.
    pub fn journal_for_append(&self) -> Result<Journal> {
        match &self.key {
            Some(k) => Ok(Journal::on(Box::new(sealed::SealedJournalFile::append_to(
                &self.dir.join(JOURNAL_ENC_FILE),
                k,
            )?))),
            None => Journal::append_to(&self.dir.join(JOURNAL_FILE)),
        }
    }

    /// A new audio writer for this session (`audio.wav`, or `audio.enc` when encrypted).
    pub fn create_audio_writer(&self, sample_rate: u32) -> Result<audio_writer::AudioWriter> {
        match &self.key {
            Some(k) => audio_writer::AudioWriter::on(
                Box::new(sealed::SealedWav::create(
                    &self.dir.join(AUDIO_ENC_FILE),
                    k,
                    sample_rate,
                )?),
                sample_rate,
            ),
            None => audio_writer::AudioWriter::create(&self.dir.join(AUDIO_FILE), sample_rate),
        }
    }

    /// Writers for each channel of a multi-channel microphone (`audio-ch1.wav`, ..., or `.enc`
    /// when encrypted), 16-bit mono files like the recording itself.
    pub fn create_channel_writers(
        &self,
        channels: usize,
        sample_rate: u32,
    ) -> Result<Vec<audio_writer::AudioWriter>> {
        (1..=channels)
            .map(|i| {
                let p = self.dir.join(channel_file_name(i, self.key.is_some()));
                match &self.key {
                    Some(k) => audio_writer::AudioWriter::on(
                        Box::new(sealed::SealedWav::create(&p, k, sample_rate)?),
                        sample_rate,
                    ),
                    None => audio_writer::AudioWriter::create(&p, sample_rate),
                }
            })
            .collect()
    }

    /// The paths of the channel files that exist, channel 1 first (stops at the first missing).
    pub fn channel_paths(&self) -> Vec<PathBuf> {
        (1..)
            .map(|i| self.dir.join(channel_file_name(i, self.key.is_some())))
            .take_while(|p| p.is_file())
            .collect()
    }

    /// Every channel of the microphone the session was recorded with, when there were two or
    /// more and they were kept whole: each as long as the recording within 2 s (what a killed
    /// app can leave unflushed; a channel file cut short by a full disk, or by a device that
    /// came back with other channels, or damaged, is not used). `None` otherwise: the
    /// recording itself is then all there is.
    pub fn channel_audio(&self) -> Result<Option<Vec<SessionAudio>>> {
        let paths = self.channel_paths();
        if paths.len() < 2 {
            return Ok(None);
        }
        let Some(main) = self.audio()? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(paths.len());
        for p in &paths {
            let opened = match &self.key {
                Some(k) => SessionAudio::open_sealed(p, k),
                None => SessionAudio::open_wav(p),
            };
            // A damaged copy is no reason to stop: the recording is there.
            let Ok(a) = opened else {
                return Ok(None);
            };
            let tolerance = 2 * u64::from(main.sample_rate());
            if a.sample_rate() != main.sample_rate() || a.len().abs_diff(main.len()) > tolerance {
                return Ok(None);
            }
            out.push(a);
        }
        Ok(Some(out))
    }

    /// The session's audio for reading and seeking, plain or encrypted (`None`: no audio, e.g.
    /// deleted by retention). See the module docs.
    pub fn audio(&self) -> Result<Option<SessionAudio>> {
        match &self.key {
            Some(k) => {
                let p = self.dir.join(AUDIO_ENC_FILE);
                if !p.is_file() {
                    return Ok(None);
                }
                SessionAudio::open_sealed(&p, k).map(Some)
            }
            None => {
                let p = self.dir.join(AUDIO_FILE);
                if !p.is_file() {
                    return Ok(None);
                }
                SessionAudio::open_wav(&p).map(Some)
            }
        }
    }

    /// Does the session have audio (`audio.wav`, or `audio.enc` when encrypted)? Only checks
    /// that the file is there; [`Session::audio`] opens it.
    pub fn has_audio(&self) -> bool {
        let name = if self.key.is_some() {
            AUDIO_ENC_FILE
        } else {
            AUDIO_FILE
        };
        self.dir.join(name).is_file()
    }

    /// Path of the session's plain WAV audio, when it exists (never for an encrypted session:
    /// use [`Session::audio`], which reads both).
    pub fn audio_path(&self) -> Option<PathBuf> {
        let p = self.dir.join(AUDIO_FILE);
        (self.key.is_none() && p.is_file()).then_some(p)
    }

    /// Writes a file of another module into the session folder (`name` must be a plain file
    /// name), atomically and private; encrypted (as `name.enc`) when the session is.
    pub fn write_private(&self, name: &str, bytes: &[u8]) -> Result<()> {
        anyhow::ensure!(
            !name.contains(['/', '\\']) && !name.starts_with('.'),
            "ongeldige bestandsnaam / invalid file name: {name}"
        );
        match &self.key {
            Some(k) => write_atomic(
                &self.dir.join(format!("{name}.enc")),
                &records::seal_bytes(k, Kind::Meta, 1, bytes),
            ),
            None => write_atomic(&self.dir.join(name), bytes),
        }
    }

    /// Reads what [`Session::write_private`] wrote (`None` when there is no such file).
    pub fn read_private(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let path = match &self.key {
            Some(_) => self.dir.join(format!("{name}.enc")),
            None => self.dir.join(name),
        };
        if !path.is_file() {
            return Ok(None);
        }
        match &self.key {
            Some(k) => Ok(Some(records::read_file(&path, k, Kind::Meta)?.0)),
            None => Ok(Some(Zeroizing::new(std::fs::read(&path).with_context(
                || format!("kan niet lezen / cannot read: {}", path.display()),
            )?))),
        }
    }

    /// Checks `secret` against the encrypted session in `dir` and keeps its data key in memory
    /// for this process, so [`Session::open`] opens it from now on (the GUI asks for the
    /// passphrase once, then the review code opens the session as usual).
    pub fn unlock(dir: &Path, secret: &Secret) -> Result<()> {
        let kpath = dir.join(KEY_FILE);
        let kbytes = std::fs::read(&kpath)
            .with_context(|| format!("kan niet lezen / cannot read: {}", kpath.display()))?;
        let key = crypt::unwrap_key(&kbytes, secret)?;
        let id = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Ok(mut u) = UNLOCKED.lock() {
            u.retain(|(d, _)| *d != id);
            u.push((id, key));
        }
        Ok(())
    }

    /// Was the encrypted session in `dir` unlocked in this process?
    pub fn is_unlocked(dir: &Path) -> bool {
        unlocked_key(dir).is_some()
    }

    /// Is the session in `dir` being recorded right now (by this or another process)?
    pub fn is_being_recorded(dir: &Path) -> bool {
        [JOURNAL_FILE, JOURNAL_ENC_FILE].iter().any(|f| {
            std::fs::File::open(dir.join(f)).is_ok_and(|file| {
                matches!(
                    file.try_lock_shared(),
                    Err(std::fs::TryLockError::WouldBlock)
                )
            })
        })
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
                // A kind this version does not know matches no flag: it is left out.
                if let Some(kind) = flag_kind(&kind) {
                    self.verdicts
                        .retain(|v| !(v.kind == kind && v.start == start));
                    self.verdicts.push(FlagVerdict {
                        kind,
                        start,
                        correct,
                    });
                }
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_model::transcript::Role;

    fn utt(start: f64, speaker: &str, text: &str) -> Utterance {
        Utterance {
            start,
            end: start + 2.0,
            speaker: speaker.into(),
            text: text.into(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }

    /// A session of `len` samples with `channels` channel files of the given lengths,
    /// encrypted when `secret` is given; channel `k` holds the constant `0.1 * (k + 1)`.
    fn with_channels(
        root: &Path,
        secret: Option<&Secret>,
        len: usize,
        channel_lens: &[usize],
    ) -> Session {
        let root = root.join(format!("r{}{len}{channel_lens:?}", secret.is_some()));
        std::fs::create_dir_all(&root).unwrap();
        let (s, j) = Session::create_with(&root, SessionMeta::default(), secret).unwrap();
        drop(j);
        let mut w = s.create_audio_writer(16000).unwrap();
        w.write(&vec![0.05; len]).unwrap();
        w.finish().unwrap();
        let writers = s.create_channel_writers(channel_lens.len(), 16000).unwrap();
        for (k, (mut w, &n)) in writers.into_iter().zip(channel_lens).enumerate() {
            w.write(&vec![0.1 * (k + 1) as f32; n]).unwrap();
            w.finish().unwrap();
        }
        s
    }

    #[test]
    fn a_microphone_s_channels_are_read_back_only_when_they_are_whole() {
        let root = tempfile::tempdir().unwrap();
        let secret = Secret::new("pw")
            .unwrap()
            .with_kdf(KdfParams::INSECURE_FOR_TESTS);
        for secret in [None, Some(&secret)] {
            // Two channels as long as the recording: both, in order, plain or encrypted.
            let s = with_channels(root.path(), secret, 32000, &[32000, 32000]);
            let chs = s.channel_audio().unwrap().expect("two channels");
            assert_eq!(chs.len(), 2);
            for (k, mut a) in chs.into_iter().enumerate() {
                let pcm = a.read_all().unwrap();
                assert_eq!(pcm.len(), 32000);
                assert!(
                    (pcm[100] - 0.1 * (k + 1) as f32).abs() < 1e-3,
                    "{}",
                    pcm[100]
                );
            }
            let names: Vec<String> = s
                .channel_paths()
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect();
            let ext = if secret.is_some() { "enc" } else { "wav" };
            assert_eq!(
                names,
                [format!("audio-ch1.{ext}"), format!("audio-ch2.{ext}")]
            );
        }
        // Cut short (a full disk): the recording alone is used; a second short (a kill) is
        // still whole enough.
        let s = with_channels(root.path(), None, 64000, &[64000, 16000]);
        assert!(s.channel_audio().unwrap().is_none());
        let s = with_channels(root.path(), None, 64000, &[64000, 48000]);
        assert_eq!(s.channel_audio().unwrap().map(|c| c.len()), Some(2));
        // Damaged: not used, and no error (the recording is there).
        std::fs::write(&s.channel_paths()[1], b"RIFF....WAVEjunk").unwrap();
        assert!(s.channel_audio().unwrap().is_none());
        // One channel is no array.
        let s = with_channels(root.path(), None, 32000, &[32000]);
        assert!(s.channel_audio().unwrap().is_none());
        assert!(is_channel_file_name("audio-ch12.enc"));
        assert!(!is_channel_file_name("audio-ch.wav") && !is_channel_file_name("audio.wav"));
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

    #[test]
    fn verdicts_keep_their_kind_and_an_unknown_kind_is_left_out() {
        let root = tempfile::tempdir().unwrap();
        let (s, mut j) = Session::create(root.path(), SessionMeta::default()).unwrap();
        for kind in ["advice", "a_kind_of_another_version"] {
            j.append(&Entry::Verdict {
                kind: kind.into(),
                start: 4.0,
                correct: false,
            })
            .unwrap();
        }
        j.flush().unwrap();
        let back = Session::open(&s.dir).unwrap();
        assert_eq!(
            back.verdicts,
            vec![FlagVerdict {
                kind: FlagKind::Advice,
                start: 4.0,
                correct: false,
            }]
        );
        assert_eq!(flag_kind("why_question"), Some(FlagKind::WhyQuestion));
        assert_eq!(
            serde_json::to_value(&back.verdicts[0]).unwrap()["kind"],
            "advice"
        );
    }
}
