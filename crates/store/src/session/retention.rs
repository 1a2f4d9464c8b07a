//! Audio retention and "forget this session".
//!
//! The policy ([`AudioRetention`], from the settings file, see [`crate::settings`]) is applied
//! over the sessions root when the app or `listen` starts ([`apply`]): a session's audio is
//! deleted only when its transcript is complete (the live pipeline wrote the
//! [`super::TRANSCRIBED_FILE`] marker) and the policy says so; a session being recorded is
//! never touched. The decision itself is a pure function ([`audio_decision`]).
//!
//! [`forget`] removes a session folder with everything in it (after checking it is one).

use std::path::{Path, PathBuf};

use super::{AUDIO_ENC_FILE, AUDIO_FILE, Session};
use anyhow::{Context, Result, bail};

/// What to do with recorded audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioRetention {
    /// Keep the audio (the default).
    #[default]
    Keep,
    /// Delete it once the transcript is complete.
    DeleteAfterTranscription,
    /// Keep it this many days after the transcript is complete.
    KeepDays(u32),
}

/// What happens to one session's audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioDecision {
    Keep,
    Delete,
}

/// The decision for one session: `transcribed_ago` is how long ago (seconds) its transcript
/// was completed (`None`: not complete), `recording` whether it is being recorded now.
pub fn audio_decision(
    policy: AudioRetention,
    transcribed_ago: Option<u64>,
    recording: bool,
) -> AudioDecision {
    let Some(ago) = transcribed_ago else {
        return AudioDecision::Keep;
    };
    if recording {
        return AudioDecision::Keep;
    }
    match policy {
        AudioRetention::Keep => AudioDecision::Keep,
        AudioRetention::DeleteAfterTranscription => AudioDecision::Delete,
        AudioRetention::KeepDays(d) if ago >= u64::from(d) * 86_400 => AudioDecision::Delete,
        AudioRetention::KeepDays(_) => AudioDecision::Keep,
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetentionReport {
    /// Sessions whose audio was deleted.
    pub deleted: Vec<PathBuf>,
    /// Sessions skipped because they are being recorded.
    pub recording: Vec<PathBuf>,
}

/// Applies `policy` to every session folder directly under `root` at time `now` (Unix
/// seconds). A missing root is fine (nothing to do).
pub fn apply(root: &Path, policy: AudioRetention, now: u64) -> Result<RetentionReport> {
    let mut report = RetentionReport::default();
    if policy == AudioRetention::Keep {
        return Ok(report);
    }
    let Ok(read) = std::fs::read_dir(root) else {
        return Ok(report);
    };
    let mut dirs: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        if !Session::is_session_dir(&dir) || !has_audio(&dir) {
            continue;
        }
        let recording = Session::is_being_recorded(&dir);
        if recording {
            report.recording.push(dir);
            continue;
        }
        let ago = super::transcribed_at(&dir).map(|t| now.saturating_sub(t));
        if audio_decision(policy, ago, recording) == AudioDecision::Delete {
            delete_audio(&dir)?;
            report.deleted.push(dir);
        }
    }
    Ok(report)
}

/// Does the session folder hold audio?
pub fn has_audio(dir: &Path) -> bool {
    [AUDIO_FILE, AUDIO_ENC_FILE]
        .iter()
        .any(|f| dir.join(f).is_file())
}

/// Deletes the recording and the microphone's separate channels (`audio-ch*.wav|enc`).
fn delete_audio(dir: &Path) -> Result<()> {
    let mut files: Vec<std::path::PathBuf> = [AUDIO_FILE, AUDIO_ENC_FILE]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        files.extend(
            entries
                .flatten()
                .filter(|e| super::is_channel_file_name(&e.file_name().to_string_lossy()))
                .map(|e| e.path()),
        );
    }
    for p in files {
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| {
                format!(
                    "kan audio niet verwijderen / cannot delete audio: {}",
                    p.display()
                )
            })?;
        }
    }
    Ok(())
}

