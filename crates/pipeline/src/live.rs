//! The live pipeline. Four stages, each on its own thread, joined by bounded channels whose
//! length and lag are reported in [`Event::Status`]:
//!
//! 1. **segmenter**: reads the [`AudioSource`] (microphone, file, test signal), writes every
//!    sample to the session's audio file first (so nothing captured is ever lost), then runs
//!    VAD and cuts speech segments;
//! 2. **transcriber**: Whisper on each segment as soon as it ends (short audio context);
//! 3. **speakers**: voice embedding and online attribution (enrolled names or S1, S2, ...);
//! 4. **analysis/store**: appends to the session journal, re-runs the pure analysis core on
//!    the session so far, and emits utterances, new flags and statistics; it also executes
//!    the consumer's [`Command`]s.
//!
//! Back-pressure is explicit: the segment queue is large (speech waits there when Whisper
//! falls behind, and catches up later) and its length is visible; audio is never dropped.
//!
//! Failures keep the session: a lost input device flushes what was captured through every
//! stage and onto the disk, reports [`Event::DeviceLost`] and (when the parts can reopen a
//! device) waits for [`Command::Reconnect`] to continue the same session; a full disk holds
//! audio in memory (bounded, see [`super::keeper`]) and journal lines in their queue while
//! retrying every second, reporting [`Event::Disk`], and transcription goes on.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Result;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};

use super::events::{Command, Event, PipelineHandle, Stage, StageStatus};
use super::keeper::{AudioKeeper, ChannelFiles, DiskNews};
use super::publish::Publisher;
use observant_analysis::classify::Classifier;
use observant_analysis::config::Config;
use observant_analysis::{Analysis, Classification};
use observant_audio::room::RoomMeter;
use observant_audio::segment::{Segmenter, SegmenterConfig, SpeechSegment};
use observant_audio::source::{AudioSource, SourceRead};
use observant_audio::vad::Vad;
use observant_model::transcript::{StepMark, Transcript, Utterance};
use observant_speech::asr::Transcriber;
use observant_speech::asr::filter::HallucinationFilter;
use observant_store::session::audio_writer::AudioWriter;
use observant_store::session::{Entry, Journal, Session, SessionMeta};

const RATE: f64 = 16000.0;
const SEGMENT_QUEUE: usize = 4096;
const PIECE_QUEUE: usize = 4096;
const UTTERANCE_QUEUE: usize = 4096;
const EVENT_QUEUE: usize = 65536;
/// The first room estimate after 10 s of audio, then one every 5 s.
const ROOM_FIRST_SAMPLES: u64 = 160_000;
const ROOM_EVERY_SAMPLES: u64 = 80_000;
/// The recogniser's confidence in the room estimate is a mean over about this much speech.
const ROOM_CONFIDENCE_SECONDS: f64 = 60.0;
/// Audio held in memory while the disk refuses it (5 minutes, about 19 MB).
pub const DISK_HOLD_SECONDS: f64 = 300.0;

/// Opens an input again after a loss: the device asked for (`None`: the default) -> the
/// source and its name.
pub type SourceOpener =
    Box<dyn FnMut(Option<&str>) -> Result<(Box<dyn AudioSource>, String)> + Send>;

/// A session file as the pipeline writes it; tests wrap the real files in one that fails
/// like a full disk (see [`LiveParts::file_hook`]).
pub trait SessionFile: std::io::Write + std::io::Seek + Send {
    /// Asks the OS to put what was written on disk.
    fn sync(&mut self) -> std::io::Result<()>;
}

impl SessionFile for std::fs::File {
    fn sync(&mut self) -> std::io::Result<()> {
        self.sync_data()
    }
}

/// Wraps each session file (`audio.wav`, `journal.jsonl`) as it is opened.
pub type FileHook = Arc<dyn Fn(std::fs::File) -> Box<dyn SessionFile> + Send + Sync>;

struct HookedJournal(Box<dyn SessionFile>);

impl std::io::Write for HookedJournal {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl observant_store::session::journal::JournalFile for HookedJournal {
    fn sync(&mut self) -> std::io::Result<()> {
        self.0.sync()
    }
}

/// Attributes a voice to a speaker, online (one utterance at a time).
pub trait Attributor: Send {
    /// Speaker label for this clip of speech (16 kHz mono).
    fn attribute(&mut self, pcm: &[f32]) -> String;
    /// The observer moved utterance `index` (whose audio gave `pcm`'s voice) to `speaker`.
    fn reassign(&mut self, index: usize, speaker: &str);
    /// The next utterance is `name` introducing themselves.
    fn enroll_next(&mut self, name: &str);
    /// The voice labelled `from` is `to` from now on (the observer named it on the spot).
    fn rename(&mut self, from: &str, to: &str);
    /// Earlier utterances whose speaker changed since they were attributed (their index in
    /// the session and the new label), e.g. once the voices were clustered again with more
    /// speech; each change is reported once. Asked after every [`Attributor::attribute`].
    fn relabels(&mut self) -> Vec<(usize, String)> {
        Vec::new()
    }
    /// The session's speech has ended (the last utterance was attributed): the voices may be
    /// settled once more over everything heard; lines that change are read with
    /// [`Attributor::relabels`] after it.
    fn finish(&mut self) {}
}

/// Attribution without voices: everyone is "S1" (used when the voice model is unavailable).
pub struct SingleSpeaker;

impl Attributor for SingleSpeaker {
    fn attribute(&mut self, _pcm: &[f32]) -> String {
        "S1".into()
    }
    fn reassign(&mut self, _index: usize, _speaker: &str) {}
    fn enroll_next(&mut self, _name: &str) {}
    fn rename(&mut self, _from: &str, _to: &str) {}
}

/// The parts a live pipeline is built from (so tests can swap each one).
pub struct LiveParts {
    pub source: Box<dyn AudioSource>,
    pub vad: Box<dyn Vad>,
    pub transcriber: Box<dyn Transcriber>,
    pub attributor: Box<dyn Attributor>,
    pub classifier: Classifier,
    pub config: Config,
    /// Session metadata (participants, method, language).
    pub meta: SessionMeta,
    /// Where to keep the session; `None`: nothing is written.
    pub save_dir: Option<std::path::PathBuf>,
    /// Encrypt the saved session with this passphrase (`None`: a plain session).
    pub secret: Option<observant_store::session::Secret>,
    /// Device description for the `Started` event.
    pub device: String,
    /// Opens an input again after the device was lost; `None`: a loss ends the session.
    pub reopen: Option<SourceOpener>,
    /// Test hook: wraps the session's files as they are opened (`None`: the plain files).
    pub file_hook: Option<FileHook>,
    /// Most audio held in memory while the disk refuses it, in seconds.
    pub disk_hold_seconds: f64,
}

/// The pipeline's clock. Every event's `t` is "seconds since capture started, on the wall
/// clock" (the contract), on the same timeline as the audio positions `start`/`end`, so that
/// `t - end` is how long after the end of an utterance its event came.
///
/// Capture does not start when the pipeline does: a device may deliver its first sample a
/// second or more after it was opened (PulseAudio took 1.2-1.6 s here), or a backlog
/// captured while the models loaded. For a live source the origin is therefore tied to the
/// audio: sample `n` cannot have been captured later than it arrived minus the delay the
/// device reports, so the origin is the earliest `arrival - delay - n / 16000` seen. The
/// first seconds only give a provisional origin: a device may hand over a few buffers and
/// then stall while it starts (the samples of the stall never exist), which shifts the
/// timeline; from [`Clock::SETTLE`] samples on the estimate starts afresh and only ever
/// moves earlier, so `t` never runs backwards. Files read as fast as they decode keep the
/// pipeline's start as the origin.
struct Clock {
    t0: Instant,
    /// The source is live: its samples set the origin.
    live: bool,
    /// Origin minus `t0`, in ns; `i64::MIN` until the first live observation.
    origin_ns: std::sync::atomic::AtomicI64,
    settled: AtomicBool,
    /// Latest `t` handed out (f64 bits; non-negative floats order like their bits), so `t`
    /// never runs backwards when the estimate settles.
    latest: AtomicU64,
}

impl Clock {
    /// Samples after which the device counts as started (2 s).
    const SETTLE: u64 = 32_000;

