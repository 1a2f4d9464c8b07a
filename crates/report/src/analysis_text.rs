//! What `observant analyze` prints for people: an [`Analysis`] as plain text for the terminal
//! and as Markdown for notes and issue trackers, Dutch by default and English with
//! [`UiLang::En`], both built as a [`Document`] and written by the renderers of
//! [`crate::doc`]; JSON is the serde form of `Analysis` (the contract). The terminal and the
//! Markdown form show slightly different columns (as they always have), so the builder is
//! told which one it builds.

use std::collections::BTreeMap;

use crate::doc::{
    self, Align, Block, Document, Inline, Item, Line, QuoteStyle, Table, TableStyle, text,
};
use crate::document::flag_message;
use crate::labels::{kind_label, role_label, who};
use crate::{method_name, pct};
use observant_analysis::{Analysis, Flag, FlagKind, SpeakerStats};
use observant_model::i18n::UiLang;
use observant_model::text::capitalise;
use observant_model::time::{clock_padded as fmt_clock, duration as fmt_duration};

/// Which rendering a document is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Text,
    Markdown,
}

/// Plain-text report for the terminal.
pub fn render_text(a: &Analysis, ui: UiLang) -> String {
    doc::to_text(&document(a, ui, Form::Text))
}

/// Markdown report.
pub fn render_markdown(a: &Analysis, ui: UiLang) -> String {
    doc::to_markdown(&document(a, ui, Form::Markdown), 4096)
}

/// The contract's JSON (pretty-printed).
pub fn render_json(a: &Analysis) -> String {
    serde_json::to_string_pretty(a).unwrap_or_else(|_| "{}".into())
}

fn document(a: &Analysis, ui: UiLang, form: Form) -> Document {
    let mut written = a.clone();
    crate::words::write_analysis(&mut written, ui);
    let a = &written;
    let mut d = Document::default();
    match form {
        Form::Text => text_head(&mut d, a, ui),
        Form::Markdown => markdown_head(&mut d, a, ui),
    }
    d.heading(2, text(ui.t("Sprekers", "Speakers")));
    d.push(Block::Table(match form {
        Form::Text => text_speakers(a, ui),
        Form::Markdown => markdown_speakers(a, ui),
    }));
    if !a.steps.is_empty() {
        d.heading(2, text(ui.t("Stappen", "Steps")));
        d.push(match form {
            Form::Text => text_steps(a, ui),
            Form::Markdown => markdown_steps(a, ui),
        });
    }
    match form {
        Form::Text if a.flags.is_empty() => {}
        Form::Text => {
            d.heading(2, text(ui.t("Signalen", "Flags")));
            let items = a.flags.iter().map(|f| text_flag(a, f, ui)).collect();
            d.push(Block::List(items, QuoteStyle::Lines));
        }
        Form::Markdown => {
            d.heading(2, text(ui.t("Signalen", "Flags")));
            if a.flags.is_empty() {
                d.paragraph(ui.t("Geen signalen.", "No flags."));
            }
            let items = a.flags.iter().map(|f| markdown_flag(a, f, ui)).collect();
            d.push(Block::List(items, QuoteStyle::Paragraphs));
        }
    }
    d
}

fn shorten(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect::<String>().trim_end().to_string();
        t.push('…');
        t
    }
}

/// "1 uiting", "3 uitingen".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Quotes worth showing with a flag: the utterances themselves for utterance-level kinds.
fn quotes(a: &Analysis, f: &Flag) -> Vec<String> {
    let (max, len) = match f.kind {
        FlagKind::Dominance
        | FlagKind::LongMonologue
        | FlagKind::SilentParticipant
        | FlagKind::PhaseOverrun => return Vec::new(),
        FlagKind::RapidFire | FlagKind::Discussion | FlagKind::StackedQuestions => (8, 90),
        FlagKind::InbrengerSpokeInListeningPhase => (2, 140),
        _ => (2, 200),
    };
    f.utterances
        .iter()
        .filter_map(|&i| a.utterances.get(i))
        .filter(|u| !u.text.trim().is_empty())
        .take(max)
        .map(|u| {
            if f.utterances.len() > 1 {
                format!("{}: \u{201c}{}\u{201d}", u.speaker, shorten(&u.text, len))
            } else {
                format!("\u{201c}{}\u{201d}", shorten(&u.text, len))
            }
        })
        .collect()
}

