//! End-to-end speech tests through the real binary and the bundled Whisper model.
//! The first tests use only committed fixtures (fresh clone); the `#[ignore]`d evaluations
//! read `../shared/data` (CI runs them with `--ignored`) and check the targets:
//! WER <= 0.55 on real Dutch speech, speaker attribution >= 95 % of speech time with
//! `--speakers 2` and >= 90 % with the automatic count.

use std::path::{Path, PathBuf};
use std::process::Command;

use observant::asr::wer::{edit_distance, words};
use observant::transcript::Transcript;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_observant"))
}

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn transcribe(file: &Path, extra: &[&str]) -> Transcript {
    let out = bin()
        .arg("transcribe")
        .arg(file)
        .args(["--format", "json"])
        .args(if extra.contains(&"--lang") {
            &[][..]
        } else {
            &["--lang", "nl"][..]
        })
        .args(extra)
        .output()
        .expect("run observant");
    assert!(
        out.status.success(),
        "transcribe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("transcript JSON")
}

#[test]
fn a_real_dutch_question_is_transcribed_and_classified() {
    let clip = fixture("audio/nl-cabin1-clip.wav");
    let t = transcribe(&clip, &["--no-diarize"]);
    let text: String = t
        .utterances
        .iter()
        .map(|u| u.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    // The clip holds "Waar zie je die wieg?" between 1.5 s and 3.3 s. Whisper base hears
    // "Waar zi(jn) ... die (v)lieg": the question word and its place must come through.
    let q = t
        .utterances
        .iter()
        .find(|u| words(&u.text).first().is_some_and(|w| w == "waar"))
        .unwrap_or_else(|| panic!("expected the question 'Waar ...?' in: {text}"));
    assert!(q.start >= 0.5 && q.end <= 4.6, "{q:?}");

    // The same clip through `analyze` gives the contract JSON with a classified question.
    let out = bin()
        .args([
            "analyze",
            "--format",
            "json",
            "--lang",
            "nl",
            "--no-diarize",
        ])
        .arg(&clip)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let utts = v["utterances"].as_array().unwrap();
    assert!(
        utts.iter().any(|u| u["text"]
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .starts_with("waar")
            && u["question"] == "open"),
        "{v}"
    );
    assert!(v["speakers"].as_array().is_some_and(|s| !s.is_empty()));
}

/// `transcribe --stats` on a fixture: the transcript's words and how many decodings the
/// guard stopped early (from the stats line).
fn words_and_stops(clip: &str) -> (Vec<String>, usize) {
    let out = bin()
        .arg("transcribe")
        .arg(fixture(clip))
        .args([
            "--lang",
            "nl",
            "--format",
            "text",
            "--stats",
            "--threads",
            "1",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let stops = err
        .split(" decodings stopped early")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no stats line: {err}"));
    (words(&String::from_utf8_lossy(&out.stdout)), stops)
}

#[test]
fn a_clip_the_recogniser_loops_on_is_stopped_early_and_speech_is_not() {
    // 2.3 s of a reverberant room recording on which Whisper base counts "1, 2, 1, 2, ..."
    // until its 224-token limit (2.1 s of decoding on one thread, which a live line waited
    // for): the guard stops it once the loop is certain.
    let (w, stops) = words_and_stops("audio/room-loop.wav");
    assert_eq!(stops, 1, "{w:?}");
    assert!(w.len() <= 6, "the loop is not in the text: {w:?}");
    // Ordinary speech runs to its end: the question is there, nothing was stopped.
    let (w, stops) = words_and_stops("audio/nl-cabin1-clip.wav");
    assert_eq!(stops, 0, "{w:?}");
    assert!(w.iter().any(|x| x == "waar"), "{w:?}");
}

#[test]
fn a_wrong_model_file_is_a_one_line_error() {
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("ggml-fake.bin");
    std::fs::write(&bad, b"not a model at all").unwrap();
    let out = bin()
        .arg("transcribe")
        .arg(fixture("audio/nl-cabin1-clip.wav"))
        .arg("--model")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("not a ggml Whisper model"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn corrupt_audio_is_a_one_line_error() {
    for f in [
        "audio/text.wav",
        "audio/truncated-header.wav",
        "audio/empty.wav",
    ] {
        let out = bin().arg("transcribe").arg(fixture(f)).output().unwrap();
        assert!(!out.status.success(), "{f}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{f}: {err}");
        assert!(!err.contains("panicked"), "{f}: {err}");
    }
}

// ---- evaluations over ../shared (run by CI with --ignored) ----

fn shared(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(p)
}

/// Fraction of truth speech time attributed to the right speaker, under the best one-to-one
/// mapping of hypothesis labels to truth speakers (truth time no utterance covers counts as
/// wrong): the library's scoring, shared with `examples/offline_eval.rs`.
fn speaker_accuracy(truth: &Transcript, hyp: &Transcript) -> f64 {
    observant::speakers::eval::transcript_accuracy(hyp, truth)
}

/// Number of distinct speakers in a transcript.
fn voices(t: &Transcript) -> usize {
    let mut v: Vec<&str> = t.utterances.iter().map(|u| u.speaker.as_str()).collect();
    v.sort();
    v.dedup();
    v.len()
}

/// Transcribes every WAV of `dir` (with `--speakers N` from its truth when `known`) and
/// returns the word error rate and the attribution over all files (by speech time).
fn eval_dir(dir: &str, known: bool, extra: &[&str]) -> (f64, f64) {
    let mut errs = 0usize;
    let mut n = 0usize;
    let mut correct = 0.0;
    let mut total = 0.0;
    let mut files: Vec<_> = std::fs::read_dir(shared(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    for wav in files {
        let truth: Transcript =
            serde_json::from_str(&std::fs::read_to_string(wav.with_extension("json")).unwrap())
                .unwrap();
        let count = voices(&truth).to_string();
        let mut args = extra.to_vec();
        if known {
            args.extend(["--speakers", count.as_str()]);
        }
        let hyp = transcribe(&wav, &args);
        let r = words(
            &truth
                .utterances
                .iter()
                .map(|u| u.text.clone())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let h = words(
            &hyp.utterances
                .iter()
                .map(|u| u.text.clone())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let e = edit_distance(&r, &h);
        let acc = speaker_accuracy(&truth, &hyp);
        let dur: f64 = truth.utterances.iter().map(|u| u.end - u.start).sum();
        eprintln!(
            "{}: WER {:.3} ({e}/{}), speakers {} found {}, attribution {:.3}",
            wav.file_name().unwrap().to_string_lossy(),
            e as f64 / r.len() as f64,
            r.len(),
            count,
            hyp.participants.len(),
            acc
        );
        errs += e;
        n += r.len();
        correct += acc * dur;
        total += dur;
    }
    (errs as f64 / n as f64, correct / total)
}

// Issue 3's targets on audio-nl: WER <= 0.55 and speaker attribution >= 95 % of speech
// time with `--speakers 2`, >= 90 % with the automatic count (measured: see the README).

#[test]
#[ignore = "reads ../shared/data/audio-nl (CI runs it)"]
fn eval_dutch_wer_and_attribution_with_two_speakers() {
    let (wer, acc) = eval_dir("audio-nl", true, &[]);
    eprintln!("audio-nl --speakers 2: WER {wer:.3}, attribution {acc:.3}");
    assert!(wer <= 0.55, "WER {wer}");
    assert!(acc >= 0.95, "attribution {acc}");
}

#[test]
#[ignore = "reads ../shared/data/audio-nl (CI runs it)"]
fn eval_dutch_attribution_with_automatic_speaker_count() {
    let (_, acc) = eval_dir("audio-nl", false, &[]);
    eprintln!("audio-nl automatic: attribution {acc:.3}");
    assert!(acc >= 0.90, "attribution {acc}");
}

// audio-multi: 4 and 5 voices, Dutch, Czech and English mixed (score who spoke when, not
// the words). Measured 0.967 with both (multi4-a 0.978, multi5-a 0.955); floors a few
// points below.
const MULTI_KNOWN_FLOOR: f64 = 0.93;
const MULTI_AUTO_FLOOR: f64 = 0.93;

#[test]
#[ignore = "reads ../shared/data/audio-multi (CI runs it)"]
fn eval_multi_voice_attribution_with_known_count() {
    let (_, acc) = eval_dir("audio-multi", true, &["--lang", "auto"]);
    eprintln!("audio-multi --speakers N: attribution {acc:.3}");
    assert!(acc >= MULTI_KNOWN_FLOOR, "attribution {acc}");
}

#[test]
#[ignore = "reads ../shared/data/audio-multi (CI runs it)"]
fn eval_multi_voice_attribution_with_automatic_count() {
    let (_, acc) = eval_dir("audio-multi", false, &["--lang", "auto"]);
    eprintln!("audio-multi automatic: attribution {acc:.3}");
    assert!(acc >= MULTI_AUTO_FLOOR, "attribution {acc}");
}
