//! The small document model every textual output is built as, and its Markdown and plain-text
//! renderers: a [`Document`] is a list of [`Block`]s (headings, paragraphs, lists with quotes,
//! numbered lists, tables) made of [`Inline`] runs (plain, strong, emphasised, code). The
//! builders (the process-evaluation report, the analysis summary of `observant analyze`) say
//! *what* is written; the renderers here say *how* it looks, and do all the escaping.
//!
//! Layout rules of the Markdown renderer: every block ends with a line break and blocks are
//! separated by one empty line ([`Block::Blank`] adds one more). The plain-text renderer
//! writes no empty lines except before a heading of level 2 or deeper, indents lists and
//! tables by two spaces and pads table columns.

use std::fmt::Write as _;

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

/// A table with a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<Line>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<Line>>,
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

fn md_line(o: &mut String, line: &[Inline]) {
    for run in line {
        match run {
            Inline::Text(s) => o.push_str(&md_escape(s)),
            Inline::Strong(s) => {
                let _ = write!(o, "**{}**", md_escape(s));
            }
            Inline::Em(s) => {
                let _ = write!(o, "_{}_", md_escape(s));
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
            if !plain(c).is_empty() {
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

/// The document as Markdown.
pub fn to_markdown(d: &Document, capacity: usize) -> String {
    let mut o = String::with_capacity(capacity);
    for (k, b) in d.blocks.iter().enumerate() {
        if k > 0 {
            o.push('\n');
        }
        match b {
            Block::Heading(level, line) => {
                o.push_str(&"#".repeat(usize::from(*level)));
                o.push(' ');
                md_line(&mut o, line);
                o.push('\n');
            }
            Block::Paragraph(line) => {
                md_line(&mut o, line);
                o.push('\n');
            }
            Block::List(items, style) => md_list(&mut o, items, *style),
            Block::Numbered(lines) => {
                for (n, l) in lines.iter().enumerate() {
                    let _ = write!(o, "{}. ", n + 1);
                    md_line(&mut o, l);
                    o.push('\n');
                }
            }
            Block::Table(t) => md_table(&mut o, t),
            Block::Blank => {}
        }
    }
    o
}

/// A line as plain text, styles dropped.
pub fn plain(line: &[Inline]) -> String {
    let mut o = String::new();
    for run in line {
        match run {
            Inline::Text(s) | Inline::Strong(s) | Inline::Em(s) | Inline::Code(s) => o.push_str(s),
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

/// The document as plain text for a terminal.
pub fn to_text(d: &Document) -> String {
    let mut o = String::new();
    for (k, b) in d.blocks.iter().enumerate() {
        match b {
            Block::Heading(level, line) => {
                if k > 0 && *level > 1 {
                    o.push('\n');
                }
                let _ = writeln!(o, "{}", plain(line));
            }
            Block::Paragraph(line) => {
                let _ = writeln!(o, "{}", plain(line));
            }
            Block::List(items, _) => {
                for it in items {
                    let _ = writeln!(o, "  {}", plain(&it.line));
                    for d in it.details.iter().chain(&it.quotes) {
                        let _ = writeln!(o, "      {}", plain(d));
                    }
                }
            }
            Block::Numbered(lines) => {
                for (n, l) in lines.iter().enumerate() {
                    let _ = writeln!(o, "  {}. {}", n + 1, plain(l));
                }
            }
            Block::Table(t) => text_table(&mut o, t),
            Block::Blank => o.push('\n'),
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
}
