//! The UI's narrow door into the core: loading a transcript, analysing it, and the methods
//! (werkvormen) with their steps and budgets, in the shapes the views need. The UI never
//! computes analysis results itself; it calls these.

use std::path::Path;

use crate::analysis::{Analysis, methods};
use crate::i18n::UiLang;
use crate::transcript::Transcript;

/// A method as the views show it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodInfo {
    pub id: String,
    pub name: String,
    pub steps: Vec<StepInfo>,
}

/// One step with its budget in seconds (`0.0` = no budget).
#[derive(Debug, Clone, PartialEq)]
pub struct StepInfo {
    pub name: String,
    pub budget_min: f64,
    pub budget_max: f64,
}

fn info(m: &methods::Method, lang: UiLang) -> MethodInfo {
    MethodInfo {
        id: m.id.to_string(),
        name: m.name(lang).to_string(),
        steps: m
            .steps
            .iter()
            .map(|s| {
                let (lo, hi) = s.budget_seconds();
                StepInfo {
                    name: s.name(lang).to_string(),
                    budget_min: lo,
                    budget_max: hi,
                }
            })
            .collect(),
    }
}

/// All methods, in the hand-out's order.
pub fn all_methods(lang: UiLang) -> Vec<MethodInfo> {
    methods::METHODS.iter().map(|m| info(m, lang)).collect()
}

/// A method by id, name or alias.
pub fn method(name: &str, lang: UiLang) -> Option<MethodInfo> {
    methods::find(name).map(|m| info(m, lang))
}

/// Reads a transcript (`.json`, `.vtt`, `.srt`).
pub fn load_transcript(path: &Path) -> anyhow::Result<Transcript> {
    crate::transcript::parse::load_transcript(path)
}

/// Analyses a transcript with the default rules; messages in `lang`.
pub fn analyze_transcript(t: &Transcript, _lang: UiLang) -> Analysis {
    // STOPGAP until analysis::session lands.
    Analysis {
        utterances: t
            .utterances
            .iter()
            .map(|u| crate::analysis::AnalyzedUtterance {
                start: u.start,
                end: u.end,
                speaker: u.speaker.clone(),
                text: u.text.clone(),
                question: Default::default(),
                why: false,
                advice: false,
                extra: Default::default(),
            })
            .collect(),
        ..Default::default()
    }
}
