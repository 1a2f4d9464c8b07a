//! Offline transcription of a recording: stream-decode -> VAD segments (a recording of one
//! channel is first listened to once, and where the room hides speech from the VAD it hears
//! the recording dereverberated, [`vad_for`]) -> Whisper on
//! windows of packed segments (large windows: best word accuracy; a window of one channel that
//! sounds reverberant is dereverberated first, [`WindowDereverb`]) and, independently,
//! speaker turns ([`Diarizer`]: segments cut at pauses and at speaker changes, clustered
//! globally into speakers or enrolled names) -> every recognised word goes to the speaker
//! turn it falls in (by time) -> one utterance per turn. So a speaker change inside a VAD
//! segment or a Whisper window splits the utterance. Memory is bounded by one window of
//! audio plus the window embeddings of the speech (about 1 KB per 0.77 s), so a 3-hour
//! file is streamed, never loaded whole.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use observant_audio::segment::{Segmenter, SegmenterConfig, Segments, SpeechSegment};
use observant_audio::source::{AudioSource, FileSource};
use observant_audio::vad::{ScriptedVad, Vad, VadKind, default_vad};
use observant_model::transcript::{Participant, Role, Transcript, Utterance};
use observant_speech::asr::Transcriber;
use observant_speech::asr::filter::HallucinationFilter;
use observant_speech::asr::whisper::{WhisperOptions, WhisperTranscriber};
use observant_speech::speakers::diarize::{DiarizeConfig, Diarizer, Turn};
use observant_speech::speakers::encoder::{Embedding, VoiceEncoder};
use observant_speech::speakers::enroll::Enrollment;

const RATE: f64 = 16000.0;

/// Options for [`transcribe_file`].
#[derive(Debug, Clone)]
pub struct OfflineOptions {
    pub whisper: WhisperOptions,
    /// Number of speakers when known.
    pub speakers: Option<usize>,
    /// At most this many speakers (the estimate stays at or below it).
    pub max_speakers: Option<usize>,
    /// Voices to recognise by name: (name, clip). They also fix the speaker count.
    pub enroll: Vec<(String, PathBuf)>,
    /// Known voices (a group's profiles): they name the speakers they match, without fixing
    /// the count; a voice that matches none stays `S<n>`.
    pub voices: Vec<Enrollment>,
    /// The group the voices come from, if any.
    pub group: Option<String>,
    pub vad: VadKind,
    /// Attribute speakers at all (off: every utterance is "S1").
    pub diarize: bool,
    /// Dereverberate (`observant_audio::dereverb`): a recording of two or more channels
    /// before they become one; one channel window by window on its way to the recogniser
    /// when the window sounds reverberant (the VAD and the voice prints hear it as recorded).
    pub dereverb: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Progress for a GUI: samples (16 kHz) decoded so far and in total.
    pub progress_counter: Option<std::sync::Arc<ProgressCounter>>,
}

/// How far a transcription is, readable from another thread: 16 kHz samples done and in
/// total (0 when the length is unknown).
#[derive(Debug, Default)]
pub struct ProgressCounter {
    pub done: std::sync::atomic::AtomicU64,
    pub total: std::sync::atomic::AtomicU64,
    /// Set by the reader to stop the transcription (it then ends with an error).
    pub cancel: std::sync::atomic::AtomicBool,
}

impl ProgressCounter {
    /// Asks the transcription to stop at the next segment.
    pub fn cancel(&self) {
        self.cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Fraction done (0..1), when the total is known.
    pub fn fraction(&self) -> Option<f32> {
        use std::sync::atomic::Ordering::Relaxed;
        let total = self.total.load(Relaxed);
        (total > 0).then(|| (self.done.load(Relaxed) as f64 / total as f64).min(1.0) as f32)
    }
}

impl OfflineOptions {
    pub fn new(model: PathBuf) -> OfflineOptions {
        OfflineOptions {
            whisper: WhisperOptions::new(model),
            speakers: None,
            max_speakers: None,
            enroll: Vec::new(),
            voices: Vec::new(),
            group: None,
            vad: VadKind::Silero,
            diarize: true,
            dereverb: true,
            progress: false,
            progress_counter: None,
        }
    }
}

/// Where the time went (seconds), and how much audio there was.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct OfflineStats {
    pub audio_seconds: f64,
    pub speech_seconds: f64,
    pub segments: usize,
    pub decode_vad_seconds: f64,
    pub asr_seconds: f64,
    /// Dereverberation: a multi-channel file's channels before they become one, or one
    /// channel's windows before Whisper (included in neither of the others).
    pub dereverb_seconds: f64,
    pub speaker_seconds: f64,
    pub total_seconds: f64,
    /// Windows decoded again segment by segment after the recogniser looped.
    pub windows_redecoded: usize,
    /// Decodings the guard stopped early (a repetition loop, or more tokens than the audio
    /// can hold): `observant_speech::asr::guard`.
    pub decodings_stopped: usize,
    /// Runs of speech the recogniser skipped (no word in them) that were decoded again.
    pub skipped_redecoded: usize,
    /// The VAD heard the recording dereverberated (the room hid speech from it, [`vad_for`]).
    pub vad_dereverberated: bool,
    pub model: String,
    pub language: Option<String>,
}

/// One recognised word (or a whole Whisper segment's text when it has no word times) with
/// its absolute times and the VAD segment it was heard in.
#[derive(Debug, Clone)]
struct Word {
    segment: usize,
    start: f64,
    end: f64,
    text: String,
    confidence: f32,
    /// The recogniser's probability for this word (its least sure token).
    probability: f32,
}

/// The voice encoder for attributing speakers (`None` when `opts` does not diarize), on
/// Whisper's threads: embedding runs between Whisper windows, when those cores are free.
pub fn voice_encoder(opts: &OfflineOptions) -> Result<Option<VoiceEncoder>> {
    if !opts.diarize {
        return Ok(None);
    }
    let mut enc = VoiceEncoder::load_default().context("stemmodel / voice model")?;
    enc.set_threads(opts.whisper.threads);
    Ok(Some(enc))
}

