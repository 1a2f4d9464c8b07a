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

/// A line whose mean word probability is below this is shown as heard uncertainly (muted,
/// with a note to check it). On the visible speech sets about one line in seven falls
/// below it with the bundled model (the 15th percentile), mostly misheard or half-heard lines.
pub const UNCERTAIN_LINE_CONFIDENCE: f32 = 0.5;

impl AnalyzedUtterance {
    /// The recogniser's confidence when it is low enough to show the line as uncertain.
    pub fn heard_uncertainly(&self) -> Option<f32> {
        self.extra
            .asr_confidence
            .filter(|c| *c < UNCERTAIN_LINE_CONFIDENCE)
    }
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

/// The facts behind a flag, one variant per family of pitfalls. Times are seconds, shares
/// fractions (0..1); names are as in the transcript. The display language is not an input to
/// detection: the words are written from these by the report/UI layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FlagDetail {
    /// No facts recorded (a flag saved before details existed).
    #[default]
    None,
    /// An utterance-level flag (why-question, advice, know-it-all, closed question): the
    /// classifier's cue, when it named one.
    Cue { cue: Option<String> },
    /// A burst of questions at the target.
    RapidFire {
        questions: u32,
        span_seconds: f64,
        askers: Vec<String>,
        target_talk_seconds: f64,
    },
    /// Several questions in one turn.
    StackedQuestions { questions: u32 },
    /// A share of the speech in a window, against the threshold for this many speakers.
    Dominance {
        share: f64,
        talk_seconds: f64,
        threshold: f64,
        speakers: usize,
    },
    /// Quick turns with contradiction between two speakers; `no_discussion_step` is the
    /// method step in which discussion is out of place, if any.
    Discussion {
        turns: u32,
        contradictions: u32,
        cues: Vec<String>,
        no_discussion_step: Option<u32>,
    },
    /// A participant silent from the flag's start to its end.
    Silent,
    /// One floor hold longer than the maximum.
    LongMonologue { seconds: f64, max_seconds: f64 },
    /// A method step over its time budget.
    PhaseOverrun {
        step: u32,
        seconds: f64,
        budget_min_seconds: f64,
        budget_max_seconds: f64,
    },
    /// The inbrenger spoke in a step in which they only listen.
    ListeningPhase { step: u32, speech_seconds: f64 },
    /// Questions asked aloud in a step without spoken questions.
    SilentPhase { step: u32, questions: u32 },
    /// An experience question in a step for informative questions.
    ExperienceQuestion { step: u32, cue: Option<String> },
}

impl FlagDetail {
    pub fn is_none(&self) -> bool {
        matches!(self, FlagDetail::None)
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
    /// Human-readable message in the reader's language. Detection leaves it empty: the report
    /// and UI layers write it from [`Flag::detail`] (`observant_report::words`).
    pub message: String,
    /// What the flag rests on, in words (the cue, or the numbers); written like `message`.
    pub evidence: String,
    /// What the flag rests on as facts: numbers, names and cues, without words
    /// (extension; absent in files written before it existed, whose words are kept as saved).
    #[serde(default, skip_serializing_if = "FlagDetail::is_none")]
    pub detail: FlagDetail,
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
    /// The step's name: in the method's own language (Dutch) from detection, in the
    /// reader's language once the report/UI layer wrote the words.
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
