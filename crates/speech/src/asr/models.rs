//! The speech models this machine has: the bundled one and those in the user's model folder
//! ([`observant_model::paths::user_models_dir`]); what each is (size, languages,
//! quantisation), checked to its last byte so a truncated or wrong file is refused with a
//! one-line reason before whisper.cpp sees it; adding a model (checked, then copied in); and
//! its speed on this machine, measured once on a short bundled clip and cached.
//! Nothing is ever downloaded.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use observant_model::i18n::UiLang;
use observant_model::paths::speed_clip_path;

use super::Transcriber;
use super::whisper::{WhisperOptions, WhisperTranscriber, check_model_file};

/// A usable ggml Whisper model file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    pub path: PathBuf,
    /// The file name (what the picker and `observant models` show).
    pub name: String,
    pub bytes: u64,
    /// OpenAI's size name from the layer counts: tiny, base, small, medium, large,
    /// large-v3-turbo (else "custom").
    pub size: &'static str,
    /// Multilingual (Dutch included) or English only (the `.en` models).
    pub multilingual: bool,
    /// Weight type: f32, f16, q8_0, q5_1, ...
    pub quant: &'static str,
    /// Shipped with Observant (not in the user's model folder).
    pub bundled: bool,
}

/// A model file as the picker lists it: usable, or why not.
#[derive(Debug, Clone, PartialEq)]
pub enum Listed {
    Usable(ModelInfo),
    Broken { path: PathBuf, reason: String },
}

impl Listed {
    pub fn path(&self) -> &Path {
        match self {
            Listed::Usable(m) => &m.path,
            Listed::Broken { path, .. } => path,
        }
    }
}

/// Bytes per block and elements per block of a ggml tensor type.
fn block_of(ttype: i32) -> Option<(u64, u64)> {
    Some(match ttype {
        0 => (1, 4),      // f32
        1 | 30 => (1, 2), // f16, bf16
        2 => (32, 18),    // q4_0
        3 => (32, 20),    // q4_1
        6 => (32, 22),    // q5_0
        7 => (32, 24),    // q5_1
        8 => (32, 34),    // q8_0
        9 => (32, 36),    // q8_1
        10 => (256, 84),  // q2_k
        11 => (256, 110), // q3_k
        12 => (256, 144), // q4_k
        13 => (256, 176), // q5_k
        14 => (256, 210), // q6_k
        15 => (256, 292), // q8_k
        _ => return None,
    })
}

fn quant_name(ftype: i32) -> &'static str {
    match ftype % 1000 {
        0 => "f32",
        1 => "f16",
        2 => "q4_0",
        3 => "q4_1",
        7 => "q8_0",
        8 => "q5_0",
        9 => "q5_1",
        10 => "q2_k",
        11 => "q3_k",
        12 => "q4_k",
        13 => "q5_k",
        14 => "q6_k",
        _ => "?",
    }
}

fn size_name(audio_layers: i32, text_layers: i32) -> &'static str {
    match (audio_layers, text_layers) {
        (4, 4) => "tiny",
        (6, 6) => "base",
        (12, 12) => "small",
        (24, 24) => "medium",
        (32, 32) => "large",
        (32, 4) => "large-v3-turbo",
        _ => "custom",
    }
}

fn read_i32(r: &mut impl Read) -> std::io::Result<i32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(i32::from_le_bytes(b))
}

