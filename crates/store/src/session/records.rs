//! The sealed record format of encrypted session files (`session.enc`, `journal.enc`,
//! `audio.enc`): a 32-byte file header, then records appended one at a time, each sealed
//! on its own with the session's data key (XChaCha20-Poly1305, a random nonce per record).
//!
//! File header (32 bytes, little endian): magic `OBSREC01` (8), version 1 (1), kind (1:
//! meta, 2: journal, 3: audio), reserved (2), a parameter (4: the sample rate for audio,
//! else 0), a random file id (16).
//!
//! Record: `len` (u32, the sealed length = 24-byte nonce + ciphertext + 16-byte tag, at most
//! [`MAX_SEALED`]) followed by those `len` bytes. The associated data of record `i` is the
//! whole file header followed by `i` (u64): a record moved, dropped from the middle,
//! copied from another file or another kind of file fails authentication.
//!
//! Crash tolerance: a writer killed mid-record leaves a short final record (or a zero-filled
//! tail); [`scan`] reports it as `torn` and readers ignore it, so a killed app loses at most
//! the record being written. A record that is complete but fails authentication is an error
//! ("damaged or tampered"), never silently skipped. Parsing never panics on arbitrary bytes
//! and never allocates more than one record ([`MAX_SEALED`]) at a time.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use super::crypt::{DataKey, SEAL_OVERHEAD};

/// Length of a file header.
pub const HEADER_LEN: usize = 32;
/// Largest plaintext in one record (1 MiB).
pub const MAX_PLAIN: usize = 1 << 20;
/// Largest sealed record a reader accepts.
pub const MAX_SEALED: usize = MAX_PLAIN + SEAL_OVERHEAD;
const MAGIC: &[u8; 8] = b"OBSREC01";

/// What an encrypted file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Meta = 1,
    Journal = 2,
    Audio = 3,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Meta => "metadata",
            Kind::Journal => "journal",
            Kind::Audio => "audio",
        }
    }
}

/// A parsed file header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    pub kind: Kind,
    /// Sample rate for audio, else 0.
    pub param: u32,
    pub file_id: [u8; 16],
    /// The raw 32 bytes (part of every record's associated data).
    pub raw: [u8; HEADER_LEN],
}

impl FileHeader {
    /// A new header with a random file id.
    pub fn new(kind: Kind, param: u32) -> FileHeader {
        use chacha20poly1305::aead::OsRng;
        use chacha20poly1305::aead::rand_core::RngCore;
        let mut file_id = [0u8; 16];
        OsRng.fill_bytes(&mut file_id);
        let mut raw = [0u8; HEADER_LEN];
        raw[..8].copy_from_slice(MAGIC);
        raw[8] = 1;
        raw[9] = kind as u8;
        raw[12..16].copy_from_slice(&param.to_le_bytes());
        raw[16..32].copy_from_slice(&file_id);
        FileHeader {
            kind,
            param,
            file_id,
            raw,
        }
    }

    /// Parses a header; anything else than a version-1 header is an error.
    pub fn parse(bytes: &[u8]) -> Result<FileHeader> {
        if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
            bail!("geen versleuteld sessiebestand / not an encrypted session file");
        }
        if bytes[8] != 1 {
            bail!(
                "versleuteld bestand van een onbekende versie / encrypted file of an unknown version ({})",
                bytes[8]
            );
        }
        let kind = match bytes[9] {
            1 => Kind::Meta,
            2 => Kind::Journal,
            3 => Kind::Audio,
            k => bail!("onbekend soort versleuteld bestand / unknown encrypted file kind ({k})"),
        };
        let mut raw = [0u8; HEADER_LEN];
        raw.copy_from_slice(&bytes[..HEADER_LEN]);
        let mut file_id = [0u8; 16];
        file_id.copy_from_slice(&raw[16..32]);
        Ok(FileHeader {
            kind,
            param: u32::from_le_bytes([raw[12], raw[13], raw[14], raw[15]]),
            file_id,
            raw,
        })
    }

    fn aad(&self, index: u64) -> [u8; HEADER_LEN + 8] {
        let mut a = [0u8; HEADER_LEN + 8];
        a[..HEADER_LEN].copy_from_slice(&self.raw);
        a[HEADER_LEN..].copy_from_slice(&index.to_le_bytes());
        a
    }

    /// Seals record `index`: the bytes to append (length prefix included).
    pub fn seal_record(&self, key: &DataKey, index: u64, plain: &[u8]) -> Vec<u8> {
        let sealed = key.seal(plain, &self.aad(index));
        let mut out = Vec::with_capacity(4 + sealed.len());
        out.extend_from_slice(&(sealed.len() as u32).to_le_bytes());
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens record `index` (its sealed bytes, without the length prefix).
    pub fn open_record(
        &self,
        key: &DataKey,
        index: u64,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        key.open(sealed, &self.aad(index)).with_context(|| {
            format!(
                "{} beschadigd of gemanipuleerd (record {index}) / {} damaged or tampered with (record {index})",
                self.kind.name(),
                self.kind.name()
            )
        })
    }
}

