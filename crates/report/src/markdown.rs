//! The Markdown process-evaluation report: the same sections as the HTML report, with
//! text bars instead of charts, for notes, wikis and issue trackers.

use std::fmt::Write as _;

use super::feedback::evaluation_prompts;
use super::{FULL_FLAGS_PER_KIND, Report, ReportFlag, fmt_date, method_name, pct};
use observant_analysis::FlagKind;
use observant_analysis::render::{fmt_clock, fmt_duration, kind_label, role_label};
use observant_model::i18n::UiLang;
use observant_model::transcript::Role;

/// Escapes text for a Markdown table cell or line: no pipes, no line breaks, no markup.
fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => o.push(' '),
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o
}

/// A text bar of `width` cells for a fraction in 0..1.
fn bar(x: f64, width: usize) -> String {
    let full = (x.clamp(0.0, 1.0) * width as f64).round() as usize;
    format!(
        "{}{}",
        "\u{2588}".repeat(full),
        "\u{2591}".repeat(width - full)
    )
}

fn span(a: f64, b: f64) -> String {
    if (b - a).abs() < 0.5 {
        fmt_clock(a)
    } else {
        format!("{}\u{2013}{}", fmt_clock(a), fmt_clock(b))
    }
}

fn flag_item(o: &mut String, rf: &ReportFlag, ui: UiLang) {
    let f = &rf.flag;
    let who = match (&f.speaker, &f.target) {
        (Some(s), Some(t)) => format!(" ({} \u{2192} {})", md(s), md(t)),
        (Some(s), None) => format!(" ({})", md(s)),
        (None, Some(t)) => format!(" (\u{2192} {})", md(t)),
        (None, None) => String::new(),
    };
    let evidence = if f.evidence.is_empty() {
        String::new()
    } else {
        format!(" _({}: {})_", ui.t("signaal", "evidence"), md(&f.evidence))
    };
    let _ = writeln!(
        o,
        "- **{} {}**{}{}: {}{}",
        span(f.start, f.end),
        kind_label(f.kind, ui),
        who,
        match (rf.confirmed, rf.uncertain()) {
            (true, _) => format!(" _{}_", ui.t("bevestigd", "confirmed")),
            (false, true) => format!(" _{}_", ui.t("onzeker verstaan", "uncertain recognition")),
            (false, false) => String::new(),
        },
        md(&f.message),
        evidence
    );
    let many = rf.quotes.len() > 1;
    for q in &rf.quotes {
        let _ = writeln!(
            o,
            "  > {} {}\u{201c}{}\u{201d}  ",
            fmt_clock(q.start),
            if many {
                format!("{}: ", md(&q.speaker))
            } else {
                String::new()
            },
            md(&q.text)
        );
    }
}

