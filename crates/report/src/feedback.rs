//! Feedback points for the facilitator, derived from the report's flags and question mix,
//! and the hand-out's product and process evaluation questions ("Evalueren op product en
//! proces", Bijlage 2 per werkvorm) as prompts. Data here, wording at render time, so one
//! report renders in Dutch and in English.

use serde::Serialize;

use super::{Redactor, Report};
use observant_analysis::FlagKind;
use observant_model::i18n::UiLang;
use observant_model::text::capitalise;
use observant_model::time::clock_padded as fmt_clock;
use observant_model::transcript::Role;

/// Flag kinds in the order their feedback is given: what disturbs the process most first.
pub(super) const PRIORITY: &[FlagKind] = &[
    FlagKind::Dominance,
    FlagKind::RapidFire,
    FlagKind::Advice,
    FlagKind::Iwab,
    FlagKind::WhyQuestion,
    FlagKind::Discussion,
    FlagKind::InbrengerSpokeInListeningPhase,
    FlagKind::QuestionsInSilentPhase,
    FlagKind::NonInformativeQuestion,
    FlagKind::StackedQuestions,
    FlagKind::ClosedQuestion,
    FlagKind::SilentParticipant,
    FlagKind::LongMonologue,
    FlagKind::PhaseOverrun,
];

/// Times listed with a feedback point before "…".
const MAX_TIMES: usize = 6;

/// One feedback point for the facilitator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Feedback {
    /// Flags of one kind: how many, when (start, end) and by whom.
    Flags {
        kind: FlagKind,
        count: usize,
        spans: Vec<(f64, f64)>,
        who: Vec<String>,
    },
    /// Informative and experience questions out of balance (the hand-out: alternate them).
    QuestionBalance { informative: u32, experience: u32 },
    /// Several questions, none about learning and change (category 4).
    NoLearningQuestions { questions: u32 },
    /// Nothing was flagged.
    NoPitfalls,
}

impl Feedback {
    pub(super) fn redact(&mut self, r: &Redactor) {
        if let Feedback::Flags { who, .. } = self {
            for w in who {
                r.apply_in_place(w);
            }
        }
    }

    /// Whether this point is praise rather than a point of attention.
    pub fn is_positive(&self) -> bool {
        matches!(self, Feedback::NoPitfalls)
    }