/// Where the records of a file are: offsets of their sealed bytes (after the length prefix)
/// and lengths, plus whether a torn tail was ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    pub records: Vec<(u64, u32)>,
    pub torn: bool,
    /// Where the last complete record ends (a writer resuming truncates to here).
    pub end: u64,
}

/// Walks the record length prefixes of a file of `len` bytes (the header already read).
/// Reads 4 bytes per record; never allocates more than the index.
pub fn scan<R: Read + Seek>(r: &mut R, len: u64) -> Result<Scan> {
    let mut s = Scan {
        end: HEADER_LEN as u64,
        ..Default::default()
    };
    let mut pos = HEADER_LEN as u64;
    r.seek(SeekFrom::Start(pos))?;
    loop {
        let remaining = len.saturating_sub(pos);
        if remaining == 0 {
            break;
        }
        if remaining < 4 {
            s.torn = true;
            break;
        }
        let mut p = [0u8; 4];
        r.read_exact(&mut p)?;
        let n = u32::from_le_bytes(p) as u64;
        if n == 0 && zero_tail(r, remaining - 4)? {
            s.torn = true;
            break;
        }
        if n < SEAL_OVERHEAD as u64 || n > MAX_SEALED as u64 {
            bail!(
                "versleuteld bestand beschadigd (recordlengte {n} op positie {pos}) / encrypted file damaged (record length {n} at {pos})"
            );
        }
        if remaining - 4 < n {
            s.torn = true;
            break;
        }
        s.records.push((pos + 4, n as u32));
        pos += 4 + n;
        s.end = pos;
        r.seek(SeekFrom::Start(pos))?;
    }
    Ok(s)
}

/// Is the rest of the file zeros (a tail the file system zero-filled after a crash)?
fn zero_tail<R: Read>(r: &mut R, n: u64) -> Result<bool> {
    let mut buf = [0u8; 4096];
    let mut left = n;
    while left > 0 {
        let k = left.min(buf.len() as u64) as usize;
        r.read_exact(&mut buf[..k])?;
        if buf[..k].iter().any(|&b| b != 0) {
            return Ok(false);
        }
        left -= k as u64;
    }
    Ok(true)
}

/// Parses a whole encrypted file held in memory: its header and record ranges. Never panics.
pub fn parse(bytes: &[u8]) -> Result<(FileHeader, Scan)> {
    let h = FileHeader::parse(bytes)?;
    let mut c = std::io::Cursor::new(bytes);
    let s = scan(&mut c, bytes.len() as u64)?;
    Ok((h, s))
}

/// Decrypts every record of an encrypted file of kind `kind` in memory, concatenated; and
/// whether a torn tail was ignored.
pub fn decrypt_bytes(
    bytes: &[u8],
    key: &DataKey,
    kind: Kind,
) -> Result<(Zeroizing<Vec<u8>>, bool)> {
    let (h, s) = parse(bytes)?;
    if h.kind != kind {
        bail!(
            "verkeerd soort bestand ({} in plaats van {}) / wrong kind of file ({} instead of {})",
            h.kind.name(),
            kind.name(),
            h.kind.name(),
            kind.name()
        );
    }
    let mut out = Zeroizing::new(Vec::new());
    for (i, &(off, n)) in s.records.iter().enumerate() {
        let sealed = &bytes[off as usize..off as usize + n as usize];
        out.extend_from_slice(&h.open_record(key, i as u64, sealed)?);
    }
    Ok((out, s.torn))
}

