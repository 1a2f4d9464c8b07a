//! The Markdown process-evaluation report: the same sections as the HTML report, with
//! text bars instead of charts, for notes, wikis and issue trackers. Built once as a
//! [`Document`] by [`document`] (one function per section) and written by the Markdown
//! renderer of [`crate::doc`]; a flag's words are read through [`flag_message`].

use super::doc::{self, Align, Block, Document, Inline, Item, Line, Table, text};
use super::feedback::evaluation_prompts;
use super::labels::{kind_label, role_label};
use super::{FULL_FLAGS_PER_KIND, Report, ReportFlag, fmt_date, method_name, pct};
use observant_analysis::{Flag, FlagKind};
use observant_model::i18n::UiLang;
use observant_model::time::{clock_padded as fmt_clock, duration as fmt_duration};
use observant_model::transcript::Role;

/// The words of a flag as the report shows them: the one place renderers read them.
pub fn flag_message(f: &Flag) -> &str {
    &f.message
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

fn t(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

fn flag_item(rf: &ReportFlag, ui: UiLang) -> Item {
    let f = &rf.flag;
    let who = match (&f.speaker, &f.target) {
        (Some(s), Some(t)) => format!(" ({s} \u{2192} {t})"),
        (Some(s), None) => format!(" ({s})"),
        (None, Some(t)) => format!(" (\u{2192} {t})"),
        (None, None) => String::new(),
    };
    let mut line = vec![
        Inline::Strong(format!(
            "{} {}",
            span(f.start, f.end),
            kind_label(f.kind, ui)
        )),
        t(who),
    ];
    match (rf.confirmed, rf.uncertain()) {
        (true, _) => line.extend([t(" "), Inline::Em(ui.t("bevestigd", "confirmed").into())]),
        (false, true) => line.extend([
            t(" "),
            Inline::Em(ui.t("onzeker verstaan", "uncertain recognition").into()),
        ]),
        (false, false) => {}
    }
    line.push(t(format!(": {}", flag_message(f))));
    if !f.evidence.is_empty() {
        line.extend([
            t(" "),
            Inline::Em(format!("({}: {})", ui.t("signaal", "evidence"), f.evidence)),
        ]);
    }
    let many = rf.quotes.len() > 1;
    let quotes = rf
        .quotes
        .iter()
        .map(|q| {
            let who = if many {
                format!("{}: ", q.speaker)
            } else {
                String::new()
            };
            text(format!(
                "{} {who}\u{201c}{}\u{201d}",
                fmt_clock(q.start),
                q.text
            ))
        })
        .collect();
    Item {
        line,
        details: Vec::new(),
        quotes,
    }
}

/// The report as a document.
pub fn document(r: &Report, ui: UiLang) -> Document {
    let mut d = Document::default();
    head(&mut d, r, ui);
    summary(&mut d, r, ui);
    feedback(&mut d, r, ui);
    talk(&mut d, r, ui);
    question_mix(&mut d, r, ui);
    episodes(&mut d, r, ui);
    monologues_and_silences(&mut d, r, ui);
    steps(&mut d, r, ui);
    notes(&mut d, r, ui);
    prompts(&mut d, r, ui);
    d
}

/// The report as Markdown.
pub fn to_markdown(r: &Report, ui: UiLang) -> String {
    doc::to_markdown(&document(r, ui), 16 * 1024 + r.flags.len() * 400)
}

fn head(d: &mut Document, r: &Report, ui: UiLang) {
    let title = if r.meta.title.trim().is_empty() {
        ui.t("Intervisiesessie", "Intervisie session").to_string()
    } else {
        r.meta.title.trim().to_string()
    };
    d.heading(
        1,
        text(format!(
            "{}: {title}",
            ui.t("Procesevaluatie", "Process evaluation")
        )),
    );
    let mut facts: Vec<Line> = Vec::new();
    if let Some(date) = r.meta.created_unix {
        facts.push(text(fmt_date(date, ui)));
    }
    let fact = |k: &str, v: String| vec![Inline::Strong(k.into()), t(format!(" {v}"))];
    if let Some(m) = &r.method {
        facts.push(fact(ui.t("Werkvorm", "Method"), method_name(m, ui)));
    }
    facts.push(fact(
        ui.t("Duur", "Duration"),
        fmt_clock(r.duration_seconds),
    ));
    facts.push(fact(
        ui.t("Uitingen", "Utterances"),
        r.utterance_count.to_string(),
    ));
    if let Some(l) = &r.language {
        facts.push(fact(ui.t("Taal", "Language"), l.clone()));
    }
    if r.meta.pseudonymized {
        facts.push(vec![Inline::Em(
            ui.t("gepseudonimiseerd", "pseudonymised").into(),
        )]);
    }
    d.push(Block::Paragraph(facts.join(&t(" \u{b7} "))));
    d.push(Block::Paragraph(vec![Inline::Em(
        ui.t(
            "Vertrouwelijk: wat in de groep gezegd is, blijft in de groep. De signalen zijn hulpmiddelen voor het gesprek, geen oordeel.",
            "Confidential: what was said in the group stays in the group. The flags are aids for the conversation, not a judgement.",
        )
        .into(),
    )]));
}

fn summary(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(2, text(ui.t("Samenvatting", "Summary")));
    let people: Vec<String> = r
        .speakers
        .iter()
        .map(|s| format!("{} ({})", s.name, role_label(s.role, ui)))
        .collect();
    let mut items = vec![
        format!(
            "{}: {} ({} {})",
            ui.t("Vragen", "Questions"),
            r.totals.questions,
            r.open_ratio().map(pct).unwrap_or_else(|| "-".into()),
            ui.t("open", "open")
        ),
        format!(
            "{}: {} \u{b7} {}: {} \u{b7} {}: {}",
            ui.t("Waarom-vragen", "Why-questions"),
            r.count_text(FlagKind::WhyQuestion, ui),
            ui.t("advies", "advice"),
            r.count_text(FlagKind::Advice, ui),
            ui.t("signalen totaal", "flags in total"),
            r.flags.len()
        ),
        format!(
            "{}: {}",
            ui.t("Deelnemers", "Participants"),
            people.join(", ")
        ),
    ];
    if r.excluded_flags > 0 {
        items.push(format!(
            "{}: {}",
            ui.t(
                "Als onjuist gemarkeerd en weggelaten",
                "Marked wrong in review and left out"
            ),
            r.excluded_flags
        ));
    }
    d.list(items.into_iter().map(|s| Item::new(text(s))).collect());
}

fn feedback(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(
        2,
        text(ui.t(
            "Feedback voor de facilitator",
            "Feedback for the facilitator",
        )),
    );
    d.heading(3, text(ui.t("Aandachtspunten", "Points of attention")));
    d.list(
        r.feedback
            .iter()
            .map(|f| {
                let (head, tip) = f.text(ui);
                Item::new(vec![Inline::Strong(head), t(format!(": {tip}"))])
            })
            .collect(),
    );
    d.heading(
        3,
        text(ui.t(
            "Tops: goede voorbeelden om te herhalen",
            "Tops: good examples worth repeating",
        )),
    );
    if r.examples.is_empty() {
        d.paragraph(ui.t(
            "Geen sterke open belevings- of leervragen gevonden.",
            "No strong open experience or learning questions found.",
        ));
    }
    d.list(
        r.examples
            .iter()
            .map(|e| {
                Item::new(text(format!(
                    "\u{201c}{}\u{201d} \u{2014} {}, {}",
                    e.quote.text,
                    e.quote.speaker,
                    fmt_clock(e.quote.start)
                )))
            })
            .collect(),
    );
}

fn talk(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(
        2,
        text(ui.t("Spreektijd per deelnemer", "Talk time per participant")),
    );
    let header = [
        ui.t("Naam", "Name"),
        ui.t("Rol", "Role"),
        ui.t("Spreektijd", "Talk time"),
        ui.t("Aandeel", "Share"),
        "",
        ui.t("Beurten", "Turns"),
        ui.t("Langste monoloog", "Longest monologue"),
        ui.t("Langste stilte", "Longest silence"),
    ];
    use Align::{Left as L, Right as R};
    let rows = r
        .speakers
        .iter()
        .map(|s| {
            vec![
                text(s.name.clone()),
                text(role_label(s.role, ui)),
                text(fmt_clock(s.talk_seconds)),
                text(pct(s.share)),
                vec![Inline::Code(bar(s.share, 20))],
                text(s.turns.to_string()),
                text(fmt_duration(s.longest_monologue_seconds)),
                text(fmt_clock(s.longest_silence_seconds)),
            ]
        })
        .collect();
    d.push(Block::Table(Table {
        header: header.iter().map(|h| text(*h)).collect(),
        align: vec![L, L, R, R, L, R, R, R],
        rows,
    }));
}

fn question_mix(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(
        2,
        text(ui.t("Vraagmix per deelnemer", "Question mix per participant")),
    );
    let header = [
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
    ];
    let row = |name: Line, v: [u32; 11]| {
        let mut cells = vec![name];
        cells.extend(v.iter().map(|n| text(n.to_string())));
        cells
    };
    let mut rows: Vec<Vec<Line>> = r
        .speakers
        .iter()
        .map(|s| row(text(s.name.clone()), crate::speaker_question_columns(s)))
        .collect();
    let tt = &r.totals;
    rows.push(row(
        vec![Inline::Strong(ui.t("Totaal", "Total").into())],
        tt.question_columns(),
    ));
    let mut align = vec![Align::Right; 12];
    align[0] = Align::Left;
    d.push(Block::Table(Table {
        header: header.iter().map(|h| text(*h)).collect(),
        align,
        rows,
    }));
}

fn episodes(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(2, text(ui.t("Signalen en episodes", "Flags and episodes")));
    if r.flags.is_empty() {
        d.paragraph(ui.t("Geen signalen.", "No flags."));
        return;
    }
    for (kind, list) in r.flag_groups() {
        d.heading(
            3,
            text(format!(
                "{} ({})",
                super::html::group_heading(kind, ui),
                super::counted_apart(
                    list.iter().filter(|f| !f.uncertain()).count(),
                    list.iter().filter(|f| f.uncertain()).count(),
                    ui
                )
            )),
        );
        if list.is_empty() {
            d.paragraph(ui.t("Niet gesignaleerd.", "Not flagged."));
            continue;
        }
        d.list(
            list.iter()
                .take(FULL_FLAGS_PER_KIND)
                .map(|f| flag_item(f, ui))
                .collect(),
        );
        if list.len() > FULL_FLAGS_PER_KIND {
            let more = list.len() - FULL_FLAGS_PER_KIND;
            d.paragraph(match ui {
                UiLang::Nl => format!("En nog {more}:"),
                UiLang::En => format!("And {more} more:"),
            });
            d.list(
                list[FULL_FLAGS_PER_KIND..]
                    .iter()
                    .copied()
                    .map(brief_item)
                    .collect(),
            );
        }
    }
    d.push(Block::Blank);
}

/// A flag beyond the first few of its kind: time, speaker and a clipped quote.
fn brief_item(f: &ReportFlag) -> Item {
    let line = match f.quotes.first() {
        Some(q) => format!("\u{201c}{}\u{201d}", super::svg::clip(&q.text, 120)),
        None => flag_message(&f.flag).to_string(),
    };
    let who = f.flag.speaker.as_deref().unwrap_or_default();
    Item::new(text(format!(
        "{} {who}: {line}",
        span(f.flag.start, f.flag.end)
    )))
}

fn monologues_and_silences(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(
        2,
        text(ui.t("Monologen en stiltes", "Monologues and silences")),
    );
    d.heading(
        3,
        text(ui.t(
            "Langste monoloog per persoon",
            "Longest monologue per person",
        )),
    );
    d.list(
        r.monologues
            .iter()
            .map(|m| {
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
                Item::new(text(format!(
                    "{} ({}): {}{when}",
                    m.speaker,
                    role_label(m.role, ui),
                    fmt_duration(m.seconds)
                )))
            })
            .collect(),
    );
    d.heading(
        3,
        text(match ui {
            UiLang::Nl => format!(
                "Stiltes in het gesprek (\u{2265} {} s)",
                super::PAUSE_MIN_SECONDS
            ),
            UiLang::En => format!(
                "Silences in the conversation (\u{2265} {} s)",
                super::PAUSE_MIN_SECONDS
            ),
        }),
    );
    if r.pauses.is_empty() {
        d.paragraph(ui.t("Geen lange stiltes.", "No long silences."));
    }
    d.list(
        r.pauses
            .iter()
            .map(|p| {
                Item::new(text(format!(
                    "{}: {}",
                    span(p.start, p.end),
                    fmt_duration(p.end - p.start)
                )))
            })
            .collect(),
    );
    if r.pause_count > r.pauses.len() {
        d.paragraph(match ui {
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
        });
    }
}

fn steps(d: &mut Document, r: &Report, ui: UiLang) {
    let Some(m) = &r.method else { return };
    d.heading(
        2,
        text(format!(
            "{}: {}",
            ui.t("Stappen van de werkvorm", "Method steps"),
            method_name(m, ui)
        )),
    );
    if r.steps.is_empty() {
        d.paragraph(ui.t(
            "Er zijn geen stappen gemarkeerd, dus de tijd per stap is niet bekend.",
            "No steps were marked, so the time per step is unknown.",
        ));
        return;
    }
    let header = [
        ui.t("Stap", "Step"),
        ui.t("Naam", "Name"),
        ui.t("Tijd", "Time"),
        ui.t("Duur", "Length"),
        ui.t("Gepland", "Planned"),
    ];
    let rows = r
        .steps
        .iter()
        .map(|s| {
            let len = s.end - s.start;
            let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
            let mut length = text(fmt_duration(len));
            if over {
                length.extend([
                    t(" "),
                    Inline::Strong(ui.t("over tijd", "over time").into()),
                ]);
            }
            vec![
                text(s.step.to_string()),
                text(s.name.clone()),
                text(span(s.start, s.end)),
                length,
                text(super::html::budget(
                    s.budget_min_seconds,
                    s.budget_max_seconds,
                )),
            ]
        })
        .collect();
    use Align::{Left as L, Right as R};
    d.push(Block::Table(Table {
        header: header.iter().map(|h| text(*h)).collect(),
        align: vec![R, L, L, R, R],
        rows,
    }));
}

fn notes(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(
        2,
        text(ui.t("Notities van de observant", "The observer's notes")),
    );
    if r.notes.is_empty() {
        d.paragraph(ui.t("Geen notities gemaakt.", "No notes taken."));
    }
    d.list(
        r.notes
            .iter()
            .map(|n| Item::new(text(format!("{} {}", fmt_clock(n.t), n.text))))
            .collect(),
    );
}

fn prompts(d: &mut Document, r: &Report, ui: UiLang) {
    d.heading(
        2,
        text(ui.t(
            "Evaluatie: product en proces",
            "Evaluation: product and process",
        )),
    );
    for g in evaluation_prompts(r.method.as_deref(), ui) {
        d.heading(3, text(g.heading));
        d.push(Block::Numbered(
            g.questions.iter().map(|q| text(*q)).collect(),
        ));
    }
    d.push(Block::Blank);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::md_escape as md;

    #[test]
    fn escapes_and_bars() {
        assert_eq!(md("a|b*c\nd"), "a\\|b\\*c d");
        assert_eq!(bar(0.5, 4), "\u{2588}\u{2588}\u{2591}\u{2591}");
        assert_eq!(bar(2.0, 2), "\u{2588}\u{2588}");
    }
}
