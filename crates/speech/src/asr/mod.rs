//! Speech recognition: the [`Transcriber`] seam and its whisper-rs implementation
//! ([`whisper::WhisperTranscriber`]), plus the filters that keep Whisper's hallucinations
//! (subtitle credits, repetition loops, text on silence) out of the transcript ([`filter`]).

pub mod backends;
pub mod cores;
pub mod filter;
pub mod guard;
pub mod models;
pub mod wer;
pub mod whisper;

use anyhow::Result;
use serde::{Deserialize, Serialize};

/// A word (or sub-word token group) with its time inside the transcribed clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub probability: f32,
}

/// One recognised stretch of text; times are seconds from the start of the clip given to
/// [`Transcriber::transcribe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsrSegment {
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Mean token probability, 0..1.
    pub confidence: f32,
    /// Whisper's probability that the clip holds no speech.
    pub no_speech_probability: f32,
    pub words: Vec<Word>,
}

/// A word whose probability is below this counts as uncertain: a label that rests on it
/// (the "waarom" of a why-question) is shown as uncertain instead of asserted. Measured on
/// `audio-nl` (base model, words aligned with the truth): below 0.4 are 13 % of the words
/// recognised right and 55 % of those recognised wrong (0.3: 7 % / 43 %).
pub const UNCERTAIN_WORD_PROBABILITY: f32 = 0.4;

pub use observant_model::transcript::uncertain_key;

/// Words of a recognised segment below [`UNCERTAIN_WORD_PROBABILITY`], as kept on an
/// utterance.
pub fn uncertain_words(words: &[Word]) -> Vec<String> {
    words
        .iter()
        .filter(|w| w.probability < UNCERTAIN_WORD_PROBABILITY)
        .map(|w| uncertain_key(&w.text))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Language request for transcription.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AsrLanguage {
    /// Detect once from the first speech, then keep it (per-segment detection on short
    /// utterances is unreliable).
    #[default]
    Auto,
    /// ISO code, e.g. "nl", "en".
    Fixed(String),
}

impl AsrLanguage {
    /// The language a session or transcript file stored (`"nl"`, `"de"`, ...): fixed to it;
    /// `None`, empty or `"auto"`: detect.
    pub fn stored(code: Option<&str>) -> AsrLanguage {
        match code {
            Some(c) if !c.is_empty() && c != "auto" => AsrLanguage::Fixed(c.to_string()),
            _ => AsrLanguage::Auto,
        }
    }
}

impl From<observant_model::lang::LangHint> for AsrLanguage {
    fn from(hint: observant_model::lang::LangHint) -> AsrLanguage {
        match hint.code() {
            Some(code) => AsrLanguage::Fixed(code.to_string()),
            None => AsrLanguage::Auto,
        }
    }
}

/// Turns 16 kHz mono speech into text. Implementations: whisper-rs, and scripted ones in
/// tests. One instance is used from one thread at a time.
pub trait Transcriber: Send {
    /// Transcribes one clip (16 kHz mono f32). An empty clip gives no segments.
    fn transcribe(&mut self, pcm: &[f32]) -> Result<Vec<AsrSegment>>;
    /// Human-readable description of the loaded model (shown in the UI and `--verbose`).
    fn describe(&self) -> String;
    /// The language in use, once known.
    fn language(&self) -> Option<String>;
    /// Why the last [`Transcriber::transcribe`] was stopped early, if it was: the decoding
    /// ran away (a repetition loop or more text than the audio can hold, [`guard`]), so the
    /// clip may hold speech after the point where it stopped.
    fn last_stop(&self) -> Option<guard::Reason> {
        None
    }
    /// Like [`Transcriber::transcribe`], but gives up as soon as `cancel` is set (during the
    /// decoding where the implementation can check it, at the latest before it starts):
    /// `Ok(None)`. Live transcription decodes a still-open segment this way, so a segment
    /// that is over never waits for it.
    fn transcribe_cancellable(
        &mut self,
        pcm: &[f32],
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<Option<Vec<AsrSegment>>> {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(None);
        }
        self.transcribe(pcm).map(Some)
    }
}