    /// The point as (headline, tip), in the UI language, unescaped.
    pub fn text(&self, ui: UiLang) -> (String, String) {
        match self {
            Feedback::Flags {
                kind,
                count,
                spans,
                who,
            } => flag_text(*kind, *count, spans, who, ui),
            Feedback::QuestionBalance {
                informative,
                experience,
            } => {
                if experience < informative {
                    (
                        match ui {
                            UiLang::Nl => format!(
                                "{informative} informerende tegen {experience} belevingsvragen"
                            ),
                            UiLang::En => format!(
                                "{informative} informative against {experience} experience questions"
                            ),
                        },
                        ui.t(
                            "wissel af met belevingsvragen: \u{2018}Wat betekent deze situatie voor jou?\u{2019}",
                            "alternate with experience questions: \u{2018}What does this situation mean to you?\u{2019}",
                        )
                        .to_string(),
                    )
                } else {
                    (
                        match ui {
                            UiLang::Nl => format!(
                                "{experience} belevingsvragen tegen {informative} informerende"
                            ),
                            UiLang::En => format!(
                                "{experience} experience against {informative} informative questions"
                            ),
                        },
                        ui.t(
                            "wissel af met informerende vragen: \u{2018}Wat gebeurde er precies?\u{2019}",
                            "alternate with informative questions: \u{2018}What exactly happened?\u{2019}",
                        )
                        .to_string(),
                    )
                }
            }
            Feedback::NoLearningQuestions { questions } => (
                match ui {
                    UiLang::Nl => {
                        format!("{questions} vragen, geen naar leren en verandering")
                    }
                    UiLang::En => {
                        format!("{questions} questions, none about learning and change")
                    }
                },
                ui.t(
                    "vraag ook: \u{2018}Wat heb je over jezelf ontdekt?\u{2019} of \u{2018}Waar zit voor jou de uitdaging?\u{2019}",
                    "also ask: \u{2018}What have you discovered about yourself?\u{2019} or \u{2018}Where is the challenge for you?\u{2019}",
                )
                .to_string(),
            ),
            Feedback::NoPitfalls => (
                ui.t("Geen valkuilen gesignaleerd", "No pitfalls flagged")
                    .to_string(),
                ui.t(
                    "benoem wat goed ging, zodat de groep het herhaalt",
                    "name what went well, so the group repeats it",
                )
                .to_string(),
            ),
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn times(spans: &[(f64, f64)], ranges: bool) -> String {
    let mut parts: Vec<String> = spans
        .iter()
        .take(MAX_TIMES)
        .map(|&(a, b)| {
            if ranges {
                format!("{}\u{2013}{}", fmt_clock(a), fmt_clock(b))
            } else {
                fmt_clock(a)
            }
        })
        .collect();
    if spans.len() > MAX_TIMES {
        parts.push("\u{2026}".into());
    }
    parts.join(", ")
}

/// "3× " before a label when there is more than one.
fn count_prefix(n: usize) -> String {
    if n > 1 {
        format!("{n}\u{d7} ")
    } else {
        String::new()
    }
}

fn names(who: &[String]) -> String {
    who.join(", ")
}

fn flag_text(
    kind: FlagKind,
    n: usize,
    spans: &[(f64, f64)],
    who: &[String],
    ui: UiLang,
) -> (String, String) {
    (
        capitalise(&flag_head(kind, n, spans, who, ui)),
        flag_tip(kind, ui).to_string(),
    )
}

/// Singular and plural of what is counted for a kind whose head is "3 waarom-vragen (om …)".
fn counted_words(kind: FlagKind, ui: UiLang) -> Option<(&'static str, &'static str)> {
    let nl = ui == UiLang::Nl;
    Some(match (kind, nl) {
        (FlagKind::WhyQuestion, true) => ("waarom-vraag", "waarom-vragen"),
        (FlagKind::WhyQuestion, false) => ("why-question", "why-questions"),
        (FlagKind::Advice, true) => ("keer advies", "keer advies"),
        (FlagKind::Advice, false) => ("piece of advice", "pieces of advice"),
        (FlagKind::Iwab, true) => ("keer ‘ik weet alles beter’", "keer ‘ik weet alles beter’"),
        (FlagKind::Iwab, false) => ("know-it-all remark", "know-it-all remarks"),
        (FlagKind::Discussion, true) => ("discussie (welles-nietes)", "discussies (welles-nietes)"),
        (FlagKind::Discussion, false) => (
            "discussion (yes-no arguing)",
            "discussions (yes-no arguing)",
        ),
        (FlagKind::StackedQuestions, true) => {
            ("beurt met meerdere vragen", "beurten met meerdere vragen")
        }
        (FlagKind::StackedQuestions, false) => (
            "turn with several questions",
            "turns with several questions",
        ),
        (FlagKind::ClosedQuestion, true) => ("gesloten vraag", "gesloten vragen"),
        (FlagKind::ClosedQuestion, false) => ("closed question", "closed questions"),
        (FlagKind::LongMonologue, true) => ("lange monoloog", "lange monologen"),
        (FlagKind::LongMonologue, false) => ("long monologue", "long monologues"),
        (FlagKind::PhaseOverrun, true) => ("stap over tijd", "stappen over tijd"),
        (FlagKind::PhaseOverrun, false) => ("step over time", "steps over time"),
        _ => return None,
    })
}

/// The label of a kind whose head is "3× label (om …)".
fn step_label(kind: FlagKind, ui: UiLang) -> Option<&'static str> {
    Some(match kind {
        FlagKind::InbrengerSpokeInListeningPhase => ui.t(
            "Inbrenger sprak in een luisterstap",
            "The presenter spoke in a listening step",
        ),
        FlagKind::QuestionsInSilentPhase => ui.t(
            "Vragen hardop in een stille stap",
            "Questions asked aloud in a silent step",
        ),
        FlagKind::NonInformativeQuestion => ui.t(
            "Belevingsvragen in de informatieronde",
            "Experience questions in the information round",
        ),
        _ => return None,
    })
}

/// The head of a feedback point: what happened, how often, when and (where it helps) who.
fn flag_head(kind: FlagKind, n: usize, spans: &[(f64, f64)], who: &[String], ui: UiLang) -> String {
    let ranges = matches!(
        kind,
        FlagKind::Dominance | FlagKind::SilentParticipant | FlagKind::PhaseOverrun
    );
    let at = |nl_word: &str, en_word: &str| -> String {
        format!("{} {}", ui.t(nl_word, en_word), times(spans, ranges))
    };
    match kind {
        FlagKind::RapidFire if n == 1 => at("Spervuur van vragen om", "Rapid-fire questions at"),
        FlagKind::RapidFire => format!(
            "{n}\u{d7} {} ({})",
            ui.t("spervuur van vragen", "rapid-fire questions"),
            at("om", "at")
        ),
        FlagKind::Dominance => format!(
            "{} {} ({})",
            ui.t("Dominantie van", "Dominance by"),
            names(who),
            at("", "").trim()
        ),
        FlagKind::SilentParticipant => format!(
            "{} {} ({})",
            names(who),
            ui.t("lang stil", "silent for long"),
            at("", "").trim()
        ),
        FlagKind::LongMonologue => {
            let (one, many) = counted_words(kind, ui).unwrap_or_default();
            format!(
                "{} ({}; {})",
                plural(n, one, many),
                names(who),
                at("om", "at")
            )
        }
        FlagKind::PhaseOverrun => {
            let (one, many) = counted_words(kind, ui).unwrap_or_default();
            format!("{} ({})", plural(n, one, many), at("", "").trim())
        }
        _ => match (counted_words(kind, ui), step_label(kind, ui)) {
            (Some((one, many)), _) => format!("{} ({})", plural(n, one, many), at("om", "at")),
            (None, Some(label)) => format!("{}{label} ({})", count_prefix(n), at("om", "at")),
            (None, None) => String::new(),
        },
    }
}

/// The tip of a feedback point: what the facilitator can do about it.
fn flag_tip(kind: FlagKind, ui: UiLang) -> &'static str {
    match kind {
        FlagKind::WhyQuestion => ui.t(
            "stel open hoe/wat-vragen; een waarom-vraag kan oordelend overkomen",
            "ask open how/what questions; a why-question can feel judgmental",
        ),
        FlagKind::Advice => ui.t(
            "nodig uit tot vragen en reflectie in plaats van oplossingen: intervisie is geen adviesgesprek",
            "invite questions and reflection instead of solutions: intervisie is not an advice session",
        ),
        FlagKind::RapidFire => ui.t(
            "één vraag tegelijk, en laat de inbrenger eerst antwoorden",
            "one question at a time, and let the presenter answer first",
        ),
        FlagKind::Dominance => ui.t(
            "zorg voor een evenwichtige bijdrage: vraag wie nog niet aan het woord was",
            "balance the contributions: ask who has not spoken yet",
        ),
        FlagKind::Iwab => ui.t(
            "bewaak de gelijkwaardigheid: spreek voor jezelf en vraag in plaats van te corrigeren",
            "guard equality: speak for yourself and ask instead of correcting",
        ),
        FlagKind::Discussion => ui.t(
            "breng het gesprek terug naar dialoog: luisteren, vertellen en vragen",
            "bring the conversation back to dialogue: listen, tell and ask",
        ),
        FlagKind::InbrengerSpokeInListeningPhase => ui.t(
            "spreek vooraf af dat de inbrenger in deze stap alleen luistert",
            "agree beforehand that the presenter only listens in this step",
        ),
        FlagKind::QuestionsInSilentPhase => ui.t(
            "in deze stap worden vragen opgeschreven, niet gesteld",
            "in this step questions are written down, not asked",
        ),
        FlagKind::NonInformativeQuestion => ui.t(
            "houd de vragen in deze stap informatief: wie, wat, waar, hoe",
            "keep the questions in this step informative: who, what, where, how",
        ),
        FlagKind::StackedQuestions => ui.t(
            "één vraag tegelijk, dan wachten op het antwoord",
            "one question at a time, then wait for the answer",
        ),
        FlagKind::ClosedQuestion => ui.t(
            "maak er open vragen van: wat, hoe, welke",
            "turn them into open questions: what, how, which",
        ),
        FlagKind::SilentParticipant => ui.t(
            "betrek wie stil is: vraag naar hun vraag of indruk",
            "invite whoever is quiet: ask for their question or impression",
        ),
        FlagKind::LongMonologue => ui.t(
            "vat samen en geef het woord door",
            "summarise and pass the word on",
        ),
        FlagKind::PhaseOverrun => ui.t(
            "bewaak het tijdpad en kondig de volgende stap tijdig aan",
            "keep to the schedule and announce the next step in time",
        ),
    }
}

/// The feedback points of a report, most important first.
pub(super) fn feedback_of(r: &Report) -> Vec<Feedback> {
    let mut out = Vec::new();
    for &kind in PRIORITY {
        let flags: Vec<_> = r.flags.iter().filter(|f| f.flag.kind == kind).collect();
        if flags.is_empty() {
            continue;
        }
        let mut who: Vec<String> = Vec::new();
        for f in &flags {
            if let Some(s) = &f.flag.speaker
                && !who.contains(s)
            {
                who.push(s.clone());
            }
        }
        out.push(Feedback::Flags {
            kind,
            count: flags.len(),
            spans: flags.iter().map(|f| (f.flag.start, f.flag.end)).collect(),
            who,
        });
    }
    // The question mix of everyone who asks (not the inbrenger).
    let askers = r
        .speakers
        .iter()
        .filter(|s| s.role != Some(Role::Inbrenger));
    let (mut inf, mut exp, mut questions, mut learning) = (0u32, 0u32, 0u32, 0u32);
    for s in askers {
        inf += s.informative_questions;
        exp += s.experience_questions;
        questions += s.questions;
        learning += s.categories[3];
    }
    if inf + exp >= 4 && (exp * 2 < inf || inf * 2 < exp) {
        out.push(Feedback::QuestionBalance {
            informative: inf,
            experience: exp,
        });
    }
    if questions >= 5 && learning == 0 {
        out.push(Feedback::NoLearningQuestions { questions });
    }
    if r.flags.is_empty() {
        out.push(Feedback::NoPitfalls);
    }
    out
}

/// A group of evaluation questions.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptGroup {
    pub heading: &'static str,
    pub questions: Vec<&'static str>,
}

