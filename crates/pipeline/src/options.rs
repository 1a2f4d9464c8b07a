//! Plain options for the speech pipelines, filled by whoever starts them (the command line's
//! arguments, the GUI's start screen): the pipeline never sees how they were typed.

use std::path::PathBuf;

use observant_model::lang::LangHint;

/// How audio becomes a transcript: model, language, threads, speakers.
#[derive(Debug, Clone, Default)]
pub struct SpeechOptions {
    /// Whisper model (any ggml Whisper model); `None`: the bundled base model.
    pub model: Option<PathBuf>,
    /// Spoken language (fixed or detected).
    pub lang: LangHint,
    /// CPU threads for transcription (`None`: the cores left free; live: one).
    pub threads: Option<usize>,
    /// Number of speakers when known (`None`: estimated).
    pub speakers: Option<usize>,
    /// At most this many speakers (`None`: up to the attribution's own limit).
    pub max_speakers: Option<usize>,
    /// Voices enrolled by name: `NAME=recording` specs as typed.
    pub enroll: Vec<String>,
    /// Voice activity detector by name (`silero`, `energy`).
    pub vad: String,
    /// Do not attribute speakers (everything is S1).
    pub no_diarize: bool,
    /// Do not dereverberate (several channels before they become one, one channel before
    /// the recogniser hears it, the VAD's view of a room that hides a voice from it).
    pub no_dereverb: bool,
    /// Name known voices from this group's voice profiles.
    pub group: Option<String>,
    /// The file holding the passphrase that unlocks the group store (and sessions).
    pub passphrase_file: Option<PathBuf>,
}

/// What a live session is about: participants, method, analysis configuration.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Participants and roles: "Anna=facilitator,Bram=inbrenger,...".
    pub participants: Option<String>,
    /// Method (werkvorm) by id, name or alias.
    pub method: Option<String>,
    /// Configuration file (TOML) with thresholds and extra cue words.
    pub config: Option<PathBuf>,
    /// File holding the passphrase of encrypted sessions.
    pub passphrase_file: Option<PathBuf>,
}
