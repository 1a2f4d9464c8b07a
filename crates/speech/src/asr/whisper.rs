//! whisper-rs implementation of [`Transcriber`]: loads any ggml Whisper model, transcribes
//! 16 kHz mono clips with segment and token timestamps, and reports per-segment confidence.
//! For short clips the encoder's audio context is shortened to the clip's length (whisper.cpp
//! otherwise always encodes a full 30 s window), which is what makes live use fast.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use super::guard::{self, Reason};
use super::{AsrLanguage, AsrSegment, Transcriber, Word};

const SAMPLE_RATE: f64 = 16000.0;
/// whisper.cpp's encoder frames per second of audio (1500 per 30 s).
const CTX_PER_SECOND: f64 = 50.0;
const FULL_CTX: i32 = 1500;
/// How long a token lasts after its DTW start when nothing follows it (seconds).
const DTW_TOKEN_SPAN: f64 = 0.12;

/// Options for the whisper transcriber.
#[derive(Debug, Clone)]
pub struct WhisperOptions {
    pub model: PathBuf,
    pub language: AsrLanguage,
    pub threads: usize,
    /// Use only the cores other programs leave free (at most `threads`), measured before
    /// each clip ([`super::cores`]); off when the user fixed the thread count.
    pub adaptive_threads: bool,
    /// Shorten the encoder context for clips shorter than 30 s (much faster on short clips).
    pub shorten_context: bool,
    /// Beam size; 1 = greedy.
    pub beam_size: usize,
    /// Show whisper.cpp's own log on stderr.
    pub verbose: bool,
}

impl WhisperOptions {
    pub fn new(model: PathBuf) -> WhisperOptions {
        WhisperOptions {
            model,
            language: AsrLanguage::Auto,
            threads: default_threads(),
            adaptive_threads: true,
            shorten_context: true,
            beam_size: 1,
            verbose: false,
        }
    }
}

/// All cores of this machine.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Threads for live transcription: all cores but one (at least one). The live path
/// transcribes one short utterance at a time while capture, VAD, speaker attribution and the
/// UI keep running; whisper.cpp's threads spin-wait on each other, so when one of its threads
/// loses its core to another program every step waits for it (measured on this 2-core
/// machine under load: 2 threads fell to 0.3x real time). Leaving a core free keeps live
/// transcription ahead of the speech. Offline transcription uses every core.
pub fn default_live_threads() -> usize {
    default_threads().saturating_sub(1).max(1)
}

/// Checks that `path` looks like a ggml Whisper model before whisper.cpp touches it, so a
/// wrong file gives a clear message instead of a crash deep in C++.
pub fn check_model_file(path: &Path) -> Result<u64> {
    let meta = std::fs::metadata(path).with_context(|| {
        format!(
            "spraakmodel niet gevonden / speech model not found: {}",
            path.display()
        )
    })?;
    if !meta.is_file() {
        bail!(
            "spraakmodel is geen bestand / speech model is not a file: {}",
            path.display()
        );
    }
    let mut magic = [0u8; 4];
    use std::io::Read;
    let mut f = std::fs::File::open(path).with_context(|| {
        format!(
            "kan spraakmodel niet openen / cannot open speech model: {}",
            path.display()
        )
    })?;
    if f.read_exact(&mut magic).is_err() || u32::from_le_bytes(magic) != 0x6767_6d6c {
        bail!(
            "{} is geen ggml Whisper-model / is not a ggml Whisper model (expected a ggml-*.bin file)",
            path.display()
        );
    }
    if meta.len() < 1_000_000 {
        bail!(
            "{} is te klein voor een Whisper-model / is too small to be a Whisper model ({} bytes): truncated?",
            path.display(),
            meta.len()
        );
    }
    Ok(meta.len())
}

/// The model dimensions from a ggml Whisper file's header (after the magic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelHparams {
    pub n_vocab: i32,
    pub n_audio_layer: i32,
    pub n_text_layer: i32,
    pub n_text_head: i32,
    pub n_mels: i32,
}

