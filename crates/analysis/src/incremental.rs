//! Incremental analysis of a growing transcript (live sessions, review edits): classifications
//! are cached by utterance text, and the session rules run over the cached labels. Pure: no
//! I/O, no clocks.

use std::collections::HashMap;

use observant_model::transcript::Transcript;

use crate::setup::AnalysisSetup;
use crate::{Analysis, Classification, session};

/// Re-analyses a growing transcript cheaply: classifications are cached by utterance text
/// (a live transcript only grows, and re-assigning a speaker does not change the text), and
/// the core's session rules run over the cached labels.
pub struct SessionAnalyzer {
    setup: AnalysisSetup,
    cache: HashMap<String, Classification>,
}

impl SessionAnalyzer {
    /// Analyses with `setup` (rules, classifier; its `config.ui` is for the caller's words).
    pub fn new(setup: AnalysisSetup) -> SessionAnalyzer {
        SessionAnalyzer {
            setup,
            cache: HashMap::new(),
        }
    }

    /// The setup this analyser runs with.
    pub fn setup(&self) -> &AnalysisSetup {
        &self.setup
    }

    /// Records the language the caller writes the words in; the analysis does not change.
    pub fn set_ui(&mut self, ui: observant_model::i18n::UiLang) {
        self.setup.config.ui = ui;
    }

    /// The core analysis of `t`.
    pub fn analyze(&mut self, t: &Transcript) -> Analysis {
        let classifier = &*self.setup.classifier;
        let hint = session::lang_hint(t.language.as_deref());
        let cls: Vec<Classification> = t
            .utterances
            .iter()
            .map(|u| {
                self.cache
                    .entry(u.text.clone())
                    .or_insert_with(|| classifier.classify(&u.text, hint))
                    .clone()
            })
            .collect();
        session::analyze_classified(t, &cls, &self.setup.config)
    }
}
