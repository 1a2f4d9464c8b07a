//! Reading a session's audio, plain (`audio.wav`) or encrypted (`audio.enc`), with seeking:
//! [`SessionAudio`] (get one with [`super::Session::audio`]); and a microphone array's kept
//! channels read together and made one channel as a multi-channel file is
//! ([`SessionChannelsSource`], over [`super::Session::channel_audio`]).
//!
//! An encrypted file is indexed when opened (one 4-byte length read per record, no
//! decryption); a read decrypts only the records it touches and keeps the last one, so
//! playback from any point costs one record (0.5 s of audio) per half second played.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use super::crypt::{DataKey, SEAL_OVERHEAD};
use super::records::{FileHeader, HEADER_LEN, Kind, scan};
use observant_audio::beam::ChannelMix;
use observant_audio::source::{AudioSource, SourceRead};

/// A session's recorded audio: mono, 16-bit, at [`SessionAudio::sample_rate`].
pub struct SessionAudio {
    inner: Inner,
    rate: u32,
    len: u64,
    torn: bool,
}

enum Inner {
    Wav(Pcm16),
    Sealed(Box<Sealed>),
}

/// A 16-bit PCM WAV's samples, read as bytes from where its data chunk starts (hound
/// checked the header): one seek per call and block reads instead of a call per sample.
struct Pcm16 {
    file: BufReader<File>,
    data_start: u64,
    bytes: Vec<u8>,
}

impl Pcm16 {
    /// Fills `out` from sample `offset`, through a buffer of at most 64 Ki samples.
    fn read(&mut self, offset: u64, out: &mut [f32]) -> Result<()> {
        const CHUNK: usize = 1 << 16;
        let unreadable = "audio onleesbaar / audio unreadable";
        self.file
            .seek(SeekFrom::Start(self.data_start + 2 * offset))
            .context(unreadable)?;
        for part in out.chunks_mut(CHUNK) {
            self.bytes.resize(part.len() * 2, 0);
            self.file.read_exact(&mut self.bytes).context(unreadable)?;
            for (o, b) in part.iter_mut().zip(self.bytes.chunks_exact(2)) {
                *o = f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0;
            }
        }
        Ok(())
    }
}

struct Sealed {
    file: File,
    header: FileHeader,
    key: DataKey,
    /// Per record: offset of its sealed bytes, their length, its first sample.
    index: Vec<(u64, u32, u64)>,
    /// The last record decrypted (number, little-endian samples).
    cache: Option<(usize, Zeroizing<Vec<u8>>)>,
}

impl Sealed {
    fn record(&mut self, i: usize) -> Result<&[u8]> {
        if self.cache.as_ref().is_none_or(|(n, _)| *n != i) {
            let (off, n, _) = self.index[i];
            let mut sealed = vec![0u8; n as usize];
            self.file.seek(SeekFrom::Start(off))?;
            self.file
                .read_exact(&mut sealed)
                .context("audio onleesbaar / audio unreadable")?;
            let plain = self.header.open_record(&self.key, i as u64, &sealed)?;
            if plain.len() % 2 != 0 {
                bail!("audio beschadigd / audio damaged (record {i})");
            }
            self.cache = Some((i, plain));
        }
        Ok(self.cache.as_ref().map(|(_, p)| &p[..]).unwrap_or_default())
    }
}

impl SessionAudio {
    /// Opens a plain session WAV (16-bit mono, as the session writer makes it).
    pub fn open_wav(path: &Path) -> Result<SessionAudio> {
        let r = hound::WavReader::open(path).with_context(|| {
            format!(
                "kan audio niet openen / cannot open audio: {}",
                path.display()
            )
        })?;
        let spec = r.spec();
        if spec.channels != 1
            || spec.bits_per_sample != 16
            || spec.sample_format != hound::SampleFormat::Int
        {
            bail!(
                "sessie-audio is geen 16-bit mono / session audio is not 16-bit mono: {}",
                path.display()
            );
        }
        let len = u64::from(r.duration());
        // hound leaves its reader at the first sample of the data chunk.
        let mut file = r.into_inner();
        let data_start = file.stream_position().with_context(|| {
            format!(
                "kan audio niet openen / cannot open audio: {}",
                path.display()
            )
        })?;
        Ok(SessionAudio {
            rate: spec.sample_rate,
            len,
            inner: Inner::Wav(Pcm16 {
                file,
                data_start,
                bytes: Vec::new(),
            }),
            torn: false,
        })
    }

