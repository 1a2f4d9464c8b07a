//! Human-readable output of an [`Analysis`]: plain text for the terminal and Markdown for
//! notes and issue trackers, Dutch by default and English with [`UiLang::En`]; JSON is the
//! serde form of `Analysis` (the contract). Also the shared time formatting (`mm:ss`) and the
//! flag kinds' display names. Pure functions returning strings.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::methods;
use super::types::{Analysis, Flag, FlagKind, SpeakerStats};
use observant_model::i18n::UiLang;
use observant_model::transcript::Role;

/// Session clock: `mm:ss`, or `h:mm:ss` from one hour.
pub fn fmt_clock(secs: f64) -> String {
    if !secs.is_finite() {
        return "--:--".into();
    }
    let total = secs.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// A duration: `0.4 s`, `15 s`, `3:36 min`.
pub fn fmt_duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".into();
    }
    let secs = secs.max(0.0);
    if secs < 9.95 {
        format!("{secs:.1} s")
    } else if secs < 59.5 {
        format!("{secs:.0} s")
    } else {
        let total = secs.round() as u64;
        format!("{}:{:02} min", total / 60, total % 60)
    }
}

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

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

fn pad_left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(width - n))
    }
}

/// "1 uiting", "3 uitingen".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
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

fn who(f: &Flag) -> String {
    match (&f.speaker, &f.target) {
        (Some(s), Some(t)) => format!("{s} → {t}"),
        (Some(s), None) => s.clone(),
        (None, Some(t)) => format!("→ {t}"),
        (None, None) => String::new(),
    }
}

