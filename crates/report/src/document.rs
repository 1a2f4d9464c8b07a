//! The process-evaluation report as a [`Document`], built once and rendered to HTML
//! ([`crate::html`]) and Markdown ([`crate::markdown`]): [`document`] calls one function per
//! section (title, summary, feedback, timeline, talk time, question mix, flags and episodes,
//! monologues and silences, method steps, notes, evaluation prompts, footer). The builders
//! decide what the report says, including its charts (SVG from [`crate::svg`] with the bars
//! of their text form); the renderers of [`crate::doc`] decide how it looks. A flag's words
//! are read through [`flag_message`].

use super::doc::{
    Align, Bar, Block, Chart, Document, Example, FlagEntry, Inline, Item, Kpi, Line, Person, Quote,
    Table, TableStyle, Title, Tone, text,
};
use super::feedback::evaluation_prompts;
use super::labels::{kind_label, role_label, who};
use super::svg;
use super::{FULL_FLAGS_PER_KIND, Report, ReportFlag, fmt_date, method_name, pct};
use observant_analysis::{Flag, FlagKind, QuestionCategory};
use observant_model::i18n::UiLang;
use observant_model::time::{
    clock_padded as fmt_clock, duration as fmt_duration, push_clock_padded as push_clock,
};
use observant_model::transcript::Role;

use Align::{Left as L, Right as R};

/// The words of a flag as the report shows them: the one place renderers read them.
pub fn flag_message(f: &Flag) -> &str {
    &f.message
}

/// The report as a document, with its charts drawn (for HTML).
pub fn document(r: &Report, ui: UiLang) -> Document {
    document_with(r, ui, Pictures::Drawn)
}

/// Whether a document's charts are drawn as SVG or only given as text bars: a renderer
/// that cannot show a picture (Markdown, text) is spared drawing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pictures {
    Drawn,
    TextOnly,
}

/// The chart `draw` makes, when pictures are drawn.
fn drawn(pictures: Pictures, draw: impl FnOnce() -> String) -> String {
    match pictures {
        Pictures::Drawn => draw(),
        Pictures::TextOnly => String::new(),
    }
}

/// One section's builder.
type Section<'a> = dyn Fn(&Report, UiLang) -> Option<Block> + 'a;

/// The report as a document; charts drawn or not (see [`Pictures`]).
pub fn document_with(r: &Report, ui: UiLang, pictures: Pictures) -> Document {
    let mut d = Document::default();
    d.push(title(r, ui));
    let sections: [&Section<'_>; 11] = [
        &summary,
        &feedback,
        &move |r, ui| timeline(r, ui, pictures),
        &move |r, ui| talk(r, ui, pictures),
        &move |r, ui| question_mix(r, ui, pictures),
        &episodes,
        &monologues_and_silences,
        &move |r, ui| steps(r, ui, pictures),
        &notes,
        &prompts,
        &footer,
    ];
    for s in sections {
        if let Some(b) = s(r, ui) {
            d.push(b);
        }
    }
    d.push(Block::Blank);
    d
}