/// Reads a ggml Whisper model's layout the way whisper.cpp loads it (header, mel filters,
/// vocabulary, then every tensor's header and data) without reading the weights, and checks
/// that the file holds all of it: a truncated copy, a file of another ggml program or a
/// damaged header gives a one-line reason.
pub fn inspect(path: &Path) -> Result<ModelInfo> {
    let bytes = check_model_file(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let f = std::fs::File::open(path).with_context(|| {
        format!("kan spraakmodel niet openen / cannot open speech model: {name}")
    })?;
    let mut r = BufReader::with_capacity(64 * 1024, f);
    let truncated = |(nl, en): (&str, &str)| {
        anyhow::anyhow!(
            "{name} is onvolledig (afgebroken in {nl}): opnieuw kopiëren / is truncated (cut off in {en}): copy it again"
        )
    };
    let mut header = [0i32; 12];
    for h in &mut header {
        *h = read_i32(&mut r).map_err(|_| truncated(("de kop", "the header")))?;
    }
    let [
        _,
        n_vocab,
        _,
        _,
        _,
        audio_layers,
        _,
        _,
        _,
        text_layers,
        n_mels,
        ftype,
    ] = header;
    let plausible = (50_000..=52_000).contains(&n_vocab)
        && (1..=64).contains(&audio_layers)
        && (1..=64).contains(&text_layers)
        && (n_mels == 80 || n_mels == 128);
    if !plausible {
        bail!(
            "{name} is een ggml-bestand maar geen Whisper-model / is a ggml file but not a Whisper model"
        );
    }
    // Mel filters: n_mel x n_fft floats.
    let (fm, ff) = (
        read_i32(&mut r).map_err(|_| truncated(("de melfilters", "the mel filters")))?,
        read_i32(&mut r).map_err(|_| truncated(("de melfilters", "the mel filters")))?,
    );
    if !(0..=1024).contains(&fm) || !(0..=4096).contains(&ff) {
        bail!("{name}: beschadigde melfilters / damaged mel filters");
    }
    r.seek_relative(4 * i64::from(fm) * i64::from(ff))?;
    // Vocabulary: a count, then (length, bytes) per token.
    let words = read_i32(&mut r).map_err(|_| truncated(("de woordenlijst", "the vocabulary")))?;
    for _ in 0..words.max(0) {
        let len = read_i32(&mut r).map_err(|_| truncated(("de woordenlijst", "the vocabulary")))?;
        if !(0..=1024).contains(&len) {
            bail!("{name}: beschadigde woordenlijst / damaged vocabulary");
        }
        r.seek_relative(i64::from(len))?;
    }
    // Tensors until the end of the file.
    let mut tensors = 0usize;
    loop {
        let mut head = [0u8; 12];
        match r.read(&mut head[..1])? {
            0 => break,
            _ => r
                .read_exact(&mut head[1..])
                .map_err(|_| truncated(("de gewichten", "the weights")))?,
        }
        let at = |i: usize| i32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (dims, name_len, ttype) = (at(0), at(4), at(8));
        if !(1..=4).contains(&dims) || !(1..=256).contains(&name_len) {
            bail!("{name}: beschadigde tensorkop / damaged tensor header");
        }
        let mut elems = 1u64;
        let mut first = 0u64;
        for d in 0..dims {
            let n = read_i32(&mut r).map_err(|_| truncated(("de gewichten", "the weights")))?;
            let n = u64::try_from(n).unwrap_or(0);
            if d == 0 {
                first = n;
            }
            elems = elems.saturating_mul(n);
        }
        let Some((block, block_bytes)) = block_of(ttype) else {
            bail!("{name}: onbekend gewichtstype {ttype} / unknown weight type {ttype}");
        };
        if !first.is_multiple_of(block) {
            bail!("{name}: beschadigde tensorkop / damaged tensor header");
        }
        r.seek_relative(i64::from(name_len))?;
        let data = elems / block * block_bytes;
        let here = r.stream_position()?;
        if here.saturating_add(data) > bytes {
            return Err(truncated(("de gewichten", "the weights")));
        }
        r.seek(SeekFrom::Start(here + data))?;
        tensors += 1;
    }
    // whisper.cpp's layout: 11 model-wide tensors, 14 per encoder and 25 per decoder layer.
    let expected = 11 + 14 * audio_layers as usize + 25 * text_layers as usize;
    if tensors < expected {
        return Err(truncated(("de gewichten", "the weights")));
    }
    Ok(ModelInfo {
        path: path.to_path_buf(),
        name,
        bytes,
        size: size_name(audio_layers, text_layers),
        multilingual: n_vocab >= 51_865,
        quant: quant_name(ftype),
        bundled: false,
    })
}

/// The models to choose from: the bundled default model first, then every `*.bin` in the
/// bundled models folder and in `user_dir` (sorted by name), the ones that cannot be used
/// with their reason.
pub fn list(bundled: &Path, user_dir: &Path) -> Vec<Listed> {
    let mut out = vec![listed(bundled, true)];
    for (dir, is_bundled) in [(bundled.parent(), true), (Some(user_dir), false)] {
        let Some(Ok(entries)) = dir.map(std::fs::read_dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("bin")))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for p in files {
            if !out.iter().any(|l| l.path() == p) {
                out.push(listed(&p, is_bundled));
            }
        }
    }
    out
}

fn listed(path: &Path, bundled: bool) -> Listed {
    match inspect(path) {
        Ok(m) => Listed::Usable(ModelInfo { bundled, ..m }),
        Err(e) => Listed::Broken {
            path: path.to_path_buf(),
            reason: observant_model::error::one_line(&e),
        },
    }
}