    /// Opens an encrypted session audio file with the session's data key.
    pub fn open_sealed(path: &Path, key: &DataKey) -> Result<SessionAudio> {
        let ctx = || {
            format!(
                "kan audio niet openen / cannot open audio: {}",
                path.display()
            )
        };
        let mut file = File::open(path).with_context(ctx)?;
        let flen = file.metadata().with_context(ctx)?.len();
        let mut head = [0u8; HEADER_LEN];
        file.read_exact(&mut head)
            .map_err(anyhow::Error::from)
            .with_context(ctx)?;
        let header = FileHeader::parse(&head).with_context(ctx)?;
        if header.kind != Kind::Audio || header.param == 0 {
            bail!("geen sessie-audio / not session audio: {}", path.display());
        }
        let s = {
            let mut br = BufReader::with_capacity(64, &mut file);
            scan(&mut br, flen).with_context(ctx)?
        };
        let mut index = Vec::with_capacity(s.records.len());
        let mut first = 0u64;
        for &(off, n) in &s.records {
            index.push((off, n, first));
            first += (n as u64 - SEAL_OVERHEAD as u64) / 2;
        }
        let mut sealed = Sealed {
            file,
            header: header.clone(),
            key: key.clone(),
            index,
            cache: None,
        };
        // Check the key on the first record now rather than in the middle of playback.
        if !sealed.index.is_empty() {
            sealed.record(0).with_context(ctx)?;
        }
        Ok(SessionAudio {
            rate: header.param,
            len: first,
            inner: Inner::Sealed(Box::new(sealed)),
            torn: s.torn,
        })
    }

    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Total number of samples.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Length in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.len as f64 / f64::from(self.rate.max(1))
    }

    /// The encrypted file ended in a torn record (the app was killed), which was ignored.
    pub fn recovered_torn_tail(&self) -> bool {
        self.torn
    }

    /// Reads samples (in -1..1) starting at sample `offset` into `out`; returns how many were
    /// read: `out.len()` unless the audio ends first (0 at or after the end).
    pub fn read(&mut self, offset: u64, out: &mut [f32]) -> Result<usize> {
        if offset >= self.len || out.is_empty() {
            return Ok(0);
        }
        let want = out.len().min((self.len - offset) as usize);
        match &mut self.inner {
            Inner::Wav(r) => r.read(offset, &mut out[..want])?,
            Inner::Sealed(s) => {
                let mut done = 0usize;
                while done < want {
                    let at = offset + done as u64;
                    let i = s.index.partition_point(|&(_, _, first)| first <= at) - 1;
                    let first = s.index[i].2;
                    let bytes = s.record(i)?;
                    let skip = (at - first) as usize;
                    let avail = bytes.len() / 2 - skip;
                    let n = avail.min(want - done);
                    for (k, o) in out[done..done + n].iter_mut().enumerate() {
                        let b = 2 * (skip + k);
                        *o = f32::from(i16::from_le_bytes([bytes[b], bytes[b + 1]])) / 32768.0;
                    }
                    done += n;
                }
            }
        }
        Ok(want)
    }

    /// All samples.
    pub fn read_all(&mut self) -> Result<Vec<f32>> {
        let n = usize::try_from(self.len).context("audio te lang / audio too long")?;
        let mut out = vec![0.0f32; n];
        let got = self.read(0, &mut out)?;
        out.truncate(got);
        Ok(out)
    }

    /// The audio as an [`AudioSource`] from the start (it must be at 16 kHz).
    pub fn into_source(self) -> Result<SessionAudioSource> {
        self.into_source_from(0)
    }

    /// The audio as an [`AudioSource`] from sample `start` on (it must be at 16 kHz).
    pub fn into_source_from(self, start: u64) -> Result<SessionAudioSource> {
        if self.rate != 16000 {
            bail!(
                "sessie-audio is niet 16 kHz / session audio is not 16 kHz ({} Hz)",
                self.rate
            );
        }
        Ok(SessionAudioSource {
            pos: start.min(self.len),
            start: start.min(self.len),
            audio: self,
        })
    }
}

