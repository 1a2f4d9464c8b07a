//! The room check (#13 item 6) as a user meets it: `observant room` on a recording, the start
//! screen's advice while the microphone hears the room (a recording stands in for the
//! microphone), and `listen`'s `room` events. The three fixtures are the same 12 s of Dutch
//! conversation as a close microphone hears it, from far away in a reverberant room, and close
//! by in a noisy one (`tests/fixtures/audio/README.md`). Also what the recogniser is given of
//! the far and the close recording (one channel is dereverberated for Whisper where it sounds
//! reverberant), and of a recording whose room hides a voice from the VAD (`room-hard.ogg`).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use common::{harness_with, options, pump};
use egui_kittest::kittest::Queryable;
use observant::audio::source::{AudioSource, FileSource};
use observant::ui::ScriptedPipeline;
use observant::ui::devices::{Device, DeviceList};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/audio/room-{name}.wav"))
}

fn observant() -> Command {
    Command::new(env!("CARGO_BIN_EXE_observant"))
}

/// Runs `observant ARGS FILE` and expects it to succeed.
fn run_ok(args: &[&str], file: &std::path::Path) -> std::process::Output {
    let out = observant().args(args).arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The three rooms, the problems each must show and a phrase of the advice that goes with it.
const ROOMS: [(&str, &[&str], &str); 3] = [
    ("close", &[], "Het geluid is goed"),
    ("far", &["reverberation"], "midden op tafel"),
    ("noisy", &["noise"], "achtergrondgeluid"),
];

#[test]
fn room_command_tells_close_far_and_noisy_apart() {
    for (name, expected, phrase) in ROOMS {
        let out = run_ok(&["room", "--format", "json"], &fixture(name));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let overall = &v["overall"];
        let problems: Vec<&str> = overall["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(problems, expected, "{name}: {overall}");
        assert!(
            overall["advice"][0].as_str().unwrap().contains(phrase),
            "{name}: {overall}"
        );
        assert!((v["seconds"].as_f64().unwrap() - 12.0).abs() < 0.01);
        // Text output in English says the same.
        let out = observant()
            .args(["room", "--ui-lang", "en"])
            .arg(fixture(name))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Overall:"), "{text}");
    }
}

#[test]
fn room_command_refuses_bad_input_in_one_line() {
    let cases: [(&[&str], &str); 2] = [
        (&["room", "tests/fixtures/audio/garbage.mp3"], "audio"),
        (
            &["room", "--window", "0", "tests/fixtures/audio/room-far.wav"],
            "--window",
        ),
    ];
    for (args, expect) in cases {
        let out = observant()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(expect), "{err}");
    }
}

#[test]
fn start_screen_gives_each_room_its_own_advice() {
    for (name, _, phrase) in ROOMS {
        let path = fixture(name);
        let mut opts = options(
            ScriptedPipeline::new(common::session())
                .instant()
                .into_starter(),
        );
        let list = DeviceList {
            devices: vec![Device {
                id: "test:tafel".into(),
                name: "Laptopmicrofoon".into(),
            }],
            default: Some("test:tafel".into()),
        };
        opts.microphones = Some((
            list,
            Arc::new(move |_: &str| -> anyhow::Result<Box<dyn AudioSource>> {
                Ok(Box::new(FileSource::open(&path)?))
            }),
        ));
        let mut h = harness_with(egui::vec2(1280.0, 900.0), opts);
        h.run_steps(2);
        // The stand-in microphone delivers the whole recording at once; its last estimate
        // covers all 12 s.
        pump(&mut h, |app| {
            app.form.devices.room().is_some_and(|e| e.seconds > 11.5)
        });
        h.get_by_label_contains(phrase);
        for (other, _, other_phrase) in ROOMS {
            if other != name {
                assert!(
                    h.query_by_label_contains(other_phrase).is_none(),
                    "{name} also shows the advice for {other}"
                );
            }
        }
        h.get_by_label_contains("Ruimte: ");
    }
}

/// `listen` reports the room check as `room` events with the same figures `observant room`
/// gives for the same audio (the bundled model transcribes meanwhile: about 10 s).
#[test]
fn listen_reports_the_room_as_an_event() {
    let out = run_ok(&["listen", "--lang", "nl", "--input-file"], &fixture("far"));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let room = events
        .iter()
        .find(|e| e["type"] == "room")
        .unwrap_or_else(|| panic!("no room event in {events:?}"));
    assert_eq!(
        room["problems"],
        serde_json::json!(["reverberation"]),
        "{room}"
    );
    // The live estimate covers the first ~10 s; the recording's check of the same span agrees.
    let seconds = room["seconds"].as_f64().unwrap();
    assert!((9.9..12.0).contains(&seconds), "{room}");
    let out = observant()
        .args(["room", "--format", "json", "--window"])
        .arg(format!("{seconds}"))
        .arg(fixture("far"))
        .output()
        .unwrap();
    let check: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &check["windows"][0];
    for (field, tolerance) in [("clarity", 0.05), ("snr_db", 2.0), ("speech_dbfs", 1.0)] {
        let (a, b) = (
            room[field].as_f64().unwrap(),
            first[field].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() <= tolerance,
            "{field}: live {a}, recording {b}"
        );
    }
    assert!(room["t"].as_f64().is_some());
}

/// Review says what the microphone heard in the recording under review, and warns that
/// recognition may have missed things when the room was the problem.
#[test]
fn review_shows_the_room_of_its_recording() {
    for (name, expected, phrase) in ROOMS {
        let doc = observant::review::ReviewDoc::new(
            observant::review::Origin::Unsaved(fixture(name)),
            "test".into(),
            common::session(),
            observant::review::History::default(),
            Some(fixture(name)),
            observant::i18n::UiLang::Nl,
        );
        let opts = options(
            ScriptedPipeline::new(common::session())
                .instant()
                .into_starter(),
        );
        let mut h = harness_with(egui::vec2(1280.0, 900.0), opts);
        h.state_mut()
            .show_review_screen(observant::ui::review::ReviewScreen::new(doc, None));
        pump(&mut h, |app| {
            app.review().is_some_and(|r| r.state.room_job.is_none())
        });
        h.get_by_label("Ruimte (opname)");
        h.get_by_label_contains(phrase);
        let warned = h
            .query_by_label_contains("kan de spraakherkenning woorden")
            .is_some();
        assert_eq!(warned, !expected.is_empty(), "{name}");
        // The report made from the review says it too.
        let doc = &h.state().review().unwrap().doc;
        let html = observant::review::store::report_html(doc, false, observant::i18n::UiLang::Nl);
        assert_eq!(html.contains("Opname: "), !expected.is_empty(), "{name}");
    }
}

/// `observant report` of a recording says when the room may have cost words and flags.
#[test]
fn the_report_of_a_recording_names_the_room_problem() {
    for (name, expected, _) in ROOMS {
        let out = run_ok(
            &["report", "--format", "md", "--lang", "nl"],
            &fixture(name),
        );
        let md = String::from_utf8_lossy(&out.stdout);
        let line = md.lines().find(|l| l.starts_with("Opname: "));
        match expected {
            [] => assert!(line.is_none(), "{name}: {line:?}"),
            ["reverberation"] => assert!(line.is_some_and(|l| l.contains("galmend")), "{md}"),
            _ => assert!(line.is_some_and(|l| l.contains("rumoerig")), "{md}"),
        }
    }
}

/// A fake Whisper that keeps what it was given to hear and hears nothing.
#[derive(Default)]
struct Ears(Vec<f32>);

impl observant::asr::Transcriber for Ears {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<observant::asr::AsrSegment>> {
        self.0.extend_from_slice(pcm);
        Ok(Vec::new())
    }
    fn describe(&self) -> String {
        "ears".into()
    }
    fn language(&self) -> Option<String> {
        None
    }
}

/// What the recogniser hears of a one-microphone recording transcribed offline.
fn heard(name: &str, dereverb: bool) -> Vec<f32> {
    use observant::pipeline::offline::{OfflineOptions, transcribe_source};
    let mut opts = OfflineOptions::new(PathBuf::from("unused"));
    opts.diarize = false;
    opts.dereverb = dereverb;
    let mut ears = Ears::default();
    let source = FileSource::open(fixture(name)).unwrap();
    transcribe_source(source, &mut ears, None, &[], &opts).unwrap();
    assert!(
        ears.0.len() > 16000 * 5,
        "{name}: the recogniser heard the speech"
    );
    ears.0
}

#[test]
fn a_far_reverberant_voice_reaches_the_recogniser_dereverberated_a_close_one_as_recorded() {
    use observant::audio::room::estimate;
    let clarity = |pcm: &[f32]| estimate(pcm).unwrap().clarity;
    // Far away in a reverberant room: Whisper hears the syllables less smeared.
    let (raw, clean) = (heard("far", false), heard("far", true));
    assert_eq!(raw.len(), clean.len(), "same windows, same length");
    assert!(
        clarity(&clean) > clarity(&raw) + 0.03,
        "clarity {} -> {}",
        clarity(&raw),
        clarity(&clean)
    );
    // A close microphone is left exactly as it was recorded.
    assert_eq!(heard("close", true), heard("close", false));
}

/// How much audio the recogniser is given of a recording of one channel, with the VAD the
/// offline path picks for it (`vad_for`) or with Silero as it is.
fn heard_seconds(path: &std::path::Path, pick: bool) -> f64 {
    use observant::pipeline::offline::{OfflineOptions, transcribe_source_with_vad, vad_for};
    let mut opts = OfflineOptions::new(PathBuf::from("unused"));
    opts.diarize = false;
    let vad = if pick {
        vad_for(|| FileSource::open(path), &opts).unwrap().vad
    } else {
        observant::audio::default_vad(opts.vad)
    };
    let mut ears = Ears::default();
    let source = FileSource::open(path).unwrap();
    transcribe_source_with_vad(source, vad, &mut ears, None, &[], &opts).unwrap();
    ears.0.len() as f64 / 16000.0
}

#[test]
fn a_voice_the_room_hides_from_the_vad_reaches_the_recogniser() {
    // 30 s of two voices in a small hard room (RT60 0.68 s): Silero, hearing the recording as
    // it is, misses most of the deeper voice 1.7 m away; hearing it dereverberated, it does not.
    let hard = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/room-hard.ogg");
    let hearing = observant::audio::vad_track::hear(FileSource::open(&hard).unwrap()).unwrap();
    assert!(hearing.needs_dereverberation(), "{hearing:?}");
    let (as_is, picked) = (heard_seconds(&hard, false), heard_seconds(&hard, true));
    assert!(picked > 1.4 * as_is, "{as_is:.1} s -> {picked:.1} s");
    // A close recording is segmented as it always was.
    let close = fixture("close");
    assert_eq!(heard_seconds(&close, true), heard_seconds(&close, false));
}

/// Silero's scores of a recording's frames, fed as live capture feeds them (0.5-s chunks),
/// through `vad`.
fn live_scores(vad: &mut dyn observant::audio::Vad, pcm: &[f32]) -> Vec<f32> {
    let mut out = Vec::new();
    for chunk in pcm.chunks(8192) {
        vad.speech_probabilities(chunk, &mut out);
    }
    out
}

#[test]
fn live_the_vad_turns_to_the_dereverberated_room_once_it_misses_a_voice() {
    use observant::audio::vad_track::RoomAwareVad;
    use observant::audio::{SileroVad, load_16k_mono};
    let hard = load_16k_mono(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/room-hard.ogg"),
        None,
    )
    .unwrap();
    let mut live = RoomAwareVad::new().unwrap();
    let picked = live_scores(&mut live, &hard);
    let plain = live_scores(&mut SileroVad::bundled().unwrap(), &hard);
    assert!(live.dereverberated(), "{:?}", live.hearing());
    // Over the last ten seconds (after it turned) it hears far more speech than Silero.
    let speech = |p: &[f32]| p[p.len() - 312..].iter().filter(|&&v| v >= 0.5).count();
    assert!(
        speech(&picked) > 2 * speech(&plain),
        "{} -> {} frames",
        speech(&plain),
        speech(&picked)
    );
    // A close recording gets exactly Silero's own scores.
    let close = load_16k_mono(fixture("close"), None).unwrap();
    let mut live = RoomAwareVad::new().unwrap();
    assert_eq!(
        live_scores(&mut live, &close),
        live_scores(&mut SileroVad::bundled().unwrap(), &close)
    );
    assert!(!live.dereverberated());
}
