//! Review mode's core: a finished session (saved session folder, transcript file or
//! transcribed recording) with the corrections made afterwards. [`ReviewDoc`] holds the
//! loaded transcript, the ordered [`Edit`]s and, derived from both by the pure analysis, the
//! current transcript, analysis and flag verdicts. Every edit re-runs the analysis (the
//! classifications are cached by text, so this takes milliseconds for a 3-hour session) and
//! is saved at once in a sidecar file; the session's own files are never rewritten.
//!
//! An encrypted saved session opens here once it was unlocked in this process
//! ([`Session::unlock`]; the start screen asks for the passphrase, a live session the app
//! started is unlocked already). Its sidecar is then kept encrypted (`review.json.enc`,
//! through [`Session::write_private`]) and its audio plays through
//! [`crate::session::playback::SessionPcm`]: nothing plaintext is written into its folder.
//!
//! - [`edits`]: the edits and how they apply;
//! - [`timeline`]: time <-> x geometry, lanes, spans, hit-testing;
//! - [`second_pass`]: a live session transcribed again offline, and what that changed;
//! - [`store`]: the sidecar (`review.json`), saved-session listing, report and export files.
//!
//! The GUI (`ui::review`) only draws a [`ReviewDoc`] and sends it edits.

pub mod edits;
pub mod second_pass;
pub mod store;
pub mod timeline;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::analysis::{Analysis, Flag, FlagKind, SpeakerStats};
use crate::app::core::SessionAnalyzer;
use crate::i18n::UiLang;
use crate::report::ReportSource;
use crate::session::{FlagVerdict, Note, Session};
use crate::transcript::{Role, Transcript};

pub use edits::Edit;

/// Where a reviewed session lives, which decides where its edits are kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A saved session folder: edits in `DIR/review.json`.
    Session(PathBuf),
    /// A transcript file: edits in `FILE.review.json` next to it.
    Transcript(PathBuf),
    /// A recording, transcribed on this device: transcript and edits in `FILE.review.json`.
    Recording(PathBuf),
    /// Not saved anywhere (the bundled demo): edits last until the review is closed.
    Unsaved(PathBuf),
}

impl Origin {
    /// The file or folder that was opened.
    pub fn path(&self) -> &Path {
        match self {
            Origin::Session(p)
            | Origin::Transcript(p)
            | Origin::Recording(p)
            | Origin::Unsaved(p) => p,
        }
    }
}

/// A session under review.
pub struct ReviewDoc {
    pub origin: Origin,
    pub title: String,
    pub created_unix: Option<u64>,
    /// The transcript as loaded, utterances in time order (edit indices refer to this order).
    pub original: Transcript,
    pub notes: Vec<Note>,
    /// Verdicts stored in the session's journal (from before this review).
    base_verdicts: Vec<FlagVerdict>,
    pub edits: Vec<Edit>,
    /// The recording to play, when there is one as a plain file (an encrypted session's audio
    /// is played through [`ReviewDoc::session`]).
    pub audio: Option<PathBuf>,
    /// The saved session under review (`Origin::Session`), without its transcript (that is in
    /// `original`): reads and writes the sidecar (encrypted for an encrypted session) and its
    /// audio.
    pub session: Option<Session>,
    /// `original` with the edits applied.
    pub transcript: Transcript,
    /// Journal verdicts with the edits' verdicts applied.
    pub verdicts: Vec<FlagVerdict>,
    /// The analysis of `transcript`.
    pub analysis: Analysis,
    /// Speakers in lane order: participants first, then other speakers by first line.
    pub lanes: Vec<String>,
    /// Bumped on every change (views cache per revision).
    pub revision: u64,
    /// Why the last save failed, if it did.
    pub save_error: Option<String>,
    /// The second pass this review shows, when it had one (its lines are `original`).
    pub pass: Option<second_pass::PassNote>,
    /// The room check of the recording, once made (the review screen runs it).
    pub room: Option<crate::room::RoomEstimate>,
    analyzer: SessionAnalyzer,
}

/// What a review starts from besides its transcript: when the session was made, and the
/// observer's notes, flag verdicts and review edits kept so far.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub created_unix: Option<u64>,
    pub notes: Vec<Note>,
    pub verdicts: Vec<FlagVerdict>,
    pub edits: Vec<Edit>,
}

