//! Groups that meet again (issue 17), through the binary as a user runs it: `group learn`
//! from a recording whose transcript names the speakers, `--group` naming those voices in
//! another recording, a voice that is not in the group staying `S<n>`, `group forget`, and
//! the store on disk holding no name or voice print in plain text (byte search, with a plain
//! control that does hold them). The voices are the committed speaker clips
//! (`tests/fixtures/speakers`, two Dutch voice actors, clips from different conversations).

use std::path::{Path, PathBuf};
use std::process::Command;

use observant::groups::learn::learn_voices;
use observant::speakers::VoiceEncoder;
use observant::transcript::{Transcript, Utterance};

const PASS: &str = "groep geheim";

fn bin(groups: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_observant"));
    c.env("OBSERVANT_GROUPS", groups)
        .env("OBSERVANT_PASSPHRASE", PASS);
    c
}

fn clip(name: &str) -> Vec<i16> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/speakers")
        .join(name);
    hound::WavReader::open(p)
        .unwrap()
        .samples::<i16>()
        .map(Result::unwrap)
        .collect()
}

/// Writes the clips one after another (0.5 s of silence between) and a transcript naming
/// each clip's speaker; returns (wav, json).
fn conversation(dir: &Path, stem: &str, parts: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let wav = dir.join(format!("{stem}.wav"));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    let mut t = Transcript::default();
    let mut at = 0usize;
    for (file, speaker) in parts {
        let pcm = clip(file);
        t.utterances.push(Utterance {
            start: at as f64 / 16000.0,
            end: (at + pcm.len()) as f64 / 16000.0,
            speaker: speaker.to_string(),
            text: String::new(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        });
        for s in pcm.iter().chain(std::iter::repeat_n(&0, 8000)) {
            w.write_sample(*s).unwrap();
        }
        at += pcm.len() + 8000;
    }
    w.finalize().unwrap();
    let json = dir.join(format!("{stem}.json"));
    std::fs::write(&json, serde_json::to_vec(&t).unwrap()).unwrap();
    (wav, json)
}

/// Learns group `name` in `groups` from a conversation of the first clips of both voices
/// (Bartholomeus, then Annemarie); returns that conversation (wav, json).
fn learn(dir: &Path, groups: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (wav, json) = conversation(
        dir,
        "learn",
        &[("big-1.wav", "Bartholomeus"), ("small-1.wav", "Annemarie")],
    );
    let out = bin(groups)
        .args(["group", "learn", name])
        .arg(&wav)
        .arg("--transcript")
        .arg(&json)
        .output()
        .expect("run observant");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "failed: {err}");
    // One 3.6-s turn each: the learner is told the profiles are thin.
    assert!(
        err.matches("dun profiel").count() + err.matches("thin profile").count() == 2,
        "{err}"
    );
    (wav, json)
}