/// Transcribes and attributes a whole recording.
pub fn transcribe_file(path: &Path, opts: &OfflineOptions) -> Result<(Transcript, OfflineStats)> {
    let t0 = Instant::now();
    let source = FileSource::open(path)?.with_dereverb(opts.dereverb);
    let mut transcriber = WhisperTranscriber::load(opts.whisper.clone())?;
    let encoder = voice_encoder(opts)?;
    let mut enrolled = Vec::new();
    if let Some(enc) = &encoder {
        for (name, clip) in &opts.enroll {
            let pcm = observant_audio::decode::load_16k_mono(clip, Some(120.0))
                .with_context(|| format!("inschrijving / enrollment '{name}'"))?;
            anyhow::ensure!(
                pcm.len() as f64 >= RATE,
                "inschrijving '{name}': opname korter dan 1 s / enrollment '{name}': clip shorter than 1 s"
            );
            enrolled.push((name.clone(), enc.embed_utterance(&pcm)));
        }
    }
    let t_hear = Instant::now();
    let picked = if source.dereverberated() {
        PickedVad::as_chosen(opts)
    } else {
        vad_for(|| FileSource::open(path), opts)?
    };
    let heard_seconds = t_hear.elapsed().as_secs_f64();
    let vad_dereverberated = picked.dereverberated;
    let (t, mut stats) = transcribe_source_with_vad(
        source,
        picked.vad,
        &mut transcriber,
        encoder.as_ref(),
        &enrolled,
        opts,
    )?;
    stats.decode_vad_seconds += heard_seconds;
    stats.vad_dereverberated = vad_dereverberated;
    stats.total_seconds = t0.elapsed().as_secs_f64();
    Ok((t, stats))
}

/// The VAD for a recording of one channel that `open` reads from its start (again): Silero,
/// or, in a reverberant room where Silero misses much of the speech, Silero's scores of the
/// recording dereverberated (`observant_audio::vad_track`; only the VAD hears that). Only
/// for Silero with dereverberation on (`--no-dereverb` and `--vad energy` leave it out).
pub fn vad_for<S: AudioSource>(
    open: impl Fn() -> Result<S>,
    opts: &OfflineOptions,
) -> Result<PickedVad> {
    if !opts.dereverb || opts.vad != VadKind::Silero {
        return Ok(PickedVad::as_chosen(opts));
    }
    let counter = opts.progress_counter.clone();
    let open = || {
        open().map(|inner| Cancellable {
            inner,
            counter: counter.clone(),
        })
    };
    let hearing = observant_audio::vad_track::hear(open()?)?;
    tracing::debug!(?hearing, "the VAD's hearing of the recording");
    if !hearing.needs_dereverberation() {
        return Ok(PickedVad::as_chosen(opts));
    }
    let track = observant_audio::vad_track::dereverberated_track(open()?)?;
    tracing::info!(
        heard_share = hearing.heard_share,
        clarity = hearing.clarity,
        "galm verbergt spraak voor de VAD: die hoort de opname ontgalmd / reverberation hides speech from the VAD: it hears the recording dereverberated"
    );
    Ok(PickedVad {
        vad: Box::new(ScriptedVad::new(track)),
        dereverberated: true,
    })
}

/// A source that stops with an error once the transcription is cancelled (the listening of
/// [`vad_for`] reads a whole recording before the first segment).
struct Cancellable<S> {
    inner: S,
    counter: Option<std::sync::Arc<ProgressCounter>>,
}

