//! `observant listen` at its edges: a missing or broken model is a one-line error before any
//! device is touched, and SIGINT stops capture but lets every pending segment go through
//! transcription, leaving a complete saved session (journal + audio) behind.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn observant() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_observant"));
    c.env("RUST_BACKTRACE", "1");
    c
}

fn clip() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/nl-cabin1-clip.wav")
}

fn fails_with_one_line(args: &[&str], expect: &str) {
    let out = observant().args(args).output().expect("run observant");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line: {stderr}");
    assert!(stderr.contains(expect), "{stderr}");
    assert!(out.stdout.is_empty(), "wrote to stdout on failure");
}

#[test]
fn a_missing_or_broken_model_is_one_line_before_any_device_is_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.bin");
    let clip = clip();
    // Also without --input-file: the model is checked before the (absent) microphone.
    fails_with_one_line(
        &["listen", "--model", missing.to_str().unwrap_or("")],
        "speech model not found",
    );
    fails_with_one_line(
        &[
            "listen",
            "--model",
            missing.to_str().unwrap_or(""),
            "--input-file",
            clip.to_str().unwrap_or(""),
        ],
        "speech model not found",
    );
    let text = dir.path().join("ggml-text.bin");
    std::fs::write(&text, "not a model at all").expect("write");
    fails_with_one_line(
        &["listen", "--model", text.to_str().unwrap_or("")],
        "not a ggml Whisper model",
    );
    assert!(
        !dir.path().join("sessie").exists(),
        "no session is created for a failed start"
    );
}

/// Runs the bundled Whisper model on the 5 s real-speech clip (a few seconds of CPU).
#[test]
fn sigint_flushes_pending_speech_through_transcription_and_keeps_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let save = dir.path().join("sessie");
    let clip = clip();
    let mut child = observant()
        .args([
            "listen",
            "--input-file",
            clip.to_str().unwrap_or(""),
            "--save",
            save.to_str().unwrap_or(""),
            "--lang",
            "nl",
            "--threads",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    assert!(first.contains("\"started\""), "{first}");
    // The clip is read (and its speech segmented) within moments, while Whisper needs
    // seconds: give the reader a moment (it stops where it is when interrupted), then interrupt.
    std::thread::sleep(std::time::Duration::from_millis(400));
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut rest: Vec<serde_json::Value> = Vec::new();
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(&l.expect("utf-8")).expect("json line");
        rest.push(v);
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let stopped = rest.last().expect("events");
    assert_eq!(stopped["type"], "stopped", "{rest:?}");
    let samples = hound::WavReader::open(&clip).expect("clip").len() as u64;
    // Everything captured is written; reading stops where the interrupt found it.
    let captured = stopped["captured_samples"]
        .as_u64()
        .expect("captured_samples");
    assert_eq!(stopped["written_samples"], captured);
    assert!(
        captured > 0 && captured <= samples,
        "{captured} of {samples}"
    );
    let printed = rest.iter().filter(|e| e["type"] == "utterance").count();
    assert!(printed >= 1, "the clip's speech was transcribed: {rest:?}");
    // Whatever was still waiting for Whisper when SIGINT arrived came out before `stopped`
    // (how much was pending depends on the machine's speed, so no timing is asserted).
    // The saved session holds exactly what was printed, and all of the audio.
    let session = observant::session::Session::open(&save).expect("session");
    assert_eq!(session.utterances.len(), printed);
    assert_eq!(session.captured_seconds, captured as f64 / 16000.0);
    // The journal notes the audio on disk only when it changed (here: once, all of it).
    let (entries, _) =
        observant::session::journal::read_entries(&save.join("journal.jsonl")).expect("journal");
    let audio_entries = entries
        .iter()
        .filter(|e| matches!(e, observant::session::Entry::Audio { .. }))
        .count();
    assert_eq!(audio_entries, 1, "{entries:?}");
    let saved = hound::WavReader::open(save.join("audio.wav")).expect("audio");
    assert_eq!(u64::from(saved.len()), captured);
}