/// Finds a model by what a user types: a path to a file, else a file name (with or without
/// `.bin`, with or without `ggml-`) in the user's model folder or beside the bundled model.
pub fn resolve(name: &Path, bundled: &Path, user_dir: &Path) -> PathBuf {
    if name.is_file() || name.components().count() > 1 {
        return name.to_path_buf();
    }
    let n = name.to_string_lossy();
    let candidates = [
        n.to_string(),
        format!("{n}.bin"),
        format!("ggml-{n}.bin"),
        format!("ggml-{n}"),
    ];
    for dir in [Some(user_dir), bundled.parent()].into_iter().flatten() {
        for c in &candidates {
            let p = dir.join(c);
            if p.is_file() {
                return p;
            }
        }
    }
    name.to_path_buf()
}

/// Adds a model to `user_dir`: checked with [`inspect`] first (a wrong or truncated file is
/// refused and nothing is copied), then copied under its own name through a temporary file,
/// so an interrupted copy never looks like a model. A file of the same name and size that is
/// already there is kept.
pub fn add(src: &Path, user_dir: &Path) -> Result<ModelInfo> {
    let m = inspect(src)?;
    std::fs::create_dir_all(user_dir).with_context(|| {
        format!(
            "kan modelmap niet maken / cannot create the model folder {}",
            user_dir.display()
        )
    })?;
    let dest = user_dir.join(&m.name);
    if dest.is_file() && std::fs::metadata(&dest).map(|d| d.len()).ok() == Some(m.bytes) {
        return inspect(&dest);
    }
    let part = user_dir.join(format!(".{}.part", m.name));
    std::fs::copy(src, &part)
        .and_then(|_| std::fs::rename(&part, &dest))
        .map_err(|e| {
            let _ = std::fs::remove_file(&part);
            anyhow::anyhow!(
                "kopiëren naar {} mislukt / copying into {} failed: {e}",
                user_dir.display(),
                user_dir.display()
            )
        })?;
    inspect(&dest)
}

/// A measured speed of one model on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    /// Transcription time / audio time on the speed clip (below 1 is faster than real time).
    pub rtf: f64,
    /// Seconds to load the model.
    pub load_seconds: f64,
    pub threads: usize,
}

/// The cache of measured speeds (`speed.json` in the user's model folder), keyed by the
/// model's file name, size and modification time, and the thread count.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SpeedCache {
    speeds: BTreeMap<String, Speed>,
}