    fn new(live: bool) -> Clock {
        Clock {
            t0: Instant::now(),
            live,
            origin_ns: std::sync::atomic::AtomicI64::new(i64::MIN),
            settled: AtomicBool::new(false),
            latest: AtomicU64::new(0),
        }
    }

    fn origin(&self) -> f64 {
        match self.origin_ns.load(Ordering::Relaxed) {
            i64::MIN => 0.0,
            ns => ns as f64 * 1e-9,
        }
    }

    /// Seconds since capture started at `at`: 0 before a live source delivered anything,
    /// never negative.
    fn at(&self, at: Instant) -> f64 {
        if self.live && self.origin_ns.load(Ordering::Relaxed) == i64::MIN {
            return 0.0;
        }
        (at.saturating_duration_since(self.t0).as_secs_f64() - self.origin()).max(0.0)
    }

    /// Now, in seconds since capture started; never less than a `t` handed out before.
    fn t(&self) -> f64 {
        let raw = self.at(Instant::now());
        let before = self.latest.fetch_max(raw.to_bits(), Ordering::Relaxed);
        raw.max(f64::from_bits(before))
    }

    /// A live source delivered its samples up to `delivered` (total) at `arrived`, the last
    /// of them captured `delay` before that. Called by the capture stage only.
    fn observe(&self, arrived: Instant, delivered: u64, delay: Duration) {
        let origin = arrived.saturating_duration_since(self.t0).as_secs_f64()
            - delay.as_secs_f64()
            - delivered as f64 / RATE;
        let ns = (origin * 1e9) as i64;
        let fresh = delivered >= Self::SETTLE && !self.settled.swap(true, Ordering::Relaxed);
        let old = self.origin_ns.load(Ordering::Relaxed);
        if fresh || old == i64::MIN || ns < old {
            self.origin_ns.store(ns, Ordering::Relaxed);
        }
    }
}

/// A segment with the wall time its last sample arrived.
struct TimedSegment {
    seg: SpeechSegment,
    arrived: Instant,
    /// A snapshot of a segment still open ([`Segmenter::open_segment`]), not the segment.
    partial: bool,
}

/// Live only: an open segment that holds this much speech (2.5 s) is looked at before it
/// ends, so a line followed by more speech (a turn taken without a pause long enough to end
/// the segment) is sent before the whole segment is over. A snapshot is taken
/// [`PAUSE_HOLD`] after a short pause inside the segment (where a sentence or a turn
/// ended), and after [`SNAPSHOT_EVERY`] without one (overlapping talk).
const SNAPSHOT_MIN_SPEECH: u64 = 40_000;
/// A pause inside a segment: at least 100 ms below the VAD's off threshold.
const PAUSE_MS: u32 = 100;
/// A snapshot follows a pause once 0.5 s of speech came after it: enough for the line
/// before the pause to be sent ([`RELEASE_HOLD`] counts from its last word).
const PAUSE_HOLD: u64 = 8_000;
/// Without a pause, a snapshot every second of the segment: in a reverberant room a turn
/// taken at once often leaves no pause the VAD can see.
const SNAPSHOT_EVERY: u64 = 16_000;
/// A line of a snapshot is sent when it is not the last one and its last word ends at least
/// this long (0.5 s) before the snapshot does: Whisper has already written words after its
/// line break, so the break will not move.
const RELEASE_HOLD: f64 = 0.5;
/// A rest of a segment shorter than this (0.3 s) after its lines were sent is not decoded.
const MIN_REST_SAMPLES: usize = 4_800;

/// A transcribed piece of a segment.
struct Piece {
    start: f64,
    end: f64,
    text: String,
    confidence: f32,
    uncertain_words: Vec<String>,
    pcm: Vec<f32>,
    arrived: Instant,
}

struct Attributed {
    /// The new line; `None` for the relabels of the end of the session alone.
    utterance: Option<Utterance>,
    arrived: Instant,
    /// Earlier utterances that now have another speaker ([`Attributor::relabels`]).
    relabels: Vec<(usize, String)>,
}

/// Counters shared by the stages for the status display.
#[derive(Default)]
struct Shared {
    captured: AtomicU64,
    written: AtomicU64,
    stop: AtomicBool,
    paused: AtomicBool,
    /// A reconnect asked for (the device; `None` inside: the default).
    reconnect: Mutex<Option<Option<String>>>,
    /// Lag of the most recent item per stage, in ms.
    lag_transcriber_ms: AtomicU64,
    lag_speakers_ms: AtomicU64,
    lag_analysis_ms: AtomicU64,
    /// The recogniser's recent mean word probability (`f32` bits; 0: none yet).
    confidence: AtomicU32,
    /// Set when a segment that is over has been sent to the transcriber: a snapshot being
    /// decoded gives way to it.
    segment_waiting: AtomicBool,
}

impl Shared {
    fn confidence(&self) -> Option<f32> {
        let bits = self.confidence.load(Ordering::Relaxed);
        (bits != 0).then(|| f32::from_bits(bits))
    }