/// Flag counts per kind, in kind order: "waarom-vraag 3, advies 2".
fn flag_summary(a: &Analysis, ui: UiLang) -> String {
    let mut counts: BTreeMap<FlagKind, usize> = BTreeMap::new();
    for f in &a.flags {
        *counts.entry(f.kind).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{} {n}", kind_label(*k, ui).to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn budget_text(lo: f64, hi: f64, ui: UiLang) -> Option<String> {
    if hi <= 0.0 {
        return None;
    }
    let planned = ui.t("gepland", "planned");
    Some(if lo < hi {
        format!("{planned} {}–{} min", lo / 60.0, hi / 60.0)
    } else {
        format!("{planned} {} min", hi / 60.0)
    })
}

/// " (onzeker verstaan)" after a flag whose deciding words were uncertain to the recogniser.
fn uncertain_mark(f: &Flag, ui: UiLang) -> &'static str {
    if f.uncertain {
        ui.t(" (onzeker verstaan)", " (uncertain recognition)")
    } else {
        ""
    }
}

fn text_head(d: &mut Document, a: &Analysis, ui: UiLang) {
    d.heading(
        1,
        text(ui.t("Observant: sessieanalyse", "Observant: session analysis")),
    );
    let mut head = vec![
        format!(
            "{} {}",
            ui.t("duur", "duration"),
            fmt_clock(a.duration_seconds)
        ),
        count(
            a.utterances.len(),
            ui.t("uiting", "utterance"),
            ui.t("uitingen", "utterances"),
        ),
        count(
            a.speakers.iter().filter(|s| s.talk_seconds > 0.0).count(),
            ui.t("spreker", "speaker"),
            ui.t("sprekers", "speakers"),
        ),
    ];
    if let Some(l) = &a.language {
        head.push(format!("{} {l}", ui.t("taal", "language")));
    }
    if let Some(m) = &a.method {
        head.push(format!(
            "{} {}",
            ui.t("werkvorm", "method"),
            method_name(m, ui)
        ));
    }
    d.paragraph(head.join(" · "));
    if a.flags.is_empty() {
        d.paragraph(ui.t("Geen signalen.", "No flags."));
    } else {
        d.paragraph(format!(
            "{}: {} ({})",
            ui.t("Signalen", "Flags"),
            a.flags.len(),
            flag_summary(a, ui)
        ));
    }
}

fn markdown_head(d: &mut Document, a: &Analysis, ui: UiLang) {
    d.heading(1, text(ui.t("Sessieanalyse", "Session analysis")));
    let fact = |k: &str, v: String| vec![Inline::Strong(k.into()), Inline::Text(format!(" {v}"))];
    let mut facts = vec![
        fact(ui.t("Duur", "Duration"), fmt_clock(a.duration_seconds)),
        fact(
            ui.t("Uitingen", "Utterances"),
            a.utterances.len().to_string(),
        ),
    ];
    if let Some(l) = &a.language {
        facts.push(fact(ui.t("Taal", "Language"), l.clone()));
    }
    if let Some(m) = &a.method {
        facts.push(fact(ui.t("Werkvorm", "Method"), method_name(m, ui)));
    }
    facts.push(fact(ui.t("Signalen", "Flags"), a.flags.len().to_string()));
    d.push(Block::Paragraph(facts.join(&Inline::Text(" · ".into()))));
    if !a.flags.is_empty() {
        d.paragraph(capitalise(&flag_summary(a, ui)));
    }
}

fn headers(names: &[&str]) -> Vec<Line> {
    names.iter().map(|h| text(*h)).collect()
}

