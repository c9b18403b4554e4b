//! The master key: where it comes from (a 0600 file, an environment
//! variable, a command's output), and rotating a key file while the
//! server runs.
//!
//! Rotating a file-held key writes the new key beside the old one as
//! `<file>.next` (0600, synced) before anything is sealed under it, has the
//! seal re-seal everything under it, then renames it over the old file. A
//! server that stops half-way finds both files when it starts: it opens
//! the store with either and finishes the rotation first
//! ([`open_key_file`]).

use crate::Keyring;
use crate::seal::{Seal, SealError};
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The 256-bit master key. Zeroized on drop; never logged.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        MasterKey(Zeroizing::new(rand::random()))
    }

    /// Reads a key file (64 hex characters, surrounding whitespace ignored).
    pub fn load(path: &Path) -> Result<Self, SealError> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|source| SealError::Io { path: path.display().to_string(), source })?,
        );
        MasterKey::from_hex(&text, &format!("file {}", path.display()))
    }

    /// A key from its 64 hex characters (surrounding whitespace ignored);
    /// `source` names where it came from, for the error.
    pub fn from_hex(text: &str, source: &str) -> Result<Self, SealError> {
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), &mut *key).map_err(|_| SealError::Malformed(source.to_string()))?;
        Ok(MasterKey(key))
    }

    /// The key a command prints (a KMS decrypt, an HSM or Vault transit
    /// fetch): `sh -c command`, its standard output read as the key, never
    /// shown; its standard error goes to rekey's.
    pub fn from_command(command: &str) -> Result<Self, SealError> {
        let out = std::process::Command::new("sh")
            .args(["-c", command])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| SealError::Command(format!("cannot run sh: {e}")))?;
        let stdout = Zeroizing::new(out.stdout);
        if !out.status.success() {
            return Err(SealError::Command(format!("it exited with {}", out.status)));
        }
        let text = Zeroizing::new(String::from_utf8_lossy(&stdout).into_owned());
        MasterKey::from_hex(&text, "the master key command")
    }

    /// Creates a new key file with mode 0600; fails if the file exists, so a
    /// key is never overwritten.
    pub fn create(path: &Path) -> Result<Self, SealError> {
        use std::os::unix::fs::OpenOptionsExt;
        let io = |source| SealError::Io { path: path.display().to_string(), source };
        let key = Self::generate();
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
        let mut hex = Zeroizing::new([0u8; 64]);
        hex::encode_to_slice(&key.0[..], &mut *hex).expect("64 bytes hold 32 in hex");
        file.write_all(&*hex).and_then(|_| file.write_all(b"\n")).and_then(|_| file.sync_all()).map_err(io)?;
        Ok(key)
    }
}

impl MasterKey {
    /// The key's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// Where the key of a rotation under way is written.
pub fn next_key_file(path: &Path) -> PathBuf {
    let mut next = path.as_os_str().to_owned();
    next.push(".next");
    PathBuf::from(next)
}

pub(crate) fn sync_dir_of(path: &Path) -> Result<(), SealError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| SealError::Io { path: dir.display().to_string(), source })
}

/// Unlocks `store` with the key file `path`, finishing a rotation that
/// stopped half-way (a `<path>.next` beside it) before it returns.
/// A shared store's rotation runs in phases all nodes take part in
/// ([`crate::master_rotation`]): its node takes up the phase recorded.
pub async fn open_key_file<S: Keyring>(store: &S, path: &Path) -> Result<Seal, SealError> {
    let key = MasterKey::load(path)?;
    if store.shared() {
        return crate::master_rotation::open_shared(store, key, path).await;
    }
    let next = next_key_file(path);
    if !next.exists() {
        return Seal::unlock(store, key).await;
    }
    let next_key = match MasterKey::load(&next) {
        Ok(k) => k,
        // Cut short while it was written: nothing was sealed under it yet
        // (the seal switches only once the file is whole and synced).
        Err(SealError::Malformed(_)) => {
            tracing::warn!(path = %next.display(), "removing a new master key file left half-written");
            std::fs::remove_file(&next).map_err(|source| SealError::Io { path: next.display().to_string(), source })?;
            return Seal::unlock(store, key).await;
        }
        Err(e) => return Err(e),
    };
    let seal = Seal::unlock_rotating(store, key, Some(next_key)).await?;
    let resealed = seal.finish_rotation(store).await?;
    std::fs::rename(&next, path).map_err(|source| SealError::Io { path: next.display().to_string(), source })?;
    sync_dir_of(path)?;
    tracing::info!(resealed, "finished the master key rotation that had stopped");
    Ok(seal)
}

/// Rotates the key file `path` of a running `seal`: a new random key, in
/// `<path>.next` first, everything re-sealed under it, then in `path`. The
/// old key opens nothing afterwards. Returns how many blobs were re-sealed.
pub async fn rotate_key_file<S: Keyring>(seal: &Seal, store: &S, path: &Path) -> Result<usize, SealError> {
    let next = next_key_file(path);
    let key = MasterKey::create(&next)?;
    sync_dir_of(&next)?;
    let resealed = seal.rotate_master(store, key).await?;
    std::fs::rename(&next, path).map_err(|source| SealError::Io { path: next.display().to_string(), source })?;
    sync_dir_of(path)?;
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_reads_back_and_anything_else_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let key = MasterKey::create(&path).unwrap();
        assert_eq!(*MasterKey::load(&path).unwrap().0, *key.0);
        assert!(MasterKey::create(&path).is_err(), "never overwritten");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        // 64 bytes that are not 64 hex digits: a multi-byte character, an
        // odd digit, a short key. Refused, never a panic.
        for text in [format!("aé{}", "a".repeat(61)), format!("{}g", "a".repeat(63)), "ab".repeat(31)] {
            std::fs::write(dir.path().join("bad"), &text).unwrap();
            assert!(matches!(MasterKey::load(&dir.path().join("bad")), Err(SealError::Malformed(_))), "{text}");
        }
    }
}
