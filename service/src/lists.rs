//! The trusted raters' epoch lists, from the files and URLs the
//! configuration names (`lists`): loaded at start and again whenever one
//! changes (a new epoch), each checked against its rater's key by the
//! verifier, and against the digest first seen for its rater, schema and
//! epoch, so that a rater cannot swap in another list for an epoch already
//! served (a split view).
//!
//! A file is read again when its modification time or length changes. A URL
//! is fetched again every refresh period, and every
//! [`RETRY_AFTER_EPOCH`] once the list it served is past its window, with
//! `If-None-Match`/`If-Modified-Since` when the server gave an `ETag` or a
//! `Last-Modified`; a body is decoded only when its bytes changed. The list
//! is signed, so a plain `http://` URL is as trustworthy as `https://` for
//! what the service accepts; TLS only hides which list is fetched.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use credence::epoch::{EpochList, MAX_LIST_LEN};
use credence::verifier::{NonceStore, Verifier};
use credence::KeyId;
use sha2::{Digest, Sha256};

/// How soon a URL is fetched again once the list it served is past its
/// window (the rater's next epoch is due), when that is sooner than the
/// refresh period.
pub const RETRY_AFTER_EPOCH: Duration = Duration::from_secs(30);

/// How long one fetch may take, connection and body included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest URL the configuration may name.
pub const MAX_URL_LEN: usize = 2048;

/// Where an epoch list comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// A file, as `credence rater publish-list` writes it.
    File(PathBuf),
    /// An `http://` or `https://` URL that answers the list's bytes.
    Url(String),
}

impl ListSource {
    /// A configuration entry: a URL when it starts with `http://` or
    /// `https://`, else a file path.
    ///
    /// # Errors
    /// A message when the entry is empty, or a URL that is too long, has
    /// no host, or holds whitespace or control characters.
    pub fn parse(entry: &str) -> Result<Self, String> {
        if entry.is_empty() {
            return Err("an entry is empty".into());
        }
        let lower = entry.get(..8).unwrap_or(entry).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            entry.get(8..)
        } else if lower.starts_with("http://") {
            entry.get(7..)
        } else {
            return Ok(ListSource::File(PathBuf::from(entry)));
        };
        if entry.len() > MAX_URL_LEN {
            return Err(format!("a URL is longer than {MAX_URL_LEN} bytes"));
        }
        if entry.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{entry:?} is not a URL"));
        }
        match rest.and_then(|r| r.split(['/', '?', '#']).next()) {
            Some(host) if !host.is_empty() => Ok(ListSource::Url(entry.to_owned())),
            _ => Err(format!("{entry:?} names no host")),
        }
    }
}

impl fmt::Display for ListSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListSource::File(p) => write!(f, "{}", p.display()),
            ListSource::Url(u) => f.write_str(u),
        }
    }
}

