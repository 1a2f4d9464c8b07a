//! End-to-end evaluation of the offline pipeline (VAD -> Whisper windows -> speaker turns)
//! on the shared test recordings: speaker attribution (share of truth speech time with the
//! right speaker after the best label mapping) with the known and the automatic speaker
//! count, and the word error rate (meaningful on `audio-nl` only; `audio-multi` mixes
//! languages). Whisper's output per window can be cached in a folder (`--cache DIR`), so
//! that changes to the speaker side are measured in seconds; the cache is keyed by the
//! window's samples and the language, so any change in the windows misses it.
//!
//! With `--group NAME` (store and passphrase as for `observant`: `OBSERVANT_GROUPS`,
//! `OBSERVANT_PASSPHRASE`) the group's voices name the speakers and the named accuracy is
//! printed too: the share of truth speech time whose utterance carries the truth speaker's
//! own name (no mapping).
//!
//! Run: `cargo run --release --example offline_eval -- [--cache DIR] [--threads N] [--group NAME] [DIR|WAV ...]`

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use anyhow::{Context, Result};
use observant::asr::guard::Reason;
use observant::asr::wer::{edit_distance, words};
use observant::asr::whisper::{WhisperOptions, WhisperTranscriber};
use observant::asr::{AsrLanguage, AsrSegment, Transcriber};
use observant::audio::source::FileSource;
use observant::pipeline::offline::{OfflineOptions, transcribe_source};
use observant::speakers::VoiceEncoder;
use observant::speakers::eval::transcript_accuracy;
use observant::transcript::Transcript;

/// Whisper with an optional on-disk cache of its results per window.
struct Cached {
    opts: WhisperOptions,
    inner: Option<WhisperTranscriber>,
    dir: Option<PathBuf>,
    lang: Option<String>,
    stop: Option<Reason>,
}

impl Transcriber for Cached {
    fn transcribe(&mut self, pcm: &[f32]) -> Result<Vec<AsrSegment>> {
        let mut h = DefaultHasher::new();
        for v in pcm {
            v.to_bits().hash(&mut h);
        }
        format!("{:?}", self.opts.language).hash(&mut h);
        // Results from before the decoding guard (asr::guard) are not reused.
        "guard-1".hash(&mut h);
        self.opts.model.hash(&mut h);
        let file = self
            .dir
            .as_ref()
            .map(|d| d.join(format!("{:016x}.json", h.finish())));
        if let Some(f) = &file
            && let Ok(s) = std::fs::read_to_string(f)
        {
            self.stop = std::fs::read_to_string(f.with_extension("stop"))
                .ok()
                .map(|r| {
                    if r == "budget" {
                        Reason::Budget
                    } else {
                        Reason::Loop
                    }
                });
            return Ok(serde_json::from_str(&s)?);
        }
        if self.inner.is_none() {
            self.inner = Some(WhisperTranscriber::load(self.opts.clone())?);
        }
        let t = self.inner.as_mut().context("whisper")?;
        let out = t.transcribe(pcm)?;
        self.lang = t.language();
        self.stop = t.last_stop();
        if let Some(f) = &file {
            std::fs::write(f, serde_json::to_string(&out)?)?;
            if let Some(r) = self.stop {
                let name = if r == Reason::Budget {
                    "budget"
                } else {
                    "loop"
                };
                std::fs::write(f.with_extension("stop"), name)?;
            }
        }
        Ok(out)
    }
    fn describe(&self) -> String {
        "whisper (cached)".into()
    }
    fn language(&self) -> Option<String> {
        self.lang.clone()
    }
    fn last_stop(&self) -> Option<Reason> {
        self.stop
    }
}