fn run_ok(c: &mut Command) -> String {
    let out = c.output().expect("run observant");
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn speakers_of(analysis_json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(analysis_json).expect("analysis JSON");
    v["utterances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["speaker"].as_str().unwrap().to_string())
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn files_contain(dir: &Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .any(|e| contains(&std::fs::read(e.unwrap().path()).unwrap(), needle))
}

#[test]
fn learnt_voices_are_named_in_another_recording_and_the_store_is_sealed() {
    let tmp = tempfile::tempdir().unwrap();
    let groups = tmp.path().join("groups");
    let (wav, json) = learn(tmp.path(), &groups, "Intervisie Noord");

    // No plain name or voice print on disk; a plain copy of the same data (the control)
    // does show both, so the search itself works.
    let pcm = observant::audio::decode::load_16k_mono(&wav, None).unwrap();
    let t: Transcript = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let learnt = learn_voices(&VoiceEncoder::load_default().unwrap(), &pcm, &t);
    assert_eq!(learnt.voices.len(), 2);
    let value = learnt.voices[0].embedding.0[0];
    let as_text = serde_json::to_string(&value).unwrap();
    let as_bytes = value.to_le_bytes();
    let control = tmp.path().join("control");
    std::fs::create_dir(&control).unwrap();
    let plain = serde_json::to_vec(
        &learnt
            .voices
            .iter()
            .map(|v| (&v.name, v.embedding.0.to_vec()))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(control.join("plain.json"), plain).unwrap();
    assert!(files_contain(&control, b"Annemarie") && files_contain(&control, as_text.as_bytes()));
    for needle in [
        &b"Annemarie"[..],
        b"Bartholomeus",
        b"Intervisie",
        as_text.as_bytes(),
        &as_bytes,
    ] {
        assert!(
            !files_contain(&groups, needle),
            "plain text in the store: {:?}",
            String::from_utf8_lossy(needle)
        );
    }

    // Another recording of the same two voices (other clips), in the other order.
    let (other, _) = conversation(
        tmp.path(),
        "other",
        &[("small-2.wav", "?"), ("big-2.wav", "?")],
    );
    let out = run_ok(bin(&groups).arg("analyze").arg(&other).args([
        "--group",
        "intervisie noord",
        "--format",
        "json",
        "--lang",
        "nl",
    ]));
    let names = speakers_of(&out);
    assert!(!names.is_empty());
    assert_eq!(
        names.first().map(String::as_str),
        Some("Annemarie"),
        "{names:?}"
    );
    assert_eq!(
        names.last().map(String::as_str),
        Some("Bartholomeus"),
        "{names:?}"
    );

    // Forget one member: that voice becomes a guest (S1), the other keeps the name.
    let err = bin(&groups)
        .args(["group", "forget", "Intervisie Noord", "--member", "Nobody"])
        .output()
        .unwrap();
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("Nobody"));
    run_ok(bin(&groups).args([
        "group",
        "forget",
        "Intervisie Noord",
        "--member",
        "annemarie",
    ]));
    let list = run_ok(bin(&groups).args(["group", "list", "--format", "json"]));
    assert!(
        list.contains("Bartholomeus") && !list.contains("Annemarie"),
        "{list}"
    );
    // His profile comes from one 3.6-s turn: thin, and the list says so.
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        v[0]["members"][0]["thin"],
        serde_json::Value::Bool(true),
        "{list}"
    );
    let out = run_ok(bin(&groups).arg("analyze").arg(&other).args([
        "--group",
        "Intervisie Noord",
        "--format",
        "json",
        "--lang",
        "nl",
    ]));
    let names = speakers_of(&out);
    assert_eq!(names.first().map(String::as_str), Some("S1"), "{names:?}");
    assert_eq!(
        names.last().map(String::as_str),
        Some("Bartholomeus"),
        "{names:?}"
    );

    // Forget the group: nothing of it can be opened any more.
    run_ok(bin(&groups).args(["group", "forget", "Intervisie Noord"]));
    let list = run_ok(bin(&groups).args(["group", "list", "--format", "json"]));
    assert_eq!(list.trim(), "[]");
}

#[test]
fn group_commands_need_the_passphrase_and_a_known_group() {
    let tmp = tempfile::tempdir().unwrap();
    let groups = tmp.path().join("groups");
    let out = bin(&groups)
        .env_remove("OBSERVANT_PASSPHRASE")
        .args(["group", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OBSERVANT_PASSPHRASE") && err.lines().count() == 1,
        "{err}"
    );
    assert!(!groups.exists(), "no store is made without a passphrase");

    let (wav, json) = conversation(tmp.path(), "one", &[("big-1.wav", "Bram")]);
    run_ok(
        bin(&groups)
            .args(["group", "learn", "G"])
            .arg(&wav)
            .arg("--transcript")
            .arg(&json),
    );
    let out = bin(&groups)
        .env("OBSERVANT_PASSPHRASE", "een ander wachtwoord")
        .args(["group", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
    let out = bin(&groups)
        .arg("analyze")
        .arg(&wav)
        .args(["--group", "Onbekend"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Onbekend") && err.contains("G"), "{err}");
    // A transcript naming nobody teaches nothing.
    let (wav, json) = conversation(tmp.path(), "anon", &[("big-1.wav", "S1")]);
    let out = bin(&groups)
        .args(["group", "learn", "G"])
        .arg(&wav)
        .arg("--transcript")
        .arg(&json)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no voice learnt"));
}

#[test]
fn the_second_pass_names_the_groups_voices_where_live_knew_none() {
    let tmp = tempfile::tempdir().unwrap();
    let groups = tmp.path().join("groups");
    learn(tmp.path(), &groups, "G");
    // A session recorded live without the group: its voices are S1 and S2.
    let (other, _) = conversation(
        tmp.path(),
        "other",
        &[("small-2.wav", "?"), ("big-2.wav", "?")],
    );
    let session = tmp.path().join("sessie");
    run_ok(
        bin(&groups)
            .args(["listen", "--lang", "nl", "--input-file"])
            .arg(&other)
            .arg("--save")
            .arg(&session),
    );
    let report = |dir: &Path| run_ok(bin(&groups).args(["report", "--format", "md"]).arg(dir));
    let live = report(&session);
    assert!(!live.contains("Annemarie") && live.contains("S1"), "{live}");
    // The second pass with the group's voices names them, in review and report.
    run_ok(
        bin(&groups)
            .args(["second-pass", "--lang", "nl", "--group", "G"])
            .arg(&session),
    );
    let after = report(&session);
    assert!(
        after.contains("Annemarie") && after.contains("Bartholomeus"),
        "{after}"
    );
}

/// A conversation's recording heard through a simulated room (as a far laptop would hear it).
fn in_room(wav: &Path, room: observant::audio::reverb::SimulatedRoom) -> Vec<f32> {
    let pcm = observant::audio::decode::load_16k_mono(wav, None).unwrap();
    room.apply(&pcm, 16000)
}

#[test]
fn a_voice_learnt_close_is_also_printed_as_a_room_hears_it() {
    use observant::audio::reverb::SimulatedRoom;
    use observant::groups::learn::PRINT_ROOMS;
    let tmp = tempfile::tempdir().unwrap();
    let encoder = VoiceEncoder::load_default().unwrap();
    let (wav, json) = conversation(
        tmp.path(),
        "close",
        &[("big-1.wav", "Bartholomeus"), ("small-1.wav", "Annemarie")],
    );
    let t: Transcript = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let pcm = observant::audio::decode::load_16k_mono(&wav, None).unwrap();
    let close = learn_voices(&encoder, &pcm, &t);
    assert!(close.clarity.unwrap() >= observant::room::REVERBERANT_CLARITY);
    assert_eq!(close.voices.len(), 2);
    assert!(
        close
            .voices
            .iter()
            .all(|v| v.in_rooms.len() == PRINT_ROOMS.len())
    );

    // The other clips of both voices, heard in a room the prints were not made in: each
    // is closer to its own voice's room prints than to the print of the close recording.
    let (other, _) = conversation(
        tmp.path(),
        "other",
        &[("big-2.wav", "Bartholomeus"), ("small-2.wav", "Annemarie")],
    );
    let far = SimulatedRoom {
        rt60_s: 0.65,
        drr_db: -2.0,
        seed: 77,
        noise_snr_db: None,
    };
    let heard = in_room(&other, far);
    let big2 = clip("big-2.wav").len();
    let small_from = big2 + 8000;
    for (voice, range) in [(0, 0..big2), (1, small_from..heard.len() - 8000)] {
        let e = encoder.embed_utterance(&heard[range]);
        let v = &close.voices[voice];
        let plain = e.cosine(&v.embedding);
        let room = v.in_rooms.iter().map(|r| e.cosine(r)).fold(-1.0, f32::max);
        assert!(
            room > plain + 0.02,
            "{}: room {room} vs close {plain}",
            v.name
        );
    }

    // The same clips in a noisy room (a steady noise floor 12 dB below the speech, as a fan
    // or ventilation gives): closer to the print heard with noise than to those heard in
    // the quiet rooms.
    let noisy = SimulatedRoom {
        rt60_s: 0.55,
        drr_db: -3.0,
        seed: 78,
        noise_snr_db: Some(12.0),
    };
    let mut heard = in_room(&other, noisy);
    noisy.add_noise(&mut heard, 7);
    let with_noise = PRINT_ROOMS
        .iter()
        .position(|r| r.noise_snr_db.is_some())
        .expect("a print room with noise");
    for (voice, range) in [(0, 0..big2), (1, small_from..heard.len() - 8000)] {
        let e = encoder.embed_utterance(&heard[range]);
        let v = &close.voices[voice];
        let quiet = v
            .in_rooms
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != with_noise)
            .map(|(_, r)| e.cosine(r))
            .fold(-1.0, f32::max);
        let noisy_print = e.cosine(&v.in_rooms[with_noise]);
        assert!(
            noisy_print > quiet + 0.02,
            "{}: noisy room print {noisy_print} vs quiet rooms {quiet}",
            v.name
        );
    }

    // A recording made in a room already is printed as it is: no simulated companions.
    let reverberant = in_room(&wav, far);
    let learnt = learn_voices(&encoder, &reverberant, &t);
    assert!(learnt.clarity.unwrap() < observant::room::REVERBERANT_CLARITY);
    assert_eq!(learnt.voices.len(), 2);
    assert!(learnt.voices.iter().all(|v| v.in_rooms.is_empty()));
}
