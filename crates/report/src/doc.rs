//! The small document model every textual output is built as, and its Markdown and plain-text
//! renderers (the HTML renderer is [`html`]): a [`Document`] is a list of [`Block`]s
//! (headings, paragraphs, lists with quotes, numbered lists, tables, and the richer kinds a
//! report needs: a title block, sections and columns, key figures, participants, feedback
//! points, good examples, charts, flags) made of [`Inline`] runs (plain, strong, emphasised,
//! code, secondary text, badges). The builders (the process-evaluation report, the analysis
//! summary of `observant analyze`) say *what* is written; the renderers say *how* it looks,
//! and do all the escaping.
//!
//! Layout rules of the Markdown renderer: every block ends with a line break and blocks are
//! separated by one empty line ([`Block::Blank`] adds one more); sections and columns are
//! written one after the other, a chart as its text bars (nothing when it has none). The
//! plain-text renderer writes no empty lines except before a heading of level 2 or deeper,
//! indents lists and tables by two spaces and pads table columns.

pub mod html;

use std::fmt::Write as _;

use observant_analysis::FlagKind;

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Ordinary text (escaped for Markdown).
    Text(String),
    /// Bold text.
    Strong(String),
    /// Italic text.
    Em(String),
    /// Code (for Markdown: between backticks, not escaped).
    Code(String),
    /// Secondary text (a time before a note, a role beside a name): greyed in HTML, plain
    /// elsewhere.
    Muted(String),
    /// A short status word (confirmed, over time): a coloured badge in HTML; in Markdown
    /// bold for [`Tone::Warn`], otherwise emphasised.
    Badge(String, Tone),
}

/// The tone of a badge or a feedback point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Good,
    Warn,
}

/// One line of styled runs.
pub type Line = Vec<Inline>;

/// Plain text as a line.
pub fn text(s: impl Into<String>) -> Line {
    vec![Inline::Text(s.into())]
}

/// How the quotes under a list item are laid out in Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteStyle {
    /// One `> ` line per quote right under the item, each ending in a hard line break.
    Lines,
    /// One block quote after an empty line, the quotes as its paragraphs.
    Paragraphs,
}

/// A list item: its line, the detail lines under it (plain text only) and its quotes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item {
    pub line: Line,
    pub details: Vec<Line>,
    pub quotes: Vec<Line>,
}

impl Item {
    /// An item of one line.
    pub fn new(line: Line) -> Self {
        Item {
            line,
            ..Default::default()
        }
    }
}

/// Column alignment of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// How a table is set in HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableStyle {
    /// Ordinary rows.
    #[default]
    Plain,
    /// The last row is a total (set apart).
    Total,
    /// Small print (a list of further items).
    Compact,
}

/// A table with a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<Line>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<Line>>,
    pub style: TableStyle,
}

/// The title block of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Title {
    /// What the document is ("Procesevaluatie"): before the name in Markdown and in the
    /// HTML page title.
    pub kind: String,
    /// The line above the title in HTML ("Observant · ...").
    pub kicker: String,
    /// The document's own name.
    pub name: String,
    /// Facts under the title (date, duration, ...), joined with middle dots.
    pub facts: Vec<Line>,
    /// A note under the facts (confidentiality); may be empty.
    pub note: Line,
}

/// A key figure: a value and what it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub value: String,
    pub label: String,
}

/// A participant: a name, the role when the name does not already say it, and a colour
/// (`#rrggbb`, the role's colour in the charts).
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub name: String,
    pub role: Option<String>,
    pub color: &'static str,
}

/// A good example: a quote and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub quote: String,
    pub source: String,
}

/// One bar of a chart's text form: a label, a fraction in 0..1 and the value as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub value: String,
}

/// A chart: the drawn form (inline SVG, for HTML) and the text form (bars, for Markdown
/// and text; none when the chart only pictures a table next to it).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub svg: String,
    pub caption: Option<String>,
    pub bars: Vec<Bar>,
}

/// A quote under a flag.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub time: String,
    /// Shown when a flag quotes several people.
    pub speaker: Option<String>,
    pub text: String,
}

/// A flag of the analysis as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagEntry {
    /// Its kind (the colour of its block in HTML).
    pub kind: FlagKind,
    /// When (a time or a span).
    pub when: String,
    /// The kind in words.
    pub label: String,
    /// Who to whom; may be empty.
    pub who: String,
    /// Confirmed in review, uncertain recognition.
    pub badges: Vec<(String, Tone)>,
    pub message: String,
    /// The evidence with its label ("signaal", the cue words).
    pub evidence: Option<(String, String)>,
    pub quotes: Vec<Quote>,
}

