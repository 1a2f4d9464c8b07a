//! Streaming decoder: any recording on disk to 16 kHz mono `f32`, chunk by chunk.
//!
//! * WAV (8/16/24/32-bit integer, 32-bit float, any rate and channel count) is read with hound.
//!   A WAV whose header undercounts its data (a recorder that crashed before it could finalise
//!   the header) is read to the end of the file instead of being cut short.
//! * Everything else (m4a/AAC, mp3, ogg/vorbis, flac, and WAV variants hound rejects such as
//!   A-law, µ-law and ADPCM) goes through symphonia.
//! * Channels become one ([`ChannelMix`]: several are beamformed, see [`crate::beam`]), then
//!   [`StreamResampler`] converts to 16 kHz (skipped when the file already is 16 kHz).
//!
//! [`AudioFile::open`] reads a file on disk; [`AudioFile::from_bytes`] decodes bytes already in
//! memory the same way (fuzzing, decrypted audio).
//!
//! Nothing is ever loaded whole: [`AudioFile::read_chunk`] returns about half a second at a
//! time, so a 3-hour recording costs a few hundred kilobytes of memory. Bad input (empty or
//! truncated file, 0 channels, absurd sample rate, a text file named `.wav`, a corrupt stream)
//! gives a one-line [`UnusableAudio`] error in Dutch and English, never a panic; panics inside
//! the decoders are caught and reported the same way.

use std::cell::Cell;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, Decoder, DecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::beam::ChannelMix;
use super::resample::{StreamResampler, TARGET_RATE};
use observant_model::error::one_line_text;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread runs a third-party decoder under the panic guard: a panic there
/// becomes a one-line [`UnusableAudio`] error, so a panic hook should stay quiet about it.
pub fn panic_is_guarded() -> bool {
    GUARDED.with(Cell::get)
}

/// Runs `f` catching panics (the decoders are third-party code fed hostile bytes).
fn guarded<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let outer = GUARDED.with(|g| g.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    r
}

/// Lowest sample rate accepted from a file header.
pub const MIN_RATE: u32 = 1_000;
/// Highest sample rate accepted from a file header.
pub const MAX_RATE: u32 = 768_000;
/// Most channels accepted from a file header.
pub const MAX_CHANNELS: u32 = 256;

/// Largest sample magnitude passed on (full scale is 1.0). Float files may go a little past
/// full scale; values near `f32::MAX` (a hostile or corrupt file) would overflow the
/// resampler's FFT into NaN, so they are clipped; NaN and infinities become silence.
const MAX_SAMPLE: f32 = 64.0;
/// Source frames decoded per WAV block.
const WAV_BLOCK_FRAMES: usize = 16_384;
/// `read_chunk` keeps decoding until it has at least this many 16 kHz samples (or the end).
const MIN_CHUNK: usize = 8_000;
/// Consecutive undecodable packets tolerated before giving up on a compressed stream.
const MAX_BAD_PACKETS: u32 = 50;

/// The file cannot be used as audio; the message says why, in Dutch and in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: geen bruikbare audio: {nl} / not usable audio: {en}")]
pub struct UnusableAudio {
    /// The file as the user named it.
    pub path: String,
    /// Reason in Dutch.
    pub nl: String,
    /// Reason in English.
    pub en: String,
}

fn unusable(path: &str, nl: impl Into<String>, en: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UnusableAudio {
        path: path.to_string(),
        nl: one_line_text(nl.into()),
        en: one_line_text(en.into()),
    })
}

/// What a file holds, as found in its header (before conversion to 16 kHz mono).
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// Sample rate of the file in Hz.
    pub sample_rate: u32,
    /// Channels in the file (averaged to mono on reading).
    pub channels: u32,
    /// Frames (samples per channel) in the file, when the header says.
    pub frames: Option<u64>,
    /// Human-readable format, e.g. `WAV PCM 16-bit` or `mp3`.
    pub format: String,
}

impl AudioInfo {
    /// Length in seconds, when known.
    pub fn duration_seconds(&self) -> Option<f64> {
        self.frames
            .map(|f| f as f64 / f64::from(self.sample_rate.max(1)))
    }

    /// Length in 16 kHz samples after conversion, when known (for progress bars).
    pub fn samples_16k(&self) -> Option<u64> {
        self.frames.map(|f| {
            let rate = u128::from(self.sample_rate.max(1));
            ((u128::from(f) * u128::from(TARGET_RATE) + rate / 2) / rate) as u64
        })
    }
}

