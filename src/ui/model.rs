//! What the views draw: the session as the pipeline has reported it so far. Built only from
//! pipeline [`Event`]s (and the observer's own notes); it stores and indexes, it does not
//! analyse. Every view reads from one [`SessionModel`].

use std::collections::HashMap;

use crate::analysis::{AnalyzedUtterance, Flag, FlagKind, SpeakerStats};
use crate::i18n::UiLang;
use crate::pipeline::publish::same_flag;
use crate::pipeline::{Event, StageStatus};
use crate::transcript::{Participant, Role};
use crate::ui::theme::clock;

/// One row of the live transcript: an utterance (by session index) or an observer note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Utterance(usize),
    Note(usize),
}

/// The observer's own timestamped note.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// Session time (s) when the observer started the note.
    pub t: f64,
    pub text: String,
}

/// A problem reported by the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub t: f64,
    pub message: String,
    pub fatal: bool,
    pub dismissed: bool,
}

/// The input device was lost; capture waits for a reconnect or the end of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceLoss {
    pub t: f64,
    /// The pipeline's message (why, one line, Dutch / English).
    pub message: String,
    /// Audio saved in the session's file up to the loss (s).
    pub saved_seconds: f64,
    pub can_reconnect: bool,
    /// A reconnect was asked for and has not been answered yet.
    pub reconnecting: bool,
}

/// A session file the disk refuses to take.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskTrouble {
    /// `audio.wav` or `journal.jsonl`.
    pub file: String,
    pub message: String,
    /// Audio held in memory when the trouble began (s).
    pub held_seconds: f64,
    /// Session time the trouble began.
    pub since: f64,
}

/// Which problem a [`Banner`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerKind {
    DeviceLost,
    Disk,
    /// `problems[i]`.
    Problem(usize),
}

/// A banner above the session: what happened, what it means for the session, what the user
/// can do. Built by [`SessionModel::banners`]; the view only draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Banner {
    pub kind: BannerKind,
    /// Red (capture stopped) rather than amber (the session goes on).
    pub severe: bool,
    pub title: String,
    pub detail: String,
    /// Offer a device choice and "reconnect".
    pub reconnect: bool,
    /// Offer "end session".
    pub end_session: bool,
    pub dismissable: bool,
}

/// The facilitator's current cue: the latest cue-worthy flag and when (UI time) it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub flag: Flag,
    pub shown_at: f64,
}

/// The session so far, as reported by the pipeline.
#[derive(Debug, Default)]
pub struct SessionModel {
    pub participants: Vec<Participant>,
    /// Utterances by session index (`None` for an index not yet received).
    pub utterances: Vec<Option<AnalyzedUtterance>>,
    /// Bumped when an utterance is replaced or gains a flag (for views that cache per row).
    pub revisions: Vec<u32>,
    pub rows: Vec<Row>,
    pub notes: Vec<Note>,
    pub flags: Vec<Flag>,
    /// Flag kinds per utterance index, in arrival order, without duplicates.
    pub flags_by_utterance: HashMap<usize, Vec<FlagKind>>,
    pub session_stats: Vec<SpeakerStats>,
    pub recent_stats: Vec<SpeakerStats>,
    pub stages: Vec<StageStatus>,
    pub captured_seconds: f64,
    pub level_rms: f32,
    pub level_peak: f32,
    /// The latest room check and the problems it shows.
    pub room: Option<(crate::room::RoomEstimate, Vec<crate::room::RoomProblem>)>,
    /// Latest session time seen in any event (s).
    pub now: f64,
    pub device: Option<String>,
    pub started: bool,
    pub stopped: bool,
    pub problems: Vec<Problem>,
    pub cue: Option<Cue>,
    /// Current method step (1-based), from the facilitator's advances and utterance marks.
    pub step: u32,
    /// Session time when the current step began.
    pub step_started: f64,
    /// Speaker names in order of first appearance (participants first), for colours.
    pub speaker_order: Vec<String>,
    /// Session time of each speaker's last utterance end.
    pub last_spoke: HashMap<String, f64>,
    /// The input device is lost (capture waits).
    pub device_lost: Option<DeviceLoss>,
    /// Session files the disk refuses, one entry per file.
    pub disk_trouble: Vec<DiskTrouble>,
    /// Audio that did not fit in memory while the disk was full (saved as silence), in s.
    pub lost_audio_seconds: f64,
}

