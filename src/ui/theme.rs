//! The app's calm look: a muted light palette, speaker colours, flag chip colours and the
//! short Dutch/English labels the views use for flag kinds and roles.

use egui::{Color32, CornerRadius, FontFamily, FontId, Stroke, TextStyle};

use crate::analysis::{Flag, FlagKind};
use crate::i18n::UiLang;
use crate::transcript::Role;

/// Window and panel background: a soft warm grey.
pub const BG: Color32 = Color32::from_rgb(0xF4, 0xF2, 0xEE);
/// Card / side panel background.
pub const CARD: Color32 = Color32::from_rgb(0xFB, 0xFA, 0xF7);
/// Body text.
pub const TEXT: Color32 = Color32::from_rgb(0x2E, 0x33, 0x38);
/// Secondary text (times, captions).
pub const MUTED: Color32 = Color32::from_rgb(0x7A, 0x80, 0x86);
/// Hairlines and borders.
pub const LINE: Color32 = Color32::from_rgb(0xDD, 0xD9, 0xD2);
/// Calm accent (buttons, progress in budget).
pub const ACCENT: Color32 = Color32::from_rgb(0x4F, 0x6D, 0x7A);
/// Within budget.
pub const OK: Color32 = Color32::from_rgb(0x6B, 0x8F, 0x71);
/// Close to / slightly over budget.
pub const AMBER: Color32 = Color32::from_rgb(0xC9, 0x97, 0x3B);
/// Clearly over budget / errors.
pub const RED: Color32 = Color32::from_rgb(0xB5, 0x5A, 0x4C);
/// Error banner background.
pub const ERROR_BG: Color32 = Color32::from_rgb(0xF6, 0xE3, 0xDF);
/// Notice banner background (non-fatal problems).
pub const NOTICE_BG: Color32 = Color32::from_rgb(0xF5, 0xEC, 0xD7);

/// Muted speaker colours, assigned in order of participants / first appearance.
const SPEAKER_COLORS: [Color32; 8] = [
    Color32::from_rgb(0x4F, 0x6D, 0x9A), // slate blue
    Color32::from_rgb(0xA0, 0x6B, 0x4F), // clay
    Color32::from_rgb(0x5E, 0x8C, 0x6A), // sage
    Color32::from_rgb(0x8A, 0x62, 0x94), // plum
    Color32::from_rgb(0x3F, 0x86, 0x8C), // teal
    Color32::from_rgb(0xA8, 0x84, 0x3C), // ochre
    Color32::from_rgb(0x9A, 0x5B, 0x6B), // rose
    Color32::from_rgb(0x6B, 0x70, 0x7A), // grey
];

/// Colour of the `i`-th speaker.
pub fn speaker_color(i: usize) -> Color32 {
    SPEAKER_COLORS[i % SPEAKER_COLORS.len()]
}

/// Installs the calm light style on a context, for both theme preferences: the app has one
/// look whatever the system prefers.
pub fn install(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Light);
    let mut style = (*ctx.style_of(egui::Theme::Light)).clone();
    {
        style
            .text_styles
            .insert(TextStyle::Body, FontId::new(15.0, FontFamily::Proportional));
        style.text_styles.insert(
            TextStyle::Button,
            FontId::new(15.0, FontFamily::Proportional),
        );
        style.text_styles.insert(
            TextStyle::Small,
            FontId::new(12.0, FontFamily::Proportional),
        );
        style.text_styles.insert(
            TextStyle::Heading,
            FontId::new(22.0, FontFamily::Proportional),
        );
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        style.spacing.interact_size.y = 26.0;
        let v = &mut style.visuals;
        v.panel_fill = BG;
        v.window_fill = CARD;
        v.extreme_bg_color = Color32::WHITE;
        v.faint_bg_color = Color32::from_rgb(0xEF, 0xEC, 0xE6);
        v.override_text_color = None;
        v.window_stroke = Stroke::new(1.0, LINE);
        v.widgets.noninteractive.bg_stroke = Stroke::new(1.0, LINE);
        v.widgets.noninteractive.fg_stroke = Stroke::new(1.0, TEXT);
        v.widgets.inactive.fg_stroke = Stroke::new(1.0, TEXT);
        v.widgets.inactive.bg_stroke = Stroke::new(1.0, Color32::from_rgb(0xCF, 0xCA, 0xC1));
        v.widgets.inactive.weak_bg_fill = Color32::from_rgb(0xE8, 0xE5, 0xDF);
        v.widgets.inactive.bg_fill = Color32::from_rgb(0xE8, 0xE5, 0xDF);
        v.widgets.hovered.weak_bg_fill = Color32::from_rgb(0xDF, 0xDB, 0xD3);
        v.widgets.hovered.bg_fill = Color32::from_rgb(0xDF, 0xDB, 0xD3);
        v.widgets.active.weak_bg_fill = Color32::from_rgb(0xD4, 0xCF, 0xC6);
        v.selection.bg_fill = Color32::from_rgb(0xC9, 0xD6, 0xDC);
        v.selection.stroke = Stroke::new(1.0, ACCENT);
        v.hyperlink_color = ACCENT;
        v.warn_fg_color = AMBER;
        v.error_fg_color = RED;
        v.window_corner_radius = CornerRadius::same(6);
    }
    ctx.set_style_of(egui::Theme::Dark, style.clone());
    ctx.set_style_of(egui::Theme::Light, style);
}

