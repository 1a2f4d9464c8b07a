//! Encryption at rest for session folders: the passphrase ([`Secret`]), the per-session data
//! key ([`DataKey`]) and the key file that holds it (`session.key`).
//!
//! Every encrypted session has its own random 256-bit data key. The key file stores it
//! wrapped (XChaCha20-Poly1305) under a key derived from the passphrase with Argon2id; the
//! salt and the Argon2 parameters sit in the file's header, which is authenticated as the
//! wrapping's associated data. A wrong passphrase (or a damaged key file) fails that
//! authentication: [`CryptError::WrongPassphrase`].
//!
//! Key file layout (112 bytes, little endian):
//!
//! | bytes   | content |
//! |---------|---------|
//! | 0..8    | magic `OBSKEY01` |
//! | 8       | version (1) |
//! | 9       | KDF (1 = Argon2id v19) |
//! | 10..12  | reserved (0) |
//! | 12..16  | memory in KiB |
//! | 16..20  | passes |
//! | 20..24  | lanes |
//! | 24..40  | salt |
//! | 40..64  | nonce |
//! | 64..112 | wrapped data key (32) + tag (16) |
//!
//! Key material (passphrase, derived key, data key) is zeroized when dropped.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

/// Name of the environment variable holding the passphrase.
pub const PASSPHRASE_ENV: &str = "OBSERVANT_PASSPHRASE";

/// Errors a caller may want to tell apart (the GUI shows a calm message for these).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptError {
    #[error("Verkeerd wachtwoord / wrong passphrase")]
    WrongPassphrase,
    #[error(
        "deze sessie is versleuteld: geef het wachtwoord (--passphrase-file of OBSERVANT_PASSPHRASE) / this session is encrypted: give its passphrase (--passphrase-file or OBSERVANT_PASSPHRASE)"
    )]
    NeedPassphrase,
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The default: 64 MiB, 3 passes, 1 lane (about a third of a second on a laptop core).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// Cheap parameters, ONLY for tests (they make a passphrase easy to guess).
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };
    /// Largest memory a key file may ask for (1 GiB), so a hostile file cannot exhaust memory.
    pub const MAX_M_KIB: u32 = 1024 * 1024;
    /// Most passes / lanes a key file may ask for.
    pub const MAX_T: u32 = 64;
    pub const MAX_P: u32 = 16;

    fn check(self) -> Result<()> {
        // u64: `p` comes from a file and may be anything (fuzzing found the u32 overflow).
        if u64::from(self.m_kib) < 8 * u64::from(self.p.max(1))
            || self.m_kib > Self::MAX_M_KIB
            || !(1..=Self::MAX_T).contains(&self.t)
            || !(1..=Self::MAX_P).contains(&self.p)
        {
            bail!(
                "sleutelbestand heeft ongeldige parameters / key file has invalid parameters ({} KiB, {} passes, {} lanes)",
                self.m_kib,
                self.t,
                self.p
            );
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEFAULT
    }
}

/// A passphrase (zeroized on drop), plus the Argon2id parameters to use when it protects a
/// new session (opening always uses the parameters stored in the session's key file).
#[derive(Clone)]
pub struct Secret {
    pass: Zeroizing<String>,
    kdf: KdfParams,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.kdf == other.kdf && ct_eq(self.pass.as_bytes(), other.pass.as_bytes())
    }
}

impl Secret {
    /// A passphrase; empty is an error.
    pub fn new(pass: impl Into<String>) -> Result<Secret> {
        let pass = Zeroizing::new(pass.into());
        if pass.is_empty() {
            bail!("leeg wachtwoord / empty passphrase");
        }
        Ok(Secret {
            pass,
            kdf: KdfParams::DEFAULT,
        })
    }

    /// The same passphrase with other KDF parameters for new sessions.
    pub fn with_kdf(mut self, kdf: KdfParams) -> Secret {
        self.kdf = kdf;
        self
    }