/// Reads and decrypts a whole encrypted file (see [`decrypt_bytes`]).
pub fn read_file(path: &Path, key: &DataKey, kind: Kind) -> Result<(Zeroizing<Vec<u8>>, bool)> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("kan niet lezen / cannot read: {}", path.display()))?;
    decrypt_bytes(&bytes, key, kind).with_context(|| path.display().to_string())
}

/// Seals `plain` as a complete file of `kind` (records of at most [`MAX_PLAIN`]).
pub fn seal_bytes(key: &DataKey, kind: Kind, param: u32, plain: &[u8]) -> Vec<u8> {
    let h = FileHeader::new(kind, param);
    let mut out = h.raw.to_vec();
    for (i, chunk) in plain.chunks(MAX_PLAIN).enumerate() {
        out.extend_from_slice(&h.seal_record(key, i as u64, chunk));
    }
    out
}

/// Appends sealed records to a file. Each [`RecordWriter::write_record`] is one `write` of
/// the whole record, so a kill leaves at most one torn record at the end.
pub struct RecordWriter {
    file: File,
    header: FileHeader,
    key: DataKey,
    next: u64,
    /// File length after the last whole record.
    end: u64,
}

impl RecordWriter {
    /// Creates the file (owner-only permissions) with a fresh header.
    pub fn create(path: &Path, key: &DataKey, kind: Kind, param: u32) -> Result<RecordWriter> {
        let mut file = super::create_private(path)?;
        let header = FileHeader::new(kind, param);
        file.write_all(&header.raw)
            .with_context(|| format!("schrijven mislukt / write failed: {}", path.display()))?;
        Ok(RecordWriter {
            file,
            header,
            key: key.clone(),
            next: 0,
            end: HEADER_LEN as u64,
        })
    }

