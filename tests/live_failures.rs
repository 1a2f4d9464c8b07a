//! The real live pipeline (`start_with`) under failure, without hardware: an input that dies
//! mid-stream (then a reconnect, or none), and a disk that fills up and frees again. The
//! source, VAD and session store are the real ones; only Whisper is replaced by a fake that
//! names each clip, so the tests are fast and check what reached the session on disk.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::asr::{AsrSegment, Transcriber};
use observant::audio::source::{AudioSource, Paced, SourceRead, TestSignal};
use observant::audio::vad::EnergyVad;
use observant::pipeline::live::{LiveParts, SessionFile, SingleSpeaker, start_with};
use observant::pipeline::{Command, Event};
use observant::session::{Entry, Session, SessionMeta};

/// Names each clip "Dit is zin nummer N." (one piece spanning the clip).
struct NamingTranscriber(usize);

impl Transcriber for NamingTranscriber {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<AsrSegment>> {
        self.0 += 1;
        Ok(vec![AsrSegment {
            start: 0.0,
            end: pcm.len() as f64 / 16000.0,
            text: format!("Dit is zin nummer {}.", self.0),
            confidence: 0.9,
            no_speech_probability: 0.01,
            words: Vec::new(),
        }])
    }
    fn describe(&self) -> String {
        "naming fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

/// Delivers `inner`, then fails like a pulled microphone instead of ending; counts what it
/// delivered.
struct DiesAtEnd {
    inner: TestSignal,
    delivered: Arc<AtomicU64>,
}

impl AudioSource for DiesAtEnd {
    fn read(&mut self, out: &mut Vec<f32>) -> anyhow::Result<SourceRead> {
        match self.inner.read(out)? {
            SourceRead::End => anyhow::bail!(
                "Het invoerapparaat is weggevallen (test) / The input device was lost (test)"
            ),
            r => {
                self.delivered.fetch_add(out.len() as u64, Ordering::SeqCst);
                Ok(r)
            }
        }
    }
    fn describe(&self) -> String {
        "dies".into()
    }
}

/// Speech-like bursts for the energy VAD (the same samples every time).
fn bursts(n: usize) -> TestSignal {
    TestSignal::bursts(n, 1.0, 1.0)
}

fn samples_of(mut s: TestSignal) -> Vec<f32> {
    let mut all = Vec::new();
    let mut buf = Vec::new();
    while let Ok(SourceRead::Samples(_)) = s.read(&mut buf) {
        all.extend_from_slice(&buf);
    }
    all
}

fn parts(source: Box<dyn AudioSource>, dir: &Path) -> LiveParts {
    LiveParts {
        source,
        vad: Box::new(EnergyVad::default()),
        transcriber: Box::new(NamingTranscriber(0)),
        attributor: Box::new(SingleSpeaker),
        classifier: Classifier::new(),
        config: Config::default(),
        meta: SessionMeta {
            title: "test".into(),
            language: Some("nl".into()),
            ..Default::default()
        },
        save_dir: Some(dir.to_path_buf()),
        secret: None,
        device: "test".into(),
        reopen: None,
        file_hook: None,
        disk_hold_seconds: 300.0,
    }
}

/// Receives events until `done` holds for one (returned last), at most 20 s.
fn until(rx: &crossbeam_channel::Receiver<Event>, done: impl Fn(&Event) -> bool) -> Vec<Event> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = Vec::new();
    while Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(100)) {
            let stop = done(&e);
            out.push(e);
            if stop {
                return out;
            }
        }
    }
    panic!("timed out; events so far: {out:?}");
}

/// Runs the pipeline of `p` to its end; the events up to `Stopped`.
fn run_to_end(p: LiveParts) -> Vec<Event> {
    let pipeline = start_with(p).unwrap();
    let events = until(&pipeline.handle.events, |e| {
        matches!(e, Event::Stopped { .. })
    });
    pipeline.join();
    events
}

/// The speaker of each line of the session saved in `dir`.
fn saved_speakers(dir: &Path) -> Vec<String> {
    Session::open(dir)
        .unwrap()
        .transcript()
        .utterances
        .iter()
        .map(|u| u.speaker.clone())
        .collect()
}

/// How many lines the events hold (a line is sent again under its index when it changes).
fn utterances(events: &[Event]) -> usize {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Utterance { index, .. } => Some(*index),
            _ => None,
        })
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

fn wav(path: &Path) -> Vec<i16> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<i16>()
        .map(Result::unwrap)
        .collect()
}

fn q(v: &[f32]) -> Vec<i16> {
    v.iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
        .collect()
}