fn cache_key(m: &ModelInfo, threads: usize) -> String {
    let mtime = std::fs::metadata(&m.path)
        .and_then(|d| d.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    format!("{}|{}|{}|{}", m.name, m.bytes, mtime, threads)
}

impl SpeedCache {
    pub const FILE: &'static str = "speed.json";

    /// The cache in `dir`; empty when there is none or it cannot be read (it is only a cache).
    pub fn load(dir: &Path) -> SpeedCache {
        std::fs::read_to_string(dir.join(Self::FILE))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.tmp", Self::FILE));
        std::fs::write(&tmp, serde_json::to_string_pretty(self)?)?;
        std::fs::rename(&tmp, dir.join(Self::FILE))?;
        Ok(())
    }

    pub fn get(&self, m: &ModelInfo, threads: usize) -> Option<Speed> {
        self.speeds.get(&cache_key(m, threads)).copied()
    }

    pub fn put(&mut self, m: &ModelInfo, s: Speed) {
        self.speeds.insert(cache_key(m, s.threads), s);
    }
}

impl ModelInfo {
    /// Size, languages, weights and file size in words: "base, meertalig (ook Nederlands),
    /// q8_0, 82 MB".
    pub fn describe(&self, ui: UiLang) -> String {
        format!(
            "{}, {}, {}, {:.0} MB",
            self.size,
            if self.multilingual {
                ui.t("meertalig (ook Nederlands)", "multilingual (Dutch too)")
            } else {
                ui.t("alleen Engels", "English only")
            },
            self.quant,
            self.bytes as f64 / 1e6
        )
    }
}

impl Speed {
    /// The speed in words: "0.21x realtime (2 threads)".
    pub fn words(&self, ui: UiLang) -> String {
        format!(
            "{:.2}x {} ({} threads)",
            self.rtf,
            ui.t("realtime", "real time"),
            self.threads
        )
    }
}

/// Measures a model on the bundled speed clip ([`speed_clip_path`]) and keeps the figure in
/// the cache in `dir` (a folder that cannot be written still gives the figure).
pub fn measure_and_keep(m: &ModelInfo, threads: usize, dir: &Path) -> Result<Speed> {
    let clip = observant_audio::decode::load_16k_mono(speed_clip_path(), None)
        .context("meetclip / speed clip")?;
    let s = measure(m, &clip, threads)?;
    let mut cache = SpeedCache::load(dir);
    cache.put(m, s);
    let _ = cache.save(dir);
    Ok(s)
}

/// Measures a model's speed: loads it and transcribes `clip` (16 kHz mono) once with
/// `threads` threads.
pub fn measure(m: &ModelInfo, clip: &[f32], threads: usize) -> Result<Speed> {
    anyhow::ensure!(!clip.is_empty(), "lege meetclip / empty speed clip");
    let t0 = Instant::now();
    let mut opts = WhisperOptions::new(m.path.clone());
    opts.threads = threads.max(1);
    opts.adaptive_threads = false;
    let mut t = WhisperTranscriber::load(opts)?;
    let load_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    t.transcribe(clip)?;
    let rtf = t1.elapsed().as_secs_f64() / (clip.len() as f64 / 16_000.0);
    Ok(Speed {
        rtf,
        load_seconds,
        threads: threads.max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> PathBuf {
        observant_model::paths::default_model_path()
    }

    #[test]
    fn the_bundled_model_is_base_multilingual_q8() {
        let m = inspect(&bundled()).unwrap();
        assert_eq!((m.size, m.multilingual, m.quant), ("base", true, "q8_0"));
        assert_eq!(m.name, "ggml-base-q8_0.bin");
    }

    #[test]
    fn a_truncated_or_foreign_file_is_refused_with_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let whole = std::fs::read(bundled()).unwrap();
        for keep in [whole.len() - 1, whole.len() / 2, 2_000_000] {
            let p = dir.path().join(format!("cut-{keep}.bin"));
            std::fs::write(&p, &whole[..keep]).unwrap();
            let e = observant_model::error::one_line(&inspect(&p).unwrap_err());
            assert!(
                e.contains("onvolledig") && e.contains("truncated"),
                "{keep}: {e}"
            );
            assert!(!e.contains('\n'));
        }
        let mut other = whole[..2_000_000].to_vec();
        other[4..8].copy_from_slice(&7i32.to_le_bytes());
        let p = dir.path().join("other.bin");
        std::fs::write(&p, &other).unwrap();
        let e = inspect(&p).unwrap_err().to_string();
        assert!(e.contains("geen Whisper-model"), "{e}");
    }

    #[test]
    fn adding_copies_a_good_model_and_nothing_of_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("models");
        let cut = dir.path().join("half.bin");
        let whole = std::fs::read(bundled()).unwrap();
        std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
        assert!(add(&cut, &user).is_err());
        assert!(!user.join("half.bin").exists());
        assert!(std::fs::read_dir(&user).map_or(true, |d| d.count() == 0));

        let mine = dir.path().join("ggml-mine.bin");
        std::fs::write(&mine, &whole).unwrap();
        let m = add(&mine, &user).unwrap();
        assert_eq!(m.path, user.join("ggml-mine.bin"));
        // Listed after the bundled model; a broken file in the folder is listed with why.
        std::fs::write(user.join("broken.bin"), b"lmgg").unwrap();
        let l = list(&bundled(), &user);
        assert!(matches!(&l[0], Listed::Usable(b) if b.bundled));
        assert!(
            l.iter()
                .any(|x| matches!(x, Listed::Usable(m) if m.name == "ggml-mine.bin" && !m.bundled))
        );
        assert!(
            l.iter()
                .any(|x| matches!(x, Listed::Broken { path, .. } if path.ends_with("broken.bin")))
        );
        assert_eq!(
            resolve(Path::new("mine"), &bundled(), &user),
            user.join("ggml-mine.bin")
        );
        assert_eq!(
            resolve(Path::new("base-q8_0"), &bundled(), &user),
            bundled()
        );
    }

    #[test]
    fn speeds_are_cached_per_file_and_threads() {
        let dir = tempfile::tempdir().unwrap();
        let m = inspect(&bundled()).unwrap();
        let mut c = SpeedCache::load(dir.path());
        assert_eq!(c.get(&m, 2), None);
        let s = Speed {
            rtf: 0.25,
            load_seconds: 0.3,
            threads: 2,
        };
        c.put(&m, s);
        c.save(dir.path()).unwrap();
        let c = SpeedCache::load(dir.path());
        assert_eq!(c.get(&m, 2), Some(s));
        assert_eq!(c.get(&m, 1), None);
    }
}