fn t(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

fn h2(s: impl Into<String>) -> Block {
    Block::Heading(2, text(s))
}

fn h3(s: impl Into<String>) -> Block {
    Block::Heading(3, text(s))
}

fn note(s: impl Into<String>) -> Block {
    Block::Note(text(s))
}

fn section(blocks: Vec<Block>) -> Option<Block> {
    Some(Block::Section(blocks, None))
}

fn table(header: &[&str], align: Vec<Align>, rows: Vec<Vec<Line>>, style: TableStyle) -> Block {
    Block::Table(Table {
        header: header.iter().map(|h| text(*h)).collect(),
        align,
        rows,
        style,
    })
}

fn span(a: f64, b: f64) -> String {
    let mut s = String::with_capacity(20);
    push_clock(&mut s, a);
    if (b - a).abs() >= 0.5 {
        s.push('\u{2013}');
        push_clock(&mut s, b);
    }
    s
}

fn title(r: &Report, ui: UiLang) -> Block {
    let name = if r.meta.title.trim().is_empty() {
        ui.t("Intervisiesessie", "Intervisie session").to_string()
    } else {
        r.meta.title.trim().to_string()
    };
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
    let speaking = r.speakers.iter().filter(|s| s.talk_seconds > 0.0).count();
    facts.push(fact(ui.t("Sprekers", "Speakers"), speaking.to_string()));
    if let Some(l) = &r.language {
        facts.push(fact(ui.t("Taal", "Language"), l.clone()));
    }
    if r.meta.pseudonymized {
        facts.push(vec![Inline::Badge(
            ui.t("gepseudonimiseerd", "pseudonymised").into(),
            Tone::Neutral,
        )]);
    }
    Block::Title(Title {
        kind: ui.t("Procesevaluatie", "Process evaluation").into(),
        kicker: ui
            .t(
                "Observant \u{b7} procesevaluatie intervisie",
                "Observant \u{b7} intervisie process evaluation",
            )
            .into(),
        name,
        facts,
        note: vec![Inline::Em(
            ui.t(
                "Vertrouwelijk: wat in de groep gezegd is, blijft in de groep. De signalen zijn hulpmiddelen voor het gesprek, geen oordeel.",
                "Confidential: what was said in the group stays in the group. The flags are aids for the conversation, not a judgement.",
            )
            .into(),
        )],
    })
}

fn summary(r: &Report, ui: UiLang) -> Option<Block> {
    let kpi = |value: String, label: &str| Kpi {
        value,
        label: label.into(),
    };
    let kpis = vec![
        kpi(fmt_clock(r.duration_seconds), ui.t("duur", "duration")),
        kpi(
            r.utterance_count.to_string(),
            ui.t("uitingen", "utterances"),
        ),
        kpi(r.totals.questions.to_string(), ui.t("vragen", "questions")),
        kpi(
            r.open_ratio().map(pct).unwrap_or_else(|| "-".into()),
            ui.t("open vragen", "open questions"),
        ),
        kpi(
            r.count_text(FlagKind::WhyQuestion, ui),
            ui.t("waarom-vragen", "why-questions"),
        ),
        kpi(
            r.count_text(FlagKind::Advice, ui),
            ui.t("keer advies", "advice"),
        ),
        kpi(r.flags.len().to_string(), ui.t("signalen", "flags")),
    ];
    // The same figures as sentences, for Markdown and text.
    let sentences = vec![
        text(format!(
            "{}: {} ({} {})",
            ui.t("Vragen", "Questions"),
            r.totals.questions,
            r.open_ratio().map(pct).unwrap_or_else(|| "-".into()),
            ui.t("open", "open")
        )),
        text(format!(
            "{}: {} \u{b7} {}: {} \u{b7} {}: {}",
            ui.t("Waarom-vragen", "Why-questions"),
            r.count_text(FlagKind::WhyQuestion, ui),
            ui.t("advies", "advice"),
            r.count_text(FlagKind::Advice, ui),
            ui.t("signalen totaal", "flags in total"),
            r.flags.len()
        )),
    ];
    let people = r
        .speakers
        .iter()
        .map(|s| {
            let repeats = s
                .role
                .is_some_and(|ro| ui == UiLang::Nl || role_label(Some(ro), ui) == ro.as_str());
            Person {
                name: s.name.clone(),
                role: (!(svg::names_role(&s.name, s.role) && repeats))
                    .then(|| role_label(s.role, ui).to_string()),
                color: svg::role_color(s.role),
            }
        })
        .collect();
    let mut blocks = vec![
        h2(ui.t("Samenvatting", "Summary")),
        Block::Kpis(kpis, sentences),
        h3(ui.t("Deelnemers en rollen", "Participants and roles")),
        Block::People(people),
    ];
    if let Some(line) = room_note(r, ui) {
        blocks.push(note(line));
    }
    if r.excluded_flags > 0 {
        blocks.push(note(match ui {
            UiLang::Nl => format!(
                "{} signalen zijn bij het terugkijken als onjuist gemarkeerd en weggelaten.",
                r.excluded_flags
            ),
            UiLang::En => format!(
                "{} flags were marked wrong in review and are left out.",
                r.excluded_flags
            ),
        }));
    }
    section(blocks)
}

/// When the room was a problem for the recording: what the microphone heard, what that may
/// have cost, and what to do next time.
fn room_note(r: &Report, ui: UiLang) -> Option<String> {
    use observant_model::room::{RoomProblem, verdict_words};
    let room = r.meta.room.as_ref()?;
    let problems: Vec<RoomProblem> = room
        .problems()
        .into_iter()
        .filter(|p| *p != RoomProblem::NoSpeech)
        .collect();
    let first = problems.first()?;
    Some(format!(
        "{}: {}. {} {}",
        ui.t("Opname", "Recording"),
        verdict_words(&problems, ui),
        ui.t(
            "De spraakherkenning kan in zo'n opname woorden, sprekers en signalen gemist hebben: lees de cijfers als aanwijzingen.",
            "In such a recording, speech recognition may have missed words, speakers and flags: read the figures as indications.",
        ),
        format_args!("{} {}", ui.t("Volgende keer:", "Next time:"), first.advice(ui)),
    ))
}

fn category_label(c: Option<QuestionCategory>, ui: UiLang) -> &'static str {
    use QuestionCategory as C;
    match c {
        Some(C::Situation) => ui.t("verheldering casus", "clarifying the case"),
        Some(C::Actions) => ui.t("feitelijk handelen", "actual actions"),
        Some(C::Experience) => ui.t("beleving", "experience"),
        Some(C::Learning) => ui.t("leren en veranderen", "learning and change"),
        None => ui.t("belevingsvraag", "experience question"),
    }
}