/// The hand-out's evaluation on product and process, with feedback to the facilitator,
/// plus the evaluation questions of the method when it is known.
pub fn evaluation_prompts(method: Option<&str>, ui: UiLang) -> Vec<PromptGroup> {
    let t = |nl: &'static str, en: &'static str| ui.t(nl, en);
    let mut groups = vec![
        PromptGroup {
            heading: t("Product: wat levert het op?", "Product: what did it yield?"),
            questions: vec![
                t(
                    "Wat hebben we afgesproken te doen, en is dat gelukt?",
                    "What did we agree to do, and did it work out?",
                ),
                t(
                    "Neemt iedereen een geleerde les mee? Welke?",
                    "Does everyone take a lesson home? Which one?",
                ),
                t(
                    "Wat gaat de inbrenger doen (actieplan)?",
                    "What will the presenter do (action plan)?",
                ),
                t(
                    "Welke vervolgafspraken maken we?",
                    "What follow-up do we agree on?",
                ),
            ],
        },
        PromptGroup {
            heading: t("Proces: hoe is het gegaan?", "Process: how did it go?"),
            questions: vec![
                t(
                    "Hoe is het gegaan, en wat vond je van je eigen inbreng?",
                    "How did it go, and what did you think of your own contribution?",
                ),
                t(
                    "Hoe is in deze bijeenkomst samengewerkt?",
                    "How did we work together in this session?",
                ),
                t(
                    "Hoe zijn we omgegaan met elkaars inbreng en bijdragen?",
                    "How did we deal with each other's input and contributions?",
                ),
                t(
                    "Wat hebben we goed aangepakt, en wat had beter gekund?",
                    "What did we handle well, and what could have been better?",
                ),
                t(
                    "Wat betekent dit voor de volgende keer?",
                    "What does this mean for next time?",
                ),
            ],
        },
        PromptGroup {
            heading: t("Feedback aan de facilitator", "Feedback to the facilitator"),
            questions: vec![
                t("Wat vond je prettig?", "What did you like?"),
                t("Wat was effectief?", "What was effective?"),
                t("Wat is een aandachtspunt?", "What is a point of attention?"),
            ],
        },
    ];
    let id = method
        .and_then(observant_analysis::methods::find)
        .map(|m| m.id);
    let specific: Vec<&'static str> = match id {
        Some("roddel") => vec![
            t(
                "Wat heeft het roddelen de inbrenger opgeleverd?",
                "What did the gossip round give the presenter?",
            ),
            t(
                "Hoe zijn de groepsleden met de vraag omgegaan?",
                "How did the group members handle the question?",
            ),
            t(
                "Wat neemt ieder mee in de eigen context?",
                "What does everyone take into their own context?",
            ),
        ],
        Some("winst-van-succes") => vec![t(
            "Wat leren wij hier nu van?",
            "What do we learn from this?",
        )],
        Some("incident") => vec![
            t(
                "Wat neem je inhoudelijk mee?",
                "What do you take away on content?",
            ),
            t(
                "Wat neem je mee over de manier van werken en je eigen inbreng daarin?",
                "What do you take away about the way of working and your own part in it?",
            ),
        ],
        Some("crea") => vec![
            t(
                "Hoe hebben we de bijeenkomst ervaren?",
                "How did we experience the session?",
            ),
            t(
                "Wat was jouw eyeopener, en wat ga je nu anders doen?",
                "What was your eye-opener, and what will you do differently now?",
            ),
        ],
        Some("de-5-vragen") => vec![t(
            "Wat leer je daarvan voor de volgende keer?",
            "What do you learn from it for next time?",
        )],
        Some("in-andermans-schoenen") => vec![
            t("Wat heb je geleerd?", "What have you learned?"),
            t(
                "Wat gaat je aan het hart, en wat moet je ter harte nemen?",
                "What touches you, and what should you take to heart?",
            ),
        ],
        Some("speed-sparren") => vec![t(
            "Welke nieuwe inzichten heb je uit de gesprekken opgeschreven?",
            "Which new insights from the conversations did you write down?",
        )],
        _ => Vec::new(),
    };
    if !specific.is_empty() {
        groups.push(PromptGroup {
            heading: t("Vanuit de werkvorm", "From the method"),
            questions: specific,
        });
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_in_both_languages() {
        let f = Feedback::Flags {
            kind: FlagKind::WhyQuestion,
            count: 3,
            spans: vec![(156.0, 160.0), (264.0, 270.0), (374.0, 380.0)],
            who: vec!["Ruben".into()],
        };
        let (h, tip) = f.text(UiLang::Nl);
        assert_eq!(h, "3 waarom-vragen (om 02:36, 04:24, 06:14)");
        assert!(tip.starts_with("stel open hoe/wat-vragen"));
        let (h, _) = f.text(UiLang::En);
        assert_eq!(h, "3 why-questions (at 02:36, 04:24, 06:14)");
        let rf = Feedback::Flags {
            kind: FlagKind::RapidFire,
            count: 1,
            spans: vec![(192.0, 210.0)],
            who: vec![],
        };
        let (h, tip) = rf.text(UiLang::Nl);
        assert_eq!(h, "Spervuur van vragen om 03:12");
        assert!(tip.starts_with("één vraag tegelijk"));
        let d = Feedback::Flags {
            kind: FlagKind::Dominance,
            count: 1,
            spans: vec![(0.0, 716.0)],
            who: vec!["Jeroen".into()],
        };
        assert_eq!(d.text(UiLang::Nl).0, "Dominantie van Jeroen (00:00–11:56)");
    }

    #[test]
    fn prompts_include_the_method() {
        let g = evaluation_prompts(Some("roddel"), UiLang::Nl);
        assert_eq!(g.len(), 4);
        assert!(g[0].heading.starts_with("Product"));
        assert_eq!(evaluation_prompts(None, UiLang::En).len(), 3);
    }
}
