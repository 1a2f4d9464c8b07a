//! Keeps the captured audio: writes it to the session's WAV file as it arrives and, when the
//! disk refuses it (full, or failing), holds it in memory up to a bound while retrying about
//! once a second. A short disk-full episode loses nothing; a long one loses only what did not
//! fit in memory, and that stretch is written as silence once the disk is back, so a position
//! in the file stays the same position in the session (as capture does with an overflow).
//!
//! Pure bookkeeping around [`AudioWriter`], driven by the live pipeline's segmenter stage,
//! which turns the [`DiskNews`] into events for the UI. At the end the WAV header is repaired
//! from the file's real length, so what reached the disk is always a valid file.
//!
//! [`ChannelFiles`] keeps a microphone array's channels beside the recording, each in its own
//! file, for the second pass; a copy that gives way to the recording when the disk refuses it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use observant_store::session::audio_writer::{AudioWriter, repair_wav};

const RATE: f64 = 16000.0;

/// A change in the disk's state worth telling the user.
#[derive(Debug, Clone, PartialEq)]
pub enum DiskNews {
    /// Writing failed; audio is now held in memory (`held_seconds` so far).
    Failing { message: String, held_seconds: f64 },
    /// Everything held was written; `lost_seconds` did not fit in memory and became silence.
    Recovered { lost_seconds: f64 },
}

/// The session's audio file with an in-memory reserve; see the module docs.
pub struct AudioKeeper {
    writer: AudioWriter,
    /// The file, for repairing its header at the end.
    path: Option<PathBuf>,
    /// Samples the writer has not taken yet (oldest first).
    held: Vec<f32>,
    /// Most samples held in memory.
    limit: usize,
    /// Samples that did not fit in memory during the current episode (written as silence).
    dropped: u64,
    /// Samples lost over the whole session.
    dropped_total: u64,
    trouble: Option<String>,
    last_try: Instant,
    retry_every: Duration,
    delivered: u64,
}

impl AudioKeeper {
    /// Keeps audio through `writer` (on `path` when it is a file), holding at most
    /// `limit_seconds` in memory while the disk refuses it.
    pub fn new(writer: AudioWriter, path: Option<PathBuf>, limit_seconds: f64) -> AudioKeeper {
        AudioKeeper {
            writer,
            path,
            held: Vec::new(),
            limit: (limit_seconds.max(0.0) * RATE) as usize,
            dropped: 0,
            dropped_total: 0,
            trouble: None,
            last_try: Instant::now(),
            retry_every: Duration::from_secs(1),
            delivered: 0,
        }
    }

    /// Retry (and flush) interval; one second by default.
    pub fn retry_every(mut self, every: Duration) -> AudioKeeper {
        self.retry_every = every;
        self
    }

    /// Samples given to the keeper so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Samples the file has taken so far (in the file or its write buffer).
    pub fn written(&self) -> u64 {
        self.writer.written()
    }

    /// Samples waiting in memory for the disk.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Samples lost because memory ran out while the disk was failing (over the session).
    pub fn lost(&self) -> u64 {
        self.dropped_total
    }

    /// The current disk problem, if any.
    pub fn trouble(&self) -> Option<&str> {
        self.trouble.as_deref()
    }

    /// Takes the next captured samples.
    pub fn write(&mut self, samples: &[f32]) -> Option<DiskNews> {
        self.delivered += samples.len() as u64;
        if self.trouble.is_some() {
            self.hold(samples);
            return None;
        }
        let before = self.writer.written();
        match self.writer.write(samples) {
            Ok(()) => None,
            Err(e) => {
                let took = (self.writer.written() - before) as usize;
                self.hold(&samples[took.min(samples.len())..]);
                Some(self.failing(&e))
            }
        }
    }

    fn failing(&mut self, e: &anyhow::Error) -> DiskNews {
        let message = observant_model::error::one_line(e);
        self.trouble = Some(message.clone());
        self.last_try = Instant::now();
        DiskNews::Failing {
            message,
            held_seconds: self.held.len() as f64 / RATE,
        }
    }