fn last_audio_entry(dir: &Path) -> Option<f64> {
    let (entries, _) =
        observant::session::journal::read_entries(&dir.join("journal.jsonl")).unwrap();
    entries.iter().rev().find_map(|e| match e {
        Entry::Audio { seconds } => Some(*seconds),
        _ => None,
    })
}

#[test]
fn a_lost_device_flushes_the_session_and_a_reconnect_appends_to_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let delivered = Arc::new(AtomicU64::new(0));
    let first = DiesAtEnd {
        inner: bursts(3),
        delivered: delivered.clone(),
    };
    let asked = Arc::new(Mutex::new(Vec::new()));
    let mut p = parts(Box::new(first), &dir);
    let log = asked.clone();
    p.reopen = Some(Box::new(move |device: Option<&str>| {
        log.lock().unwrap().push(device.map(str::to_string));
        Ok((Box::new(bursts(2)) as Box<dyn AudioSource>, "tweede".into()))
    }));
    let pipeline = start_with(p).unwrap();
    let events = &pipeline.handle.events;

    let before = until(events, |e| matches!(e, Event::DeviceLost { .. }));
    let first_len = samples_of(bursts(3)).len() as u64;
    assert_eq!(delivered.load(Ordering::SeqCst), first_len);
    let Some(Event::DeviceLost {
        message,
        saved_seconds,
        can_reconnect,
        ..
    }) = before.last()
    else {
        unreachable!()
    };
    assert!(message.contains("weggevallen") && message.contains("lost"));
    assert!(*can_reconnect);
    // Every sample delivered before the loss is in the audio file.
    assert_eq!(*saved_seconds, first_len as f64 / 16000.0);
    // The audio pending at the loss is transcribed without any new audio arriving.
    let mut seen = before;
    while utterances(&seen) < 3 {
        seen.extend(until(events, |e| matches!(e, Event::Utterance { .. })));
    }
    assert_eq!(utterances(&seen), 3, "{seen:?}");
    // The audio file is valid and complete up to the loss while the pipeline waits.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(wav(&dir.join("audio.wav")).len() as u64, first_len);

    pipeline
        .handle
        .commands
        .send(Command::Reconnect {
            device: Some("usb".into()),
        })
        .unwrap();
    let after = until(events, |e| matches!(e, Event::Stopped { .. }));
    assert!(
        after
            .iter()
            .any(|e| matches!(e, Event::Reconnected { device, .. } if device == "tweede"))
    );
    assert_eq!(*asked.lock().unwrap(), vec![Some("usb".to_string())]);
    let Some(Event::Stopped {
        captured_samples,
        written_samples,
        ..
    }) = after.last()
    else {
        unreachable!()
    };
    let mut all = samples_of(bursts(3));
    all.extend(samples_of(bursts(2)));
    assert_eq!(*captured_samples, all.len() as u64);
    assert_eq!(*written_samples, all.len() as u64);
    pipeline.join();

    // The saved session: the audio of both devices, in order, and all five utterances, the
    // second device's after the first's audio.
    assert_eq!(wav(&dir.join("audio.wav")), q(&all));
    let s = Session::open(&dir).unwrap();
    assert_eq!(s.utterances.len(), 5);
    // (A segment starts 0.2 s before its speech: padding from the first device's silence.)
    let first_secs = first_len as f64 / 16000.0;
    // (Its line may reach back into the pause before it, which it shares with the line
    // before; its speech may not.)
    let speech_start = |u: &observant::transcript::Utterance| u.speech.map_or(u.start, |s| s.0);
    let speech_end = |u: &observant::transcript::Utterance| u.speech.map_or(u.end, |s| s.1);
    assert!(
        speech_start(&s.utterances[3]) >= first_secs - 0.25,
        "{:?}",
        s.utterances
    );
    assert!(speech_start(&s.utterances[3]) > speech_end(&s.utterances[2]));
    assert_eq!(last_audio_entry(&dir), Some(all.len() as f64 / 16000.0));
}

#[test]
fn a_lost_device_without_reconnect_ends_the_session_complete() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let delivered = Arc::new(AtomicU64::new(0));
    let source = DiesAtEnd {
        inner: bursts(2),
        delivered: delivered.clone(),
    };
    let pipeline = start_with(parts(Box::new(source), &dir)).unwrap();
    let events = until(&pipeline.handle.events, |e| {
        matches!(e, Event::Stopped { .. })
    });
    pipeline.join();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::DeviceLost {
            can_reconnect: false,
            ..
        }
    )));
    let n = delivered.load(Ordering::SeqCst);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Stopped { captured_samples, written_samples, .. }
            if *captured_samples == n && *written_samples == n
    )));
    assert_eq!(utterances(&events), 2);
    assert_eq!(wav(&dir.join("audio.wav")), q(&samples_of(bursts(2))));
    assert_eq!(Session::open(&dir).unwrap().utterances.len(), 2);
}