/// A block of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1 (the title) to 3.
    Heading(u8, Line),
    /// A paragraph (one line).
    Paragraph(Line),
    /// A bulleted list.
    List(Vec<Item>, QuoteStyle),
    /// A numbered list.
    Numbered(Vec<Line>),
    /// A table.
    Table(Table),
    /// One more empty line.
    Blank,
    /// The title block.
    Title(Title),
    /// A section of the document (an HTML `<section>`, with a CSS class when given).
    Section(Vec<Block>, Option<&'static str>),
    /// Blocks side by side in HTML, one after the other elsewhere.
    Columns(Vec<Vec<Block>>),
    /// Small print explaining a chart or table, or saying that a list is empty.
    Note(Line),
    /// Key figures: tiles in HTML; in Markdown and text their sentence form (list items)
    /// when given, else the figures on one line.
    Kpis(Vec<Kpi>, Vec<Line>),
    /// The participants.
    People(Vec<Person>),
    /// Feedback points; `true` for a positive one.
    Points(Vec<(Line, bool)>),
    /// Good examples.
    Examples(Vec<Example>),
    /// A chart.
    Chart(Chart),
    /// Flags in full.
    Flags(Vec<FlagEntry>),
    /// The closing line.
    Footer(Line),
}

/// A document: blocks in reading order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub blocks: Vec<Block>,
}

impl Document {
    /// Adds a block.
    pub fn push(&mut self, b: Block) {
        self.blocks.push(b);
    }

    /// Adds a heading.
    pub fn heading(&mut self, level: u8, line: Line) {
        self.blocks.push(Block::Heading(level, line));
    }

    /// Adds a paragraph of plain text.
    pub fn paragraph(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text(s)));
    }

    /// Adds a bulleted list (quotes as lines), unless it is empty.
    pub fn list(&mut self, items: Vec<Item>) {
        if !items.is_empty() {
            self.blocks.push(Block::List(items, QuoteStyle::Lines));
        }
    }
}

/// Escapes text for a Markdown table cell or line: no pipes, no line breaks, no markup.
pub fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    md_escape_into(&mut o, s);
    o
}

/// [`md_escape`] appended to `o`, copying the runs between special characters in one piece.
pub fn md_escape_into(o: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'\n' | b'\r' => " ",
            b'|' => "\\|",
            b'*' => "\\*",
            b'_' => "\\_",
            b'`' => "\\`",
            b'[' => "\\[",
            b']' => "\\]",
            b'<' => "\\<",
            b'>' => "\\>",
            b'#' => "\\#",
            b'\\' => "\\\\",
            _ => continue,
        };
        o.push_str(&s[last..i]);
        o.push_str(rep);
        last = i + 1;
    }
    o.push_str(&s[last..]);
}

fn md_line(o: &mut String, line: &[Inline]) {
    for run in line {
        match run {
            Inline::Text(s) | Inline::Muted(s) => md_escape_into(o, s),
            Inline::Strong(s) | Inline::Badge(s, Tone::Warn) => {
                o.push_str("**");
                md_escape_into(o, s);
                o.push_str("**");
            }
            Inline::Em(s) | Inline::Badge(s, _) => {
                o.push('_');
                md_escape_into(o, s);
                o.push('_');
            }
            Inline::Code(s) => {
                let _ = write!(o, "`{s}`");
            }
        }
    }
}

fn md_list(o: &mut String, items: &[Item], style: QuoteStyle) {
    for it in items {
        o.push_str("- ");
        md_line(o, &it.line);
        o.push('\n');
        match style {
            QuoteStyle::Lines => {
                for q in &it.quotes {
                    o.push_str("  > ");
                    md_line(o, q);
                    o.push_str("  \n");
                }
            }
            QuoteStyle::Paragraphs if !it.quotes.is_empty() => {
                o.push('\n');
                for (k, q) in it.quotes.iter().enumerate() {
                    if k > 0 {
                        o.push_str("  >\n");
                    }
                    o.push_str("  > ");
                    md_line(o, q);
                    o.push('\n');
                }
                o.push('\n');
            }
            QuoteStyle::Paragraphs => {}
        }
    }
}

fn md_table(o: &mut String, t: &Table) {
    let row = |o: &mut String, cells: &[Line]| {
        o.push('|');
        for c in cells {
            if !is_empty(c) {
                o.push(' ');
                md_line(o, c);
            }
            o.push_str(" |");
        }
        o.push('\n');
    };
    row(o, &t.header);
    o.push('|');
    for a in &t.align {
        o.push_str(match a {
            Align::Left => "---|",
            Align::Right => "---:|",
        });
    }
    o.push('\n');
    for r in &t.rows {
        row(o, r);
    }
}

