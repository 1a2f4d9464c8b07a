//! The writers of an encrypted session: [`SealedJournalFile`] (behind [`super::Journal`]) and
//! [`SealedWav`] (behind [`super::audio_writer::AudioWriter`]), both appending sealed records
//! ([`super::records`]) so the live pipeline's code is the same for plain and encrypted
//! sessions.
//!
//! Audio records hold a fixed [`AUDIO_RECORD_SAMPLES`] samples (16-bit little endian), except
//! the last one of a writer, so a record's position in the file follows from its number.
//! [`SealedWav`] looks like a WAV file to `hound`: the 44-byte header `hound` writes (and
//! rewrites on every flush) is absorbed (the sample rate lives in the file header), and the
//! sample bytes become records. A write that fails (disk full) takes nothing, and the file is
//! cut back to its last whole record, so a later retry continues cleanly.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::Result;
use zeroize::Zeroizing;

use super::crypt::DataKey;
use super::records::{Kind, MAX_PLAIN, RecordWriter};

/// Samples per audio record (0.5 s at 16 kHz).
pub const AUDIO_RECORD_SAMPLES: usize = 8000;
const AUDIO_RECORD_BYTES: usize = AUDIO_RECORD_SAMPLES * 2;
/// Length of the canonical header `hound` writes for mono 16-bit PCM.
const WAV_HEADER: u64 = 44;

/// Appends journal bytes as sealed records (one record per `write`, at most [`MAX_PLAIN`]).
pub struct SealedJournalFile {
    rec: RecordWriter,
}

impl SealedJournalFile {
    /// A new encrypted journal file.
    pub fn create(path: &Path, key: &DataKey) -> Result<SealedJournalFile> {
        Ok(SealedJournalFile {
            rec: RecordWriter::create(path, key, Kind::Journal, 0)?,
        })
    }

    /// An existing encrypted journal, to append to (a torn tail is cut).
    pub fn append_to(path: &Path, key: &DataKey) -> Result<SealedJournalFile> {
        Ok(SealedJournalFile {
            rec: RecordWriter::append_to(path, key, Kind::Journal)?,
        })
    }
}

impl Write for SealedJournalFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(MAX_PLAIN);
        self.rec.write_record(&buf[..n])?;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl super::journal::JournalFile for SealedJournalFile {
    fn sync(&mut self) -> std::io::Result<()> {
        self.rec.sync()
    }
}

/// An encrypted audio file that `hound::WavWriter` can write to (see the module docs).
pub struct SealedWav {
    rec: RecordWriter,
    /// Position in the WAV byte stream `hound` believes it writes.
    pos: u64,
    /// End of that stream (header + sample bytes accepted).
    end: u64,
    /// Sample bytes not sealed yet (less than one record, or a full one a failed write kept).
    pending: Zeroizing<Vec<u8>>,
}

impl SealedWav {
    /// A new encrypted audio file at `sample_rate`.
    pub fn create(path: &Path, key: &DataKey, sample_rate: u32) -> Result<SealedWav> {
        Ok(SealedWav::on(RecordWriter::create(
            path,
            key,
            Kind::Audio,
            sample_rate,
        )?))
    }

    /// An existing encrypted audio file, to append to (a torn tail is cut).
    pub fn append_to(path: &Path, key: &DataKey) -> Result<SealedWav> {
        Ok(SealedWav::on(RecordWriter::append_to(
            path,
            key,
            Kind::Audio,
        )?))
    }

    fn on(rec: RecordWriter) -> SealedWav {
        SealedWav {
            rec,
            pos: 0,
            end: WAV_HEADER,
            pending: Zeroizing::new(Vec::with_capacity(AUDIO_RECORD_BYTES)),
        }
    }

    /// The sample rate in the file header.
    pub fn sample_rate(&self) -> u32 {
        self.rec.header().param
    }

    /// Seals `pending` when it holds a whole record (or, with `all`, anything).
    fn seal_pending(&mut self, all: bool) -> std::io::Result<()> {
        if self.pending.len() >= AUDIO_RECORD_BYTES || (all && !self.pending.is_empty()) {
            self.rec.write_record(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }
}

impl Write for SealedWav {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos < WAV_HEADER {
            // Header bytes: absorbed.
            let n = buf.len().min((WAV_HEADER - self.pos) as usize);
            self.pos += n as u64;
            return Ok(n);
        }
        if self.pos != self.end {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "encrypted audio is append-only",
            ));
        }
        // A whole record kept by an earlier failure goes first; failing again takes nothing.
        self.seal_pending(false)?;
        let n = buf.len().min(AUDIO_RECORD_BYTES - self.pending.len());
        self.pending.extend_from_slice(&buf[..n]);
        self.pos += n as u64;
        self.end += n as u64;
        // A failure here is reported by the next write or flush (the bytes are kept).
        let _ = self.seal_pending(false);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.seal_pending(false)?;
        self.rec.sync()
    }
}

impl Seek for SealedWav {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.end.checked_add_signed(d),
        };
        match target {
            Some(t) if t <= self.end => {
                self.pos = t;
                Ok(t)
            }
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek outside the encrypted audio",
            )),
        }
    }
}

impl Drop for SealedWav {
    /// The last, shorter record is written when the writer is finished (dropped).
    fn drop(&mut self) {
        if self.seal_pending(true).is_ok() {
            let _ = self.rec.sync();
        }
    }
}