fn feedback(r: &Report, ui: UiLang) -> Option<Block> {
    let points = r
        .feedback
        .iter()
        .map(|f| {
            let (head, tip) = f.text(ui);
            (
                vec![Inline::Strong(head), t(format!(": {tip}"))],
                f.is_positive(),
            )
        })
        .collect();
    let mut tops = vec![h3(ui.t(
        "Tops: goede voorbeelden om te herhalen",
        "Tops: good examples worth repeating",
    ))];
    if r.examples.is_empty() {
        tops.push(note(ui.t(
            "Geen sterke open belevings- of leervragen gevonden.",
            "No strong open experience or learning questions found.",
        )));
    } else {
        tops.push(Block::Examples(
            r.examples
                .iter()
                .map(|e| Example {
                    quote: e.quote.text.clone(),
                    source: format!(
                        "{} \u{b7} {} \u{b7} {}",
                        e.quote.speaker,
                        fmt_clock(e.quote.start),
                        category_label(e.category, ui)
                    ),
                })
                .collect(),
        ));
    }
    section(vec![
        h2(ui.t(
            "Feedback voor de facilitator",
            "Feedback for the facilitator",
        )),
        Block::Columns(vec![
            vec![
                h3(ui.t("Aandachtspunten", "Points of attention")),
                Block::Points(points),
            ],
            tops,
        ]),
    ])
}

fn timeline(r: &Report, ui: UiLang, pictures: Pictures) -> Option<Block> {
    if r.timeline.is_empty() {
        return None;
    }
    section(vec![
        h2(ui.t("Verloop van de sessie", "Course of the session")),
        Block::Chart(Chart {
            svg: drawn(pictures, || svg::timeline_chart(r, ui)),
            caption: Some(
                ui.t(
                    "Elke balk is spraak van die persoon; bovenaan de signalen, gestippeld de stappen van de werkvorm.",
                    "Each bar is speech by that person; the flags on top, the method's steps dashed.",
                )
                .into(),
            ),
            bars: Vec::new(),
        }),
    ])
}

