//! The session journal: one JSON object per line, appended as things happen. Appends are
//! buffered and flushed (with fsync) by [`Journal::flush`], which the live pipeline calls
//! about once a second; readers skip a torn last line.
//!
//! A full disk never loses or tears an entry: [`Journal::append`] only queues a complete line
//! in memory; [`Journal::flush`] hands the queue to the file and keeps whatever the file did
//! not take (after a short write, exactly the bytes that are missing), so the next flush after
//! the disk has room again continues the same line and the file ends up complete.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use observant_model::transcript::{Participant, Utterance};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    /// Utterance `index` (new, or replaced when the index exists).
    Utterance {
        index: usize,
        #[serde(flatten)]
        utterance: Utterance,
    },
    Reassign {
        index: usize,
        speaker: String,
    },
    EditText {
        index: usize,
        text: String,
    },
    RenameSpeaker {
        from: String,
        to: String,
    },
    Step {
        step: u32,
        t: f64,
    },
    Note {
        t: f64,
        text: String,
    },
    Verdict {
        kind: String,
        start: f64,
        correct: bool,
    },
    /// Seconds of audio safely on disk so far.
    Audio {
        seconds: f64,
    },
    Participants {
        participants: Vec<Participant>,
    },
}

/// Where journal lines go: the journal file, or (in tests) a file that fails like a full disk.
pub trait JournalFile: Write + Send {
    /// Asks the OS to put what was written on disk (`fsync`).
    fn sync(&mut self) -> std::io::Result<()>;
}

impl JournalFile for std::fs::File {
    fn sync(&mut self) -> std::io::Result<()> {
        self.sync_data()
    }
}

/// Append-only writer of a journal file.
pub struct Journal {
    out: Box<dyn JournalFile>,
    /// Complete lines (or the unwritten tail of one) the file has not taken yet.
    pending: Vec<u8>,
    /// Bytes written since the last successful sync.
    unsynced: bool,
}

impl Journal {
    /// Creates a new, empty journal (owner-only permissions).
    pub fn create(path: &Path) -> Result<Journal> {
        let f = super::create_private(path)?;
        Ok(Journal::on(Box::new(f)))
    }

    /// A journal appending to `out` (tests use a file that fails like a full disk).
    pub fn on(out: Box<dyn JournalFile>) -> Journal {
        Journal {
            out,
            pending: Vec::new(),
            unsynced: false,
        }
    }

    /// Opens an existing journal for appending (after recovery).
    pub fn append_to(path: &Path) -> Result<Journal> {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| {
                format!(
                    "kan journaal niet openen / cannot open journal: {}",
                    path.display()
                )
            })?;
        Ok(Journal::on(Box::new(f)))
    }

    /// Queues one entry as a complete line (written at the next flush). Only fails when the
    /// entry cannot be serialised; a failing disk shows up in [`Journal::flush`].
    pub fn append(&mut self, e: &Entry) -> Result<()> {
        let mut line =
            serde_json::to_vec(e).context("journaalregel ongeldig / journal entry invalid")?;
        line.push(b'\n');
        self.pending.extend_from_slice(&line);
        if self.pending.len() >= 64 * 1024 {
            // Keep memory small while the disk is fine; a failure here is retried at flush.
            let _ = self.write_pending();
        }
        Ok(())
    }

    /// Bytes queued that the file has not taken yet (grows while the disk is full).
    pub fn pending_bytes(&self) -> usize {
        self.pending.len()
    }

    fn write_pending(&mut self) -> std::io::Result<()> {
        while !self.pending.is_empty() {
            match self.out.write(&self.pending) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.pending.drain(..n);
                    self.unsynced = true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes everything queued and asks the OS to put it on disk. On an error (disk full)
    /// what was not written stays queued for the next call; nothing is lost or torn.
    pub fn flush(&mut self) -> Result<()> {
        let done = self.write_pending().and_then(|_| {
            if self.unsynced {
                self.out.flush()?;
                self.out.sync()?;
                self.unsynced = false;
            }
            Ok(())
        });
        done.context(
            "journaal kon niet worden opgeslagen (schijf vol?) / journal could not be saved (disk full?)",
        )
    }
}

impl Drop for Journal {
    /// Best effort: hand what is queued to the file (a full disk still loses it here).
    fn drop(&mut self) {
        let _ = self.write_pending();
        let _ = self.out.flush();
    }
}

/// Reads all entries; returns them and whether a torn (unparseable) last line was skipped.
/// A damaged line in the middle is an error naming the line.
pub fn read_entries(path: &Path) -> Result<(Vec<Entry>, bool)> {
    let f = std::fs::File::open(path).with_context(|| {
        format!(
            "kan journaal niet openen / cannot open journal: {}",
            path.display()
        )
    })?;
    parse_entries(std::io::BufReader::new(f))
        .with_context(|| format!("journaal / journal: {}", path.display()))
}

/// [`read_entries`] over any reader (an encrypted journal is decrypted in memory first).
pub fn parse_entries(r: impl BufRead) -> Result<(Vec<Entry>, bool)> {
    let mut entries = Vec::new();
    let mut bad: Option<(usize, String)> = None;
    for (i, line) in r.split(b'\n').enumerate() {
        let line = line.context("journaal onleesbaar / journal unreadable")?;
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if let Some((n, e)) = bad.take() {
            anyhow::bail!(
                "journaal beschadigd op regel {} / journal damaged at line {}: {e}",
                n + 1,
                n + 1
            );
        }
        match serde_json::from_slice::<Entry>(&line) {
            Ok(e) => entries.push(e),
            Err(e) => bad = Some((i, e.to_string())),
        }
    }
    Ok((entries, bad.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A file on a disk with `room` bytes left: short writes, then ENOSPC.
    struct TinyDisk {
        data: Arc<Mutex<Vec<u8>>>,
        room: Arc<Mutex<usize>>,
    }

    impl Write for TinyDisk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut room = self.room.lock().unwrap();
            if *room == 0 {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            let n = buf.len().min(*room);
            *room -= n;
            self.data.lock().unwrap().extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl JournalFile for TinyDisk {
        fn sync(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn note(i: usize) -> Entry {
        Entry::Note {
            t: i as f64,
            text: format!("notitie {i}"),
        }
    }

    #[test]
    fn a_full_disk_keeps_entries_queued_and_never_tears_the_file() {
        let data = Arc::new(Mutex::new(Vec::new()));
        let room = Arc::new(Mutex::new(50usize));
        let mut j = Journal::on(Box::new(TinyDisk {
            data: data.clone(),
            room: room.clone(),
        }));
        for i in 0..5 {
            j.append(&note(i)).unwrap();
        }
        let e = j.flush().unwrap_err().to_string();
        assert!(e.contains("disk full"), "{e}");
        assert_eq!(data.lock().unwrap().len(), 50);
        assert!(j.pending_bytes() > 0);
        // Still failing: more entries queue up, nothing is lost.
        j.append(&note(5)).unwrap();
        assert!(j.flush().is_err());
        // Room again: the torn line is completed and everything follows in order.
        *room.lock().unwrap() = usize::MAX;
        j.flush().unwrap();
        assert_eq!(j.pending_bytes(), 0);
        let text = String::from_utf8(data.lock().unwrap().clone()).unwrap();
        let back: Vec<Entry> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, (0..6).map(note).collect::<Vec<_>>());
    }
}
