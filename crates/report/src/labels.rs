//! Display names shared by every rendering (report, command line, app): flag kinds and
//! roles, Dutch first, English second.

use observant_analysis::{Flag, FlagKind};
use observant_model::i18n::UiLang;
use observant_model::transcript::Role;

/// Display name of a flag kind.
pub fn kind_label(kind: FlagKind, ui: UiLang) -> &'static str {
    match kind {
        FlagKind::WhyQuestion => ui.t("Waarom-vraag", "Why-question"),
        FlagKind::Advice => ui.t("Advies", "Advice"),
        FlagKind::RapidFire => ui.t("Spervuur van vragen", "Rapid-fire questions"),
        FlagKind::Dominance => ui.t("Dominantie", "Dominance"),
        FlagKind::ClosedQuestion => ui.t("Gesloten vraag", "Closed question"),
        FlagKind::Discussion => ui.t("Discussie (welles-nietes)", "Discussion (yes-no arguing)"),
        FlagKind::SilentParticipant => ui.t("Stille deelnemer", "Silent participant"),
        FlagKind::LongMonologue => ui.t("Lange monoloog", "Long monologue"),
        FlagKind::StackedQuestions => ui.t("Gestapelde vragen", "Stacked questions"),
        FlagKind::Iwab => ui.t("Ik weet alles beter", "Know-it-all"),
        FlagKind::PhaseOverrun => ui.t("Stap over tijd", "Step over time"),
        FlagKind::InbrengerSpokeInListeningPhase => ui.t(
            "Inbrenger spreekt in luisterstap",
            "Presenter speaks in listening step",
        ),
        FlagKind::QuestionsInSilentPhase => ui.t("Vraag in stille stap", "Question in silent step"),
        FlagKind::NonInformativeQuestion => ui.t(
            "Belevingsvraag in informatieronde",
            "Experience question in information round",
        ),
    }
}

/// Display name of a role.
pub fn role_label(role: Option<Role>, ui: UiLang) -> &'static str {
    match role {
        Some(Role::Facilitator) => "facilitator",
        Some(Role::Inbrenger) => ui.t("inbrenger", "presenter"),
        Some(Role::Deelnemer) => ui.t("deelnemer", "participant"),
        Some(Role::Observant) => ui.t("observant", "observer"),
        None => "-",
    }
}

/// Who a flag is about: "Anna → Bram", "Anna", "→ Bram" or nothing.
pub fn who(f: &Flag) -> String {
    let (s, t) = (f.speaker.as_deref(), f.target.as_deref());
    let mut o = String::with_capacity(s.map_or(0, str::len) + t.map_or(0, str::len) + 5);
    if let Some(s) = s {
        o.push_str(s);
        if t.is_some() {
            o.push(' ');
        }
    }
    if let Some(t) = t {
        o.push_str("\u{2192} ");
        o.push_str(t);
    }
    o
}