fn text_speakers(a: &Analysis, ui: UiLang) -> Table {
    let questions = |s: &SpeakerStats| {
        format!(
            "{} ({}/{}/{})",
            s.questions, s.open_questions, s.closed_questions, s.why_questions
        )
    };
    use Align::{Left as L, Right as R};
    Table {
        header: headers(&[
            ui.t("naam", "name"),
            ui.t("rol", "role"),
            ui.t("spreektijd", "talk time"),
            ui.t("aandeel", "share"),
            ui.t("beurten", "turns"),
            ui.t("langste", "longest"),
            ui.t("vragen (open/gesl./waarom)", "questions (open/closed/why)"),
            ui.t("advies", "advice"),
        ]),
        align: vec![L, L, R, R, R, R, L, R],
        style: TableStyle::Plain,
        rows: a
            .speakers
            .iter()
            .map(|s| {
                vec![
                    text(s.name.clone()),
                    text(role_label(s.role, ui)),
                    text(fmt_clock(s.talk_seconds)),
                    text(pct(s.share)),
                    text(s.turns.to_string()),
                    text(fmt_clock(s.longest_monologue_seconds)),
                    text(questions(s)),
                    text(s.advice.to_string()),
                ]
            })
            .collect(),
    }
}

fn markdown_speakers(a: &Analysis, ui: UiLang) -> Table {
    let mut align = vec![Align::Right; 12];
    align[0] = Align::Left;
    align[1] = Align::Left;
    Table {
        header: headers(&[
            ui.t("Naam", "Name"),
            ui.t("Rol", "Role"),
            ui.t("Spreektijd", "Talk time"),
            ui.t("Aandeel", "Share"),
            ui.t("Beurten", "Turns"),
            ui.t("Beurten/min", "Turns/min"),
            ui.t("Langste monoloog", "Longest monologue"),
            ui.t("Vragen", "Questions"),
            ui.t("Open", "Open"),
            ui.t("Gesloten", "Closed"),
            ui.t("Waarom", "Why"),
            ui.t("Advies", "Advice"),
        ]),
        align,
        style: TableStyle::Plain,
        rows: a
            .speakers
            .iter()
            .map(|s| {
                vec![
                    text(s.name.clone()),
                    text(role_label(s.role, ui)),
                    text(fmt_clock(s.talk_seconds)),
                    text(pct(s.share)),
                    text(s.turns.to_string()),
                    text(format!("{:.1}", s.turns_per_minute)),
                    text(fmt_clock(s.longest_monologue_seconds)),
                    text(s.questions.to_string()),
                    text(s.open_questions.to_string()),
                    text(s.closed_questions.to_string()),
                    text(s.why_questions.to_string()),
                    text(s.advice.to_string()),
                ]
            })
            .collect(),
    }
}

fn text_steps(a: &Analysis, ui: UiLang) -> Block {
    let items = a
        .steps
        .iter()
        .map(|s| {
            let len = s.end - s.start;
            let budget = budget_text(s.budget_min_seconds, s.budget_max_seconds, ui);
            let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
            Item::new(text(format!(
                "{}. {}  {}–{}  {}{}{}",
                s.step,
                s.name,
                fmt_clock(s.start),
                fmt_clock(s.end),
                fmt_duration(len),
                budget.map(|b| format!(" ({b})")).unwrap_or_default(),
                if over {
                    ui.t("  ! over tijd", "  ! over time")
                } else {
                    ""
                }
            )))
        })
        .collect();
    Block::List(items, QuoteStyle::Lines)
}

fn markdown_steps(a: &Analysis, ui: UiLang) -> Block {
    use Align::{Left as L, Right as R};
    Block::Table(Table {
        header: headers(&[
            ui.t("Stap", "Step"),
            ui.t("Naam", "Name"),
            ui.t("Tijd", "Time"),
            ui.t("Duur", "Duration"),
            ui.t("Gepland", "Planned"),
        ]),
        align: vec![R, L, L, R, L],
        style: TableStyle::Plain,
        rows: a
            .steps
            .iter()
            .map(|s| {
                let len = s.end - s.start;
                let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
                vec![
                    text(s.step.to_string()),
                    text(s.name.clone()),
                    text(format!("{}–{}", fmt_clock(s.start), fmt_clock(s.end))),
                    text(format!(
                        "{}{}",
                        fmt_duration(len),
                        if over { " ⚠" } else { "" }
                    )),
                    text(
                        budget_text(s.budget_min_seconds, s.budget_max_seconds, ui)
                            .map(|b| b.replace(ui.t("gepland ", "planned "), ""))
                            .unwrap_or_else(|| "-".into()),
                    ),
                ]
            })
            .collect(),
    })
}