/// Checks channel count and sample rate from a header.
fn check_format(path: &str, channels: u32, rate: u32) -> Result<()> {
    if channels == 0 {
        return Err(unusable(
            path,
            "de header meldt 0 kanalen",
            "the header declares 0 channels",
        ));
    }
    if channels > MAX_CHANNELS {
        return Err(unusable(
            path,
            format!("onwaarschijnlijk aantal kanalen ({channels}) in de header"),
            format!("implausible channel count ({channels}) in the header"),
        ));
    }
    if rate == 0 {
        return Err(unusable(
            path,
            "de header meldt een samplefrequentie van 0 Hz",
            "the header declares a sample rate of 0 Hz",
        ));
    }
    if !(MIN_RATE..=MAX_RATE).contains(&rate) {
        return Err(unusable(
            path,
            format!("onwaarschijnlijke samplefrequentie {rate} Hz (verwacht 1-768 kHz)"),
            format!("implausible sample rate {rate} Hz (expected 1-768 kHz)"),
        ));
    }
    Ok(())
}

/// Where the encoded bytes come from; [`Origin::open`] gives a fresh reader positioned at 0
/// (some formats are probed by one decoder and then read by another).
#[derive(Debug, Clone)]
enum Origin {
    Path(PathBuf),
    Bytes(Arc<[u8]>),
}

impl Origin {
    fn open(&self) -> std::io::Result<Src> {
        Ok(match self {
            Origin::Path(p) => Src::File(File::open(p)?),
            Origin::Bytes(b) => Src::Mem(Cursor::new(Arc::clone(b))),
        })
    }
}

/// A seekable byte stream: a file or memory.
enum Src {
    File(File),
    Mem(Cursor<Arc<[u8]>>),
}

impl Read for Src {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Src::File(f) => f.read(buf),
            Src::Mem(m) => m.read(buf),
        }
    }
}

impl Seek for Src {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Src::File(f) => f.seek(pos),
            Src::Mem(m) => m.seek(pos),
        }
    }
}

impl MediaSource for Src {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        match self {
            Src::File(f) => f.metadata().ok().map(|m| m.len()),
            Src::Mem(m) => Some(m.get_ref().len() as u64),
        }
    }
}

/// A decoder producing one-channel blocks at the file's own rate: it decodes interleaved frames
/// and hands them to `mix` (see [`ChannelMix`]: several channels are beamformed to one).
trait BlockReader: Send {
    /// Append the next block of samples to `mono` (through `mix`); false when the stream has
    /// ended (the call may still have appended a last block).
    fn next_block(&mut self, mix: &mut ChannelMix, mono: &mut Vec<f32>) -> Result<bool>;
}

/// An audio file opened for streaming conversion to 16 kHz mono.
pub struct AudioFile {
    path: String,
    info: AudioInfo,
    reader: Box<dyn BlockReader>,
    mix: ChannelMix,
    resampler: StreamResampler,
    mono: Vec<f32>,
    finished: bool,
    delivered: u64,
}

impl std::fmt::Debug for AudioFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioFile")
            .field("path", &self.path)
            .field("info", &self.info)
            .field("delivered", &self.delivered)
            .finish()
    }
}