impl<S: AudioSource> AudioSource for Cancellable<S> {
    fn read(&mut self, out: &mut Vec<f32>) -> Result<observant_audio::source::SourceRead> {
        if self
            .counter
            .as_deref()
            .is_some_and(ProgressCounter::cancelled)
        {
            anyhow::bail!("uitschrijven afgebroken / transcription cancelled");
        }
        self.inner.read(out)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// The segmenter's VAD for a recording ([`vad_for`]).
pub struct PickedVad {
    pub vad: Box<dyn Vad>,
    /// True when it replays Silero's scores of the recording dereverberated.
    pub dereverberated: bool,
}

impl PickedVad {
    /// The VAD the options name, hearing the recording as it is.
    fn as_chosen(opts: &OfflineOptions) -> PickedVad {
        PickedVad {
            vad: default_vad(opts.vad),
            dereverberated: false,
        }
    }
}

/// The core of [`transcribe_file`] over any source and transcriber (tests use scripted ones).
pub fn transcribe_source<S: AudioSource>(
    source: S,
    transcriber: &mut dyn Transcriber,
    encoder: Option<&VoiceEncoder>,
    enrolled: &[(String, Embedding)],
    opts: &OfflineOptions,
) -> Result<(Transcript, OfflineStats)> {
    let vad = default_vad(opts.vad);
    transcribe_source_with_vad(source, vad, transcriber, encoder, enrolled, opts)
}

/// [`transcribe_source`] with the segmenter's VAD given (see [`vad_for`]).
pub fn transcribe_source_with_vad<S: AudioSource>(
    source: S,
    vad: Box<dyn Vad>,
    transcriber: &mut dyn Transcriber,
    encoder: Option<&VoiceEncoder>,
    enrolled: &[(String, Embedding)],
    opts: &OfflineOptions,
) -> Result<(Transcript, OfflineStats)> {
    let total = source.total_samples();
    // The recogniser hears one channel dereverberated (a multi-channel file was already, before
    // its channels became one); the VAD and the voice prints hear it as recorded.
    let mut dereverb = (opts.dereverb && !source.dereverberated()).then(|| WindowDereverb {
        threads: opts.whisper.threads.max(1),
        reverberant: None,
    });
    let segmenter = Segmenter::new(vad, SegmenterConfig::default());
    let mut segments = Segments::new(source, segmenter);
    let bar = progress_bar(opts.progress, total);
    let filter = HallucinationFilter::default();
    let mut stats = OfflineStats {
        model: transcriber.describe(),
        ..Default::default()
    };
    let diarize_config = diarize_config((opts.speakers, opts.max_speakers), enrolled, &opts.voices);
    let mut diarizer = encoder.map(|_| Diarizer::new(&diarize_config));
    let mut words: Vec<Word> = Vec::new();
    // Speech bounds (samples) of every VAD segment: the turns when there is no diarizer.
    let mut bounds: Vec<(u64, u64)> = Vec::new();
    let mut index = 0usize;
    let mut window: Vec<SpeechSegment> = Vec::new();
    let mut window_len = 0usize;
    let counter = opts.progress_counter.as_deref();
    if let (Some(c), Some(n)) = (counter, total) {
        c.total.store(n, std::sync::atomic::Ordering::Relaxed);
    }
    let mut t_vad = Instant::now();
    loop {
        if counter.is_some_and(ProgressCounter::cancelled) {
            anyhow::bail!("uitschrijven afgebroken / transcription cancelled");
        }
        let next = segments.next();
        stats.decode_vad_seconds += t_vad.elapsed().as_secs_f64();
        let seg = match next {
            Some(s) => Some(s?),
            None => None,
        };
        // Whisper is most accurate and efficient on full 30 s windows: pack consecutive
        // speech segments (silence between them shortened) into windows of up to 28 s.
        let full = seg
            .as_ref()
            .is_some_and(|s| window_len + s.samples.len() + GAP > WINDOW && !window.is_empty());
        if (full || seg.is_none()) && !window.is_empty() {
            let w = std::mem::take(&mut window);
            window_len = 0;
            let first = index;
            index += w.len();
            WindowDecoder {
                transcriber: &mut *transcriber,
                dereverb: dereverb.as_mut(),
                filter: &filter,
                words: &mut words,
                stats: &mut stats,
            }
            .window(&w, first)?;
        }
        let Some(seg) = seg else { break };
        stats.speech_seconds += seg.samples.len() as f64 / RATE;
        bounds.push((seg.speech_start, seg.speech_end));
        if let (Some(d), Some(enc)) = (diarizer.as_mut(), encoder) {
            let t_spk = Instant::now();
            d.push_segment(enc, seg.start_sample as usize, &seg.samples);
            stats.speaker_seconds += t_spk.elapsed().as_secs_f64();
        }
        window_len += seg.samples.len() + GAP;
        window.push(seg);
        if let Some(b) = &bar {
            b.set_position(segments.position());
        }
        if let Some(c) = counter {
            c.done
                .store(segments.position(), std::sync::atomic::Ordering::Relaxed);
        }
        t_vad = Instant::now();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(c) = counter {
        c.done
            .store(segments.position(), std::sync::atomic::Ordering::Relaxed);
    }
    stats.segments = index;
    stats.audio_seconds = segments.position() as f64 / RATE;
    // A multi-channel file's dereverberation happened while it was read: report it apart.
    let channels_dereverb = segments.source().dereverb_seconds();
    stats.dereverb_seconds += channels_dereverb;
    stats.decode_vad_seconds = (stats.decode_vad_seconds - channels_dereverb).max(0.0);
    stats.language = transcriber.language();

    let t_spk = Instant::now();
    let (mut turns, names) = match &diarizer {
        Some(d) => {
            let r = d.finish(&diarize_config);
            (r.turns, r.names)
        }
        None => (
            bounds
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| Turn {
                    start: a as usize,
                    end: b as usize,
                    speaker: 0,
                    segment: i,
                })
                .collect(),
            vec!["S1".to_string()],
        ),
    };
    stats.speaker_seconds += t_spk.elapsed().as_secs_f64();
    snap_changes_to_sentence_ends(&mut turns, &words);
    let transcript = build_transcript(&words, &turns, &names, stats.language.clone());
    Ok((transcript, stats))
}

/// Settings of the speaker attribution: the known count (`--speakers`, else as many as
/// enrolled clips when there is no group, else automatic, at most `--max-speakers`) and the
/// enrolled voices and the group's voices for names (a group's voices are matched by
/// [`observant_store::groups::VOICE_MATCH`]).
fn diarize_config(
    (speakers, max_speakers): (Option<usize>, Option<usize>),
    enrolled: &[(String, Embedding)],
    voices: &[Enrollment],
) -> DiarizeConfig {
    use observant_speech::speakers::cluster::ClusterConfig;
    let clips = (!enrolled.is_empty() && voices.is_empty()).then_some(enrolled.len());
    let mut names: Vec<Enrollment> = enrolled
        .iter()
        .map(|(name, e)| Enrollment::from_embedding(name, *e))
        .collect();
    names.extend(
        voices
            .iter()
            .filter(|v| !names.iter().any(|n| n.name == v.name))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let mut config = DiarizeConfig {
        cluster: match (speakers.or(clips), max_speakers) {
            (Some(n), _) => ClusterConfig::with_speakers(n),
            (None, Some(m)) => ClusterConfig {
                max_speakers: m,
                ..ClusterConfig::default()
            },
            (None, None) => ClusterConfig::default(),
        },
        enrolled: names,
        ..DiarizeConfig::default()
    };
    if !voices.is_empty() {
        config.group_match = Some(observant_store::groups::VOICE_MATCH);
    }
    config
}

/// Samples of silence put between packed segments.
const GAP: usize = 4800;
/// Words a loop must have cost before a window is decoded again segment by segment.
const LOOP_WORDS_LOST: usize = 8;
/// How far before a segment's first sample a word may start and still be its (samples).
const ALIGN_TOLERANCE: usize = 640;
/// Longest packed window, in samples.
const WINDOW: usize = 28 * 16000;

/// Decodes packed windows of speech segments and puts the recognised words back at their
/// absolute times, each with the segment it was heard in.
struct WindowDecoder<'a> {
    transcriber: &'a mut dyn Transcriber,
    /// Dereverberate windows that sound reverberant before they are decoded (`None`: every
    /// window as it is, e.g. a file whose microphones were dereverberated together already).
    dereverb: Option<&'a mut WindowDereverb>,
    filter: &'a HallucinationFilter,
    words: &'a mut Vec<Word>,
    stats: &'a mut OfflineStats,
}

/// Dereverberation of one channel's windows on their way to the recogniser: a window is
/// dereverberated when the room check (`observant_audio::room`) reads its clarity below
/// [`DEREVERB_BELOW_CLARITY`]; a window too short to judge goes as the window before it went
/// (the first ones as they are).
struct WindowDereverb {
    threads: usize,
    /// How the last window that could be judged sounded.
    reverberant: Option<bool>,
}

impl WindowDereverb {
    /// `pcm` as the recogniser should hear it.
    fn apply(&mut self, pcm: Vec<f32>) -> Vec<f32> {
        if let Some(e) = observant_audio::room::estimate(&pcm)
            .filter(|e| e.speech_seconds >= observant_model::room::MIN_SPEECH_SECONDS)
        {
            self.reverberant = Some(e.clarity < DEREVERB_BELOW_CLARITY);
        }
        if self.reverberant == Some(true) {
            // The gaps between segments are longer than the prediction reaches back (0.1 s),
            // so no segment's reverberation is predicted from another's.
            observant_audio::dereverb::dereverberate_clip(&pcm, RATE as u32, self.threads)
        } else {
            pcm
        }
    }
}

/// A window of one channel is dereverberated before it is decoded when the room check reads
/// its clarity below [`observant_audio::dereverb::REVERBERANT_BELOW_CLARITY`]; dereverberating a close window would
/// cost about 1.6 % of real time on two threads for nothing, so those are left as they are.
const DEREVERB_BELOW_CLARITY: f32 = observant_audio::dereverb::REVERBERANT_BELOW_CLARITY;

/// Shortest run of segments without a word (seconds of audio) that is decoded again.
const MIN_UNHEARD_S: f64 = 1.0;

impl WindowDecoder<'_> {
    /// Transcribes one packed window; `first_index` is the index of its first segment.
    fn window(&mut self, segs: &[SpeechSegment], first_index: usize) -> Result<()> {
        let base = self.words.len();
        let by_segment = self.decode(segs, first_index)?;
        // Whisper can end a window early: after a sentence it may predict that nothing more
        // is said and skip the rest of its 30 s (the long-form "single timestamp ending"
        // rule), which on packed speech loses everything after it (seen on room audio: 26 s
        // of a window gone after its first 1.5 s). The VAD heard speech there, so every run
        // of segments that got no word at all (at least `MIN_UNHEARD_S` of audio) is
        // decoded again as a window of its own, once. (A single segment that a looped window
        // was already decoded alone in would give the same again: skipped.)
        let mut heard = vec![false; segs.len()];
        for w in &self.words[base..] {
            if let Some(h) = w
                .segment
                .checked_sub(first_index)
                .and_then(|k| heard.get_mut(k))
            {
                *h = true;
            }
        }
        let mut k = 0;
        while k < segs.len() {
            if heard[k] {
                k += 1;
                continue;
            }
            let a = k;
            while k < segs.len() && !heard[k] {
                k += 1;
            }
            let samples: usize = segs[a..k].iter().map(|s| s.samples.len()).sum();
            let decoded_alone = by_segment && k - a == 1;
            if samples as f64 >= MIN_UNHEARD_S * RATE && k - a < segs.len() && !decoded_alone {
                self.stats.skipped_redecoded += 1;
                self.decode(&segs[a..k], first_index + a)?;
            }
        }
        // Words in time order (segment by segment; a re-decoded run's words came last).
        self.words[base..].sort_by_key(|w| w.segment);
        Ok(())
    }

    /// One decoding of a packed window. A window the recogniser looped on is decoded again
    /// segment by segment; returns whether that happened.
    fn decode(&mut self, segs: &[SpeechSegment], first_index: usize) -> Result<bool> {
        let mut pcm: Vec<f32> = Vec::with_capacity(WINDOW + GAP);
        let mut offsets = Vec::with_capacity(segs.len());
        for (i, s) in segs.iter().enumerate() {
            if i > 0 {
                pcm.resize(pcm.len() + GAP, 0.0);
            }
            offsets.push(pcm.len());
            pcm.extend_from_slice(&s.samples);
        }
        if let Some(d) = self.dereverb.as_deref_mut() {
            let t = Instant::now();
            pcm = d.apply(pcm);
            self.stats.dereverb_seconds += t.elapsed().as_secs_f64();
        }
        let t_asr = Instant::now();
        let raw = self.transcriber.transcribe(&pcm)?;
        let raw_words: usize = raw.iter().map(|a| a.words.len()).sum();
        tracing::debug!(
            start_s = segs.first().map_or(0.0, SpeechSegment::start_seconds),
            segments = segs.len(),
            words = raw_words,
            text = %raw.iter().map(|a| a.text.as_str()).collect::<Vec<_>>().join(" | "),
            "window decoded"
        );
        let asr = self.filter.apply(raw);
        self.stats.asr_seconds += t_asr.elapsed().as_secs_f64();
        // A decoding that ran away (a loop the filter had to cut: on reverberant audio one
        // sentence over and over for half a window) lost the speech it looped over. Decode the
        // window's segments one by one instead: a fresh start at every segment.
        let kept_words: usize = asr.iter().map(|a| a.words.len()).sum();
        // The decoding guard stopping a window early (a loop or more text than the audio can
        // hold) is the same sign, seen before the words are lost.
        let stopped = self.transcriber.last_stop().is_some();
        self.stats.decodings_stopped += usize::from(stopped);
        if segs.len() > 1 && (stopped || raw_words >= kept_words + LOOP_WORDS_LOST) {
            self.stats.windows_redecoded += 1;
            for (k, seg) in segs.iter().enumerate() {
                self.decode(std::slice::from_ref(seg), first_index + k)?;
            }
            return Ok(true);
        }
        // Which segment a word starting at `t` in the window belongs to. The gaps are digital
        // silence, so no word starts there: a word placed in a gap is the previous segment's
        // last word whose alignment ran on past the audio (a tail the VAD cut short), not the
        // next segment's first. (DTW times are good to about two 20 ms frames.)
        let seg_of = |t: f64| -> usize {
            let x = (t * RATE) as usize;
            let mut k = 0;
            for (i, &o) in offsets.iter().enumerate() {
                if x + ALIGN_TOLERANCE >= o {
                    k = i;
                }
            }
            k
        };
        for a in asr {
            // Without word times the whole text is one "word".
            let items: Vec<(f64, f64, &str, f32)> = if a.words.is_empty() {
                vec![(a.start, a.end, a.text.as_str(), a.confidence)]
            } else {
                a.words
                    .iter()
                    .map(|w| (w.start, w.end, w.text.as_str(), w.probability))
                    .collect()
            };
            for (start, end, text, probability) in items {
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let k = seg_of(start);
                let seg = &segs[k];
                let local = |t: f64| {
                    (t - offsets[k] as f64 / RATE).clamp(0.0, seg.samples.len() as f64 / RATE)
                };
                let (s0, s1) = (local(start), local(end));
                self.words.push(Word {
                    segment: first_index + k,
                    start: seg.start_seconds() + s0,
                    end: seg.start_seconds() + s1.max(s0),
                    text: text.to_string(),
                    confidence: a.confidence,
                    probability,
                });
            }
        }
        Ok(false)
    }
}

/// Index of the turn a word belongs to: among the turns of its segment, the one holding
/// its middle, else the nearest; a word of a segment without turns goes to the nearest
/// turn. `turns` are in time order.
fn turn_of(w: &Word, turns: &[Turn]) -> Option<usize> {
    let mid = (w.start + w.end) / 2.0;
    let dist = |t: &Turn| {
        let (a, b) = (t.start as f64 / RATE, t.end as f64 / RATE);
        if mid < a {
            a - mid
        } else if mid >= b {
            mid - b
        } else {
            0.0
        }
    };
    let first = turns.partition_point(|t| t.segment < w.segment);
    let same = turns[first..]
        .iter()
        .take_while(|t| t.segment == w.segment)
        .count();
    let range = if same > 0 {
        first..first + same
    } else {
        0..turns.len()
    };
    range.min_by(|&i, &j| dist(&turns[i]).total_cmp(&dist(&turns[j])))
}

/// Farthest (seconds) a speaker change inside a segment moves to a sentence end.
const SNAP_TO_SENTENCE_S: f64 = 0.8;
/// Shortest turn (seconds) a move to a sentence end leaves on either side.
const SNAP_MIN_TURN_S: f64 = 0.3;

/// Whether a recognised word ends a sentence (Whisper writes the punctuation on the word).
fn ends_sentence(text: &str) -> bool {
    text.trim_end_matches(['"', '\'', ')'])
        .ends_with(['.', '?', '!'])
}

/// A speaker change found inside a segment lies on the voice windows' grid (0.77 s) and,
/// where one voice starts over the other's last words, leans to the louder one; a new speaker
/// starts a new sentence. So each change between two turns of one segment moves to the
/// nearest sentence end Whisper wrote (the middle between a word ending in . ? or ! and the
/// next word of the segment) within [`SNAP_TO_SENTENCE_S`], leaving both turns at least
/// [`SNAP_MIN_TURN_S`]; without one it stays. `words` are in time order per segment.
fn snap_changes_to_sentence_ends(turns: &mut [Turn], words: &[Word]) {
    for i in 1..turns.len() {
        let (a, b) = (turns[i - 1], turns[i]);
        if a.segment != b.segment || a.end != b.start || a.speaker == b.speaker {
            continue;
        }
        let cut = a.end as f64 / RATE;
        let lo = a.start as f64 / RATE + SNAP_MIN_TURN_S;
        let hi = b.end as f64 / RATE - SNAP_MIN_TURN_S;
        let first = words.partition_point(|w| w.segment < a.segment);
        let seg_words = &words[first..];
        let n = seg_words
            .iter()
            .take_while(|w| w.segment == a.segment)
            .count();
        let best = seg_words[..n]
            .windows(2)
            .filter(|p| ends_sentence(&p[0].text))
            .map(|p| (p[0].end + p[1].start.max(p[0].end)) / 2.0)
            .filter(|&t| t > lo && t < hi && (t - cut).abs() <= SNAP_TO_SENTENCE_S)
            .min_by(|x, y| (x - cut).abs().total_cmp(&(y - cut).abs()));
        if let Some(t) = best {
            let at = (t * RATE).round() as usize;
            turns[i - 1].end = at;
            turns[i].start = at;
        }
    }
}

/// Silences between two utterances up to this long (seconds) are shared between them.
pub(crate) const MAX_CLOSED_GAP_S: f64 = 2.0;

/// A short silence between two utterances belongs to the conversation, not to nobody: the
/// VAD trims a turn's soft onset and reverberant tail, and cuts a turn at a breathing
/// pause. Gaps up to `max_gap` seconds are split in the middle, so the utterances tile the
/// stretch of talk; longer silences stay silence.
fn close_short_gaps(utterances: &mut [Utterance], max_gap: f64) {
    for i in 1..utterances.len() {
        let (before, after) = utterances.split_at_mut(i);
        share_gap(&mut before[i - 1], &mut after[0], max_gap);
    }
}

/// [`close_short_gaps`] for one pair of neighbours (`first` before `next`): true when
/// the silence between them was shared. The live path applies it as each line arrives.
pub(crate) fn share_gap(first: &mut Utterance, next: &mut Utterance, max_gap: f64) -> bool {
    let (a, b) = (first.end, next.start);
    if b > a && b - a <= max_gap {
        let mid = (a + b) / 2.0;
        // Where the speech itself lies is kept (the pause after a question is measured
        // from it).
        first.speech.get_or_insert((first.start, a));
        next.speech.get_or_insert((b, next.end));
        first.end = mid;
        next.start = mid;
        return true;
    }
    false
}

/// Shortest speaker turn (seconds) kept as a line when no word was recognised in it: a far
/// voice, another language than the one set, mumbling. Shorter wordless turns (a cough, a
/// click the VAD took for speech) are dropped.
pub(crate) const MIN_WORDLESS_S: f64 = 1.0;

/// One utterance per speaker turn that holds words, and per longer turn without any (see
/// [`MIN_WORDLESS_S`]; its text is empty): its text is the turn's words, its
/// times the turn's (cut in the middle of the pauses around it, see
/// [`close_short_gaps`]), its confidence the duration-weighted mean of its words' Whisper
/// segments.
fn build_transcript(
    words: &[Word],
    turns: &[Turn],
    names: &[String],
    language: Option<String>,
) -> Transcript {
    let mut texts: Vec<Vec<&str>> = vec![Vec::new(); turns.len()];
    let mut unsure: Vec<Vec<String>> = vec![Vec::new(); turns.len()];
    let mut conf: Vec<(f64, f64)> = vec![(0.0, 0.0); turns.len()];
    for w in words {
        if let Some(k) = turn_of(w, turns) {
            texts[k].push(&w.text);
            let key = observant_speech::asr::uncertain_key(&w.text);
            if w.probability < observant_speech::asr::UNCERTAIN_WORD_PROBABILITY && !key.is_empty()
            {
                unsure[k].push(key);
            }
            let d = (w.end - w.start).max(0.02);
            conf[k].0 += f64::from(w.confidence) * d;
            conf[k].1 += d;
        }
    }
    let mut utterances: Vec<Utterance> = Vec::new();
    for (((t, text), (c, d)), uncertain_words) in turns.iter().zip(texts).zip(conf).zip(unsure) {
        let text = text.join(" ");
        let wordless = !text.chars().any(char::is_alphanumeric);
        if wordless && ((t.end - t.start) as f64) < MIN_WORDLESS_S * RATE {
            continue;
        }
        utterances.push(Utterance {
            start: t.start as f64 / RATE,
            end: t.end as f64 / RATE,
            speaker: names
                .get(t.speaker)
                .cloned()
                .unwrap_or_else(|| observant_speech::speakers::speaker_label(t.speaker)),
            // A turn heard as speech but without a recognised word keeps its speaker and
            // talk time, with no text and confidence 0 (shown as "onverstaanbaar").
            text: if wordless { String::new() } else { text },
            confidence: Some(if wordless {
                0.0
            } else {
                (c / d.max(1e-9)) as f32
            }),
            uncertain_words,
            speech: None,
        });
    }
    close_short_gaps(&mut utterances, MAX_CLOSED_GAP_S);
    let mut speakers: Vec<String> = Vec::new();
    for u in &utterances {
        if !speakers.contains(&u.speaker) {
            speakers.push(u.speaker.clone());
        }
    }
    Transcript {
        language,
        participants: speakers
            .into_iter()
            .map(|name| Participant {
                name,
                role: Role::Deelnemer,
            })
            .collect(),
        utterances,
        method: None,
        steps: Vec::new(),
    }
}

fn progress_bar(show: bool, total: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !show {
        return None;
    }
    let total = total?;
    // Only for anything longer than a few seconds.
    if (total as f64) < 10.0 * RATE {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} transcriberen / transcribing [{bar:30}] {percent}% ({eta} te gaan / left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    Some(bar)
}

/// Builds [`OfflineOptions`] from plain speech options (checked: a bad value is a one-line
/// error naming the option).
pub fn options_from_speech(a: &crate::SpeechOptions, verbose: bool) -> Result<OfflineOptions> {
    let model = a
        .model
        .clone()
        .unwrap_or_else(observant_model::default_model_path);
    let mut o = OfflineOptions::new(model);
    o.whisper.language = a.lang.into();
    if let Some(t) = a.threads {
        anyhow::ensure!(
            t >= 1,
            "--threads moet minstens 1 zijn / must be at least 1"
        );
        o.whisper.threads = t;
        o.whisper.adaptive_threads = false;
    }
    o.whisper.verbose = verbose;
    if let Some(n) = a.speakers {
        anyhow::ensure!(
            (1..=20).contains(&n),
            "--speakers moet tussen 1 en 20 liggen / must be between 1 and 20"
        );
    }
    o.speakers = a.speakers;
    if let Some(m) = a.max_speakers {
        anyhow::ensure!(
            (1..=20).contains(&m),
            "--max-speakers moet tussen 1 en 20 liggen / must be between 1 and 20"
        );
        anyhow::ensure!(
            a.speakers.is_none_or(|n| n <= m),
            "--speakers is groter dan --max-speakers / is larger than --max-speakers"
        );
    }
    o.max_speakers = a.max_speakers;
    for e in &a.enroll {
        let (name, file) = e.split_once('=').with_context(|| {
            format!("--enroll verwacht NAAM=BESTAND / expects NAME=FILE, got '{e}'")
        })?;
        anyhow::ensure!(
            !name.trim().is_empty(),
            "--enroll: naam ontbreekt / name missing in '{e}'"
        );
        o.enroll
            .push((name.trim().to_string(), PathBuf::from(file)));
    }
    o.vad = a.vad.parse()?;
    o.diarize = !a.no_diarize;
    o.dereverb = !a.no_dereverb;
    o.progress = true;
    if let Some(name) = &a.group {
        let secret = observant_store::session::Secret::resolve(a.passphrase_file.as_deref())?;
        let group = observant_store::groups::store::open_default(secret)?.require(name)?;
        o.voices = group.enrollments();
        anyhow::ensure!(
            !o.voices.is_empty(),
            "groep '{}' heeft nog geen stemprofielen (observant group learn) / group '{}' has no voice profiles yet (observant group learn)",
            group.name,
            group.name
        );
        o.group = Some(group.name);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utt(start: f64, end: f64) -> Utterance {
        Utterance {
            start,
            end,
            speaker: "S1".into(),
            text: "x".into(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }

    #[test]
    fn listening_to_a_recording_before_segmenting_it_stops_when_cancelled() {
        use observant_audio::source::TestSignal;
        let mut opts = OfflineOptions::new(PathBuf::from("unused"));
        let counter = std::sync::Arc::new(ProgressCounter::default());
        opts.progress_counter = Some(counter.clone());
        let open = || Ok(TestSignal::bursts(4, 0.2, 0.3));
        assert!(vad_for(open, &opts).is_ok());
        counter.cancel();
        let e = vad_for(open, &opts).err().expect("cancelled");
        assert!(e.to_string().contains("cancelled"), "{e}");
    }

    #[test]
    fn short_gaps_are_shared_long_silences_kept() {
        let mut u = vec![utt(0.0, 2.0), utt(3.0, 4.0), utt(9.0, 10.0)];
        close_short_gaps(&mut u, 2.0);
        assert_eq!((u[0].end, u[1].start), (2.5, 2.5));
        assert_eq!((u[1].end, u[2].start), (4.0, 9.0));
        // Where the speech itself lies is kept for the pause statistics.
        let speech: Vec<_> = u.iter().map(|u| u.speech).collect();
        assert_eq!(speech, [Some((0.0, 2.0)), Some((3.0, 4.0)), None]);
    }

    /// Replies with the words `script` gives for a clip of that many samples: (start in the
    /// clip, word, probability).
    struct Scripted(fn(usize) -> Vec<(f64, &'static str, f32)>);

    impl Transcriber for Scripted {
        fn transcribe(&mut self, pcm: &[f32]) -> Result<Vec<observant_speech::asr::AsrSegment>> {
            let words = (self.0)(pcm.len());
            Ok(vec![observant_speech::asr::AsrSegment {
                start: 0.0,
                end: 3.0,
                text: words.iter().map(|w| w.1).collect::<Vec<_>>().join(" "),
                confidence: 0.9,
                no_speech_probability: 0.0,
                words: words
                    .iter()
                    .map(|&(t, w, p)| observant_speech::asr::Word {
                        start: t,
                        end: t + 0.05,
                        text: w.into(),
                        probability: p,
                    })
                    .collect(),
            }])
        }
        fn describe(&self) -> String {
            "scripted".into()
        }
        fn language(&self) -> Option<String> {
            None
        }
    }

    /// One second of "speech" starting at `start_s` in the recording.
    fn segment_at(start_s: f64) -> SpeechSegment {
        SpeechSegment {
            start_sample: (start_s * RATE) as u64,
            samples: vec![0.1; 16000],
            speech_start: (start_s * RATE) as u64,
            speech_end: (start_s * RATE) as u64 + 16000,
            split: false,
            heard_until: (start_s * RATE) as u64 + 16000,
        }
    }

    /// The words `transcriber` gives for one packed window of `segs`, and the stats.
    fn window_words(
        segs: &[SpeechSegment],
        transcriber: &mut Scripted,
    ) -> (Vec<Word>, OfflineStats) {
        let mut out = Vec::new();
        let mut stats = OfflineStats::default();
        WindowDecoder {
            transcriber,
            dereverb: None,
            filter: &HallucinationFilter::default(),
            words: &mut out,
            stats: &mut stats,
        }
        .window(segs, 0)
        .unwrap();
        (out, stats)
    }

    #[test]
    fn a_word_aligned_in_a_packing_gap_stays_with_the_segment_before() {
        // Window: segment 0 at 0.0-1.0 s, the 0.3 s gap, segment 1 at 1.3-2.3 s.
        let segs = [segment_at(10.0), segment_at(20.0)];
        let mut t = Scripted(|_| {
            vec![
                (0.2, "eerst", 0.9),
                (1.15, "staart", 0.2),
                (1.31, "Waarom", 0.95),
            ]
        });
        let (out, _) = window_words(&segs, &mut t);
        let at: Vec<(&str, usize)> = out.iter().map(|w| (w.text.as_str(), w.segment)).collect();
        assert_eq!(at, [("eerst", 0), ("staart", 0), ("Waarom", 1)]);
        // Times go back to the recording; the new turn's first word starts its segment.
        assert!((out[2].start - 20.01).abs() < 1e-6, "{}", out[2].start);
        assert_eq!(out[1].probability, 0.2);
    }

    #[test]
    fn a_window_the_recogniser_looped_on_is_decoded_again_segment_by_segment() {
        // Loops on a packed window (longer than one segment), recognises a single segment.
        let mut t = Scripted(|samples| {
            if samples > 16000 {
                (0..18)
                    .map(|i| (i as f64 * 0.05, ["ik", "had", "niet"][i % 3], 0.9))
                    .collect()
            } else {
                vec![(0.0, "Waarom", 0.9), (0.05, "dan?", 0.9)]
            }
        });
        let segs = [segment_at(0.0), segment_at(5.0), segment_at(9.0)];
        let (out, stats) = window_words(&segs, &mut t);
        assert_eq!(stats.windows_redecoded, 1);
        let first: Vec<(usize, &str)> = out
            .iter()
            .filter(|w| w.text == "Waarom")
            .map(|w| (w.segment, w.text.as_str()))
            .collect();
        assert_eq!(first, [(0, "Waarom"), (1, "Waarom"), (2, "Waarom")]);
        assert!(out.iter().all(|w| w.text != "had"), "the loop is gone");
    }

    #[test]
    fn speech_the_recogniser_skipped_is_decoded_again() {
        // On the packed window (3 segments: 0-1 s, gap, 1.3-2.3 s, gap, 2.6-3.6 s) the
        // recogniser ends after the first segment; on the two skipped segments alone it
        // hears them.
        let mut t = Scripted(|samples| {
            if samples > 3 * 16000 {
                vec![(0.1, "Dat", 0.9), (0.4, "klopt.", 0.9)]
            } else {
                vec![(0.1, "Waarom", 0.9), (0.5, "dan?", 0.9), (1.4, "Zo.", 0.9)]
            }
        });
        let segs = [segment_at(0.0), segment_at(4.0), segment_at(8.0)];
        let (out, stats) = window_words(&segs, &mut t);
        assert_eq!(stats.skipped_redecoded, 1);
        let at: Vec<(&str, usize)> = out.iter().map(|w| (w.text.as_str(), w.segment)).collect();
        assert_eq!(
            at,
            [
                ("Dat", 0),
                ("klopt.", 0),
                ("Waarom", 1),
                ("dan?", 1),
                ("Zo.", 2)
            ]
        );
        assert!((out[2].start - 4.1).abs() < 1e-6, "{}", out[2].start);
        assert!((out[4].start - 8.1).abs() < 1e-6, "{}", out[4].start);
    }

    #[test]
    fn a_window_heard_as_nothing_is_not_decoded_again() {
        let mut t = Scripted(|_| Vec::new());
        let segs = [segment_at(0.0), segment_at(4.0)];
        let (out, stats) = window_words(&segs, &mut t);
        assert!(out.is_empty());
        assert_eq!((stats.skipped_redecoded, stats.windows_redecoded), (0, 0));
    }

    /// Speaker `speaker`'s turn from `a` to `b` seconds in VAD segment `segment`.
    fn turn(a: f64, b: f64, speaker: usize, segment: usize) -> Turn {
        Turn {
            start: (a * RATE) as usize,
            end: (b * RATE) as usize,
            speaker,
            segment,
        }
    }

    #[test]
    fn a_long_turn_without_words_keeps_its_speaker_and_talk_time() {
        // Three turns: words in the first; none in a 2.5-s turn of another voice (a far
        // talker Whisper heard nothing in) nor in a 0.5-s one (a cough).
        let turns = [
            turn(0.0, 2.0, 0, 0),
            turn(3.0, 5.5, 1, 1),
            turn(8.0, 8.5, 0, 2),
        ];
        let words = [Word {
            segment: 0,
            start: 0.2,
            end: 0.8,
            text: "Welkom.".into(),
            confidence: 0.9,
            probability: 0.9,
        }];
        let names = ["S1".to_string(), "S2".to_string()];
        let t = build_transcript(&words, &turns, &names, None);
        assert_eq!(t.utterances.len(), 2, "{:?}", t.utterances);
        let wordless = &t.utterances[1];
        assert_eq!(wordless.speaker, "S2");
        assert!(wordless.text.is_empty());
        assert_eq!(wordless.confidence, Some(0.0));
        assert!(wordless.end - wordless.start >= 2.5);
        assert!(t.participants.iter().any(|p| p.name == "S2"));
    }

    #[test]
    fn words_go_to_the_turn_they_fall_in() {
        let turns = [
            turn(0.0, 2.0, 0, 0),
            turn(2.0, 4.0, 1, 0),
            turn(5.0, 6.0, 0, 1),
        ];
        let word = |a: f64, b: f64, segment: usize| Word {
            segment,
            start: a,
            end: b,
            text: "w".into(),
            confidence: 0.5,
            probability: 0.5,
        };
        assert_eq!(turn_of(&word(1.0, 1.5, 0), &turns), Some(0));
        assert_eq!(turn_of(&word(1.8, 2.4, 0), &turns), Some(1));
        // Outside its segment's turns: the nearest turn of the same segment.
        assert_eq!(turn_of(&word(4.4, 4.9, 0), &turns), Some(1));
        assert_eq!(turn_of(&word(4.4, 4.9, 1), &turns), Some(2));
        // A segment without turns: the nearest turn.
        assert_eq!(turn_of(&word(7.0, 7.5, 5), &turns), Some(2));
        assert_eq!(turn_of(&word(7.0, 7.5, 5), &[]), None);
    }

    #[test]
    fn a_speaker_change_inside_a_segment_moves_to_the_nearby_sentence_end() {
        let word = |text: &str, a: f64, b: f64, segment: usize| Word {
            segment,
            start: a,
            end: b,
            text: text.into(),
            confidence: 0.8,
            probability: 0.8,
        };
        // The voices' windows put the change at 2.0 s, inside "niet verder!"; the next
        // speaker's sentence begins at 2.6 s.
        let words = [
            word("Kom", 0.2, 0.5, 0),
            word("terug,", 0.5, 0.9, 0),
            word("je", 1.2, 1.4, 0),
            word("kunt", 1.4, 1.7, 0),
            word("niet", 1.7, 1.95, 0),
            word("verder!", 1.95, 2.4, 0),
            word("Als", 2.6, 2.8, 0),
            word("je", 2.8, 3.0, 0),
            word("duwt.", 3.0, 3.6, 0),
            word("Nee.", 5.2, 5.6, 1),
        ];
        let names = ["S1".to_string(), "S2".to_string()];
        let mut turns = vec![
            turn(0.0, 2.0, 0, 0),
            turn(2.0, 4.0, 1, 0),
            turn(5.0, 6.0, 0, 1),
        ];
        snap_changes_to_sentence_ends(&mut turns, &words);
        assert_eq!((turns[0].end, turns[1].start), (40_000, 40_000));
        let t = build_transcript(&words, &turns, &names, None);
        let texts: Vec<&str> = t.utterances.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Kom terug, je kunt niet verder!", "Als je duwt.", "Nee."]
        );
        // No sentence end within 0.8 s of the change, or a change between segments: no move.
        let mut far = vec![turn(0.0, 1.3, 0, 0), turn(1.3, 4.0, 1, 0)];
        snap_changes_to_sentence_ends(&mut far, &words);
        assert_eq!(far[0].end, (1.3 * RATE) as usize);
        let mut apart = vec![turn(0.0, 4.0, 0, 0), turn(4.0, 6.0, 1, 1)];
        snap_changes_to_sentence_ends(&mut apart, &words);
        assert_eq!(apart[0].end, (4.0 * RATE) as usize);
    }
}