    /// Reads a passphrase file: its whole content minus one trailing newline.
    pub fn from_file(path: &Path) -> Result<Secret> {
        let mut text = Zeroizing::new(std::fs::read_to_string(path).with_context(|| {
            format!(
                "kan wachtwoordbestand niet lezen / cannot read passphrase file: {}",
                path.display()
            )
        })?);
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        if text.is_empty() {
            bail!(
                "wachtwoordbestand is leeg / passphrase file is empty: {}",
                path.display()
            );
        }
        Ok(Secret {
            pass: text,
            kdf: KdfParams::DEFAULT,
        })
    }

    /// The passphrase from `--passphrase-file` when given, else from `$OBSERVANT_PASSPHRASE`
    /// when set and not empty, else none.
    pub fn resolve(file: Option<&Path>) -> Result<Option<Secret>> {
        if let Some(p) = file {
            return Secret::from_file(p).map(Some);
        }
        match std::env::var(PASSPHRASE_ENV) {
            Ok(v) if !v.is_empty() => Secret::new(v).map(Some),
            _ => Ok(None),
        }
    }

    fn bytes(&self) -> &[u8] {
        self.pass.as_bytes()
    }

    /// The KDF parameters used when this secret protects a new session.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }
}

/// Compares without an early exit on the first difference.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A session's 256-bit data key, zeroized on drop. Cheap to clone (shared).
#[derive(Clone)]
pub struct DataKey(Arc<KeyBytes>);

struct KeyBytes([u8; 32]);

impl Drop for KeyBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(***)")
    }
}

impl PartialEq for DataKey {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0.0, &other.0.0)
    }
}

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> DataKey {
        let k = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&k);
        let mut k = k;
        k.zeroize();
        DataKey(Arc::new(KeyBytes(bytes)))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(&self.0.0))
    }

    /// Seals `plain` with a random nonce: returns `nonce (24) || ciphertext || tag (16)`.
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .cipher()
            .encrypt(&nonce, Payload { msg: plain, aad })
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(24 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens what [`DataKey::seal`] made; `None` when it was altered (or another key/AAD).
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < SEAL_OVERHEAD {
            return None;
        }
        let (nonce, ct) = sealed.split_at(24);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .ok()
            .map(Zeroizing::new)
    }
}

/// Bytes [`DataKey::seal`] adds to the plaintext (nonce + tag).
pub const SEAL_OVERHEAD: usize = 24 + 16;

const KEY_MAGIC: &[u8; 8] = b"OBSKEY01";
/// Size of a key file.
pub const KEY_FILE_LEN: usize = 112;
const KEY_HEAD_LEN: usize = 40;

fn derive(secret: &Secret, salt: &[u8], params: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    params.check()?;
    let p = argon2::Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|e| anyhow::anyhow!("Argon2: {e}"))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut out = Zeroizing::new([0u8; 32]);
    a.hash_password_into(secret.bytes(), salt, out.as_mut())
        .map_err(|e| anyhow::anyhow!("Argon2: {e}"))?;
    Ok(out)
}

/// Makes a key file for `key` protected by `secret` (with `secret.kdf()` parameters).
pub fn wrap_key(key: &DataKey, secret: &Secret) -> Result<Vec<u8>> {
    let params = secret.kdf();
    let mut salt = [0u8; 16];
    use chacha20poly1305::aead::rand_core::RngCore;
    OsRng.fill_bytes(&mut salt);
    let mut head = Vec::with_capacity(KEY_FILE_LEN);
    head.extend_from_slice(KEY_MAGIC);
    head.extend_from_slice(&[1, 1, 0, 0]);
    head.extend_from_slice(&params.m_kib.to_le_bytes());
    head.extend_from_slice(&params.t.to_le_bytes());
    head.extend_from_slice(&params.p.to_le_bytes());
    head.extend_from_slice(&salt);
    debug_assert_eq!(head.len(), KEY_HEAD_LEN);
    let kek = derive(secret, &salt, params)?;
    let kek = DataKey(Arc::new(KeyBytes(*kek)));
    let sealed = kek.seal(&key.0.0, &head);
    head.extend_from_slice(&sealed);
    debug_assert_eq!(head.len(), KEY_FILE_LEN);
    Ok(head)
}