fn talk(r: &Report, ui: UiLang, pictures: Pictures) -> Option<Block> {
    let bars = r
        .speakers
        .iter()
        .map(|s| Bar {
            label: s.name.clone(),
            share: s.share,
            value: pct(s.share),
        })
        .collect();
    let rows = r
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
                text(fmt_duration(s.longest_monologue_seconds)),
                text(fmt_clock(s.longest_silence_seconds)),
                text(
                    s.mean_answer_pause
                        .map(fmt_duration)
                        .unwrap_or_else(|| "-".into()),
                ),
            ]
        })
        .collect();
    section(vec![
        h2(ui.t("Spreektijd per deelnemer", "Talk time per participant")),
        Block::Chart(Chart {
            svg: drawn(pictures, || svg::talk_chart(r, ui)),
            caption: None,
            bars,
        }),
        table(
            &[
                ui.t("Naam", "Name"),
                ui.t("Rol", "Role"),
                ui.t("Spreektijd", "Talk time"),
                ui.t("Aandeel", "Share"),
                ui.t("Beurten", "Turns"),
                ui.t("Beurten/min", "Turns/min"),
                ui.t("Langste monoloog", "Longest monologue"),
                ui.t("Langste stilte", "Longest silence"),
                ui.t("Reactietijd", "Answer pause"),
            ],
            vec![L, L, R, R, R, R, R, R, R],
            rows,
            TableStyle::Plain,
        ),
        note(ui.t(
            "Aandeel: deel van alle spraak in de sessie. Reactietijd: gemiddelde pauze voordat iemand op een vraag van een ander antwoordt. De inbrenger spreekt bij de inbreng vanzelf veel.",
            "Share: part of all speech in the session. Answer pause: mean pause before someone answers another's question. The presenter naturally talks a lot while presenting the case.",
        )),
    ])
}

fn question_mix(r: &Report, ui: UiLang, pictures: Pictures) -> Option<Block> {
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
    rows.push(row(
        vec![Inline::Strong(ui.t("Totaal", "Total").into())],
        r.totals.question_columns(),
    ));
    let mut align = vec![R; 12];
    align[0] = L;
    section(vec![
        h2(ui.t("Vraagmix per deelnemer", "Question mix per participant")),
        Block::Chart(Chart {
            svg: drawn(pictures, || svg::question_chart(r, ui)),
            caption: None,
            bars: Vec::new(),
        }),
        table(
            &[
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
            ],
            align,
            rows,
            TableStyle::Total,
        ),
        note(ui.t(
            "Vragen telt elke vraagzin (een beurt kan er meer bevatten); open, gesloten en waarom tellen beurten. Categorieën volgen de hand-out: 1 verheldering van de casus, 2 het feitelijke handelen, 3 de beleving van de inbrenger, 4 leren en veranderen. De hand-out vraagt om informerende en belevingsvragen af te wisselen.",
            "Questions counts every question sentence (a turn can hold several); open, closed and why count turns. Categories follow the hand-out: 1 clarifying the case, 2 the actual actions, 3 the presenter's experience, 4 learning and change. The hand-out asks to alternate informative and experience questions.",
        )),
    ])
}

fn flag_entry(rf: &ReportFlag, ui: UiLang) -> FlagEntry {
    let f = &rf.flag;
    let mut badges = Vec::new();
    if rf.confirmed {
        badges.push((ui.t("bevestigd", "confirmed").to_string(), Tone::Good));
    }
    if rf.uncertain() {
        badges.push((
            ui.t("onzeker verstaan", "uncertain recognition")
                .to_string(),
            Tone::Neutral,
        ));
    }
    let many = rf.quotes.len() > 1;
    FlagEntry {
        kind: f.kind,
        when: span(f.start, f.end),
        label: kind_label(f.kind, ui).into(),
        who: who(f),
        badges,
        message: flag_message(f).into(),
        evidence: (!f.evidence.is_empty())
            .then(|| (ui.t("signaal", "evidence").to_string(), f.evidence.clone())),
        quotes: rf
            .quotes
            .iter()
            .map(|q| Quote {
                time: fmt_clock(q.start),
                speaker: many.then(|| q.speaker.clone()),
                text: q.text.clone(),
            })
            .collect(),
    }
}

