//! Speaker attribution in the offline pipeline on the committed two-voice fixture clips
//! (`tests/fixtures/speakers`): turns of two voices joined back to back (no pause) or with
//! a short pause end up in one VAD segment and one Whisper window; the utterances must
//! still be split where the voice changes. The real VAD and voice encoder run; Whisper is
//! replaced by a fake that "hears" one word per 0.4 s of sound, so the test is fast.

mod fakes;

use std::path::PathBuf;

use fakes::WordPerStretch;
use observant::audio::source::TestSignal;
use observant::pipeline::offline::{OfflineOptions, ProgressCounter, transcribe_source};
use observant::speakers::VoiceEncoder;
use observant::transcript::Transcript;

fn fixture(name: &str) -> Vec<f32> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/speakers")
        .join(name);
    let mut r = hound::WavReader::open(&p).expect("fixture wav");
    r.samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0)
        .collect()
}

/// The fixtures' two voices as one recording, with each clip's (start, end, voice).
fn two_voices() -> (Vec<f32>, Vec<(f64, f64, &'static str)>) {
    let (b1, b2, s1, s2) = (
        fixture("big-1.wav"),
        fixture("big-2.wav"),
        fixture("small-1.wav"),
        fixture("small-2.wav"),
    );
    // small-1 | big-1 back to back, 1.5 s silence, small-2, 0.3 s silence, big-2: the first
    // and the last change lie inside VAD segments (the VAD needs 0.4 s of silence to end one).
    let mut pcm = vec![0f32; 8000];
    let mut truth: Vec<(f64, f64, &str)> = Vec::new();
    let mut add = |pcm: &mut Vec<f32>, clip: &[f32], who: &'static str, pause: f64| {
        let a = pcm.len() as f64 / 16000.0;
        pcm.extend_from_slice(clip);
        truth.push((a, pcm.len() as f64 / 16000.0, who));
        pcm.extend(std::iter::repeat_n(0.0, (pause * 16000.0) as usize));
    };
    add(&mut pcm, &s1, "small", 0.0);
    add(&mut pcm, &b1, "big", 1.5);
    add(&mut pcm, &s2, "small", 0.3);
    add(&mut pcm, &b2, "big", 0.5);
    (pcm, truth)
}

/// The fixtures' conversation attributed offline with `opts` (the fake Whisper, the real VAD
/// and voice encoder).
fn attribute(enc: &VoiceEncoder, pcm: &[f32], opts: &OfflineOptions) -> Transcript {
    transcribe_source(
        TestSignal::from_samples(pcm.to_vec()),
        &mut WordPerStretch,
        Some(enc),
        &[],
        opts,
    )
    .expect("transcribe")
    .0
}

