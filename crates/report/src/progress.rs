//! Coaching over time (`observant progress`): several sessions of the same facilitator side
//! by side: why-questions, advice, open-question ratio, talk share per role and the number
//! of flags, each taken from that session's [`Report`] (so flags marked wrong in review are
//! left out here too). Output as a text table, JSON, Markdown or HTML with inline SVG plots.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::doc::{self, Align, Block, Chart, Document, Line, Table, TableStyle, Title, text};
use super::svg::{self, Series};
use super::{Report, fmt_date, method_name, pct};
use observant_analysis::FlagKind;
use observant_model::i18n::UiLang;
use observant_model::time::clock_padded as fmt_clock;
use observant_model::transcript::Role;

/// One session's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressRow {
    /// What the session is called in the table (title or file name).
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_unix: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub duration_seconds: f64,
    pub utterances: usize,
    /// Question sentences by everyone.
    pub questions: u32,
    /// `why_question` flags (why-questions by anyone but the inbrenger).
    pub why_questions: usize,
    /// `advice` flags.
    pub advice: usize,
    /// Open questions among open and closed ones, everyone but the inbrenger.
    pub open_ratio: Option<f64>,
    /// Share of all speech by the facilitator(s); `None` when no facilitator is known.
    pub facilitator_share: Option<f64>,
    /// Share of all speech per role ("facilitator", "inbrenger", "deelnemer", "observant",
    /// "onbekend" for speakers without a role).
    pub role_shares: BTreeMap<String, f64>,
    /// All kept flags.
    pub flags: usize,
    /// Kept flags per kind.
    pub flags_by_kind: BTreeMap<String, usize>,
}

impl ProgressRow {
    /// The numbers of one session's report.
    pub fn from_report(r: &Report, label: impl Into<String>) -> ProgressRow {
        let mut role_shares: BTreeMap<String, f64> = BTreeMap::new();
        for s in &r.speakers {
            let key = s.role.map(Role::as_str).unwrap_or("onbekend").to_string();
            *role_shares.entry(key).or_default() += s.share;
        }
        let facilitator_share = r
            .speakers
            .iter()
            .any(|s| s.role == Some(Role::Facilitator))
            .then(|| role_shares.get("facilitator").copied().unwrap_or(0.0));
        let mut flags_by_kind: BTreeMap<String, usize> = BTreeMap::new();
        for f in &r.flags {
            *flags_by_kind
                .entry(f.flag.kind.as_str().to_string())
                .or_default() += 1;
        }
        ProgressRow {
            label: label.into(),
            date_unix: r.meta.created_unix,
            method: r.method.clone(),
            duration_seconds: r.duration_seconds,
            utterances: r.utterance_count,
            questions: r.totals.questions,
            why_questions: r.count(FlagKind::WhyQuestion),
            advice: r.count(FlagKind::Advice),
            open_ratio: r.open_ratio(),
            facilitator_share,
            role_shares,
            flags: r.flags.len(),
            flags_by_kind,
        }
    }

    fn date(&self, ui: UiLang) -> String {
        self.date_unix
            .map(|d| fmt_date(d, ui))
            .unwrap_or_else(|| "-".into())
    }

    fn role_share(&self, role: &str) -> String {
        self.role_shares
            .get(role)
            .map(|&s| pct(s))
            .unwrap_or_else(|| "-".into())
    }
}

/// Orders rows by date (rows without a date keep their place after the dated ones).
pub fn sort_by_date(rows: &mut [ProgressRow]) {
    rows.sort_by_key(|r| r.date_unix.unwrap_or(u64::MAX));
}

fn opt_pct(x: Option<f64>) -> String {
    x.map(pct).unwrap_or_else(|| "-".into())
}

fn headers(ui: UiLang) -> [&'static str; 10] {
    [
        "#",
        ui.t("sessie", "session"),
        ui.t("datum", "date"),
        ui.t("duur", "duration"),
        ui.t("waarom", "why"),
        ui.t("advies", "advice"),
        ui.t("open", "open"),
        ui.t("facilitator", "facilitator"),
        ui.t("inbrenger", "presenter"),
        ui.t("signalen", "flags"),
    ]
}

fn cells(k: usize, r: &ProgressRow, ui: UiLang) -> [String; 10] {
    [
        (k + 1).to_string(),
        r.label.clone(),
        r.date(ui),
        fmt_clock(r.duration_seconds),
        r.why_questions.to_string(),
        r.advice.to_string(),
        opt_pct(r.open_ratio),
        opt_pct(r.facilitator_share),
        r.role_share("inbrenger"),
        r.flags.to_string(),
    ]
}

/// A plain-text table for the terminal.
pub fn to_text(rows: &[ProgressRow], ui: UiLang) -> String {
    let head = headers(ui);
    let body: Vec<[String; 10]> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| cells(k, r, ui))
        .collect();
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &body {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let pad = widths[k].saturating_sub(c.chars().count());
                if k == 1 || k == 2 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        ui.t(
            "Observant: voortgang over sessies",
            "Observant: progress over sessions"
        )
    );
    let _ = writeln!(o, "{}", line(head.iter().map(|h| h.to_string()).collect()));
    for r in body {
        let _ = writeln!(o, "{}", line(r.to_vec()));
    }
    let _ = writeln!(
        o,
        "{}",
        ui.t(
            "waarom/advies: signalen; open: aandeel open vragen (zonder inbrenger); facilitator/inbrenger: aandeel spreektijd.",
            "why/advice: flags; open: share of open questions (presenter excluded); facilitator/presenter: share of talk time."
        )
    );
    o
}

