//! Messages between the live pipeline and its consumers (GUI, `listen`). Plain data.

use serde::{Deserialize, Serialize};

use std::path::PathBuf;

use observant_analysis::LangHint;
use observant_analysis::{AnalyzedUtterance, Flag, SpeakerStats};
use observant_model::room::{RoomEstimate, RoomProblem};
use observant_model::transcript::Participant;

/// A stage of the live pipeline (or the scripted replay standing in for all of them). Written
/// as its lowercase name (`"transcriber"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Whisper over the speech segments.
    Transcriber,
    /// Attributing each piece to a voice.
    Speakers,
    /// The incremental analysis of the utterances.
    Analysis,
    /// The scripted pipeline's replay.
    Replay,
}

impl Stage {
    /// The stage's name, as written in events and shown in the status line.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Transcriber => "transcriber",
            Stage::Speakers => "speakers",
            Stage::Analysis => "analysis",
            Stage::Replay => "replay",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Queue length and lag of one pipeline stage, for the UI's health display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageStatus {
    pub stage: Stage,
    pub queue_len: usize,
    pub queue_capacity: usize,
    /// Seconds between the audio's capture and this stage finishing with it.
    pub lag_seconds: f64,
}

/// What the live pipeline reports. `t` in each event is seconds since capture started (wall clock).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Capture started on a device.
    Started {
        t: f64,
        device: String,
        sample_rate: u32,
    },
    /// Input level (RMS and peak in 0..1) for a level meter.
    Level { t: f64, rms: f32, peak: f32 },
    /// The room check over the last half minute of audio (every few seconds): what the
    /// microphone hears and the problems that follow from it (empty: the sound is good).
    Room {
        t: f64,
        #[serde(flatten)]
        estimate: RoomEstimate,
        problems: Vec<RoomProblem>,
    },
    /// A finished, attributed, classified utterance. `index` is its position in the session.
    Utterance {
        t: f64,
        index: usize,
        #[serde(flatten)]
        utterance: AnalyzedUtterance,
    },
    /// A pitfall flag (new since the last flag event).
    Flag {
        t: f64,
        #[serde(flatten)]
        flag: Flag,
    },
    /// Talk-time and question statistics: whole session and the last 5 minutes.
    Stats {
        t: f64,
        session: Vec<SpeakerStats>,
        recent: Vec<SpeakerStats>,
    },
    /// Pipeline health.
    Status {
        t: f64,
        stages: Vec<StageStatus>,
        captured_seconds: f64,
    },
    /// Something went wrong; the session so far is kept. `fatal` means capture stopped.
    Error {
        t: f64,
        message: String,
        fatal: bool,
    },
    /// The input device was lost (pulled out, its server gone, or it stopped delivering).
    /// Capture has stopped; the audio up to that point has gone through the pipeline and
    /// `saved_seconds` of it are in the session's audio file. With `can_reconnect` the
    /// pipeline waits for [`Command::Reconnect`] (audio is then appended to the same session)
    /// or [`Command::Stop`]; without it, the pipeline ends (`Stopped` follows). Sent again
    /// with a new message when a reconnect attempt fails.
    DeviceLost {
        t: f64,
        message: String,
        saved_seconds: f64,
        can_reconnect: bool,
    },
    /// Capture continues on `device` after a [`Event::DeviceLost`], in the same session.
    Reconnected { t: f64, device: String },
    /// The disk refuses (`ok: false`) or takes again (`ok: true`) one of the session's files
    /// (`file`: `audio.wav` or `journal.jsonl`). While it refuses, audio is held in memory
    /// (`held_seconds` so far; bounded) and retried every second; transcription and flags go
    /// on. `lost_seconds`: audio that did not fit in memory, written as silence once the disk
    /// was back, so positions stay exact.
    Disk {
        t: f64,
        file: String,
        ok: bool,
        message: String,
        held_seconds: f64,
        lost_seconds: f64,
    },
    /// Capture ended and all pending audio went through the pipeline.
    Stopped {
        t: f64,
        captured_samples: u64,
        written_samples: u64,
    },
}

/// What a consumer asks the live pipeline to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Stop capture, flush pending audio through every stage, then send `Stopped`.
    Stop,
    /// Pause/resume capture (audio during a pause is not recorded).
    SetPaused(bool),
    /// The facilitator moved to method step `step` (1-based).
    AdvanceStep { step: u32 },
    /// The observer re-assigned utterance `index` to `speaker`.
    ReassignSpeaker { index: usize, speaker: String },
    /// The observer named a voice on the spot: every line of `from` (say a guest `S2`), and
    /// every later line of that voice, is `to`.
    RenameSpeaker { from: String, to: String },
    /// Start enrolling the next utterances as `name`'s voice (round of introductions).
    EnrollNext { name: String },
    /// The observer's own timestamped note.
    Note { text: String },
    /// After [`Event::DeviceLost`]: capture again from `device` (`None`: the system default)
    /// and continue the same session.
    Reconnect { device: Option<String> },
}

/// Everything needed to start a live session.
#[derive(Debug, Clone, Default)]
pub struct LiveConfig {
    pub participants: Vec<Participant>,
    /// Method (werkvorm) id, see `analysis::methods`.
    pub method: Option<String>,
    pub lang: LangHint,
    /// Whisper model; `None` = the bundled default.
    pub model: Option<PathBuf>,
    /// Input device name; `None` = the system default.
    pub device: Option<String>,
    /// Where the session (journal + audio) is kept.
    pub save_dir: Option<PathBuf>,
    /// Encrypt the session with this passphrase (`None`: a plain session).
    pub passphrase: Option<observant_store::session::Secret>,
    pub threads: Option<usize>,
    /// At most this many voices (`None`: as many as the attribution finds).
    pub max_speakers: Option<usize>,
    /// The number of voices the conversation has, as the user gave it: live keeps that many
    /// once each has spoken enough (`None`: estimated).
    pub known_speakers: Option<usize>,
    /// The group this session is for, if any (its name is kept with the session).
    pub group: Option<String>,
    /// Known voices (the group's members with a profile): named from their first utterance.
    pub voices: Vec<observant_speech::speakers::enroll::Enrollment>,
    /// The analysis setup (thresholds, cue words, language of flag messages).
    pub setup: observant_analysis::setup::AnalysisSetup,
}

/// The consumer's end of a running pipeline.
pub struct PipelineHandle {
    pub events: crossbeam_channel::Receiver<Event>,
    pub commands: crossbeam_channel::Sender<Command>,
}

/// Starts a pipeline. The GUI receives one of these, so tests can inject a scripted pipeline
/// and the binary the real one.
pub type PipelineStarter = Box<dyn Fn(LiveConfig) -> anyhow::Result<PipelineHandle> + Send>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_written_by_their_names() {
        for stage in [
            Stage::Transcriber,
            Stage::Speakers,
            Stage::Analysis,
            Stage::Replay,
        ] {
            let status = StageStatus {
                stage,
                queue_len: 1,
                queue_capacity: 8,
                lag_seconds: 0.5,
            };
            let json = serde_json::to_value(&status).unwrap();
            assert_eq!(json["stage"], stage.as_str());
            assert_eq!(serde_json::from_value::<StageStatus>(json).unwrap(), status);
        }
    }
}
