//! Rotating the master key of a store that several nodes serve at once.
//!
//! Each node reads the master key from a file of its own, `P` (or one file
//! on storage they share), so the new key must reach every node before
//! anything is sealed under it, and the old key must open everything until
//! every node seals under the new one. The rotation goes in phases kept in
//! the store ([`MasterRotation`]); every node runs [`watch`], which moves
//! it along:
//!
//! 1. **Staged.** The node asked to rotate writes a new key to `P.next`
//!    (0600, synced), records the rotation with the key check sealed under
//!    the new key, and holds the new key to open with. Every node goes on
//!    sealing under the old key and serving: a node that has not reloaded
//!    keeps working. A node that finds `P.next` (the same file, or a copy
//!    the operator put beside its own key file) checks it against the key
//!    check, holds it too, and notes so in the store.
//! 2. **Sealing.** Once every serving node holds the new key, the rotation
//!    moves on and each node seals under the new key, and notes so.
//! 3. Once every serving node seals under the new key, one node re-seals
//!    everything still under the old key, pass after pass until two in a
//!    row find nothing, and ends the rotation: the old key opens nothing.
//!    Each node then forgets the old key and moves `P.next` over `P`.
//!
//! One node drives the phases: the one that started, or once it is gone
//! (unseen for a while) the first by name of those holding the new key. A
//! node that stops part-way takes up the recorded phase when it starts
//! ([`open_shared`]); a node gone no longer holds the rotation back.

use crate::master_key::{MasterKey, next_key_file, sync_dir_of};
use crate::seal::{Seal, SealError};
use crate::{Keyring, MasterPhase, MasterRotation, ServingNode};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often a node looks at the rotation.
const TICK: Duration = Duration::from_millis(250);
/// Every this many ticks an idle node checks that its key still opens
/// the store (it may have missed a rotation while unseen).
const CHECK_EVERY: u32 = 40;

/// What a node has of a rotation's new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKey {
    /// Only the old key.
    Missing,
    /// The new key, to open with.
    Held,
    /// Seals under the new key.
    Sealing,
}

impl NodeKey {
    /// The name the status shows.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKey::Missing => "missing",
            NodeKey::Held => "held",
            NodeKey::Sealing => "sealing",
        }
    }

    /// What `node` noted for rotation `id`.
    pub fn of(node: &ServingNode, id: &str) -> NodeKey {
        let Some((rotation, state)) = node.master_key.as_deref().and_then(|n| n.split_once(':')) else {
            return NodeKey::Missing;
        };
        match (rotation == id, state) {
            (true, "held") => NodeKey::Held,
            (true, "sealing") => NodeKey::Sealing,
            _ => NodeKey::Missing,
        }
    }

    fn note(self, id: &str) -> Option<String> {
        (self != NodeKey::Missing).then(|| format!("{id}:{}", self.as_str()))
    }

    fn of_seal(seal: &Seal) -> NodeKey {
        if seal.rotating() {
            NodeKey::Sealing
        } else if seal.holds_next() {
            NodeKey::Held
        } else {
            NodeKey::Missing
        }
    }
}

/// Starts a rotation on a shared store, on the node whose key file is
/// `path`: the new key in `P.next`, the rotation recorded, the new key
/// held. `None` when a rotation is under way already.
pub async fn begin<S: Keyring>(seal: &Seal, store: &S, path: &Path) -> Result<Option<MasterRotation>, SealError> {
    if store.master_rotation().await?.is_some() {
        return Ok(None);
    }
    let next = next_key_file(path);
    let key = MasterKey::create(&next)?;
    sync_dir_of(&next)?;
    let id = hex::encode(rand::random::<[u8; 8]>());
    let rotation = match store.begin_master_rotation(&id, Seal::key_check(&key)).await {
        Ok(r) if r.id == id => r,
        other => {
            // Another began first, or nothing was recorded: nothing is
            // sealed under this key.
            let _ = std::fs::remove_file(&next);
            return other.map(|_| None).map_err(SealError::from);
        }
    };
    seal.hold_next(&key);
    store.note_master_key(NodeKey::Held.note(&id).as_deref()).await?;
    tracing::info!(rotation = %id, file = %next.display(), "master key rotation staged: each node needs the new key file");
    Ok(Some(rotation))
}

/// The rotation under way and what each serving node has of its key.
pub async fn status<S: Keyring>(store: &S) -> Result<Option<(MasterRotation, Vec<(String, NodeKey)>)>, SealError> {
    let Some(rotation) = store.master_rotation().await? else { return Ok(None) };
    let nodes = store.serving_nodes().await?;
    let keys = nodes.iter().map(|n| (n.instance.clone(), NodeKey::of(n, &rotation.id))).collect();
    Ok(Some((rotation, keys)))
}