/// A disk shared by the session's files with `free` bytes left: writes that would grow a file
/// beyond it are short, then fail with ENOSPC (as Linux does); overwriting is always fine.
struct Disk {
    free: Mutex<u64>,
}

struct DiskFile {
    file: File,
    disk: Arc<Disk>,
}

impl Write for DiskFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let pos = self.file.stream_position()?;
        let len = self.file.metadata()?.len();
        let overwrite = len.saturating_sub(pos).min(buf.len() as u64);
        let mut free = self.disk.free.lock().unwrap();
        let grow = (buf.len() as u64 - overwrite).min(*free);
        if overwrite + grow == 0 && !buf.is_empty() {
            return Err(std::io::Error::from_raw_os_error(28));
        }
        let n = self.file.write(&buf[..(overwrite + grow) as usize])?;
        *free -= (n as u64).saturating_sub(overwrite);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Seek for DiskFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

impl SessionFile for DiskFile {
    fn sync(&mut self) -> std::io::Result<()> {
        self.file.sync_data()
    }
}

/// Plays `inner` at real time and frees the disk once `free_at` samples were delivered.
struct FreesDisk {
    inner: Paced<TestSignal>,
    delivered: u64,
    free_at: u64,
    disk: Arc<Disk>,
}

impl AudioSource for FreesDisk {
    fn read(&mut self, out: &mut Vec<f32>) -> anyhow::Result<SourceRead> {
        let r = self.inner.read(out)?;
        self.delivered += out.len() as u64;
        if self.delivered >= self.free_at {
            *self.disk.free.lock().unwrap() = u64::MAX / 2;
        }
        Ok(r)
    }
    fn describe(&self) -> String {
        "frees disk".into()
    }
}

fn disk_run(hold_seconds: f64) -> (Vec<Event>, std::path::PathBuf, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    // Room for about a third of a second of audio, then the disk is full until 2.5 s of
    // the 4 s signal have been captured.
    let disk = Arc::new(Disk {
        free: Mutex::new(10_000),
    });
    let source = FreesDisk {
        inner: TestSignal::bursts(2, 1.0, 1.0).paced(),
        delivered: 0,
        free_at: 40_000,
        disk: disk.clone(),
    };
    let mut p = parts(Box::new(source), &dir);
    p.disk_hold_seconds = hold_seconds;
    p.file_hook = Some(Arc::new(move |file: File| {
        Box::new(DiskFile {
            file,
            disk: disk.clone(),
        }) as Box<dyn SessionFile>
    }));
    let pipeline = start_with(p).unwrap();
    let events = until(&pipeline.handle.events, |e| {
        matches!(e, Event::Stopped { .. })
    });
    pipeline.join();
    (events, dir, root)
}

#[test]
fn a_full_disk_holds_audio_and_text_in_memory_and_the_session_ends_complete() {
    let (events, dir, _root) = disk_run(300.0);
    let disk: Vec<(String, bool)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Disk { file, ok, .. } => Some((file.clone(), *ok)),
            _ => None,
        })
        .collect();
    // Each file reports the trouble once and its end once.
    for f in ["audio.wav", "journal.jsonl"] {
        let of: Vec<bool> = disk.iter().filter(|d| d.0 == f).map(|d| d.1).collect();
        assert_eq!(of, vec![false, true], "{f}: {events:?}");
    }
    let failing = events
        .iter()
        .position(|e| matches!(e, Event::Disk { ok: false, message, .. } if message.contains("disk full")))
        .expect("a disk-full event");
    let recovered = events
        .iter()
        .position(|e| matches!(e, Event::Disk { ok: true, file, .. } if file == "audio.wav"))
        .unwrap();
    // Transcription went on while the disk was full.
    assert!(utterances(&events[failing..recovered]) >= 1, "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::Error { .. })));
    let all = samples_of(TestSignal::bursts(2, 1.0, 1.0));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Stopped { captured_samples, written_samples, .. }
            if *captured_samples == all.len() as u64 && *written_samples == all.len() as u64
    )));
    assert_eq!(wav(&dir.join("audio.wav")), q(&all));
    let s = Session::open(&dir).unwrap();
    assert_eq!(s.utterances.len(), 2);
    assert!(!s.recovered_torn_line);
    assert_eq!(last_audio_entry(&dir), Some(all.len() as f64 / 16000.0));
}