/// JSON: `{"sessions": [...]}`.
pub fn to_json(rows: &[ProgressRow]) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        sessions: &'a [ProgressRow],
    }
    serde_json::to_string_pretty(&Out { sessions: rows }).unwrap_or_else(|_| "{}".into()) + "\n"
}

/// The comparison as a document: the title, the two line plots and the table.
pub fn document(rows: &[ProgressRow], ui: UiLang) -> Document {
    let mut d = Document::default();
    d.push(Block::Title(Title {
        kind: String::new(),
        kicker: ui
            .t(
                "Observant \u{b7} coaching van de facilitator",
                "Observant \u{b7} coaching the facilitator",
            )
            .into(),
        name: ui
            .t("Voortgang over sessies", "Progress over sessions")
            .into(),
        facts: vec![text(match ui {
            UiLang::Nl => format!("{} sessies", rows.len()),
            UiLang::En => format!("{} sessions", rows.len()),
        })],
        note: Vec::new(),
    }));
    let (counts, shares) = plots(rows, ui);
    let chart = |svg: String| {
        Block::Chart(Chart {
            svg,
            caption: None,
            bars: Vec::new(),
        })
    };
    d.push(Block::Section(
        vec![
            Block::Heading(2, text(ui.t("Verloop", "Over time"))),
            Block::Heading(3, text(ui.t("Aantallen per sessie", "Counts per session"))),
            chart(counts),
            Block::Heading(
                3,
                text(ui.t("Percentages per sessie", "Percentages per session")),
            ),
            chart(shares),
        ],
        None,
    ));
    let mut header: Vec<Line> = headers(ui).iter().map(|h| text(*h)).collect();
    header.push(text(ui.t("werkvorm", "method")));
    let mut align = vec![Align::Right; 11];
    align[1] = Align::Left;
    align[2] = Align::Left;
    align[10] = Align::Left;
    let table_rows = rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut c: Vec<Line> = cells(k, r, ui).into_iter().map(text).collect();
            c.push(text(
                r.method
                    .as_deref()
                    .map(|m| method_name(m, ui))
                    .unwrap_or_else(|| "-".into()),
            ));
            c
        })
        .collect();
    d.push(Block::Section(
        vec![
            Block::Heading(2, text(ui.t("Per sessie", "Per session"))),
            Block::Table(Table {
                header,
                align,
                rows: table_rows,
                style: TableStyle::Plain,
            }),
            Block::Note(text(ui.t(
                "Waarom en advies tellen signalen (niet van de inbrenger). Open: aandeel open vragen van open en gesloten vragen, zonder de inbrenger. Facilitator en inbrenger: aandeel van alle spraak.",
                "Why and advice count flags (not by the presenter). Open: share of open among open and closed questions, presenter excluded. Facilitator and presenter: share of all speech.",
            ))),
        ],
        None,
    ));
    d
}

/// A Markdown table.
pub fn to_markdown(rows: &[ProgressRow], ui: UiLang) -> String {
    doc::to_markdown(&document(rows, ui), 2048 + rows.len() * 200)
}

/// The two line plots: counts and percentages per session.
fn plots(rows: &[ProgressRow], ui: UiLang) -> (String, String) {
    let labels: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| match r.date_unix {
            Some(d) => format!("{} \u{b7} {}", k + 1, fmt_date(d, ui)),
            None => format!("{} \u{b7} {}", k + 1, r.label),
        })
        .collect();
    let counts = svg::line_plot(
        ui.t("Aantallen per sessie", "Counts per session"),
        &labels,
        &[
            Series {
                name: ui.t("waarom-vragen", "why-questions"),
                color: "#c0504d",
                values: rows.iter().map(|r| Some(r.why_questions as f64)).collect(),
            },
            Series {
                name: ui.t("advies", "advice"),
                color: "#e07b39",
                values: rows.iter().map(|r| Some(r.advice as f64)).collect(),
            },
            Series {
                name: ui.t("signalen", "flags"),
                color: "#7e57a8",
                values: rows.iter().map(|r| Some(r.flags as f64)).collect(),
            },
        ],
        &|v| format!("{v:.0}"),
        None,
    );
    let shares = svg::line_plot(
        ui.t("Percentages per sessie", "Percentages per session"),
        &labels,
        &[
            Series {
                name: ui.t("open vragen", "open questions"),
                color: "#3f8f6b",
                values: rows.iter().map(|r| r.open_ratio).collect(),
            },
            Series {
                name: ui.t("spreektijd facilitator", "facilitator talk share"),
                color: "#3f6fb5",
                values: rows.iter().map(|r| r.facilitator_share).collect(),
            },
            Series {
                name: ui.t("spreektijd inbrenger", "presenter talk share"),
                color: "#d08a2e",
                values: rows
                    .iter()
                    .map(|r| r.role_shares.get("inbrenger").copied())
                    .collect(),
            },
        ],
        &|v| pct(v),
        Some(1.0),
    );
    (counts, shares)
}

/// A self-contained HTML page with two line plots (counts, percentages) and the table.
pub fn to_html(rows: &[ProgressRow], ui: UiLang) -> String {
    doc::html::to_html(
        &document(rows, ui),
        ui.t("nl", "en"),
        16 * 1024 + rows.len() * 400,
        "@page{size:A4 landscape;margin:12mm}",
    )
}
