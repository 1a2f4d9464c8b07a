//! Detection thresholds of the session analysis, read from a TOML file (`--config FILE`).
//!
//! Every field has the default of `shared/contract.md` (see `assets/config/default.toml`,
//! which spells out the same values with comments); a file only needs the keys it changes.
//! Unknown keys are rejected with the key's name so a typo never silently does nothing.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use observant_model::i18n::UiLang;

/// `why_question`: a why-question by anyone but the inbrenger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WhyQuestionConfig {
    pub enabled: bool,
}

impl Default for WhyQuestionConfig {
    fn default() -> Self {
        WhyQuestionConfig { enabled: true }
    }
}

/// `advice`: advice by anyone but the inbrenger, except in steps where ideas are expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdviceConfig {
    pub enabled: bool,
    /// Skip advice in method steps where ideas are expected (CREA step 3, Roddel step 3).
    pub allow_in_idea_steps: bool,
}

impl Default for AdviceConfig {
    fn default() -> Self {
        AdviceConfig {
            enabled: true,
            allow_in_idea_steps: true,
        }
    }
}

/// `rapid_fire`: a burst of questions at one person with no room to answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RapidFireConfig {
    pub enabled: bool,
    /// Question sentences needed in one window.
    pub min_questions: u32,
    pub window_seconds: f64,
    /// The target must speak less than this in total between two consecutive questions.
    pub max_target_talk_seconds: f64,
}

impl Default for RapidFireConfig {
    fn default() -> Self {
        RapidFireConfig {
            enabled: true,
            min_questions: 3,
            window_seconds: 60.0,
            max_target_talk_seconds: 5.0,
        }
    }
}

/// `dominance`: one speaker's share of the speech in a rolling window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DominanceConfig {
    pub enabled: bool,
    pub window_seconds: f64,
    /// A window counts only when it holds at least this much speech.
    pub min_speech_seconds: f64,
    /// Share threshold is `max(min_share, speakers_factor / N)`, N = speakers who spoke.
    pub min_share: f64,
    pub speakers_factor: f64,
}

impl Default for DominanceConfig {
    fn default() -> Self {
        DominanceConfig {
            enabled: true,
            window_seconds: 300.0,
            min_speech_seconds: 120.0,
            min_share: 0.4,
            speakers_factor: 2.0,
        }
    }
}

/// `closed_question`: a yes/no question where an open one would invite more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClosedQuestionConfig {
    pub enabled: bool,
    /// Also flag the facilitator's closed questions ("klopt dat?" is often a summary check).
    pub include_facilitator: bool,
}

impl Default for ClosedQuestionConfig {
    fn default() -> Self {
        ClosedQuestionConfig {
            enabled: true,
            include_facilitator: false,
        }
    }
}

/// `discussion`: welles-nietes between two participants other than the inbrenger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscussionConfig {
    pub enabled: bool,
    /// Alternating turns (A, B, A, B ...) needed.
    pub min_turns: u32,
    /// Turns holding a contradiction marker ("ja maar", "nee", "dat is niet zo") needed.
    pub min_contradictions: u32,
    /// Longest pause between two turns of the exchange.
    pub max_gap_seconds: f64,
    /// Longest turn that still counts as back-and-forth.
    pub max_turn_seconds: f64,
}

impl Default for DiscussionConfig {
    fn default() -> Self {
        DiscussionConfig {
            enabled: true,
            min_turns: 4,
            min_contradictions: 2,
            max_gap_seconds: 3.0,
            max_turn_seconds: 20.0,
        }
    }
}

/// `silent_participant`: a deelnemer or facilitator silent for a long time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SilentParticipantConfig {
    pub enabled: bool,
    pub min_silence_seconds: f64,
}

impl Default for SilentParticipantConfig {
    fn default() -> Self {
        SilentParticipantConfig {
            enabled: true,
            min_silence_seconds: 600.0,
        }
    }
}

/// `long_monologue`: one speaker holding the floor (backchannels like "mm" do not interrupt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LongMonologueConfig {
    pub enabled: bool,
    pub max_seconds: f64,
    /// Others' utterances up to this long that ask nothing are backchannels, not
    /// interruptions.
    pub max_interjection_seconds: f64,
    /// Longest pause inside one monologue.
    pub max_gap_seconds: f64,
}