impl SessionModel {
    /// A model for a session with these participants.
    pub fn new(participants: Vec<Participant>) -> SessionModel {
        let mut m = SessionModel {
            step: 1,
            ..Default::default()
        };
        for p in &participants {
            m.note_speaker(&p.name);
        }
        m.participants = participants;
        m
    }

    fn note_speaker(&mut self, name: &str) {
        if !name.is_empty() && !self.speaker_order.iter().any(|s| s == name) {
            self.speaker_order.push(name.to_string());
        }
    }

    /// Colour index of a speaker.
    pub fn speaker_index(&self, name: &str) -> usize {
        self.speaker_order
            .iter()
            .position(|s| s == name)
            .unwrap_or(self.speaker_order.len())
    }

    /// Role of a speaker, if known.
    pub fn role_of(&self, name: &str) -> Option<Role> {
        self.participants
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.role)
    }

    /// Names a line can be re-assigned to: participants, then other speakers seen.
    pub fn speaker_choices(&self) -> Vec<String> {
        self.speaker_order
            .iter()
            .filter(|n| self.is_present(n))
            .cloned()
            .collect()
    }

    /// A participant, or a speaker with at least one line (not a label whose lines all went
    /// to someone else).
    pub fn is_present(&self, name: &str) -> bool {
        self.role_of(name).is_some() || self.utterances.iter().flatten().any(|u| u.speaker == name)
    }

    /// The utterance at a session index.
    pub fn utterance(&self, index: usize) -> Option<&AnalyzedUtterance> {
        self.utterances.get(index).and_then(|u| u.as_ref())
    }

    /// Number of utterances received.
    pub fn utterance_count(&self) -> usize {
        self.utterances.iter().filter(|u| u.is_some()).count()
    }

    /// Largest lag over the pipeline's stages (s).
    pub fn lag_seconds(&self) -> Option<f64> {
        self.stages
            .iter()
            .map(|s| s.lag_seconds)
            .fold(None, |m, l| Some(m.map_or(l, |m: f64| m.max(l))))
    }

    /// The problem to show in the banner: the latest one not dismissed.
    pub fn visible_problem(&self) -> Option<(usize, &Problem)> {
        self.problems
            .iter()
            .enumerate()
            .rev()
            .find(|(_, p)| !p.dismissed)
    }

    /// The user asked to reconnect (the banner shows it until the pipeline answers).
    pub fn reconnect_requested(&mut self) {
        if let Some(l) = &mut self.device_lost {
            l.reconnecting = true;
        }
    }

    /// The banners to show, most important first: a lost device, a refusing disk, then the
    /// latest problem not dismissed.
    pub fn banners(&self, lang: UiLang) -> Vec<Banner> {
        let mut out = Vec::new();
        if let Some(l) = &self.device_lost {
            let at = clock(l.saved_seconds);
            let title = match lang {
                UiLang::Nl => format!("Microfoon weggevallen - opname tot {at} is bewaard"),
                UiLang::En => format!("Microphone lost - recording up to {at} is saved"),
            };
            let next = if l.reconnecting {
                lang.t("Opnieuw verbinden…", "Reconnecting…")
            } else if l.can_reconnect {
                lang.t(
                    "Kies een microfoon en verbind opnieuw om in dezelfde sessie door te gaan, of beëindig de sessie.",
                    "Choose a microphone and reconnect to continue the same session, or end the session.",
                )
            } else {
                lang.t(
                    "De opname is gestopt. Alles tot nu toe blijft zichtbaar en bewaard.",
                    "Recording has stopped. Everything so far stays visible and saved.",
                )
            };
            out.push(Banner {
                kind: BannerKind::DeviceLost,
                severe: true,
                title,
                detail: format!("{next} ({})", l.message),
                reconnect: l.can_reconnect && !self.stopped,
                end_session: !self.stopped,
                dismissable: false,
            });
        }
        if let Some(d) = self.disk_trouble.first() {
            let full = d.message.contains("os error 28") || d.message.contains("No space left");
            let title = match (full, lang) {
                (true, UiLang::Nl) => "Schijf vol - de sessie wordt niet meer opgeslagen",
                (true, UiLang::En) => "Disk full - the session is not being saved",
                (false, UiLang::Nl) => "Opslaan mislukt - de sessie wordt niet meer opgeslagen",
                (false, UiLang::En) => "Saving failed - the session is not being saved",
            };
            let minutes = (crate::pipeline::live::DISK_HOLD_SECONDS / 60.0).round();
            let detail = match lang {
                UiLang::Nl => format!(
                    "Sinds {}. Maak ruimte vrij: audio (tot {minutes} minuten) en tekst blijven in het geheugen en worden elke seconde opnieuw opgeslagen; transcriptie en signalen gaan door. ({})",
                    clock(d.since),
                    d.message
                ),
                UiLang::En => format!(
                    "Since {}. Free up space: audio (up to {minutes} minutes) and text stay in memory and are saved again every second; transcription and flags go on. ({})",
                    clock(d.since),
                    d.message
                ),
            };
            out.push(Banner {
                kind: BannerKind::Disk,
                severe: false,
                title: title.to_string(),
                detail,
                reconnect: false,
                end_session: false,
                dismissable: false,
            });
        }
        if let Some((i, p)) = self.visible_problem() {
            out.push(Banner {
                kind: BannerKind::Problem(i),
                severe: p.fatal,
                title: p.message.clone(),
                detail: if p.fatal {
                    lang.t(
                        "De opname is gestopt. Alles tot nu toe blijft zichtbaar en bewaard.",
                        "Recording has stopped. Everything so far stays visible and saved.",
                    )
                } else {
                    lang.t(
                        "De sessie loopt door; alles tot nu toe is bewaard.",
                        "The session continues; everything so far is kept.",
                    )
                }
                .to_string(),
                reconnect: false,
                end_session: false,
                dismissable: true,
            });
        }
        out
    }

    /// Adds the observer's note at session time `t`.
    pub fn add_note(&mut self, t: f64, text: String) {
        self.notes.push(Note { t, text });
        self.insert_row(Row::Note(self.notes.len() - 1), t);
    }

    /// Session time a row is shown at.
    pub fn row_time(&self, row: Row) -> f64 {
        match row {
            Row::Utterance(i) => self.utterance(i).map_or(0.0, |u| u.start),
            Row::Note(i) => self.notes.get(i).map_or(0.0, |n| n.t),
        }
    }

    /// Inserts a row in time order (rows nearly always arrive in order: searched from the end).
    fn insert_row(&mut self, row: Row, t: f64) {
        let mut at = self.rows.len();
        while at > 0 && self.row_time(self.rows[at - 1]) > t {
            at -= 1;
        }
        self.rows.insert(at, row);
    }

    /// The facilitator moved to `step` at session time `t`.
    pub fn set_step(&mut self, step: u32, t: f64) {
        if step != self.step {
            self.step = step;
            self.step_started = t;
        }
    }

    /// Applies one pipeline event. `ui_time` is the UI clock (s), used for cue fading.
    pub fn apply(&mut self, event: Event, ui_time: f64) {
        match event {
            Event::Started { t, device, .. } => {
                self.now = self.now.max(t);
                self.device = Some(device);
                self.started = true;
            }
            Event::Level { t, rms, peak } => {
                self.now = self.now.max(t);
                self.level_rms = rms;
                self.level_peak = peak;
            }
            Event::Room {
                t,
                estimate,
                problems,
            } => {
                self.now = self.now.max(t);
                self.room = Some((estimate, problems));
            }
            Event::Utterance {
                t,
                index,
                utterance,
            } => {
                self.now = self.now.max(t);
                self.insert_utterance(index, utterance);
            }
            Event::Flag { t, flag } => {
                self.now = self.now.max(t);
                self.insert_flag(flag, ui_time);
            }
            Event::Stats { t, session, recent } => {
                self.now = self.now.max(t);
                for s in session.iter().chain(recent.iter()) {
                    let name = s.name.clone();
                    self.note_speaker(&name);
                }
                self.session_stats = session;
                self.recent_stats = recent;
            }
            Event::Status {
                t,
                stages,
                captured_seconds,
            } => {
                self.now = self.now.max(t);
                self.stages = stages;
                self.captured_seconds = captured_seconds;
            }
            Event::Error { t, message, fatal } => {
                self.now = self.now.max(t);
                self.problems.push(Problem {
                    t,
                    message,
                    fatal,
                    dismissed: false,
                });
                if fatal {
                    self.level_rms = 0.0;
                    self.level_peak = 0.0;
                }
            }
            Event::Stopped { t, .. } => {
                self.now = self.now.max(t);
                self.stopped = true;
                self.level_rms = 0.0;
                self.level_peak = 0.0;
                if let Some(l) = &mut self.device_lost {
                    l.reconnecting = false;
                }
            }
            Event::DeviceLost {
                t,
                message,
                saved_seconds,
                can_reconnect,
            } => {
                self.now = self.now.max(t);
                self.level_rms = 0.0;
                self.level_peak = 0.0;
                self.device_lost = Some(DeviceLoss {
                    t,
                    message,
                    saved_seconds,
                    can_reconnect,
                    reconnecting: false,
                });
            }
            Event::Reconnected { t, device } => {
                self.now = self.now.max(t);
                self.device_lost = None;
                self.device = Some(device);
            }
            Event::Disk {
                t,
                file,
                ok,
                message,
                held_seconds,
                lost_seconds,
            } => {
                self.now = self.now.max(t);
                self.disk_trouble.retain(|d| d.file != file);
                if !ok {
                    self.disk_trouble.push(DiskTrouble {
                        file,
                        message,
                        held_seconds,
                        since: t,
                    });
                } else if lost_seconds > self.lost_audio_seconds {
                    let gap = clock(lost_seconds - self.lost_audio_seconds);
                    self.lost_audio_seconds = lost_seconds;
                    self.problems.push(Problem {
                        t,
                        message: format!(
                            "Schijf weer beschikbaar; {gap} audio paste niet in het geheugen en is als stilte bewaard / Disk available again; {gap} of audio did not fit in memory and was saved as silence"
                        ),
                        fatal: false,
                        dismissed: false,
                    });
                }
            }
        }
    }

    fn insert_utterance(&mut self, index: usize, utterance: AnalyzedUtterance) {
        let before = self
            .utterances
            .get(index)
            .and_then(|u| u.as_ref())
            .map(|u| u.speaker.clone());
        let known = self.speaker_order.contains(&utterance.speaker);
        self.note_speaker(&utterance.speaker);
        // A voice named on the spot (S2 -> Anna): once S2 has no line left, Anna takes its
        // place, so the colour stays with the voice.
        if let Some(old) = before
            && !known
            && old != utterance.speaker
            && self.role_of(&old).is_none()
            && !self
                .utterances
                .iter()
                .enumerate()
                .any(|(i, u)| i != index && u.as_ref().is_some_and(|u| u.speaker == old))
            && let Some(slot) = self.speaker_order.iter().position(|s| *s == old)
        {
            self.speaker_order.pop();
            self.speaker_order[slot] = utterance.speaker.clone();
        }
        let end = utterance.end;
        let speaker = utterance.speaker.clone();
        if let Some(step) = utterance.extra.step
            && step > self.step
        {
            self.step = step;
            self.step_started = utterance.start;
        }
        if index >= self.utterances.len() {
            self.utterances.resize(index + 1, None);
            self.revisions.resize(index + 1, 0);
        }
        let is_new = self.utterances[index].is_none();
        let start = utterance.start;
        self.utterances[index] = Some(utterance);
        if is_new {
            self.insert_row(Row::Utterance(index), start);
        } else {
            self.revisions[index] += 1;
            self.recompute_last_spoke();
            return;
        }
        let last = self.last_spoke.entry(speaker).or_insert(end);
        *last = last.max(end);
    }

    fn recompute_last_spoke(&mut self) {
        self.last_spoke.clear();
        for u in self.utterances.iter().flatten() {
            let e = self.last_spoke.entry(u.speaker.clone()).or_insert(u.end);
            *e = e.max(u.end);
        }
    }

    /// Re-writes the words of every flag (and of the cue on screen) in `lang`; `method` is
    /// the session's method id. Nothing is analysed again.
    pub fn write_words(&mut self, method: Option<&str>, lang: UiLang) {
        let flags = self
            .flags
            .iter_mut()
            .chain(self.cue.as_mut().map(|c| &mut c.flag));
        for f in flags {
            crate::report::words::write_flag_of(f, method, lang);
        }
    }

    fn insert_flag(&mut self, flag: Flag, ui_time: f64) {
        for &i in &flag.utterances {
            let kinds = self.flags_by_utterance.entry(i).or_default();
            if !kinds.contains(&flag.kind) {
                kinds.push(flag.kind);
                if let Some(r) = self.revisions.get_mut(i) {
                    *r += 1;
                }
            }
        }
        if let Some(existing) = self.flags.iter_mut().find(|f| same_flag(f, &flag)) {
            *existing = flag;
            return;
        }
        if crate::ui::theme::is_cue_worthy(flag.kind) {
            self.cue = Some(Cue {
                flag: flag.clone(),
                shown_at: ui_time,
            });
        }
        self.flags.push(flag);
    }

    /// Seconds since `name` last spoke (from session start when never).
    pub fn silent_for(&self, name: &str) -> f64 {
        (self.now - self.last_spoke.get(name).copied().unwrap_or(0.0)).max(0.0)
    }

    /// Session statistics of a speaker.
    pub fn stats_of<'a>(
        &'a self,
        list: &'a [SpeakerStats],
        name: &str,
    ) -> Option<&'a SpeakerStats> {
        list.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::QuestionType;

    fn utt(speaker: &str, start: f64, text: &str) -> AnalyzedUtterance {
        AnalyzedUtterance {
            start,
            end: start + 2.0,
            speaker: speaker.into(),
            text: text.into(),
            question: QuestionType::None,
            why: false,
            advice: false,
            extra: Default::default(),
        }
    }

    #[test]
    fn replaced_utterance_keeps_its_row_and_bumps_revision() {
        let mut m = SessionModel::new(vec![]);
        m.apply(
            Event::Utterance {
                t: 2.0,
                index: 0,
                utterance: utt("S1", 0.0, "Hallo"),
            },
            0.0,
        );
        m.apply(
            Event::Utterance {
                t: 3.0,
                index: 0,
                utterance: utt("Bram", 0.0, "Hallo"),
            },
            0.0,
        );
        assert_eq!(m.rows, vec![Row::Utterance(0)]);
        assert_eq!(m.utterance(0).map(|u| u.speaker.as_str()), Some("Bram"));
        assert_eq!(m.revisions[0], 1);
        assert!(!m.last_spoke.contains_key("S1"));
    }

    #[test]
    fn notes_and_utterances_stay_in_time_order() {
        let mut m = SessionModel::new(vec![]);
        m.add_note(5.0, "kijkt weg".into());
        for (i, start) in [0.0, 3.0, 8.0].into_iter().enumerate() {
            m.apply(
                Event::Utterance {
                    t: start + 2.0,
                    index: i,
                    utterance: utt("S1", start, "tekst"),
                },
                0.0,
            );
        }
        assert_eq!(
            m.rows,
            vec![
                Row::Utterance(0),
                Row::Utterance(1),
                Row::Note(0),
                Row::Utterance(2)
            ]
        );
    }

    #[test]
    fn a_lost_device_shows_what_is_saved_and_offers_reconnect_until_it_is_back() {
        let mut m = SessionModel::new(vec![]);
        m.apply(
            Event::DeviceLost {
                t: 752.0,
                message: "Het invoerapparaat is weggevallen (x) / The input device was lost (x)"
                    .into(),
                saved_seconds: 751.4,
                can_reconnect: true,
            },
            0.0,
        );
        let b = m.banners(UiLang::Nl);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].kind, BannerKind::DeviceLost);
        assert_eq!(
            b[0].title,
            "Microfoon weggevallen - opname tot 12:31 is bewaard"
        );
        assert!(b[0].severe && b[0].reconnect && b[0].end_session && !b[0].dismissable);
        assert!(b[0].detail.contains("weggevallen (x)"));
        assert_eq!(
            m.banners(UiLang::En)[0].title,
            "Microphone lost - recording up to 12:31 is saved"
        );
        m.reconnect_requested();
        assert!(m.banners(UiLang::En)[0].detail.starts_with("Reconnecting"));
        m.apply(
            Event::Reconnected {
                t: 760.0,
                device: "USB".into(),
            },
            0.0,
        );
        assert!(m.banners(UiLang::Nl).is_empty());
        assert_eq!(m.device.as_deref(), Some("USB"));
        // Without a way to reconnect, or once stopped, only "what happened" remains.
        m.apply(
            Event::DeviceLost {
                t: 800.0,
                message: "weg / gone".into(),
                saved_seconds: 799.0,
                can_reconnect: false,
            },
            0.0,
        );
        m.apply(
            Event::Stopped {
                t: 801.0,
                captured_samples: 0,
                written_samples: 0,
            },
            0.0,
        );
        let b = m.banners(UiLang::Nl);
        assert!(!b[0].reconnect && !b[0].end_session);
        assert!(b[0].detail.contains("Alles tot nu toe"));
    }

    #[test]
    fn a_full_disk_is_one_banner_until_every_file_is_saved_again() {
        let mut m = SessionModel::new(vec![]);
        let disk = |file: &str, ok: bool, lost: f64| Event::Disk {
            t: 65.0,
            file: file.into(),
            ok,
            message: if ok {
                String::new()
            } else {
                "audio could not be saved (disk full?): No space left on device (os error 28)"
                    .into()
            },
            held_seconds: 0.0,
            lost_seconds: lost,
        };
        m.apply(disk("audio.wav", false, 0.0), 0.0);
        m.apply(disk("journal.jsonl", false, 0.0), 0.0);
        let b = m.banners(UiLang::Nl);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].kind, BannerKind::Disk);
        assert!(b[0].title.starts_with("Schijf vol"), "{}", b[0].title);
        assert!(b[0].detail.contains("Sinds 1:05") && b[0].detail.contains("5 minuten"));
        assert!(m.banners(UiLang::En)[0].title.starts_with("Disk full"));
        m.apply(disk("audio.wav", true, 0.0), 0.0);
        assert_eq!(m.banners(UiLang::Nl).len(), 1, "the journal still waits");
        m.apply(disk("journal.jsonl", true, 0.0), 0.0);
        assert!(m.banners(UiLang::Nl).is_empty());
        // Audio that did not fit in memory is said once, as a notice that can be dismissed.
        m.apply(disk("audio.wav", false, 0.0), 0.0);
        m.apply(disk("audio.wav", true, 90.0), 0.0);
        let b = m.banners(UiLang::Nl);
        assert_eq!(b.len(), 1);
        assert!(b[0].dismissable && !b[0].severe);
        assert!(b[0].title.contains("1:30 audio"), "{}", b[0].title);
    }

    #[test]
    fn updated_flag_replaces_and_does_not_recue() {
        let mut m = SessionModel::new(vec![]);
        let mut f = Flag {
            kind: FlagKind::RapidFire,
            start: 1.0,
            end: 5.0,
            speaker: None,
            target: Some("Bram".into()),
            message: String::new(),
            evidence: String::new(),
            utterances: vec![0, 1],
            uncertain: false,
            detail: Default::default(),
        };
        m.apply(
            Event::Flag {
                t: 5.0,
                flag: f.clone(),
            },
            1.0,
        );
        f.end = 9.0;
        f.utterances.push(2);
        m.apply(Event::Flag { t: 9.0, flag: f }, 4.0);
        assert_eq!(m.flags.len(), 1);
        assert_eq!(m.flags[0].end, 9.0);
        assert_eq!(m.cue.as_ref().map(|c| c.shown_at), Some(1.0));
        assert_eq!(
            m.flags_by_utterance.get(&2),
            Some(&vec![FlagKind::RapidFire])
        );
    }
}
