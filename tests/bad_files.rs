//! Every hostile file in `tests/fixtures/bad/` (hand-made ones, see
//! `scripts/make_bad_fixtures.py`, and the inputs fuzzing found in `fuzz/`) goes through its
//! parser in-process and through the CLI. For each: no panic, a one-line error or a correct
//! result, and a bounded time. `tests/cli_bad_input.rs` checks the exact messages of the
//! classic transcript mistakes and `tests/audio.rs` those of the broken WAV headers; this file
//! is the sweep over everything, plus the few files whose outcome is known exactly.
//!
//! Layout: `*.json|vtt|srt` transcripts, `*.toml` configurations, `audio/` recordings,
//! `sessions/NAME/` session folders, `fuzz/TARGET/` raw fuzzer inputs (first byte = the
//! target's selector, as in `fuzz/fuzz_targets/TARGET.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::analysis::lang;
use observant::analysis::session::analyze;
use observant::audio::AudioFile;
use observant::i18n::UiLang;
use observant::report::analysis_text::render_text;
use observant::report::{self, ReportSource};
use observant::session::Session;
use observant::transcript::Transcript;
use observant::transcript::parse::{self, load_transcript};

/// Longest one file may take in-process (debug build, busy 2-core machine).
const IN_PROCESS_LIMIT: Duration = Duration::from_secs(10);
/// Longest one CLI run may take (a recording that decodes is transcribed by Whisper).
const CLI_LIMIT: Duration = Duration::from_secs(120);

fn bad_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| p.file_name().is_none_or(|n| n != "README.md"))
        .collect();
    v.sort();
    v
}

fn dirs_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn ext(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// An error must be one line (Dutch and English on it), never a debug dump.
fn check_error(what: &Path, e: &anyhow::Error) -> String {
    let msg = format!("{e:#}");
    assert!(
        !msg.contains('\n') && !msg.trim().is_empty(),
        "{}: error not on one line: {msg:?}",
        what.display()
    );
    msg
}

fn timed<T>(what: &Path, f: impl FnOnce() -> T) -> T {
    let t0 = Instant::now();
    let out = f();
    let took = t0.elapsed();
    assert!(
        took < IN_PROCESS_LIMIT,
        "{}: took {took:?} in-process",
        what.display()
    );
    out
}

/// Analyses a parsed transcript and renders it as text and as the HTML report (hostile times
/// must not hang the analysis or the charts).
fn analyse(t: &Transcript) {
    let a = analyze(t, Classifier::shared(), &Config::default());
    let _ = render_text(&a, UiLang::Nl);
    let r = report::generate(
        ReportSource::from_transcript(t.clone(), "bad"),
        Classifier::shared(),
        &Config::default(),
        false,
    );
    let _ = report::to_html(&r, UiLang::Nl);
}

/// Outcome of one parse: Ok(number of utterances / samples) or the one-line error.
type Outcome = Result<usize, String>;

fn transcript_outcome(p: &Path) -> Outcome {
    match load_transcript(p) {
        Ok(t) => {
            analyse(&t);
            Ok(t.utterances.len())
        }
        Err(e) => Err(check_error(p, &e)),
    }
}

fn config_outcome(p: &Path) -> Outcome {
    let cfg = observant::setup::resolve(Some(p), observant::i18n::UiLang::Nl)
        .map_err(|e| check_error(p, &e));
    if let Err(e) = observant::setup::extra_lang_file(p) {
        check_error(p, &e);
    }
    cfg.map(|_| 0)
}

/// Decodes the whole file; Ok(16 kHz samples).
fn audio_outcome(name: &Path, f: impl FnOnce() -> anyhow::Result<AudioFile>) -> Outcome {
    let mut file = f().map_err(|e| check_error(name, &e))?;
    let mut chunk = Vec::new();
    let mut total = 0;
    loop {
        match file.read_chunk(&mut chunk) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                assert!(chunk.iter().all(|s| s.is_finite()), "{}", name.display());
                total += n;
                assert!(
                    total < 16_000 * 3600,
                    "{}: more than an hour of audio",
                    name.display()
                );
            }
            Err(e) => return Err(check_error(name, &e)),
        }
    }
}

fn session_outcome(dir: &Path) -> Outcome {
    match Session::open(dir) {
        Ok(s) => {
            analyse(&s.transcript());
            Ok(s.utterances.len())
        }
        Err(e) => Err(check_error(dir, &e)),
    }
}