/// Removes a saved session completely: every file in it and the folder itself. Refuses a
/// folder that is not a session, and a session being recorded.
pub fn forget(dir: &Path) -> Result<()> {
    if !dir.exists() {
        bail!(
            "{}: map bestaat niet / folder does not exist",
            dir.display()
        );
    }
    if !Session::is_session_dir(dir) {
        bail!(
            "{}: geen sessiemap, niets verwijderd / not a session folder, nothing deleted",
            dir.display()
        );
    }
    if Session::is_being_recorded(dir) {
        bail!(
            "{}: deze sessie wordt nu opgenomen / this session is being recorded",
            dir.display()
        );
    }
    std::fs::remove_dir_all(dir).with_context(|| {
        format!(
            "kan sessie niet volledig verwijderen / cannot delete the session completely: {}",
            dir.display()
        )
    })?;
    if dir.exists() {
        bail!(
            "kan sessie niet volledig verwijderen / cannot delete the session completely: {}",
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{SessionMeta, mark_transcribed};

    const DAY: u64 = 86_400;

    #[test]
    fn decisions_follow_the_policy_and_never_touch_unfinished_or_live_sessions() {
        use AudioDecision as D;
        use AudioRetention as P;
        let cases = [
            (P::Keep, Some(100 * DAY), false, D::Keep),
            (P::DeleteAfterTranscription, Some(0), false, D::Delete),
            (P::DeleteAfterTranscription, None, false, D::Keep),
            (P::DeleteAfterTranscription, Some(5), true, D::Keep),
            (P::KeepDays(7), Some(7 * DAY - 1), false, D::Keep),
            (P::KeepDays(7), Some(7 * DAY), false, D::Delete),
            (P::KeepDays(7), None, false, D::Keep),
            (P::KeepDays(0), Some(0), false, D::Delete),
            (P::KeepDays(7), Some(30 * DAY), true, D::Keep),
        ];
        for (policy, ago, recording, want) in cases {
            assert_eq!(
                audio_decision(policy, ago, recording),
                want,
                "{policy:?} {ago:?} {recording}"
            );
        }
    }

    fn session_with_audio(root: &Path, transcribed: bool) -> (Session, PathBuf) {
        let (s, j) = Session::create(root, SessionMeta::default()).unwrap();
        drop(j);
        let mut w = s.create_audio_writer(16000).unwrap();
        w.write(&[0.1; 1600]).unwrap();
        w.finish().unwrap();
        // A microphone of two channels, each kept beside the recording.
        for mut w in s.create_channel_writers(2, 16000).unwrap() {
            w.write(&[0.1; 1600]).unwrap();
            w.finish().unwrap();
        }
        if transcribed {
            mark_transcribed(&s.dir).unwrap();
        }
        let dir = s.dir.clone();
        (s, dir)
    }

    #[test]
    fn applying_retention_deletes_only_finished_audio_and_skips_live_sessions() {
        let root = tempfile::tempdir().unwrap();
        let (done, done_dir) = session_with_audio(root.path(), true);
        drop(done);
        // Created a moment later (distinct folder name).
        let (busy, busy_dir) = session_with_audio(root.path(), false);
        drop(busy);
        let (live, live_dir) = session_with_audio(root.path(), true);
        let now = crate::session::transcribed_at(&done_dir).unwrap();

        // Keeping 7 days: nothing yet.
        let r = apply(root.path(), AudioRetention::KeepDays(7), now).unwrap();
        assert!(r.deleted.is_empty());
        assert!(has_audio(&done_dir));
        let r = apply(root.path(), AudioRetention::KeepDays(7), now + 8 * DAY).unwrap();
        assert_eq!(r.deleted, vec![done_dir.clone()]);
        assert_eq!(r.recording, vec![live_dir.clone()]);
        assert!(!has_audio(&done_dir));
        // The microphone's channels went with the recording.
        let left: Vec<String> = std::fs::read_dir(&done_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("audio"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        assert_eq!(Session::open(&busy_dir).unwrap().channel_paths().len(), 2);
        // The rest of the finished session stays; the unfinished one keeps its audio.
        assert!(Session::open(&done_dir).is_ok());
        assert!(has_audio(&busy_dir));
        assert!(has_audio(&live_dir));
        // Once the live session ends, it is treated like any other.
        drop(live);
        let r = apply(root.path(), AudioRetention::DeleteAfterTranscription, now).unwrap();
        assert_eq!(r.deleted, vec![live_dir.clone()]);
        assert!(has_audio(&busy_dir));
    }

    #[test]
    fn forget_leaves_nothing_and_refuses_other_folders() {
        let root = tempfile::tempdir().unwrap();
        let secret = crate::session::Secret::new("pw")
            .unwrap()
            .with_kdf(crate::session::KdfParams::INSECURE_FOR_TESTS);
        let (s, mut j) =
            Session::create_with(root.path(), SessionMeta::default(), Some(&secret)).unwrap();
        j.append(&crate::session::Entry::Note {
            t: 1.0,
            text: "x".into(),
        })
        .unwrap();
        j.flush().unwrap();
        drop(j);
        let mut w = s.create_audio_writer(16000).unwrap();
        w.write(&[0.2; 20000]).unwrap();
        w.finish().unwrap();
        let dir = s.dir.clone();
        // Being recorded: refused.
        assert!(forget(&dir).unwrap_err().to_string().contains("recorded"));
        drop(s);
        forget(&dir).unwrap();
        assert!(!dir.exists());
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
        // A folder that is not a session is never deleted.
        let other = root.path().join("photos");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("a.jpg"), b"x").unwrap();
        assert!(forget(&other).is_err());
        assert!(other.join("a.jpg").exists());
    }
}
