//! Result types of the analysis core, serialised exactly as `shared/contract.md` fixes them
//! (extra fields are extensions; none of the contract's names may change).

use serde::{Deserialize, Serialize};

use observant_model::transcript::Role;

/// Question type by meaning, not punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    Open,
    Closed,
    #[default]
    None,
}

/// The hand-out's four question categories ("De kunst van het vragenstellen").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionCategory {
    /// 1. clarifying the case situation (wat gebeurde er precies?)
    Situation,
    /// 2. clarifying the actual actions / thoughts (wat dacht je op dat moment?)
    Actions,
    /// 3. the inbrenger's experience and feelings (wat betekent dit voor jou?)
    Experience,
    /// 4. learning and change (wat heb je over jezelf ontdekt?)
    Learning,
}

/// Informative (facts) vs experience (feelings/meaning) question, as the hand-out contrasts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionFocus {
    Informative,
    Experience,
}

pub use observant_model::lang::{Lang, LangHint};

/// Why a label was given: the label and the cue (words from the utterance or the rule) that
/// triggered it, so a facilitator can see why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub cue: String,
}

/// Labels of one utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Classification {
    pub question: QuestionType,
    pub why: bool,
    pub advice: bool,
    /// Number of question sentences in the utterance (a turn can stack several).
    pub questions: u32,
    pub category: Option<QuestionCategory>,
    pub focus: Option<QuestionFocus>,
    /// Speaks for others instead of for oneself ("men", "wij", generic "je"): spelregel 1.
    pub not_i: bool,
    /// Generalities ("altijd", "nooit", "iedereen"): spelregel 3.
    pub generality: bool,
    /// Absolute/corrective language ("dat klopt niet", "gewoon"): IWAB when with advice.
    pub corrective: bool,
    /// Contradiction marker ("ja maar", "nee", "dat is niet zo"), for discussion detection.
    pub contradiction: bool,
    pub lang: Lang,
    /// 0..1, how sure the rules are about the main labels.
    pub confidence: f32,
    pub evidence: Vec<Evidence>,
}

/// An utterance with its labels, as in the contract's `utterances` output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzedUtterance {
    pub start: f64,
    pub end: f64,
    pub speaker: String,
    pub text: String,
    pub question: QuestionType,
    pub why: bool,
    pub advice: bool,
    #[serde(flatten)]
    pub extra: UtteranceExtra,
}

/// Extension fields of an analysed utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UtteranceExtra {
    pub questions: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<QuestionCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<QuestionFocus>,
    pub not_i: bool,
    pub generality: bool,
    pub lang: Lang,
    pub confidence: f32,
    pub evidence: Vec<Evidence>,
    /// Method step (1-based) this utterance falls in, when a method is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    /// Transcriber confidence, audio input only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asr_confidence: Option<f32>,
    /// Labels (`why`, `advice`, `question`) whose deciding words the recogniser was unsure
    /// of, audio input only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<String>,
}

/// Flag kinds. The first four names are fixed by the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    WhyQuestion,
    Advice,
    RapidFire,
    Dominance,
    ClosedQuestion,
    Discussion,
    SilentParticipant,
    LongMonologue,
    StackedQuestions,
    Iwab,
    PhaseOverrun,
    InbrengerSpokeInListeningPhase,
    QuestionsInSilentPhase,
    /// An experience question where the method asks for informative ones (Incident step 4).
    NonInformativeQuestion,
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::WhyQuestion => "why_question",
            FlagKind::Advice => "advice",
            FlagKind::RapidFire => "rapid_fire",
            FlagKind::Dominance => "dominance",
            FlagKind::ClosedQuestion => "closed_question",
            FlagKind::Discussion => "discussion",
            FlagKind::SilentParticipant => "silent_participant",
            FlagKind::LongMonologue => "long_monologue",
            FlagKind::StackedQuestions => "stacked_questions",
            FlagKind::Iwab => "iwab",
            FlagKind::PhaseOverrun => "phase_overrun",
            FlagKind::InbrengerSpokeInListeningPhase => "inbrenger_spoke_in_listening_phase",
            FlagKind::QuestionsInSilentPhase => "questions_in_silent_phase",
            FlagKind::NonInformativeQuestion => "non_informative_question",
        }
    }
}

/// A pitfall found in the session (contract `flags`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub start: f64,
    pub end: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Human-readable message in the chosen UI language.
    pub message: String,
    pub evidence: String,
    /// Indices into the transcript's utterances that this flag is about (extension).
    #[serde(default)]
    pub utterances: Vec<usize>,
    /// The words this flag rests on were uncertain to the recogniser: shown as "onzeker",
    /// counted apart in reports (extension; absent when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uncertain: bool,
}

/// Per-speaker statistics (contract `speakers`, plus extensions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SpeakerStats {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    pub talk_seconds: f64,
    pub share: f64,
    pub turns: u32,
    pub turns_per_minute: f64,
    pub longest_monologue_seconds: f64,
    pub questions: u32,
    pub open_questions: u32,
    pub closed_questions: u32,
    pub why_questions: u32,
    pub advice: u32,
    pub informative_questions: u32,
    pub experience_questions: u32,
    /// Questions per hand-out category: situation, actions, experience, learning.
    pub categories: [u32; 4],
    /// Mean pause (s) before this speaker answers a question from someone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_answer_pause: Option<f64>,
    /// Longest stretch (s) without speaking, from session start/last turn.
    pub longest_silence_seconds: f64,
}

/// Time spent in a method step against its budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepTiming {
    pub step: u32,
    pub name: String,
    pub start: f64,
    pub end: f64,
    pub budget_min_seconds: f64,
    pub budget_max_seconds: f64,
}

/// Whole-session analysis result (`observant analyze --format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Analysis {
    pub utterances: Vec<AnalyzedUtterance>,
    pub flags: Vec<Flag>,
    pub speakers: Vec<SpeakerStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepTiming>,
    pub duration_seconds: f64,
}
