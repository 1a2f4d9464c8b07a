//! The session journal: one JSON object per line, appended as things happen. Appends are
//! buffered and flushed (with fsync) by [`Journal::flush`], which the live pipeline calls
//! about once a second; readers skip a torn last line.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::transcript::{Participant, Utterance};

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

/// Append-only writer of a journal file.
pub struct Journal {
    out: BufWriter<std::fs::File>,
}

impl Journal {
    /// Creates a new, empty journal (owner-only permissions).
    pub fn create(path: &Path) -> Result<Journal> {
        let f = super::create_private(path)?;
        Ok(Journal {
            out: BufWriter::new(f),
        })
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
        Ok(Journal {
            out: BufWriter::new(f),
        })
    }

    /// Queues one entry (written at the next flush or when the buffer fills).
    pub fn append(&mut self, e: &Entry) -> Result<()> {
        serde_json::to_writer(&mut self.out, e)?;
        self.out
            .write_all(b"\n")
            .context("schrijven naar journaal mislukt / journal write failed")
    }

    /// Writes everything queued and asks the OS to put it on disk.
    pub fn flush(&mut self) -> Result<()> {
        self.out
            .flush()
            .and_then(|_| self.out.get_ref().sync_data())
            .context("journaal kon niet worden opgeslagen (schijf vol?) / journal could not be saved (disk full?)")
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
    let mut entries = Vec::new();
    let mut bad: Option<(usize, String)> = None;
    for (i, line) in std::io::BufReader::new(f).split(b'\n').enumerate() {
        let line = line.with_context(|| {
            format!(
                "journaal onleesbaar / journal unreadable: {}",
                path.display()
            )
        })?;
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
