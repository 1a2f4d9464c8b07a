//! The live pipeline's clock: an event's `t` ("seconds since capture started", the contract)
//! is on the same timeline as the audio positions `start`/`end`, so `t - end` is the latency
//! a user sees, also when the device takes a while to deliver its first sample (PulseAudio
//! took 1.2-1.6 s on this machine) and when a file is played at real time (`--realtime`).

use std::time::{Duration, Instant};

use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::asr::{AsrSegment, Transcriber};
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
    LiveParts {
        source,
        vad: Box::new(EnergyVad::default()),
        transcriber: Box::new(Instant1),
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

/// (t, end) of every utterance, and every event's t in order.
fn run(source: Box<dyn AudioSource>) -> (Vec<(f64, f64)>, Vec<f64>) {
    let p = start_with(parts(source)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut utts, mut ts) = (Vec::new(), Vec::new());
    while Instant::now() < deadline {
        let Ok(e) = p.handle.events.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        let v = serde_json::to_value(&e).unwrap();
        ts.push(v["t"].as_f64().unwrap());
        match e {
            Event::Utterance { t, utterance, .. } => utts.push((t, utterance.end)),
            Event::Stopped { .. } => break,
            _ => {}
        }
    }
    p.join();
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
