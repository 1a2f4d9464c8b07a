//! The words of an analysis: every flag's message and evidence, and the method steps' names,
//! written in the reader's language from the facts detection recorded ([`FlagDetail`]).
//! Detection is language-free; whoever shows an analysis (the report, `observant analyze`
//! and `listen`, the observer and review screens) writes its words here when it shows them,
//! so switching the language or pseudonymising names re-writes the words without running the
//! analysis again. A flag saved before details existed keeps the words it was saved with.

use observant_analysis::{Analysis, Flag, FlagDetail, FlagKind};
use observant_model::i18n::UiLang;
use observant_model::methods::{self, Method};
use observant_model::text::capitalise;
use observant_model::time::{clock_padded as fmt_clock, duration as fmt_duration};

/// Writes the words of every flag and every step timing of `a` in `ui`.
pub fn write_analysis(a: &mut Analysis, ui: UiLang) {
    let method = a.method.as_deref().and_then(methods::find);
    for f in &mut a.flags {
        write_flag(f, method, ui);
    }
    if let Some(m) = method {
        for st in &mut a.steps {
            if let Some(s) = m.step(st.step) {
                st.name = s.name(ui).to_string();
            }
        }
    }
}

/// Writes `f.message` and `f.evidence` in `ui`; `method` is the session's method (for step
/// names). A flag without details keeps its words.
pub fn write_flag(f: &mut Flag, method: Option<&Method>, ui: UiLang) {
    if let Some((message, evidence)) = words(f, method, ui) {
        f.message = message;
        f.evidence = evidence;
    }
}

/// `write_flag` for a flag of a session with method `method` (its name, as in the transcript).
pub fn write_flag_of(f: &mut Flag, method: Option<&str>, ui: UiLang) {
    write_flag(f, method.and_then(methods::find), ui);
}

/// "stap 3 (Vragen stellen)": a step of the method, or only its number when unknown.
fn step_label(method: Option<&Method>, n: u32, ui: UiLang) -> String {
    match method.and_then(|m| m.step(n)) {
        Some(st) => format!("{} {} ({})", ui.t("stap", "step"), st.number, st.name(ui)),
        None => format!("{} {n}", ui.t("stap", "step")),
    }
}

/// A planned time: "20–30 min" or "10 min".
fn budget(min_seconds: f64, max_seconds: f64) -> String {
    if min_seconds < max_seconds {
        format!("{}–{} min", min_seconds / 60.0, max_seconds / 60.0)
    } else {
        format!("{} min", max_seconds / 60.0)
    }
}

/// The message and evidence of `f` in `ui`; `None` for a flag without details.
pub fn words(f: &Flag, method: Option<&Method>, ui: UiLang) -> Option<(String, String)> {
    let who = f.speaker.as_deref().unwrap_or("");
    match &f.detail {
        FlagDetail::None => None,
        FlagDetail::Cue { cue } => cue_words(f.kind, who, cue.as_deref(), ui),
        FlagDetail::RapidFire { .. }
        | FlagDetail::StackedQuestions { .. }
        | FlagDetail::Dominance { .. }
        | FlagDetail::Silent
        | FlagDetail::LongMonologue { .. } => talk_words(f, ui),
        FlagDetail::Discussion { .. }
        | FlagDetail::PhaseOverrun { .. }
        | FlagDetail::ListeningPhase { .. }
        | FlagDetail::SilentPhase { .. }
        | FlagDetail::ExperienceQuestion { .. } => step_words(f, method, ui),
    }
}