/// A session's audio read from start to end (for transcribing a saved session again).
pub struct SessionAudioSource {
    audio: SessionAudio,
    pos: u64,
    start: u64,
}

impl AudioSource for SessionAudioSource {
    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead> {
        out.clear();
        out.resize(16000, 0.0);
        let n = self.audio.read(self.pos, out)?;
        out.truncate(n);
        self.pos += n as u64;
        Ok(if n == 0 {
            SourceRead::End
        } else {
            SourceRead::Samples(n)
        })
    }
    fn describe(&self) -> String {
        "session audio".into()
    }
    fn total_samples(&self) -> Option<u64> {
        Some(self.audio.len() - self.start)
    }
}

/// The channels of a multi-channel microphone ([`super::Session::channel_audio`]) read
/// together and made one channel the way a multi-channel file is
/// ([`ChannelMix`]: lined up and summed, dereverberated first when asked), for the second pass.
pub struct SessionChannelsSource {
    channels: Vec<SessionAudio>,
    mix: ChannelMix,
    pos: u64,
    len: u64,
    block: Vec<f32>,
    interleaved: Vec<f32>,
    ended: bool,
}

impl SessionChannelsSource {
    /// All `channels` (two or more, 16 kHz), dereverberated before they are lined up when
    /// `dereverb` is set.
    pub fn new(channels: Vec<SessionAudio>, dereverb: bool) -> Result<SessionChannelsSource> {
        if channels.len() < 2 {
            bail!("minder dan twee kanalen / fewer than two channels");
        }
        if let Some(a) = channels.iter().find(|a| a.rate != 16000) {
            bail!(
                "sessie-audio is niet 16 kHz / session audio is not 16 kHz ({} Hz)",
                a.rate
            );
        }
        let len = channels.iter().map(SessionAudio::len).min().unwrap_or(0);
        Ok(SessionChannelsSource {
            channels,
            mix: ChannelMix::new(16000).with_dereverb(dereverb),
            pos: 0,
            len,
            block: Vec::new(),
            interleaved: Vec::new(),
            ended: false,
        })
    }

    /// How many channels are read.
    pub fn channels(&self) -> usize {
        self.channels.len()
    }
}

impl AudioSource for SessionChannelsSource {
    fn read(&mut self, out: &mut Vec<f32>) -> Result<SourceRead> {
        out.clear();
        if self.ended {
            return Ok(SourceRead::End);
        }
        let n = (self.len - self.pos).min(16000) as usize;
        if n == 0 {
            self.ended = true;
            self.mix.flush(out);
        } else {
            let c = self.channels.len();
            self.interleaved.clear();
            self.interleaved.resize(n * c, 0.0);
            for (k, a) in self.channels.iter_mut().enumerate() {
                self.block.clear();
                self.block.resize(n, 0.0);
                let got = a.read(self.pos, &mut self.block)?;
                for (i, &s) in self.block[..got].iter().enumerate() {
                    self.interleaved[i * c + k] = s;
                }
            }
            self.pos += n as u64;
            self.mix.push(&self.interleaved, c, out);
        }
        Ok(match (out.is_empty(), self.ended) {
            (false, _) => SourceRead::Samples(out.len()),
            (true, true) => SourceRead::End,
            (true, false) => SourceRead::Pending,
        })
    }
    fn describe(&self) -> String {
        format!("session audio ({} channels)", self.channels.len())
    }
    fn total_samples(&self) -> Option<u64> {
        Some(self.len)
    }
    fn dereverberated(&self) -> bool {
        self.mix.dereverbs()
    }
    fn dereverb_seconds(&self) -> f64 {
        self.mix.dereverb_seconds()
    }
}