#[test]
fn audio_beyond_the_memory_bound_becomes_silence_and_positions_stay_exact() {
    let (events, dir, _root) = disk_run(0.5);
    let lost = events
        .iter()
        .find_map(|e| match e {
            Event::Disk {
                ok: true,
                lost_seconds,
                file,
                ..
            } if file == "audio.wav" => Some(*lost_seconds),
            _ => None,
        })
        .expect("recovery");
    assert!(lost > 0.5, "{lost}");
    let all = samples_of(TestSignal::bursts(2, 1.0, 1.0));
    let back = wav(&dir.join("audio.wav"));
    assert_eq!(
        back.len(),
        all.len(),
        "the file keeps the session's timeline"
    );
    // Where the file differs from what was captured, it holds silence.
    let differ: Vec<i16> = back
        .iter()
        .zip(q(&all))
        .filter(|(a, b)| **a != *b)
        .map(|(a, _)| *a)
        .collect();
    assert!(!differ.is_empty() && differ.iter().all(|v| *v == 0));
    // Transcription did not depend on the disk: both bursts are in the session.
    assert_eq!(Session::open(&dir).unwrap().utterances.len(), 2);
}

#[test]
fn a_voice_named_on_the_spot_keeps_its_name_in_the_view_the_journal_and_what_follows() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    // Four bursts at real time: the name is given after the first line, before the rest.
    let pipeline = start_with(parts(Box::new(bursts(4).paced()), &dir)).unwrap();
    let events = &pipeline.handle.events;
    let first = until(events, |e| matches!(e, Event::Utterance { .. }));
    let Some(Event::Utterance { utterance, .. }) = first.last() else {
        unreachable!()
    };
    assert_eq!(utterance.speaker, "S1");
    pipeline
        .handle
        .commands
        .send(Command::RenameSpeaker {
            from: "S1".into(),
            to: "Anna".into(),
        })
        .unwrap();
    // The first line is sent again with the name.
    let renamed = until(
        events,
        |e| matches!(e, Event::Utterance { index: 0, utterance, .. } if utterance.speaker == "Anna"),
    );
    assert!(!renamed.is_empty());
    let rest = until(events, |e| matches!(e, Event::Stopped { .. }));
    let later: Vec<&str> = rest
        .iter()
        .filter_map(|e| match e {
            Event::Utterance { utterance, .. } => Some(utterance.speaker.as_str()),
            _ => None,
        })
        .collect();
    assert!(later.len() >= 2, "{rest:?}");
    assert!(later.iter().all(|s| *s == "Anna"), "{later:?}");
    // Saved and read back: every line is Anna's, no S1 is left.
    let s = Session::open(&dir).unwrap();
    assert_eq!(s.utterances.len(), 4);
    assert!(
        s.utterances.iter().all(|u| u.speaker == "Anna"),
        "{:?}",
        s.utterances
    );
}

/// Labels every clip S1, and after the third one reports that the second was S2 all along
/// (as the voice attributor does when it clusters the voices again).
struct Reclustering(usize);

impl observant::pipeline::live::Attributor for Reclustering {
    fn attribute(&mut self, _pcm: &[f32]) -> String {
        self.0 += 1;
        "S1".into()
    }
    fn reassign(&mut self, _index: usize, _speaker: &str) {}
    fn enroll_next(&mut self, _name: &str) {}
    fn rename(&mut self, _from: &str, _to: &str) {}
    fn relabels(&mut self) -> Vec<(usize, String)> {
        if self.0 == 3 {
            vec![(1, "S2".into())]
        } else {
            Vec::new()
        }
    }
}

