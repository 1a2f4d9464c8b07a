//! Coaching over time (`observant progress`): several sessions of the same facilitator side
//! by side: why-questions, advice, open-question ratio, talk share per role and the number
//! of flags, each taken from that session's [`Report`] (so flags marked wrong in review are
//! left out here too). Output as a text table, JSON, Markdown or HTML with inline SVG plots.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::svg::{self, Series, esc};
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

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A Markdown table.
pub fn to_markdown(rows: &[ProgressRow], ui: UiLang) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# {}\n",
        ui.t("Voortgang over sessies", "Progress over sessions")
    );
    let head = headers(ui);
    let _ = writeln!(o, "| {} |", head.join(" | "));
    let _ = writeln!(o, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (k, r) in rows.iter().enumerate() {
        let c = cells(k, r, ui);
        let c: Vec<String> = c.iter().map(|s| md(s)).collect();
        let _ = writeln!(o, "| {} |", c.join(" | "));
    }
    let _ = writeln!(
        o,
        "\n_{}_",
        ui.t(
            "waarom/advies: signalen; open: aandeel open vragen (zonder inbrenger); facilitator/inbrenger: aandeel spreektijd.",
            "why/advice: flags; open: share of open questions (presenter excluded); facilitator/presenter: share of talk time."
        )
    );
    o
}

/// A self-contained HTML page with two line plots (counts, percentages) and the table.
pub fn to_html(rows: &[ProgressRow], ui: UiLang) -> String {
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
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"Observant {}\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        ui.t("nl", "en"),
        env!("CARGO_PKG_VERSION"),
        esc(ui.t("Voortgang over sessies", "Progress over sessions")),
        CSS
    );
    let _ = write!(
        o,
        r#"<header class="top"><div class="eyebrow">{}</div><h1>{}</h1><p class="sub">{}</p></header>"#,
        esc(ui.t(
            "Observant \u{b7} coaching van de facilitator",
            "Observant \u{b7} coaching the facilitator"
        )),
        esc(ui.t("Voortgang over sessies", "Progress over sessions")),
        esc(&match ui {
            UiLang::Nl => format!("{} sessies", rows.len()),
            UiLang::En => format!("{} sessions", rows.len()),
        })
    );
    let _ = write!(
        o,
        "<section><h2>{}</h2><h3>{}</h3><figure>{counts}</figure><h3>{}</h3><figure>{shares}</figure></section>",
        esc(ui.t("Verloop", "Over time")),
        esc(ui.t("Aantallen per sessie", "Counts per session")),
        esc(ui.t("Percentages per sessie", "Percentages per session"))
    );
    let _ = write!(
        o,
        "<section><h2>{}</h2><table><thead><tr>",
        esc(ui.t("Per sessie", "Per session"))
    );
    for (k, h) in headers(ui).iter().enumerate() {
        if k == 1 || k == 2 {
            let _ = write!(o, "<th>{}</th>", esc(h));
        } else {
            let _ = write!(o, r#"<th class="n">{}</th>"#, esc(h));
        }
    }
    o.push_str("<th>");
    o.push_str(&esc(ui.t("werkvorm", "method")));
    o.push_str("</th></tr></thead><tbody>");
    for (k, r) in rows.iter().enumerate() {
        o.push_str("<tr>");
        for (j, c) in cells(k, r, ui).iter().enumerate() {
            if j == 1 || j == 2 {
                let _ = write!(o, "<td>{}</td>", esc(c));
            } else {
                let _ = write!(o, r#"<td class="n">{}</td>"#, esc(c));
            }
        }
        let _ = write!(
            o,
            "<td>{}</td></tr>",
            esc(&r
                .method
                .as_deref()
                .map(|m| method_name(m, ui))
                .unwrap_or_else(|| "-".into()))
        );
    }
    let _ = write!(
        o,
        r#"</tbody></table><p class="muted small">{}</p></section>"#,
        esc(ui.t(
            "Waarom en advies tellen signalen (niet van de inbrenger). Open: aandeel open vragen van open en gesloten vragen, zonder de inbrenger. Facilitator en inbrenger: aandeel van alle spraak.",
            "Why and advice count flags (not by the presenter). Open: share of open among open and closed questions, presenter excluded. Facilitator and presenter: share of all speech."
        ))
    );
    o.push_str("\n</main>\n</body>\n</html>\n");
    o
}

const CSS: &str = r#"
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#dde2e8;--bg:#f4f6f8;--accent:#2f5d8a}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 "Segoe UI",system-ui,-apple-system,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:32px 28px 40px}
header.top{margin-bottom:22px;padding-bottom:16px;border-bottom:3px solid var(--accent)}
.eyebrow{color:var(--accent);font-size:13px;font-weight:600;letter-spacing:.06em;text-transform:uppercase}
h1{font-size:28px;margin:4px 0 6px;font-weight:600}
h2{font-size:20px;margin:0 0 12px;color:var(--accent);font-weight:600}
h3{font-size:15px;margin:14px 0 4px;font-weight:600;break-after:avoid}
.sub,.muted{color:var(--muted)}
.small{font-size:13px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:0 0 18px}
figure{margin:6px 0 14px;break-inside:avoid;page-break-inside:avoid}
figure svg{width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line)}
th{font-weight:600;color:var(--muted);font-size:12px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
@page{size:A4 landscape;margin:12mm}
@media print{body{background:#fff}main{max-width:none;padding:0}section{border:none;padding:0}tr{break-inside:avoid}}
"#;