impl AudioFile {
    /// Open `path`, check its header and prepare decoding. Errors are one line, saying what is
    /// wrong (see [`UnusableAudio`]).
    pub fn open(path: impl AsRef<Path>) -> Result<AudioFile> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).with_context(|| {
            format!("{shown}: kan het bestand niet openen / cannot open the file")
        })?;
        if meta.is_dir() {
            return Err(unusable(&shown, "dit is een map", "this is a directory"));
        }
        let len = meta.len();
        if len == 0 {
            return Err(unusable(&shown, "het bestand is leeg", "the file is empty"));
        }
        let file = File::open(path).with_context(|| {
            format!("{shown}: kan het bestand niet openen / cannot open the file")
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_string);
        Self::open_src(
            shown,
            &Origin::Path(path.to_path_buf()),
            Src::File(file),
            ext.as_deref(),
            len,
        )
    }

    /// Decode a recording held in memory, exactly as [`open`](Self::open) decodes a file;
    /// `name` stands for the path in messages and its extension (if any) hints the format.
    pub fn from_bytes(name: &str, bytes: impl Into<Arc<[u8]>>) -> Result<AudioFile> {
        let bytes: Arc<[u8]> = bytes.into();
        let len = bytes.len() as u64;
        if len == 0 {
            return Err(unusable(name, "het bestand is leeg", "the file is empty"));
        }
        let ext = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_string);
        let origin = Origin::Bytes(bytes);
        let src = origin.open()?;
        Self::open_src(name.to_string(), &origin, src, ext.as_deref(), len)
    }

    fn open_src(
        shown: String,
        origin: &Origin,
        mut file: Src,
        ext: Option<&str>,
        len: u64,
    ) -> Result<AudioFile> {
        let mut head = vec![0u8; 512.min(len as usize)];
        file.read_exact(&mut head)
            .with_context(|| format!("{shown}: lezen mislukt / read failed"))?;
        file.seek(SeekFrom::Start(0))?;

        let is_riff = head.len() >= 4 && &head[..4] == b"RIFF";
        let (info, reader): (AudioInfo, Box<dyn BlockReader>) = if is_riff {
            open_riff(&shown, origin, file, len)?
        } else {
            check_mp4_tables(&shown, &mut file, len)?;
            file.seek(SeekFrom::Start(0))?;
            match SymphoniaReader::open(&shown, file, ext) {
                Ok((info, r)) => (info, Box::new(r)),
                Err(e) if e.downcast_ref::<UnusableAudio>().is_some() => return Err(e),
                Err(_) if looks_like_text(&head) => {
                    return Err(unusable(
                        &shown,
                        "het bestand bevat tekst, geen audio",
                        "the file contains text, not audio",
                    ));
                }
                Err(e) => {
                    return Err(unusable(
                        &shown,
                        format!("geen herkend audioformaat ({e:#})"),
                        format!("not a recognised audio format ({e:#})"),
                    ));
                }
            }
        };
        let resampler = StreamResampler::new(info.sample_rate)?;
        let mix = ChannelMix::new(info.sample_rate);
        Ok(AudioFile {
            path: shown,
            info,
            reader,
            mix,
            resampler,
            mono: Vec::with_capacity(WAV_BLOCK_FRAMES),
            finished: false,
            delivered: 0,
        })
    }

    /// What the file holds (rate, channels, length, format).
    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// Dereverberates a recording of two or more channels before they become one
    /// ([`crate::dereverb`]); for a whole file read at once (it holds back a minute).
    pub fn with_dereverb(mut self, on: bool) -> AudioFile {
        let mix = std::mem::replace(&mut self.mix, ChannelMix::new(self.info.sample_rate));
        self.mix = mix.with_dereverb(on);
        self
    }

    /// Keeps a recording of two or more channels channel by channel too, at 16 kHz
    /// ([`AudioFile::take_channels`]): a file played as a live input is saved the way a
    /// microphone array is.
    pub fn keep_channels(mut self, on: bool) -> AudioFile {
        let channels = if on { self.info.channels as usize } else { 0 };
        let mix = std::mem::replace(&mut self.mix, ChannelMix::new(self.info.sample_rate));
        self.mix = mix.keep_channels(channels);
        self
    }

    /// The number of channels kept apart (0: none).
    pub fn kept_channels(&self) -> usize {
        self.mix.kept_channels()
    }

    /// Replaces `out` with the kept channels' frames (16 kHz, interleaved) decoded since the
    /// last call.
    pub fn take_channels(&mut self, out: &mut Vec<f32>) {
        self.mix.take_channels(out)
    }

    /// Whether the channels are dereverberated before they become one (asked for, and two or
    /// more of them).
    pub fn dereverberates(&self) -> bool {
        self.mix.dereverbs() && self.info.channels >= 2
    }

    /// Seconds spent dereverberating the channels so far.
    pub fn dereverb_seconds(&self) -> f64 {
        self.mix.dereverb_seconds()
    }

    /// The path as given to [`open`](Self::open).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// 16 kHz samples delivered so far (the position of the next chunk).
    pub fn position(&self) -> u64 {
        self.delivered
    }

    /// Replace `out` with the next chunk of 16 kHz mono samples (about half a second) and
    /// return its length; 0 means the end of the file.
    pub fn read_chunk(&mut self, out: &mut Vec<f32>) -> Result<usize> {
        out.clear();
        while out.len() < MIN_CHUNK && !self.finished {
            self.mono.clear();
            let more = self.reader.next_block(&mut self.mix, &mut self.mono);
            if !matches!(more, Ok(true)) {
                // The end (or a damaged stream): what the beamformer still holds.
                self.mix.flush(&mut self.mono);
                self.mix.finish_channels();
            }
            let more = more.map_err(|e| {
                self.finished = true;
                if e.downcast_ref::<UnusableAudio>().is_some() {
                    e
                } else {
                    unusable(
                        &self.path,
                        format!("decoderen mislukt ({e:#})"),
                        format!("decoding failed ({e:#})"),
                    )
                }
            })?;
            for s in &mut self.mono {
                *s = if s.is_finite() {
                    s.clamp(-MAX_SAMPLE, MAX_SAMPLE)
                } else {
                    0.0
                };
            }
            self.resampler.push(&self.mono, out)?;
            if !more {
                self.resampler.finish(out)?;
                self.finished = true;
            }
        }
        self.delivered += out.len() as u64;
        Ok(out.len())
    }
}

/// Decode the first `max_seconds` (all of it with `None`) of a file to 16 kHz mono. For short
/// files (enrolment clips, tests); stream long recordings with [`AudioFile::read_chunk`].
pub fn load_16k_mono(path: impl AsRef<Path>, max_seconds: Option<f64>) -> Result<Vec<f32>> {
    let mut file = AudioFile::open(path)?;
    let limit = max_seconds
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| (s * f64::from(TARGET_RATE)) as usize);
    let mut all = Vec::new();
    let mut chunk = Vec::new();
    while file.read_chunk(&mut chunk)? > 0 {
        all.extend_from_slice(&chunk);
        if let Some(limit) = limit
            && all.len() >= limit
        {
            if all.len() > limit || file.read_chunk(&mut chunk)? > 0 {
                tracing::debug!(
                    "{}: afgekapt op {limit} samples / cut at {limit} samples",
                    file.path()
                );
            }
            all.truncate(limit);
            break;
        }
    }
    Ok(all)
}

fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(t) => t.chars().count(),
        // A multi-byte character may be cut at the end of the sample.
        Err(e) if e.valid_up_to() + 4 >= head.len() => head.len(),
        Err(_) => return false,
    };
    let printable = head
        .iter()
        .filter(|&&b| b >= 0x20 || matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    text > 0 && printable * 100 >= head.len() * 95
}

// ---------------------------------------------------------------------------------------------
// WAV

/// What our own walk over the RIFF chunks found.
#[derive(Debug, Clone, Copy)]
struct WavHeader {
    format_tag: u16,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits: u16,
    /// Byte offset of the data chunk's first sample.
    data_offset: u64,
    /// Length of the data chunk according to its header.
    data_declared: u32,
    /// True when the declared length is clearly wrong (0, 0xFFFFFFFF, or less than what
    /// follows with no further chunk after it): a recording whose header was never finalised.
    data_undercounted: bool,
}

const TAG_PCM: u16 = 1;
const TAG_FLOAT: u16 = 3;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

fn wav_format_name(tag: u16, bits: u16) -> String {
    match tag {
        TAG_PCM => format!("WAV PCM {bits}-bit"),
        TAG_FLOAT => format!("WAV float {bits}-bit"),
        2 => "WAV MS-ADPCM".into(),
        6 => "WAV A-law".into(),
        7 => "WAV µ-law".into(),
        0x11 => "WAV IMA-ADPCM".into(),
        t => format!("WAV (format 0x{t:04x})"),
    }
}

fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Walk the RIFF chunks to find `fmt ` and `data`, with messages for what is broken.
fn parse_wav_header(path: &str, file: &mut Src, len: u64) -> Result<WavHeader> {
    let truncated = || {
        unusable(
            path,
            "de WAV-header is afgebroken of beschadigd",
            "the WAV header is truncated or damaged",
        )
    };
    let mut riff = [0u8; 12];
    if len < 12 {
        return Err(truncated());
    }
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut riff)?;
    if &riff[8..12] != b"WAVE" {
        return Err(unusable(
            path,
            "RIFF-bestand maar geen WAVE-audio",
            "a RIFF file but not WAVE audio",
        ));
    }
    let mut pos = 12u64;
    let mut fmt: Option<(u16, u16, u32, u16, u16)> = None;
    for _ in 0..10_000 {
        if pos + 8 > len {
            return Err(truncated());
        }
        let mut head = [0u8; 8];
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut head)?;
        let id = &head[..4];
        let size = read_u32(&head, 4);
        let body = pos + 8;
        if id == b"fmt " {
            if size < 16 || body + 16 > len {
                return Err(truncated());
            }
            let mut f = vec![0u8; size.min(40) as usize];
            if body + f.len() as u64 > len {
                return Err(truncated());
            }
            file.read_exact(&mut f)?;
            let mut tag = read_u16(&f, 0);
            if tag == TAG_EXTENSIBLE && f.len() >= 26 {
                tag = read_u16(&f, 24);
            }
            fmt = Some((
                tag,
                read_u16(&f, 2),
                read_u32(&f, 4),
                read_u16(&f, 12),
                read_u16(&f, 14),
            ));
        } else if id == b"data" {
            let Some((format_tag, channels, sample_rate, block_align, bits)) = fmt else {
                return Err(unusable(
                    path,
                    "de WAV-header mist het fmt-blok",
                    "the WAV header lacks its fmt chunk",
                ));
            };
            let available = len - body;
            let declared_end = body + u64::from(size);
            let undercounted = size == 0
                || size == u32::MAX
                || (u64::from(size) < available
                    && !plausible_chunk_at(file, declared_end + u64::from(size & 1), len));
            return Ok(WavHeader {
                format_tag,
                channels,
                sample_rate,
                block_align,
                bits,
                data_offset: body,
                data_declared: size,
                data_undercounted: undercounted,
            });
        }
        pos = body + u64::from(size) + u64::from(size & 1);
    }
    Err(truncated())
}

/// Is there something that looks like a RIFF chunk header at `pos`?
fn plausible_chunk_at(file: &mut Src, pos: u64, len: u64) -> bool {
    if pos + 8 > len {
        return false;
    }
    let mut head = [0u8; 8];
    if file.seek(SeekFrom::Start(pos)).is_err() || file.read_exact(&mut head).is_err() {
        return false;
    }
    head[..4].iter().all(|b| b.is_ascii_graphic() || *b == b' ')
        && pos + 8 + u64::from(read_u32(&head, 4)) <= len + 1
}

