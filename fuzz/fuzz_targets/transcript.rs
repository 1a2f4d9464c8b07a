//! Fuzz target: transcript files (contract JSON, WebVTT, SRT) and the `--participants` list,
//! then the whole analysis, the exports and the HTML/Markdown report on whatever parses. The first byte picks the
//! parser; the rest is the file's bytes (through `decode_text`, as `load_transcript` does).
//! Checks: no panic, errors on one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::report::analysis_text::render_text;
use observant::analysis::session::analyze;
use observant::i18n::UiLang;
use observant::report::{self, ReportSource};
use observant::transcript::{export, parse};

fn one_line(e: &anyhow::Error) {
    let msg = format!("{e:#}");
    assert!(!msg.contains('\n'), "multi-line error: {msg}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let text = match parse::decode_text(body) {
        Ok(t) => t,
        Err(e) => return one_line(&e),
    };
    let parsed = match sel % 4 {
        0 => parse::parse_json(text),
        1 => parse::parse_vtt(text),
        2 => parse::parse_srt(text),
        _ => {
            match parse::parse_participants(text) {
                Ok(list) => {
                    let mut t = parse::parse_json(
                        r#"{"utterances":[{"speaker":"Anna","start":0,"end":1,"text":"Hoi"}]}"#,
                    )
                    .expect("fixed transcript parses");
                    parse::apply_participants(&mut t, &list);
                }
                Err(e) => one_line(&e),
            }
            return;
        }
    };
    let mut t = match parsed {
        Ok(t) => t,
        Err(e) => return one_line(&e),
    };
    if let Err(e) = parse::check_method(&t) {
        one_line(&e);
    }
    if let Err(e) = parse::apply_method(&mut t, "incident") {
        one_line(&e);
    }
    let analysis = analyze(&t, Classifier::shared(), &Config::default());
    let _ = render_text(&analysis, UiLang::Nl);
    let _ = (export::to_vtt(&t), export::to_srt(&t), export::to_json(&t));
    let r = report::generate(
        ReportSource::from_transcript(t, "fuzz"),
        Classifier::shared(),
        &Config::default(),
        sel & 0x80 != 0,
    );
    let _ = (
        report::to_html(&r, UiLang::Nl),
        report::to_markdown(&r, UiLang::En),
    );
});