/// Opens a shared store with the key file `P` whose key is `key`, taking
/// up the rotation under way, if any: with its new key in `P.next` the
/// node holds it (staged) or seals under it (sealing); without it, the node
/// serves under the old key while staged, and refuses to start once the
/// other nodes seal under the new one.
pub async fn open_shared<S: Keyring>(store: &S, key: MasterKey, path: &Path) -> Result<Seal, SealError> {
    let next_path = next_key_file(path);
    let next = load_next(&next_path)?;
    let Some(rotation) = store.master_rotation().await? else {
        let Some(next) = next else { return Seal::unlock(store, key).await };
        if Seal::opens_store(store, &next).await? {
            // A rotation ended before this node moved the file.
            move_next_over(&next_path, path)?;
            return Seal::unlock(store, next).await;
        }
        // A rotation that was never recorded: nothing is sealed under it.
        tracing::warn!(path = %next_path.display(), "removing a new master key file no rotation uses");
        std::fs::remove_file(&next_path).map_err(|source| io(&next_path, source))?;
        return Seal::unlock(store, key).await;
    };
    let next = match next {
        Some(n) if Seal::opens_check(&n, &rotation.key_check) => Some(n),
        Some(_) => {
            tracing::warn!(path = %next_path.display(), "this file does not hold the new key of the master key rotation under way");
            None
        }
        None => None,
    };
    match (rotation.phase, next) {
        (MasterPhase::Staged, None) => Seal::unlock(store, key).await,
        (MasterPhase::Staged, Some(next)) => {
            let seal = Seal::unlock(store, key).await?;
            seal.hold_next(&next);
            Ok(seal)
        }
        (MasterPhase::Sealing, Some(next)) => Seal::unlock_rotating(store, key, Some(next)).await,
        (MasterPhase::Sealing, None) => Err(SealError::Rotating(next_path.display().to_string())),
    }
}