fn open_riff(
    shown: &str,
    origin: &Origin,
    mut file: Src,
    len: u64,
) -> Result<(AudioInfo, Box<dyn BlockReader>)> {
    let h = parse_wav_header(shown, &mut file, len)?;
    check_format(shown, u32::from(h.channels), h.sample_rate)?;
    let format = wav_format_name(h.format_tag, h.bits);
    let block = u64::from(h.block_align.max(1));
    let available = len - h.data_offset;
    let data_len = if h.data_undercounted {
        available
    } else {
        u64::from(h.data_declared).min(available)
    };
    let frames = data_len / block;
    if u64::from(h.data_declared) > available && !h.data_undercounted {
        tracing::warn!(
            "{shown}: WAV-data korter dan de header meldt (bestand afgebroken?); de aanwezige audio wordt gebruikt / WAV data shorter than its header says (truncated file?); using the audio present"
        );
    }
    let info = AudioInfo {
        sample_rate: h.sample_rate,
        channels: u32::from(h.channels),
        frames: Some(frames),
        format: format.clone(),
    };
    let plain = matches!(
        (h.format_tag, h.bits),
        (TAG_PCM, 8 | 16 | 24 | 32) | (TAG_FLOAT, 32 | 64)
    ) && u64::from(h.block_align) == u64::from(h.channels) * u64::from(h.bits / 8);

    if h.data_undercounted && plain {
        tracing::warn!(
            "{shown}: WAV-header niet afgesloten (opname afgebroken?); alle audio tot het einde van het bestand wordt gelezen / WAV header not finalised (interrupted recording?); reading all audio to the end of the file"
        );
        let reader = RawPcmReader::new(file, h, frames)?;
        return Ok((info, Box::new(reader)));
    }
    file.seek(SeekFrom::Start(0))?;
    let hound_result = guarded(|| hound::WavReader::new(BufReader::with_capacity(1 << 16, file)));
    match hound_result {
        Ok(Ok(reader)) => {
            let spec = reader.spec();
            let kind = match spec.sample_format {
                hound::SampleFormat::Float => WavKind::Float,
                hound::SampleFormat::Int => WavKind::Int(spec.bits_per_sample),
            };
            let r = HoundReader {
                reader,
                kind,
                channels: usize::from(spec.channels),
                buf: Vec::new(),
                ended: false,
                path: shown.to_string(),
            };
            Ok((info, Box::new(r)))
        }
        Ok(Err(hound_err)) => {
            if plain {
                // Hound is strict about data lengths that are not a whole number of frames.
                let file = origin.open()?;
                return Ok((info, Box::new(RawPcmReader::new(file, h, frames)?)));
            }
            // Formats hound does not decode (A-law, µ-law, ADPCM, ...): symphonia.
            check_adpcm(shown, &h)?;
            let file = origin.open()?;
            match SymphoniaReader::open(shown, file, Some("wav")) {
                Ok((mut sinfo, r)) => {
                    sinfo.format = format;
                    if sinfo.frames.is_none() {
                        sinfo.frames = info.frames.filter(|_| h.bits >= 8);
                    }
                    Ok((sinfo, Box::new(r)))
                }
                Err(e) if e.downcast_ref::<UnusableAudio>().is_some() => Err(e),
                Err(_) => Err(unusable(
                    shown,
                    format!("{format} wordt niet ondersteund ({hound_err})"),
                    format!("{format} is not supported ({hound_err})"),
                )),
            }
        }
        Err(_) => Err(unusable(
            shown,
            "de WAV-lezer liep vast op dit bestand",
            "the WAV reader crashed on this file",
        )),
    }
}

/// ADPCM block geometry that symphonia 0.5 would compute with an underflow or a division by
/// zero (a panic in debug builds, a nonsense block size in release builds): refused here.
fn check_adpcm(path: &str, h: &WavHeader) -> Result<()> {
    let per_channel_header = match h.format_tag {
        2 => 7,
        0x11 => 4,
        _ => return Ok(()),
    };
    let channels = u32::from(h.channels);
    if h.bits == 0 || u32::from(h.block_align) <= per_channel_header * channels {
        return Err(unusable(
            path,
            format!(
                "onmogelijke ADPCM-blokgrootte ({} bytes, {} kanalen, {} bits)",
                h.block_align, h.channels, h.bits
            ),
            format!(
                "impossible ADPCM block size ({} bytes, {} channels, {} bits)",
                h.block_align, h.channels, h.bits
            ),
        ));
    }
    Ok(())
}

enum WavKind {
    Int(u16),
    Float,
}

struct HoundReader {
    reader: hound::WavReader<BufReader<Src>>,
    kind: WavKind,
    channels: usize,
    buf: Vec<f32>,
    ended: bool,
    path: String,
}

