//! Writes captured audio to the session's WAV file as it arrives (16 kHz mono 16-bit), so a
//! crash never loses more than the last unflushed second. [`repair_wav`] fixes the header of
//! a file whose writer was killed (the data is there; only the sizes in the header are stale).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

/// What the WAV is written to: the session's file, or (in tests) a file that fails like a
/// full disk.
pub trait WavFile: Write + Seek + Send {}

impl<T: Write + Seek + Send> WavFile for T {}

/// Streaming WAV writer with a counted number of samples.
pub struct AudioWriter {
    inner: hound::WavWriter<std::io::BufWriter<Box<dyn WavFile>>>,
    written: u64,
}

impl AudioWriter {
    /// Creates the file (owner-only permissions).
    pub fn create(path: &Path, sample_rate: u32) -> Result<AudioWriter> {
        let f = super::create_private(path)?;
        AudioWriter::on(Box::new(f), sample_rate).with_context(|| {
            format!(
                "kan audio niet schrijven / cannot write audio: {}",
                path.display()
            )
        })
    }

    /// A writer on an open, empty file.
    pub fn on(file: Box<dyn WavFile>, sample_rate: u32) -> Result<AudioWriter> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let inner = hound::WavWriter::new(std::io::BufWriter::new(file), spec)?;
        Ok(AudioWriter { inner, written: 0 })
    }

    /// Appends samples in -1..1. On an error (disk full) the samples before the failing one
    /// were taken: [`AudioWriter::written`] says how many in total, so a caller can keep the
    /// rest and offer them again later.
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        for &s in samples {
            let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            self.inner
                .write_sample(v)
                .context("audio kon niet worden opgeslagen (schijf vol?) / audio could not be saved (disk full?)")?;
            self.written += 1;
        }
        Ok(())
    }

    /// Flushes buffered samples and refreshes the header, so the file is valid as it is.
    pub fn flush(&mut self) -> Result<()> {
        self.inner
            .flush()
            .context("audio kon niet worden opgeslagen (schijf vol?) / audio could not be saved (disk full?)")
    }

    /// Samples written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Finishes the file.
    pub fn finish(self) -> Result<u64> {
        let n = self.written;
        self.inner
            .finalize()
            .context("audio kon niet worden afgesloten / audio could not be finalised")?;
        Ok(n)
    }
}

/// Repairs the RIFF and data sizes of a canonical 44-byte-header PCM WAV whose writer died.
/// Returns the number of whole samples in the file.
pub fn repair_wav(path: &Path) -> Result<u64> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| {
            format!(
                "kan audio niet openen / cannot open audio: {}",
                path.display()
            )
        })?;
    let len = f.metadata()?.len();
    let mut head = [0u8; 44];
    if len < 44 || f.read_exact(&mut head).is_err() {
        bail!(
            "audiobestand te kort / audio file too short: {}",
            path.display()
        );
    }
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" || &head[36..40] != b"data" {
        bail!(
            "geen herstelbaar WAV-bestand / not a repairable WAV file: {}",
            path.display()
        );
    }
    let block = u16::from_le_bytes([head[32], head[33]]).max(1) as u64;
    let data = (len - 44) / block * block;
    f.seek(SeekFrom::Start(4))?;
    f.write_all(&((36 + data) as u32).to_le_bytes())?;
    f.seek(SeekFrom::Start(40))?;
    f.write_all(&(data as u32).to_le_bytes())?;
    f.set_len(44 + data)?;
    f.sync_all()?;
    Ok(data / block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_samples_read_back_and_a_killed_writer_is_repaired() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.wav");
        let mut w = AudioWriter::create(&p, 16000).unwrap();
        let tone: Vec<f32> = (0..16000).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
        w.write(&tone).unwrap();
        w.flush().unwrap();
        w.write(&tone[..8000]).unwrap();
        // Kill: the inner BufWriter is leaked without finalising.
        w.inner.flush().unwrap();
        std::mem::forget(w);
        let n = repair_wav(&p).unwrap();
        assert_eq!(n, 24000);
        let r = hound::WavReader::open(&p).unwrap();
        assert_eq!(r.len(), 24000);
    }
}