/// Flag kinds and how many flags of each are kept (not marked wrong), in kind order.
pub type FlagCounts = Vec<(FlagKind, usize)>;

impl ReviewDoc {
    /// A review of `t` (sorted into time order) with the notes, verdicts and edits of its
    /// `history`.
    pub fn new(
        origin: Origin,
        title: String,
        mut t: Transcript,
        history: History,
        audio: Option<PathBuf>,
        lang: UiLang,
    ) -> ReviewDoc {
        let History {
            created_unix,
            notes,
            verdicts,
            edits,
        } = history;
        t.utterances.sort_by(|a, b| a.start.total_cmp(&b.start));
        let mut d = ReviewDoc {
            origin,
            title,
            created_unix,
            transcript: t.clone(),
            original: t,
            notes,
            verdicts: verdicts.clone(),
            base_verdicts: verdicts,
            edits,
            audio,
            session: None,
            analysis: Analysis::default(),
            lanes: Vec::new(),
            revision: 0,
            save_error: None,
            pass: None,
            room: None,
            analyzer: SessionAnalyzer::new(crate::analysis::setup::AnalysisSetup::builtin(lang)),
        };
        d.recompute();
        d
    }

    /// Opens a saved session (its folder, or `session.json`/`journal.jsonl` inside it), or a
    /// transcript file (`.json`, `.vtt`, `.srt`), or a recording already transcribed here;
    /// earlier review edits are applied.
    pub fn open(path: &Path, lang: UiLang) -> Result<ReviewDoc> {
        if let Some(dir) = store::session_dir_of(path) {
            let mut s = Session::open(&dir)?;
            let side = store::load_session_sidecar(&s)?;
            let title = if s.meta.title.trim().is_empty() || s.meta.title == "live" {
                store::folder_title(&dir)
            } else {
                s.meta.title.clone()
            };
            // A second pass keeps its lines in the sidecar; they stand in for live's.
            let transcript = match side.transcript {
                Some(t) if side.pass.is_some() => t,
                _ => s.transcript(),
            };
            let audio = s.audio_path();
            let mut d = ReviewDoc::new(
                Origin::Session(dir),
                title,
                transcript,
                History {
                    created_unix: (s.meta.created_unix > 0).then_some(s.meta.created_unix),
                    notes: std::mem::take(&mut s.notes),
                    verdicts: std::mem::take(&mut s.verdicts),
                    edits: side.edits,
                },
                audio,
                lang,
            );
            s.utterances = Vec::new();
            d.session = Some(s);
            d.pass = side.pass;
            return Ok(d);
        }
        if crate::app::core::is_recording(path) {
            let origin = Origin::Recording(path.to_path_buf());
            let side = store::load_sidecar(&store::sidecar_path(&origin))?;
            let Some(t) = side.transcript else {
                anyhow::bail!(
                    "{}: deze opname is nog niet uitgeschreven / this recording has not been transcribed yet",
                    path.display()
                );
            };
            return Ok(ReviewDoc::of_file(
                origin,
                path,
                t,
                side.edits,
                Some(path.to_path_buf()),
                lang,
            ));
        }
        let t = crate::transcript::parse::load_transcript(path)?;
        let origin = Origin::Transcript(path.to_path_buf());
        let side = store::load_sidecar(&store::sidecar_path(&origin))?;
        Ok(ReviewDoc::of_file(origin, path, t, side.edits, None, lang))
    }

    /// A document for a file outside a session folder (a recording or a transcript): titled
    /// after the file, without a date, notes or flag verdicts.
    fn of_file(
        origin: Origin,
        path: &Path,
        t: Transcript,
        edits: Vec<Edit>,
        audio: Option<PathBuf>,
        lang: UiLang,
    ) -> ReviewDoc {
        ReviewDoc::new(
            origin,
            store::file_title(path),
            t,
            History {
                edits,
                ..Default::default()
            },
            audio,
            lang,
        )
    }