/// Short chip label of a flag kind.
pub fn flag_chip(kind: FlagKind, lang: UiLang) -> &'static str {
    match kind {
        FlagKind::WhyQuestion => lang.t("waarom", "why"),
        FlagKind::Advice => lang.t("advies", "advice"),
        FlagKind::RapidFire => lang.t("spervuur", "rapid fire"),
        FlagKind::Dominance => lang.t("dominantie", "dominance"),
        FlagKind::ClosedQuestion => lang.t("gesloten", "closed"),
        FlagKind::Discussion => lang.t("discussie", "discussion"),
        FlagKind::SilentParticipant => lang.t("stil", "silent"),
        FlagKind::LongMonologue => lang.t("monoloog", "monologue"),
        FlagKind::StackedQuestions => lang.t("gestapelde vragen", "stacked questions"),
        FlagKind::Iwab => lang.t("weet-het-beter", "know-it-all"),
        FlagKind::PhaseOverrun => lang.t("over tijd", "over time"),
        FlagKind::InbrengerSpokeInListeningPhase => lang.t("inbrenger sprak", "presenter spoke"),
        FlagKind::QuestionsInSilentPhase => {
            lang.t("vraag in stille stap", "question in silent step")
        }
        FlagKind::NonInformativeQuestion => lang.t("geen informatieve vraag", "not informative"),
    }
}

/// Chip label and colour of one flag: an uncertain one (its deciding words were unsure to
/// the recogniser) reads "waarom?" in the muted colour, so the observer does not take it as
/// a fact.
pub fn flag_chip_of(flag: &crate::analysis::Flag, lang: UiLang) -> (String, Color32) {
    if flag.uncertain {
        (format!("{}?", flag_chip(flag.kind, lang)), MUTED)
    } else {
        (
            flag_chip(flag.kind, lang).to_string(),
            flag_color(flag.kind),
        )
    }
}

/// The hover line under an uncertain flag.
pub fn uncertain_note(lang: UiLang) -> &'static str {
    lang.t(
        "onzeker: de herkenning van de woorden waarop dit signaal rust was onzeker",
        "uncertain: the words this flag rests on were recognised with low confidence",
    )
}

/// Muted chip colour of a flag kind (text colour; the chip fill is a pale tint of it), from
/// the one colour table in [`crate::report::colors`].
pub fn flag_color(kind: FlagKind) -> Color32 {
    let [r, g, b] = crate::report::colors::flag_colors(kind).chip;
    Color32::from_rgb(r, g, b)
}

/// Pale fill for a chip of colour `c`.
pub fn tint(c: Color32) -> Color32 {
    let mix = |a: u8, b: u8| ((a as u16 * 22 + b as u16 * 78) / 100) as u8;
    Color32::from_rgb(mix(c.r(), 0xFF), mix(c.g(), 0xFF), mix(c.b(), 0xFF))
}

/// Whether a flag kind deserves the facilitator's single cue (closed questions are too
/// frequent to interrupt for).
pub fn is_cue_worthy(kind: FlagKind) -> bool {
    !matches!(kind, FlagKind::ClosedQuestion)
}

