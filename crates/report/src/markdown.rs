//! The Markdown process-evaluation report, for notes, wikis and issue trackers: the
//! report's [`Document`](crate::doc::Document) (built by [`crate::document`]) written by the
//! Markdown renderer of [`crate::doc`], with text bars instead of charts.

use super::Report;
use super::doc;
use super::document::{Pictures, document_with};
use observant_model::i18n::UiLang;

pub use super::document::flag_message;

/// The report as Markdown.
pub fn to_markdown(r: &Report, ui: UiLang) -> String {
    doc::to_markdown(
        &document_with(r, ui, Pictures::TextOnly),
        16 * 1024 + r.flags.len() * 400,
    )
}

#[cfg(test)]
mod tests {
    use crate::doc::{bar, md_escape as md};

    #[test]
    fn escapes_and_bars() {
        assert_eq!(md("a|b*c\nd"), "a\\|b\\*c d");
        assert_eq!(bar(0.5, 4), "\u{2588}\u{2588}\u{2591}\u{2591}");
        assert_eq!(bar(2.0, 2), "\u{2588}\u{2588}");
    }
}