    fn hold(&mut self, samples: &[f32]) {
        // Once something was dropped, later audio must wait behind the silence that stands in
        // for it; memory is full anyway.
        let room = if self.dropped > 0 {
            0
        } else {
            self.limit.saturating_sub(self.held.len())
        };
        let take = room.min(samples.len());
        self.held.extend_from_slice(&samples[..take]);
        let rest = (samples.len() - take) as u64;
        self.dropped += rest;
        self.dropped_total += rest;
    }

    /// Call often (every read of the source): flushes the file about once a second when all is
    /// well, retries the disk about once a second when it is not.
    pub fn tick(&mut self, now: Instant) -> Option<DiskNews> {
        if now.duration_since(self.last_try) < self.retry_every {
            return None;
        }
        self.flush_now()
    }

    /// Flushes the file (or retries the failing disk) now.
    pub fn flush_now(&mut self) -> Option<DiskNews> {
        self.last_try = Instant::now();
        if self.trouble.is_none() {
            return match self.writer.flush() {
                Ok(()) => None,
                Err(e) => Some(self.failing(&e)),
            };
        }
        self.retry()
    }

    fn retry(&mut self) -> Option<DiskNews> {
        if !self.held.is_empty() {
            let before = self.writer.written();
            let result = self.writer.write(&self.held);
            let took = ((self.writer.written() - before) as usize).min(self.held.len());
            self.held.drain(..took);
            if result.is_err() {
                return None;
            }
        }
        let zeros = vec![0.0f32; 16000];
        while self.dropped > 0 {
            let n = self.dropped.min(zeros.len() as u64) as usize;
            let before = self.writer.written();
            let result = self.writer.write(&zeros[..n]);
            self.dropped -= self.writer.written() - before;
            if result.is_err() {
                return None;
            }
        }
        if self.writer.flush().is_err() {
            return None;
        }
        self.trouble = None;
        Some(DiskNews::Recovered {
            lost_seconds: self.dropped_total as f64 / RATE,
        })
    }

    /// Ends the file: a last try to write what is held, then the header. Returns the samples
    /// that are in the file (after repairing its header from its real length) and the error,
    /// if the disk refused the end.
    pub fn finish(mut self) -> (u64, Option<String>) {
        if self.trouble.is_some() {
            self.retry();
        }
        let mut error = self.trouble.clone();
        let claimed = match self.writer.finish() {
            Ok(n) => n,
            Err(e) => {
                error.get_or_insert_with(|| observant_model::error::one_line(&e));
                0
            }
        };
        match &self.path {
            Some(p) => match repair_wav(p) {
                Ok(n) => (n, error),
                Err(e) => (
                    claimed,
                    error.or_else(|| Some(observant_model::error::one_line(&e))),
                ),
            },
            None => (claimed, error),
        }
    }
}

/// The microphone's channels, each in its own file beside the recording
/// (`Session::create_channel_writers`), for the second pass. They are a copy, so they give
/// way to the recording: when the disk refuses them they are deleted at once (which frees
/// space for the recording) and the second pass uses the recording alone. Channels that were
/// the same throughout (a mono microphone a sound server hands over twice) are deleted at the
/// end: the recording holds exactly that (the beamformer passes it through bit for bit).
pub struct ChannelFiles {
    writers: Vec<AudioWriter>,
    paths: Vec<PathBuf>,
    one: Vec<f32>,
    last_flush: Instant,
    /// Whether any frame so far had channels that differ.
    distinct: bool,
}

impl ChannelFiles {
    /// Writes channel `k` of the frames given to `writers[k]`, whose file is `paths[k]`.
    pub fn new(writers: Vec<AudioWriter>, paths: Vec<PathBuf>) -> ChannelFiles {
        ChannelFiles {
            writers,
            paths,
            one: Vec::new(),
            last_flush: Instant::now(),
            distinct: false,
        }
    }

    /// The number of channels.
    pub fn channels(&self) -> usize {
        self.writers.len()
    }

    /// Appends interleaved frames; an error (the files are then deleted) ends the copies.
    pub fn write(&mut self, interleaved: &[f32]) -> Result<(), String> {
        let c = self.writers.len().max(1);
        if !self.distinct {
            self.distinct = interleaved
                .chunks_exact(c)
                .any(|f| f.iter().any(|&v| v != f[0]));
        }
        for (k, w) in self.writers.iter_mut().enumerate() {
            self.one.clear();
            self.one
                .extend(interleaved.iter().skip(k).step_by(c).copied());
            if let Err(e) = w.write(&self.one) {
                return Err(observant_model::error::one_line(&e));
            }
        }
        Ok(())
    }