#[test]
fn an_earlier_line_the_attributor_gives_to_another_voice_is_sent_again_and_kept() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let mut p = parts(Box::new(bursts(4)), &dir);
    p.attributor = Box::new(Reclustering(0));
    let events = run_to_end(p);
    // Each line as first sent and as sent again with another voice (a line is also sent
    // again when the next one shares the pause with it; its voice is the same then).
    let mut shown: std::collections::HashMap<usize, String> = Default::default();
    let lines: Vec<(usize, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Utterance {
                index, utterance, ..
            } => (shown.insert(*index, utterance.speaker.clone()).as_ref()
                != Some(&utterance.speaker))
            .then(|| (*index, utterance.speaker.clone())),
            _ => None,
        })
        .collect();
    // Line 1 first as S1, then again as S2 (with line 2, which follows it); the others S1.
    assert_eq!(
        lines,
        vec![
            (0, "S1".into()),
            (1, "S1".into()),
            (1, "S2".into()),
            (2, "S1".into()),
            (3, "S1".into())
        ],
        "{events:?}"
    );
    // The session on disk has the change too (a recovered session shows what was shown).
    assert_eq!(saved_speakers(&dir), ["S1", "S2", "S1", "S1"]);
    // And the pauses the lines share, with where their speech lies.
    let session = Session::open(&dir).unwrap();
    let u = &session.transcript().utterances;
    assert_eq!(u[0].end, u[1].start, "{u:?}");
    assert!(u[0].speech.is_some_and(|(_, end)| end < u[0].end), "{u:?}");
}

/// Labels every clip S1 until the session's speech ends; then, settling the voices over
/// everything heard, finds that the first line was S2's (as the voice attributor does when a
/// short recording never reached the speech a re-clustering waits for).
struct SettlesAtTheEnd {
    finished: bool,
}

impl observant::pipeline::live::Attributor for SettlesAtTheEnd {
    fn attribute(&mut self, _pcm: &[f32]) -> String {
        "S1".into()
    }
    fn reassign(&mut self, _index: usize, _speaker: &str) {}
    fn enroll_next(&mut self, _name: &str) {}
    fn rename(&mut self, _from: &str, _to: &str) {}
    fn finish(&mut self) {
        self.finished = true;
    }
    fn relabels(&mut self) -> Vec<(usize, String)> {
        if std::mem::take(&mut self.finished) {
            vec![(0, "S2".into())]
        } else {
            Vec::new()
        }
    }
}

#[test]
fn the_voices_settled_when_the_speech_ends_reach_the_lines_and_the_saved_session() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let mut p = parts(Box::new(bursts(3)), &dir);
    p.attributor = Box::new(SettlesAtTheEnd { finished: false });
    let events = run_to_end(p);
    // The last time line 0 is sent, it is S2's, and that comes after every other line.
    let sent: Vec<(usize, &str)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Utterance {
                index, utterance, ..
            } => Some((*index, utterance.speaker.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(sent.last(), Some(&(0, "S2")), "{sent:?}");
    assert!(
        sent[..sent.len() - 1].iter().all(|(_, s)| *s == "S1"),
        "{sent:?}"
    );
    assert_eq!(saved_speakers(&dir), ["S2", "S1", "S1"]);
}

/// Names each clip, but places its one piece as Whisper often does: starting 0.5 s into the
/// clip and ending 0.4 s before its end.
struct TrimmingTranscriber;

impl Transcriber for TrimmingTranscriber {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<AsrSegment>> {
        let len = pcm.len() as f64 / 16000.0;
        Ok(vec![AsrSegment {
            start: 0.5,
            end: (len - 0.4).max(0.6),
            text: "Een zin.".into(),
            confidence: 0.9,
            no_speech_probability: 0.01,
            words: Vec::new(),
        }])
    }
    fn describe(&self) -> String {
        "trimming fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}

/// Keeps how many seconds of audio each line's voice print was taken over.
struct HeardSeconds(Arc<Mutex<Vec<f64>>>);

impl observant::pipeline::live::Attributor for HeardSeconds {
    fn attribute(&mut self, pcm: &[f32]) -> String {
        self.0.lock().unwrap().push(pcm.len() as f64 / 16000.0);
        "S1".into()
    }
    fn reassign(&mut self, _index: usize, _speaker: &str) {}
    fn enroll_next(&mut self, _name: &str) {}
    fn rename(&mut self, _from: &str, _to: &str) {}
}

#[test]
fn a_lines_voice_print_hears_the_whole_line_not_only_whispers_piece_times() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessie");
    let heard = Arc::new(Mutex::new(Vec::new()));
    // Two turns of 3 s of speech, 1.5 s apart.
    let mut p = parts(Box::new(TestSignal::bursts(2, 3.0, 1.5)), &dir);
    p.transcriber = Box::new(TrimmingTranscriber);
    p.attributor = Box::new(HeardSeconds(heard.clone()));
    run_to_end(p);
    let heard = heard.lock().unwrap().clone();
    assert_eq!(heard.len(), 2, "{heard:?}");
    // Each print hears at least the turn's 3 s (Whisper's piece times would give 0.9 s less).
    for s in &heard {
        assert!(*s >= 3.0, "a voice print over {s:.2} s: {heard:?}");
    }
}