/// The facilitator's one calm cue for a flag: short, with a name where it helps.
pub fn cue_text(flag: &Flag, lang: UiLang) -> String {
    let who = flag.speaker.as_deref().unwrap_or("");
    let minutes = ((flag.end - flag.start) / 60.0).round().max(1.0) as u64;
    match flag.kind {
        FlagKind::RapidFire => match flag.target.as_deref() {
            Some(t) => format!("{} {t}", lang.t("Spervuur op", "Rapid fire on")),
            None => lang.t("Spervuur", "Rapid fire").to_string(),
        },
        FlagKind::Advice => lang.t("Advies", "Advice").to_string(),
        FlagKind::WhyQuestion => lang.t("Waarom-vraag", "Why-question").to_string(),
        FlagKind::Dominance if !who.is_empty() => {
            format!(
                "{} {who}",
                lang.t("Veel spreektijd:", "A lot of talk time:")
            )
        }
        FlagKind::Dominance => lang
            .t("Ongelijke spreektijd", "Uneven talk time")
            .to_string(),
        FlagKind::SilentParticipant if !who.is_empty() => match lang {
            UiLang::Nl => format!("{who} is al {minutes} min stil"),
            UiLang::En => format!("{who} has been silent for {minutes} min"),
        },
        FlagKind::SilentParticipant => lang.t("Iemand is lang stil", "Someone is silent").into(),
        FlagKind::LongMonologue if !who.is_empty() => {
            format!("{} {who}", lang.t("Lange monoloog:", "Long monologue:"))
        }
        FlagKind::LongMonologue => lang.t("Lange monoloog", "Long monologue").to_string(),
        FlagKind::StackedQuestions => lang
            .t("Eén vraag tegelijk", "One question at a time")
            .to_string(),
        FlagKind::Discussion => lang.t("Discussie", "Discussion").to_string(),
        FlagKind::Iwab => lang.t("Ik-weet-het-beter", "Know-it-all").to_string(),
        FlagKind::ClosedQuestion => lang.t("Gesloten vraag", "Closed question").to_string(),
        FlagKind::PhaseOverrun => lang.t("Stap over tijd", "Step over time").to_string(),
        FlagKind::InbrengerSpokeInListeningPhase => lang
            .t(
                "Inbrenger luistert in deze stap",
                "Presenter listens in this step",
            )
            .to_string(),
        FlagKind::QuestionsInSilentPhase => lang
            .t("Stille stap: geen vragen", "Silent step: no questions")
            .to_string(),
        FlagKind::NonInformativeQuestion => lang
            .t("Alleen informatieve vragen", "Informative questions only")
            .to_string(),
    }
}

/// Role in the UI language (the one catalogue in [`crate::report::labels`]).
pub fn role_label(role: Role, lang: UiLang) -> &'static str {
    crate::report::labels::role_label(Some(role), lang)
}

/// All roles in display order.
pub const ROLES: [Role; 4] = [
    Role::Facilitator,
    Role::Inbrenger,
    Role::Deelnemer,
    Role::Observant,
];

pub use observant_model::time::clock;

/// A rounded pill with text (flag chips, small tags): one widget, so wrapping layouts move
/// it to the next line whole; its text is its accessible label.
pub fn chip(ui: &mut egui::Ui, text: &str, color: Color32) -> egui::Response {
    let font = FontId::new(12.5, FontFamily::Proportional);
    let galley = ui.painter().layout_no_wrap(text.to_string(), font, color);
    let pad = egui::vec2(7.0, 2.0);
    let (rect, response) = ui.allocate_exact_size(galley.size() + 2.0 * pad, egui::Sense::hover());
    if ui.is_rect_visible(rect) {
        ui.painter()
            .rect_filled(rect, CornerRadius::same(9), tint(color));
        ui.painter().galley(rect.min + pad, galley, color);
    }
    let label = text.to_string();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Label, true, &label));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats_minutes_and_hours() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(75.4), "1:15");
        assert_eq!(clock(3725.0), "1:02:05");
    }

    #[test]
    fn silent_cue_names_the_person_and_minutes() {
        let f = Flag {
            kind: FlagKind::SilentParticipant,
            start: 0.0,
            end: 600.0,
            speaker: Some("Carla".into()),
            target: None,
            message: String::new(),
            evidence: String::new(),
            utterances: vec![],
            uncertain: false,
            detail: Default::default(),
        };
        assert_eq!(cue_text(&f, UiLang::Nl), "Carla is al 10 min stil");
    }
}