fn text_words(t: &Transcript) -> Vec<String> {
    words(
        &t.utterances
            .iter()
            .map(|u| u.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let mut args = std::env::args().skip(1);
    let mut cache: Option<PathBuf> = None;
    let mut threads = 2usize;
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut group: Option<String> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cache" => cache = args.next().map(PathBuf::from),
            "--group" => group = args.next(),
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(2),
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    if dirs.is_empty() {
        dirs = vec![root.join("audio-nl"), root.join("audio-multi")];
    }
    if let Some(c) = &cache {
        std::fs::create_dir_all(c)?;
    }
    let encoder = VoiceEncoder::load_default()?;
    let known_voices = match &group {
        Some(name) => {
            let secret = observant::session::Secret::resolve(None)?;
            observant::groups::store::open_default(secret)?
                .require(name)?
                .enrollments()
        }
        None => Vec::new(),
    };
    for dir in &dirs {
        let mut files: Vec<PathBuf> = if dir.is_file() {
            vec![dir.clone()]
        } else {
            std::fs::read_dir(dir)
                .with_context(|| format!("read {}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "wav"))
                .collect()
        };
        files.sort();
        let (mut sum_k, mut sum_a, mut total, mut errs, mut nwords) = (0.0, 0.0, 0.0, 0, 0);
        let mut sum_named = 0.0;
        for wav in &files {
            let truth: Transcript =
                serde_json::from_str(&std::fs::read_to_string(wav.with_extension("json"))?)?;
            let speech: f64 = truth.utterances.iter().map(|u| u.end - u.start).sum();
            let mut voices: Vec<&str> = truth
                .utterances
                .iter()
                .map(|u| u.speaker.as_str())
                .collect();
            voices.sort();
            voices.dedup();
            let lang = if truth.language.as_deref() == Some("nl") {
                AsrLanguage::Fixed("nl".into())
            } else {
                AsrLanguage::Auto
            };
            let mut accs = [0.0; 2];
            let mut found = [0usize; 2];
            let mut wer = (0, 0);
            let mut named = 0.0;
            for (slot, known) in [Some(voices.len()), None].into_iter().enumerate() {
                let model = observant::default_model_path();
                let mut opts = OfflineOptions::new(model.clone());
                opts.whisper.language = lang.clone();
                opts.whisper.threads = threads;
                opts.speakers = known;
                if !known_voices.is_empty() {
                    if slot == 0 {
                        continue;
                    }
                    opts.voices = known_voices.clone();
                    opts.group = group.clone();
                }
                let mut tr = Cached {
                    opts: opts.whisper.clone(),
                    inner: None,
                    dir: cache.clone(),
                    lang: None,
                    stop: None,
                };
                let (hyp, _) =
                    transcribe_source(FileSource::open(wav)?, &mut tr, Some(&encoder), &[], &opts)?;
                accs[slot] = transcript_accuracy(&hyp, &truth);
                named = named_accuracy(&hyp, &truth);
                found[slot] = hyp.participants.len();
                if slot == 0 {
                    let r = text_words(&truth);
                    wer = (edit_distance(&r, &text_words(&hyp)), r.len());
                }
                if std::env::var_os("OFFLINE_EVAL_DUMP").is_some() {
                    let name = wav.file_stem().unwrap_or_default().to_string_lossy();
                    std::fs::write(
                        format!("/tmp/offline_eval-{name}-{slot}.json"),
                        serde_json::to_string_pretty(&hyp)?,
                    )?;
                }
            }
            if !known_voices.is_empty() {
                println!(
                    "{:<28} {} voices  auto {:6.2}% ({} found)  named {:6.2}%",
                    wav.file_stem().unwrap_or_default().to_string_lossy(),
                    voices.len(),
                    accs[1] * 100.0,
                    found[1],
                    named * 100.0
                );
                sum_a += accs[1] * speech;
                sum_named += named * speech;
                total += speech;
                continue;
            }
            println!(
                "{:<28} {} voices  known {:6.2}% ({} found)  auto {:6.2}% ({} found)  WER {:.3}",
                wav.file_stem().unwrap_or_default().to_string_lossy(),
                voices.len(),
                accs[0] * 100.0,
                found[0],
                accs[1] * 100.0,
                found[1],
                wer.0 as f64 / wer.1.max(1) as f64
            );
            sum_k += accs[0] * speech;
            sum_a += accs[1] * speech;
            total += speech;
            errs += wer.0;
            nwords += wer.1;
        }
        if !known_voices.is_empty() {
            println!(
                "{}: by speech time auto {:.2}%  named {:.2}%",
                dir.display(),
                sum_a / total.max(1e-9) * 100.0,
                sum_named / total.max(1e-9) * 100.0
            );
            continue;
        }
        println!(
            "{}: by speech time known {:.2}%  auto {:.2}%  WER {:.3}",
            dir.display(),
            sum_k / total.max(1e-9) * 100.0,
            sum_a / total.max(1e-9) * 100.0,
            errs as f64 / nwords.max(1) as f64
        );
    }
    Ok(())
}

/// Share of truth speech time (10 ms frames, overlaps counted once) whose predicted
/// utterance carries the truth speaker's own name.
fn named_accuracy(hyp: &Transcript, truth: &Transcript) -> f64 {
    let frame = |s: f64| (s * 100.0).round() as i64;
    let mut at = std::collections::HashMap::new();
    for u in &hyp.utterances {
        for f in frame(u.start)..frame(u.end) {
            at.entry(f).or_insert(u.speaker.as_str());
        }
    }
    let mut seen = std::collections::HashSet::new();
    let (mut ok, mut total) = (0usize, 0usize);
    for u in &truth.utterances {
        for f in frame(u.start)..frame(u.end) {
            if seen.insert(f) {
                total += 1;
                ok += usize::from(at.get(&f).copied() == Some(u.speaker.as_str()));
            }
        }
    }
    ok as f64 / total.max(1) as f64
}
