//! The analysis setup: the thresholds [`Config`] and the [`Classifier`] (built-in language
//! data plus a trainer's extra cue words) that every entry point analyses with. Built from
//! text only; reading the files is the store layer's resolver (`observant_store::setup`).

use std::sync::{Arc, OnceLock};

use observant_model::i18n::UiLang;

use crate::classify::Classifier;
use crate::config::Config;
use crate::lang::{self, LangData};

/// What an analysis runs with: the rules and the classifier.
#[derive(Debug, Clone)]
pub struct AnalysisSetup {
    pub config: Config,
    pub classifier: Arc<Classifier>,
}

impl Default for AnalysisSetup {
    fn default() -> Self {
        AnalysisSetup::builtin(UiLang::default())
    }
}

/// The process-wide classifier with the built-in data, shared.
fn builtin_classifier() -> Arc<Classifier> {
    static SHARED: OnceLock<Arc<Classifier>> = OnceLock::new();
    SHARED
        .get_or_init(|| Arc::new(Classifier::shared().clone()))
        .clone()
}

impl AnalysisSetup {
    /// The default rules and the built-in classifier; flag messages in `ui`.
    pub fn builtin(ui: UiLang) -> AnalysisSetup {
        AnalysisSetup {
            config: Config {
                ui,
                ..Config::default()
            },
            classifier: builtin_classifier(),
        }
    }

    /// A setup from a configuration and extra language data (none: the built-in classifier).
    pub fn new(config: Config, extra: Vec<LangData>) -> anyhow::Result<AnalysisSetup> {
        let classifier = if extra.is_empty() {
            builtin_classifier()
        } else {
            Arc::new(Classifier::with_extra(extra)?)
        };
        Ok(AnalysisSetup { config, classifier })
    }

    /// A setup from a configuration file's text, with the text of the cue file it names
    /// (`language.cues_file`, already read by the caller) if any. Cue words come from
    /// `[lang.nl]`/`[lang.en]` tables in the configuration and from the cue file.
    pub fn from_toml(config_text: &str, cues_text: Option<&str>) -> anyhow::Result<AnalysisSetup> {
        let config = Config::from_toml_str(config_text).map_err(|e| anyhow::anyhow!(e))?;
        let mut extra = Vec::new();
        if config.lang.is_some() {
            extra.extend(lang::parse_extra(config_text)?);
        }
        if let Some(text) = cues_text {
            extra.extend(lang::parse_extra(text)?);
        }
        AnalysisSetup::new(config, extra)
    }

    /// The same setup with flag messages in `ui`.
    pub fn with_ui(mut self, ui: UiLang) -> AnalysisSetup {
        self.config.ui = ui;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_shares_one_classifier() {
        let a = AnalysisSetup::builtin(UiLang::Nl);
        let b = AnalysisSetup::default();
        assert!(Arc::ptr_eq(&a.classifier, &b.classifier));
        assert_eq!(a.config, Config::default());
    }

    #[test]
    fn from_toml_takes_thresholds_and_cue_words() {
        let text = "[rapid_fire]\nmin_questions = 2\n\n[lang.nl.patterns]\nadvice = [\"streep eronder\"]\n";
        let s = AnalysisSetup::from_toml(text, None).expect("setup");
        assert_eq!(s.config.rapid_fire.min_questions, 2);
        assert!(!Arc::ptr_eq(
            &s.classifier,
            &AnalysisSetup::default().classifier
        ));
        let plain =
            AnalysisSetup::from_toml("[rapid_fire]\nmin_questions = 2\n", None).expect("plain");
        assert!(Arc::ptr_eq(
            &plain.classifier,
            &AnalysisSetup::default().classifier
        ));
    }
}