    /// Flushes about once a second (at once with `force`), as the recording is.
    pub fn tick(&mut self, now: Instant, force: bool) -> Result<(), String> {
        if !force && now.duration_since(self.last_flush) < Duration::from_secs(1) {
            return Ok(());
        }
        self.last_flush = now;
        for w in &mut self.writers {
            w.flush()
                .map_err(|e| observant_model::error::one_line(&e))?;
        }
        Ok(())
    }

    /// Ends the files (their headers written); `Ok(false)`: the channels were one and the
    /// same throughout, so the files were deleted.
    pub fn finish(self) -> Result<bool, String> {
        if !self.distinct {
            self.abandon();
            return Ok(false);
        }
        let paths = self.paths;
        for w in self.writers {
            if let Err(e) = w.finish() {
                remove_all(&paths);
                return Err(observant_model::error::one_line(&e));
            }
        }
        Ok(true)
    }

    /// Gives up the copies: the files are deleted.
    pub fn abandon(self) {
        drop(self.writers);
        remove_all(&self.paths);
    }
}

fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A real file on a "disk" that allows it at most `quota` bytes: writes past the quota
    /// are short, then fail with ENOSPC; overwriting bytes already there always works.
    pub struct QuotaFile {
        file: std::fs::File,
        quota: Arc<AtomicU64>,
    }

    impl Write for QuotaFile {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let pos = self.file.stream_position()?;
            let len = self.file.metadata()?.len();
            let limit = self.quota.load(Ordering::SeqCst).max(len);
            let room = limit.saturating_sub(pos) as usize;
            if room == 0 && !buf.is_empty() {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            self.file.write(&buf[..buf.len().min(room)])
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.file.flush()
        }
    }

    impl Seek for QuotaFile {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            self.file.seek(pos)
        }
    }

    fn ramp(n: usize, from: usize) -> Vec<f32> {
        (from..from + n)
            .map(|i| ((i % 200) as f32 - 100.0) / 200.0)
            .collect()
    }

    fn read_wav(p: &std::path::Path) -> Vec<i16> {
        hound::WavReader::open(p)
            .unwrap()
            .samples::<i16>()
            .map(Result::unwrap)
            .collect()
    }

    fn q(v: &[f32]) -> Vec<i16> {
        v.iter()
            .map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .collect()
    }

    #[test]
    fn a_full_disk_holds_audio_in_memory_and_writes_it_when_room_returns() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("audio.wav");
        let quota = Arc::new(AtomicU64::new(44 + 2 * 20_000));
        let file = QuotaFile {
            file: std::fs::File::create(&p).unwrap(),
            quota: quota.clone(),
        };
        let w = AudioWriter::on(Box::new(file), 16000).unwrap();
        let mut k = AudioKeeper::new(w, Some(p.clone()), 10.0).retry_every(Duration::ZERO);
        let audio = ramp(64_000, 0);
        let mut news = Vec::new();
        for c in audio[..48_000].chunks(1600) {
            news.extend(k.write(c));
            news.extend(k.tick(Instant::now()));
        }
        assert!(
            matches!(&news[..], [DiskNews::Failing { message, .. }] if message.contains("disk full")),
            "{news:?}"
        );
        assert!(k.held() > 0);
        // The disk has room again.
        quota.store(u64::MAX, Ordering::SeqCst);
        for c in audio[48_000..].chunks(1600) {
            news.extend(k.write(c));
            news.extend(k.tick(Instant::now()));
        }
        assert_eq!(
            news.last(),
            Some(&DiskNews::Recovered { lost_seconds: 0.0 })
        );
        assert_eq!(k.held(), 0);
        let (n, err) = k.finish();
        assert_eq!((n, err), (64_000, None));
        assert_eq!(read_wav(&p), q(&audio));
    }

    #[test]
    fn beyond_the_memory_bound_audio_becomes_silence_and_a_still_full_disk_keeps_a_valid_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("audio.wav");
        // Room for 10_000 samples; memory for 1 s.
        let quota = Arc::new(AtomicU64::new(44 + 2 * 10_000));
        let file = QuotaFile {
            file: std::fs::File::create(&p).unwrap(),
            quota: quota.clone(),
        };
        let w = AudioWriter::on(Box::new(file), 16000).unwrap();
        let mut k = AudioKeeper::new(w, Some(p.clone()), 1.0).retry_every(Duration::ZERO);
        let audio = ramp(48_000, 0);
        for c in audio.chunks(1000) {
            k.write(c);
            k.tick(Instant::now());
        }
        assert_eq!(k.held(), 16_000);
        assert!(k.lost() > 0);
        let lost = k.lost();
        quota.store(u64::MAX, Ordering::SeqCst);
        let news = k.tick(Instant::now());
        assert!(matches!(news, Some(DiskNews::Recovered { .. })), "{news:?}");
        let (n, err) = k.finish();
        assert_eq!(err, None);
        assert_eq!(n, 48_000, "positions stay exact");
        let back = read_wav(&p);
        let kept = 48_000 - lost as usize;
        assert_eq!(back[..kept], q(&audio[..kept])[..]);
        assert!(back[kept..].iter().all(|&v| v == 0));

        // A disk that never recovers: the end is refused, the file is still valid WAV.
        let p2 = d.path().join("full.wav");
        let quota = Arc::new(AtomicU64::new(44 + 2 * 5_000 + 1));
        let file = QuotaFile {
            file: std::fs::File::create(&p2).unwrap(),
            quota,
        };
        let w = AudioWriter::on(Box::new(file), 16000).unwrap();
        let mut k = AudioKeeper::new(w, Some(p2.clone()), 1.0).retry_every(Duration::ZERO);
        for c in audio.chunks(1000) {
            k.write(c);
            k.tick(Instant::now());
        }
        let (n, err) = k.finish();
        assert!(err.is_some_and(|e| e.contains("disk full")));
        assert_eq!(n, 5_000);
        assert_eq!(read_wav(&p2), q(&audio[..5_000]));
    }

    #[test]
    fn a_microphone_s_channels_are_kept_whole_or_given_up_for_the_recording() {
        let d = tempfile::tempdir().unwrap();
        let paths: Vec<_> = (1..=2)
            .map(|i| d.path().join(format!("audio-ch{i}.wav")))
            .collect();
        let quota = Arc::new(AtomicU64::new(u64::MAX));
        let open = |quota: &Arc<AtomicU64>| {
            let writers = paths
                .iter()
                .map(|p| {
                    let file = QuotaFile {
                        file: std::fs::File::create(p).unwrap(),
                        quota: quota.clone(),
                    };
                    AudioWriter::on(Box::new(file), 16000).unwrap()
                })
                .collect();
            ChannelFiles::new(writers, paths.clone())
        };
        // Interleaved frames: channel 1 the ramp, channel 2 its negative.
        let left = ramp(32_000, 0);
        let frames: Vec<f32> = left.iter().flat_map(|&v| [v, -v]).collect();
        let mut c = open(&quota);
        assert_eq!(c.channels(), 2);
        for chunk in frames.chunks(3200) {
            c.write(chunk).unwrap();
            c.tick(Instant::now(), false).unwrap();
        }
        assert!(c.finish().unwrap());
        let right: Vec<f32> = left.iter().map(|v| -v).collect();
        assert_eq!(read_wav(&paths[0]), q(&left));
        assert_eq!(read_wav(&paths[1]), q(&right));
        // A full disk: the copies are given up and their files deleted, which frees room
        // for the recording itself.
        quota.store(44 + 2 * 8_000, Ordering::SeqCst);
        let mut c = open(&quota);
        let failed = frames.chunks(3200).find_map(|chunk| {
            c.write(chunk)
                .and_then(|_| c.tick(Instant::now(), true))
                .err()
        });
        assert!(failed.is_some_and(|m| m.contains("disk full")));
        c.abandon();
        assert!(paths.iter().all(|p| !p.exists()));
        // One channel twice (a mono microphone through a sound server): nothing to keep
        // beyond the recording.
        quota.store(u64::MAX, Ordering::SeqCst);
        let mut c = open(&quota);
        let twice: Vec<f32> = left.iter().flat_map(|&v| [v, v]).collect();
        c.write(&twice).unwrap();
        assert!(!c.finish().unwrap());
        assert!(paths.iter().all(|p| !p.exists()));
    }
}