/// Whether a block has a text form beyond a heading (a chart without bars has none).
fn shows_in_text(b: &Block) -> bool {
    match b {
        Block::Heading(..) | Block::Blank => false,
        Block::Chart(c) => !c.bars.is_empty(),
        _ => true,
    }
}

/// The blocks in reading order with sections and columns opened up; a section with nothing
/// but headings and charts without bars is left out.
fn flat(blocks: &[Block]) -> Vec<&Block> {
    let mut o = Vec::with_capacity(blocks.len());
    for b in blocks {
        match b {
            Block::Section(inner, _) => {
                let inner = flat(inner);
                if inner.iter().any(|b| shows_in_text(b)) {
                    o.extend(inner);
                }
            }
            Block::Columns(cols) => {
                for c in cols {
                    o.extend(flat(c));
                }
            }
            b => o.push(b),
        }
    }
    o
}

/// A text bar of `width` cells for a fraction in 0..1.
pub(crate) fn bar(x: f64, width: usize) -> String {
    let full = (x.clamp(0.0, 1.0) * width as f64).round() as usize;
    format!(
        "{}{}",
        "\u{2588}".repeat(full),
        "\u{2591}".repeat(width - full)
    )
}

/// A flag as a list item: its head line and its quotes.
fn flag_item(f: &FlagEntry) -> Item {
    let mut line = vec![Inline::Strong(format!("{} {}", f.when, f.label))];
    if !f.who.is_empty() {
        line.push(Inline::Text(format!(" ({})", f.who)));
    }
    for (b, tone) in &f.badges {
        line.extend([Inline::Text(" ".into()), Inline::Badge(b.clone(), *tone)]);
    }
    line.push(Inline::Text(format!(": {}", f.message)));
    if let Some((label, ev)) = &f.evidence {
        line.extend([
            Inline::Text(" ".into()),
            Inline::Em(format!("({label}: {ev})")),
        ]);
    }
    let quotes = f
        .quotes
        .iter()
        .map(|q| {
            let who = q
                .speaker
                .as_ref()
                .map(|s| format!("{s}: "))
                .unwrap_or_default();
            text(format!("{} {who}\u{201c}{}\u{201d}", q.time, q.text))
        })
        .collect();
    Item {
        line,
        details: Vec::new(),
        quotes,
    }
}

/// A flag as Markdown, written straight into `o`: the same text as [`flag_item`] through
/// [`md_list`] (a test holds them equal), without building the item first.
fn md_flag(o: &mut String, f: &FlagEntry) {
    o.push_str("- **");
    md_escape_into(o, &f.when);
    o.push(' ');
    md_escape_into(o, &f.label);
    o.push_str("**");
    if !f.who.is_empty() {
        o.push_str(" (");
        md_escape_into(o, &f.who);
        o.push(')');
    }
    for (b, tone) in &f.badges {
        let mark = if *tone == Tone::Warn { "**" } else { "_" };
        o.push(' ');
        o.push_str(mark);
        md_escape_into(o, b);
        o.push_str(mark);
    }
    o.push_str(": ");
    md_escape_into(o, &f.message);
    if let Some((label, ev)) = &f.evidence {
        o.push_str(" _(");
        md_escape_into(o, label);
        o.push_str(": ");
        md_escape_into(o, ev);
        o.push_str(")_");
    }
    o.push('\n');
    for q in &f.quotes {
        o.push_str("  > ");
        md_escape_into(o, &q.time);
        o.push(' ');
        if let Some(s) = &q.speaker {
            md_escape_into(o, s);
            o.push_str(": ");
        }
        o.push('\u{201c}');
        md_escape_into(o, &q.text);
        o.push_str("\u{201d}  \n");
    }
}

