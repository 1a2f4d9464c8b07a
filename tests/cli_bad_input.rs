//! Bad input to `observant analyze` gives a non-zero exit and exactly one line on stderr
//! naming the problem, never a panic. Fixtures live in `tests/fixtures/bad/`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(name)
}

fn observant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_observant"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run observant")
}

/// Runs `observant analyze ARGS` and checks the failure contract; returns stderr.
fn fails(args: &[&str], expect: &[&str]) -> String {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    let out = observant(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "{args:?} succeeded; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: expected one line on stderr, got: {stderr}"
    );
    for e in expect {
        assert!(
            stderr.to_lowercase().contains(&e.to_lowercase()),
            "{args:?}: stderr lacks {e:?}: {stderr}"
        );
    }
    assert!(
        out.stdout.is_empty(),
        "{args:?}: wrote to stdout on failure"
    );
    stderr
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn invalid_json() {
    fails(&[&path("invalid.json")], &["invalid json", "line 3"]);
}

#[test]
fn missing_field() {
    fails(
        &[&path("missing-field.json")],
        &["utterances[1]", "line 3", "\"end\""],
    );
}

#[test]
fn negative_time() {
    fails(
        &[&path("negative-time.json")],
        &["utterances[0]", "negative"],
    );
}

#[test]
fn end_before_start() {
    fails(
        &[&path("end-before-start.json")],
        &["utterances[1]", "before start"],
    );
}

#[test]
fn overlapping_same_speaker() {
    fails(
        &[&path("overlap.json")],
        &["utterances[1]", "overlaps", "Anna"],
    );
}

#[test]
fn out_of_order() {
    fails(
        &[&path("out-of-order.json")],
        &["utterances[2]", "time order"],
    );
}

#[test]
fn empty_file() {
    fails(&[&path("empty.json")], &["empty file"]);
}

#[test]
fn unknown_role() {
    fails(
        &[&path("unknown-role.json")],
        &["baas", "inbrenger", "facilitator"],
    );
}

#[test]
fn unknown_role_on_command_line() {
    fails(
        &[
            &path("good.json"),
            "--participants",
            "Anna=facilitator,Bram=chef",
        ],
        &["--participants", "chef", "deelnemer"],
    );
}

#[test]
fn unknown_method() {
    fails(&[&path("unknown-method.json")], &["balintgroep", "crea"]);
    fails(
        &[&path("good.json"), "--method", "balint"],
        &["balint", "roddel"],
    );
}

#[test]
fn non_utf8() {
    fails(&[&path("non-utf8.json")], &["utf-8", "byte 74"]);
}

#[test]
fn vtt_with_garbage() {
    fails(&[&path("garbage.vtt")], &["line 6", "timing"]);
    fails(&[&path("not-vtt.vtt")], &["WEBVTT"]);
}

#[test]
fn srt_with_bad_timestamp() {
    fails(&[&path("bad-timestamp.srt")], &["line 6"]);
}

#[test]
fn nonexistent_file() {
    fails(
        &[&path("does-not-exist.json")],
        &["does-not-exist.json", "does not exist"],
    );
}

#[test]
fn unknown_config_key() {
    fails(
        &[&path("good.json"), "--config", &path("unknown-key.toml")],
        &["max_target_talk", "line 3"],
    );
}

#[test]
fn good_input_succeeds() {
    for format in ["json", "text", "md"] {
        let out = observant(&["analyze", &path("good.json"), "--format", format]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty());
    }
    let out = observant(&["analyze", &path("good.json"), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    assert_eq!(v["speakers"][0]["name"], "Anna");
    assert_eq!(v["utterances"][1]["speaker"], "Bram");
}

#[test]
fn config_with_extra_cue_words_and_bad_cue_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let transcript = dir.path().join("t.json");
    std::fs::write(
        &transcript,
        r#"{"participants": [{"name": "A", "role": "deelnemer"}, {"name": "B", "role": "inbrenger"}],
            "utterances": [{"start": 0, "end": 3, "speaker": "A", "text": "Een streep eronder, klaar."}]}"#,
    )
    .expect("write");
    let advice_flags = |extra: &[&str]| {
        let mut args = vec![
            "analyze",
            transcript.to_str().unwrap_or(""),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = observant(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["flags"]
            .as_array()
            .map(|f| f.iter().filter(|f| f["kind"] == "advice").count())
            .unwrap_or(0)
    };
    assert_eq!(advice_flags(&[]), 0);
    let cfg = dir.path().join("cfg.toml");
    std::fs::write(&cfg, "[lang.nl.patterns]\nadvice = [\"streep eronder\"]\n").expect("write");
    assert_eq!(advice_flags(&["--config", cfg.to_str().unwrap_or("")]), 1);
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[lang.nl.patterns]\nadvise = [\"x\"]\n").expect("write");
    fails(
        &[
            transcript.to_str().unwrap_or(""),
            "--config",
            bad.to_str().unwrap_or(""),
        ],
        &["advise"],
    );
}

/// `observant models` with its own model folder (`OBSERVANT_MODELS`).
fn models(folder: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_observant"))
        .arg("models")
        .args(args)
        .env("OBSERVANT_MODELS", folder)
        .output()
        .expect("run observant models")
}

#[test]
fn models_lists_adds_checks_and_measures_without_downloading() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("models");
    let bundled = observant::default_model_path();
    let whole = std::fs::read(&bundled).unwrap();

    // A truncated model and a non-model are refused, each on one line, and nothing is copied.
    let cut = dir.path().join("ggml-cut.bin");
    std::fs::write(&cut, &whole[..whole.len() - 1000]).unwrap();
    for (file, says) in [
        (cut.clone(), "onvolledig"),
        (fixture("invalid.json"), "geen ggml Whisper-model"),
    ] {
        let out = models(&folder, &["add", &file.display().to_string()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(!folder.join("ggml-cut.bin").exists());

    // A good one is copied in, listed after the bundled model, and usable by name.
    let mine = dir.path().join("ggml-mine.bin");
    std::fs::copy(&bundled, &mine).unwrap();
    let out = models(&folder, &["add", &mine.display().to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(folder.join("ggml-kapot.bin"), &whole[..3_000_000]).unwrap();
    let out = models(&folder, &["--format", "json", "--measure"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v["models"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{v:#}");
    assert_eq!(list[0]["name"], "ggml-base-q8_0.bin");
    assert_eq!(list[0]["bundled"], true);
    assert_eq!(list[0]["size"], "base");
    assert_eq!(list[0]["multilingual"], true);
    let kapot = list.iter().find(|m| m["name"] == "ggml-kapot.bin").unwrap();
    assert_eq!(kapot["usable"], false);
    assert!(kapot["problem"].as_str().unwrap().contains("truncated"));
    let mine = list.iter().find(|m| m["name"] == "ggml-mine.bin").unwrap();
    assert_eq!(mine["bundled"], false);
    // Measured once on this machine, then read from the cache.
    let rtf = mine["speed"]["rtf"].as_f64().unwrap();
    assert!(rtf > 0.0 && rtf < 20.0, "{rtf}");
    assert!(folder.join("speed.json").is_file());
    let again = models(&folder, &["--format", "json"]);
    let v2: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v2["models"][2]["speed"]["rtf"].as_f64(), Some(rtf));
}

#[test]
fn a_speaker_cap_out_of_range_or_below_the_known_count() {
    let clip = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio/nl-cabin1-clip.wav")
        .display()
        .to_string();
    fails(&[&clip, "--max-speakers", "0"], &["--max-speakers", "1"]);
    fails(
        &[&clip, "--speakers", "3", "--max-speakers", "2"],
        &["--speakers", "--max-speakers"],
    );
}
