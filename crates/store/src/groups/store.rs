//! The group store on disk: every group with its members and voice profiles, encrypted with
//! the same scheme as sessions (a random data key wrapped under the passphrase with Argon2id,
//! XChaCha20-Poly1305 for the content; see [`crate::session::crypt`]). There is no plain
//! variant: without a passphrase the store cannot be opened or made.
//!
//! Folder (`$OBSERVANT_GROUPS`, else `$XDG_DATA_HOME/observant/groups`, else
//! `~/.local/share/observant/groups`), owner-only files:
//!
//! - `groups.key`: the wrapped data key (112 bytes, the session key-file layout);
//! - `groups.sealed`: magic `OBSGRP01`, then the sealed JSON of all groups.
//!
//! Every change rewrites `groups.sealed` atomically (temp file, fsync, rename). Forgetting a
//! group or a member also replaces the data key, so a copy of the old file that a disk
//! might still hold in freed blocks cannot be opened with the new key file; names and voice
//! prints are never in a file name or in plain text.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use super::Group;
use crate::session::crypt::{CryptError, DataKey, Secret, unwrap_key, wrap_key};
use crate::session::write_atomic;

/// File holding the wrapped data key.
pub const KEY_FILE: &str = "groups.key";
/// File holding the sealed groups.
pub const SEALED_FILE: &str = "groups.sealed";
const MAGIC: &[u8; 8] = b"OBSGRP01";

/// Where the group store lives by default.
pub fn default_groups_dir() -> PathBuf {
    if let Ok(p) = std::env::var("OBSERVANT_GROUPS")
        && !p.is_empty()
    {
        return p.into();
    }
    let data = match std::env::var("XDG_DATA_HOME") {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(&std::env::var("HOME").unwrap_or_else(|_| ".".into()))
            .join(".local")
            .join("share"),
    };
    data.join("observant").join("groups")
}

/// The message when a command needs the group store but has no passphrase.
pub const NEED_PASSPHRASE: &str = "groepen zijn versleuteld: geef het wachtwoord (--passphrase-file of OBSERVANT_PASSPHRASE) / groups are encrypted: give the passphrase (--passphrase-file or OBSERVANT_PASSPHRASE)";

/// An unlocked group store.
pub struct GroupStore {
    dir: PathBuf,
    key: DataKey,
    secret: Secret,
}

impl std::fmt::Debug for GroupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupStore")
            .field("dir", &self.dir)
            .finish()
    }
}

impl GroupStore {
    /// Is there a store in `dir`?
    pub fn exists(dir: &Path) -> bool {
        dir.join(KEY_FILE).is_file()
    }

    /// Unlocks the store in `dir`, making an empty one (folder and key) when there is none.
    /// A wrong passphrase is [`CryptError::WrongPassphrase`].
    pub fn open(dir: &Path, secret: &Secret) -> Result<GroupStore> {
        let key_path = dir.join(KEY_FILE);
        let key = if key_path.is_file() {
            let bytes = std::fs::read(&key_path).with_context(|| {
                format!(
                    "kan groepen niet lezen / cannot read groups: {}",
                    key_path.display()
                )
            })?;
            unwrap_key(&bytes, secret).context("groepen / groups")?
        } else {
            create_dir_private(dir)?;
            let key = DataKey::generate();
            write_atomic(&key_path, &wrap_key(&key, secret)?)?;
            key
        };
        Ok(GroupStore {
            dir: dir.to_path_buf(),
            key,
            secret: secret.clone(),
        })
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// All groups, sorted by name.
    pub fn load(&self) -> Result<Vec<Group>> {
        let path = self.dir.join(SEALED_FILE);
        if !path.exists() {
            return Ok(Vec::new());
        }
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "kan groepen niet lezen / cannot read groups: {}",
                path.display()
            )
        })?;
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            bail!(
                "groepenbestand beschadigd / groups file damaged: {}",
                path.display()
            );
        }
        let plain = self.key.open(&bytes[MAGIC.len()..], MAGIC).ok_or_else(|| {
            anyhow::anyhow!(
                "groepenbestand beschadigd of van een andere sleutel / groups file damaged or of another key: {}",
                path.display()
            )
        })?;
        let mut groups: Vec<Group> = serde_json::from_slice(&plain).map_err(|e| {
            anyhow::anyhow!("groepenbestand onleesbaar / groups file unreadable: {e}")
        })?;
        groups.sort_by_key(|g| g.name.to_lowercase());
        Ok(groups)
    }

    /// Replaces all groups.
    pub fn save(&self, groups: &[Group]) -> Result<()> {
        let plain = Zeroizing::new(serde_json::to_vec(groups)?);
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&self.key.seal(&plain, MAGIC));
        write_atomic(&self.dir.join(SEALED_FILE), &bytes)
    }

    /// The group called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Result<Option<Group>> {
        Ok(self
            .load()?
            .into_iter()
            .find(|g| g.name.eq_ignore_ascii_case(name.trim())))
    }

    /// The group called `name`, or a clear error listing what exists.
    pub fn require(&self, name: &str) -> Result<Group> {
        let groups = self.load()?;
        if let Some(g) = groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name.trim()))
        {
            return Ok(g.clone());
        }
        let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        if known.is_empty() {
            bail!(
                "groep '{name}' bestaat niet (nog geen groepen) / group '{name}' does not exist (no groups yet)"
            );
        }
        bail!(
            "groep '{name}' bestaat niet (wel: {}) / group '{name}' does not exist (known: {})",
            known.join(", "),
            known.join(", ")
        )
    }

    /// Adds `group`, or replaces the group of the same name.
    pub fn put(&self, group: Group) -> Result<()> {
        let mut groups = self.load()?;
        match groups
            .iter_mut()
            .find(|g| g.name.eq_ignore_ascii_case(&group.name))
        {
            Some(g) => *g = group,
            None => groups.push(group),
        }
        self.save(&groups)
    }

    /// Deletes a group with every profile in it; false when there was none.
    pub fn forget_group(&mut self, name: &str) -> Result<bool> {
        let mut groups = self.load()?;
        let before = groups.len();
        groups.retain(|g| !g.name.eq_ignore_ascii_case(name.trim()));
        if groups.len() == before {
            return Ok(false);
        }
        self.rekey_and_save(&groups)?;
        Ok(true)
    }

    /// Deletes one member (with their voice profile) from a group; false when there was
    /// no such group or member.
    pub fn forget_member(&mut self, group: &str, member: &str) -> Result<bool> {
        let mut groups = self.load()?;
        let Some(g) = groups
            .iter_mut()
            .find(|g| g.name.eq_ignore_ascii_case(group.trim()))
        else {
            return Ok(false);
        };
        if !g.remove_member(member) {
            return Ok(false);
        }
        self.rekey_and_save(&groups)?;
        Ok(true)
    }

    /// Writes `groups` under a fresh data key (content first, then the key file that opens
    /// it; a crash in between leaves the new content under the new key in the temp file).
    fn rekey_and_save(&mut self, groups: &[Group]) -> Result<()> {
        let key = DataKey::generate();
        let wrapped = wrap_key(&key, &self.secret)?;
        let plain = Zeroizing::new(serde_json::to_vec(groups)?);
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&key.seal(&plain, MAGIC));
        write_atomic(&self.dir.join(SEALED_FILE), &bytes)?;
        write_atomic(&self.dir.join(KEY_FILE), &wrapped)?;
        self.key = key;
        Ok(())
    }
}