/// The one line key figures or participants read as in Markdown and text.
fn line_of(b: &Block) -> Option<Line> {
    match b {
        Block::Kpis(ks, sentences) if sentences.is_empty() => Some(
            ks.iter()
                .map(|k| {
                    vec![
                        Inline::Strong(k.value.clone()),
                        Inline::Text(format!(" {}", k.label)),
                    ]
                })
                .collect::<Vec<Line>>()
                .join(&Inline::Text(" \u{b7} ".into())),
        ),
        Block::People(ps) => Some(text(
            ps.iter()
                .map(|p| match &p.role {
                    Some(r) => format!("{} ({r})", p.name),
                    None => p.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        )),
        _ => None,
    }
}

/// The list items a block of the richer kinds reads as in Markdown and text.
fn items_of(b: &Block) -> Option<Vec<Item>> {
    let items = match b {
        Block::Kpis(_, sentences) => sentences.iter().cloned().map(Item::new).collect(),
        Block::Points(ps) => ps.iter().map(|(l, _)| Item::new(l.clone())).collect(),
        Block::Examples(es) => es
            .iter()
            .map(|e| {
                Item::new(text(format!(
                    "\u{201c}{}\u{201d} \u{2014} {}",
                    e.quote, e.source
                )))
            })
            .collect(),
        Block::Chart(c) => c
            .bars
            .iter()
            .map(|b| {
                Item::new(vec![
                    Inline::Code(bar(b.share, 20)),
                    Inline::Text(format!(" {} {}", b.label, b.value)),
                ])
            })
            .collect(),
        Block::Flags(fs) => fs.iter().map(flag_item).collect(),
        _ => return None,
    };
    Some(items)
}

fn md_block(o: &mut String, b: &Block) {
    if let Block::Flags(fs) = b {
        for f in fs {
            md_flag(o, f);
        }
        return;
    }
    if let Some(l) = line_of(b) {
        md_line(o, &l);
        o.push('\n');
        return;
    }
    if let Some(items) = items_of(b) {
        md_list(o, &items, QuoteStyle::Lines);
        return;
    }
    match b {
        Block::Heading(level, line) => {
            o.push_str(&"#".repeat(usize::from(*level)));
            o.push(' ');
            md_line(o, line);
            o.push('\n');
        }
        Block::Paragraph(line) | Block::Note(line) => {
            md_line(o, line);
            o.push('\n');
        }
        Block::Footer(line) => {
            o.push('_');
            o.push_str(&md_escape(&plain(line)));
            o.push_str("_\n");
        }
        Block::List(items, style) => md_list(o, items, *style),
        Block::Numbered(lines) => {
            for (n, l) in lines.iter().enumerate() {
                let _ = write!(o, "{}. ", n + 1);
                md_line(o, l);
                o.push('\n');
            }
        }
        Block::Table(t) => md_table(o, t),
        Block::Title(t) => {
            if t.kind.is_empty() {
                let _ = writeln!(o, "# {}", md_escape(&t.name));
            } else {
                let _ = writeln!(o, "# {}: {}", md_escape(&t.kind), md_escape(&t.name));
            }
            if !t.facts.is_empty() {
                o.push('\n');
                md_line(o, &t.facts.join(&Inline::Text(" \u{b7} ".into())));
                o.push('\n');
            }
            if !t.note.is_empty() {
                o.push('\n');
                md_line(o, &t.note);
                o.push('\n');
            }
        }
        _ => {}
    }
}

/// The document as Markdown.
pub fn to_markdown(d: &Document, capacity: usize) -> String {
    let mut o = String::with_capacity(capacity);
    let mut first = true;
    for b in flat(&d.blocks) {
        // Written in place; a block that writes nothing (other than a blank) is taken back.
        let mark = o.len();
        if !first {
            o.push('\n');
        }
        let start = o.len();
        md_block(&mut o, b);
        if o.len() == start && *b != Block::Blank {
            o.truncate(mark);
            continue;
        }
        first = false;
    }
    o
}

/// A line as plain text, styles dropped.
/// Whether a line has no text at all (without building it, as [`plain`] would).
fn is_empty(line: &[Inline]) -> bool {
    line.iter().all(|run| match run {
        Inline::Text(s)
        | Inline::Strong(s)
        | Inline::Em(s)
        | Inline::Code(s)
        | Inline::Muted(s)
        | Inline::Badge(s, _) => s.is_empty(),
    })
}

pub fn plain(line: &[Inline]) -> String {
    let mut o = String::new();
    for run in line {
        match run {
            Inline::Text(s)
            | Inline::Strong(s)
            | Inline::Em(s)
            | Inline::Code(s)
            | Inline::Muted(s)
            | Inline::Badge(s, _) => o.push_str(s),
        }
    }
    o
}

fn pad(s: &str, width: usize, align: Align) -> String {
    let n = s.chars().count();
    if n >= width {
        return s.to_string();
    }
    let fill = " ".repeat(width - n);
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

fn text_table(o: &mut String, t: &Table) {
    let rows: Vec<Vec<String>> = std::iter::once(&t.header)
        .chain(&t.rows)
        .map(|r| r.iter().map(|c| plain(c)).collect())
        .collect();
    let mut widths = vec![0usize; t.header.len()];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(k, c)| pad(c, widths[k], t.align.get(k).copied().unwrap_or(Align::Left)))
            .collect();
        let _ = writeln!(o, "  {}", cells.join("  ").trim_end());
    }
}

fn text_list(o: &mut String, items: &[Item]) {
    for it in items {
        let _ = writeln!(o, "  {}", plain(&it.line));
        for d in it.details.iter().chain(&it.quotes) {
            let _ = writeln!(o, "      {}", plain(d));
        }
    }
}

/// The document as plain text for a terminal.
pub fn to_text(d: &Document) -> String {
    let mut o = String::new();
    for (k, b) in flat(&d.blocks).into_iter().enumerate() {
        if let Some(l) = line_of(b) {
            let _ = writeln!(o, "{}", plain(&l));
            continue;
        }
        if let Some(items) = items_of(b) {
            text_list(&mut o, &items);
            continue;
        }
        match b {
            Block::Heading(level, line) => {
                if k > 0 && *level > 1 {
                    o.push('\n');
                }
                let _ = writeln!(o, "{}", plain(line));
            }
            Block::Paragraph(line) | Block::Note(line) | Block::Footer(line) => {
                let _ = writeln!(o, "{}", plain(line));
            }
            Block::List(items, _) => text_list(&mut o, items),
            Block::Numbered(lines) => {
                for (n, l) in lines.iter().enumerate() {
                    let _ = writeln!(o, "  {}. {}", n + 1, plain(l));
                }
            }
            Block::Table(t) => text_table(&mut o, t),
            Block::Blank => o.push('\n'),
            Block::Title(t) => {
                if t.kind.is_empty() {
                    let _ = writeln!(o, "{}", t.name);
                } else {
                    let _ = writeln!(o, "{}: {}", t.kind, t.name);
                }
                for l in t.facts.iter().chain([&t.note]).filter(|l| !l.is_empty()) {
                    let _ = writeln!(o, "{}", plain(l));
                }
            }
            _ => {}
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_text_of_one_document() {
        let mut d = Document::default();
        d.heading(1, text("Titel"));
        d.paragraph("a|b*c\nd");
        d.heading(2, text("Lijst"));
        d.list(vec![Item {
            line: vec![
                Inline::Strong("00:12".into()),
                Inline::Text(" tekst".into()),
            ],
            details: Vec::new(),
            quotes: vec![text("citaat")],
        }]);
        d.push(Block::Table(Table {
            header: vec![text("Naam"), text("Tijd")],
            align: vec![Align::Left, Align::Right],
            rows: vec![vec![text("Anna"), text("1:05")]],
            style: TableStyle::Plain,
        }));
        assert_eq!(
            to_markdown(&d, 0),
            "# Titel\n\na\\|b\\*c d\n\n## Lijst\n\n- **00:12** tekst\n  > citaat  \n\n\
             | Naam | Tijd |\n|---|---:|\n| Anna | 1:05 |\n"
        );
        assert_eq!(
            to_text(&d),
            "Titel\na|b*c\nd\n\nLijst\n  00:12 tekst\n      citaat\n  Naam  Tijd\n  Anna  1:05\n"
        );
    }

    #[test]
    fn a_flag_reads_the_same_written_directly_or_as_a_list_item() {
        let quote = |speaker: Option<&str>| Quote {
            time: "1:02:03".into(),
            speaker: speaker.map(Into::into),
            text: "Waarom *zo*? [echt] a|b".into(),
        };
        let mut f = FlagEntry {
            kind: FlagKind::WhyQuestion,
            when: "1:02:03\u{2013}1:02:09".into(),
            label: "Waarom-vraag".into(),
            who: "Anna_B \u{2192} Ben".into(),
            badges: vec![
                ("bevestigd".into(), Tone::Good),
                ("let op".into(), Tone::Warn),
                ("onzeker <?>".into(), Tone::Neutral),
            ],
            message: "Een # waarom-vraag\nmaakt \\ defensief.".into(),
            evidence: Some(("signaal".into(), "`waarom`".into())),
            quotes: vec![quote(Some("Anna")), quote(None)],
        };
        let via_item = |f: &FlagEntry| {
            let mut o = String::new();
            md_list(&mut o, &[flag_item(f)], QuoteStyle::Lines);
            o
        };
        let direct = |f: &FlagEntry| {
            let mut o = String::new();
            md_flag(&mut o, f);
            o
        };
        assert_eq!(direct(&f), via_item(&f));
        assert!(direct(&f).contains("\\_B"), "{}", direct(&f));
        f.who.clear();
        f.badges.clear();
        f.evidence = None;
        f.quotes.clear();
        assert_eq!(direct(&f), via_item(&f));
    }
}
