//! Fuzz target: the TOML a trainer writes: `--config` (`Config::from_toml_str`, with its
//! range checks) and extra language data (`lang::parse_extra`, `LangData::parse`, then a
//! classifier built from it and run on one sentence). The first byte picks the parser.
//! Checks: no panic, errors on one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use observant::analysis::LangHint;
use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::analysis::lang::{LangData, parse_extra};

fn one_line(msg: &str) {
    assert!(!msg.contains('\n'), "multi-line error: {msg}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    match sel % 3 {
        0 => match Config::from_toml_str(text) {
            Ok(cfg) => {
                for n in 0..10 {
                    let _ = cfg.dominance_threshold(n);
                }
            }
            Err(e) => one_line(&e),
        },
        1 => match parse_extra(text) {
            Ok(extra) => match Classifier::with_extra(extra) {
                Ok(c) => {
                    let _ = c.classify("Waarom heb je dat niet eerder gezegd?", LangHint::Auto);
                }
                Err(e) => one_line(&format!("{e:#}")),
            },
            Err(e) => one_line(&format!("{e:#}")),
        },
        _ => {
            if let Err(e) = LangData::parse(text) {
                one_line(&format!("{e:#}"));
            }
        }
    }
});