fn method_name(a: &Analysis, ui: UiLang) -> Option<String> {
    a.method.as_deref().map(|m| match methods::find(m) {
        Some(method) => method.name(ui).to_string(),
        None => m.to_string(),
    })
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

fn questions_cell(s: &SpeakerStats) -> String {
    format!(
        "{} ({}/{}/{})",
        s.questions, s.open_questions, s.closed_questions, s.why_questions
    )
}

/// Plain-text report for the terminal.
pub fn render_text(a: &Analysis, ui: UiLang) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        ui.t("Observant: sessieanalyse", "Observant: session analysis")
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
    if let Some(m) = method_name(a, ui) {
        head.push(format!("{} {m}", ui.t("werkvorm", "method")));
    }
    let _ = writeln!(o, "{}", head.join(" · "));
    if a.flags.is_empty() {
        let _ = writeln!(o, "{}", ui.t("Geen signalen.", "No flags."));
    } else {
        let _ = writeln!(
            o,
            "{}: {} ({})",
            ui.t("Signalen", "Flags"),
            a.flags.len(),
            flag_summary(a, ui)
        );
    }

    let _ = writeln!(o, "\n{}", ui.t("Sprekers", "Speakers"));
    let headers = [
        ui.t("naam", "name"),
        ui.t("rol", "role"),
        ui.t("spreektijd", "talk time"),
        ui.t("aandeel", "share"),
        ui.t("beurten", "turns"),
        ui.t("langste", "longest"),
        ui.t("vragen (open/gesl./waarom)", "questions (open/closed/why)"),
        ui.t("advies", "advice"),
    ];
    let rows: Vec<[String; 8]> = a
        .speakers
        .iter()
        .map(|s| {
            [
                s.name.clone(),
                role_label(s.role, ui).to_string(),
                fmt_clock(s.talk_seconds),
                pct(s.share),
                s.turns.to_string(),
                fmt_clock(s.longest_monologue_seconds),
                questions_cell(s),
                s.advice.to_string(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(k, c)| {
                if (2..=5).contains(&k) || k == 7 {
                    pad_left(c, widths[k])
                } else {
                    pad(c, widths[k])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let _ = writeln!(
        o,
        "  {}",
        line(headers.iter().map(|h| h.to_string()).collect())
    );
    for r in rows {
        let _ = writeln!(o, "  {}", line(r.to_vec()));
    }

    if !a.steps.is_empty() {
        let _ = writeln!(o, "\n{}", ui.t("Stappen", "Steps"));
        for s in &a.steps {
            let len = s.end - s.start;
            let budget = budget_text(s.budget_min_seconds, s.budget_max_seconds, ui);
            let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
            let _ = writeln!(
                o,
                "  {}. {}  {}–{}  {}{}{}",
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
            );
        }
    }

    if !a.flags.is_empty() {
        let _ = writeln!(o, "\n{}", ui.t("Signalen", "Flags"));
        for f in &a.flags {
            let w = who(f);
            let _ = writeln!(
                o,
                "  [{}–{}] {}{}{}",
                fmt_clock(f.start),
                fmt_clock(f.end),
                kind_label(f.kind, ui),
                if w.is_empty() {
                    String::new()
                } else {
                    format!(" · {w}")
                },
                uncertain_mark(f, ui)
            );
            let _ = writeln!(o, "      {}", f.message);
            for q in quotes(a, f) {
                let _ = writeln!(o, "      {q}");
            }
            if !f.evidence.is_empty() {
                let _ = writeln!(o, "      ({}: {})", ui.t("signaal", "evidence"), f.evidence);
            }
        }
    }
    o
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

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown report.
pub fn render_markdown(a: &Analysis, ui: UiLang) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", ui.t("Sessieanalyse", "Session analysis"));
    let mut facts = vec![
        format!(
            "**{}** {}",
            ui.t("Duur", "Duration"),
            fmt_clock(a.duration_seconds)
        ),
        format!(
            "**{}** {}",
            ui.t("Uitingen", "Utterances"),
            a.utterances.len()
        ),
    ];
    if let Some(l) = &a.language {
        facts.push(format!("**{}** {l}", ui.t("Taal", "Language")));
    }
    if let Some(m) = method_name(a, ui) {
        facts.push(format!("**{}** {m}", ui.t("Werkvorm", "Method")));
    }
    facts.push(format!(
        "**{}** {}",
        ui.t("Signalen", "Flags"),
        a.flags.len()
    ));
    let _ = writeln!(o, "{}\n", facts.join(" · "));
    if !a.flags.is_empty() {
        let _ = writeln!(o, "{}\n", capitalise(&flag_summary(a, ui)));
    }

    let _ = writeln!(o, "## {}\n", ui.t("Sprekers", "Speakers"));
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
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
    );
    let _ = writeln!(
        o,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for s in &a.speakers {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            md_escape(&s.name),
            role_label(s.role, ui),
            fmt_clock(s.talk_seconds),
            pct(s.share),
            s.turns,
            s.turns_per_minute,
            fmt_clock(s.longest_monologue_seconds),
            s.questions,
            s.open_questions,
            s.closed_questions,
            s.why_questions,
            s.advice
        );
    }

    if !a.steps.is_empty() {
        let _ = writeln!(o, "\n## {}\n", ui.t("Stappen", "Steps"));
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            ui.t("Stap", "Step"),
            ui.t("Naam", "Name"),
            ui.t("Tijd", "Time"),
            ui.t("Duur", "Duration"),
            ui.t("Gepland", "Planned")
        );
        let _ = writeln!(o, "|---:|---|---|---:|---|");
        for s in &a.steps {
            let len = s.end - s.start;
            let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
            let _ = writeln!(
                o,
                "| {} | {} | {}–{} | {}{} | {} |",
                s.step,
                md_escape(&s.name),
                fmt_clock(s.start),
                fmt_clock(s.end),
                fmt_duration(len),
                if over { " ⚠" } else { "" },
                budget_text(s.budget_min_seconds, s.budget_max_seconds, ui)
                    .map(|b| b.replace(ui.t("gepland ", "planned "), ""))
                    .unwrap_or_else(|| "-".into())
            );
        }
    }

    let _ = writeln!(o, "\n## {}\n", ui.t("Signalen", "Flags"));
    if a.flags.is_empty() {
        let _ = writeln!(o, "{}", ui.t("Geen signalen.", "No flags."));
    }
    for f in &a.flags {
        let w = who(f);
        let evidence = if f.evidence.is_empty() {
            String::new()
        } else {
            format!(
                " _({}: {})_",
                ui.t("signaal", "evidence"),
                md_escape(&f.evidence).replace('_', "\\_")
            )
        };
        let _ = writeln!(
            o,
            "- **{}–{} {}**{}{}: {}{evidence}",
            fmt_clock(f.start),
            fmt_clock(f.end),
            kind_label(f.kind, ui),
            if w.is_empty() {
                String::new()
            } else {
                format!(" ({})", md_escape(&w))
            },
            uncertain_mark(f, ui),
            md_escape(&f.message)
        );
        let qs = quotes(a, f);
        if !qs.is_empty() {
            let body: Vec<String> = qs.iter().map(|q| format!("  > {}", md_escape(q))).collect();
            let _ = writeln!(o, "\n{}\n", body.join("\n  >\n"));
        }
    }
    o
}

/// The contract's JSON (pretty-printed).
pub fn render_json(a: &Analysis) -> String {
    serde_json::to_string_pretty(a).unwrap_or_else(|_| "{}".into())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// " (onzeker verstaan)" after a flag whose deciding words were uncertain to the recogniser.
fn uncertain_mark(f: &Flag, ui: UiLang) -> &'static str {
    if f.uncertain {
        ui.t(" (onzeker verstaan)", " (uncertain recognition)")
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{AnalyzedUtterance, QuestionType, UtteranceExtra};

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