/// The flags of one kind beyond the first few: time, who and a clipped quote.
fn brief_table(list: &[&ReportFlag], ui: UiLang) -> Block {
    let rows = list
        .iter()
        .map(|f| {
            let line = match f.quotes.first() {
                Some(q) => {
                    let mut s = String::with_capacity(q.text.len().min(480) + 6);
                    s.push('\u{201c}');
                    svg::push_clip(&mut s, &q.text, 120);
                    s.push('\u{201d}');
                    s
                }
                None => flag_message(&f.flag).to_string(),
            };
            vec![
                text(span(f.flag.start, f.flag.end)),
                text(who(&f.flag)),
                text(line),
            ]
        })
        .collect();
    table(
        &[
            ui.t("Tijd", "Time"),
            ui.t("Wie", "Who"),
            ui.t("Citaat of signaal", "Quote or flag"),
        ],
        vec![L, L, L],
        rows,
        TableStyle::Compact,
    )
}

fn episodes(r: &Report, ui: UiLang) -> Option<Block> {
    let mut blocks = vec![h2(ui.t("Signalen en episodes", "Flags and episodes"))];
    if r.flags.is_empty() {
        blocks.push(note(ui.t("Geen signalen.", "No flags.")));
        return section(blocks);
    }
    for (kind, list) in r.flag_groups() {
        blocks.push(h3(format!(
            "{} ({})",
            group_heading(kind, ui),
            super::counted_apart(
                list.iter().filter(|f| !f.uncertain()).count(),
                list.iter().filter(|f| f.uncertain()).count(),
                ui
            )
        )));
        if list.is_empty() {
            blocks.push(note(ui.t("Niet gesignaleerd.", "Not flagged.")));
            continue;
        }
        blocks.push(Block::Flags(
            list.iter()
                .take(FULL_FLAGS_PER_KIND)
                .map(|f| flag_entry(f, ui))
                .collect(),
        ));
        if list.len() > FULL_FLAGS_PER_KIND {
            let more = list.len() - FULL_FLAGS_PER_KIND;
            blocks.push(note(match ui {
                UiLang::Nl => format!("En nog {more}:"),
                UiLang::En => format!("And {more} more:"),
            }));
            blocks.push(brief_table(&list[FULL_FLAGS_PER_KIND..], ui));
        }
    }
    blocks.push(Block::Blank);
    section(blocks)
}

/// Heading of a group of flags in the episodes section.
pub(crate) fn group_heading(kind: FlagKind, ui: UiLang) -> &'static str {
    match kind {
        FlagKind::Advice => ui.t(
            "Advies in plaats van reflectie",
            "Advice instead of reflection",
        ),
        FlagKind::RapidFire => ui.t("Spervuur van vragen", "Rapid-fire questions"),
        FlagKind::Dominance => ui.t("Dominantie", "Dominance"),
        FlagKind::WhyQuestion => ui.t("Waarom-vragen", "Why-questions"),
        FlagKind::ClosedQuestion => ui.t("Gesloten vragen", "Closed questions"),
        FlagKind::Discussion => ui.t("Discussie (welles-nietes)", "Discussion (yes-no arguing)"),
        FlagKind::SilentParticipant => ui.t("Lang stil", "Silent for long"),
        FlagKind::LongMonologue => ui.t("Lange monologen", "Long monologues"),
        FlagKind::StackedQuestions => ui.t(
            "Meerdere vragen in één beurt",
            "Several questions in one turn",
        ),
        FlagKind::Iwab => ui.t("Ik weet alles beter", "Know-it-all"),
        FlagKind::PhaseOverrun => ui.t("Stappen over tijd", "Steps over time"),
        other => kind_label(other, ui),
    }
}

