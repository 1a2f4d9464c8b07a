//! One setup path (issue #15, item 2): a cue word, a rule setting and a numeric threshold
//! from ONE configuration file change the result of every entry point: `analyze`, `report`,
//! `progress`, `listen` (CLI, the last on a 5 s real-speech clip with the bundled model), the
//! review service, its progress view and the scripted live session the GUI tests use.

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

/// The cue word with a long-monologue limit of 2 s (the default is 90 s): A's 3 s line is one.
const SHORT: &str =
    "[long_monologue]\nmax_seconds = 2.0\n\n[lang.nl.patterns]\nadvice = [\"streep eronder\"]\n";

struct Files {
    _dir: tempfile::TempDir,
    transcript: PathBuf,
    cue: PathBuf,
    cue_off: PathBuf,
    short: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("tempdir");
    let transcript = dir.path().join("t.json");
    std::fs::write(&transcript, TRANSCRIPT).expect("write");
    let cue = dir.path().join("cue.toml");
    std::fs::write(&cue, CUE).expect("write");
    let cue_off = dir.path().join("cue-off.toml");
    std::fs::write(&cue_off, CUE_OFF).expect("write");
    let short = dir.path().join("short.toml");
    std::fs::write(&short, SHORT).expect("write");
    Files {
        _dir: dir,
        transcript,
        cue,
        cue_off,
        short,
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
    kind_in_json(text, "advice")
}

fn kind_in_json(text: &str, kind: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(text).expect("json");
    v["flags"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["kind"] == kind).count())
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
    // The threshold: no monologue under the default limit, one under the file's 2 s.
    assert_eq!(kind_in_json(&cue, "long_monologue"), 0);
    let short = run(&["analyze", t, "--format", "json", "--config", p(&f.short)]);
    assert_eq!(kind_in_json(&short, "long_monologue"), 1);
    assert_eq!(advice_in_json(&short), 1);
}

/// `listen` on a real 5 s clip ("Waar zie je die wieg?", 1.6 s of speech) with the bundled
/// model: the file's cue word ("waar" as a why-word) and its monologue limit (1 s) each flag it.
#[test]
fn listen_takes_cue_word_and_threshold_from_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("listen.toml");
    std::fs::write(
        &config,
        "[long_monologue]\nmax_seconds = 1.0\n\n[lang.nl.patterns]\nwhy = [\"waar\"]\n",
    )
    .expect("write");
    let clip =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/nl-cabin1-clip.wav");
    let listen = |extra: &[&str]| -> (usize, usize) {
        let mut args = vec![
            "listen",
            "--input-file",
            p(&clip),
            "--lang",
            "nl",
            "--threads",
            "2",
        ];
        args.extend_from_slice(extra);
        let out = run(&args);
        let flags: Vec<serde_json::Value> = out
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["type"] == "flag")
            .collect();
        let n = |kind: &str| flags.iter().filter(|f| f["kind"] == kind).count();
        (n("why_question"), n("long_monologue"))
    };
    assert_eq!(listen(&[]), (0, 0), "no flags without the file");
    assert_eq!(
        listen(&["--config", p(&config)]),
        (1, 1),
        "cue word and threshold"
    );
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
        let short = run(&[cmd, t, "--format", format, "--config", p(&f.short)]);
        assert_ne!(cue, short, "{cmd}: the threshold changes the result");
    }
}

fn review_advice(setup: AnalysisSetup) -> usize {
    review_count(setup, FlagKind::Advice)
}

fn review_count(setup: AnalysisSetup, kind: FlagKind) -> usize {
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
    d.analysis.flags.iter().filter(|f| f.kind == kind).count()
}

#[test]
fn review_takes_cue_word_and_rule_from_one_file() {
    let f = files();
    assert_eq!(review_advice(AnalysisSetup::default()), 0);
    assert_eq!(review_advice(setup(&f.cue)), 1);
    assert_eq!(review_advice(setup(&f.cue_off)), 0);
    assert_eq!(review_count(setup(&f.cue), FlagKind::LongMonologue), 0);
    assert_eq!(review_count(setup(&f.short), FlagKind::LongMonologue), 1);
}

fn scripted_advice(setup: AnalysisSetup) -> usize {
    scripted_count(setup, FlagKind::Advice)
}

fn scripted_count(setup: AnalysisSetup, kind: FlagKind) -> usize {
    let t = observant::transcript::parse::load_transcript(&files().transcript).expect("load");
    let h = ScriptedPipeline::new(t).instant().setup(setup).start();
    let mut n = 0;
    while let Ok(e) = h.events.recv_timeout(Duration::from_secs(5)) {
        match e {
            Event::Flag { flag, .. } if flag.kind == kind => n += 1,
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
    assert_eq!(scripted_count(setup(&f.cue), FlagKind::LongMonologue), 0);
    assert_eq!(scripted_count(setup(&f.short), FlagKind::LongMonologue), 1);
}
