//! One setup path (issue #15, item 2): a cue word and a rule setting from ONE configuration
//! file change the result of every entry point: `analyze`, `report`, `progress` (CLI), the
//! review service, its progress view and the scripted live session the GUI tests use.
//! (`listen` resolves through the same `cli::analyze::analysis_setup`; it needs a Whisper
//! model and is not run here.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use observant::analysis::FlagKind;
use observant::analysis::setup::AnalysisSetup;
use observant::i18n::UiLang;
use observant::pipeline::events::Event;
use observant::pipeline::scripted::ScriptedPipeline;

const TRANSCRIPT: &str = r#"{"participants": [{"name": "A", "role": "deelnemer"}, {"name": "B", "role": "inbrenger"}],
    "utterances": [{"start": 0, "end": 3, "speaker": "A", "text": "Een streep eronder, klaar."}]}"#;

/// The cue word alone; the cue word with advice switched off.
const CUE: &str = "[lang.nl.patterns]\nadvice = [\"streep eronder\"]\n";
const CUE_OFF: &str =
    "[advice]\nenabled = false\n\n[lang.nl.patterns]\nadvice = [\"streep eronder\"]\n";

struct Files {
    _dir: tempfile::TempDir,
    transcript: PathBuf,
    cue: PathBuf,
    cue_off: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("tempdir");
    let transcript = dir.path().join("t.json");
    std::fs::write(&transcript, TRANSCRIPT).expect("write");
    let cue = dir.path().join("cue.toml");
    std::fs::write(&cue, CUE).expect("write");
    let cue_off = dir.path().join("cue-off.toml");
    std::fs::write(&cue_off, CUE_OFF).expect("write");
    Files {
        _dir: dir,
        transcript,
        cue,
        cue_off,
    }
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_observant"))
        .args(args)
        .env("OBSERVANT_SETTINGS", "/nonexistent/settings.toml")
        .output()
        .expect("run observant");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap_or("")
}

fn setup(path: &Path) -> AnalysisSetup {
    observant::setup::resolve(Some(path), UiLang::Nl).expect("setup")
}

fn advice_in_json(text: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(text).expect("json");
    v["flags"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["kind"] == "advice").count())
        .unwrap_or(0)
}

#[test]
fn analyze_takes_cue_word_and_rule_from_one_file() {
    let f = files();
    let t = p(&f.transcript);
    assert_eq!(advice_in_json(&run(&["analyze", t, "--format", "json"])), 0);
    let cue = run(&["analyze", t, "--format", "json", "--config", p(&f.cue)]);
    assert_eq!(advice_in_json(&cue), 1);
    let off = run(&["analyze", t, "--format", "json", "--config", p(&f.cue_off)]);
    assert_eq!(advice_in_json(&off), 0);
}

#[test]
fn report_and_progress_take_cue_word_and_rule_from_one_file() {
    let f = files();
    let t = p(&f.transcript);
    for cmd in ["report", "progress"] {
        let format = if cmd == "report" { "md" } else { "json" };
        let plain = run(&[cmd, t, "--format", format]);
        let cue = run(&[cmd, t, "--format", format, "--config", p(&f.cue)]);
        let off = run(&[cmd, t, "--format", format, "--config", p(&f.cue_off)]);
        assert_ne!(plain, cue, "{cmd}: the cue word changes the result");
        assert_ne!(cue, off, "{cmd}: the rule setting changes the result");
    }
}

fn review_advice(setup: AnalysisSetup) -> usize {
    let t = observant::transcript::parse::load_transcript(&files().transcript).expect("load");
    let d = observant::review::ReviewDoc::new(
        observant::review::Origin::Unsaved("t".into()),
        "t".into(),
        t,
        observant::review::History::default(),
        None,
        UiLang::Nl,
    )
    .with_setup(setup);
    d.analysis
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::Advice)
        .count()
}

#[test]
fn review_takes_cue_word_and_rule_from_one_file() {
    let f = files();
    assert_eq!(review_advice(AnalysisSetup::default()), 0);
    assert_eq!(review_advice(setup(&f.cue)), 1);
    assert_eq!(review_advice(setup(&f.cue_off)), 0);
}

fn scripted_advice(setup: AnalysisSetup) -> usize {
    let t = observant::transcript::parse::load_transcript(&files().transcript).expect("load");
    let h = ScriptedPipeline::new(t).instant().setup(setup).start();
    let mut n = 0;
    while let Ok(e) = h.events.recv_timeout(Duration::from_secs(5)) {
        match e {
            Event::Flag { flag, .. } if flag.kind == FlagKind::Advice => n += 1,
            Event::Stopped { .. } => break,
            _ => {}
        }
    }
    n
}

#[test]
fn scripted_session_takes_cue_word_and_rule_from_one_file() {
    let f = files();
    assert_eq!(scripted_advice(AnalysisSetup::default()), 0);
    assert_eq!(scripted_advice(setup(&f.cue)), 1);
    assert_eq!(scripted_advice(setup(&f.cue_off)), 0);
}
