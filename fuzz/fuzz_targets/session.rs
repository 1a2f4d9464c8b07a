//! Fuzz target: a saved session folder (`session.json` + `journal.jsonl`) opened with
//! `Session::open`, replayed, analysed and reported (HTML, pseudonymised). Input: the
//! metadata, a NUL byte, the journal; without a NUL byte the whole input is the journal and
//! the metadata is a valid one.
//! The files go to a private temporary folder (one per process). Checks: no panic, errors
//! on one line.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::report::analysis_text::render_text;
use observant::analysis::session::analyze;
use observant::i18n::UiLang;
use observant::report::{self, ReportSource};
use observant::session::{JOURNAL_FILE, META_FILE, Session};

const META: &[u8] = br#"{"version":1,"title":"fuzz","created_unix":0,"participants":[{"name":"Anna","role":"facilitator"}],"method":"incident","language":"nl"}"#;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(|| PathBuf::from("/dev/shm"));
        let d = base.join(format!("observant-fuzz-session-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let (meta, journal) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (META, data),
    };
    let d = dir();
    std::fs::write(d.join(META_FILE), meta).expect("write meta");
    std::fs::write(d.join(JOURNAL_FILE), journal).expect("write journal");
    match Session::open(d) {
        Ok(s) => {
            let t = s.transcript();
            let analysis = analyze(&t, Classifier::shared(), &Config::default());
            let _ = render_text(&analysis, UiLang::En);
            let r = report::generate(
                ReportSource::from_session(&s),
                Classifier::shared(),
                &Config::default(),
                true,
            );
            let _ = report::to_html(&r, UiLang::Nl);
        }
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(!msg.contains('\n'), "multi-line error: {msg}");
        }
    }
});
