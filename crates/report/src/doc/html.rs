//! The HTML renderer of the document model: one self-contained page (inline CSS and SVG, no
//! scripts, no fonts, images or style sheets from elsewhere), a calm print-friendly layout
//! with page breaks that do not cut charts. Every text is escaped with [`esc`]; the only
//! markup taken as is, is a chart's SVG (built and escaped by [`crate::svg`]).

use std::fmt::Write as _;

use super::{Align, Block, Document, FlagEntry, Inline, Item, Table, TableStyle, Title, Tone};
use crate::svg::{esc, esc_into};

/// The style sheet of every page.
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

fn line(o: &mut String, l: &[Inline]) {
    // Escaped straight into the page: no string per run.
    let wrap = |o: &mut String, open: &str, s: &str, close: &str| {
        o.push_str(open);
        esc_into(o, s);
        o.push_str(close);
    };
    for run in l {
        match run {
            Inline::Text(s) => esc_into(o, s),
            Inline::Strong(s) => wrap(o, "<strong>", s, "</strong>"),
            Inline::Em(s) => wrap(o, "<em>", s, "</em>"),
            Inline::Code(s) => wrap(o, "<code>", s, "</code>"),
            Inline::Muted(s) => wrap(o, r#"<span class="muted">"#, s, "</span>"),
            Inline::Badge(s, tone) => {
                let open = match tone {
                    Tone::Neutral => r#"<span class="badge">"#,
                    Tone::Good => r#"<span class="badge ok">"#,
                    Tone::Warn => r#"<span class="badge warn">"#,
                };
                wrap(o, open, s, "</span>")
            }
        }
    }
}

fn table(o: &mut String, t: &Table) {
    o.push_str(match t.style {
        TableStyle::Compact => r#"<table class="compact">"#,
        _ => "<table>",
    });
    let num = |k: usize| t.align.get(k) == Some(&Align::Right);
    o.push_str("<thead><tr>");
    for (k, c) in t.header.iter().enumerate() {
        o.push_str(if num(k) { r#"<th class="n">"# } else { "<th>" });
        line(o, c);
        o.push_str("</th>");
    }
    o.push_str("</tr></thead><tbody>");
    for (j, r) in t.rows.iter().enumerate() {
        let total = t.style == TableStyle::Total && j + 1 == t.rows.len();
        o.push_str(if total {
            r#"<tr class="total">"#
        } else {
            "<tr>"
        });
        for (k, c) in r.iter().enumerate() {
            o.push_str(if num(k) { r#"<td class="n">"# } else { "<td>" });
            line(o, c);
            o.push_str("</td>");
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}

fn flag(o: &mut String, f: &FlagEntry) {
    let put = |o: &mut String, open: &str, s: &str, close: &str| {
        o.push_str(open);
        esc_into(o, s);
        o.push_str(close);
    };
    o.push_str(r#"<div class="flag "#);
    o.push_str(crate::colors::flag_colors(f.kind).class);
    put(o, r#""><div><span class="when">"#, &f.when, "</span>");
    put(o, "<strong>", &f.label, "</strong>");
    if !f.who.is_empty() {
        put(o, r#"<span class="who">"#, &f.who, "</span>");
    }
    for (b, tone) in &f.badges {
        o.push(' ');
        line(o, &[Inline::Badge(b.clone(), *tone)]);
    }
    put(o, "</div><p>", &f.message, "</p>");
    for q in &f.quotes {
        put(o, r#"<blockquote><span class="q">"#, &q.time, "</span>");
        if let Some(s) = &q.speaker {
            put(o, "<strong>", s, "</strong>: ");
        }
        put(o, "\u{201c}", &q.text, "\u{201d}</blockquote>");
    }
    if let Some((label, ev)) = &f.evidence {
        put(o, r#"<div class="ev">"#, label, ": ");
        put(o, "", ev, "</div>");
    }
    o.push_str("</div>");
}

fn list(o: &mut String, items: &[Item]) {
    o.push_str("<ul>");
    for it in items {
        o.push_str("<li>");
        line(o, &it.line);
        for d in &it.details {
            o.push_str(r#"<div class="small muted">"#);
            line(o, d);
            o.push_str("</div>");
        }
        for q in &it.quotes {
            o.push_str("<blockquote>");
            line(o, q);
            o.push_str("</blockquote>");
        }
        o.push_str("</li>");
    }
    o.push_str("</ul>");
}

fn title(o: &mut String, t: &Title) {
    let _ = write!(
        o,
        r#"<header class="top"><div class="eyebrow">{}</div><h1>{}</h1>"#,
        esc(&t.kicker),
        esc(&t.name)
    );
    if !t.facts.is_empty() {
        o.push_str(r#"<p class="sub">"#);
        line(o, &t.facts.join(&Inline::Text(" \u{b7} ".into())));
        o.push_str("</p>");
    }
    if !t.note.is_empty() {
        o.push_str(r#"<p class="conf">"#);
        line(o, &t.note);
        o.push_str("</p>");
    }
    o.push_str("</header>\n");
}

fn block(o: &mut String, b: &Block) {
    match b {
        Block::Heading(level, l) => {
            let _ = write!(o, "<h{level}>");
            line(o, l);
            let _ = write!(o, "</h{level}>");
        }
        Block::Paragraph(l) => {
            o.push_str("<p>");
            line(o, l);
            o.push_str("</p>");
        }
        Block::Note(l) => {
            o.push_str(r#"<p class="small muted">"#);
            line(o, l);
            o.push_str("</p>");
        }
        Block::List(items, _) => list(o, items),
        Block::Numbered(lines) => {
            o.push_str("<ol>");
            for l in lines {
                o.push_str("<li>");
                line(o, l);
                o.push_str(r#"<span class="lines"></span></li>"#);
            }
            o.push_str("</ol>");
        }
        Block::Table(t) => table(o, t),
        Block::Blank => {}
        Block::Title(t) => title(o, t),
        Block::Section(inner, class) => {
            match class {
                Some(c) => {
                    let _ = write!(o, r#"<section class="{c}">"#);
                }
                None => o.push_str("<section>"),
            }
            for b in inner {
                block(o, b);
            }
            o.push_str("</section>\n");
        }
        Block::Columns(cols) => {
            o.push_str(r#"<div class="cols">"#);
            for c in cols {
                o.push_str("<div>");
                for b in c {
                    block(o, b);
                }
                o.push_str("</div>");
            }
            o.push_str("</div>");
        }
        Block::Kpis(ks, _) => {
            o.push_str(r#"<div class="kpis">"#);
            for k in ks {
                let _ = write!(
                    o,
                    r#"<div class="kpi"><b>{}</b><span>{}</span></div>"#,
                    esc(&k.value),
                    esc(&k.label)
                );
            }
            o.push_str("</div>");
        }
        Block::People(ps) => {
            o.push_str(r#"<ul class="people">"#);
            for p in ps {
                let _ = write!(
                    o,
                    r#"<li><span class="dot" style="background:{}"></span>{}"#,
                    p.color,
                    esc(&p.name)
                );
                if let Some(r) = &p.role {
                    let _ = write!(o, r#" <span class="muted">{}</span>"#, esc(r));
                }
                o.push_str("</li>");
            }
            o.push_str("</ul>");
        }
        Block::Points(ps) => {
            o.push_str(r#"<ul class="points">"#);
            for (l, positive) in ps {
                o.push_str(if *positive {
                    r#"<li class="pos">"#
                } else {
                    "<li>"
                });
                line(o, l);
                o.push_str("</li>");
            }
            o.push_str("</ul>");
        }
        Block::Examples(es) => {
            for e in es {
                let _ = write!(
                    o,
                    r#"<div class="example">&#8220;{}&#8221;<div class="small muted">{}</div></div>"#,
                    esc(&e.quote),
                    esc(&e.source)
                );
            }
        }
        Block::Chart(c) => {
            let _ = write!(o, "<figure>{}", c.svg);
            if let Some(cap) = &c.caption {
                let _ = write!(o, "<figcaption>{}</figcaption>", esc(cap));
            }
            o.push_str("</figure>");
        }
        Block::Flags(fs) => {
            for f in fs {
                flag(o, f);
            }
        }
        Block::Footer(l) => {
            o.push_str("<footer>");
            line(o, l);
            o.push_str("</footer>\n");
        }
    }
}

/// The document as one self-contained HTML page in language `lang` (`nl`, `en`); the page
/// title is taken from the document's title block. `page` is CSS added after the style
/// sheet (an `@page` rule for a landscape page, say); may be empty.
pub fn to_html(d: &Document, lang: &str, capacity: usize, page: &str) -> String {
    let mut o = String::with_capacity(capacity);
    let page_title = d
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Title(t) if t.kind.is_empty() => Some(t.name.clone()),
            Block::Title(t) => Some(format!("{} \u{2013} {}", t.kind, t.name)),
            _ => None,
        })
        .unwrap_or_else(|| "Observant".into());
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"Observant {}\">\n<title>{}</title>\n<style>{CSS}{page}</style>\n</head>\n<body>\n<main>\n",
        esc(lang),
        env!("CARGO_PKG_VERSION"),
        esc(&page_title)
    );
    for b in &d.blocks {
        block(&mut o, b);
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}