    /// A freshly transcribed recording: its transcript is saved next to it at once, so
    /// reopening does not transcribe again.
    pub fn from_recording(path: &Path, t: Transcript, lang: UiLang) -> ReviewDoc {
        let mut d = ReviewDoc::of_file(
            Origin::Recording(path.to_path_buf()),
            path,
            t,
            Vec::new(),
            Some(path.to_path_buf()),
            lang,
        );
        d.save();
        d
    }

    /// Re-applies the edits and re-runs the analysis.
    fn recompute(&mut self) {
        let mut t = self.original.clone();
        let mut v = self.base_verdicts.clone();
        edits::apply_all(&mut t, &mut v, &self.edits);
        self.analysis = self.analyzer.analyze(&t);
        crate::report::words::write_analysis(&mut self.analysis, self.analyzer.setup().config.ui);
        self.lanes = lanes_of(&t);
        self.transcript = t;
        self.verdicts = v;
        self.revision += 1;
    }

    /// Applies one edit (statistics and flags update at once) and saves it.
    pub fn edit(&mut self, e: Edit) {
        self.edits.push(e);
        self.recompute();
        self.save();
    }

    /// Takes back the last edit (and saves).
    pub fn undo(&mut self) -> bool {
        if self.edits.pop().is_none() {
            return false;
        }
        self.recompute();
        self.save();
        true
    }

    /// Writes the sidecar (nothing for an unsaved review); a failure is kept in `save_error`.
    pub fn save(&mut self) {
        self.save_error = store::save(self).err().map(|e| crate::error::one_line(&e));
    }

    /// Message language changes: the flags' words are re-written (the analysis is not re-run).
    pub fn set_lang(&mut self, lang: UiLang) {
        self.analyzer.set_ui(lang);
        crate::report::words::write_analysis(&mut self.analysis, lang);
        self.revision += 1;
    }

    /// Analyses with `setup` (thresholds, cue words; its message language) from now on.
    pub fn set_setup(&mut self, setup: crate::analysis::setup::AnalysisSetup) {
        self.analyzer = SessionAnalyzer::new(setup);
        self.recompute();
    }

    /// The same review analysed with `setup`.
    pub fn with_setup(mut self, setup: crate::analysis::setup::AnalysisSetup) -> ReviewDoc {
        self.set_setup(setup);
        self
    }

    /// The setup the review analyses with.
    pub fn setup(&self) -> &crate::analysis::setup::AnalysisSetup {
        self.analyzer.setup()
    }

    /// Session length: the end of the last line (or the last step mark).
    pub fn duration(&self) -> f64 {
        self.analysis.duration_seconds.max(
            self.transcript
                .utterances
                .iter()
                .map(|u| u.end)
                .fold(0.0, f64::max),
        )
    }

    /// The verdict on a flag, if any.
    pub fn verdict(&self, f: &Flag) -> Option<bool> {
        edits::verdict_of(&self.verdicts, f)
    }

    /// Flags not marked wrong, in the analysis' order.
    pub fn kept_flags(&self) -> impl Iterator<Item = &Flag> {
        self.analysis
            .flags
            .iter()
            .filter(|f| self.verdict(f) != Some(false))
    }

    /// Number of flags marked wrong.
    pub fn excluded_flags(&self) -> usize {
        self.analysis.flags.len() - self.kept_flags().count()
    }

    /// Kept flags per kind, in kind order.
    pub fn flag_counts(&self) -> FlagCounts {
        let mut counts: FlagCounts = Vec::new();
        for f in self.kept_flags() {
            match counts.iter_mut().find(|(k, _)| *k == f.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((f.kind, 1)),
            }
        }
        counts.sort();
        counts
    }

    /// Statistics of a speaker.
    pub fn stats_of(&self, name: &str) -> Option<&SpeakerStats> {
        self.analysis.speakers.iter().find(|s| s.name == name)
    }

    /// Role of a speaker, when known.
    pub fn role_of(&self, name: &str) -> Option<Role> {
        self.transcript.role_of(name)
    }

    /// Lane (colour index) of a speaker.
    pub fn lane_of(&self, name: &str) -> Option<usize> {
        self.lanes.iter().position(|l| l == name)
    }

    /// Is this an encrypted saved session?
    pub fn is_encrypted(&self) -> bool {
        self.session.as_ref().is_some_and(Session::is_encrypted)
    }