    /// Opens an existing file to append more records: checks the header (and that the last
    /// record decrypts), cuts a torn tail, continues the record numbering.
    pub fn append_to(path: &Path, key: &DataKey, kind: Kind) -> Result<RecordWriter> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .with_context(|| format!("kan niet openen / cannot open: {}", path.display()))?;
        let len = file.metadata()?.len();
        let mut head = [0u8; HEADER_LEN];
        let header = file
            .read_exact(&mut head)
            .map_err(anyhow::Error::from)
            .and_then(|_| FileHeader::parse(&head))
            .with_context(|| path.display().to_string())?;
        if header.kind != kind {
            bail!(
                "verkeerd soort bestand / wrong kind of file: {}",
                path.display()
            );
        }
        let s = scan(&mut file, len).with_context(|| path.display().to_string())?;
        if let Some(&(off, n)) = s.records.last() {
            let mut sealed = vec![0u8; n as usize];
            file.seek(SeekFrom::Start(off))?;
            file.read_exact(&mut sealed)?;
            header
                .open_record(key, s.records.len() as u64 - 1, &sealed)
                .with_context(|| path.display().to_string())?;
        }
        if s.end < len {
            file.set_len(s.end)?;
        }
        file.seek(SeekFrom::Start(s.end))?;
        Ok(RecordWriter {
            file,
            header,
            key: key.clone(),
            next: s.records.len() as u64,
            end: s.end,
        })
    }

    /// The file's header.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// Records written so far (including those found by `append_to`).
    pub fn records(&self) -> u64 {
        self.next
    }

    /// Seals and appends one record (`plain` at most [`MAX_PLAIN`] bytes). On an error nothing
    /// of the record stays in the file.
    pub fn write_record(&mut self, plain: &[u8]) -> std::io::Result<()> {
        if plain.len() > MAX_PLAIN {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "record too large",
            ));
        }
        let rec = self.header.seal_record(&self.key, self.next, plain);
        if let Err(e) = self.file.write_all(&rec) {
            // Cut a partly written record (disk full), so a retry appends after whole ones.
            let _ = self.file.set_len(self.end);
            let _ = self.file.seek(SeekFrom::Start(self.end));
            return Err(e);
        }
        self.end += rec.len() as u64;
        self.next += 1;
        Ok(())
    }

    /// Asks the OS to put the records on disk.
    pub fn sync(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_a_torn_tail_is_ignored() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("j.enc");
        let k = DataKey::generate();
        let mut w = RecordWriter::create(&p, &k, Kind::Journal, 0).unwrap();
        w.write_record(b"een\n").unwrap();
        w.write_record(b"twee\n").unwrap();
        w.write_record(b"drie\n").unwrap();
        drop(w);
        let full = std::fs::read(&p).unwrap();
        let (plain, torn) = decrypt_bytes(&full, &k, Kind::Journal).unwrap();
        assert_eq!(&plain[..], b"een\ntwee\ndrie\n");
        assert!(!torn);
        // Every cut inside the last record loses that record only.
        let last_start = full.len() - (4 + SEAL_OVERHEAD + 5);
        for cut in last_start + 1..full.len() {
            let (plain, torn) = decrypt_bytes(&full[..cut], &k, Kind::Journal).unwrap();
            assert_eq!(&plain[..], b"een\ntwee\n", "cut {cut}");
            assert!(torn);
        }
        // A zero-filled tail (file system after power loss) is torn, too.
        let mut z = full.clone();
        z.extend_from_slice(&[0u8; 100]);
        assert!(decrypt_bytes(&z, &k, Kind::Journal).unwrap().1);
        // Resuming cuts the tail and continues the numbering.
        std::fs::write(&p, &full[..full.len() - 3]).unwrap();
        let mut w = RecordWriter::append_to(&p, &k, Kind::Journal).unwrap();
        assert_eq!(w.records(), 2);
        w.write_record(b"vier\n").unwrap();
        drop(w);
        let (plain, torn) = read_file(&p, &k, Kind::Journal).unwrap();
        assert_eq!(&plain[..], b"een\ntwee\nvier\n");
        assert!(!torn);
    }

    #[test]
    fn tampering_reordering_and_dropping_records_are_detected() {
        let k = DataKey::generate();
        let h = FileHeader::new(Kind::Journal, 0);
        let recs: Vec<Vec<u8>> = (0..3)
            .map(|i| h.seal_record(&k, i, format!("r{i}").as_bytes()))
            .collect();
        let file = |order: &[usize]| {
            let mut f = h.raw.to_vec();
            for &i in order {
                f.extend_from_slice(&recs[i]);
            }
            f
        };
        assert!(decrypt_bytes(&file(&[0, 1, 2]), &k, Kind::Journal).is_ok());
        for order in [&[1usize, 0, 2][..], &[0, 2], &[1, 2]] {
            let e = decrypt_bytes(&file(order), &k, Kind::Journal).unwrap_err();
            assert!(format!("{e:#}").contains("tampered"), "{order:?}: {e:#}");
        }
        let mut f = file(&[0, 1, 2]);
        let n = f.len();
        f[n - 20] ^= 0x40;
        assert!(decrypt_bytes(&f, &k, Kind::Journal).is_err());
        // The header is authenticated too (e.g. an audio sample rate).
        let mut f = file(&[0, 1, 2]);
        f[12] = 9;
        assert!(decrypt_bytes(&f, &k, Kind::Journal).is_err());
        // Another key, or the file read as another kind, fails.
        assert!(decrypt_bytes(&file(&[0]), &DataKey::generate(), Kind::Journal).is_err());
        assert!(decrypt_bytes(&file(&[0]), &k, Kind::Audio).is_err());
    }

    #[test]
    fn hostile_bytes_give_errors_not_panics_or_huge_allocations() {
        let k = DataKey::generate();
        let h = FileHeader::new(Kind::Audio, 16000);
        let mut f = h.raw.to_vec();
        f.extend_from_slice(&u32::MAX.to_le_bytes());
        f.extend_from_slice(&[1u8; 64]);
        let e = decrypt_bytes(&f, &k, Kind::Audio).unwrap_err();
        assert!(e.to_string().contains("record length"), "{e}");
        let mut f = h.raw.to_vec();
        f.extend_from_slice(&7u32.to_le_bytes());
        f.extend_from_slice(&[1u8; 64]);
        assert!(decrypt_bytes(&f, &k, Kind::Audio).is_err());
        for n in 0..40 {
            let _ = parse(&h.raw[..n.min(32)]);
        }
        assert!(parse(b"OBSREC01\x02").is_err());
        // Pseudo-random garbage after a valid header.
        let mut x = 0x1234_5678u32;
        for _ in 0..200 {
            let mut f = h.raw.to_vec();
            for _ in 0..(x % 300) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                f.push(x as u8);
            }
            let _ = decrypt_bytes(&f, &k, Kind::Audio);
        }
    }
}
