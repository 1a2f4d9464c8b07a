//! User-facing language choice: Dutch first, English second.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UiLang {
    #[default]
    Nl,
    En,
}

impl UiLang {
    /// Picks the Dutch or English text.
    pub fn t<'a>(self, nl: &'a str, en: &'a str) -> &'a str {
        match self {
            UiLang::Nl => nl,
            UiLang::En => en,
        }
    }
}
