//! The second pass after a live session (#13 item 5), as a user meets it: a session recorded
//! live (`listen --save`, the real pipeline on a 12-s recording of two voices), then
//! transcribed again over the whole recording, from the command line and from the review
//! window; the result is what review and report show, kept encrypted for an encrypted
//! session.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{harness_with, options};
use egui_kittest::kittest::Queryable;
use observant::ui::ScriptedPipeline;

fn observant() -> Command {
    Command::new(env!("CARGO_BIN_EXE_observant"))
}

fn clip() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/room-close.wav")
}

/// Runs `cmd` (with the passphrase file, when given) and expects it to succeed.
fn run_ok(mut cmd: Command, passphrase: Option<&Path>) -> std::process::Output {
    if let Some(p) = passphrase {
        cmd.arg("--passphrase-file").arg(p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A live session saved in `dir` (the real pipeline on the clip), optionally encrypted.
fn record(dir: &Path, passphrase: Option<&Path>) {
    record_from(&clip(), dir, passphrase);
}

/// A live session saved in `dir` from the recording `input`.
fn record_from(input: &Path, dir: &Path, passphrase: Option<&Path>) {
    let mut cmd = observant();
    cmd.args(["listen", "--lang", "nl", "--input-file"])
        .arg(input)
        .arg("--save")
        .arg(dir);
    run_ok(cmd, passphrase);
}

fn second_pass(dir: &Path, passphrase: Option<&Path>) -> serde_json::Value {
    let mut cmd = observant();
    cmd.args(["second-pass", "--lang", "nl"]).arg(dir);
    let out = run_ok(cmd, passphrase);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Tweede ronde over de hele opname"), "{err}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn report_lines(dir: &Path, passphrase: Option<&Path>) -> usize {
    let mut cmd = observant();
    cmd.args(["report", "--format", "md"]).arg(dir);
    let out = run_ok(cmd, passphrase);
    let md = String::from_utf8_lossy(&out.stdout).to_string();
    // The facts under the title: "**Uitingen** N".
    let at = md.find("**Uitingen** ").expect("utterance count") + "**Uitingen** ".len();
    md[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_second_pass_replaces_the_live_lines_in_review_and_report() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    record(&dir, None);
    let live_report = report_lines(&dir, None);
    let note = second_pass(&dir, None);
    let lines = note["lines"].as_u64().unwrap() as usize;
    assert!(lines > 0, "{note}");
    assert_eq!(note["live_lines"].as_u64().unwrap() as usize, live_report);
    // The report now rests on the second pass.
    assert_eq!(report_lines(&dir, None), lines);
    // The sidecar holds the new lines; the session's own files are as live wrote them.
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("review.json")).unwrap()).unwrap();
    assert_eq!(
        side["transcript"]["utterances"].as_array().unwrap().len(),
        lines
    );
    assert_eq!(side["pass"], note);
    // The review opens with the second pass and its note.
    let doc = observant::review::ReviewDoc::open(&dir, observant::i18n::UiLang::Nl).unwrap();
    assert_eq!(doc.original.utterances.len(), lines);
    assert!(doc.pass.is_some() && !doc.second_pass_possible());
    let texts: Vec<&str> = side["transcript"]["utterances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["text"].as_str().unwrap())
        .collect();
    let shown: Vec<&str> = doc
        .original
        .utterances
        .iter()
        .map(|u| u.text.as_str())
        .collect();
    assert_eq!(texts, shown);
}

#[test]
fn an_encrypted_session_keeps_its_second_pass_encrypted() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let pass = root.path().join("wachtwoord");
    std::fs::write(&pass, "geheim-van-de-groep").unwrap();
    record(&dir, Some(&pass));
    let note = second_pass(&dir, Some(&pass));
    assert!(dir.join("review.json.enc").exists());
    assert!(!dir.join("review.json").exists());
    assert_eq!(
        report_lines(&dir, Some(&pass)),
        note["lines"].as_u64().unwrap() as usize
    );
    // No plaintext line text anywhere in the folder.
    let doc = {
        observant::session::Session::unlock(
            &dir,
            &observant::session::Secret::new("geheim-van-de-groep").unwrap(),
        )
        .unwrap();
        observant::review::ReviewDoc::open(&dir, observant::i18n::UiLang::Nl).unwrap()
    };
    assert!(doc.pass.is_some());
    let word = doc
        .original
        .utterances
        .iter()
        .flat_map(|u| u.text.split_whitespace())
        .find(|w| w.len() >= 6)
        .expect("a long word")
        .to_string();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(
            !bytes.windows(word.len()).any(|w| w == word.as_bytes()),
            "'{word}' in plaintext"
        );
    }
    // Without the passphrase: one line, no run.
    let out = observant()
        .args(["second-pass"])
        .arg(&dir)
        .env_remove("OBSERVANT_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim().lines().count(),
        1
    );
}

#[test]
fn the_review_window_offers_the_second_pass_and_shows_what_changed() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    record(&dir, None);
    let mut opts = options(
        ScriptedPipeline::new(common::session())
            .instant()
            .into_starter(),
    );
    opts.open = Some(dir.clone());
    let mut h = harness_with(egui::vec2(1280.0, 800.0), opts);
    h.run_steps(3);
    assert!(h.state().review().is_some(), "the session opens in review");
    h.get_by_label_contains("Dit is het live-transcript");
    h.get_by_label("Tweede ronde starten").click();
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.state().review().is_some_and(|r| r.doc.pass.is_none()) {
        assert!(Instant::now() < deadline, "the second pass did not finish");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_steps(3);
    h.get_by_label_contains("Tweede ronde over de hele opname");
    assert!(h.query_by_label("Tweede ronde starten").is_none());
    assert!(dir.join("review.json").exists());
    let live_lines = h
        .state()
        .review()
        .unwrap()
        .doc
        .pass
        .as_ref()
        .unwrap()
        .live_lines;

    // The number of voices was wrong: the user sets it, and the pass runs again with it.
    h.get_by_label_contains("Klopt het aantal stemmen niet?");
    for _ in 0..12 {
        if h.query_by_label("Opnieuw met 1 stem").is_some() {
            break;
        }
        h.get_by_label("−").click();
        h.run_steps(2);
    }
    h.get_by_label("Opnieuw met 1 stem").click();
    let deadline = Instant::now() + Duration::from_secs(120);
    while h
        .state()
        .review()
        .is_some_and(|r| r.doc.pass.as_ref().is_none_or(|p| p.voices != Some(1)))
    {
        assert!(Instant::now() < deadline, "the pass did not run again");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_steps(3);
    h.get_by_label_contains("Met 1 stem, zoals ingesteld.");
    let review = h.state().review().unwrap();
    let speakers: std::collections::BTreeSet<&str> = review
        .doc
        .analysis
        .utterances
        .iter()
        .map(|u| u.speaker.as_str())
        .collect();
    assert_eq!(speakers.len(), 1, "one voice, as set: {speakers:?}");
    // Compared with live again, not with the first pass.
    assert_eq!(review.doc.pass.as_ref().unwrap().live_lines, live_lines);
    let side: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("review.json")).unwrap()).unwrap();
    assert_eq!(side["pass"]["voices"], 1, "{side}");
}

/// Stands in for live Whisper: one line per speech segment, numbered.
struct NumberedLines(usize);

impl observant::asr::Transcriber for NumberedLines {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<observant::asr::AsrSegment>> {
        self.0 += 1;
        Ok(vec![observant::asr::AsrSegment {
            start: 0.0,
            end: pcm.len() as f64 / 16000.0,
            text: format!("Live-regel {}.", self.0),
            confidence: 0.9,
            no_speech_probability: 0.01,
            words: Vec::new(),
        }])
    }
    fn describe(&self) -> String {
        "numbered lines".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

/// The app's own flow: a live session (the clip as its microphone, a stand-in for live
/// Whisper) ends, "Terugkijken en rapport" opens its review, and the second pass starts by
/// itself with the bundled model and replaces the stand-in's lines.
#[test]
fn a_live_session_is_transcribed_again_when_its_review_opens() {
    use observant::pipeline::live::{LiveParts, SingleSpeaker, start_with};
    let root = tempfile::tempdir().unwrap();
    let starter: observant::pipeline::PipelineStarter =
        Box::new(|cfg: observant::pipeline::LiveConfig| {
            let parts = LiveParts {
                source: Box::new(observant::audio::source::FileSource::open(clip())?),
                vad: Box::new(observant::audio::vad::EnergyVad::default()),
                transcriber: Box::new(NumberedLines(0)),
                attributor: Box::new(SingleSpeaker),
                classifier: observant::analysis::classify::Classifier::new(),
                config: observant::analysis::config::Config::default(),
                meta: observant::session::SessionMeta {
                    title: "live".into(),
                    language: Some("nl".into()),
                    participants: cfg.participants.clone(),
                    consent: true,
                    ..Default::default()
                },
                save_dir: cfg.save_dir.clone(),
                secret: None,
                device: "test".into(),
                reopen: None,
                file_hook: None,
                disk_hold_seconds: 300.0,
            };
            Ok(start_with(parts)?.handle)
        });
    let mut opts = options(starter);
    opts.sessions_root = Some(root.path().to_path_buf());
    opts.second_pass_after_live = true;
    let mut h = harness_with(egui::vec2(1280.0, 800.0), opts);
    h.state_mut().start_live(observant::pipeline::LiveConfig {
        participants: common::participants(),
        ..Default::default()
    });
    common::pump(&mut h, |app| app.session().is_some_and(|s| s.model.stopped));
    h.get_by_label("Terugkijken en rapport").click();
    let deadline = Instant::now() + Duration::from_secs(120);
    h.step();
    loop {
        let review = h.state().review().expect("the review is open");
        if review.doc.pass.is_some() {
            break;
        }
        assert!(
            review.second_pass_running(),
            "the second pass must start by itself"
        );
        assert!(Instant::now() < deadline, "the second pass did not finish");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_steps(3);
    h.get_by_label_contains("Tweede ronde over de hele opname");
    let doc = &h.state().review().unwrap().doc;
    assert!(
        doc.original
            .utterances
            .iter()
            .all(|u| !u.text.starts_with("Live-regel")),
        "the stand-in's lines are replaced"
    );
    // The participants of the live session stay.
    assert_eq!(doc.original.participants, common::participants());
}

/// The clip as a two-microphone array hears it (the second microphone 3 samples later and a
/// little quieter), written to `path`; returns the two channels as written (16-bit values).
fn two_mic_clip(path: &Path) -> [Vec<i16>; 2] {
    let mut r = hound::WavReader::open(clip()).unwrap();
    let left: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
    let right: Vec<i16> = (0..left.len())
        .map(|t| {
            if t >= 3 {
                (f32::from(left[t - 3]) * 0.8) as i16
            } else {
                0
            }
        })
        .collect();
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for (l, r) in left.iter().zip(&right) {
        w.write_sample(*l).unwrap();
        w.write_sample(*r).unwrap();
    }
    w.finalize().unwrap();
    [left, right]
}

/// A session from a microphone array (#13: "use every microphone the device has"): live
/// hears the channels beamformed to one, but the session keeps each channel as it came
/// (encrypted like the rest in an encrypted session), and the second pass hears all of them.
#[test]
fn a_session_from_a_microphone_array_keeps_every_channel_for_the_second_pass() {
    use observant::pipeline::live::{LiveParts, SingleSpeaker, start_with};
    use observant::session::{Secret, Session};
    let root = tempfile::tempdir().unwrap();
    let wav = root.path().join("array.wav");
    let channels = two_mic_clip(&wav);
    let secret = Secret::new("geheim-van-de-groep").unwrap();
    for encrypted in [false, true] {
        let dir = root.path().join(format!("live-{encrypted}"));
        let parts = LiveParts {
            source: Box::new(
                observant::audio::source::FileSource::open(&wav)
                    .unwrap()
                    .keep_channels(true),
            ),
            vad: Box::new(observant::audio::vad::EnergyVad::default()),
            transcriber: Box::new(NumberedLines(0)),
            attributor: Box::new(SingleSpeaker),
            classifier: observant::analysis::classify::Classifier::new(),
            config: observant::analysis::config::Config::default(),
            meta: observant::session::SessionMeta::default(),
            save_dir: Some(dir.clone()),
            secret: encrypted.then(|| secret.clone()),
            device: "test".into(),
            reopen: None,
            file_hook: None,
            disk_hold_seconds: 300.0,
        };
        common::run_to_end(start_with(parts).unwrap(), Duration::from_secs(60));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("audio"))
            .collect();
        names.sort();
        let ext = if encrypted { "enc" } else { "wav" };
        assert_eq!(
            names,
            [
                format!("audio-ch1.{ext}"),
                format!("audio-ch2.{ext}"),
                format!("audio.{ext}")
            ]
        );
        let session = Session::open_opt(&dir, encrypted.then_some(&secret)).unwrap();
        // Each channel as the microphone gave it (one step of 16 bits at most).
        let kept = session.channel_audio().unwrap().expect("both channels");
        for (mut k, want) in kept.into_iter().zip(&channels) {
            let got = k.read_all().unwrap();
            assert_eq!(got.len(), want.len());
            let off = got
                .iter()
                .zip(want)
                .filter(|(g, w)| (**g * 32768.0 - f32::from(**w)).abs() > 1.5)
                .count();
            assert_eq!(off, 0, "a kept channel differs from the microphone's");
        }
        // The second pass hears both (the stand-in transcriber here; the real one below).
        let pass = observant::pipeline::second_pass::second_pass_with(
            &session,
            &session.transcript(),
            &mut NumberedLines(0),
            None,
            &observant::pipeline::offline::OfflineOptions::new(PathBuf::from("unused")),
        )
        .unwrap();
        assert_eq!(pass.channels, 2);
        assert!(pass.lines > 0);
    }
    // From the command line, with the bundled model: `listen --input-file` keeps the file's
    // channels as it would a microphone's, and `second-pass` says it used them.
    let dir = root.path().join("cli");
    let mut cmd = observant();
    cmd.args(["listen", "--lang", "nl", "--input-file"])
        .arg(&wav)
        .arg("--save")
        .arg(&dir);
    run_ok(cmd, None);
    assert!(dir.join("audio-ch2.wav").is_file());
    let mut cmd = observant();
    cmd.args(["second-pass", "--lang", "nl"]).arg(&dir);
    let out = run_ok(cmd, None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("alle 2 microfoons"), "{err}");
    let note: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(note["channels"], 2);
    assert!(note["lines"].as_u64().unwrap() > 0, "{note}");
}

#[test]
fn the_second_pass_hears_a_voice_the_room_hid_from_the_vad() {
    // 30 s of two voices in a small hard room, where Silero misses most of the farther
    // voice (`tests/fixtures/audio/README.md`): the second pass's VAD hears the room
    // dereverberated, so its lines hold more of the speech than with `--no-dereverb`.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let hard = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/room-hard.ogg");
    record_from(&hard, &dir, None);
    let speech = |extra: &[&str]| -> f64 {
        let mut cmd = observant();
        cmd.args(["second-pass", "--lang", "nl", "--no-diarize"])
            .args(extra)
            .arg(&dir);
        run_ok(cmd, None);
        let side: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("review.json")).unwrap()).unwrap();
        side["transcript"]["utterances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["end"].as_f64().unwrap() - u["start"].as_f64().unwrap())
            .sum()
    };
    let (as_heard, dereverberated) = (speech(&["--no-dereverb"]), speech(&[]));
    assert!(
        dereverberated > 1.3 * as_heard,
        "{as_heard:.1} s -> {dereverberated:.1} s"
    );
}
