//! The trusted raters' epoch lists, read from the files the configuration
//! names (`lists`): loaded at start and again whenever a file changes (a new
//! epoch), each checked against its rater's key by the verifier, and against
//! the digest first seen for its rater, schema and epoch, so that a rater
//! cannot swap in another list for an epoch already served (a split view).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use credence::epoch::EpochList;
use credence::verifier::{NonceStore, Verifier};
use credence::KeyId;

/// Why the lists were not (re)loaded; the lists held before stay in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("epoch list {}: {message}", .path.display())]
pub struct ListsError {
    /// The file at fault.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

/// What identifies a file's contents cheaply: its modification time and
/// length.
type Stamp = Option<(SystemTime, u64)>;

/// The digest first seen for a rater key, schema digest and epoch.
type Pin = ((KeyId, [u8; 32], u64), [u8; 32]);

/// The list files and what was seen of them.
#[derive(Debug)]
pub struct ListFiles {
    paths: Vec<PathBuf>,
    stamps: Vec<Stamp>,
    /// The digest first seen per rater key, schema and epoch.
    pins: Vec<Pin>,
}

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

impl ListFiles {
    /// The files at `paths`, not read yet.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        let stamps = vec![None; paths.len()];
        ListFiles {
            paths,
            stamps,
            pins: Vec::new(),
        }
    }

    /// Whether any list is configured.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Reads every file and gives the verifier the lists, all or none.
    /// Returns how many lists it now holds.
    ///
    /// # Errors
    /// A [`ListsError`] naming the first file that cannot be read or decoded,
    /// is not signed by a trusted rater key for its schema, or holds another
    /// list for an epoch seen before with another digest.
    pub fn load<S: NonceStore>(&mut self, verifier: &Verifier<S>) -> Result<usize, ListsError> {
        let mut lists = Vec::with_capacity(self.paths.len());
        let mut pins = self.pins.clone();
        let mut stamps = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            let error = |message: String| ListsError {
                path: path.clone(),
                message,
            };
            stamps.push(stamp(path));
            let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
            let list = EpochList::from_bytes(&bytes).map_err(|e| error(e.to_string()))?;
            let key = (list.key_id(), *list.schema_digest(), list.epoch());
            match pins.iter().find(|(k, _)| *k == key) {
                Some((_, digest)) if *digest != list.digest() => {
                    return Err(error(format!(
                        "epoch {} of rater key {} was served before with another list",
                        list.epoch(),
                        list.key_id()
                    )))
                }
                Some(_) => {}
                None => pins.push((key, list.digest())),
            }
            lists.push(Arc::new(list));
        }
        let count = lists.len();
        verifier.replace_lists(lists).map_err(|e| ListsError {
            path: self.paths.first().cloned().unwrap_or_default(),
            message: e.to_string(),
        })?;
        self.pins = pins;
        self.stamps = stamps;
        Ok(count)
    }

    /// Reloads the lists when a file changed since the last load: `Ok(None)`
    /// when none did.
    ///
    /// # Errors
    /// As [`ListFiles::load`]; the lists held before stay in use.
    pub fn refresh<S: NonceStore>(
        &mut self,
        verifier: &Verifier<S>,
    ) -> Result<Option<usize>, ListsError> {
        let now: Vec<Stamp> = self.paths.iter().map(|p| stamp(p)).collect();
        if now == self.stamps {
            return Ok(None);
        }
        self.load(verifier).map(Some)
    }
}