/// Runs the CLI with a time limit; checks: no panic; failure = non-zero exit and exactly one
/// line on stderr. Returns whether it succeeded.
fn cli(args: &[&str]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_observant"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("OBSERVANT_SESSIONS", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run observant");
    let stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let mut pipe = stderr_pipe;
        std::io::Read::read_to_string(&mut pipe, &mut s).ok();
        s
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed() > CLI_LIMIT {
            child.kill().ok();
            child.wait().ok();
            panic!("observant {args:?} took more than {CLI_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "observant {args:?} panicked: {stderr}"
    );
    assert!(
        status.code().is_some(),
        "observant {args:?} killed by a signal: {status:?}"
    );
    if !status.success() {
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            lines.len(),
            1,
            "observant {args:?}: expected one line on stderr, got: {stderr}"
        );
    }
    status.success()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn transcripts_and_configs_in_process() {
    let mut seen = 0;
    for p in files_in(&bad_dir()) {
        let _ = match ext(&p).as_str() {
            "json" | "vtt" | "srt" => timed(&p, || transcript_outcome(&p)),
            "toml" => timed(&p, || config_outcome(&p)),
            other => panic!("{}: unexpected extension {other:?}", p.display()),
        };
        seen += 1;
    }
    assert!(seen >= 30, "only {seen} files");
}

#[test]
fn transcripts_and_configs_through_the_cli() {
    let good = bad_dir().join("good.json");
    for p in files_in(&bad_dir()) {
        match ext(&p).as_str() {
            "json" | "vtt" | "srt" => {
                cli(&["analyze", s(&p), "--format", "json"]);
                cli(&["report", s(&p)]);
            }
            "toml" => {
                cli(&["analyze", s(&good), "--config", s(&p)]);
            }
            _ => {}
        }
    }
}

#[test]
fn known_outcomes() {
    let bad = bad_dir();
    let t = |name: &str| transcript_outcome(&bad.join(name));
    // Byte-order marks and Windows/old-Mac line ends are normal files.
    assert_eq!(t("bom.json"), Ok(2));
    assert_eq!(t("crlf.vtt"), Ok(2));
    assert_eq!(t("bom-crlf.srt"), Ok(2));
    // Hostile structure: a clear error, no stack overflow.
    for (name, words) in [
        ("deeply-nested.json", "json"),
        ("deeply-nested-object.json", "json"),
        ("utf16.json", "UTF-16"),
        ("number-overflow.json", "json"),
    ] {
        let e = t(name).unwrap_err();
        assert!(
            e.to_lowercase().contains(&words.to_lowercase()),
            "{name}: {e}"
        );
    }
    // Non-finite thresholds in a configuration are refused.
    for name in [
        "nan-threshold.toml",
        "inf-threshold.toml",
        "deeply-nested.toml",
    ] {
        assert!(config_outcome(&bad.join(name)).is_err(), "{name}");
    }
    assert!(config_outcome(&bad.join("bom.toml")).is_ok());

    let a = |name: &str| {
        let p = bad.join("audio").join(name);
        audio_outcome(&p, || AudioFile::open(&p))
    };
    for name in [
        "65535-channels.wav",
        "extensible-absurd.wav",
        "huge-chunk.wav",
        "data-before-fmt.wav",
        "short-fmt.wav",
        "no-data-chunk.wav",
        "bom-text.wav",
        "id3-huge.mp3",
        "mp4-huge-box.m4a",
        "mp4-64bit-size.m4a",
        "adpcm-block-too-small.wav",
        "ima-adpcm-bits-zero.wav",
        // A 5 KB m4a whose sample table claimed 34 GB (fuzz find; the process aborted).
        "fuzz-mp4-table-count-34gb.m4a",
    ] {
        assert!(a(name).is_err(), "{name}: {:?}", a(name));
    }
    // A header claiming 100 MB of data with 1600 bytes present: the 800 samples present.
    assert_eq!(a("data-longer-than-file.wav"), Ok(800));
    // NaN/inf samples decode (as silence), never poison the pipeline.
    assert_eq!(a("nan-floats.wav"), Ok(1600));
    assert_eq!(a("nan-doubles.wav"), Ok(800));
    // Floats near f32::MAX are clipped before the resampler (its FFT overflowed: fuzz find).
    assert!(a("fuzz-float-near-max.wav").is_ok());

    let sess = |name: &str| session_outcome(&bad.join("sessions").join(name));
    assert_eq!(sess("torn-tail"), Ok(1));
    assert_eq!(sess("journal-crlf"), Ok(2));
    // The app never writes a byte-order mark; one (an editor's) is a damaged first line.
    let e = sess("journal-bom").unwrap_err();
    assert!(e.contains("regel 1") && e.contains("line 1"), "{e}");
    let e = sess("damaged-middle").unwrap_err();
    assert!(e.contains("regel 2") && e.contains("line 2"), "{e}");
    assert!(sess("meta-wrong-types").is_err());
    assert!(sess("meta-nested").is_err());
}