fn monologue_table(r: &Report, ui: UiLang) -> Block {
    let rows = r
        .monologues
        .iter()
        .map(|m| {
            let mut name = text(m.speaker.clone());
            if !svg::names_role(&m.speaker, m.role) {
                name.extend([t(" "), Inline::Muted(role_label(m.role, ui).into())]);
            }
            if let Some(q) = &m.quote {
                name.push(Inline::Muted(format!(
                    " \u{201c}{}\u{201d}",
                    svg::clip(q, 110)
                )));
            }
            let when = match (m.start, m.end) {
                (Some(a), Some(b)) => vec![
                    t(format!("{} ", span(a, b))),
                    Inline::Badge(ui.t("signaal", "flagged").into(), Tone::Warn),
                ],
                _ if m.role == Some(Role::Inbrenger) => {
                    text(ui.t("hoort bij de inbreng", "part of presenting the case"))
                }
                _ => text("-"),
            };
            vec![name, text(fmt_duration(m.seconds)), when]
        })
        .collect();
    table(
        &[
            ui.t("Naam", "Name"),
            ui.t("Duur", "Length"),
            ui.t("Wanneer", "When"),
        ],
        vec![L, R, L],
        rows,
        TableStyle::Plain,
    )
}

fn silences(r: &Report, ui: UiLang) -> Vec<Block> {
    let mut blocks = vec![h3(match ui {
        UiLang::Nl => format!(
            "Stiltes in het gesprek (\u{2265} {} s)",
            super::PAUSE_MIN_SECONDS
        ),
        UiLang::En => format!(
            "Silences in the conversation (\u{2265} {} s)",
            super::PAUSE_MIN_SECONDS
        ),
    })];
    if r.pauses.is_empty() {
        blocks.push(note(ui.t("Geen lange stiltes.", "No long silences.")));
    } else {
        let rows = r
            .pauses
            .iter()
            .map(|p| {
                vec![
                    text(span(p.start, p.end)),
                    text(fmt_duration(p.end - p.start)),
                ]
            })
            .collect();
        blocks.push(table(
            &[ui.t("Wanneer", "When"), ui.t("Duur", "Length")],
            vec![L, R],
            rows,
            TableStyle::Plain,
        ));
        if r.pause_count > r.pauses.len() {
            blocks.push(note(match ui {
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
            }));
        }
    }
    let silent: Vec<Item> = r
        .flags
        .iter()
        .filter(|f| f.flag.kind == FlagKind::SilentParticipant)
        .map(|f| {
            Item::new(vec![
                t(format!("{} ", f.flag.speaker.as_deref().unwrap_or("-"))),
                Inline::Muted(span(f.flag.start, f.flag.end)),
            ])
        })
        .collect();
    if !silent.is_empty() {
        blocks.push(h3(ui.t("Lang stil", "Silent for long")));
        blocks.push(Block::List(silent, crate::doc::QuoteStyle::Lines));
    }
    blocks
}

fn monologues_and_silences(r: &Report, ui: UiLang) -> Option<Block> {
    section(vec![
        h2(ui.t("Monologen en stiltes", "Monologues and silences")),
        Block::Columns(vec![
            vec![
                h3(ui.t(
                    "Langste monoloog per persoon",
                    "Longest monologue per person",
                )),
                monologue_table(r, ui),
            ],
            silences(r, ui),
        ]),
        note(ui.t(
            "Een monoloog is een aaneengesloten spreekbeurt, korte instemmingen van anderen niet meegeteld. Een stilte is tijd waarin niemand sprak.",
            "A monologue is one continuous hold of the floor, short backchannels of others not counted. A silence is time in which nobody spoke.",
        )),
    ])
}

