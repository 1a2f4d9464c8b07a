//! The HTML process-evaluation report: one self-contained file (inline CSS and SVG, no
//! scripts, no fonts, images or style sheets from elsewhere), calm print-friendly layout
//! with page breaks that do not cut charts, Dutch by default: the report's
//! [`Document`](crate::doc::Document) (built by [`crate::document`]) written by the HTML
//! renderer [`crate::doc::html`], which escapes every text from the session.

use super::Report;
use super::doc;
use super::document::document;
use observant_model::i18n::UiLang;

/// The report as one self-contained HTML document.
pub fn to_html(r: &Report, ui: UiLang) -> String {
    doc::html::to_html(
        &document(r, ui),
        ui.t("nl", "en"),
        64 * 1024 + r.timeline.len() * 90 + r.flags.len() * 600,
        "",
    )
}
