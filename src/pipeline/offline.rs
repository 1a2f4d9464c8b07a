//! Offline transcription of a recording: stream-decode -> VAD segments -> Whisper per
//! segment -> voice embedding per recognised piece -> global clustering into speakers (or
//! enrolled names) -> utterances. Memory is bounded by one segment plus one embedding per
//! piece, so a 3-hour file is streamed, never loaded whole.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::asr::filter::HallucinationFilter;
use crate::asr::whisper::{WhisperOptions, WhisperTranscriber};
use crate::asr::{AsrLanguage, Transcriber};
use crate::audio::segment::{Segmenter, SegmenterConfig, Segments, SpeechSegment};
use crate::audio::source::{AudioSource, FileSource};
use crate::audio::vad::{VadKind, default_vad};
use crate::speakers::encoder::{Embedding, VoiceEncoder};
use crate::transcript::{Participant, Role, Transcript, Utterance};

const RATE: f64 = 16000.0;

/// Options for [`transcribe_file`].
#[derive(Debug, Clone)]
pub struct OfflineOptions {
    pub whisper: WhisperOptions,
    /// Number of speakers when known.
    pub speakers: Option<usize>,
    /// Voices to recognise by name: (name, clip).
    pub enroll: Vec<(String, PathBuf)>,
    pub vad: VadKind,
    /// Attribute speakers at all (off: every utterance is "S1").
    pub diarize: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl OfflineOptions {
    pub fn new(model: PathBuf) -> OfflineOptions {
        OfflineOptions {
            whisper: WhisperOptions::new(model),
            speakers: None,
            enroll: Vec::new(),
            vad: VadKind::Silero,
            diarize: true,
            progress: false,
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
    pub speaker_seconds: f64,
    pub total_seconds: f64,
    pub model: String,
    pub language: Option<String>,
}

/// One recognised piece of text with its absolute times and voice.
#[derive(Debug, Clone)]
struct Piece {
    segment: usize,
    start: f64,
    end: f64,
    text: String,
    confidence: f32,
    embedding: Option<Embedding>,
}

/// Transcribes and attributes a whole recording.
pub fn transcribe_file(path: &Path, opts: &OfflineOptions) -> Result<(Transcript, OfflineStats)> {
    let t0 = Instant::now();
    let source = FileSource::open(path)?;
    let mut transcriber = WhisperTranscriber::load(opts.whisper.clone())?;
    let encoder = if opts.diarize {
        Some(VoiceEncoder::load_default().context("stemmodel / voice model")?)
    } else {
        None
    };
    let mut enrolled = Vec::new();
    if let Some(enc) = &encoder {
        for (name, clip) in &opts.enroll {
            let pcm = crate::audio::decode::load_16k_mono(clip, Some(120.0))
                .with_context(|| format!("inschrijving / enrollment '{name}'"))?;
            anyhow::ensure!(
                pcm.len() as f64 >= RATE,
                "inschrijving '{name}': opname korter dan 1 s / enrollment '{name}': clip shorter than 1 s"
            );
            enrolled.push((name.clone(), enc.embed_utterance(&pcm)));
        }
    }
    let (t, mut stats) =
        transcribe_source(source, &mut transcriber, encoder.as_ref(), &enrolled, opts)?;
    stats.total_seconds = t0.elapsed().as_secs_f64();
    Ok((t, stats))
}

/// The core of [`transcribe_file`] over any source and transcriber (tests use scripted ones).
pub fn transcribe_source<S: AudioSource>(
    source: S,
    transcriber: &mut dyn Transcriber,
    encoder: Option<&VoiceEncoder>,
    enrolled: &[(String, Embedding)],
    opts: &OfflineOptions,
) -> Result<(Transcript, OfflineStats)> {
    let total = source.total_samples();
    let segmenter = Segmenter::new(default_vad(opts.vad), SegmenterConfig::default());
    let mut segments = Segments::new(source, segmenter);
    let bar = progress_bar(opts.progress, total);
    let filter = HallucinationFilter::default();
    let mut stats = OfflineStats {
        model: transcriber.describe(),
        ..Default::default()
    };
    let mut pieces: Vec<Piece> = Vec::new();
    let mut t_vad = Instant::now();
    let mut index = 0usize;
    let mut window: Vec<SpeechSegment> = Vec::new();
    let mut window_len = 0usize;
    loop {
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
            transcribe_window(
                &w,
                first,
                transcriber,
                encoder,
                &filter,
                &mut pieces,
                &mut stats,
            )?;
        }
        let Some(seg) = seg else { break };
        stats.speech_seconds += seg.samples.len() as f64 / RATE;
        window_len += seg.samples.len() + GAP;
        window.push(seg);
        if let Some(b) = &bar {
            b.set_position(segments.position());
        }
        t_vad = Instant::now();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    stats.segments = index;
    stats.audio_seconds = segments.position() as f64 / RATE;
    stats.language = transcriber.language();

    let t_spk = Instant::now();
    let labels = label_speakers(&pieces, enrolled, opts.speakers);
    stats.speaker_seconds += t_spk.elapsed().as_secs_f64();
    let transcript = build_transcript(pieces, labels, stats.language.clone());
    Ok((transcript, stats))
}

/// Samples of silence put between packed segments.
const GAP: usize = 4800;
/// Longest packed window, in samples.
const WINDOW: usize = 28 * 16000;

/// Transcribes one packed window of speech segments and splits the recognised words back
/// onto their segments (a speaker change at a pause never ends up inside one piece).
fn transcribe_window(
    segs: &[SpeechSegment],
    first_index: usize,
    transcriber: &mut dyn Transcriber,
    encoder: Option<&VoiceEncoder>,
    filter: &HallucinationFilter,
    pieces: &mut Vec<Piece>,
    stats: &mut OfflineStats,
) -> Result<()> {
    let mut pcm: Vec<f32> = Vec::with_capacity(WINDOW + GAP);
    let mut offsets = Vec::with_capacity(segs.len());
    for (i, s) in segs.iter().enumerate() {
        if i > 0 {
            pcm.resize(pcm.len() + GAP, 0.0);
        }
        offsets.push(pcm.len());
        pcm.extend_from_slice(&s.samples);
    }
    let t_asr = Instant::now();
    let asr = filter.apply(transcriber.transcribe(&pcm)?);
    stats.asr_seconds += t_asr.elapsed().as_secs_f64();
    // Which segment a time in the window belongs to (a gap goes to the nearer side).
    let seg_of = |t: f64| -> usize {
        let x = (t * RATE) as usize;
        let mut k = 0;
        for (i, &o) in offsets.iter().enumerate() {
            if x + GAP / 2 >= o {
                k = i;
            }
        }
        k
    };
    let first_new = pieces.len();
    for a in asr {
        // Group the words by segment; without word times the whole text goes to one.
        let mut groups: Vec<(usize, f64, f64, Vec<String>)> = Vec::new();
        if a.words.is_empty() {
            groups.push((
                seg_of((a.start + a.end) / 2.0),
                a.start,
                a.end,
                vec![a.text.clone()],
            ));
        } else {
            for w in &a.words {
                let k = seg_of((w.start + w.end) / 2.0);
                match groups.last_mut() {
                    Some(g) if g.0 == k => {
                        g.2 = w.end.max(g.2);
                        g.3.push(w.text.clone());
                    }
                    _ => groups.push((k, w.start, w.end, vec![w.text.clone()])),
                }
            }
        }
        for (k, start, end, words) in groups {
            let text = words.join(" ").trim().to_string();
            if text.is_empty() || !text.chars().any(char::is_alphanumeric) {
                continue;
            }
            let seg = &segs[k];
            let local =
                |t: f64| (t - offsets[k] as f64 / RATE).clamp(0.0, seg.samples.len() as f64 / RATE);
            let (s0, s1) = (local(start), local(end));
            pieces.push(Piece {
                segment: first_index + k,
                start: seg.start_seconds() + s0,
                end: seg.start_seconds() + s1.max(s0 + 0.1),
                text,
                confidence: a.confidence,
                embedding: None,
            });
        }
    }
    // A segment's speech belongs to its pieces: stretch the first and last piece of each
    // segment to where the VAD heard speech start and end (word times are approximate).
    for (k, seg) in segs.iter().enumerate() {
        let idx: Vec<usize> = (first_new..pieces.len())
            .filter(|&i| pieces[i].segment == first_index + k)
            .collect();
        let (Some(&a), Some(&b)) = (idx.first(), idx.last()) else {
            continue;
        };
        let s0 = seg.speech_start as f64 / RATE;
        let s1 = seg.speech_end as f64 / RATE;
        pieces[a].start = pieces[a].start.min(s0);
        pieces[b].end = pieces[b].end.max(s1);
    }
    // One voice embedding per segment that holds words (segments are cut at pauses).
    if let Some(enc) = encoder {
        let t_spk = Instant::now();
        let mut cache: Vec<Option<Embedding>> = vec![None; segs.len()];
        for p in &mut pieces[first_new..] {
            let k = p.segment - first_index;
            let e = *cache[k].get_or_insert_with(|| enc.embed_utterance(&segs[k].samples));
            p.embedding = Some(e);
        }
        stats.speaker_seconds += t_spk.elapsed().as_secs_f64();
    }
    Ok(())
}

/// Speaker label per piece: enrolled names where a cluster matches a voice, else S1, S2, ...
/// in order of first appearance.
fn label_speakers(
    pieces: &[Piece],
    enrolled: &[(String, Embedding)],
    n: Option<usize>,
) -> Vec<String> {
    let with: Vec<(usize, &Embedding, f32)> = pieces
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.embedding
                .as_ref()
                .map(|e| (i, e, (p.end - p.start) as f32))
        })
        .collect();
    if with.is_empty() {
        return vec!["S1".to_string(); pieces.len()];
    }
    let embs: Vec<Embedding> = with.iter().map(|(_, e, _)| **e).collect();
    let weights: Vec<f32> = with.iter().map(|(_, _, w)| *w).collect();
    let n = n.or(if enrolled.is_empty() {
        None
    } else {
        Some(enrolled.len())
    });
    let names = cluster_names(&embs, &weights, n, enrolled);
    let mut out = vec!["S1".to_string(); pieces.len()];
    for (k, (i, _, _)) in with.iter().enumerate() {
        out[*i] = names[k].clone();
    }
    out
}

/// Joins consecutive pieces of one VAD segment by the same speaker into utterances.
fn build_transcript(
    pieces: Vec<Piece>,
    labels: Vec<String>,
    language: Option<String>,
) -> Transcript {
    let mut utterances: Vec<Utterance> = Vec::new();
    let mut last_segment = usize::MAX;
    let mut weights: Vec<f32> = Vec::new();
    for (p, speaker) in pieces.into_iter().zip(labels) {
        let dur = (p.end - p.start) as f32;
        match utterances.last_mut() {
            Some(u) if u.speaker == speaker && p.segment == last_segment => {
                u.end = p.end.max(u.end);
                u.text.push(' ');
                u.text.push_str(&p.text);
                let w = weights.last_mut().expect("weights parallel to utterances");
                let c = u.confidence.unwrap_or(0.0);
                u.confidence = Some((c * *w + p.confidence * dur) / (*w + dur).max(1e-6));
                *w += dur;
            }
            _ => {
                let start = utterances
                    .last()
                    .map_or(p.start, |u| p.start.max(u.end.min(p.start)));
                utterances.push(Utterance {
                    start,
                    end: p.end,
                    speaker,
                    text: p.text,
                    confidence: Some(p.confidence),
                });
                weights.push(dur);
            }
        }
        last_segment = p.segment;
    }
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

/// Language option for whisper from the CLI's `--lang`.
pub fn asr_language(lang: crate::cli::LangArg) -> AsrLanguage {
    match lang {
        crate::cli::LangArg::Nl => AsrLanguage::Fixed("nl".into()),
        crate::cli::LangArg::En => AsrLanguage::Fixed("en".into()),
        crate::cli::LangArg::Auto => AsrLanguage::Auto,
    }
}

/// Builds [`OfflineOptions`] from the CLI's speech options.
pub fn options_from_cli(a: &crate::cli::SpeechArgs, verbose: bool) -> Result<OfflineOptions> {
    let model = a.model.clone().unwrap_or_else(crate::default_model_path);
    let mut o = OfflineOptions::new(model);
    o.whisper.language = asr_language(a.lang);
    if let Some(t) = a.threads {
        anyhow::ensure!(
            t >= 1,
            "--threads moet minstens 1 zijn / must be at least 1"
        );
        o.whisper.threads = t;
    }
    o.whisper.verbose = verbose;
    if let Some(n) = a.speakers {
        anyhow::ensure!(
            (1..=20).contains(&n),
            "--speakers moet tussen 1 en 20 liggen / must be between 1 and 20"
        );
    }
    o.speakers = a.speakers;
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
    o.progress = true;
    Ok(o)
}

/// Clusters the pieces' voices globally (speakers stay stable across a long recording) and
/// names the clusters: enrolled names where a voice matches, else S1, S2, ...
fn cluster_names(
    embs: &[Embedding],
    weights: &[f32],
    n: Option<usize>,
    enrolled: &[(String, Embedding)],
) -> Vec<String> {
    use crate::speakers::cluster::{ClusterConfig, Item, cluster};
    use crate::speakers::enroll::{DEFAULT_MIN_SIMILARITY, Enrollment, speaker_names};
    let items: Vec<Item> = embs
        .iter()
        .zip(weights)
        .map(|(e, w)| Item {
            embedding: *e,
            duration_s: *w,
        })
        .collect();
    let config = match n {
        Some(n) => ClusterConfig::with_speakers(n),
        None => ClusterConfig::default(),
    };
    let c = cluster(&items, &config);
    let enrollments: Vec<Enrollment> = enrolled
        .iter()
        .map(|(name, e)| Enrollment::from_embedding(name, *e))
        .collect();
    let names = speaker_names(&c.centroids, &enrollments, DEFAULT_MIN_SIMILARITY);
    c.labels
        .iter()
        .map(|&l| names.get(l).cloned().unwrap_or_else(|| "S1".into()))
        .collect()
}