#[test]
fn audio_in_process_from_file_and_from_bytes() {
    let mut dirs = vec![bad_dir().join("audio")];
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio"));
    let mut seen = 0;
    for d in dirs {
        for p in files_in(&d) {
            if !matches!(ext(&p).as_str(), "wav" | "mp3" | "m4a" | "ogg" | "flac") {
                continue;
            }
            let from_file = timed(&p, || audio_outcome(&p, || AudioFile::open(&p)));
            let bytes = std::fs::read(&p).unwrap();
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            let from_bytes = timed(&p, || {
                audio_outcome(&p, || AudioFile::from_bytes(&name, bytes))
            });
            // The same decoder either way (messages name the file the same way).
            assert_eq!(
                from_file.as_ref().ok(),
                from_bytes.as_ref().ok(),
                "{}: file {from_file:?} vs bytes {from_bytes:?}",
                p.display()
            );
            assert_eq!(from_file.is_err(), from_bytes.is_err(), "{}", p.display());
            seen += 1;
        }
    }
    assert!(seen >= 40, "only {seen} audio files");
}

#[test]
fn audio_through_the_cli() {
    for p in files_in(&bad_dir().join("audio")) {
        cli(&["analyze", s(&p), "--threads", "1", "--format", "json"]);
    }
}

#[test]
fn sessions_in_process_and_through_the_cli() {
    let dirs = dirs_in(&bad_dir().join("sessions"));
    assert!(dirs.len() >= 7);
    for d in dirs {
        let _ = timed(&d, || session_outcome(&d));
        cli(&["report", s(&d)]);
    }
}

/// Inputs found by `cargo fuzz` (kept after the fix), run as their fuzz target runs them.
#[test]
fn fuzz_findings_stay_fixed() {
    let root = bad_dir().join("fuzz");
    let mut seen = 0;
    for target_dir in dirs_in(&root) {
        let target = target_dir
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        for p in files_in(&target_dir) {
            let data = std::fs::read(&p).unwrap();
            timed(&p, || run_fuzz_input(&target, &p, &data));
            seen += 1;
        }
    }
    assert!(seen > 0 || !root.exists());
}

/// `META` of `fuzz/fuzz_targets/session.rs`.
const FUZZ_SESSION_META: &[u8] = br#"{"version":1,"title":"fuzz","created_unix":0,"participants":[{"name":"Anna","role":"facilitator"}],"method":"incident","language":"nl"}"#;

/// The body of `fuzz/fuzz_targets/TARGET.rs` for one input.
fn run_fuzz_input(target: &str, p: &Path, data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    match target {
        "audio_decode" => {
            const NAMES: [&str; 6] = ["f.wav", "f.mp3", "f.m4a", "f.ogg", "f.flac", "f"];
            let name = NAMES[usize::from(sel) % NAMES.len()];
            let _ = audio_outcome(p, || AudioFile::from_bytes(name, body.to_vec()));
        }
        "transcript" => {
            let text = match parse::decode_text(body) {
                Ok(t) => t,
                Err(e) => {
                    check_error(p, &e);
                    return;
                }
            };
            let parsed = match sel % 4 {
                0 => parse::parse_json(text),
                1 => parse::parse_vtt(text),
                2 => parse::parse_srt(text),
                _ => {
                    if let Err(e) = parse::parse_participants(text) {
                        check_error(p, &e);
                    }
                    return;
                }
            };
            match parsed {
                Ok(t) => analyse(&t),
                Err(e) => {
                    check_error(p, &e);
                }
            }
        }
        "config" => {
            let Ok(text) = std::str::from_utf8(body) else {
                return;
            };
            match sel % 3 {
                0 => {
                    if let Err(e) = Config::from_toml_str(text) {
                        assert!(!e.contains('\n'), "{e}");
                    }
                }
                1 => match lang::parse_extra(text) {
                    Ok(extra) => {
                        if let Err(e) = Classifier::with_extra(extra) {
                            check_error(p, &e);
                        }
                    }
                    Err(e) => {
                        check_error(p, &e);
                    }
                },
                _ => {
                    if let Err(e) = lang::LangData::parse(text) {
                        check_error(p, &e);
                    }
                }
            }
        }
        "session" => {
            let (meta, journal) = match data.iter().position(|&b| b == 0) {
                Some(i) => (&data[..i], &data[i + 1..]),
                None => (FUZZ_SESSION_META, data),
            };
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("session.json"), meta).unwrap();
            std::fs::write(dir.path().join("journal.jsonl"), journal).unwrap();
            let _ = session_outcome(dir.path());
        }
        "sealed_records" => {
            use observant::session::crypt::{DataKey, key_file_params};
            use observant::session::records::{self, Kind};
            if let Err(e) = key_file_params(data) {
                check_error(p, &e);
            }
            let key = DataKey::generate();
            match records::parse(data) {
                Ok(_) => {
                    for kind in [Kind::Meta, Kind::Journal, Kind::Audio] {
                        if let Err(e) = records::decrypt_bytes(data, &key, kind) {
                            check_error(p, &e);
                        }
                    }
                }
                Err(e) => {
                    check_error(p, &e);
                }
            }
        }
        other => panic!("unknown fuzz target folder {other:?}"),
    }
}