fn steps(r: &Report, ui: UiLang, pictures: Pictures) -> Option<Block> {
    let m = r.method.as_ref()?;
    let mut blocks = vec![h2(format!(
        "{}: {}",
        ui.t("Stappen van de werkvorm", "Method steps"),
        method_name(m, ui)
    ))];
    if r.steps.is_empty() {
        blocks.push(note(ui.t(
            "Er zijn geen stappen gemarkeerd, dus de tijd per stap is niet bekend.",
            "No steps were marked, so the time per step is unknown.",
        )));
        return section(blocks);
    }
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
                    Inline::Badge(ui.t("over tijd", "over time").into(), Tone::Warn),
                ]);
            }
            vec![
                text(s.step.to_string()),
                text(s.name.clone()),
                text(span(s.start, s.end)),
                length,
                text(budget(s.budget_min_seconds, s.budget_max_seconds)),
            ]
        })
        .collect();
    blocks.push(Block::Chart(Chart {
        svg: drawn(pictures, || svg::steps_chart(r, ui)),
        caption: None,
        bars: Vec::new(),
    }));
    blocks.push(table(
        &[
            ui.t("Stap", "Step"),
            ui.t("Naam", "Name"),
            ui.t("Tijd", "Time"),
            ui.t("Duur", "Length"),
            ui.t("Gepland", "Planned"),
        ],
        vec![R, L, L, R, R],
        rows,
        TableStyle::Plain,
    ));
    section(blocks)
}

/// "10–15 min", "5 min" or "-".
pub(crate) fn budget(lo: f64, hi: f64) -> String {
    if hi <= 0.0 {
        "-".into()
    } else if lo < hi {
        format!("{}\u{2013}{} min", lo / 60.0, hi / 60.0)
    } else {
        format!("{} min", hi / 60.0)
    }
}

fn notes(r: &Report, ui: UiLang) -> Option<Block> {
    let mut blocks = vec![h2(ui.t("Notities van de observant", "The observer's notes"))];
    if r.notes.is_empty() {
        blocks.push(note(ui.t("Geen notities gemaakt.", "No notes taken.")));
    } else {
        blocks.push(Block::List(
            r.notes
                .iter()
                .map(|n| {
                    Item::new(vec![
                        Inline::Muted(fmt_clock(n.t)),
                        t(format!(" {}", n.text)),
                    ])
                })
                .collect(),
            crate::doc::QuoteStyle::Lines,
        ));
    }
    section(blocks)
}

fn prompts(r: &Report, ui: UiLang) -> Option<Block> {
    let mut blocks = vec![
        h2(ui.t(
            "Evaluatie: product en proces",
            "Evaluation: product and process",
        )),
        note(ui.t(
            "Uit de hand-out: evalueer altijd op product en proces, en geef feedback aan de facilitator (of vraag erom). Gebruik de aandachtspunten en tops hierboven als aanleiding.",
            "From the hand-out: always evaluate on product and process, and give feedback to the facilitator (or ask for it). Use the points of attention and tops above as a starting point.",
        )),
    ];
    for g in evaluation_prompts(r.method.as_deref(), ui) {
        blocks.push(h3(g.heading));
        blocks.push(Block::Numbered(
            g.questions.iter().map(|q| text(*q)).collect(),
        ));
    }
    Some(Block::Section(blocks, Some("prompts newpage")))
}

fn footer(_: &Report, ui: UiLang) -> Option<Block> {
    Some(Block::Footer(text(format!(
        "{} Observant {} \u{b7} {}",
        ui.t("Gemaakt met", "Made with"),
        env!("CARGO_PKG_VERSION"),
        ui.t(
            "op dit apparaat geanalyseerd; er is niets verstuurd",
            "analysed on this device; nothing was sent anywhere"
        )
    ))))
}