/// The words of the flags about who talks how much: bursts, stacked questions, dominance,
/// silence and monologues.
fn talk_words(f: &Flag, ui: UiLang) -> Option<(String, String)> {
    let t = |nl: &'static str, en: &'static str| ui.t(nl, en);
    let who = f.speaker.as_deref().unwrap_or("");
    let target = f.target.as_deref().unwrap_or("");
    let out = match &f.detail {
        FlagDetail::RapidFire {
            questions,
            span_seconds,
            askers,
            target_talk_seconds,
        } => (
            format!(
                "{}: {questions} {} {} {} {target}, {}",
                t("Spervuur", "Rapid fire"),
                t("vragen in", "questions in"),
                fmt_duration(*span_seconds),
                t("op", "at"),
                t(
                    "die nauwelijks ruimte krijgt om te antwoorden.",
                    "who hardly gets room to answer."
                )
            ),
            format!(
                "{questions} {} {}; {target} {} {}",
                t("vragen van", "questions from"),
                askers.join(", "),
                t("sprak", "spoke"),
                fmt_duration(*target_talk_seconds)
            ),
        ),
        FlagDetail::StackedQuestions { questions } => (
            format!(
                "{}: {who} {} {questions} {}",
                t("Gestapelde vragen", "Stacked questions"),
                t("stelt", "asks"),
                t(
                    "vragen in één beurt; één vraag tegelijk geeft ruimte.",
                    "questions in one turn; one at a time gives room."
                )
            ),
            format!("{questions} {}", t("vragen", "questions")),
        ),
        FlagDetail::Dominance {
            share,
            talk_seconds,
            threshold,
            speakers,
        } => {
            let pct = (share * 100.0).round();
            (
                format!(
                    "{}: {who} {} {pct}% {} ({}–{}).",
                    t("Dominantie", "Dominance"),
                    t("heeft tot", "takes up to"),
                    t("van de spreektijd", "of the speaking time"),
                    fmt_clock(f.start),
                    fmt_clock(f.end)
                ),
                format!(
                    "{} {pct}% ({} {} {}); {} {}%, N = {speakers}",
                    t("aandeel tot", "share up to"),
                    fmt_duration(*talk_seconds),
                    t("spraak in", "speech in"),
                    fmt_duration(f.end - f.start),
                    t("drempel", "threshold"),
                    (threshold * 100.0).round(),
                ),
            )
        }
        FlagDetail::Silent => (
            match ui {
                UiLang::Nl => format!(
                    "Stil: {who} zei {} lang niets; betrek deze deelnemer erbij.",
                    fmt_duration(f.end - f.start)
                ),
                UiLang::En => format!(
                    "Silent: {who} said nothing for {}; invite them in.",
                    fmt_duration(f.end - f.start)
                ),
            },
            format!(
                "{} {}–{}",
                t("stil van", "silent from"),
                fmt_clock(f.start),
                fmt_clock(f.end)
            ),
        ),
        FlagDetail::LongMonologue {
            seconds,
            max_seconds,
        } => (
            format!(
                "{}: {who} {} {} {}",
                t("Lange monoloog", "Long monologue"),
                t("spreekt", "speaks for"),
                fmt_duration(*seconds),
                t("achter elkaar.", "in one go.")
            ),
            format!(
                "{} > {}",
                fmt_duration(*seconds),
                fmt_duration(*max_seconds)
            ),
        ),
        _ => return None,
    };
    Some(out)
}

/// The words of the flags about the method's steps (and a discussion in a step without one).
fn step_words(f: &Flag, method: Option<&Method>, ui: UiLang) -> Option<(String, String)> {
    let t = |nl: &'static str, en: &'static str| ui.t(nl, en);
    let who = f.speaker.as_deref().unwrap_or("");
    let target = f.target.as_deref().unwrap_or("");
    let out = match &f.detail {
        FlagDetail::Discussion {
            turns,
            contradictions,
            cues,
            no_discussion_step,
        } => {
            let no_disc = no_discussion_step
                .map(|n| {
                    format!(
                        " {} {}.",
                        t("Geen discussie in", "No discussion in"),
                        step_label(method, n, ui)
                    )
                })
                .unwrap_or_default();
            (
                format!(
                    "{} {who} {} {target}: {turns} {}{no_disc}",
                    t(
                        "Discussie (welles-nietes) tussen",
                        "Discussion (yes-no arguing) between"
                    ),
                    t("en", "and"),
                    t(
                        "snelle beurten met tegenspraak, in plaats van dialoog.",
                        "quick turns with contradiction instead of dialogue."
                    )
                ),
                if cues.is_empty() {
                    format!(
                        "{contradictions} {} {turns}",
                        t("beurten met tegenspraak van", "turns with contradiction of")
                    )
                } else {
                    cues.join(", ")
                },
            )
        }
        FlagDetail::PhaseOverrun {
            step,
            seconds,
            budget_min_seconds,
            budget_max_seconds,
        } => {
            let budget = budget(*budget_min_seconds, *budget_max_seconds);
            (
                format!(
                    "{} {} {}; {} {budget}.",
                    capitalise(&step_label(method, *step, ui)),
                    t("duurde", "took"),
                    fmt_duration(*seconds),
                    t("gepland", "planned")
                ),
                format!("{} > {budget}", fmt_duration(*seconds)),
            )
        }
        FlagDetail::ListeningPhase {
            step,
            speech_seconds,
        } => (
            format!(
                "{who} {} {}, {}",
                t("(inbrenger) spreekt in", "(presenter) speaks in"),
                step_label(method, *step, ui),
                t(
                    "waarin de inbrenger alleen luistert.",
                    "where the presenter only listens."
                )
            ),
            format!(
                "{} {}",
                fmt_duration(*speech_seconds),
                t("spraak", "speech")
            ),
        ),
        FlagDetail::SilentPhase { step, questions } => (
            format!(
                "{} {who} {} {}, {}",
                t("Vraag van", "Question by"),
                t("in", "in"),
                step_label(method, *step, ui),
                t(
                    "waarin geen vragen hardop horen.",
                    "where no questions are asked aloud."
                )
            ),
            format!("{questions} {}", t("vraag/vragen", "question(s)")),
        ),
        FlagDetail::ExperienceQuestion { step, cue } => (
            format!(
                "{} {who} {} {}: {}",
                t("Belevingsvraag van", "Experience question by"),
                t("in", "in"),
                step_label(method, *step, ui),
                t(
                    "hier horen informatieve vragen (wie, wat, waar, hoe).",
                    "this step asks for informative questions (who, what, where, how)."
                )
            ),
            cue.clone()
                .unwrap_or_else(|| t("belevingsvraag", "experience question").to_string()),
        ),
        _ => return None,
    };
    Some(out)
}