impl BlockReader for HoundReader {
    fn next_block(&mut self, mix: &mut ChannelMix, mono: &mut Vec<f32>) -> Result<bool> {
        if self.ended {
            return Ok(false);
        }
        let want = WAV_BLOCK_FRAMES * self.channels;
        self.buf.clear();
        let buf = &mut self.buf;
        let reader = &mut self.reader;
        let kind = &self.kind;
        let outcome = guarded(|| -> Result<(), hound::Error> {
            match *kind {
                WavKind::Int(bits) => {
                    let scale = 1.0 / (1u64 << (bits.clamp(1, 32) - 1)) as f32;
                    for s in reader.samples::<i32>().take(want) {
                        buf.push(s? as f32 * scale);
                    }
                }
                WavKind::Float => {
                    for s in reader.samples::<f32>().take(want) {
                        buf.push(s?);
                    }
                }
            }
            Ok(())
        });
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(hound::Error::IoError(e)))
                if e.kind() == std::io::ErrorKind::UnexpectedEof
                    || e.to_string().contains("read enough bytes") =>
            {
                // Data shorter than the header says: keep what is there (already warned).
                self.ended = true;
            }
            Ok(Err(e)) => {
                return Err(unusable(
                    &self.path,
                    format!("WAV-data beschadigd ({e})"),
                    format!("WAV data damaged ({e})"),
                ));
            }
            Err(_) => {
                return Err(unusable(
                    &self.path,
                    "de WAV-lezer liep vast op dit bestand",
                    "the WAV reader crashed on this file",
                ));
            }
        }
        mix.push(&self.buf, self.channels, mono);
        if self.buf.len() < want {
            self.ended = true;
        }
        Ok(!self.ended)
    }
}

/// Plain little-endian PCM/float read straight from the data offset; used when the header's
/// data length cannot be trusted.
struct RawPcmReader {
    file: BufReader<Src>,
    h: WavHeader,
    frames_left: u64,
    bytes: Vec<u8>,
    buf: Vec<f32>,
}

impl RawPcmReader {
    fn new(mut file: Src, h: WavHeader, frames: u64) -> Result<Self> {
        file.seek(SeekFrom::Start(h.data_offset))?;
        Ok(Self {
            file: BufReader::with_capacity(1 << 16, file),
            h,
            frames_left: frames,
            bytes: Vec::new(),
            buf: Vec::new(),
        })
    }
}

impl BlockReader for RawPcmReader {
    fn next_block(&mut self, mix: &mut ChannelMix, mono: &mut Vec<f32>) -> Result<bool> {
        let frames = (WAV_BLOCK_FRAMES as u64).min(self.frames_left) as usize;
        if frames == 0 {
            return Ok(false);
        }
        let block = usize::from(self.h.block_align);
        self.bytes.resize(frames * block, 0);
        self.file.read_exact(&mut self.bytes)?;
        self.frames_left -= frames as u64;
        self.buf.clear();
        let width = usize::from(self.h.bits / 8);
        for s in self.bytes.chunks_exact(width) {
            let v = match (self.h.format_tag, width) {
                (TAG_PCM, 1) => (f32::from(s[0]) - 128.0) / 128.0,
                (TAG_PCM, 2) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
                (TAG_PCM, 3) => {
                    (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0
                }
                (TAG_PCM, 4) => {
                    i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0
                }
                (TAG_FLOAT, 4) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
                (TAG_FLOAT, 8) => {
                    f64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]) as f32
                }
                _ => 0.0,
            };
            self.buf.push(v);
        }
        mix.push(&self.buf, usize::from(self.h.channels), mono);
        Ok(self.frames_left > 0)
    }
}

// ---------------------------------------------------------------------------------------------
// Compressed formats (symphonia)

/// How far symphonia's probe searches for a format marker (`Probe::PROBE_SEARCH_LIMIT`).
const PROBE_SEARCH_LIMIT: u64 = 1 << 20;