/// Why the lists were not (re)loaded; the lists held before stay in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("epoch list {origin}: {message}")]
pub struct ListsError {
    /// The file or URL at fault.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

/// What identifies a file's contents cheaply: its modification time and
/// length.
type Stamp = Option<(SystemTime, u64)>;

/// The digest first seen for a rater key, schema digest and epoch.
type Pin = ((KeyId, [u8; 32], u64), [u8; 32]);

/// What was seen of one source.
#[derive(Debug, Default)]
struct Seen {
    /// The list it gave last, as the verifier holds it.
    list: Option<Arc<EpochList>>,
    /// A file's stamp when it was read.
    stamp: Stamp,
    /// A URL's validators, for a conditional fetch.
    etag: Option<String>,
    last_modified: Option<String>,
    /// The SHA-256 of the bytes the list was decoded from.
    hash: Option<[u8; 32]>,
    /// When a URL was last fetched (successfully or not).
    fetched: Option<Instant>,
}

/// What a source gave when it was looked at.
enum Fetched {
    /// The same bytes as before.
    Unchanged,
    /// New bytes, with what identifies them.
    New {
        bytes: Vec<u8>,
        stamp: Stamp,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// The list sources and what was seen of them.
#[derive(Debug)]
pub struct ListSources {
    sources: Vec<ListSource>,
    seen: Vec<Seen>,
    /// How often a URL is fetched again.
    refresh: Duration,
    /// The digest first seen per rater key, schema and epoch.
    pins: Vec<Pin>,
    agent: ureq::Agent,
}

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl ListSources {
    /// The `sources`, not read yet; URLs are fetched again every `refresh`.
    pub fn new(sources: Vec<ListSource>, refresh: Duration) -> Self {
        let seen = sources.iter().map(|_| Seen::default()).collect();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(FETCH_TIMEOUT))
            .user_agent(concat!("credence-verifier/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        ListSources {
            sources,
            seen,
            refresh,
            pins: Vec::new(),
            agent,
        }
    }

    /// Whether any list is configured.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Reads every source and gives the verifier the lists, all or none.
    /// Returns how many lists it now holds.
    ///
    /// # Errors
    /// A [`ListsError`] naming the first source that cannot be read or
    /// decoded, is not signed by a trusted rater key for its schema, or
    /// holds another list for an epoch seen before with another digest.
    pub fn load<S: NonceStore>(&mut self, verifier: &Verifier<S>) -> Result<usize, ListsError> {
        let all = vec![true; self.sources.len()];
        self.reload(verifier, &all)
    }

    /// Reloads the lists when a file changed since it was read, or a URL
    /// is due and serves other bytes: `Ok(None)` when none did.
    ///
    /// # Errors
    /// As [`ListSources::load`]; the lists held before stay in use.
    pub fn refresh<S: NonceStore>(
        &mut self,
        verifier: &Verifier<S>,
    ) -> Result<Option<usize>, ListsError> {
        let now = unix_now();
        let due: Vec<bool> = self
            .sources
            .iter()
            .zip(&self.seen)
            .map(|(source, seen)| match source {
                ListSource::File(p) => stamp(p) != seen.stamp,
                ListSource::Url(_) => {
                    let wait = match &seen.list {
                        Some(l) if !l.is_current_at(now) => self.refresh.min(RETRY_AFTER_EPOCH),
                        _ => self.refresh,
                    };
                    seen.fetched.is_none_or(|t| t.elapsed() >= wait)
                }
            })
            .collect();
        if !due.contains(&true) {
            return Ok(None);
        }
        let before = self.hashes();
        let count = self.reload(verifier, &due)?;
        Ok((self.hashes() != before).then_some(count))
    }

    fn hashes(&self) -> Vec<Option<[u8; 32]>> {
        self.seen.iter().map(|s| s.hash).collect()
    }

    /// Looks at the sources marked in `due` (the others keep their list),
    /// and, when any gave new bytes, hands the verifier the whole set.
    fn reload<S: NonceStore>(
        &mut self,
        verifier: &Verifier<S>,
        due: &[bool],
    ) -> Result<usize, ListsError> {
        let mut fresh: Vec<Option<(Arc<EpochList>, Fetched)>> = Vec::with_capacity(due.len());
        for ((source, seen), &due) in self.sources.iter().zip(&mut self.seen).zip(due) {
            if !due {
                fresh.push(None);
                continue;
            }
            let error = |message: String| ListsError {
                origin: source.to_string(),
                message,
            };
            let fetched = match source {
                ListSource::File(p) => read_file(p),
                ListSource::Url(u) => {
                    seen.fetched = Some(Instant::now());
                    fetch(&self.agent, u, seen)
                }
            }
            .map_err(error)?;
            match fetched {
                Fetched::Unchanged => fresh.push(None),
                Fetched::New { ref bytes, .. } => {
                    let hash: [u8; 32] = Sha256::digest(bytes).into();
                    match &seen.list {
                        Some(l) if seen.hash == Some(hash) => {
                            fresh.push(Some((Arc::clone(l), fetched)))
                        }
                        _ => {
                            let list =
                                EpochList::from_bytes(bytes).map_err(|e| error(e.to_string()))?;
                            fresh.push(Some((Arc::new(list), fetched)));
                        }
                    }
                }
            }
        }

        // The whole set: new lists where a source gave one, else the held.
        let mut lists = Vec::with_capacity(self.sources.len());
        let mut pins = self.pins.clone();
        for ((source, seen), fresh) in self.sources.iter().zip(&self.seen).zip(&fresh) {
            let list = match (fresh, &seen.list) {
                (Some((l, _)), _) | (None, Some(l)) => Arc::clone(l),
                (None, None) => {
                    return Err(ListsError {
                        origin: source.to_string(),
                        message: "no list was read from it".into(),
                    })
                }
            };
            let key = (list.key_id(), *list.schema_digest(), list.epoch());
            match pins.iter().find(|(k, _)| *k == key) {
                Some((_, digest)) if *digest != list.digest() => {
                    return Err(ListsError {
                        origin: source.to_string(),
                        message: format!(
                            "epoch {} of rater key {} was served before with another list",
                            list.epoch(),
                            list.key_id()
                        ),
                    })
                }
                Some(_) => {}
                None => pins.push((key, list.digest())),
            }
            lists.push(list);
        }
        let count = lists.len();
        verifier
            .replace_lists(lists.iter().cloned())
            .map_err(|e| ListsError {
                origin: self
                    .sources
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                message: e.to_string(),
            })?;
        self.pins = pins;
        for ((seen, fresh), list) in self.seen.iter_mut().zip(fresh).zip(lists) {
            if let Some((
                _,
                Fetched::New {
                    bytes,
                    stamp,
                    etag,
                    last_modified,
                },
            )) = fresh
            {
                seen.hash = Some(Sha256::digest(&bytes).into());
                seen.stamp = stamp;
                seen.etag = etag;
                seen.last_modified = last_modified;
            }
            seen.list = Some(list);
        }
        Ok(count)
    }
}

fn read_file(path: &Path) -> Result<Fetched, String> {
    let stamp = stamp(path);
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_LIST_LEN as u64 {
        return Err(format!("longer than {MAX_LIST_LEN} bytes"));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    Ok(Fetched::New {
        bytes,
        stamp,
        etag: None,
        last_modified: None,
    })
}

/// Fetches `url`, conditionally when `seen` has validators; the body is
/// read up to the largest list's length.
fn fetch(agent: &ureq::Agent, url: &str, seen: &Seen) -> Result<Fetched, String> {
    let mut get = agent.get(url);
    if seen.list.is_some() {
        if let Some(etag) = &seen.etag {
            get = get.header("If-None-Match", etag);
        }
        if let Some(date) = &seen.last_modified {
            get = get.header("If-Modified-Since", date);
        }
    }
    let mut response = get.call().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if status == 304 && seen.list.is_some() {
        return Ok(Fetched::Unchanged);
    }
    if status != 200 {
        return Err(format!("the server answered {status}"));
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 256)
            .map(str::to_owned)
    };
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_LIST_LEN as u64)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => format!("longer than {MAX_LIST_LEN} bytes"),
            e => e.to_string(),
        })?;
    Ok(Fetched::New {
        bytes,
        stamp: None,
        etag,
        last_modified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_files_or_urls() {
        assert_eq!(
            ListSource::parse("court.list"),
            Ok(ListSource::File("court.list".into()))
        );
        assert_eq!(
            ListSource::parse("/srv/lists/court.list"),
            Ok(ListSource::File("/srv/lists/court.list".into()))
        );
        for url in [
            "https://court.example/lists/current",
            "http://127.0.0.1:8080/court.list",
            "HTTPS://court.example",
        ] {
            assert_eq!(ListSource::parse(url), Ok(ListSource::Url(url.into())));
        }
        for bad in [
            "",
            "https://",
            "http:///court.list",
            "https://court.example/a list",
            "https://court.example/\n",
        ] {
            assert!(ListSource::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("https://court.example/{}", "a".repeat(MAX_URL_LEN));
        assert!(ListSource::parse(&long).is_err());
    }
}