/// Opens the default store for a command: a passphrase is required.
pub fn open_default(secret: Option<Secret>) -> Result<GroupStore> {
    let Some(secret) = secret else {
        return Err(anyhow::Error::new(CryptError::NeedPassphrase).context(NEED_PASSPHRASE));
    };
    GroupStore::open(&default_groups_dir(), &secret)
}

fn create_dir_private(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "kan map niet maken / cannot create folder: {}",
            dir.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::{Member, VoicePrint};
    use crate::session::crypt::KdfParams;
    use observant_speech::speakers::encoder::Embedding;

    fn secret(p: &str) -> Secret {
        Secret::new(p)
            .unwrap()
            .with_kdf(KdfParams::INSECURE_FOR_TESTS)
    }

    fn voice(k: usize) -> Embedding {
        let mut e = Embedding::default();
        e.0[k] = 1.0;
        e
    }

    fn group() -> Group {
        let mut g = Group::new("Intervisie Noord");
        for (k, n) in ["Annemarie", "Bartholomeus"].iter().enumerate() {
            let mut m = Member::new(n);
            m.consent = true;
            assert!(m.add_print(VoicePrint::new(&voice(k), 30.0, "sessie.wav", 7)));
            g.members.push(m);
        }
        g
    }

    #[test]
    fn round_trip_wrong_passphrase_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let s = GroupStore::open(dir.path(), &secret("geheim")).unwrap();
        assert!(s.load().unwrap().is_empty());
        s.put(group()).unwrap();
        let again = GroupStore::open(dir.path(), &secret("geheim")).unwrap();
        assert_eq!(again.load().unwrap(), vec![group()]);
        let e = GroupStore::open(dir.path(), &secret("fout")).unwrap_err();
        assert!(crate::session::crypt::is_wrong_passphrase(&e), "{e:#}");
        let p = dir.path().join(SEALED_FILE);
        let mut b = std::fs::read(&p).unwrap();
        let n = b.len();
        b[n - 3] ^= 1;
        std::fs::write(&p, b).unwrap();
        let e = again.load().unwrap_err().to_string();
        assert!(e.contains("beschadigd"), "{e}");
    }

    #[test]
    fn forgetting_a_member_rekeys_and_removes_the_print() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = GroupStore::open(dir.path(), &secret("geheim")).unwrap();
        s.put(group()).unwrap();
        let old_key = std::fs::read(dir.path().join(KEY_FILE)).unwrap();
        let old_sealed = std::fs::read(dir.path().join(SEALED_FILE)).unwrap();
        assert!(s.forget_member("intervisie noord", "bartholomeus").unwrap());
        assert!(!s.forget_member("intervisie noord", "bartholomeus").unwrap());
        assert_ne!(std::fs::read(dir.path().join(KEY_FILE)).unwrap(), old_key);
        let g = GroupStore::open(dir.path(), &secret("geheim"))
            .unwrap()
            .require("Intervisie Noord")
            .unwrap();
        assert_eq!(g.members.len(), 1);
        assert!(g.member("Bartholomeus").is_none());
        // The old file cannot be opened with the new key.
        let current = std::fs::read(dir.path().join(SEALED_FILE)).unwrap();
        std::fs::write(dir.path().join(SEALED_FILE), old_sealed).unwrap();
        assert!(s.load().is_err());
        std::fs::write(dir.path().join(SEALED_FILE), current).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(s.forget_group("Intervisie Noord").unwrap());
        assert!(s.load().unwrap().is_empty());
    }

    #[test]
    fn missing_group_names_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let s = GroupStore::open(dir.path(), &secret("geheim")).unwrap();
        assert!(s.require("X").unwrap_err().to_string().contains("nog geen"));
        s.put(group()).unwrap();
        assert!(
            s.require("X")
                .unwrap_err()
                .to_string()
                .contains("Intervisie Noord")
        );
        assert!(open_default(None).is_err());
    }
}