/// Reads as much of `buf` as the source holds; returns the count.
fn read_up_to(file: &mut Src, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Bytes per entry of the MP4 sample tables symphonia 0.5 reads into a `Vec` it sizes from
/// the entry count in the file.
fn mp4_table_entry(kind: &[u8]) -> Option<u64> {
    match kind {
        b"stco" | b"stsz" | b"stss" => Some(4),
        b"co64" | b"stts" | b"ctts" => Some(8),
        b"stsc" => Some(12),
        _ => None,
    }
}

/// Refuses an MP4/M4A whose sample table claims more entries than its box (or the file) can
/// hold. symphonia 0.5 reserves memory for the claimed count before reading: a 5 KB file
/// could ask for 34 GB and abort the process (found by fuzzing). Every `ftyp` the probe could
/// find (first 1 MiB) starts a walk over the boxes from there.
fn check_mp4_tables(path: &str, file: &mut Src, len: u64) -> Result<()> {
    const CONTAINERS: [&[u8; 4]; 9] = [
        b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"moof", b"traf",
    ];
    let mut window = vec![0u8; (PROBE_SEARCH_LIMIT + 8).min(len) as usize];
    file.seek(SeekFrom::Start(0))?;
    let n = read_up_to(file, &mut window)?;
    let starts: Vec<u64> = window[..n]
        .windows(4)
        .enumerate()
        .filter(|(i, w)| *i >= 4 && w == b"ftyp")
        .map(|(i, _)| i as u64 - 4)
        .take(8)
        .collect();
    drop(window);
    for start in starts {
        let mut stack = vec![(start, len, 0u32)];
        let mut boxes = 0u32;
        while let Some((mut pos, end, depth)) = stack.pop() {
            while pos < end && end - pos >= 8 && boxes < 100_000 {
                boxes += 1;
                let mut h = [0u8; 20];
                file.seek(SeekFrom::Start(pos))?;
                let got = read_up_to(file, &mut h)?;
                if got < 8 {
                    break;
                }
                let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
                let kind = &h[4..8];
                let (head, size) = match size32 {
                    0 => (8, end - pos),
                    1 if got >= 16 => (16, u64::from_be_bytes(h[8..16].try_into().unwrap())),
                    1 => break,
                    s => (8, u64::from(s)),
                };
                if size < head {
                    break; // malformed: symphonia reports it
                }
                let box_end = pos.saturating_add(size).min(end);
                let body = pos + head;
                if CONTAINERS.iter().any(|c| c[..] == *kind) {
                    if depth < 16 {
                        stack.push((body, box_end, depth + 1));
                    }
                } else if let Some(entry) = mp4_table_entry(kind) {
                    // Full box: version + flags (4), [stsz: sample size (4)], count (4).
                    let mut b = [0u8; 12];
                    file.seek(SeekFrom::Start(body))?;
                    let got = read_up_to(file, &mut b)?;
                    let u = |i: usize| {
                        u64::from(u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]))
                    };
                    let (fixed, count) = if kind == b"stsz" {
                        if got < 12 {
                            break;
                        }
                        // A constant sample size (non-zero) means no table follows.
                        (12, if u(4) == 0 { u(8) } else { 0 })
                    } else {
                        if got < 8 {
                            break;
                        }
                        (8, u(4))
                    };
                    if body + fixed + count * entry > box_end {
                        let kind = String::from_utf8_lossy(kind).into_owned();
                        return Err(unusable(
                            path,
                            format!(
                                "MP4-tabel {kind} meldt {count} items die niet in het bestand passen"
                            ),
                            format!(
                                "MP4 table {kind} claims {count} entries that do not fit in the file"
                            ),
                        ));
                    }
                }
                if size32 == 0 {
                    break;
                }
                pos = pos.saturating_add(size);
            }
        }
    }
    Ok(())
}

struct SymphoniaReader {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
    rate: u32,
    sample_buf: Option<SampleBuffer<f32>>,
    /// First decoded block (interleaved, with its channel count), kept from `open` (where it
    /// was decoded to learn rate/channels).
    first: Option<(Vec<f32>, usize)>,
    /// The last decoded block, interleaved.
    frames: Vec<f32>,
    ended: bool,
    path: String,
}

/// One step of the packet loop.
enum Step {
    Block,
    End,
}