/// The words of an utterance-level flag: what it is, by whom, what to do instead; the
/// evidence is the classifier's cue, else the kind in a word.
fn cue_words(kind: FlagKind, who: &str, cue: Option<&str>, ui: UiLang) -> Option<(String, String)> {
    let t = |nl: &'static str, en: &'static str| ui.t(nl, en);
    let (message, fallback) = match kind {
        FlagKind::WhyQuestion => (
            format!(
                "{} {who}: {}",
                t("Waarom-vraag van", "Why-question by"),
                t(
                    "kan als oordeel voelen; vraag liever naar wat of hoe.",
                    "can feel judgmental; ask what or how instead."
                )
            ),
            t("waarom", "why"),
        ),
        FlagKind::Advice => (
            format!(
                "{} {who} {}",
                t("Advies van", "Advice by"),
                t(
                    "in plaats van een vraag of reflectie.",
                    "instead of a question or reflection."
                )
            ),
            t("advies", "advice"),
        ),
        FlagKind::Iwab => (
            format!(
                "{}: {who} {}",
                t("Ik weet alles beter", "Know-it-all"),
                t(
                    "geeft advies in absolute of corrigerende termen.",
                    "gives advice in absolute or corrective terms."
                )
            ),
            t("corrigerend", "corrective"),
        ),
        FlagKind::ClosedQuestion => (
            format!(
                "{} {who}: {}",
                t("Gesloten vraag van", "Closed question by"),
                t(
                    "een open vraag (wat, hoe) nodigt meer uit.",
                    "an open question (what, how) invites more."
                )
            ),
            t("ja/nee-vraag", "yes/no question"),
        ),
        _ => return None,
    };
    Some((message, cue.unwrap_or(fallback).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_analysis::Classification;
    use observant_analysis::config::Config;
    use observant_analysis::session::analyze_classified;
    use observant_model::transcript::{Transcript, Utterance};

    fn one_why() -> Analysis {
        let t = Transcript {
            utterances: vec![Utterance {
                start: 0.0,
                end: 5.0,
                speaker: "A".into(),
                text: String::new(),
                confidence: None,
                uncertain_words: Vec::new(),
                speech: None,
            }],
            ..Transcript::default()
        };
        let cls = vec![Classification {
            why: true,
            ..Default::default()
        }];
        analyze_classified(&t, &cls, &Config::default())
    }

    #[test]
    fn english_messages() {
        let mut a = one_why();
        write_analysis(&mut a, UiLang::En);
        assert!(a.flags[0].message.starts_with("Why-question"));
        assert_eq!(a.flags[0].evidence, "why");
        // The same analysis re-written, not re-run.
        write_analysis(&mut a, UiLang::Nl);
        assert!(a.flags[0].message.starts_with("Waarom-vraag"));
        assert_eq!(a.flags[0].evidence, "waarom");
    }

    #[test]
    fn a_flag_saved_without_details_keeps_its_words() {
        let mut a = one_why();
        a.flags[0].detail = FlagDetail::None;
        a.flags[0].message = "zoals bewaard".into();
        write_analysis(&mut a, UiLang::En);
        assert_eq!(a.flags[0].message, "zoals bewaard");
    }
}