/// Reads the header of a ggml Whisper model file.
pub fn read_hparams(path: &Path) -> Result<ModelHparams> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut buf = [0u8; 4 * 12];
    f.read_exact(&mut buf)?;
    let at =
        |i: usize| i32::from_le_bytes([buf[4 * i], buf[4 * i + 1], buf[4 * i + 2], buf[4 * i + 3]]);
    anyhow::ensure!(
        u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) == 0x6767_6d6c,
        "not a ggml Whisper model"
    );
    Ok(ModelHparams {
        n_vocab: at(1),
        n_audio_layer: at(5),
        n_text_layer: at(9),
        n_text_head: at(8),
        n_mels: at(10),
    })
}

impl ModelHparams {
    /// The alignment heads whisper.cpp knows for this model size (OpenAI's published
    /// heads per model), else the top half of the decoder layers.
    pub fn dtw_mode(&self) -> whisper_rs::DtwMode<'static> {
        use whisper_rs::{DtwMode, DtwModelPreset as P};
        let en = self.n_vocab == 51864;
        let preset = match (self.n_audio_layer, self.n_text_layer) {
            (4, 4) => Some(if en { P::TinyEn } else { P::Tiny }),
            (6, 6) => Some(if en { P::BaseEn } else { P::Base }),
            (12, 12) => Some(if en { P::SmallEn } else { P::Small }),
            (24, 24) => Some(if en { P::MediumEn } else { P::Medium }),
            (32, 32) if self.n_mels == 128 => Some(P::LargeV3),
            (32, 32) => Some(P::LargeV2),
            (32, 4) => Some(P::LargeV3Turbo),
            _ => None,
        };
        match preset {
            Some(model_preset) => DtwMode::ModelPreset { model_preset },
            None => DtwMode::TopMost {
                n_top: self.top_layers(),
            },
        }
    }

    fn top_layers(&self) -> i32 {
        (self.n_text_layer / 2).max(1)
    }

    /// Work area for the DTW pass: whisper.cpp's 128 MB holds the published heads of a
    /// window; a model aligned on whole top layers has many more heads, and a
    /// work area too small would abort inside whisper.cpp. Room for a window's cross-attention
    /// of every head (at most 224 tokens x 1500 frames, f32) and its intermediate copies.
    pub fn dtw_mem_size(&self) -> usize {
        const DEFAULT: usize = 128 << 20;
        if !matches!(self.dtw_mode(), whisper_rs::DtwMode::TopMost { .. }) {
            return DEFAULT;
        }
        let heads = (self.top_layers() * self.n_text_head.max(1)) as usize;
        DEFAULT.max(heads * 224 * 1500 * 4 * 6)
    }
}

/// Whisper via whisper-rs. One context and one decoding state, reused for every clip.
pub struct WhisperTranscriber {
    // `state` borrows nothing from `ctx` in whisper-rs 0.16 (it holds an Arc), but keep the
    // context alive for the lifetime of the transcriber all the same.
    _ctx: WhisperContext,
    state: whisper_rs::WhisperState,
    opts: WhisperOptions,
    detected: Option<String>,
    description: String,
    meter: super::cores::CoreMeter,
    /// First timestamp token and vocabulary size, for the decoding guard.
    timestamp_begin: i32,
    n_vocab: usize,
    last_stop: Option<Reason>,
}

/// What the decoding guard's logits filter reads and writes during one `whisper_full`.
struct GuardState {
    timestamp_begin: i32,
    n_vocab: usize,
    budget: usize,
    end_timestamp: i32,
    stopped: Option<Reason>,
}

/// whisper.cpp's abort callback: true once the caller's cancel flag is set (whisper.cpp
/// checks it after each encoder pass and before every decoder step).
///
/// # Safety
/// `user_data` is the `AtomicBool` that `decode` borrows for the call.
unsafe extern "C" fn cancel_requested(user_data: *mut std::ffi::c_void) -> bool {
    // SAFETY: see above; an `AtomicBool` may be read from any thread.
    unsafe { (*(user_data as *const AtomicBool)).load(Ordering::Relaxed) }
}