fn text_flag(a: &Analysis, f: &Flag, ui: UiLang) -> Item {
    let w = who(f);
    let mut details = vec![text(flag_message(f))];
    details.extend(quotes(a, f).into_iter().map(text));
    if !f.evidence.is_empty() {
        details.push(text(format!(
            "({}: {})",
            ui.t("signaal", "evidence"),
            f.evidence
        )));
    }
    Item {
        line: text(format!(
            "[{}–{}] {}{}{}",
            fmt_clock(f.start),
            fmt_clock(f.end),
            kind_label(f.kind, ui),
            if w.is_empty() {
                String::new()
            } else {
                format!(" · {w}")
            },
            uncertain_mark(f, ui)
        )),
        details,
        quotes: Vec::new(),
    }
}

fn markdown_flag(a: &Analysis, f: &Flag, ui: UiLang) -> Item {
    let w = who(f);
    let mut line = vec![Inline::Strong(format!(
        "{}–{} {}",
        fmt_clock(f.start),
        fmt_clock(f.end),
        kind_label(f.kind, ui)
    ))];
    if !w.is_empty() {
        line.push(Inline::Text(format!(" ({w})")));
    }
    line.push(Inline::Text(format!(
        "{}: {}",
        uncertain_mark(f, ui),
        flag_message(f)
    )));
    if !f.evidence.is_empty() {
        line.push(Inline::Text(" ".into()));
        line.push(Inline::Em(format!(
            "({}: {})",
            ui.t("signaal", "evidence"),
            f.evidence
        )));
    }
    Item {
        line,
        details: Vec::new(),
        quotes: quotes(a, f).into_iter().map(text).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_analysis::{AnalyzedUtterance, QuestionType, UtteranceExtra};
    use observant_model::transcript::Role;

    fn sample() -> Analysis {
        Analysis {
            utterances: vec![AnalyzedUtterance {
                start: 12.0,
                end: 14.1,
                speaker: "Carla".into(),
                text: "Waarom deed je dat?".into(),
                question: QuestionType::Open,
                why: true,
                advice: false,
                extra: UtteranceExtra::default(),
            }],
            flags: vec![Flag {
                kind: FlagKind::WhyQuestion,
                start: 12.0,
                end: 14.1,
                speaker: Some("Carla".into()),
                target: Some("Bram".into()),
                message: "Waarom-vraag van Carla".into(),
                evidence: "waarom".into(),
                utterances: vec![0],
                uncertain: false,
                detail: Default::default(),
            }],
            speakers: vec![SpeakerStats {
                name: "Carla".into(),
                role: Some(Role::Deelnemer),
                talk_seconds: 2.1,
                share: 1.0,
                turns: 1,
                ..Default::default()
            }],
            language: Some("nl".into()),
            method: Some("crea".into()),
            steps: Vec::new(),
            duration_seconds: 14.1,
        }
    }

    #[test]
    fn clock_and_durations() {
        assert_eq!(fmt_clock(0.0), "00:00");
        assert_eq!(fmt_clock(75.4), "01:15");
        assert_eq!(fmt_clock(3725.0), "1:02:05");
        assert_eq!(fmt_clock(f64::NAN), "--:--");
        assert_eq!(fmt_duration(0.42), "0.4 s");
        assert_eq!(fmt_duration(15.2), "15 s");
        assert_eq!(fmt_duration(216.0), "3:36 min");
    }

    #[test]
    fn text_and_markdown_in_both_languages() {
        let a = sample();
        let nl = render_text(&a, UiLang::Nl);
        assert!(
            nl.contains("Sprekers") && nl.contains("[00:12–00:14] Waarom-vraag · Carla → Bram")
        );
        assert!(nl.contains("“Waarom deed je dat?”"));
        assert!(nl.contains("CREA-model"));
        let en = render_text(&a, UiLang::En);
        assert!(
            en.contains("Speakers") && en.contains("Why-question") && en.contains("participant")
        );
        let md = render_markdown(&a, UiLang::Nl);
        assert!(md.starts_with("# Sessieanalyse"));
        assert!(md.contains("| Carla | deelnemer |"));
        assert!(md.contains("\n  > “Waarom deed je dat?”\n"));
        let json: serde_json::Value = serde_json::from_str(&render_json(&a)).unwrap();
        assert_eq!(json["flags"][0]["kind"], "why_question");
    }
}
