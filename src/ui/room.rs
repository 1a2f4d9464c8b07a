//! The room check as the user sees it: a short verdict (good, or what is wrong), the advice in
//! plain words and the figures behind it. On the start screen before a session (the preview
//! meter's estimate) and in the observer's top bar and side panel during one (the pipeline's
//! `room` events). Draws what it is given; the figures and the problems come from
//! `crate::audio::room` and `crate::room`.

use egui::{Color32, RichText, Ui};

use crate::i18n::UiLang;
use crate::room::{RoomEstimate, RoomProblem, advice, figures, verdict_words};

use super::theme;

/// The verdict in a few words and its colour: green when good, amber otherwise.
pub fn verdict(problems: &[RoomProblem], lang: UiLang) -> (String, Color32) {
    let color = if problems.is_empty() {
        theme::OK
    } else if problems == [RoomProblem::NoSpeech] {
        theme::MUTED
    } else {
        theme::AMBER
    };
    (verdict_words(problems, lang), color)
}

/// The verdict, the advice (one line per problem) and the figures.
pub fn room_check(ui: &mut Ui, e: &RoomEstimate, problems: &[RoomProblem], lang: UiLang) {
    let (word, color) = verdict(problems, lang);
    ui.label(
        RichText::new(format!("{}: {word}", lang.t("Ruimte", "Room")))
            .strong()
            .color(color),
    );
    for line in advice(problems, lang) {
        ui.label(RichText::new(line).color(theme::TEXT));
    }
    ui.label(RichText::new(figures(e, lang)).small().color(theme::MUTED));
}

/// Hover text for the top bar: the advice and the figures.
pub fn tooltip(e: &RoomEstimate, problems: &[RoomProblem], lang: UiLang) -> String {
    let mut lines: Vec<String> = advice(problems, lang)
        .into_iter()
        .map(str::to_string)
        .collect();
    lines.push(figures(e, lang));
    lines.join("\n")
}

/// The start screen's shorter form: the verdict (the figures on hover) and the advice in
/// small print.
pub fn room_check_compact(ui: &mut Ui, e: &RoomEstimate, problems: &[RoomProblem], lang: UiLang) {
    let (word, color) = verdict(problems, lang);
    ui.label(
        RichText::new(format!("{}: {word}", lang.t("Ruimte", "Room")))
            .strong()
            .color(color),
    )
    .on_hover_text(figures(e, lang));
    for line in advice(problems, lang) {
        ui.label(RichText::new(line).small().color(theme::TEXT));
    }
}
