//! Recovery of a session that was cut off (`observant recover`, `pipeline::recover`): the
//! audio saved after the last transcribed line is transcribed and added, with the session's
//! own speaker names, in plain and encrypted sessions; nothing else changes. The real VAD
//! and voice encoder run on the committed two-voice fixtures; Whisper is a fake that "hears"
//! one word per 0.4 s of sound (fast). One CLI test runs the real bundled model on a 5 s clip.

mod fakes;

use std::path::{Path, PathBuf};
use std::process::Command;

use fakes::WordPerStretch;
use observant::pipeline::offline::OfflineOptions;
use observant::pipeline::recover::{missing_tail, recover_with};
use observant::session::{Entry, KdfParams, Secret, Session, SessionMeta};
use observant::speakers::VoiceEncoder;
use observant::transcript::Utterance;

fn wav(rel: &str) -> Vec<f32> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    let mut r = hound::WavReader::open(&p).expect("fixture wav");
    r.samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0)
        .collect()
}

fn voice(name: &str) -> Vec<f32> {
    wav(&format!("tests/fixtures/speakers/{name}"))
}

/// The recording: Anna (small voice) and Bram (big voice) take turns with 1 s pauses.
/// Returns the audio and the true turns (start, end, name).
fn recording() -> (Vec<f32>, Vec<(f64, f64, &'static str)>) {
    let mut pcm = vec![0f32; 16000];
    let mut turns = Vec::new();
    for (clip, who) in [
        ("small-1.wav", "Anna"),
        ("big-1.wav", "Bram"),
        ("small-2.wav", "Anna"),
        ("big-2.wav", "Bram"),
    ] {
        let a = pcm.len() as f64 / 16000.0;
        pcm.extend_from_slice(&voice(clip));
        turns.push((a, pcm.len() as f64 / 16000.0, who));
        pcm.extend(std::iter::repeat_n(0.0, 16000));
    }
    (pcm, turns)
}

/// A session as a killed app leaves it: all the audio on disk, but only the first two turns
/// in the journal, and no "transcribed" marker.
fn killed_session(
    root: &Path,
    secret: Option<&Secret>,
) -> (PathBuf, Vec<(f64, f64, &'static str)>) {
    let (pcm, turns) = recording();
    let meta = SessionMeta {
        title: "afgebroken".into(),
        language: Some("nl".into()),
        ..Default::default()
    };
    let (session, mut j) = Session::create_with(root, meta, secret).unwrap();
    for (i, &(a, b, who)) in turns[..2].iter().enumerate() {
        j.append(&Entry::Utterance {
            index: i,
            utterance: Utterance {
                start: a,
                end: b,
                speaker: who.into(),
                text: format!("regel {i}"),
                confidence: Some(0.9),
                uncertain_words: Vec::new(),
                speech: None,
            },
        })
        .unwrap();
    }
    j.flush().unwrap();
    drop(j);
    let mut w = session.create_audio_writer(16000).unwrap();
    for chunk in pcm.chunks(1600) {
        w.write(chunk).unwrap();
    }
    w.flush().unwrap();
    // Killed: the writer is not finished and the session not marked transcribed.
    drop(w);
    (session.dir.clone(), turns)
}

fn check_recovered(dir: &Path, secret: Option<&Secret>, turns: &[(f64, f64, &str)]) {
    let enc = VoiceEncoder::load_default().expect("voice model");
    let mut s = Session::open_opt(dir, secret).unwrap();
    assert_eq!(s.utterances.len(), 2);
    let (from, to) = missing_tail(&s).unwrap().expect("a tail to recover");
    assert!(
        (from - turns[1].1).abs() < 1e-6,
        "tail starts at the last line's end"
    );
    assert!(to > turns[3].1, "tail runs to the end of the audio");

    let opts = OfflineOptions::new(observant::default_model_path());
    let r = recover_with(&mut s, &mut WordPerStretch, Some(&enc), &opts).unwrap();
    assert!(r.added_utterances >= 2, "{r:?}");

    // Reopened from disk, as the app would: the old lines unchanged, the new ones after them,
    // on the two remaining turns, with the session's names.
    let back = Session::open_opt(dir, secret).unwrap();
    assert_eq!(back.utterances.len(), 2 + r.added_utterances);
    assert_eq!(back.utterances[0].text, "regel 0");
    assert_eq!(back.utterances[1].speaker, "Bram");
    for u in &back.utterances[2..] {
        assert!(u.start >= from - 0.01, "{u:?} starts before the tail");
        let mid = (u.start + u.end) / 2.0;
        let truth = turns
            .iter()
            .find(|t| mid >= t.0 - 0.5 && mid <= t.1 + 0.5)
            .unwrap_or_else(|| panic!("{u:?} lies in no turn"));
        assert_eq!(u.speaker, truth.2, "{u:?} should be {}", truth.2);
    }
    for t in &turns[2..] {
        assert!(
            back.utterances[2..]
                .iter()
                .any(|u| u.start < t.1 && u.end > t.0),
            "turn {t:?} was not recovered"
        );
    }
    assert!(observant::session::transcribed_at(dir).is_some());
    // A second run finds nothing to do and changes nothing.
    let mut again = Session::open_opt(dir, secret).unwrap();
    let r2 = recover_with(&mut again, &mut WordPerStretch, Some(&enc), &opts).unwrap();
    assert_eq!(r2.added_utterances, 0);
    assert_eq!(
        Session::open_opt(dir, secret).unwrap().utterances.len(),
        back.utterances.len()
    );
}

#[test]
fn the_untranscribed_tail_of_a_killed_session_is_added_with_the_sessions_names() {
    let root = tempfile::tempdir().unwrap();
    let (dir, turns) = killed_session(root.path(), None);
    check_recovered(&dir, None, &turns);
}

#[test]
fn an_encrypted_killed_session_is_recovered_and_stays_encrypted() {
    let root = tempfile::tempdir().unwrap();
    let secret = Secret::new("herstel-wachtwoord")
        .unwrap()
        .with_kdf(KdfParams::INSECURE_FOR_TESTS);
    let (dir, turns) = killed_session(root.path(), Some(&secret));
    check_recovered(&dir, Some(&secret), &turns);
    // No plaintext journal appeared next to the sealed one.
    assert!(!dir.join(observant::session::JOURNAL_FILE).exists());
    assert!(Session::open(&dir).is_err(), "still needs the passphrase");
}

#[test]
fn a_session_still_being_recorded_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let (recording, _j) =
        Session::create_in(&root.path().join("s"), SessionMeta::default()).unwrap();
    let mut other = Session::open(&recording.dir).unwrap();
    let opts = OfflineOptions::new(observant::default_model_path());
    let err = recover_with(&mut other, &mut WordPerStretch, None, &opts).unwrap_err();
    assert!(
        format!("{err:#}").contains("still being recorded"),
        "{err:#}"
    );
}

/// The real command on a real clip: 5 s of Dutch speech, nothing transcribed yet.
#[test]
fn observant_recover_transcribes_the_missing_speech_with_the_bundled_model() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let (session, j) = Session::create_in(
        &dir,
        SessionMeta {
            language: Some("nl".into()),
            ..Default::default()
        },
    )
    .unwrap();
    drop(j);
    let mut w = session.create_audio_writer(16000).unwrap();
    w.write(&wav("tests/fixtures/audio/nl-cabin1-clip.wav"))
        .unwrap();
    w.flush().unwrap();
    drop(w);
    drop(session);
    let out = Command::new(env!("CARGO_BIN_EXE_observant"))
        .args(["recover", "--threads", "2"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["added_utterances"].as_u64().unwrap() >= 1,
        "{report}"
    );
    let back = Session::open(&dir).unwrap();
    let words: usize = back
        .utterances
        .iter()
        .map(|u| u.text.split_whitespace().count())
        .sum();
    assert!(words >= 5, "{:?}", back.utterances);
    // Again: nothing left to do.
    let out = Command::new(env!("CARGO_BIN_EXE_observant"))
        .arg("recover")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Niets te herstellen"));
}