/// whisper.cpp's logits filter: before every token, [`guard::decide`] whether the decoding
/// ran away; if so only the timestamp at the end of the audio is left possible, which closes
/// the current segment there and ends the clip.
///
/// # Safety
/// `user_data` is the `GuardState` that `transcribe` keeps alive for the call; `tokens`
/// holds `n_tokens` tokens and `logits` the vocabulary's logits (whisper.cpp's contract).
unsafe extern "C" fn guard_logits(
    _ctx: *mut whisper_rs::WhisperSysContext,
    _state: *mut whisper_rs::WhisperSysState,
    tokens: *const whisper_rs::WhisperTokenData,
    n_tokens: std::os::raw::c_int,
    logits: *mut f32,
    user_data: *mut std::ffi::c_void,
) {
    if user_data.is_null() || tokens.is_null() || logits.is_null() || n_tokens <= 0 {
        return;
    }
    // SAFETY: see the function's contract.
    let g = unsafe { &mut *(user_data as *mut GuardState) };
    let toks = unsafe { std::slice::from_raw_parts(tokens, n_tokens as usize) };
    let ids: Vec<i32> = toks.iter().map(|t| t.id).collect();
    if let Some(reason) = guard::decide(&ids, g.timestamp_begin, g.budget) {
        g.stopped.get_or_insert(reason);
        let logits = unsafe { std::slice::from_raw_parts_mut(logits, g.n_vocab) };
        for (i, l) in logits.iter_mut().enumerate() {
            if i as i32 != g.end_timestamp {
                *l = f32::NEG_INFINITY;
            }
        }
    }
}

impl WhisperTranscriber {
    /// Loads the model. Errors (missing, wrong or corrupt file) are one-line messages.
    pub fn load(opts: WhisperOptions) -> Result<WhisperTranscriber> {
        // The whole layout is checked, so a truncated copy is refused before whisper.cpp.
        let size = super::models::inspect(&opts.model)?.bytes;
        super::backends::load_cpu_backends();
        if !super::backends::cpu_backend_available() {
            anyhow::bail!(
                "geen rekenmodule van whisper.cpp gevonden (installatie onvolledig: libggml-cpu-*) / no whisper.cpp CPU module found (incomplete installation: libggml-cpu-*)"
            );
        }
        if !opts.verbose {
            whisper_rs::install_logging_hooks();
        }
        let path = opts
            .model
            .to_str()
            .context("model path is not valid UTF-8")?
            .to_string();
        // Flash attention off for the decoder (with it, decoding is slower and the transcripts
        // on audio-nl worse); the encoder uses it anyway (patched in vendor/whisper-rs-sys).
        // Word times come from DTW over the model's alignment heads (the cross-attention
        // heads that track where in the audio each token is), not from the timestamp tokens:
        // those drift by a few hundred ms, which put a turn's first word into the turn before.
        let mut params = WhisperContextParameters::default();
        if let Ok(h) = read_hparams(&opts.model) {
            params.dtw_parameters(whisper_rs::DtwParameters {
                mode: h.dtw_mode(),
                dtw_mem_size: h.dtw_mem_size(),
            });
        }
        let ctx = WhisperContext::new_with_params(&path, params).map_err(|e| {
            anyhow::anyhow!(
                "spraakmodel {} kon niet geladen worden / speech model could not be loaded ({e}): corrupt or unsupported file",
                opts.model.display()
            )
        })?;
        let state = ctx
            .create_state()
            .map_err(|e| anyhow::anyhow!("whisper state could not be created: {e}"))?;
        let kind = ctx
            .model_type_readable_str_lossy()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let description = format!(
            "{} ({}, {}{}, {:.0} MB)",
            opts.model
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default(),
            kind,
            if ctx.is_multilingual() {
                "multilingual"
            } else {
                "English-only"
            },
            if opts.beam_size > 1 {
                ", beam"
            } else {
                ", greedy"
            },
            size as f64 / 1e6
        );
        let detected = match &opts.language {
            AsrLanguage::Fixed(l) => Some(l.clone()),
            AsrLanguage::Auto => None,
        };
        let timestamp_begin = ctx.token_beg();
        let n_vocab = ctx.n_vocab().max(0) as usize;
        Ok(WhisperTranscriber {
            _ctx: ctx,
            state,
            opts,
            detected,
            description,
            meter: super::cores::CoreMeter::new(),
            timestamp_begin,
            n_vocab,
            last_stop: None,
        })
    }
}