/// The KDF parameters a key file declares (checked against sane bounds).
pub fn key_file_params(bytes: &[u8]) -> Result<KdfParams> {
    if bytes.len() != KEY_FILE_LEN || &bytes[..8] != KEY_MAGIC {
        bail!("sleutelbestand beschadigd / key file damaged");
    }
    if bytes[8] != 1 || bytes[9] != 1 {
        bail!(
            "sleutelbestand van een onbekende versie / key file of an unknown version ({}, {})",
            bytes[8],
            bytes[9]
        );
    }
    let u = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let params = KdfParams {
        m_kib: u(12),
        t: u(16),
        p: u(20),
    };
    params.check()?;
    Ok(params)
}

/// Recovers the data key from a key file; a wrong passphrase is [`CryptError::WrongPassphrase`].
pub fn unwrap_key(bytes: &[u8], secret: &Secret) -> Result<DataKey> {
    let params = key_file_params(bytes)?;
    let kek = derive(secret, &bytes[24..40], params)?;
    let kek = DataKey(Arc::new(KeyBytes(*kek)));
    let plain = kek
        .open(&bytes[KEY_HEAD_LEN..], &bytes[..KEY_HEAD_LEN])
        .ok_or(CryptError::WrongPassphrase)?;
    if plain.len() != 32 {
        bail!(CryptError::WrongPassphrase);
    }
    let mut k = [0u8; 32];
    k.copy_from_slice(&plain);
    Ok(DataKey(Arc::new(KeyBytes(k))))
}

/// Is this error (anywhere in its chain) a wrong passphrase?
pub fn is_wrong_passphrase(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.downcast_ref::<CryptError>() == Some(&CryptError::WrongPassphrase))
}

/// Is this error (anywhere in its chain) "this session needs a passphrase"?
pub fn needs_passphrase(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.downcast_ref::<CryptError>() == Some(&CryptError::NeedPassphrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(p: &str) -> Secret {
        Secret::new(p)
            .unwrap()
            .with_kdf(KdfParams::INSECURE_FOR_TESTS)
    }

    #[test]
    fn a_wrapped_key_unwraps_with_the_right_passphrase_only() {
        let k = DataKey::generate();
        let file = wrap_key(&k, &secret("geheim")).unwrap();
        assert_eq!(file.len(), KEY_FILE_LEN);
        assert_eq!(unwrap_key(&file, &secret("geheim")).unwrap(), k);
        let e = unwrap_key(&file, &secret("Geheim")).unwrap_err();
        assert!(is_wrong_passphrase(&e), "{e}");
        assert_eq!(e.to_string(), "Verkeerd wachtwoord / wrong passphrase");
    }

    #[test]
    fn key_file_header_is_authenticated_and_bounded() {
        let k = DataKey::generate();
        let mut file = wrap_key(&k, &secret("geheim")).unwrap();
        // Lower the passes: the header is associated data, so unwrapping fails.
        file[16] = 2;
        assert!(is_wrong_passphrase(
            &unwrap_key(&file, &secret("geheim")).unwrap_err()
        ));
        // A hostile memory size is refused before any allocation.
        file[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = unwrap_key(&file, &secret("geheim")).unwrap_err();
        assert!(e.to_string().contains("invalid parameters"), "{e}");
        assert!(unwrap_key(&file[..50], &secret("geheim")).is_err());
    }

    #[test]
    fn sealing_detects_changes_and_other_aad() {
        let k = DataKey::generate();
        let mut s = k.seal(b"hallo", b"ctx");
        assert_eq!(&k.open(&s, b"ctx").unwrap()[..], b"hallo");
        assert!(k.open(&s, b"ctx2").is_none());
        s[30] ^= 1;
        assert!(k.open(&s, b"ctx").is_none());
        assert!(k.open(&s[..10], b"ctx").is_none());
    }

    #[test]
    fn passphrase_file_drops_one_trailing_newline_and_empty_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pw");
        std::fs::write(&p, "twee woorden\n").unwrap();
        assert_eq!(
            Secret::from_file(&p).unwrap(),
            Secret::new("twee woorden").unwrap()
        );
        std::fs::write(&p, "\n").unwrap();
        assert!(Secret::from_file(&p).is_err());
        assert!(Secret::new("").is_err());
        assert_eq!(format!("{:?}", Secret::new("x").unwrap()), "Secret(***)");
    }
}