/// The report as Markdown.
pub fn to_markdown(r: &Report, ui: UiLang) -> String {
    let mut o = String::with_capacity(16 * 1024 + r.flags.len() * 400);
    let title = if r.meta.title.trim().is_empty() {
        ui.t("Intervisiesessie", "Intervisie session").to_string()
    } else {
        r.meta.title.trim().to_string()
    };
    let _ = writeln!(
        o,
        "# {}: {}\n",
        ui.t("Procesevaluatie", "Process evaluation"),
        md(&title)
    );
    let mut facts: Vec<String> = Vec::new();
    if let Some(d) = r.meta.created_unix {
        facts.push(fmt_date(d, ui));
    }
    if let Some(m) = &r.method {
        facts.push(format!(
            "**{}** {}",
            ui.t("Werkvorm", "Method"),
            md(&method_name(m, ui))
        ));
    }
    facts.push(format!(
        "**{}** {}",
        ui.t("Duur", "Duration"),
        fmt_clock(r.duration_seconds)
    ));
    facts.push(format!(
        "**{}** {}",
        ui.t("Uitingen", "Utterances"),
        r.utterance_count
    ));
    if let Some(l) = &r.language {
        facts.push(format!("**{}** {}", ui.t("Taal", "Language"), md(l)));
    }
    if r.meta.pseudonymized {
        facts.push(format!("_{}_", ui.t("gepseudonimiseerd", "pseudonymised")));
    }
    let _ = writeln!(o, "{}\n", facts.join(" \u{b7} "));
    let _ = writeln!(
        o,
        "_{}_\n",
        ui.t(
            "Vertrouwelijk: wat in de groep gezegd is, blijft in de groep. De signalen zijn hulpmiddelen voor het gesprek, geen oordeel.",
            "Confidential: what was said in the group stays in the group. The flags are aids for the conversation, not a judgement.",
        )
    );

    // Summary.
    let _ = writeln!(o, "## {}\n", ui.t("Samenvatting", "Summary"));
    let _ = writeln!(
        o,
        "- {}: {} ({} {})",
        ui.t("Vragen", "Questions"),
        r.totals.questions,
        r.open_ratio().map(pct).unwrap_or_else(|| "-".into()),
        ui.t("open", "open")
    );
    let _ = writeln!(
        o,
        "- {}: {} \u{b7} {}: {} \u{b7} {}: {}",
        ui.t("Waarom-vragen", "Why-questions"),
        r.count_text(FlagKind::WhyQuestion, ui),
        ui.t("advies", "advice"),
        r.count_text(FlagKind::Advice, ui),
        ui.t("signalen totaal", "flags in total"),
        r.flags.len()
    );
    let people: Vec<String> = r
        .speakers
        .iter()
        .map(|s| format!("{} ({})", md(&s.name), role_label(s.role, ui)))
        .collect();
    let _ = writeln!(
        o,
        "- {}: {}",
        ui.t("Deelnemers", "Participants"),
        people.join(", ")
    );
    if r.excluded_flags > 0 {
        let _ = writeln!(
            o,
            "- {}: {}",
            ui.t(
                "Als onjuist gemarkeerd en weggelaten",
                "Marked wrong in review and left out"
            ),
            r.excluded_flags
        );
    }

    // Feedback.
    let _ = writeln!(
        o,
        "\n## {}\n\n### {}\n",
        ui.t(
            "Feedback voor de facilitator",
            "Feedback for the facilitator"
        ),
        ui.t("Aandachtspunten", "Points of attention")
    );
    for f in &r.feedback {
        let (head, tip) = f.text(ui);
        let _ = writeln!(o, "- **{}**: {}", md(&head), md(&tip));
    }
    let _ = writeln!(
        o,
        "\n### {}\n",
        ui.t(
            "Tops: goede voorbeelden om te herhalen",
            "Tops: good examples worth repeating"
        )
    );
    if r.examples.is_empty() {
        let _ = writeln!(
            o,
            "{}",
            ui.t(
                "Geen sterke open belevings- of leervragen gevonden.",
                "No strong open experience or learning questions found."
            )
        );
    }
    for e in &r.examples {
        let _ = writeln!(
            o,
            "- \u{201c}{}\u{201d} \u{2014} {}, {}",
            md(&e.quote.text),
            md(&e.quote.speaker),
            fmt_clock(e.quote.start)
        );
    }

    // Talk time.
    let _ = writeln!(
        o,
        "\n## {}\n",
        ui.t("Spreektijd per deelnemer", "Talk time per participant")
    );
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | | {} | {} | {} |",
        ui.t("Naam", "Name"),
        ui.t("Rol", "Role"),
        ui.t("Spreektijd", "Talk time"),
        ui.t("Aandeel", "Share"),
        ui.t("Beurten", "Turns"),
        ui.t("Langste monoloog", "Longest monologue"),
        ui.t("Langste stilte", "Longest silence"),
    );
    let _ = writeln!(o, "|---|---|---:|---:|---|---:|---:|---:|");
    for s in &r.speakers {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | `{}` | {} | {} | {} |",
            md(&s.name),
            role_label(s.role, ui),
            fmt_clock(s.talk_seconds),
            pct(s.share),
            bar(s.share, 20),
            s.turns,
            fmt_duration(s.longest_monologue_seconds),
            fmt_clock(s.longest_silence_seconds)
        );
    }

    // Question mix.
    let _ = writeln!(
        o,
        "\n## {}\n",
        ui.t("Vraagmix per deelnemer", "Question mix per participant")
    );
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        ui.t("Naam", "Name"),
        ui.t("Vragen", "Questions"),
        ui.t("Open", "Open"),
        ui.t("Gesloten", "Closed"),
        ui.t("Waarom", "Why"),
        ui.t("Advies", "Advice"),
        ui.t("Informerend", "Informative"),
        ui.t("Beleving", "Experience"),
        ui.t("1 Situatie", "1 Situation"),
        ui.t("2 Handelen", "2 Actions"),
        ui.t("3 Beleving", "3 Experience"),
        ui.t("4 Leren", "4 Learning"),
    );
    let _ = writeln!(
        o,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let row = |o: &mut String, name: &str, v: [u32; 11]| {
        let cells: Vec<String> = v.iter().map(u32::to_string).collect();
        let _ = writeln!(o, "| {} | {} |", name, cells.join(" | "));
    };
    for s in &r.speakers {
        row(
            &mut o,
            &md(&s.name),
            [
                s.questions,
                s.open_questions,
                s.closed_questions,
                s.why_questions,
                s.advice,
                s.informative_questions,
                s.experience_questions,
                s.categories[0],
                s.categories[1],
                s.categories[2],
                s.categories[3],
            ],
        );
    }
    let t = &r.totals;
    row(
        &mut o,
        &format!("**{}**", ui.t("Totaal", "Total")),
        [
            t.questions,
            t.open_questions,
            t.closed_questions,
            t.why_questions,
            t.advice,
            t.informative_questions,
            t.experience_questions,
            t.categories[0],
            t.categories[1],
            t.categories[2],
            t.categories[3],
        ],
    );

    // Episodes.
    let _ = writeln!(
        o,
        "\n## {}\n",
        ui.t("Signalen en episodes", "Flags and episodes")
    );
    if r.flags.is_empty() {
        let _ = writeln!(o, "{}", ui.t("Geen signalen.", "No flags."));
    }
    if !r.flags.is_empty() {
        for (kind, list) in r.flag_groups() {
            let _ = writeln!(
                o,
                "### {} ({})\n",
                super::html::group_heading(kind, ui),
                super::counted_apart(
                    list.iter().filter(|f| !f.uncertain()).count(),
                    list.iter().filter(|f| f.uncertain()).count(),
                    ui
                )
            );
            if list.is_empty() {
                let _ = writeln!(o, "{}\n", ui.t("Niet gesignaleerd.", "Not flagged."));
                continue;
            }
            for f in list.iter().take(FULL_FLAGS_PER_KIND) {
                flag_item(&mut o, f, ui);
            }
            if list.len() > FULL_FLAGS_PER_KIND {
                let _ = writeln!(
                    o,
                    "\n{}\n",
                    match ui {
                        UiLang::Nl => format!("En nog {}:", list.len() - FULL_FLAGS_PER_KIND),
                        UiLang::En => format!("And {} more:", list.len() - FULL_FLAGS_PER_KIND),
                    }
                );
                for f in &list[FULL_FLAGS_PER_KIND..] {
                    let line = match f.quotes.first() {
                        Some(q) => {
                            format!("\u{201c}{}\u{201d}", md(&super::svg::clip(&q.text, 120)))
                        }
                        None => md(&f.flag.message),
                    };
                    let who = f.flag.speaker.as_deref().map(md).unwrap_or_default();
                    let _ = writeln!(o, "- {} {}: {}", span(f.flag.start, f.flag.end), who, line);
                }
            }
            o.push('\n');
        }
    }

    // Monologues and silences.
    let _ = writeln!(
        o,
        "\n## {}\n\n### {}\n",
        ui.t("Monologen en stiltes", "Monologues and silences"),
        ui.t(
            "Langste monoloog per persoon",
            "Longest monologue per person"
        )
    );
    for m in &r.monologues {
        let when = match (m.start, m.end) {
            (Some(a), Some(b)) => {
                format!(" \u{2014} {} ({})", span(a, b), ui.t("signaal", "flagged"))
            }
            _ if m.role == Some(Role::Inbrenger) => format!(
                " \u{2014} {}",
                ui.t("hoort bij de inbreng", "part of presenting the case")
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "- {} ({}): {}{}",
            md(&m.speaker),
            role_label(m.role, ui),
            fmt_duration(m.seconds),
            when
        );
    }
    let _ = writeln!(
        o,
        "\n### {}\n",
        match ui {
            UiLang::Nl => format!(
                "Stiltes in het gesprek (\u{2265} {} s)",
                super::PAUSE_MIN_SECONDS
            ),
            UiLang::En => format!(
                "Silences in the conversation (\u{2265} {} s)",
                super::PAUSE_MIN_SECONDS
            ),
        }
    );
    if r.pauses.is_empty() {
        let _ = writeln!(o, "{}", ui.t("Geen lange stiltes.", "No long silences."));
    }
    for p in &r.pauses {
        let _ = writeln!(
            o,
            "- {}: {}",
            span(p.start, p.end),
            fmt_duration(p.end - p.start)
        );
    }
    if r.pause_count > r.pauses.len() {
        let _ = writeln!(
            o,
            "\n{}",
            match ui {
                UiLang::Nl => format!(
                    "De {} langste van {} stiltes.",
                    r.pauses.len(),
                    r.pause_count
                ),
                UiLang::En => format!(
                    "The {} longest of {} silences.",
                    r.pauses.len(),
                    r.pause_count
                ),
            }
        );
    }

    // Steps.
    if let Some(m) = &r.method {
        let _ = writeln!(
            o,
            "\n## {}: {}\n",
            ui.t("Stappen van de werkvorm", "Method steps"),
            md(&method_name(m, ui))
        );
        if r.steps.is_empty() {
            let _ = writeln!(
                o,
                "{}",
                ui.t(
                    "Er zijn geen stappen gemarkeerd, dus de tijd per stap is niet bekend.",
                    "No steps were marked, so the time per step is unknown."
                )
            );
        } else {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                ui.t("Stap", "Step"),
                ui.t("Naam", "Name"),
                ui.t("Tijd", "Time"),
                ui.t("Duur", "Length"),
                ui.t("Gepland", "Planned")
            );
            let _ = writeln!(o, "|---:|---|---|---:|---:|");
            for s in &r.steps {
                let len = s.end - s.start;
                let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {}{} | {} |",
                    s.step,
                    md(&s.name),
                    span(s.start, s.end),
                    fmt_duration(len),
                    if over {
                        format!(" **{}**", ui.t("over tijd", "over time"))
                    } else {
                        String::new()
                    },
                    super::html::budget(s.budget_min_seconds, s.budget_max_seconds)
                );
            }
        }
    }

    // Notes.
    let _ = writeln!(
        o,
        "\n## {}\n",
        ui.t("Notities van de observant", "The observer's notes")
    );
    if r.notes.is_empty() {
        let _ = writeln!(o, "{}", ui.t("Geen notities gemaakt.", "No notes taken."));
    }
    for n in &r.notes {
        let _ = writeln!(o, "- {} {}", fmt_clock(n.t), md(&n.text));
    }

    // Evaluation prompts.
    let _ = writeln!(
        o,
        "\n## {}\n",
        ui.t(
            "Evaluatie: product en proces",
            "Evaluation: product and process"
        )
    );
    for g in evaluation_prompts(r.method.as_deref(), ui) {
        let _ = writeln!(o, "### {}\n", g.heading);
        for (k, q) in g.questions.iter().enumerate() {
            let _ = writeln!(o, "{}. {}", k + 1, q);
        }
        o.push('\n');
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bars() {
        assert_eq!(md("a|b*c\nd"), "a\\|b\\*c d");
        assert_eq!(bar(0.5, 4), "\u{2588}\u{2588}\u{2591}\u{2591}");
        assert_eq!(bar(2.0, 2), "\u{2588}\u{2588}");
    }
}
