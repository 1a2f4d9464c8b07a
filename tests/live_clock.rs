//! The live pipeline's clock: an event's `t` ("seconds since capture started", the contract)
//! is on the same timeline as the audio positions `start`/`end`, so `t - end` is the latency
//! a user sees, also when the device takes a while to deliver its first sample (PulseAudio
//! took 1.2-1.6 s on this machine) and when a file is played at real time (`--realtime`).

use std::time::{Duration, Instant};

use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::asr::{AsrSegment, Transcriber, Word};
use observant::audio::source::{AudioSource, Paced, SourceRead, TestSignal};
use observant::audio::vad::EnergyVad;
use observant::pipeline::Event;
use observant::pipeline::live::{LiveParts, SingleSpeaker, start_with};
use observant::session::SessionMeta;

/// One piece spanning the clip, instantly.
struct Instant1;

impl Transcriber for Instant1 {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<AsrSegment>> {
        Ok(vec![AsrSegment {
            start: 0.0,
            end: pcm.len() as f64 / 16000.0,
            text: "Waarom deed je dat?".into(),
            confidence: 0.9,
            no_speech_probability: 0.01,
            words: Vec::new(),
        }])
    }
    fn describe(&self) -> String {
        "instant fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

/// A microphone that delivers nothing for `delay` after it is first read, then a paced signal
/// (what the device hears from then on).
struct LateDevice {
    delay: Duration,
    opened: Option<Instant>,
    signal: Option<Paced<TestSignal>>,
    parts: Option<TestSignal>,
}

impl AudioSource for LateDevice {
    fn read(&mut self, out: &mut Vec<f32>) -> anyhow::Result<SourceRead> {
        out.clear();
        let opened = *self.opened.get_or_insert_with(Instant::now);
        if opened.elapsed() < self.delay {
            std::thread::sleep(Duration::from_millis(10));
            return Ok(SourceRead::Pending);
        }
        if self.signal.is_none() {
            self.signal = self.parts.take().map(TestSignal::paced);
        }
        self.signal
            .as_mut()
            .map_or(Ok(SourceRead::End), |s| s.read(out))
    }
    fn describe(&self) -> String {
        "late device".into()
    }
    fn is_live(&self) -> bool {
        true
    }
}

fn parts(source: Box<dyn AudioSource>) -> LiveParts {
    parts_with(source, Box::new(Instant1))
}

fn parts_with(source: Box<dyn AudioSource>, transcriber: Box<dyn Transcriber>) -> LiveParts {
    LiveParts {
        source,
        vad: Box::new(EnergyVad::default()),
        transcriber,
        attributor: Box::new(SingleSpeaker),
        classifier: Classifier::new(),
        config: Config::default(),
        meta: SessionMeta {
            title: "clock".into(),
            language: Some("nl".into()),
            ..Default::default()
        },
        save_dir: None,
        secret: None,
        device: "test".into(),
        reopen: None,
        file_hook: None,
        disk_hold_seconds: 300.0,
    }
}

/// Every event of a pipeline run up to `Stopped` (at most 30 s).
fn events(parts: LiveParts) -> Vec<Event> {
    let p = start_with(parts).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while Instant::now() < deadline {
        let Ok(e) = p.handle.events.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        let stopped = matches!(e, Event::Stopped { .. });
        out.push(e);
        if stopped {
            break;
        }
    }
    p.join();
    out
}

/// (t, end) of every line as it first appeared (a line is sent again when it changes), and
/// every event's t in order.
fn run(source: Box<dyn AudioSource>) -> (Vec<(f64, f64)>, Vec<f64>) {
    let (mut utts, mut ts) = (Vec::new(), Vec::new());
    for e in events(parts(source)) {
        ts.push(serde_json::to_value(&e).unwrap()["t"].as_f64().unwrap());
        if let Event::Utterance {
            t,
            index,
            utterance,
        } = e
            && index == utts.len()
        {
            utts.push((t, utterance.end));
        }
    }
    (utts, ts)
}

#[test]
fn latency_counts_from_capture_not_from_a_slow_device_start() {
    // Three 1 s bursts of "speech" 1 s apart; the device starts delivering after 1.5 s.
    let source = LateDevice {
        delay: Duration::from_millis(1500),
        opened: None,
        signal: None,
        parts: Some(TestSignal::bursts(3, 1.0, 1.0)),
    };
    let (utts, ts) = run(Box::new(source));
    assert_eq!(utts.len(), 3, "{utts:?}");
    for (t, end) in &utts {
        // The segment closes 0.4 s after the speech (0.2 s after its padded end); the fake
        // transcriber is instant. Counting from the pipeline's start would add the 1.5 s.
        let latency = t - end;
        assert!(
            (0.0..1.0).contains(&latency),
            "latency {latency:.2} s (t {t:.2}, end {end:.2})"
        );
    }
    assert!(
        ts.windows(2).all(|w| w[1] >= w[0] - 1e-9),
        "event times run backwards: {ts:?}"
    );
}

#[test]
fn a_recording_played_at_real_time_gives_the_same_latency() {
    let mut signal = TestSignal::bursts(2, 1.0, 1.0);
    let mut all = Vec::new();
    let mut buf = Vec::new();
    while let Ok(SourceRead::Samples(_)) = signal.read(&mut buf) {
        all.extend_from_slice(&buf);
    }
    let started = Instant::now();
    let (utts, _) = run(Box::new(Paced::new(TestSignal::from_samples(all.clone()))));
    // Paced: the run takes as long as the audio.
    assert!(started.elapsed().as_secs_f64() >= all.len() as f64 / 16000.0 - 0.1);
    assert_eq!(utts.len(), 2, "{utts:?}");
    for (t, end) in &utts {
        assert!((0.0..1.0).contains(&(t - end)), "t {t:.2}, end {end:.2}");
    }
}

/// Speech whose loudness tells where it is: a 300 Hz tone whose amplitude grows by 0.02 per
/// second of the recording, so a transcriber handed any part of it knows that part's place.
fn amplitude(t: f64) -> f64 {
    0.05 + 0.02 * t
}

/// A fake Whisper that hears fixed words at fixed times of the recording ([`amplitude`]
/// tells it where a clip lies): two lines, one after the other without a pause, in the
/// way a turn taken at once follows another.
struct TwoTurns;

const TURN_WORDS: [(&str, f64, f64, usize); 6] = [
    ("Waarom", 0.5, 0.9, 0),
    ("deed", 0.9, 1.3, 0),
    ("je", 1.3, 1.6, 0),
    ("Omdat", 2.3, 3.0, 1),
    ("het", 3.0, 4.5, 1),
    ("moest", 4.5, 6.0, 1),
];

impl Transcriber for TwoTurns {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<AsrSegment>> {
        // Where the clip starts: from the amplitude of its first loud 20 ms.
        let Some(i) = pcm.iter().position(|v| v.abs() > 0.01) else {
            return Ok(Vec::new());
        };
        let part = &pcm[i..(i + 320).min(pcm.len())];
        let rms = (part.iter().map(|v| v * v).sum::<f32>() / part.len() as f32).sqrt();
        let at = ((f64::from(rms) * std::f64::consts::SQRT_2 - 0.05) / 0.02).max(0.0);
        let offset = at - i as f64 / 16000.0;
        let end = offset + pcm.len() as f64 / 16000.0;
        let mut out: Vec<AsrSegment> = Vec::new();
        let mut last_line = None;
        for &(text, a, b, line) in &TURN_WORDS {
            // A word is heard when most of it is in the clip.
            if (a + b) / 2.0 < offset || (a + b) / 2.0 > end {
                continue;
            }
            let w = Word {
                start: (a - offset).max(0.0),
                end: (b - offset).min(end - offset),
                text: text.into(),
                probability: 0.9,
            };
            match out.last_mut() {
                Some(seg) if last_line == Some(line) => {
                    seg.text = format!("{} {text}", seg.text);
                    seg.end = w.end;
                    seg.words.push(w);
                }
                _ => out.push(AsrSegment {
                    start: w.start,
                    end: w.end,
                    text: text.into(),
                    confidence: 0.9,
                    no_speech_probability: 0.01,
                    words: vec![w],
                }),
            }
            last_line = Some(line);
        }
        Ok(out)
    }
    fn describe(&self) -> String {
        "two-turns fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

#[test]
fn a_line_followed_at_once_by_another_is_sent_before_the_segment_ends() {
    // 0.5 s of silence, 5.5 s of speech without a pause, 1 s of silence, played at real time.
    let mut samples = vec![0.0f32; 8000];
    samples.extend((8000..96_000).map(|i| {
        let t = i as f64 / 16000.0;
        (amplitude(t) * (2.0 * std::f64::consts::PI * 300.0 * t).sin()) as f32
    }));
    samples.extend(std::iter::repeat_n(0.0f32, 16000));
    let lines: Vec<(f64, String)> = events(parts_with(
        Box::new(Paced::new(TestSignal::from_samples(samples))),
        Box::new(TwoTurns),
    ))
    .into_iter()
    .filter_map(|e| match e {
        Event::Utterance { t, utterance, .. } => Some((t, utterance.text)),
        _ => None,
    })
    .collect();
    let texts: Vec<&str> = lines.iter().map(|(_, x)| x.as_str()).collect();
    // Every word once, in order, the question on its own line.
    assert_eq!(texts, ["Waarom deed je", "Omdat het moest"], "{lines:?}");
    // The question was on screen while the answer was still being spoken (before 6 s),
    // not after the whole segment (6.4 s at the earliest).
    assert!(
        lines[0].0 < 5.5,
        "the first line came at {:.2} s",
        lines[0].0
    );
}

/// A fake Whisper that recognises no word in anything (a far voice, another language).
struct HearsNothing;

impl Transcriber for HearsNothing {
    fn transcribe(&mut self, _pcm: &[f32]) -> anyhow::Result<Vec<AsrSegment>> {
        Ok(Vec::new())
    }
    fn describe(&self) -> String {
        "hears-nothing fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

#[test]
fn speech_without_a_recognised_word_is_a_line_without_text_when_it_lasts() {
    // 2 s of "speech" Whisper makes nothing of, then a 0.3 s click-like burst.
    let tone = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|i| 0.2 * (2.0 * std::f32::consts::PI * 300.0 * i as f32 / 16000.0).sin())
            .collect()
    };
    let mut samples = vec![0.0f32; 8000];
    samples.extend(tone(32_000));
    samples.extend(vec![0.0f32; 16_000]);
    samples.extend(tone(4_800));
    samples.extend(vec![0.0f32; 16_000]);
    let lines: Vec<_> = events(parts_with(
        Box::new(TestSignal::from_samples(samples)),
        Box::new(HearsNothing),
    ))
    .into_iter()
    .filter_map(|e| match e {
        Event::Utterance { utterance, .. } => Some(utterance),
        _ => None,
    })
    .collect();
    // One line: the long turn keeps its speaker and talk time, with no text and confidence
    // 0 (the observer shows it as "onverstaanbaar"); the short burst gives none.
    assert_eq!(lines.len(), 1, "{lines:?}");
    let l = &lines[0];
    assert!(l.text.is_empty(), "{l:?}");
    assert_eq!(l.extra.asr_confidence, Some(0.0));
    assert!(!l.speaker.is_empty());
    assert!(l.start <= 0.55 && l.end >= 2.5, "{l:?}");
}

/// Each line's times as last sent (a line is sent again when it changes), by index.
fn final_lines(events: Vec<Event>) -> Vec<(f64, f64)> {
    let mut lines = std::collections::BTreeMap::new();
    for e in events {
        if let Event::Utterance {
            index, utterance, ..
        } = e
        {
            lines.insert(index, (utterance.start, utterance.end));
        }
    }
    lines.into_values().collect()
}

#[test]
fn a_short_pause_between_two_lines_is_shared_between_them_as_in_the_report() {
    // Two 1 s turns 1 s apart: the VAD ends the first before its reverberant tail would
    // end, so the pause is split in the middle (as the offline path and the report do)
    // and the first line is sent again with its new end.
    let lines = final_lines(events(parts(Box::new(TestSignal::bursts(2, 1.0, 1.0)))));
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (a, b) = (lines[0], lines[1]);
    assert_eq!(a.1, b.0, "{lines:?}");
    assert!(
        a.1 > 1.2 && a.1 < 1.9,
        "the cut at {:.2} s is not in the pause",
        a.1
    );
    // A silence of 3 s is nobody's: the lines stay apart.
    let lines = final_lines(events(parts(Box::new(TestSignal::bursts(2, 1.0, 3.0)))));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].0 - lines[0].1 > 2.0, "{lines:?}");
}

/// A fake Whisper that writes a whole clip as one piece of two sentences (a question, then
/// its answer taken at once by another voice), with word times: what Whisper often does
/// with a turn taken without a pause.
struct OnePieceTwoSentences;

impl Transcriber for OnePieceTwoSentences {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<AsrSegment>> {
        let Some(first) = pcm.iter().position(|v| v.abs() > 0.01) else {
            return Ok(Vec::new());
        };
        // Times in the clip: the first voice's words from where its sound starts.
        let at = first as f64 / 16000.0;
        let words: Vec<Word> = [
            ("Waarom", 0.0, 0.4),
            ("deed", 0.4, 0.8),
            ("je", 0.8, 1.0),
            ("dat?", 1.0, 1.9),
            ("Omdat", 2.1, 2.6),
            ("het", 2.6, 3.0),
            ("moest.", 3.0, 3.8),
        ]
        .iter()
        .map(|&(text, a, b)| Word {
            start: at + a,
            end: at + b,
            text: text.into(),
            probability: 0.9,
        })
        .collect();
        Ok(vec![AsrSegment {
            start: 0.0,
            end: pcm.len() as f64 / 16000.0,
            text: "Waarom deed je dat? Omdat het moest.".into(),
            confidence: 0.9,
            no_speech_probability: 0.01,
            words,
        }])
    }
    fn describe(&self) -> String {
        "one-piece fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

/// Two voices told apart by loudness (the first soft, the second loud).
struct ByLoudness;

impl observant::pipeline::live::Attributor for ByLoudness {
    fn attribute(&mut self, pcm: &[f32]) -> String {
        let rms = (pcm.iter().map(|v| v * v).sum::<f32>() / pcm.len().max(1) as f32).sqrt();
        if rms < 0.1 { "S1" } else { "S2" }.into()
    }
    fn reassign(&mut self, _index: usize, _speaker: &str) {}
    fn enroll_next(&mut self, _name: &str) {}
    fn rename(&mut self, _from: &str, _to: &str) {}
}

#[test]
fn two_sentences_in_one_piece_are_two_lines_each_with_its_own_voice() {
    // A file (no snapshots): 0.5 s of silence, a soft voice for 2 s, at once a loud one for
    // 1.8 s, 1 s of silence. Whisper writes both sentences as one piece.
    let tone = |n: usize, a: f32| -> Vec<f32> {
        (0..n)
            .map(|i| a * (i as f32 * 2.0 * std::f32::consts::PI * 220.0 / 16000.0).sin())
            .collect()
    };
    let mut samples = vec![0.0f32; 8000];
    samples.extend(tone(32_000, 0.05));
    samples.extend(tone(28_800, 0.3));
    samples.extend(std::iter::repeat_n(0.0f32, 16000));
    let mut p = parts_with(
        Box::new(TestSignal::from_samples(samples)),
        Box::new(OnePieceTwoSentences),
    );
    p.attributor = Box::new(ByLoudness);
    let lines: Vec<(String, String, f64, f64)> = events(p)
        .into_iter()
        .filter_map(|e| match e {
            Event::Utterance { utterance: u, .. } => Some((u.text, u.speaker, u.start, u.end)),
            _ => None,
        })
        .collect();
    let said: Vec<(&str, &str)> = lines
        .iter()
        .map(|(t, s, _, _)| (t.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        said,
        [("Waarom deed je dat?", "S1"), ("Omdat het moest.", "S2")],
        "{lines:?}"
    );
    // The question's line ends where the answer begins (about 2.5 s in).
    assert!((2.3..2.7).contains(&lines[0].3), "{lines:?}");
}
