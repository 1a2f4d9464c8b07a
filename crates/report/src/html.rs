//! The HTML process-evaluation report: one self-contained file (inline CSS and SVG, no
//! scripts, no fonts, images or style sheets from elsewhere), calm print-friendly layout with
//! page breaks that do not cut charts, Dutch by default. Every text from the session is
//! escaped with [`esc`].

use std::fmt::Write as _;

use super::feedback::evaluation_prompts;
use super::svg::{self, esc};
use super::{FULL_FLAGS_PER_KIND, Report, ReportFlag, fmt_date, method_name, pct};
use crate::labels::{kind_label, role_label};
use observant_analysis::FlagKind;
use observant_model::i18n::UiLang;
use observant_model::time::{clock_padded as fmt_clock, duration as fmt_duration};
use observant_model::transcript::Role;

const CSS: &str = r#"
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#dde2e8;--bg:#f4f6f8;--card:#fff;--accent:#2f5d8a;--warn:#b4532a;--good:#2f7d5b}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 "Segoe UI",system-ui,-apple-system,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:32px 28px 40px}
header.top{margin-bottom:22px;padding-bottom:16px;border-bottom:3px solid var(--accent)}
.eyebrow{color:var(--accent);font-size:13px;font-weight:600;letter-spacing:.06em;text-transform:uppercase}
h1{font-size:28px;line-height:1.25;margin:4px 0 6px;font-weight:600}
.sub{color:var(--muted);margin:0}
.conf{margin:10px 0 0;font-size:13px;color:var(--muted)}
.badge{display:inline-block;font-size:12px;padding:1px 9px;border-radius:10px;background:#e7eef6;color:var(--accent);font-weight:600;margin-right:6px}
.badge.ok{background:#e3f1e9;color:var(--good)}
.badge.warn{background:#f8e9e1;color:var(--warn)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:0 0 18px}
h2{font-size:20px;margin:0 0 12px;color:var(--accent);font-weight:600}
h3{font-size:15.5px;margin:18px 0 8px;font-weight:600}
p{margin:6px 0}
.muted{color:var(--muted)}
.small{font-size:13px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(104px,1fr));gap:10px;margin:6px 0 14px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:9px 12px;background:#fafbfc}
.kpi b{display:block;font-size:22px;font-weight:600;line-height:1.2}
.kpi span{color:var(--muted);font-size:12.5px}
.people{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 0;padding:0;list-style:none}
.people li{border:1px solid var(--line);border-radius:14px;padding:2px 10px 2px 8px;font-size:13.5px}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px;vertical-align:middle}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:8px 0 4px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;letter-spacing:.02em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
td:first-child{white-space:nowrap}
tr.total td{font-weight:600;border-top:2px solid var(--line)}
table.compact td{font-size:13px;padding:3px 8px}
table.compact td:first-child{font-variant-numeric:tabular-nums}
figure{margin:6px 0 10px;break-inside:avoid;page-break-inside:avoid}
figure svg{width:100%;height:auto;display:block}
figcaption{font-size:12.5px;color:var(--muted);margin-top:4px}
ul.points{padding-left:0;list-style:none;margin:6px 0}
ul.points li{padding:7px 12px;margin:6px 0;border-left:4px solid var(--warn);background:#fcf6f2;border-radius:0 6px 6px 0;break-inside:avoid}
ul.points li.pos{border-left-color:var(--good);background:#f1f8f4}
.flag{border-left:4px solid #c9ced6;padding:8px 12px;margin:8px 0;background:#fafbfc;border-radius:0 6px 6px 0;break-inside:avoid;page-break-inside:avoid}
.flag.k-red{border-left-color:#c0504d}.flag.k-orange{border-left-color:#e07b39}.flag.k-purple{border-left-color:#7e57a8}
.flag .when{font-variant-numeric:tabular-nums;font-weight:600;margin-right:8px}
.flag .who{color:var(--muted);margin-left:6px}
.ev{font-size:12.5px;color:var(--muted)}
blockquote{margin:6px 0 2px;padding:3px 12px;border-left:3px solid var(--line);color:#2d3742}
blockquote .q{font-size:12.5px;color:var(--muted);margin-right:6px;font-variant-numeric:tabular-nums}
.example{border-left:4px solid var(--good);background:#f1f8f4;padding:8px 12px;margin:8px 0;border-radius:0 6px 6px 0;break-inside:avoid}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:22px}
.prompts h3{margin-top:14px}
.prompts ol{margin:4px 0 10px;padding-left:22px}
.prompts li{margin:4px 0 2px}
.prompts li .lines{display:none}
.notes li{margin:4px 0}
footer{color:var(--muted);font-size:12.5px;text-align:center;margin-top:18px}
@page{size:A4;margin:14mm 13mm}
@media (max-width:720px){.cols{grid-template-columns:1fr}}
@media print{
 body{background:#fff;font-size:10.5pt}
 main{max-width:none;padding:0}
 section{border:none;border-radius:0;padding:0;margin:0 0 16pt}
 h2{border-bottom:1px solid var(--line);padding-bottom:3pt}
 h2,h3{break-after:avoid;page-break-after:avoid}
 tr,li,.kpi,blockquote{break-inside:avoid;page-break-inside:avoid}
 section.newpage{break-before:page;page-break-before:always}
 .prompts li .lines{display:block;height:34pt;border-bottom:1px dotted #9aa4b1}
}
"#;

/// CSS class of a flag by its colour group on the timeline.
fn kind_class(kind: FlagKind) -> &'static str {
    crate::colors::flag_colors(kind).class
}

fn h(o: &mut String, s: &str) {
    o.push_str(&esc(s));
}

fn kpi(o: &mut String, value: &str, label: &str) {
    let _ = write!(
        o,
        r#"<div class="kpi"><b>{}</b><span>{}</span></div>"#,
        esc(value),
        esc(label)
    );
}

fn who(f: &observant_analysis::Flag) -> String {
    match (&f.speaker, &f.target) {
        (Some(s), Some(t)) => format!("{s} \u{2192} {t}"),
        (Some(s), None) => s.clone(),
        (None, Some(t)) => format!("\u{2192} {t}"),
        (None, None) => String::new(),
    }
}

fn span(a: f64, b: f64) -> String {
    if (b - a).abs() < 0.5 {
        fmt_clock(a)
    } else {
        format!("{}\u{2013}{}", fmt_clock(a), fmt_clock(b))
    }
}

fn flag_block(o: &mut String, rf: &ReportFlag, ui: UiLang) {
    let f = &rf.flag;
    let _ = write!(
        o,
        r#"<div class="flag {}"><div><span class="when">{}</span><strong>{}</strong>"#,
        kind_class(f.kind),
        esc(&span(f.start, f.end)),
        esc(kind_label(f.kind, ui))
    );
    let w = who(f);
    if !w.is_empty() {
        let _ = write!(o, r#"<span class="who">{}</span>"#, esc(&w));
    }
    if rf.confirmed {
        let _ = write!(
            o,
            r#" <span class="badge ok">{}</span>"#,
            esc(ui.t("bevestigd", "confirmed"))
        );
    }
    if rf.uncertain() {
        let _ = write!(
            o,
            r#" <span class="badge">{}</span>"#,
            esc(ui.t("onzeker verstaan", "uncertain recognition"))
        );
    }
    o.push_str("</div>");
    let _ = write!(o, "<p>{}</p>", esc(&f.message));
    let many = rf.quotes.len() > 1;
    for q in &rf.quotes {
        o.push_str("<blockquote>");
        let _ = write!(o, r#"<span class="q">{}</span>"#, esc(&fmt_clock(q.start)));
        if many {
            let _ = write!(o, "<strong>{}</strong>: ", esc(&q.speaker));
        }
        let _ = write!(o, "\u{201c}{}\u{201d}</blockquote>", esc(&q.text));
    }
    if !f.evidence.is_empty() {
        let _ = write!(
            o,
            r#"<div class="ev">{}: {}</div>"#,
            esc(ui.t("signaal", "evidence")),
            esc(&f.evidence)
        );
    }
    o.push_str("</div>");
}

fn th(o: &mut String, cells: &[(&str, bool)]) {
    o.push_str("<thead><tr>");
    for (c, num) in cells {
        if *num {
            let _ = write!(o, r#"<th class="n">{}</th>"#, esc(c));
        } else {
            let _ = write!(o, "<th>{}</th>", esc(c));
        }
    }
    o.push_str("</tr></thead>");
}

fn td(o: &mut String, s: &str) {
    let _ = write!(o, "<td>{}</td>", esc(s));
}

fn tdn(o: &mut String, s: &str) {
    let _ = write!(o, r#"<td class="n">{}</td>"#, esc(s));
}

/// The report as one self-contained HTML document.
pub fn to_html(r: &Report, ui: UiLang) -> String {
    let mut o = String::with_capacity(64 * 1024 + r.timeline.len() * 90 + r.flags.len() * 600);
    let title = if r.meta.title.trim().is_empty() {
        ui.t("Intervisiesessie", "Intervisie session").to_string()
    } else {
        r.meta.title.trim().to_string()
    };
    let doc_title = format!(
        "{} \u{2013} {title}",
        ui.t("Procesevaluatie", "Process evaluation")
    );
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"Observant {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        ui.t("nl", "en"),
        env!("CARGO_PKG_VERSION"),
        esc(&doc_title)
    );

    // Header.
    let mut sub: Vec<String> = Vec::new();
    if let Some(d) = r.meta.created_unix {
        sub.push(fmt_date(d, ui));
    }
    if let Some(m) = &r.method {
        sub.push(format!(
            "{} {}",
            ui.t("werkvorm", "method"),
            method_name(m, ui)
        ));
    }
    sub.push(format!(
        "{} {}",
        ui.t("duur", "duration"),
        fmt_clock(r.duration_seconds)
    ));
    let speaking = r.speakers.iter().filter(|s| s.talk_seconds > 0.0).count();
    sub.push(match ui {
        UiLang::Nl => format!("{speaking} sprekers"),
        UiLang::En => format!("{speaking} speakers"),
    });
    if let Some(l) = &r.language {
        sub.push(format!("{} {l}", ui.t("taal", "language")));
    }
    let _ = write!(
        o,
        r#"<header class="top"><div class="eyebrow">{}</div><h1>{}</h1><p class="sub">{}</p><p class="conf">"#,
        esc(ui.t(
            "Observant \u{b7} procesevaluatie intervisie",
            "Observant \u{b7} intervisie process evaluation"
        )),
        esc(&title),
        esc(&sub.join(" \u{b7} "))
    );
    if r.meta.pseudonymized {
        let _ = write!(
            o,
            r#"<span class="badge">{}</span>"#,
            esc(ui.t("gepseudonimiseerd", "pseudonymised"))
        );
    }
    h(
        &mut o,
        ui.t(
            "Vertrouwelijk: wat in de groep gezegd is, blijft in de groep. De signalen zijn hulpmiddelen voor het gesprek, geen oordeel.",
            "Confidential: what was said in the group stays in the group. The flags are aids for the conversation, not a judgement.",
        ),
    );
    o.push_str("</p></header>\n");

    summary(&mut o, r, ui);
    feedback(&mut o, r, ui);
    timeline(&mut o, r, ui);
    talk(&mut o, r, ui);
    questions(&mut o, r, ui);
    episodes(&mut o, r, ui);
    monologues_and_silences(&mut o, r, ui);
    steps(&mut o, r, ui);
    notes(&mut o, r, ui);
    prompts(&mut o, r, ui);

    let _ = write!(
        o,
        "<footer>{} Observant {} \u{b7} {}</footer>\n</main>\n</body>\n</html>\n",
        esc(ui.t("Gemaakt met", "Made with")),
        env!("CARGO_PKG_VERSION"),
        esc(ui.t(
            "op dit apparaat geanalyseerd; er is niets verstuurd",
            "analysed on this device; nothing was sent anywhere"
        ))
    );
    o
}

fn summary(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section><h2>{}</h2>",
        esc(ui.t("Samenvatting", "Summary"))
    );
    o.push_str(r#"<div class="kpis">"#);
    kpi(o, &fmt_clock(r.duration_seconds), ui.t("duur", "duration"));
    kpi(
        o,
        &r.utterance_count.to_string(),
        ui.t("uitingen", "utterances"),
    );
    kpi(
        o,
        &r.totals.questions.to_string(),
        ui.t("vragen", "questions"),
    );
    kpi(
        o,
        &r.open_ratio().map(pct).unwrap_or_else(|| "-".into()),
        ui.t("open vragen", "open questions"),
    );
    kpi(
        o,
        &r.count_text(FlagKind::WhyQuestion, ui),
        ui.t("waarom-vragen", "why-questions"),
    );
    kpi(
        o,
        &r.count_text(FlagKind::Advice, ui),
        ui.t("keer advies", "advice"),
    );
    kpi(o, &r.flags.len().to_string(), ui.t("signalen", "flags"));
    o.push_str("</div>");
    let _ = write!(
        o,
        "<h3>{}</h3><ul class=\"people\">",
        esc(ui.t("Deelnemers en rollen", "Participants and roles"))
    );
    for s in &r.speakers {
        let repeats = s
            .role
            .is_some_and(|ro| ui == UiLang::Nl || role_label(Some(ro), ui) == ro.as_str());
        let role = if svg::names_role(&s.name, s.role) && repeats {
            String::new()
        } else {
            format!(
                r#" <span class="muted">{}</span>"#,
                esc(role_label(s.role, ui))
            )
        };
        let _ = write!(
            o,
            r#"<li><span class="dot" style="background:{}"></span>{}{role}</li>"#,
            svg::role_color(s.role),
            esc(&s.name),
        );
    }
    o.push_str("</ul>");
    if r.excluded_flags > 0 {
        let _ = write!(
            o,
            r#"<p class="small muted">{}</p>"#,
            esc(&match ui {
                UiLang::Nl => format!(
                    "{} signalen zijn bij het terugkijken als onjuist gemarkeerd en weggelaten.",
                    r.excluded_flags
                ),
                UiLang::En => format!(
                    "{} flags were marked wrong in review and are left out.",
                    r.excluded_flags
                ),
            })
        );
    }
    o.push_str("</section>\n");
}

fn category_label(c: Option<observant_analysis::QuestionCategory>, ui: UiLang) -> &'static str {
    use observant_analysis::QuestionCategory as C;
    match c {
        Some(C::Situation) => ui.t("verheldering casus", "clarifying the case"),
        Some(C::Actions) => ui.t("feitelijk handelen", "actual actions"),
        Some(C::Experience) => ui.t("beleving", "experience"),
        Some(C::Learning) => ui.t("leren en veranderen", "learning and change"),
        None => ui.t("belevingsvraag", "experience question"),
    }
}

fn feedback(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section><h2>{}</h2><div class=\"cols\"><div><h3>{}</h3><ul class=\"points\">",
        esc(ui.t(
            "Feedback voor de facilitator",
            "Feedback for the facilitator"
        )),
        esc(ui.t("Aandachtspunten", "Points of attention"))
    );
    for f in &r.feedback {
        let (head, tip) = f.text(ui);
        let _ = write!(
            o,
            r#"<li{}><strong>{}</strong>: {}</li>"#,
            if f.is_positive() {
                r#" class="pos""#
            } else {
                ""
            },
            esc(&head),
            esc(&tip)
        );
    }
    let _ = write!(
        o,
        "</ul></div><div><h3>{}</h3>",
        esc(ui.t(
            "Tops: goede voorbeelden om te herhalen",
            "Tops: good examples worth repeating"
        ))
    );
    if r.examples.is_empty() {
        let _ = write!(
            o,
            r#"<p class="muted">{}</p>"#,
            esc(ui.t(
                "Geen sterke open belevings- of leervragen gevonden.",
                "No strong open experience or learning questions found."
            ))
        );
    }
    for e in &r.examples {
        let _ = write!(
            o,
            r#"<div class="example">&#8220;{}&#8221;<div class="small muted">{} · {} · {}</div></div>"#,
            esc(&e.quote.text),
            esc(&e.quote.speaker),
            esc(&fmt_clock(e.quote.start)),
            esc(category_label(e.category, ui))
        );
    }
    o.push_str("</div></div></section>\n");
}

fn timeline(o: &mut String, r: &Report, ui: UiLang) {
    if r.timeline.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<section><h2>{}</h2><figure>{}<figcaption>{}</figcaption></figure></section>",
        esc(ui.t("Verloop van de sessie", "Course of the session")),
        svg::timeline_chart(r, ui),
        esc(ui.t(
            "Elke balk is spraak van die persoon; bovenaan de signalen, gestippeld de stappen van de werkvorm.",
            "Each bar is speech by that person; the flags on top, the method's steps dashed."
        ))
    );
}

fn talk(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section><h2>{}</h2><figure>{}</figure><table>",
        esc(ui.t("Spreektijd per deelnemer", "Talk time per participant")),
        svg::talk_chart(r, ui)
    );
    th(
        o,
        &[
            (ui.t("Naam", "Name"), false),
            (ui.t("Rol", "Role"), false),
            (ui.t("Spreektijd", "Talk time"), true),
            (ui.t("Aandeel", "Share"), true),
            (ui.t("Beurten", "Turns"), true),
            (ui.t("Beurten/min", "Turns/min"), true),
            (ui.t("Langste monoloog", "Longest monologue"), true),
            (ui.t("Langste stilte", "Longest silence"), true),
            (ui.t("Reactietijd", "Answer pause"), true),
        ],
    );
    o.push_str("<tbody>");
    for s in &r.speakers {
        o.push_str("<tr>");
        td(o, &s.name);
        td(o, role_label(s.role, ui));
        tdn(o, &fmt_clock(s.talk_seconds));
        tdn(o, &pct(s.share));
        tdn(o, &s.turns.to_string());
        tdn(o, &format!("{:.1}", s.turns_per_minute));
        tdn(o, &fmt_duration(s.longest_monologue_seconds));
        tdn(o, &fmt_clock(s.longest_silence_seconds));
        tdn(
            o,
            &s.mean_answer_pause
                .map(fmt_duration)
                .unwrap_or_else(|| "-".into()),
        );
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    let _ = write!(
        o,
        r#"<p class="small muted">{}</p></section>"#,
        esc(ui.t(
            "Aandeel: deel van alle spraak in de sessie. Reactietijd: gemiddelde pauze voordat iemand op een vraag van een ander antwoordt. De inbrenger spreekt bij de inbreng vanzelf veel.",
            "Share: part of all speech in the session. Answer pause: mean pause before someone answers another's question. The presenter naturally talks a lot while presenting the case."
        ))
    );
    o.push('\n');
}

fn questions(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section><h2>{}</h2><figure>{}</figure><table>",
        esc(ui.t("Vraagmix per deelnemer", "Question mix per participant")),
        svg::question_chart(r, ui)
    );
    th(
        o,
        &[
            (ui.t("Naam", "Name"), false),
            (ui.t("Vragen", "Questions"), true),
            (ui.t("Open", "Open"), true),
            (ui.t("Gesloten", "Closed"), true),
            (ui.t("Waarom", "Why"), true),
            (ui.t("Advies", "Advice"), true),
            (ui.t("Informerend", "Informative"), true),
            (ui.t("Beleving", "Experience"), true),
            (ui.t("1 Situatie", "1 Situation"), true),
            (ui.t("2 Handelen", "2 Actions"), true),
            (ui.t("3 Beleving", "3 Experience"), true),
            (ui.t("4 Leren", "4 Learning"), true),
        ],
    );
    o.push_str("<tbody>");
    for s in &r.speakers {
        o.push_str("<tr>");
        td(o, &s.name);
        for v in crate::speaker_question_columns(s) {
            tdn(o, &v.to_string());
        }
        o.push_str("</tr>");
    }
    let t = &r.totals;
    o.push_str(r#"<tr class="total">"#);
    td(o, ui.t("Totaal", "Total"));
    for v in t.question_columns() {
        tdn(o, &v.to_string());
    }
    o.push_str("</tr></tbody></table>");
    let _ = write!(
        o,
        r#"<p class="small muted">{}</p></section>"#,
        esc(ui.t(
            "Vragen telt elke vraagzin (een beurt kan er meer bevatten); open, gesloten en waarom tellen beurten. Categorieën volgen de hand-out: 1 verheldering van de casus, 2 het feitelijke handelen, 3 de beleving van de inbrenger, 4 leren en veranderen. De hand-out vraagt om informerende en belevingsvragen af te wisselen.",
            "Questions counts every question sentence (a turn can hold several); open, closed and why count turns. Categories follow the hand-out: 1 clarifying the case, 2 the actual actions, 3 the presenter's experience, 4 learning and change. The hand-out asks to alternate informative and experience questions."
        ))
    );
    o.push('\n');
}

fn episodes(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section><h2>{}</h2>",
        esc(ui.t("Signalen en episodes", "Flags and episodes"))
    );
    if r.flags.is_empty() {
        let _ = write!(
            o,
            r#"<p class="muted">{}</p></section>"#,
            esc(ui.t("Geen signalen.", "No flags."))
        );
        return;
    }
    for (kind, list) in r.flag_groups() {
        let _ = write!(
            o,
            "<h3>{} ({})</h3>",
            esc(group_heading(kind, ui)),
            esc(&super::counted_apart(
                list.iter().filter(|f| !f.uncertain()).count(),
                list.iter().filter(|f| f.uncertain()).count(),
                ui
            ))
        );
        if list.is_empty() {
            let _ = write!(
                o,
                r#"<p class="muted small">{}</p>"#,
                esc(ui.t("Niet gesignaleerd.", "Not flagged."))
            );
        }
        for f in list.iter().take(FULL_FLAGS_PER_KIND) {
            flag_block(o, f, ui);
        }
        if list.len() > FULL_FLAGS_PER_KIND {
            let _ = write!(
                o,
                r#"<p class="small muted">{}</p><table class="compact">"#,
                esc(&match ui {
                    UiLang::Nl => format!("En nog {}:", list.len() - FULL_FLAGS_PER_KIND),
                    UiLang::En => format!("And {} more:", list.len() - FULL_FLAGS_PER_KIND),
                })
            );
            th(
                o,
                &[
                    (ui.t("Tijd", "Time"), false),
                    (ui.t("Wie", "Who"), false),
                    (ui.t("Citaat of signaal", "Quote or flag"), false),
                ],
            );
            o.push_str("<tbody>");
            for f in &list[FULL_FLAGS_PER_KIND..] {
                o.push_str("<tr>");
                td(o, &span(f.flag.start, f.flag.end));
                td(o, &who(&f.flag));
                let line = match f.quotes.first() {
                    Some(q) => format!("\u{201c}{}\u{201d}", svg::clip(&q.text, 120)),
                    None => f.flag.message.clone(),
                };
                td(o, &line);
                o.push_str("</tr>");
            }
            o.push_str("</tbody></table>");
        }
    }
    o.push_str("</section>\n");
}

/// Heading of a group of flags in the episodes section.
pub(super) fn group_heading(kind: FlagKind, ui: UiLang) -> &'static str {
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

fn monologues_and_silences(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section><h2>{}</h2><div class=\"cols\"><div><h3>{}</h3><table>",
        esc(ui.t("Monologen en stiltes", "Monologues and silences")),
        esc(ui.t(
            "Langste monoloog per persoon",
            "Longest monologue per person"
        ))
    );
    th(
        o,
        &[
            (ui.t("Naam", "Name"), false),
            (ui.t("Duur", "Length"), true),
            (ui.t("Wanneer", "When"), false),
        ],
    );
    o.push_str("<tbody>");
    for m in &r.monologues {
        o.push_str("<tr>");
        if svg::names_role(&m.speaker, m.role) {
            let _ = write!(o, "<td>{}", esc(&m.speaker));
        } else {
            let _ = write!(
                o,
                r#"<td>{} <span class="muted small">{}</span>"#,
                esc(&m.speaker),
                esc(role_label(m.role, ui))
            );
        }
        if let Some(q) = &m.quote {
            let _ = write!(
                o,
                r#"<div class="small muted">&#8220;{}&#8221;</div>"#,
                esc(&svg::clip(q, 110))
            );
        }
        o.push_str("</td>");
        tdn(o, &fmt_duration(m.seconds));
        match (m.start, m.end) {
            (Some(a), Some(b)) => {
                let _ = write!(
                    o,
                    r#"<td>{} <span class="badge warn">{}</span></td>"#,
                    esc(&span(a, b)),
                    esc(ui.t("signaal", "flagged"))
                );
            }
            _ if m.role == Some(Role::Inbrenger) => td(
                o,
                ui.t("hoort bij de inbreng", "part of presenting the case"),
            ),
            _ => td(o, "-"),
        }
        o.push_str("</tr>");
    }
    let _ = write!(
        o,
        "</tbody></table></div><div><h3>{}</h3>",
        esc(&match ui {
            UiLang::Nl => format!(
                "Stiltes in het gesprek (\u{2265} {} s)",
                super::PAUSE_MIN_SECONDS
            ),
            UiLang::En => format!(
                "Silences in the conversation (\u{2265} {} s)",
                super::PAUSE_MIN_SECONDS
            ),
        })
    );
    if r.pauses.is_empty() {
        let _ = write!(
            o,
            r#"<p class="muted">{}</p>"#,
            esc(ui.t("Geen lange stiltes.", "No long silences."))
        );
    } else {
        o.push_str("<table>");
        th(
            o,
            &[
                (ui.t("Wanneer", "When"), false),
                (ui.t("Duur", "Length"), true),
            ],
        );
        o.push_str("<tbody>");
        for p in &r.pauses {
            o.push_str("<tr>");
            td(o, &span(p.start, p.end));
            tdn(o, &fmt_duration(p.end - p.start));
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
        if r.pause_count > r.pauses.len() {
            let _ = write!(
                o,
                r#"<p class="small muted">{}</p>"#,
                esc(&match ui {
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
                })
            );
        }
    }
    let silent: Vec<&ReportFlag> = r
        .flags
        .iter()
        .filter(|f| f.flag.kind == FlagKind::SilentParticipant)
        .collect();
    if !silent.is_empty() {
        let _ = write!(
            o,
            "<h3>{}</h3><ul>",
            esc(ui.t("Lang stil", "Silent for long"))
        );
        for f in silent {
            let _ = write!(
                o,
                "<li>{} <span class=\"muted\">{}</span></li>",
                esc(f.flag.speaker.as_deref().unwrap_or("-")),
                esc(&span(f.flag.start, f.flag.end))
            );
        }
        o.push_str("</ul>");
    }
    let _ = write!(
        o,
        r#"</div></div><p class="small muted">{}</p></section>"#,
        esc(ui.t(
            "Een monoloog is een aaneengesloten spreekbeurt, korte instemmingen van anderen niet meegeteld. Een stilte is tijd waarin niemand sprak.",
            "A monologue is one continuous hold of the floor, short backchannels of others not counted. A silence is time in which nobody spoke."
        ))
    );
    o.push('\n');
}

fn steps(o: &mut String, r: &Report, ui: UiLang) {
    let Some(m) = &r.method else {
        return;
    };
    let _ = write!(
        o,
        "<section><h2>{}: {}</h2>",
        esc(ui.t("Stappen van de werkvorm", "Method steps")),
        esc(&method_name(m, ui))
    );
    if r.steps.is_empty() {
        let _ = write!(
            o,
            r#"<p class="muted">{}</p></section>"#,
            esc(ui.t(
                "Er zijn geen stappen gemarkeerd, dus de tijd per stap is niet bekend.",
                "No steps were marked, so the time per step is unknown."
            ))
        );
        return;
    }
    let _ = write!(o, "<figure>{}</figure><table>", svg::steps_chart(r, ui));
    th(
        o,
        &[
            (ui.t("Stap", "Step"), true),
            (ui.t("Naam", "Name"), false),
            (ui.t("Tijd", "Time"), false),
            (ui.t("Duur", "Length"), true),
            (ui.t("Gepland", "Planned"), true),
        ],
    );
    o.push_str("<tbody>");
    for s in &r.steps {
        let len = s.end - s.start;
        let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
        o.push_str("<tr>");
        tdn(o, &s.step.to_string());
        td(o, &s.name);
        td(o, &span(s.start, s.end));
        let _ = write!(
            o,
            r#"<td class="n">{}{}</td>"#,
            esc(&fmt_duration(len)),
            if over {
                format!(
                    r#" <span class="badge warn">{}</span>"#,
                    esc(ui.t("over tijd", "over time"))
                )
            } else {
                String::new()
            }
        );
        tdn(o, &budget(s.budget_min_seconds, s.budget_max_seconds));
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table></section>\n");
}

/// "10–15 min", "5 min" or "-".
pub(super) fn budget(lo: f64, hi: f64) -> String {
    if hi <= 0.0 {
        "-".into()
    } else if lo < hi {
        format!("{}\u{2013}{} min", lo / 60.0, hi / 60.0)
    } else {
        format!("{} min", hi / 60.0)
    }
}

fn notes(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section><h2>{}</h2>",
        esc(ui.t("Notities van de observant", "The observer's notes"))
    );
    if r.notes.is_empty() {
        let _ = write!(
            o,
            r#"<p class="muted">{}</p>"#,
            esc(ui.t("Geen notities gemaakt.", "No notes taken."))
        );
    } else {
        o.push_str(r#"<ul class="notes">"#);
        for n in &r.notes {
            let _ = write!(
                o,
                r#"<li><span class="muted">{}</span> {}</li>"#,
                esc(&fmt_clock(n.t)),
                esc(&n.text)
            );
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>\n");
}

fn prompts(o: &mut String, r: &Report, ui: UiLang) {
    let _ = write!(
        o,
        "<section class=\"prompts newpage\"><h2>{}</h2><p class=\"muted\">{}</p>",
        esc(ui.t(
            "Evaluatie: product en proces",
            "Evaluation: product and process"
        )),
        esc(ui.t(
            "Uit de hand-out: evalueer altijd op product en proces, en geef feedback aan de facilitator (of vraag erom). Gebruik de aandachtspunten en tops hierboven als aanleiding.",
            "From the hand-out: always evaluate on product and process, and give feedback to the facilitator (or ask for it). Use the points of attention and tops above as a starting point."
        ))
    );
    for g in evaluation_prompts(r.method.as_deref(), ui) {
        let _ = write!(o, "<h3>{}</h3><ol>", esc(g.heading));
        for q in g.questions {
            let _ = write!(o, r#"<li>{}<span class="lines"></span></li>"#, esc(q));
        }
        o.push_str("</ol>");
    }
    o.push_str("</section>\n");
}