    /// What a report or export is made of: the corrected transcript, notes and verdicts.
    pub fn report_source(&self) -> ReportSource {
        ReportSource {
            transcript: self.transcript.clone(),
            notes: self.notes.clone(),
            verdicts: self.verdicts.clone(),
            title: self.title.clone(),
            created_unix: self.created_unix,
            room: self.room,
        }
    }
}

/// Lane order: participants in their listed order, then other speakers by first line.
pub fn lanes_of(t: &Transcript) -> Vec<String> {
    let mut lanes: Vec<String> = Vec::new();
    for p in &t.participants {
        if !p.name.is_empty() && !lanes.contains(&p.name) {
            lanes.push(p.name.clone());
        }
    }
    for u in &t.utterances {
        if !u.speaker.is_empty() && !lanes.contains(&u.speaker) {
            lanes.push(u.speaker.clone());
        }
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Transcript {
        crate::transcript::parse::load_transcript(
            &crate::data_dir().join("assets/demo/demo-session.json"),
        )
        .unwrap()
    }

    fn doc() -> ReviewDoc {
        ReviewDoc::new(
            Origin::Unsaved("demo".into()),
            "demo".into(),
            demo(),
            History::default(),
            None,
            UiLang::Nl,
        )
    }

    #[test]
    fn switching_the_language_rewrites_the_words_of_the_same_flags() {
        let mut d = doc();
        let nl = d.analysis.clone();
        assert!(nl.flags.iter().all(|f| !f.message.is_empty()));
        d.set_lang(UiLang::En);
        // The same findings (facts, times, statistics), other words.
        assert_eq!(d.analysis.flags.len(), nl.flags.len());
        for (en, nl) in d.analysis.flags.iter().zip(&nl.flags) {
            assert_eq!(
                (en.kind, en.start, &en.detail),
                (nl.kind, nl.start, &nl.detail)
            );
            assert_ne!(en.message, nl.message, "{:?}", en.kind);
        }
        assert_eq!(d.analysis.speakers, nl.speakers);
        // Later edits keep the new language.
        d.edit(Edit::Verdict {
            kind: d.analysis.flags[0].kind,
            start: d.analysis.flags[0].start,
            correct: Some(true),
        });
        assert_eq!(d.analysis.flags[0].message, {
            let mut f = nl.flags[0].clone();
            crate::report::words::write_flag_of(&mut f, nl.method.as_deref(), UiLang::En);
            f.message
        });
    }

    #[test]
    fn marking_a_flag_wrong_drops_it_from_the_counts_and_undo_restores_it() {
        let mut d = doc();
        let f = d.analysis.flags[0].clone();
        let before = d.flag_counts();
        let n = before.iter().find(|(k, _)| *k == f.kind).map(|c| c.1);
        d.edit(Edit::Verdict {
            kind: f.kind,
            start: f.start,
            correct: Some(false),
        });
        let after = d.flag_counts();
        let m = after.iter().find(|(k, _)| *k == f.kind).map(|c| c.1);
        assert_eq!(m.unwrap_or(0) + 1, n.unwrap());
        assert_eq!(d.excluded_flags(), 1);
        assert_eq!(d.report_source().verdicts.len(), 1);
        assert!(d.undo());
        assert_eq!(d.flag_counts(), before);
    }

    #[test]
    fn merging_speakers_moves_talk_time() {
        let mut d = doc();
        let a = d.lanes[2].clone();
        let b = d.lanes[3].clone();
        let ta = d.stats_of(&a).map_or(0.0, |s| s.talk_seconds);
        let tb = d.stats_of(&b).map_or(0.0, |s| s.talk_seconds);
        d.edit(Edit::MergeSpeakers {
            from: b.clone(),
            into: a.clone(),
        });
        assert!(!d.lanes.contains(&b));
        let merged = d.stats_of(&a).map_or(0.0, |s| s.talk_seconds);
        assert!(
            merged > ta && merged <= ta + tb + 1e-6,
            "{merged} vs {ta}+{tb}"
        );
        assert!(d.stats_of(&b).is_none_or(|s| s.talk_seconds == 0.0));
    }
}