impl Default for LongMonologueConfig {
    fn default() -> Self {
        LongMonologueConfig {
            enabled: true,
            max_seconds: 90.0,
            max_interjection_seconds: 2.0,
            max_gap_seconds: 3.0,
        }
    }
}

/// `stacked_questions`: several questions in one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackedQuestionsConfig {
    pub enabled: bool,
    pub min_questions: u32,
    pub include_facilitator: bool,
}

impl Default for StackedQuestionsConfig {
    fn default() -> Self {
        StackedQuestionsConfig {
            enabled: true,
            min_questions: 2,
            include_facilitator: false,
        }
    }
}

/// `iwab` ("ik weet alles beter"): advice with absolute or corrective language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IwabConfig {
    pub enabled: bool,
}

impl Default for IwabConfig {
    fn default() -> Self {
        IwabConfig { enabled: true }
    }
}

/// Method-step rules: `phase_overrun`, `inbrenger_spoke_in_listening_phase`,
/// `questions_in_silent_phase`, `non_informative_question`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhasesConfig {
    pub enabled: bool,
    /// A step is over time when it runs longer than its maximum budget plus this.
    pub overrun_tolerance_seconds: f64,
    /// Inbrenger utterances shorter than this ("mm", "ja") in a listening step are ignored.
    pub inbrenger_min_seconds: f64,
}

impl Default for PhasesConfig {
    fn default() -> Self {
        PhasesConfig {
            enabled: true,
            overrun_tolerance_seconds: 0.0,
            inbrenger_min_seconds: 1.5,
        }
    }
}

/// Language knowledge: an extra cue file a trainer can write (same format as
/// `assets/lang/*.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LanguageConfig {
    pub cues_file: Option<PathBuf>,
}

/// All thresholds of the session analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub why_question: WhyQuestionConfig,
    pub advice: AdviceConfig,
    pub rapid_fire: RapidFireConfig,
    pub dominance: DominanceConfig,
    pub closed_question: ClosedQuestionConfig,
    pub discussion: DiscussionConfig,
    pub silent_participant: SilentParticipantConfig,
    pub long_monologue: LongMonologueConfig,
    pub stacked_questions: StackedQuestionsConfig,
    pub iwab: IwabConfig,
    pub phases: PhasesConfig,
    pub language: LanguageConfig,
    /// Extra cue words inline, `[lang.nl]` / `[lang.en]` tables in the schema of
    /// `assets/lang/*.toml`; read and checked by the classifier
    /// (`lang::load_extra_file`), kept here only so the key is accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<toml::Table>,
    /// The language the caller writes the words in (`--ui-lang`; see `observant_report::words`);
    /// not read from the file, and not read by detection.
    #[serde(skip)]
    pub ui: UiLang,
}

