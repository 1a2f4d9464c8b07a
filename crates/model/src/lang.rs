//! The spoken language of a session or an utterance, one enum for every layer: the classifier's
//! language data, Whisper's language option, the session's metadata and the command line all
//! use [`Lang`] (a known language) and [`LangHint`] (a fixed language or "detect it").

use serde::{Deserialize, Serialize};

/// A spoken language Observant knows the pitfalls of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Nl,
    En,
}

impl Lang {
    /// ISO 639-1 code (`"nl"`, `"en"`), as Whisper and the session files write it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The language of a code or tag (case-insensitive): an ISO code, a code with a region
    /// (`"nl-BE"`, `"en_GB"`) or the language's name; `None` if Observant does not know it.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_lowercase();
        let base = code.split(['-', '_']).next().unwrap_or("");
        match base {
            "nl" | "dutch" | "nederlands" | "vlaams" => Some(Lang::Nl),
            "en" | "english" | "engels" => Some(Lang::En),
            _ => None,
        }
    }
}

/// `--lang nl|en|auto`: a fixed language, or detected (per utterance by the classifier, per
/// recording by Whisper).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LangHint {
    #[default]
    Auto,
    Fixed(Lang),
}

impl LangHint {
    /// The fixed language's ISO code; `None` for automatic detection.
    pub fn code(self) -> Option<&'static str> {
        match self {
            LangHint::Auto => None,
            LangHint::Fixed(l) => Some(l.code()),
        }
    }

    /// From a stored language code (`"nl"`, `"en"`, `"auto"` or unknown: automatic).
    pub fn from_code(code: Option<&str>) -> LangHint {
        code.and_then(Lang::from_code)
            .map_or(LangHint::Auto, LangHint::Fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for l in [Lang::Nl, Lang::En] {
            assert_eq!(Lang::from_code(l.code()), Some(l));
            assert_eq!(LangHint::from_code(Some(l.code())), LangHint::Fixed(l));
        }
        assert_eq!(LangHint::from_code(Some("auto")), LangHint::Auto);
        for (tag, l) in [
            ("nl-BE", Lang::Nl),
            ("Vlaams", Lang::Nl),
            ("en_GB", Lang::En),
        ] {
            assert_eq!(Lang::from_code(tag), Some(l), "{tag}");
        }
        assert_eq!(Lang::from_code("nlx"), None);
        assert_eq!(LangHint::from_code(None).code(), None);
    }
}