    /// Folds a recognised piece's confidence into the recent mean (weighted by its length).
    fn heard(&self, confidence: f32, seconds: f64) {
        if !confidence.is_finite() || seconds <= 0.0 {
            return;
        }
        let w = (seconds / ROOM_CONFIDENCE_SECONDS).min(1.0) as f32;
        let next = match self.confidence() {
            Some(c) => c + w * (confidence - c),
            None => confidence,
        };
        self.confidence
            .store(next.clamp(1e-6, 1.0).to_bits(), Ordering::Relaxed);
    }
}

/// A running live pipeline: its consumer handle and the threads to join.
pub struct LivePipeline {
    pub handle: PipelineHandle,
    threads: Vec<JoinHandle<()>>,
}

impl LivePipeline {
    /// Waits until every stage has finished (after `Stop` or the end of the source).
    pub fn join(self) {
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Starts the stages. Events arrive on `handle.events`; commands go to `handle.commands`.
/// Where each recognised piece of a segment lies in it (seconds from the segment start):
/// Whisper's own segment times are coarse (often whole seconds, ending early), so the first
/// piece starts where the segment's speech does, each piece ends where the next begins, and
/// the last one runs to the segment's end: the utterances cover the speech the VAD heard,
/// as the offline path's do.
fn piece_spans(pieces: &[observant_speech::asr::AsrSegment], seg_seconds: f64) -> Vec<(f64, f64)> {
    let n = pieces.len();
    (0..n)
        .map(|k| {
            let start = if k == 0 {
                0.0
            } else {
                pieces[k].start.clamp(0.0, seg_seconds)
            };
            let end = if k + 1 == n {
                seg_seconds.max(pieces[k].end)
            } else {
                pieces[k + 1].start.clamp(start, seg_seconds)
            };
            (start, end.max(start + 0.1))
        })
        .collect()
}

pub fn start_with(parts: LiveParts) -> Result<LivePipeline> {
    let clock = Arc::new(Clock::new(parts.source.is_live()));
    let shared = Arc::new(Shared::default());
    let (ev_tx, ev_rx) = bounded::<Event>(EVENT_QUEUE);
    let (cmd_tx, cmd_rx) = bounded::<Command>(1024);
    let (seg_tx, seg_rx) = bounded::<TimedSegment>(SEGMENT_QUEUE);
    let (piece_tx, piece_rx) = bounded::<Piece>(PIECE_QUEUE);
    let (utt_tx, utt_rx) = bounded::<Attributed>(UTTERANCE_QUEUE);
    let (spk_cmd_tx, spk_cmd_rx) = bounded::<Command>(1024);
    let probes = Probes {
        segments: seg_rx.clone(),
        pieces: piece_rx.clone(),
    };

    let (session, journal, keeper) = open_store(&parts)?;
    let channel_files = session
        .as_ref()
        .filter(|_| parts.file_hook.is_none())
        .and_then(|s| open_channel_files(s, parts.source.kept_channels()));

    let _ = ev_tx.send(Event::Started {
        t: 0.0,
        device: parts.device.clone(),
        sample_rate: 16000,
    });

    let mut threads = Vec::new();
    // 1. segmenter
    {
        let snapshots = parts.source.is_live();
        let stage = CaptureStage {
            source: parts.source,
            reopen: parts.reopen,
            snapshots,
            snap_next: None,
            segmenter: Segmenter::new(parts.vad, SegmenterConfig::live()),
            room: RoomMeter::new(),
            room_next: ROOM_FIRST_SAMPLES,
            keeper,
            channel_files,
            channel_buf: Vec::new(),
            seg_tx,
            ev: ev_tx.clone(),
            shared: shared.clone(),
            clock: clock.clone(),
        };
        threads.push(
            std::thread::Builder::new()
                .name("segmenter".into())
                .spawn(move || stage.run())?,
        );
    }
    // 2. transcriber
    {
        let (shared, ev, clock) = (shared.clone(), ev_tx.clone(), clock.clone());
        let transcriber = parts.transcriber;
        threads.push(
            std::thread::Builder::new()
                .name("transcriber".into())
                .spawn(move || {
                    run_transcriber(transcriber, seg_rx, piece_tx, (ev, clock, shared))
                })?,
        );
    }
    // 3. speakers
    {
        let shared = shared.clone();
        let attributor = parts.attributor;
        threads.push(
            std::thread::Builder::new()
                .name("speakers".into())
                .spawn(move || run_speakers(attributor, piece_rx, spk_cmd_rx, utt_tx, &shared))?,
        );
    }
    // 4. analysis + store
    {
        let shared = shared.clone();
        let ev = ev_tx;
        let classifier = parts.classifier;
        let config = parts.config;
        let meta = parts.meta;
        threads.push(
            std::thread::Builder::new()
                .name("analysis".into())
                .spawn(move || {
                    let mut st = Store {
                        transcript: Transcript {
                            language: meta.language.clone(),
                            participants: meta.participants.clone(),
                            utterances: Vec::new(),
                            method: meta.method.clone(),
                            steps: Vec::new(),
                        },
                        classes: Vec::new(),
                        publisher: Publisher::new(),
                        journal,
                        _session: session,
                        probes,
                        classifier,
                        config,
                        ev,
                        clock,
                        last_flush: Instant::now(),
                        journaled_audio: None,
                        journal_trouble: false,
                        renamed: Vec::new(),
                    };
                    st.run(&utt_rx, &cmd_rx, &spk_cmd_tx, &shared);
                })?,
        );
    }
    Ok(LivePipeline {
        handle: PipelineHandle {
            events: ev_rx,
            commands: cmd_tx,
        },
        threads,
    })
}

/// The session the pipeline keeps (when it has a folder to save in): its metadata, journal and
/// the audio keeper that writes what is captured.
fn open_store(
    parts: &LiveParts,
) -> Result<(Option<Session>, Option<Journal>, Option<AudioKeeper>)> {
    Ok(match &parts.save_dir {
        Some(dir) => {
            let mut meta = parts.meta.clone();
            meta.audio = true;
            let (s, mut j) = Session::create_in_with(dir, meta, parts.secret.as_ref())?;
            let audio_path = s.dir.join(observant_store::session::AUDIO_FILE);
            let w = match &parts.file_hook {
                None => s.create_audio_writer(16000)?,
                Some(hook) => {
                    let f = observant_store::session::create_private(&audio_path)?;
                    drop(j);
                    let jf = std::fs::OpenOptions::new()
                        .append(true)
                        .open(s.dir.join(observant_store::session::JOURNAL_FILE))?;
                    j = Journal::on(Box::new(HookedJournal(hook(jf))));
                    AudioWriter::on(Box::new(hook(f)), 16000)?
                }
            };
            // Only a plain WAV needs its header repaired; sealed records need no repair.
            let repair = (!s.is_encrypted()).then_some(audio_path);
            let k = AudioKeeper::new(w, repair, parts.disk_hold_seconds);
            (Some(s), Some(j), Some(k))
        }
        None => (None, None, None),
    })
}

/// Files for each of the source's `channels` (two or more) beside the recording; `None` for
/// fewer, or when they cannot be created (the recording itself goes on: they are a copy).
fn open_channel_files(s: &Session, channels: usize) -> Option<ChannelFiles> {
    if channels < 2 {
        return None;
    }
    let paths: Vec<_> = (1..=channels)
        .map(|i| {
            s.dir.join(observant_store::session::channel_file_name(
                i,
                s.is_encrypted(),
            ))
        })
        .collect();
    match s.create_channel_writers(channels, 16000) {
        Ok(w) => Some(ChannelFiles::new(w, paths)),
        Err(e) => {
            tracing::warn!("microphone channels not kept: {e:#}");
            for p in &paths {
                let _ = std::fs::remove_file(p);
            }
            None
        }
    }
}

/// The transcriber stage: Whisper over each segment, the pieces (with their audio, for the
/// speaker stage) sent on; its lag is reported in `shared`.
///
/// A snapshot of a segment still open is decoded only when nothing else waits. Its lines
/// that are followed by at least [`RELEASE_HOLD`] of further speech are sent at once; when
/// the segment is over, only the audio after them is decoded (local agreement in the sense
/// of Macháček, Dabre & Bojar 2023, "Turning Whisper into Real-Time Transcription System",
/// with the line break as the unit that must hold). A turn that follows another without a
/// pause no longer waits for the end of both.
fn run_transcriber(
    mut transcriber: Box<dyn Transcriber>,
    seg_rx: Receiver<TimedSegment>,
    piece_tx: Sender<Piece>,
    (ev, clock, shared): (Sender<Event>, Arc<Clock>, Arc<Shared>),
) {
    let filter = HallucinationFilter::default();
    // End of the last utterance sent: a turn that runs on to its confirmed
    // silence may reach into the next segment's lead padding, so the next
    // utterance starts no earlier (never before its speech).
    let mut last_end = 0.0f64;
    // The open segment whose first lines were sent: its start and how many of its samples
    // those lines cover.
    let mut released: Option<(u64, usize)> = None;
    for ts in seg_rx.iter() {
        // A snapshot is worth its time only when nothing else waits; one being decoded
        // is given up as soon as a segment that is over arrives (the flag is cleared before
        // the queue is looked at, so a segment sent in between sets it again).
        if ts.partial {
            shared.segment_waiting.store(false, Ordering::Relaxed);
            if !seg_rx.is_empty() {
                continue;
            }
        }
        let seg = &ts.seg;
        let skip = match released {
            Some((start, n)) if start == seg.start_sample => n,
            _ => 0,
        };
        if !ts.partial {
            released = None;
            // A segment cut at its maximum length before the lines already sent end: the
            // rest of them lies in the next part, which starts where this one ends.
            if seg.split && skip > seg.samples.len() {
                released = Some((seg.end_sample(), skip - seg.samples.len()));
                continue;
            }
        }
        let skip = skip.min(seg.samples.len());
        let clip = &seg.samples[skip..];
        if clip.len() < MIN_REST_SAMPLES && (ts.partial || skip > 0) {
            continue;
        }
        let began = Instant::now();
        let result = if ts.partial {
            transcriber
                .transcribe_cancellable(clip, &shared.segment_waiting)
                .transpose()
        } else {
            Some(transcriber.transcribe(clip))
        };
        let Some(result) = result else {
            tracing::debug!(target: "observant::latency", "snapshot given up after {} ms", began.elapsed().as_millis());
            continue;
        };
        tracing::debug!(
            target: "observant::latency",
            "{} {:.2}-{:.2} s: cut at {:.2} s, waited {} ms, whisper {} ms",
            if ts.partial { "snapshot" } else { "segment" },
            seg.start_seconds() + skip as f64 / RATE,
            seg.start_seconds() + seg.samples.len() as f64 / RATE,
            clock.at(ts.arrived),
            began.duration_since(ts.arrived).as_millis(),
            began.elapsed().as_millis(),
        );
        let pieces = match result {
            Ok(p) => filter.apply(p),
            Err(e) => {
                let _ = ev.send(Event::Error {
                    t: clock.t(),
                    message: format!("{e:#}"),
                    fatal: false,
                });
                continue;
            }
        };
        let clip_seconds = clip.len() as f64 / RATE;
        // A segment heard as speech in which Whisper recognised no word (a far voice,
        // another language than the one set) keeps its speaker and talk time as a line
        // without text, as in the offline path; a short one (a cough, a click) is dropped.
        let pieces =
            if pieces.is_empty() && !ts.partial && clip_seconds >= super::offline::MIN_WORDLESS_S {
                vec![wordless_piece(clip_seconds)]
            } else {
                pieces
            };
        let (pieces, spans) = if ts.partial {
            // A turn taken without a pause often sits in one of Whisper's pieces with the
            // sentence before it; cut at sentence ends, the earlier sentence can go.
            let pieces = split_at_sentence_ends(pieces);
            let Some((count, cut)) = release_point(&pieces, clip_seconds) else {
                continue;
            };
            released = Some((seg.start_sample, skip + (cut * RATE) as usize));
            let mut spans = piece_spans(&pieces[..count], cut);
            if let Some(last) = spans.last_mut() {
                last.1 = cut.max(last.0 + 0.1);
            }
            (pieces.into_iter().take(count).collect::<Vec<_>>(), spans)
        } else {
            // A segment is cut once its speech has been followed by enough
            // silence: up to then the turn was still this speaker's (nobody else
            // spoke), so the last piece runs on to there.
            let heard_until = if seg.split {
                clip_seconds
            } else {
                seg.heard_until
                    .saturating_sub(seg.start_sample + skip as u64) as f64
                    / RATE
            };
            // Cut at sentence ends as a snapshot's lines are, so a line is the same whether
            // a snapshot sent it or the finished segment (a file read as fast as it
            // decodes takes no snapshots), and a turn taken at once gets its own voice.
            let pieces = split_at_sentence_ends(pieces);
            let spans = piece_spans(&pieces, heard_until.max(clip_seconds));
            (pieces, spans)
        };
        let base = seg.start_seconds() + skip as f64 / RATE;
        for (a, (start, end)) in pieces.into_iter().zip(spans) {
            // The voice print is taken over the line's own stretch of the clip (from where it
            // begins to where the next line begins, the stretch the transcript gives it), not
            // over Whisper's piece times, which trim its edges (README, "Live speakers").
            let s = ((start * RATE) as usize).min(clip.len());
            let e = ((end * RATE).ceil() as usize).clamp(s, clip.len());
            let pcm = if e - s < 16000 {
                clip.to_vec()
            } else {
                clip[s..e].to_vec()
            };
            let start = (base + start).max(last_end);
            let end = (base + end).max(start + 0.1);
            last_end = end;
            shared.heard(a.confidence, end - start);
            let _ = piece_tx.send(Piece {
                start,
                end,
                text: a.text,
                confidence: a.confidence,
                uncertain_words: observant_speech::asr::uncertain_words(&a.words),
                pcm,
                arrived: ts.arrived,
            });
        }
        shared
            .lag_transcriber_ms
            .store(ts.arrived.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

/// The line of a segment without a recognised word: no text, confidence 0, the whole clip.
fn wordless_piece(clip_seconds: f64) -> observant_speech::asr::AsrSegment {
    observant_speech::asr::AsrSegment {
        start: 0.0,
        end: clip_seconds,
        text: String::new(),
        confidence: 0.0,
        no_speech_probability: 0.0,
        words: Vec::new(),
    }
}

/// Whisper's pieces cut after every word that ends a sentence (`.`, `?`, `!`) inside them:
/// each part keeps its words, its text is theirs, its times run from its first word (the
/// first part: the piece's start) to its last (the last part: the piece's end). Pieces
/// without word times stay whole.
fn split_at_sentence_ends(
    pieces: Vec<observant_speech::asr::AsrSegment>,
) -> Vec<observant_speech::asr::AsrSegment> {
    let ends_sentence = |w: &observant_speech::asr::Word| {
        w.text
            .trim_end_matches(['"', '\'', ')', '»'])
            .ends_with(['.', '?', '!'])
    };
    let mut out = Vec::with_capacity(pieces.len());
    for p in pieces {
        let mut cuts: Vec<usize> = p.words[..p.words.len().saturating_sub(1)]
            .iter()
            .enumerate()
            .filter(|(_, w)| ends_sentence(w))
            .map(|(i, _)| i + 1)
            .collect();
        if cuts.is_empty() {
            out.push(p);
            continue;
        }
        cuts.push(p.words.len());
        let mut from = 0;
        for (k, &to) in cuts.iter().enumerate() {
            let words = p.words[from..to].to_vec();
            let text = words
                .iter()
                .map(|w| w.text.trim())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(observant_speech::asr::AsrSegment {
                start: if k == 0 { p.start } else { words[0].start },
                end: if to == p.words.len() {
                    p.end
                } else {
                    words[words.len() - 1].end
                },
                text,
                confidence: p.confidence,
                no_speech_probability: p.no_speech_probability,
                words,
            });
            from = to;
        }
    }
    out
}

/// Which lines of a snapshot's decoding can be sent before the segment ends: the first
/// `count` pieces, those whose last word ends at least [`RELEASE_HOLD`] before the snapshot
/// (`clip_seconds`) and that are followed by another piece; and where the rest begins
/// (`cut`, seconds into the clip: halfway between the last sent word and the next word).
/// `None` when no line is ready.
fn release_point(
    pieces: &[observant_speech::asr::AsrSegment],
    clip_seconds: f64,
) -> Option<(usize, f64)> {
    let last_word_end =
        |p: &observant_speech::asr::AsrSegment| p.words.last().map(|w| w.end).unwrap_or(p.end);
    let first_word_start =
        |p: &observant_speech::asr::AsrSegment| p.words.first().map(|w| w.start).unwrap_or(p.start);
    let mut count = 0;
    while count + 1 < pieces.len() && last_word_end(&pieces[count]) + RELEASE_HOLD <= clip_seconds {
        count += 1;
    }
    if count == 0 {
        return None;
    }
    let end = last_word_end(&pieces[count - 1]);
    let next = first_word_start(&pieces[count]).max(end);
    let cut = (end + next) / 2.0;
    (cut > 0.0 && cut + RELEASE_HOLD / 2.0 <= clip_seconds).then_some((count, cut))
}

/// The speaker stage: attributes each piece to a voice and passes it on as an utterance;
/// follows the commands that change who is who (reassign, enroll, rename).
fn run_speakers(
    mut attributor: Box<dyn Attributor>,
    piece_rx: Receiver<Piece>,
    spk_cmd_rx: Receiver<Command>,
    utt_tx: Sender<Attributed>,
    shared: &Shared,
) {
    let mut index = 0usize;
    loop {
        crossbeam_channel::select! {
            recv(piece_rx) -> p => {
                let Ok(p) = p else { break };
                let speaker = attributor.attribute(&p.pcm);
                let relabels = attributor.relabels();
                let _ = utt_tx.send(Attributed {
                    utterance: Some(Utterance {
                        start: p.start,
                        end: p.end,
                        speaker,
                        text: p.text,
                        confidence: Some(p.confidence),
                        uncertain_words: p.uncertain_words,
                        speech: None,
                    }),
                    arrived: p.arrived,
                    relabels,
                });
                index += 1;
                shared.lag_speakers_ms.store(p.arrived.elapsed().as_millis() as u64, Ordering::Relaxed);
            }
            recv(spk_cmd_rx) -> c => {
                match c {
                    Ok(Command::ReassignSpeaker { index, speaker }) => attributor.reassign(index, &speaker),
                    Ok(Command::EnrollNext { name }) => attributor.enroll_next(&name),
                    Ok(Command::RenameSpeaker { from, to }) => attributor.rename(&from, &to),
                    Ok(_) => {}
                    Err(_) => {}
                }
            }
        }
    }
    let _ = index;
    // Every line is in: the voices are settled over the whole session, and the lines that
    // change are sent on.
    attributor.finish();
    let relabels = attributor.relabels();
    if !relabels.is_empty() {
        let _ = utt_tx.send(Attributed {
            utterance: None,
            arrived: Instant::now(),
            relabels,
        });
    }
}

/// The segmenter stage: reads the source, keeps the audio, cuts segments; handles a lost
/// device and a failing disk.
struct CaptureStage {
    source: Box<dyn AudioSource>,
    reopen: Option<SourceOpener>,
    segmenter: Segmenter,
    /// Whether open segments are looked at before they end (a live source).
    snapshots: bool,
    /// The open segment's speech start, where its last snapshot was taken and the pause
    /// that snapshot followed.
    snap_next: Option<(u64, u64, Option<u64>)>,
    /// The room check over the last half minute, reported every [`ROOM_EVERY_SAMPLES`].
    room: RoomMeter,
    room_next: u64,
    keeper: Option<AudioKeeper>,
    /// Each microphone of an array kept apart for the second pass (a copy: see
    /// [`ChannelFiles`]).
    channel_files: Option<ChannelFiles>,
    channel_buf: Vec<f32>,
    seg_tx: Sender<TimedSegment>,
    ev: Sender<Event>,
    shared: Arc<Shared>,
    clock: Arc<Clock>,
}

impl CaptureStage {
    fn t(&self) -> f64 {
        self.clock.t()
    }

    fn run(mut self) {
        loop {
            let lost = self.capture();
            let Some(message) = lost else { break };
            // Everything captured so far goes through the pipeline and onto the disk.
            let segs = self.segmenter.flush();
            self.cut(segs);
            self.disk(Instant::now(), true);
            let _ = self.ev.send(Event::DeviceLost {
                t: self.t(),
                message,
                saved_seconds: self.shared.written.load(Ordering::Relaxed) as f64 / RATE,
                can_reconnect: self.reopen.is_some(),
            });
            if !self.wait_for_reconnect() {
                break;
            }
        }
        let segs = self.segmenter.flush();
        self.cut(segs);
        if let Some(c) = self.channel_files.take()
            && let Err(message) = c.finish()
        {
            self.channels_lost(message);
        }
        if let Some(k) = self.keeper.take() {
            let (written, error) = k.finish();
            self.shared.written.store(written, Ordering::Relaxed);
            if let Some(message) = error {
                let _ = self.ev.send(Event::Error {
                    t: self.t(),
                    message,
                    fatal: false,
                });
            }
        }
    }

    /// Reads the source until it ends (`None`) or fails (`Some(message)`).
    fn capture(&mut self) -> Option<String> {
        let mut buf = Vec::with_capacity(16000);
        let mut last_level = Instant::now();
        let mut stopping = false;
        loop {
            if self.shared.stop.load(Ordering::Relaxed) && !stopping {
                stopping = true;
                self.source.stop();
            }
            let read = self.source.read(&mut buf);
            let now = Instant::now();
            self.disk(now, false);
            let paused = self.shared.paused.load(Ordering::Relaxed) && !stopping;
            self.keep_channels(paused);
            match read {
                Ok(SourceRead::Samples(_)) => {
                    if paused {
                        continue;
                    }
                    // Disk first: a crash later in the pipeline never loses captured audio.
                    if let Some(k) = self.keeper.as_mut() {
                        let news = k.write(&buf);
                        self.shared.written.store(k.written(), Ordering::Relaxed);
                        self.report(news);
                    }
                    let before = self
                        .shared
                        .captured
                        .fetch_add(buf.len() as u64, Ordering::Relaxed);
                    let delivered = before + buf.len() as u64;
                    if self.source.is_live() {
                        self.clock
                            .observe(now, delivered, self.source.delivery_delay());
                    }
                    if delivered / 32000 != before / 32000 {
                        tracing::debug!(
                            target: "observant::latency",
                            "capture: {:.2} s of audio by {:.2} s since the pipeline started \
                             (capture origin at {:.3} s, device delay {} ms)",
                            delivered as f64 / RATE,
                            now.saturating_duration_since(self.clock.t0).as_secs_f64(),
                            self.clock.origin(),
                            self.source.delivery_delay().as_millis()
                        );
                    }
                    if last_level.elapsed() >= Duration::from_millis(100) {
                        let (mut sum, mut peak) = (0.0f64, 0.0f32);
                        for &s in &buf {
                            sum += f64::from(s * s);
                            peak = peak.max(s.abs());
                        }
                        let rms = (sum / buf.len().max(1) as f64).sqrt() as f32;
                        let _ = self.ev.try_send(Event::Level {
                            t: self.t(),
                            rms,
                            peak,
                        });
                        last_level = Instant::now();
                    }
                    self.room.push(&buf);
                    if delivered >= self.room_next {
                        self.room_next = delivered + ROOM_EVERY_SAMPLES;
                        self.report_room();
                    }
                    let segs = self.segmenter.push(&buf);
                    self.send(segs, now);
                    self.snapshot(now);
                }
                Ok(SourceRead::Pending) => {}
                Ok(SourceRead::End) => return None,
                Err(e) => return Some(observant_model::error::one_line(&e)),
            }
        }
    }

    /// Sends the room check's current estimate (dropped, not waited for, when the consumer
    /// is behind: the next one follows in a few seconds).
    fn report_room(&self) {
        let Some(mut estimate) = self.room.estimate() else {
            return;
        };
        estimate.confidence = self.shared.confidence();
        let _ = self.ev.try_send(Event::Room {
            t: self.t(),
            problems: estimate.problems(),
            estimate,
        });
    }

    fn cut(&self, segs: Vec<SpeechSegment>) {
        self.send(segs, Instant::now());
    }

    /// Sends segments that are over to the transcriber, which drops a snapshot it is
    /// decoding for them.
    fn send(&self, segs: Vec<SpeechSegment>, now: Instant) {
        for seg in segs {
            let _ = self.seg_tx.send(TimedSegment {
                seg,
                arrived: now,
                partial: false,
            });
            self.shared.segment_waiting.store(true, Ordering::Relaxed);
        }
    }

    /// Live only: sends a snapshot of the open segment once it holds
    /// [`SNAPSHOT_MIN_SPEECH`] of speech, [`PAUSE_HOLD`] after each short pause in it and
    /// [`SNAPSHOT_EVERY`] after the previous snapshot, when nothing waits for the
    /// transcriber (a snapshot never delays a segment that is over).
    fn snapshot(&mut self, now: Instant) {
        if !self.snapshots {
            return;
        }
        let Some(speech) = self.segmenter.open_speech() else {
            self.snap_next = None;
            return;
        };
        let (last_at, last_pause) = match self.snap_next {
            Some((start, at, pause)) if start == speech.start => (at, pause),
            _ => (speech.start, None),
        };
        self.snap_next = Some((speech.start, last_at, last_pause));
        if speech.end < speech.start + SNAPSHOT_MIN_SPEECH || !self.seg_tx.is_empty() {
            return;
        }
        let pause = self
            .segmenter
            .last_pause_end(PAUSE_MS)
            .filter(|&p| p > last_at.saturating_sub(PAUSE_HOLD) && Some(p) != last_pause);
        let after_pause = pause.is_some_and(|p| speech.end >= p + PAUSE_HOLD);
        let timed = speech.end >= last_at + SNAPSHOT_EVERY;
        if !(after_pause || timed) {
            return;
        }
        if let Some(seg) = self.segmenter.open_segment() {
            let pause = if after_pause { pause } else { last_pause };
            self.snap_next = Some((speech.start, speech.end, pause));
            let _ = self.seg_tx.try_send(TimedSegment {
                seg,
                arrived: now,
                partial: true,
            });
        }
    }

    /// Writes the channels that came with the last read to their files (drops them while
    /// paused, as the recording does, and when there are no files: they are always taken).
    fn keep_channels(&mut self, paused: bool) {
        if self.source.kept_channels() == 0 {
            return;
        }
        let mut frames = std::mem::take(&mut self.channel_buf);
        self.source.take_channels(&mut frames);
        if !paused
            && !frames.is_empty()
            && let Some(c) = self.channel_files.as_mut()
            && let Err(message) = c.write(&frames)
        {
            if let Some(c) = self.channel_files.take() {
                c.abandon();
            }
            self.channels_lost(message);
        }
        self.channel_buf = frames;
    }

    /// Tells the user the separate channels are no longer kept (the recording goes on).
    fn channels_lost(&self, message: String) {
        let _ = self.ev.send(Event::Error {
            t: self.t(),
            message: format!(
                "de losse microfoonkanalen worden niet bewaard, de opname zelf wel / \
                 the separate microphone channels are not kept, the recording itself is: {message}"
            ),
            fatal: false,
        });
    }

    /// Flushes the audio file about once a second (`now`: at once) and retries a failing disk.
    fn disk(&mut self, now: Instant, force: bool) {
        if let Some(c) = self.channel_files.as_mut()
            && let Err(message) = c.tick(now, force)
        {
            if let Some(c) = self.channel_files.take() {
                c.abandon();
            }
            self.channels_lost(message);
        }
        let Some(k) = self.keeper.as_mut() else {
            return;
        };
        let news = if force { k.flush_now() } else { k.tick(now) };
        self.shared.written.store(k.written(), Ordering::Relaxed);
        self.report(news);
    }

    fn report(&self, news: Option<DiskNews>) {
        let Some(news) = news else { return };
        let file = observant_store::session::AUDIO_FILE.to_string();
        let t = self.t();
        let _ = self.ev.send(match news {
            DiskNews::Failing {
                message,
                held_seconds,
            } => Event::Disk {
                t,
                file,
                ok: false,
                message,
                held_seconds,
                lost_seconds: 0.0,
            },
            DiskNews::Recovered { lost_seconds } => Event::Disk {
                t,
                file,
                ok: true,
                message: String::new(),
                held_seconds: 0.0,
                lost_seconds,
            },
        });
    }

    /// After a loss: waits for `Reconnect` (true, capturing again) or `Stop` (false).
    fn wait_for_reconnect(&mut self) -> bool {
        if self.reopen.is_none() {
            return false;
        }
        loop {
            if self.shared.stop.load(Ordering::Relaxed) {
                return false;
            }
            let asked = self.shared.reconnect.lock().ok().and_then(|mut r| r.take());
            if let Some(device) = asked
                && let Some(open) = self.reopen.as_mut()
            {
                match open(device.as_deref()) {
                    Ok((source, name)) => {
                        self.source = source;
                        // A device that came back with other channels: the copies end (the
                        // second pass then uses the recording).
                        if self
                            .channel_files
                            .as_ref()
                            .is_some_and(|c| c.channels() != self.source.kept_channels())
                            && let Some(c) = self.channel_files.take()
                        {
                            c.abandon();
                        }
                        let _ = self.ev.send(Event::Reconnected {
                            t: self.t(),
                            device: name,
                        });
                        return true;
                    }
                    Err(e) => {
                        let _ = self.ev.send(Event::DeviceLost {
                            t: self.t(),
                            message: observant_model::error::one_line(&e),
                            saved_seconds: self.shared.written.load(Ordering::Relaxed) as f64
                                / RATE,
                            can_reconnect: true,
                        });
                    }
                }
            }
            self.disk(Instant::now(), false);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Read-only ends of the upstream queues, for their lengths.
struct Probes {
    segments: Receiver<TimedSegment>,
    pieces: Receiver<Piece>,
}

/// The analysis/store stage's state.
struct Store {
    transcript: Transcript,
    classes: Vec<Classification>,
    publisher: Publisher,
    journal: Option<Journal>,
    _session: Option<Session>,
    probes: Probes,
    classifier: Classifier,
    config: Config,
    ev: Sender<Event>,
    clock: Arc<Clock>,
    last_flush: Instant,
    /// Written-sample count of the last `audio` journal entry.
    journaled_audio: Option<u64>,
    /// The journal's disk refuses it (reported once, until it takes the lines again).
    journal_trouble: bool,
    /// Voices named on the spot (old label -> name): applied to lines the speaker stage
    /// labelled before it heard of the name.
    renamed: Vec<(String, String)>,
}

impl Store {
    fn t(&self) -> f64 {
        self.clock.t()
    }

    fn journal(&mut self, e: Entry) {
        if let Some(j) = self.journal.as_mut()
            && let Err(err) = j.append(&e)
        {
            let _ = self.ev.send(Event::Error {
                t: self.clock.t(),
                message: format!("{err:#}"),
                fatal: false,
            });
        }
    }

    /// Notes the audio on disk (only when it changed) and flushes the journal. A failing disk
    /// is reported once (and its recovery once); the lines wait in the journal's queue.
    fn flush_journal(&mut self, written_samples: u64) {
        self.last_flush = Instant::now();
        if self.journal.is_none() {
            return;
        }
        if self.journaled_audio != Some(written_samples) {
            self.journaled_audio = Some(written_samples);
            self.journal(Entry::Audio {
                seconds: written_samples as f64 / RATE,
            });
        }
        let Some(j) = self.journal.as_mut() else {
            return;
        };
        let result = j.flush();
        let t = self.clock.t();
        let file = observant_store::session::JOURNAL_FILE.to_string();
        match result {
            Err(err) if !self.journal_trouble => {
                self.journal_trouble = true;
                let _ = self.ev.send(Event::Disk {
                    t,
                    file,
                    ok: false,
                    message: observant_model::error::one_line(&err),
                    held_seconds: 0.0,
                    lost_seconds: 0.0,
                });
            }
            Ok(()) if self.journal_trouble => {
                self.journal_trouble = false;
                let _ = self.ev.send(Event::Disk {
                    t,
                    file,
                    ok: true,
                    message: String::new(),
                    held_seconds: 0.0,
                    lost_seconds: 0.0,
                });
            }
            _ => {}
        }
    }

    fn analysis(&self) -> Analysis {
        observant_analysis::session::analyze_classified(
            &self.transcript,
            &self.classes,
            &self.config,
        )
    }

    /// Sends the utterances and flags that are new or changed, then fresh statistics
    /// (through the [`Publisher`] the scripted replay uses too).
    fn publish(&mut self) {
        let a = self.analysis();
        let t = self.t();
        let recent = self.recent_stats(300.0);
        let ev = &self.ev;
        self.publisher.publish(t, a, recent, &mut |e| {
            let _ = ev.send(e);
            true
        });
    }

    /// Statistics over the last `window` seconds of the session.
    fn recent_stats(&self, window: f64) -> Vec<observant_analysis::SpeakerStats> {
        let end = self.transcript.utterances.last().map_or(0.0, |u| u.end);
        let from = end - window;
        let first = self
            .transcript
            .utterances
            .iter()
            .position(|u| u.end > from)
            .unwrap_or(self.transcript.utterances.len());
        let sub = Transcript {
            utterances: self.transcript.utterances[first..].to_vec(),
            steps: Vec::new(),
            ..self.transcript.clone()
        };
        observant_analysis::session::analyze_classified(&sub, &self.classes[first..], &self.config)
            .speakers
    }

    fn run(
        &mut self,
        utt_rx: &Receiver<Attributed>,
        cmd_rx: &Receiver<Command>,
        spk_cmd: &Sender<Command>,
        shared: &Shared,
    ) {
        let hint = observant_analysis::session::lang_hint(self.transcript.language.as_deref());
        let mut last_status = Instant::now();
        let mut commands_open = true;
        loop {
            let got = if commands_open {
                crossbeam_channel::select! {
                    recv(utt_rx) -> u => Some(u.map_err(|_| ())),
                    recv(cmd_rx) -> c => {
                        match c {
                            Ok(c) => self.command(c, spk_cmd, shared),
                            Err(_) => {
                                commands_open = false;
                                // Nobody can stop us any more: stop capture.
                                shared.stop.store(true, Ordering::Relaxed);
                            }
                        }
                        None
                    }
                    default(Duration::from_millis(250)) => None,
                }
            } else {
                match utt_rx.recv_timeout(Duration::from_millis(250)) {
                    Ok(u) => Some(Ok(u)),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => Some(Err(())),
                }
            };
            match got {
                Some(Ok(mut a)) => {
                    // Earlier lines the attributor now gives to another voice: changed
                    // (and journalled, so a recovered session has them too) before the
                    // new line, and published with it.
                    for (i, mut speaker) in std::mem::take(&mut a.relabels) {
                        if let Some((_, to)) =
                            self.renamed.iter().find(|(from, _)| *from == speaker)
                        {
                            speaker = to.clone();
                        }
                        if let Some(u) = self.transcript.utterances.get_mut(i)
                            && u.speaker != speaker
                        {
                            u.speaker = speaker.clone();
                            self.journal(Entry::Reassign { index: i, speaker });
                        }
                    }
                    let Some(mut utterance) = a.utterance else {
                        // The relabels of the session's end alone.
                        self.publish();
                        continue;
                    };
                    let index = self.transcript.utterances.len();
                    if let Some((_, to)) = self
                        .renamed
                        .iter()
                        .find(|(from, _)| *from == utterance.speaker)
                    {
                        utterance.speaker = to.clone();
                    }
                    // The silence between the last line and this one is shared between
                    // them, as in the offline path (the VAD trims a turn's soft end and
                    // reverberant tail): the last line is sent again with its new end.
                    if let Some(last) = self.transcript.utterances.last_mut()
                        && super::offline::share_gap(
                            last,
                            &mut utterance,
                            super::offline::MAX_CLOSED_GAP_S,
                        )
                    {
                        let utterance = last.clone();
                        self.journal(Entry::Utterance {
                            index: index - 1,
                            utterance,
                        });
                    }
                    self.classes
                        .push(self.classifier.classify(&utterance.text, hint));
                    self.journal(Entry::Utterance {
                        index,
                        utterance: utterance.clone(),
                    });
                    self.transcript.utterances.push(utterance);
                    self.publish();
                    shared
                        .lag_analysis_ms
                        .store(a.arrived.elapsed().as_millis() as u64, Ordering::Relaxed);
                }
                Some(Err(())) => break,
                None => {}
            }
            if self.last_flush.elapsed() >= Duration::from_millis(1000) {
                self.flush_journal(shared.written.load(Ordering::Relaxed));
            }
            if last_status.elapsed() >= Duration::from_millis(1000) {
                self.status(utt_rx, shared);
                last_status = Instant::now();
            }
        }
        let captured = shared.captured.load(Ordering::Relaxed);
        self.flush_journal(shared.written.load(Ordering::Relaxed));
        // Every captured sample went through transcription: retention may now act on it.
        if let Some(s) = &self._session
            && let Err(err) = observant_store::session::mark_transcribed(&s.dir)
        {
            let _ = self.ev.send(Event::Error {
                t: self.t(),
                message: format!("{err:#}"),
                fatal: false,
            });
        }
        let _ = self.ev.send(Event::Stopped {
            t: self.t(),
            captured_samples: captured,
            written_samples: shared.written.load(Ordering::Relaxed),
        });
    }

    fn status(&self, utt_rx: &Receiver<Attributed>, shared: &Shared) {
        let ms = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / 1000.0;
        let stages = vec![
            StageStatus {
                stage: Stage::Transcriber,
                queue_len: self.probes.segments.len(),
                queue_capacity: SEGMENT_QUEUE,
                lag_seconds: ms(&shared.lag_transcriber_ms),
            },
            StageStatus {
                stage: Stage::Speakers,
                queue_len: self.probes.pieces.len(),
                queue_capacity: PIECE_QUEUE,
                lag_seconds: ms(&shared.lag_speakers_ms),
            },
            StageStatus {
                stage: Stage::Analysis,
                queue_len: utt_rx.len(),
                queue_capacity: UTTERANCE_QUEUE,
                lag_seconds: ms(&shared.lag_analysis_ms),
            },
        ];
        let _ = self.ev.try_send(Event::Status {
            t: self.t(),
            stages,
            captured_seconds: shared.captured.load(Ordering::Relaxed) as f64 / RATE,
        });
    }

    fn command(&mut self, c: Command, spk_cmd: &Sender<Command>, shared: &Shared) {
        match c {
            Command::Stop => shared.stop.store(true, Ordering::Relaxed),
            Command::SetPaused(p) => shared.paused.store(p, Ordering::Relaxed),
            Command::AdvanceStep { step } => {
                let t = shared.captured.load(Ordering::Relaxed) as f64 / RATE;
                self.transcript.steps.push(StepMark { step, start: t });
                self.journal(Entry::Step { step, t });
                let a = self.analysis();
                let now = self.t();
                let ev = &self.ev;
                self.publisher.changes(now, &a, &mut |e| {
                    let _ = ev.send(e);
                    true
                });
            }
            Command::ReassignSpeaker { index, speaker } => {
                if let Some(u) = self.transcript.utterances.get_mut(index) {
                    u.speaker = speaker.clone();
                    self.journal(Entry::Reassign {
                        index,
                        speaker: speaker.clone(),
                    });
                    let _ = spk_cmd.send(Command::ReassignSpeaker { index, speaker });
                    self.publish();
                }
            }
            Command::RenameSpeaker { from, to } => {
                let to = to.trim().to_string();
                if to.is_empty() || to == from {
                    return;
                }
                // A chain (S2 -> Anna, later Anna -> Anne) ends at the last name.
                for (_, t) in &mut self.renamed {
                    if *t == from {
                        *t = to.clone();
                    }
                }
                self.renamed.retain(|(f, _)| *f != from);
                self.renamed.push((from.clone(), to.clone()));
                self.journal(Entry::RenameSpeaker {
                    from: from.clone(),
                    to: to.clone(),
                });
                for p in &mut self.transcript.participants {
                    if p.name == from {
                        p.name = to.clone();
                    }
                }
                let lines: Vec<usize> = (0..self.transcript.utterances.len())
                    .filter(|&i| self.transcript.utterances[i].speaker == from)
                    .collect();
                for &i in &lines {
                    self.transcript.utterances[i].speaker = to.clone();
                }
                let _ = spk_cmd.send(Command::RenameSpeaker { from, to });
                if !lines.is_empty() {
                    self.publish();
                }
            }
            Command::EnrollNext { name } => {
                let _ = spk_cmd.send(Command::EnrollNext { name });
            }
            Command::Note { text } => {
                let t = shared.captured.load(Ordering::Relaxed) as f64 / RATE;
                self.journal(Entry::Note { t, text });
            }
            Command::Reconnect { device } => {
                if let Ok(mut r) = shared.reconnect.lock() {
                    *r = Some(device);
                }
            }
        }
    }
}

/// Builds the real parts (Whisper, Silero VAD, voice attribution, analysis) from plain options;
/// the analysis runs with `setup` (see `observant_store::setup`).
pub fn parts_from_options(
    speech: &crate::SpeechOptions,
    session: &crate::SessionOptions,
    setup: observant_analysis::setup::AnalysisSetup,
    save_dir: Option<std::path::PathBuf>,
    source: Box<dyn AudioSource>,
    device: String,
    verbose: bool,
) -> Result<LiveParts> {
    let mut opts = super::offline::options_from_speech(
        &crate::SpeechOptions {
            passphrase_file: session.passphrase_file.clone(),
            ..speech.clone()
        },
        verbose,
    )?;
    if speech.threads.is_none() {
        opts.whisper.threads = observant_speech::asr::whisper::default_live_threads();
    }
    let transcriber =
        observant_speech::asr::whisper::WhisperTranscriber::load(opts.whisper.clone())?;
    let mut participants = Vec::new();
    if let Some(spec) = &session.participants {
        participants = observant_model::transcript::parse::parse_participants(spec)?;
    }
    let method = match &session.method {
        Some(m) => Some(observant_model::transcript::parse::canonical_method(m)?),
        None => None,
    };
    let language = speech.lang.code().map(str::to_string);
    let attributor: Box<dyn Attributor> = if opts.diarize {
        super::attribution::voice_attributor(&opts)?
    } else {
        Box::new(SingleSpeaker)
    };
    Ok(LiveParts {
        source,
        vad: observant_audio::vad_track::live_vad(opts.vad, opts.dereverb),
        transcriber: Box::new(transcriber),
        attributor,
        classifier: (*setup.classifier).clone(),
        config: setup.config,
        meta: SessionMeta {
            title: "live".into(),
            participants,
            method,
            language,
            model: Some(opts.whisper.model.display().to_string()),
            consent: true,
            group: opts.group.clone(),
            max_speakers: opts.speakers.or(opts.max_speakers),
            known_speakers: opts.speakers,
            ..Default::default()
        },
        save_dir,
        secret: None,
        device,
        reopen: None,
        file_hook: None,
        disk_hold_seconds: DISK_HOLD_SECONDS,
    })
}

/// Opens an input device (`None`: the default) as a source, with its name.
pub fn open_device(device: Option<&str>) -> Result<(Box<dyn AudioSource>, String)> {
    use observant_audio::capture::{Capture, CaptureOptions};
    let cap = Capture::start(&CaptureOptions {
        device: device.map(str::to_string),
        ..Default::default()
    })?;
    let name = cap.info().device.clone();
    // Every microphone of an array is kept for the session (the second pass hears them all).
    Ok((Box::new(cap.into_source()?.keep_channels(true)?), name))
}

/// The real pipeline for the GUI: captures `cfg.device` (or the default input) and runs
/// every stage; the session is kept in `cfg.save_dir` (or a new folder under the default
/// sessions root). The stages run until `Command::Stop` (or the device ends).
pub fn start(cfg: super::events::LiveConfig) -> Result<PipelineHandle> {
    // The model first: a missing or broken model is reported before the device is opened.
    let model = cfg
        .model
        .clone()
        .unwrap_or_else(observant_model::default_model_path);
    observant_speech::asr::models::inspect(&model)?;
    let (source, device) = open_device(cfg.device.as_deref())?;
    let mut whisper = observant_speech::asr::whisper::WhisperOptions::new(model.clone());
    whisper.threads = match cfg.threads {
        Some(t) => t.max(1),
        None => observant_speech::asr::whisper::default_live_threads(),
    };
    whisper.language = cfg.lang.into();
    let transcriber = observant_speech::asr::whisper::WhisperTranscriber::load(whisper)?;
    let attributor: Box<dyn Attributor> =
        match observant_speech::speakers::encoder::VoiceEncoder::load_default() {
            Ok(enc) => Box::new(
                super::attribution::VoiceAttributor::new(
                    enc,
                    &[],
                    cfg.known_speakers,
                    cfg.max_speakers,
                )
                .with_group(cfg.voices.clone()),
            ),
            Err(_) => Box::new(SingleSpeaker),
        };
    let save_dir = match cfg.save_dir {
        Some(d) => d,
        None => {
            let root = observant_store::session::default_sessions_root();
            observant_store::session::create_private_dir(&root)?;
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            root.join(format!("sessie-{stamp}"))
        }
    };
    let language = cfg.lang.code().map(str::to_string);
    let parts = LiveParts {
        source,
        vad: observant_audio::vad_track::live_vad(observant_audio::vad::VadKind::Silero, true),
        transcriber: Box::new(transcriber),
        attributor,
        classifier: (*cfg.setup.classifier).clone(),
        config: cfg.setup.config.clone(),
        meta: SessionMeta {
            title: "live".into(),
            participants: cfg.participants,
            method: cfg.method,
            language,
            model: Some(model.display().to_string()),
            consent: true,
            group: cfg.group.clone(),
            max_speakers: cfg.max_speakers,
            known_speakers: cfg.known_speakers,
            ..Default::default()
        },
        save_dir: Some(save_dir),
        secret: cfg.passphrase.clone(),
        device,
        reopen: Some(Box::new(open_device)),
        file_hook: None,
        disk_hold_seconds: DISK_HOLD_SECONDS,
    };
    Ok(start_with(parts)?.handle)
}

#[cfg(test)]
mod tests {
    use super::{piece_spans, release_point, split_at_sentence_ends};
    use observant_speech::asr::{AsrSegment, Word};

    fn piece(start: f64, end: f64) -> AsrSegment {
        AsrSegment {
            start,
            end,
            text: "x".into(),
            confidence: 1.0,
            no_speech_probability: 0.0,
            words: Vec::new(),
        }
    }

    #[test]
    fn pieces_cover_the_segment_from_its_start_to_the_confirmed_silence() {
        // Whisper's coarse times: the first piece starts late, the last ends early.
        let spans = piece_spans(&[piece(0.4, 2.0), piece(2.6, 4.0)], 5.1);
        assert_eq!(spans, vec![(0.0, 2.6), (2.6, 5.1)]);
        // A piece Whisper placed past the end keeps at least a tenth of a second.
        let spans = piece_spans(&[piece(6.0, 7.0)], 5.0);
        assert_eq!(spans, vec![(0.0, 7.0)]);
        assert!(piece_spans(&[], 3.0).is_empty());
    }

    fn worded(words: &[(f64, f64)]) -> AsrSegment {
        let mut p = piece(words[0].0, words[words.len() - 1].1);
        p.words = words
            .iter()
            .map(|&(start, end)| Word {
                start,
                end,
                text: " w".into(),
                probability: 0.9,
            })
            .collect();
        p
    }

    #[test]
    fn a_snapshot_sends_the_lines_followed_by_enough_speech_and_keeps_the_last() {
        let a = worded(&[(0.2, 0.6), (0.7, 1.9)]);
        let b = worded(&[(2.3, 2.8), (2.9, 3.4)]);
        let c = worded(&[(3.6, 4.4)]);
        // Three lines in 4.6 s: the first two ended well before the snapshot did, but the
        // second is only sent when it is followed by another line and 0.5 s of audio.
        let near = |got: Option<(usize, f64)>, n: usize, cut: f64| {
            let (k, at) = got.expect("lines are sent");
            assert_eq!(k, n);
            assert!((at - cut).abs() < 1e-9, "cut at {at}, expected {cut}");
        };
        near(
            release_point(&[a.clone(), b.clone(), c.clone()], 4.6),
            2,
            3.5,
        );
        near(release_point(&[a.clone(), b.clone(), c], 3.8), 1, 2.1);
        // One line, or lines too close to the snapshot's end: nothing is sent yet.
        assert_eq!(release_point(std::slice::from_ref(&a), 9.0), None);
        assert_eq!(release_point(&[a, b], 2.3), None);
        assert_eq!(release_point(&[], 3.0), None);
    }

    #[test]
    fn a_snapshot_sends_a_sentence_that_whisper_kept_in_one_piece_with_the_next() {
        // One piece, two sentences (a turn taken without a pause): "Je moet gaan." ends at
        // 1.2 s, "Wat denk jij?" runs from 1.6 to 2.8 s; the snapshot is 3.5 s long.
        let mut p = worded(&[
            (0.1, 0.4),
            (0.5, 0.8),
            (0.9, 1.2),
            (1.6, 1.9),
            (2.0, 2.3),
            (2.4, 2.8),
        ]);
        for (w, t) in p
            .words
            .iter_mut()
            .zip(["Je", "moet", "gaan.", "Wat", "denk", "jij?"])
        {
            w.text = format!(" {t}");
        }
        p.start = 0.0;
        p.end = 3.0;
        assert_eq!(release_point(std::slice::from_ref(&p), 3.5), None);
        let parts = split_at_sentence_ends(vec![p.clone()]);
        let texts: Vec<&str> = parts.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, ["Je moet gaan.", "Wat denk jij?"]);
        assert_eq!((parts[0].start, parts[0].end), (0.0, 1.2));
        assert_eq!((parts[1].start, parts[1].end), (1.6, 3.0));
        let (count, cut) = release_point(&parts, 3.5).expect("the first sentence is sent");
        assert_eq!(count, 1);
        assert!((cut - 1.4).abs() < 1e-9, "{cut}");
        // A piece that ends its only sentence at its last word, or has no word times,
        // stays as it is.
        let one = worded(&[(0.1, 0.5), (0.6, 1.0)]);
        assert_eq!(split_at_sentence_ends(vec![one.clone()]), vec![one]);
        assert_eq!(
            split_at_sentence_ends(vec![piece(0.0, 2.0)]),
            vec![piece(0.0, 2.0)]
        );
    }
}