impl SymphoniaReader {
    fn open(path: &str, file: Src, ext: Option<&str>) -> Result<(AudioInfo, SymphoniaReader)> {
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = ext {
            hint.with_extension(ext);
        }
        let fmt_opts = FormatOptions {
            enable_gapless: true,
            ..Default::default()
        };
        let probed = guarded(|| {
            symphonia::default::get_probe().format(
                &hint,
                mss,
                &fmt_opts,
                &MetadataOptions::default(),
            )
        })
        .map_err(|_| {
            anyhow::anyhow!("de container-lezer liep vast / the container reader crashed")
        })?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let format = probed.format;
        let Some(track) = format
            .default_track()
            .filter(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .or_else(|| {
                format
                    .tracks()
                    .iter()
                    .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            })
        else {
            return Err(unusable(
                path,
                "het bestand bevat geen audiospoor",
                "the file has no audio track",
            ));
        };
        let params = track.codec_params.clone();
        let track_id = track.id;
        let codec_name = symphonia::default::get_codecs()
            .get_codec(params.codec)
            .map(|d| d.short_name.to_string())
            .unwrap_or_else(|| "onbekend/unknown".into());
        if let Some(ch) = params.channels {
            check_format(
                path,
                ch.count() as u32,
                params.sample_rate.unwrap_or(MIN_RATE),
            )?;
        }
        if let Some(rate) = params.sample_rate {
            check_format(path, 1, rate)?;
        }
        let decoder =
            guarded(|| symphonia::default::get_codecs().make(&params, &DecoderOptions::default()))
                .map_err(|_| anyhow::anyhow!("de decoder liep vast / the decoder crashed"))?
                .map_err(|e| {
                    unusable(
                        path,
                        format!("codec {codec_name} wordt niet ondersteund ({e})"),
                        format!("codec {codec_name} is not supported ({e})"),
                    )
                })?;
        let mut reader = SymphoniaReader {
            format,
            decoder,
            track_id,
            rate: 0,
            sample_buf: None,
            first: None,
            frames: Vec::new(),
            ended: false,
            path: path.to_string(),
        };
        // Decode the first block: it tells the real rate and channel count and proves that the
        // stream decodes at all.
        let mut first = Vec::new();
        let (rate, channels) = match reader.step(&mut first)? {
            (Step::Block, Some(spec)) => spec,
            _ => {
                return Err(unusable(
                    path,
                    format!("geen decodeerbare audio gevonden ({codec_name})"),
                    format!("no decodable audio found ({codec_name})"),
                ));
            }
        };
        check_format(path, channels, rate)?;
        reader.rate = rate;
        reader.first = Some((first, channels as usize));
        let frames = params.n_frames.filter(|_| params.sample_rate == Some(rate));
        let info = AudioInfo {
            sample_rate: rate,
            channels,
            frames,
            format: codec_name,
        };
        Ok((info, reader))
    }

    /// Decode the next packet of our track into `frames` (interleaved); returns the block's
    /// (rate, channels).
    fn step(&mut self, frames_out: &mut Vec<f32>) -> Result<(Step, Option<(u32, u32)>)> {
        let mut bad = 0u32;
        loop {
            let packet = match guarded(|| self.format.next_packet()) {
                Err(_) => {
                    return Err(unusable(
                        &self.path,
                        "de container-lezer liep vast op dit bestand",
                        "the container reader crashed on this file",
                    ));
                }
                Ok(Ok(p)) => p,
                Ok(Err(SymError::IoError(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok((Step::End, None));
                }
                Ok(Err(SymError::ResetRequired)) => {
                    tracing::warn!(
                        "{}: stroom wijzigt halverwege; gestopt / stream changes midway; stopped",
                        self.path
                    );
                    return Ok((Step::End, None));
                }
                Ok(Err(e)) => {
                    bad += 1;
                    if bad > MAX_BAD_PACKETS {
                        return Err(anyhow::anyhow!("{e}"));
                    }
                    continue;
                }
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            let decoded = guarded(|| match self.decoder.decode(&packet) {
                Ok(buf) => {
                    let spec = *buf.spec();
                    let frames = buf.frames();
                    let channels = spec.channels.count();
                    if frames == 0 || channels == 0 {
                        return Ok(Some((spec.rate, channels as u32)));
                    }
                    let need = buf.capacity();
                    let sb = match &mut self.sample_buf {
                        Some(sb) if sb.capacity() >= need * channels => sb,
                        slot => slot.insert(SampleBuffer::<f32>::new(need as u64, spec)),
                    };
                    sb.copy_interleaved_ref(buf);
                    frames_out.extend_from_slice(sb.samples());
                    Ok(Some((spec.rate, channels as u32)))
                }
                Err(SymError::DecodeError(_)) => Ok(None),
                Err(e) => Err(e),
            });
            match decoded {
                Err(_) => {
                    return Err(unusable(
                        &self.path,
                        "de decoder liep vast op dit bestand",
                        "the decoder crashed on this file",
                    ));
                }
                Ok(Ok(Some((rate, channels)))) => {
                    if self.rate != 0 && rate != self.rate {
                        return Err(unusable(
                            &self.path,
                            format!(
                                "samplefrequentie wisselt halverwege ({} -> {rate} Hz)",
                                self.rate
                            ),
                            format!("sample rate changes midway ({} -> {rate} Hz)", self.rate),
                        ));
                    }
                    if channels == 0 {
                        continue;
                    }
                    return Ok((Step::Block, Some((rate, channels))));
                }
                Ok(Ok(None)) => {
                    bad += 1;
                    if bad > MAX_BAD_PACKETS {
                        return Err(anyhow::anyhow!(
                            "te veel onleesbare pakketten / too many undecodable packets"
                        ));
                    }
                }
                Ok(Err(SymError::IoError(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok((Step::End, None));
                }
                Ok(Err(e)) => return Err(anyhow::anyhow!("{e}")),
            }
        }
    }
}

impl BlockReader for SymphoniaReader {
    fn next_block(&mut self, mix: &mut ChannelMix, mono: &mut Vec<f32>) -> Result<bool> {
        if let Some((first, channels)) = self.first.take() {
            mix.push(&first, channels, mono);
            return Ok(true);
        }
        if self.ended {
            return Ok(false);
        }
        let mut frames = std::mem::take(&mut self.frames);
        frames.clear();
        let step = self.step(&mut frames);
        if let Ok((Step::Block, Some((_, channels)))) = &step {
            mix.push(&frames, *channels as usize, mono);
        }
        self.frames = frames;
        match step? {
            (Step::Block, _) => Ok(true),
            (Step::End, _) => {
                self.ended = true;
                Ok(false)
            }
        }
    }
}