impl Config {
    /// Parses TOML text and checks the values' ranges.
    pub fn from_toml_str(text: &str) -> Result<Config, String> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let msg = e.message().replace('\n', " ");
            match line {
                Some(l) => format!("regel {l} / line {l}: {msg}"),
                None => msg,
            }
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Range checks: non-negative, finite times; shares in 0..=1; counts at least 1.
    pub fn validate(&self) -> Result<(), String> {
        let secs: [(&str, f64); 12] = [
            ("rapid_fire.window_seconds", self.rapid_fire.window_seconds),
            (
                "rapid_fire.max_target_talk_seconds",
                self.rapid_fire.max_target_talk_seconds,
            ),
            ("dominance.window_seconds", self.dominance.window_seconds),
            (
                "dominance.min_speech_seconds",
                self.dominance.min_speech_seconds,
            ),
            ("dominance.speakers_factor", self.dominance.speakers_factor),
            (
                "discussion.max_gap_seconds",
                self.discussion.max_gap_seconds,
            ),
            (
                "discussion.max_turn_seconds",
                self.discussion.max_turn_seconds,
            ),
            (
                "silent_participant.min_silence_seconds",
                self.silent_participant.min_silence_seconds,
            ),
            (
                "long_monologue.max_seconds",
                self.long_monologue.max_seconds,
            ),
            (
                "long_monologue.max_interjection_seconds",
                self.long_monologue.max_interjection_seconds,
            ),
            (
                "long_monologue.max_gap_seconds",
                self.long_monologue.max_gap_seconds,
            ),
            (
                "phases.overrun_tolerance_seconds",
                self.phases.overrun_tolerance_seconds,
            ),
        ];
        for (name, v) in secs.iter().copied().chain([(
            "phases.inbrenger_min_seconds",
            self.phases.inbrenger_min_seconds,
        )]) {
            if !v.is_finite() || v < 0.0 {
                return Err(format!(
                    "{name} moet een getal >= 0 zijn / must be a number >= 0 (got {v})"
                ));
            }
        }
        if self.dominance.window_seconds <= 0.0 {
            return Err("dominance.window_seconds moet > 0 zijn / must be > 0".into());
        }
        let share = self.dominance.min_share;
        if !(0.0..=1.0).contains(&share) {
            return Err(format!(
                "dominance.min_share moet tussen 0 en 1 liggen / must be between 0 and 1 (got {share})"
            ));
        }
        let counts = [
            ("rapid_fire.min_questions", self.rapid_fire.min_questions),
            ("discussion.min_turns", self.discussion.min_turns),
            (
                "stacked_questions.min_questions",
                self.stacked_questions.min_questions,
            ),
        ];
        for (name, v) in counts {
            if v == 0 {
                return Err(format!("{name} moet >= 1 zijn / must be >= 1"));
            }
        }
        if self.discussion.min_turns < 2 {
            return Err("discussion.min_turns moet >= 2 zijn / must be >= 2".into());
        }
        Ok(())
    }

    /// The dominance share threshold for `n` speakers who spoke: `max(min_share, factor/n)`.
    pub fn dominance_threshold(&self, n: usize) -> f64 {
        let n = n.max(1) as f64;
        self.dominance
            .min_share
            .max(self.dominance.speakers_factor / n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_contract_defaults() {
        let c = Config::default();
        assert_eq!(c.rapid_fire.min_questions, 3);
        assert_eq!(c.rapid_fire.window_seconds, 60.0);
        assert_eq!(c.rapid_fire.max_target_talk_seconds, 5.0);
        assert_eq!(c.dominance.window_seconds, 300.0);
        assert_eq!(c.dominance.min_speech_seconds, 120.0);
        assert!((c.dominance_threshold(6) - 0.4).abs() < 1e-12);
        assert!((c.dominance_threshold(4) - 0.5).abs() < 1e-12);
        assert!((c.dominance_threshold(3) - 2.0 / 3.0).abs() < 1e-12);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn bundled_default_file_matches_defaults() {
        let path = observant_model::data_dir().join("assets/config/default.toml");
        let c = Config::from_toml_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let c = Config::from_toml_str("[rapid_fire]\nmin_questions = 4\n").unwrap();
        assert_eq!(c.rapid_fire.min_questions, 4);
        assert_eq!(c.rapid_fire.window_seconds, 60.0);
        assert_eq!(c.dominance, DominanceConfig::default());
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::from_toml_str("[rapid_fire]\nmin_question = 4\n").unwrap_err();
        assert!(e.contains("min_question"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        assert!(!e.contains('\n'));
        let e = Config::from_toml_str("[dominanse]\n").unwrap_err();
        assert!(e.contains("dominanse"), "{e}");
        // Cue-word tables for the classifier share the file.
        let c = Config::from_toml_str("[lang.nl.words]\nadvice_verbs = [\"probeer\"]\n").unwrap();
        assert!(c.lang.is_some());
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(Config::from_toml_str("[dominance]\nmin_share = 1.5\n").is_err());
        assert!(Config::from_toml_str("[rapid_fire]\nwindow_seconds = -1.0\n").is_err());
        assert!(Config::from_toml_str("[rapid_fire]\nmin_questions = 0\n").is_err());
        assert!(Config::from_toml_str("[rapid_fire]\nmin_questions = \"drie\"\n").is_err());
        assert!(Config::from_toml_str("[rapid_fire\n").is_err());
    }
}
