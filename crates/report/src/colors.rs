//! The one colour table of the flag kinds, used by the report (timeline chart, HTML flag
//! borders) and by the app (flag chips): each kind has a colour group with a bright chart
//! colour and a CSS class for the report, and a muted chip colour (RGB) for the app.

use observant_analysis::FlagKind;

/// The colours of one flag kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagColors {
    /// Colour on the report's timeline (`#rrggbb`).
    pub chart: &'static str,
    /// CSS class of the report's flag block, by colour group.
    pub class: &'static str,
    /// The app's muted chip (text) colour.
    pub chip: [u8; 3],
}

const RED: (&str, &str) = ("#c0504d", "k-red");
const ORANGE: (&str, &str) = ("#e07b39", "k-orange");
const PURPLE: (&str, &str) = ("#7e57a8", "k-purple");
const GREY: (&str, &str) = ("#7d8796", "k-grey");

/// The colours of a flag kind.
pub fn flag_colors(kind: FlagKind) -> FlagColors {
    let (group, chip) = match kind {
        FlagKind::WhyQuestion => (RED, [0x8C, 0x5A, 0x8E]),
        FlagKind::Advice | FlagKind::Iwab => (RED, [0xA3, 0x62, 0x3E]),
        FlagKind::RapidFire | FlagKind::StackedQuestions => (ORANGE, [0xA8, 0x4E, 0x4E]),
        FlagKind::Dominance | FlagKind::LongMonologue => (PURPLE, [0x4E, 0x6A, 0x98]),
        FlagKind::Discussion => (PURPLE, [0x9A, 0x7A, 0x2E]),
        FlagKind::ClosedQuestion => (GREY, [0x6F, 0x76, 0x7D]),
        FlagKind::SilentParticipant => (GREY, [0x4A, 0x80, 0x7E]),
        FlagKind::PhaseOverrun
        | FlagKind::InbrengerSpokeInListeningPhase
        | FlagKind::QuestionsInSilentPhase
        | FlagKind::NonInformativeQuestion => (GREY, [0x7B, 0x6A, 0x52]),
    };
    FlagColors {
        chart: group.0,
        class: group.1,
        chip,
    }
}