/// A key file written whole, if there is one.
fn load_next(path: &Path) -> Result<Option<MasterKey>, SealError> {
    match MasterKey::load(path) {
        Ok(k) => Ok(Some(k)),
        Err(SealError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
        // Half-copied: not the key yet.
        Err(SealError::Malformed(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn io(path: &Path, source: std::io::Error) -> SealError {
    SealError::Io { path: path.display().to_string(), source }
}

fn move_next_over(next: &Path, path: &Path) -> Result<(), SealError> {
    match std::fs::rename(next, path) {
        Ok(()) => sync_dir_of(path),
        // Another node sharing the file moved it first.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(next, e)),
    }
}

/// This node's part in rotations, for as long as it serves: see the
/// module's documentation.
pub async fn watch<S: Keyring>(seal: Arc<Seal>, store: Arc<S>, path: PathBuf) {
    let mut watcher = Watcher { seal, path, rotation: None, noted: None, ticks: 0 };
    loop {
        if let Err(e) = watcher.tick(&*store).await {
            tracing::warn!(error = %e, "master key rotation: will try again");
        }
        tokio::time::sleep(TICK).await;
    }
}

struct Watcher {
    seal: Arc<Seal>,
    path: PathBuf,
    /// The rotation the seal's second key belongs to.
    rotation: Option<String>,
    /// What this node last noted in the store.
    noted: Option<String>,
    ticks: u32,
}

impl Watcher {
    async fn tick<S: Keyring>(&mut self, store: &S) -> Result<(), SealError> {
        self.ticks = self.ticks.wrapping_add(1);
        let current = store.master_rotation().await?;
        if self.rotation.is_some() && self.rotation.as_deref() != current.as_ref().map(|r| r.id.as_str()) {
            self.ended(store).await?;
        }
        let Some(rotation) = current else {
            if self.ticks.is_multiple_of(CHECK_EVERY) {
                self.check_key(store).await?;
            }
            return Ok(());
        };
        if NodeKey::of_seal(&self.seal) == NodeKey::Missing
            && let Some(key) = load_next(&next_key_file(&self.path))?
            && Seal::opens_check(&key, &rotation.key_check)
        {
            self.seal.hold_next(&key);
            tracing::info!(rotation = %rotation.id, "holding the new master key");
        }
        if rotation.phase == MasterPhase::Sealing && self.seal.seal_under_next() {
            tracing::info!(rotation = %rotation.id, "sealing under the new master key");
        }
        let mine = NodeKey::of_seal(&self.seal);
        if mine != NodeKey::Missing {
            self.rotation = Some(rotation.id.clone());
        }
        self.note(store, mine.note(&rotation.id)).await?;
        let nodes = store.serving_nodes().await?;
        if !drives(&rotation, &nodes) {
            return Ok(());
        }
        let least = nodes.iter().map(|n| NodeKey::of(n, &rotation.id)).min().unwrap_or(NodeKey::Missing);
        match rotation.phase {
            MasterPhase::Staged if least >= NodeKey::Held => {
                store.set_master_phase(&rotation.id, MasterPhase::Sealing).await?;
            }
            MasterPhase::Sealing if least == NodeKey::Sealing => {
                let started = std::time::Instant::now();
                let resealed = self.seal.finish_rotation(store).await?;
                store.end_master_rotation(&rotation.id).await?;
                tracing::info!(rotation = %rotation.id, resealed, millis = started.elapsed().as_millis() as u64, "rotated the master key");
                self.ended(store).await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn note<S: Keyring>(&mut self, store: &S, note: Option<String>) -> Result<(), SealError> {
        if note != self.noted {
            store.note_master_key(note.as_deref()).await?;
            self.noted = note;
        }
        Ok(())
    }

    /// The rotation this node took part in ended: every node seals under
    /// the new key, and nothing is left under the old.
    async fn ended<S: Keyring>(&mut self, store: &S) -> Result<(), SealError> {
        self.seal.seal_under_next();
        self.seal.forget_previous();
        self.rotation = None;
        self.note(store, None).await?;
        self.check_key(store).await
    }

    /// Makes sure this node seals under the store's key; moves a `P.next`
    /// that holds it over `P`. A node left behind (unseen while a rotation
    /// ended without it) reloads its files.
    async fn check_key<S: Keyring>(&mut self, store: &S) -> Result<(), SealError> {
        let next_path = next_key_file(&self.path);
        if self.seal.current_opens_store(store).await? {
            if let Some(next) = load_next(&next_path)?
                && self.seal.seals_with(&next)
            {
                move_next_over(&next_path, &self.path)?;
            }
            return Ok(());
        }
        for (file, is_next) in [(&next_path, true), (&self.path, false)] {
            if let Some(key) = load_next(file)?
                && Seal::opens_store(store, &key).await?
            {
                self.seal.replace_key(&key);
                if is_next {
                    move_next_over(&next_path, &self.path)?;
                }
                tracing::warn!("this node missed a master key rotation; it reloaded the new key");
                return Ok(());
            }
        }
        tracing::error!(
            file = %self.path.display(),
            "this node's master key no longer opens the store (a rotation ended without it): put the new key in its file"
        );
        Ok(())
    }
}

/// Whether this node drives `rotation`: it started it, or its starter is
/// gone and this is the first by name of the nodes holding the new key.
fn drives(rotation: &MasterRotation, nodes: &[ServingNode]) -> bool {
    if nodes.iter().any(|n| n.instance == rotation.started_by) {
        return nodes.iter().any(|n| n.this && n.instance == rotation.started_by);
    }
    nodes
        .iter()
        .filter(|n| NodeKey::of(n, &rotation.id) >= NodeKey::Held)
        .min_by(|a, b| a.instance.cmp(&b.instance))
        .is_some_and(|n| n.this)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(instance: &str, note: Option<&str>, this: bool) -> ServingNode {
        ServingNode { instance: instance.into(), master_key: note.map(Into::into), this }
    }

    #[test]
    fn notes_read_back_for_their_rotation_only() {
        assert_eq!(NodeKey::of(&node("a", Some("r1:held"), false), "r1"), NodeKey::Held);
        assert_eq!(NodeKey::of(&node("a", Some("r1:sealing"), false), "r1"), NodeKey::Sealing);
        assert_eq!(NodeKey::of(&node("a", Some("r0:sealing"), false), "r1"), NodeKey::Missing);
        assert_eq!(NodeKey::of(&node("a", None, false), "r1"), NodeKey::Missing);
        assert_eq!(NodeKey::Held.note("r1").as_deref(), Some("r1:held"));
        assert_eq!(NodeKey::Missing.note("r1"), None);
    }

    #[test]
    fn the_starter_drives_while_it_serves_then_the_first_holder() {
        let rotation =
            MasterRotation { id: "r".into(), key_check: vec![], phase: MasterPhase::Staged, started_by: "b".into() };
        let nodes = [node("a", Some("r:held"), true), node("b", Some("r:held"), false)];
        assert!(!drives(&rotation, &nodes), "b started it and serves");
        let nodes = [node("c", Some("r:held"), false), node("a", Some("r:held"), true)];
        assert!(drives(&rotation, &nodes), "b is gone: a is first");
        let nodes = [node("a", None, true), node("c", Some("r:held"), false)];
        assert!(!drives(&rotation, &nodes), "a does not hold the key");
    }
}