/// One recognised token: its bytes (a character may be split over two tokens) and times.
pub struct TokenPiece<'a> {
    pub bytes: &'a [u8],
    pub start: f64,
    pub end: f64,
    pub probability: f32,
}

/// Joins tokens into words: a token starting with a space starts a word. A word's bytes are
/// joined before they are read as UTF-8, so a character split over two tokens ("é" as two
/// byte tokens) stays whole. A word ends at the latest where the next one starts.
pub fn words_from_tokens(tokens: &[TokenPiece<'_>]) -> Vec<Word> {
    let mut spans: Vec<(Vec<u8>, Word)> = Vec::new();
    for t in tokens {
        let starts_word = t.bytes.first() == Some(&b' ') || spans.is_empty();
        if starts_word {
            spans.push((
                t.bytes.to_vec(),
                Word {
                    start: t.start,
                    end: t.end,
                    text: String::new(),
                    probability: t.probability,
                },
            ));
        } else if let Some((b, w)) = spans.last_mut() {
            b.extend_from_slice(t.bytes);
            w.end = t.end.max(w.end);
            w.probability = w.probability.min(t.probability);
        }
    }
    let mut words: Vec<Word> = spans
        .into_iter()
        .map(|(b, mut w)| {
            w.text = String::from_utf8_lossy(&b).trim().to_string();
            w
        })
        .collect();
    for i in 1..words.len() {
        let next = words[i].start;
        let w = &mut words[i - 1];
        w.end = w.end.min(next).max(w.start);
    }
    words.retain(|w| !w.text.is_empty());
    words
}

/// Audio context to use for a clip of `samples` samples: enough frames for the clip plus a
/// margin, rounded up to a multiple of 64 (whisper.cpp's kernels like aligned sizes).
pub fn audio_ctx_for(samples: usize) -> i32 {
    let secs = samples as f64 / SAMPLE_RATE;
    let frames = (secs * CTX_PER_SECOND).ceil() as i32 + 128;
    let aligned = (frames + 63) / 64 * 64;
    aligned.clamp(256, FULL_CTX)
}

impl Transcriber for WhisperTranscriber {
    fn transcribe(&mut self, pcm: &[f32]) -> Result<Vec<AsrSegment>> {
        self.decode(pcm, None).map(Option::unwrap_or_default)
    }

    fn transcribe_cancellable(
        &mut self,
        pcm: &[f32],
        cancel: &AtomicBool,
    ) -> Result<Option<Vec<AsrSegment>>> {
        self.decode(pcm, Some(cancel))
    }

    fn last_stop(&self) -> Option<Reason> {
        self.last_stop
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn language(&self) -> Option<String> {
        self.detected.clone()
    }
}

impl WhisperTranscriber {
    /// One decoding of `pcm`; `None` when `cancel` was set before it finished.
    fn decode(
        &mut self,
        pcm: &[f32],
        cancel: Option<&AtomicBool>,
    ) -> Result<Option<Vec<AsrSegment>>> {
        if pcm.is_empty() {
            return Ok(Some(Vec::new()));
        }
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Ok(None);
        }
        // whisper.cpp refuses clips under 100 ms and is unreliable under 1 s: pad with silence.
        let padded;
        let pcm = if pcm.len() < 16000 {
            let mut p = pcm.to_vec();
            p.resize(16000, 0.0);
            padded = p;
            &padded[..]
        } else {
            pcm
        };
        let strategy = if self.opts.beam_size > 1 {
            SamplingStrategy::BeamSearch {
                beam_size: self.opts.beam_size as i32,
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut params = FullParams::new(strategy);
        let threads = if self.opts.adaptive_threads {
            self.meter
                .free_threads(self.opts.threads.max(1), default_threads())
        } else {
            self.opts.threads.max(1)
        };
        params.set_n_threads(threads as i32);
        let lang = self.detected.clone();
        params.set_language(Some(lang.as_deref().unwrap_or("auto")));
        params.set_token_timestamps(true);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        params.set_suppress_nst(true);
        params.set_no_context(true);
        // No temperature fallback. whisper.cpp decodes a window again at temperatures 0.2,
        // 0.4, ... 1.0 while its mean log-probability stays below -1 (Whisper's long-form
        // rule, Radford et al. 2022): on room audio that is many windows, up to six decodes
        // each, for no better words (Dutch room recordings: WER 0.766 with, 0.765 without,
        // 22 % less time; clean audio-nl 0.453 / 0.454). Loops and skipped speech are
        // handled where the words are put back (`pipeline::offline`), so decoding stays
        // bounded at one pass per window.
        params.set_temperature_inc(0.0);
        if self.opts.shorten_context && pcm.len() < 30 * 16000 {
            params.set_audio_ctx(audio_ctx_for(pcm.len()));
        }
        // Decoding stays bounded: a token budget per second of audio and an early stop for
        // repetition loops (`guard`).
        let seconds = pcm.len() as f64 / SAMPLE_RATE;
        let mut guard_state = GuardState {
            timestamp_begin: self.timestamp_begin,
            n_vocab: self.n_vocab,
            budget: guard::max_tokens(seconds),
            end_timestamp: guard::end_timestamp(self.timestamp_begin, seconds),
            stopped: None,
        };
        // SAFETY: `guard_state` outlives `full` (the only call that runs the filter) and is
        // not touched elsewhere while it runs.
        unsafe {
            params.set_filter_logits_callback(Some(guard_logits));
            params.set_filter_logits_callback_user_data(
                &mut guard_state as *mut GuardState as *mut std::ffi::c_void,
            );
        }
        if let Some(flag) = cancel {
            // SAFETY: `flag` is borrowed for this whole call and outlives `full`.
            unsafe {
                params.set_abort_callback(Some(cancel_requested));
                params.set_abort_callback_user_data(
                    flag as *const AtomicBool as *mut std::ffi::c_void,
                );
            }
        }
        let result = self.state.full(params, pcm);
        self.last_stop = guard_state.stopped;
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            self.last_stop = None;
            return Ok(None);
        }
        result.map_err(|e| anyhow::anyhow!("transcriptie mislukt / transcription failed: {e}"))?;
        if self.detected.is_none() {
            let id = self.state.full_lang_id_from_state();
            if let Some(l) = whisper_rs::get_lang_str(id) {
                self.detected = Some(l.to_string());
            }
        }
        let clip_end = pcm.len() as f64 / SAMPLE_RATE;
        let mut out = Vec::new();
        for seg in self.state.as_iter() {
            let text = seg
                .to_str_lossy()
                .map(|t| t.to_string())
                .unwrap_or_default();
            let start = (seg.start_timestamp() as f64 / 100.0).min(clip_end);
            let end = (seg.end_timestamp() as f64 / 100.0).clamp(start, clip_end);
            let mut pieces = Vec::new();
            let mut psum = 0.0f32;
            let mut pn = 0usize;
            for i in 0..seg.n_tokens() {
                let Some(tok) = seg.get_token(i) else {
                    continue;
                };
                let data = tok.token_data();
                let bytes = tok.to_bytes().unwrap_or_default();
                // Special tokens look like "[_BEG_]", "<|nl|>", "[_TT_123]".
                if bytes.starts_with(b"[_") || bytes.starts_with(b"<|") {
                    continue;
                }
                psum += data.p;
                pn += 1;
                // DTW gives the time the token starts; the timestamp-token times are the
                // fallback (models without known alignment heads, DTW off).
                let dtw =
                    (data.t_dtw >= 0).then(|| (data.t_dtw as f64 / 100.0).clamp(0.0, clip_end));
                let t0 = dtw.unwrap_or((data.t0 as f64 / 100.0).clamp(0.0, clip_end));
                let t1 = match dtw {
                    Some(t) => (t + DTW_TOKEN_SPAN).min(clip_end),
                    None => (data.t1 as f64 / 100.0).clamp(t0, clip_end),
                };
                pieces.push(TokenPiece {
                    bytes,
                    start: t0,
                    end: t1,
                    probability: data.p,
                });
            }
            let words = words_from_tokens(&pieces);
            out.push(AsrSegment {
                start,
                end,
                text: text.trim().to_string(),
                confidence: if pn > 0 { psum / pn as f32 } else { 0.0 },
                no_speech_probability: seg.no_speech_probability(),
                words,
            });
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_over_two_tokens_stays_whole() {
        let e_acute = "\u{e9}".as_bytes(); // two bytes
        let t = |bytes: &'static [u8], start: f64| TokenPiece {
            bytes,
            start,
            end: start + 0.1,
            probability: 0.9,
        };
        let tokens = [
            t(b" h", 0.0),
            t(&e_acute[..1], 0.1),
            t(&e_acute[1..], 0.2),
            t(b"l", 0.3),
            t(b" hoe", 0.5),
            t(b"zo", 0.6),
        ];
        let words = words_from_tokens(&tokens);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["h\u{e9}l", "hoezo"]);
        assert_eq!((words[0].start, words[0].end), (0.0, 0.4));
        assert_eq!(words[1].end, 0.7);
    }

    #[test]
    fn audio_ctx_grows_with_clip_and_caps_at_full_window() {
        assert_eq!(audio_ctx_for(16000), 256);
        assert!(audio_ctx_for(10 * 16000) >= 500);
        assert_eq!(audio_ctx_for(29 * 16000), FULL_CTX);
        assert_eq!(audio_ctx_for(60 * 16000), FULL_CTX);
    }

    #[test]
    fn alignment_heads_follow_the_model_header() {
        use whisper_rs::{DtwMode, DtwModelPreset};
        let h = |vocab, audio, text, heads, mels| ModelHparams {
            n_vocab: vocab,
            n_audio_layer: audio,
            n_text_layer: text,
            n_text_head: heads,
            n_mels: mels,
        };
        let base = h(51865, 6, 6, 8, 80);
        assert!(matches!(
            base.dtw_mode(),
            DtwMode::ModelPreset {
                model_preset: DtwModelPreset::Base
            }
        ));
        assert_eq!(base.dtw_mem_size(), 128 << 20);
        assert!(matches!(
            h(51864, 6, 6, 8, 80).dtw_mode(),
            DtwMode::ModelPreset {
                model_preset: DtwModelPreset::BaseEn
            }
        ));
        // A distilled model (32 encoder, 2 decoder layers): whole top layer, bigger work area.
        let distil = h(51866, 32, 2, 20, 128);
        assert!(matches!(distil.dtw_mode(), DtwMode::TopMost { n_top: 1 }));
        assert!(distil.dtw_mem_size() >= 20 * 224 * 1500 * 4 * 6);
        let bundled = observant_model::default_model_path();
        if bundled.exists() {
            assert_eq!(read_hparams(&bundled).unwrap(), base);
        }
    }

    #[test]
    fn wrong_model_files_give_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.bin");
        let e = check_model_file(&missing).unwrap_err().to_string();
        assert!(e.contains("not found"), "{e}");
        let text = dir.path().join("model.bin");
        std::fs::write(&text, "this is not a model").unwrap();
        let e = check_model_file(&text).unwrap_err().to_string();
        assert!(e.contains("not a ggml Whisper model"), "{e}");
        let tiny = dir.path().join("tiny.bin");
        std::fs::write(&tiny, [0x6c, 0x6d, 0x67, 0x67, 1, 2, 3]).unwrap();
        let e = check_model_file(&tiny).unwrap_err().to_string();
        assert!(e.contains("too small"), "{e}");
    }
}