/// The voices a transcript names, sorted.
fn voice_names(t: &Transcript) -> Vec<String> {
    let mut names: Vec<String> = t.utterances.iter().map(|u| u.speaker.clone()).collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn utterances_are_split_where_the_voice_changes() {
    let enc = VoiceEncoder::load_default().expect("voice model");
    let (pcm, truth) = two_voices();
    for speakers in [Some(2), None] {
        let mut opts = OfflineOptions::new(PathBuf::from("unused"));
        opts.speakers = speakers;
        let t = attribute(&enc, &pcm, &opts);
        // Consecutive utterances of one speaker (the VAD also cuts a clip at its own
        // pauses) form a run; the runs must be the four clips.
        let mut runs: Vec<(&str, f64, f64)> = Vec::new();
        for u in &t.utterances {
            match runs.last_mut() {
                Some(r) if r.0 == u.speaker => r.2 = u.end,
                _ => runs.push((&u.speaker, u.start, u.end)),
            }
        }
        let who: Vec<&str> = runs.iter().map(|r| r.0).collect();
        assert_eq!(
            who,
            ["S1", "S2", "S1", "S2"],
            "{speakers:?}: {:#?}",
            t.utterances
        );
        for k in 1..runs.len() {
            // Each change lies in the pause between the clips, or within 0.8 s of the join.
            let (change, prev_end, next_start) = (runs[k].1, truth[k - 1].1, truth[k].0);
            assert!(
                change > prev_end - 0.8 && change < next_start + 0.8,
                "{speakers:?}: change at {change}, clips end {prev_end}, start {next_start}"
            );
        }
        // Every word is kept, in order.
        let words: Vec<String> = t
            .utterances
            .iter()
            .flat_map(|u| u.text.split(' ').map(str::to_string))
            .collect();
        assert!(words.len() >= 30, "{words:?}");
        assert_eq!(t.participants.len(), 2);
    }
}

#[test]
fn a_cap_on_the_number_of_speakers_holds_and_a_higher_one_changes_nothing() {
    let enc = VoiceEncoder::load_default().expect("voice model");
    let (pcm, _) = two_voices();
    let voices = |max: Option<usize>| {
        let mut opts = OfflineOptions::new(PathBuf::from("unused"));
        opts.max_speakers = max;
        voice_names(&attribute(&enc, &pcm, &opts))
    };
    // "At most one voice" (a recording of one trainer): everything is S1.
    assert_eq!(voices(Some(1)), ["S1"]);
    // A cap above the true count leaves the estimate alone.
    assert_eq!(voices(Some(4)), ["S1", "S2"]);
    assert_eq!(voices(None), ["S1", "S2"]);
}

/// A fake Whisper that cancels the transcription (as the GUI's "Annuleren" does) when it is
/// called for the `at`-th window, and counts its calls.
struct CancelsAt {
    at: usize,
    calls: usize,
    counter: std::sync::Arc<ProgressCounter>,
}

impl observant::asr::Transcriber for CancelsAt {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<observant::asr::AsrSegment>> {
        self.calls += 1;
        if self.calls == self.at {
            self.counter.cancel();
        }
        WordPerStretch.transcribe(pcm)
    }
    fn describe(&self) -> String {
        "cancelling fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

/// Two minutes of 1 s voice clips with pauses: several Whisper windows.
fn long_recording() -> Vec<f32> {
    let clip = fixture("big-1.wav");
    let mut pcm = Vec::new();
    while pcm.len() < 120 * 16000 {
        pcm.extend_from_slice(&clip);
        pcm.extend(std::iter::repeat_n(0.0, 8000));
    }
    pcm
}

#[test]
fn a_recording_reports_its_progress_and_can_be_cancelled() {
    let pcm = long_recording();
    let counter = std::sync::Arc::new(ProgressCounter::default());
    let mut opts = OfflineOptions::new(PathBuf::from("unused"));
    opts.progress_counter = Some(counter.clone());
    opts.diarize = false;
    let mut fake = CancelsAt {
        at: usize::MAX,
        calls: 0,
        counter: counter.clone(),
    };
    let (t, _) = transcribe_source(
        TestSignal::from_samples(pcm.clone()),
        &mut fake,
        None,
        &[],
        &opts,
    )
    .expect("transcribe");
    assert!(!t.utterances.is_empty());
    assert!(fake.calls >= 3, "{} windows", fake.calls);
    assert_eq!(counter.fraction(), Some(1.0), "the bar ends full");

    // Cancelled during the second window: stops there with an error, no further windows.
    let counter = std::sync::Arc::new(ProgressCounter::default());
    opts.progress_counter = Some(counter.clone());
    let mut fake = CancelsAt {
        at: 2,
        calls: 0,
        counter: counter.clone(),
    };
    let err = transcribe_source(TestSignal::from_samples(pcm), &mut fake, None, &[], &opts)
        .expect_err("cancelled");
    assert!(format!("{err:#}").contains("afgebroken"), "{err:#}");
    assert_eq!(fake.calls, 2);
    let f = counter.fraction().expect("total known");
    assert!(f > 0.0 && f < 1.0, "fraction {f}");
}

#[test]
fn the_second_pass_keeps_to_the_count_or_cap_on_voices_the_session_was_started_with() {
    use observant::session::{Session, SessionMeta};
    let enc = VoiceEncoder::load_default().expect("voice model");
    let (pcm, _) = two_voices();
    let voices = |max_speakers: Option<usize>, known_speakers: Option<usize>| {
        let root = tempfile::tempdir().unwrap();
        let (s, journal) = Session::create(
            root.path(),
            SessionMeta {
                max_speakers,
                known_speakers,
                ..Default::default()
            },
        )
        .unwrap();
        drop(journal);
        let mut w = s.create_audio_writer(16000).unwrap();
        w.write(&pcm).unwrap();
        w.finish().unwrap();
        let dir = s.dir.clone();
        drop(s);
        let session = Session::open(&dir).unwrap();
        let pass = observant::pipeline::second_pass::second_pass_with(
            &session,
            &session.transcript(),
            &mut WordPerStretch,
            Some(&enc),
            &OfflineOptions::new(PathBuf::from("unused")),
        )
        .expect("second pass");
        // The pass says which count it clustered into (the review's note shows it).
        assert_eq!(pass.voices, known_speakers);
        voice_names(&pass.transcript)
    };
    // Started with "at most one voice": the second pass finds one too, not two.
    assert_eq!(voices(Some(1), None), ["S1"]);
    assert_eq!(voices(None, None), ["S1", "S2"]);
    // "At most three" is a cap: the two voices stay two. "Three voices" (the start screen's
    // count, `listen --speakers 3`) is the number the user gave: the second pass finds three.
    assert_eq!(voices(Some(3), None), ["S1", "S2"]);
    assert_eq!(voices(Some(3), Some(3)), ["S1", "S2", "S3"]);
}
