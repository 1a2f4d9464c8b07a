//! `observant classify`: reads utterances from stdin, one per line, and writes one JSON
//! object per input line to stdout, in the same order (`shared/contract.md`).
//!
//! Fields: `text`, `question` (`open`/`closed`/`none`), `why`, `advice` (contract), plus
//! `questions`, `category`, `focus`, `not_i`, `generality`, `corrective`, `contradiction`,
//! `lang`, `confidence`, `cues` (the words that triggered the labels) and `evidence`
//! (label + cue pairs). An empty line gives an object with `question: "none"`. Input that
//! is not UTF-8 stops with a one-line error naming the line; a closed stdout (e.g. piping
//! into `head`) ends the command quietly.

use std::io::{self, BufRead, BufWriter, Write};

use anyhow::Context;
use serde::Serialize;

use super::ClassifyArgs;
use crate::analysis::classify::Classifier;
use crate::analysis::{
    Classification, Evidence, Lang, LangHint, QuestionCategory, QuestionFocus, QuestionType,
};

/// One output line.
#[derive(Serialize)]
struct Out<'a> {
    text: &'a str,
    question: QuestionType,
    why: bool,
    advice: bool,
    questions: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<QuestionCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    focus: Option<QuestionFocus>,
    not_i: bool,
    generality: bool,
    corrective: bool,
    contradiction: bool,
    lang: Lang,
    confidence: f32,
    cues: Vec<&'a str>,
    evidence: &'a [Evidence],
}

impl<'a> Out<'a> {
    fn new(text: &'a str, c: &'a Classification) -> Out<'a> {
        let mut cues: Vec<&str> = Vec::with_capacity(c.evidence.len());
        for e in &c.evidence {
            if e.label != "category" && !cues.contains(&e.cue.as_str()) {
                cues.push(&e.cue);
            }
        }
        Out {
            text,
            question: c.question,
            why: c.why,
            advice: c.advice,
            questions: c.questions,
            category: c.category,
            focus: c.focus,
            not_i: c.not_i,
            generality: c.generality,
            corrective: c.corrective,
            contradiction: c.contradiction,
            lang: c.lang,
            confidence: c.confidence,
            cues,
            evidence: &c.evidence,
        }
    }
}

/// Runs the command on the process's stdin/stdout.
pub fn run(a: &ClassifyArgs) -> anyhow::Result<()> {
    let classifier = match &a.config {
        Some(path) => crate::setup::classifier_with_file(path)?,
        None => Classifier::new(),
    };
    let stdin = io::stdin();
    let stdout = io::stdout();
    let result = classify_stream(&classifier, a.lang.hint(), stdin.lock(), stdout.lock());
    match result {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Classifies every line of `input` and writes one JSON object per line to `output`.
pub fn classify_stream<R: BufRead, W: Write>(
    classifier: &Classifier,
    hint: LangHint,
    mut input: R,
    output: W,
) -> anyhow::Result<()> {
    let mut out = BufWriter::with_capacity(64 * 1024, output);
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .context("cannot read stdin")?;
        if n == 0 {
            break;
        }
        line_no += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t,
            Err(e) => {
                // Whatever was classified so far is still delivered.
                out.flush().ok();
                anyhow::bail!(
                    "line {line_no}: invalid UTF-8 (byte {} of the line); input must be UTF-8 text",
                    e.valid_up_to() + 1
                );
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let c = classifier.classify(text, hint);
        serde_json::to_writer(&mut out, &Out::new(text, &c)).map_err(io::Error::from)?;
        out.write_all(b"\n")?;
        // Keep interactive use responsive: flush when no more input is buffered.
        if input.fill_buf().map(|b| b.is_empty()).unwrap_or(true) {
            out.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(input: &[u8]) -> (anyhow::Result<()>, String) {
        let mut out = Vec::new();
        let r = classify_stream(Classifier::shared(), LangHint::Auto, input, &mut out);
        (r, String::from_utf8(out).unwrap())
    }

    #[test]
    fn one_object_per_line_in_order() {
        let (r, out) = run_on(b"Waarom deed je dat?\n\nheb je het gemeld\r\nyou should call her");
        r.unwrap();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["text"], "Waarom deed je dat?");
        assert_eq!(lines[0]["question"], "open");
        assert_eq!(lines[0]["why"], true);
        assert_eq!(lines[1]["text"], "");
        assert_eq!(lines[1]["question"], "none");
        assert_eq!(lines[2]["question"], "closed");
        assert_eq!(lines[3]["advice"], true);
        assert_eq!(lines[3]["lang"], "en");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let (r, out) = run_on(b"ok\nwat \xff\xfe nu\n");
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("line 2"), "{msg}");
        assert_eq!(out.lines().count(), 1);
    }
}
