//! The rater's issuance records (spec/wallet.md §7.3): which credential
//! digests it issued, to whom (a label of its own) and until when, which it
//! revoked, and the epoch lists it published from them.

use std::fmt;
use std::path::Path;

use curve25519_dalek::ristretto::CompressedRistretto;
use serde::{Deserialize, Serialize};

use super::{FileError, JsonProblem};
use crate::epoch::{EpochList, EpochWindow, ListError};
use crate::errors::DecodeError;
use crate::issuance::IssuedCredential;
use crate::keys::{KeyId, RaterPublicKey, RaterSigningKey};
use crate::policy::Date;
use crate::schema::Schema;
use crate::wire::{self, b64};

/// The `format` of an issuance records file.
const RECORDS_FORMAT: &str = "credence-issuance-records";
/// The only version this library reads and writes.
const VERSION: u32 = 1;
/// Longest subject label.
pub const MAX_SUBJECT_LEN: usize = 256;

/// One issuance: the digests of a batch of credentials with the same values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuanceRecord {
    /// When it was issued (seconds since the Unix epoch).
    pub issued_at: u64,
    /// The rater's own label for the subject (a customer number, a case
    /// number), if it gave one.
    pub subject: Option<String>,
    /// The credentials' expiry date: they are listed up to that day.
    pub valid_until: Date,
    /// The digests of the batch's credentials.
    pub digests: Vec<CompressedRistretto>,
    /// When it was revoked, if it was: it is left out of the lists of every
    /// later epoch.
    pub revoked_at: Option<u64>,
}

/// An epoch list the rater published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishedList {
    /// The epoch and window.
    pub window: EpochWindow,
    /// The number of entries.
    pub count: usize,
    /// The list digest.
    pub digest: [u8; 32],
}

/// Which issuances to revoke.
#[derive(Clone, Copy, Debug)]
pub enum Revoke<'a> {
    /// Every issuance recorded with this subject label.
    Subject(&'a str),
    /// The issuance one of whose credentials has this digest.
    Digest(&'a CompressedRistretto),
}

/// Why the records refuse a change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordsError {
    /// The records are another rater key's or schema's.
    #[error("these records are for rater key {key_id}, schema digest {schema}")]
    OtherRater {
        /// The records' key id.
        key_id: KeyId,
        /// The records' schema digest (base64url).
        schema: String,
    },
    /// An issued credential has no digest.
    #[error("an issued credential has no digest to record")]
    NoDigest,
    /// The subject label is empty, too long or has control characters.
    #[error("a subject label is 1 to {MAX_SUBJECT_LEN} bytes without control characters")]
    Subject,
    /// The epoch is not after the last one published.
    #[error("epoch {epoch} is not after the last published epoch {last}")]
    Epoch {
        /// The epoch asked for.
        epoch: u64,
        /// The last published.
        last: u64,
    },
    /// The list cannot be signed.
    #[error(transparent)]
    List(#[from] ListError),
}

/// A rater's issuance records for one key and schema (spec/wallet.md §7.3).
///
/// They hold no secret, but they name subjects: the file is written with
/// mode 0600.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuanceRecords {
    key_id: KeyId,
    schema_digest: [u8; 32],
    records: Vec<IssuanceRecord>,
    lists: Vec<PublishedList>,
}

impl fmt::Debug for IssuanceRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuanceRecords")
            .field("key_id", &self.key_id)
            .field("records", &self.records.len())
            .field("lists", &self.lists.len())
            .finish()
    }
}

impl IssuanceRecords {
    /// Empty records for `rater` and `schema`.
    pub fn new(rater: &RaterPublicKey, schema: &Schema) -> Self {
        IssuanceRecords {
            key_id: rater.key_id(),
            schema_digest: schema.digest(),
            records: Vec::new(),
            lists: Vec::new(),
        }
    }

    /// The issuances, oldest first.
    pub fn records(&self) -> &[IssuanceRecord] {
        &self.records
    }

    /// The lists published, oldest first.
    pub fn lists(&self) -> &[PublishedList] {
        &self.lists
    }

    /// The epoch after the last one published (1 for the first).
    pub fn next_epoch(&self) -> u64 {
        self.lists
            .last()
            .map_or(1, |l| l.window.epoch.saturating_add(1))
    }

    fn check_rater(&self, rater: &RaterPublicKey, schema: &Schema) -> Result<(), RecordsError> {
        if rater.key_id() != self.key_id || schema.digest() != self.schema_digest {
            return Err(RecordsError::OtherRater {
                key_id: self.key_id,
                schema: b64::encode(&self.schema_digest),
            });
        }
        Ok(())
    }

    /// Records a batch issued at `now` (seconds since the Unix epoch).
    ///
    /// # Errors
    /// [`RecordsError::OtherRater`] for credentials of another key or
    /// schema; [`RecordsError::NoDigest`]; [`RecordsError::Subject`].
    pub fn add(
        &mut self,
        issued: &[IssuedCredential],
        subject: Option<&str>,
        valid_until: Date,
        now: u64,
    ) -> Result<(), RecordsError> {
        if let Some(s) = subject {
            check_subject(s)?;
        }
        let mut digests = Vec::with_capacity(issued.len());
        for i in issued {
            let c = i.credential();
            if c.key_id() != self.key_id || *c.schema_digest() != self.schema_digest {
                return Err(RecordsError::OtherRater {
                    key_id: self.key_id,
                    schema: b64::encode(&self.schema_digest),
                });
            }
            digests.push(*i.digest().ok_or(RecordsError::NoDigest)?.point());
        }
        self.records.push(IssuanceRecord {
            issued_at: now,
            subject: subject.map(str::to_owned),
            valid_until,
            digests,
            revoked_at: None,
        });
        Ok(())
    }

    /// Revokes the issuances `which` names at `now`; returns how many were
    /// revoked now (those revoked before keep their time).
    pub fn revoke(&mut self, which: Revoke<'_>, now: u64) -> usize {
        let mut count = 0;
        for r in &mut self.records {
            let hit = match which {
                Revoke::Subject(s) => r.subject.as_deref() == Some(s),
                Revoke::Digest(d) => r.digests.contains(d),
            };
            if hit && r.revoked_at.is_none() {
                r.revoked_at = Some(now);
                count += 1;
            }
        }
        count
    }

    /// The digests a list current on `day` holds: those of every issuance
    /// not revoked whose credentials are valid on that day.
    pub fn listed(&self, day: Date) -> Vec<CompressedRistretto> {
        self.records
            .iter()
            .filter(|r| r.revoked_at.is_none() && r.valid_until >= day)
            .flat_map(|r| r.digests.iter().copied())
            .collect()
    }

    /// Signs the list for `window` from the records (the credentials not
    /// revoked and valid on the window's first day) and records it.
    ///
    /// # Errors
    /// [`RecordsError::OtherRater`]; [`RecordsError::Epoch`] when the epoch
    /// is not after the last published; [`RecordsError::List`].
    pub fn publish(
        &mut self,
        key: &RaterSigningKey,
        schema: &Schema,
        window: EpochWindow,
        base: usize,
    ) -> Result<EpochList, RecordsError> {
        self.check_rater(&key.public_key(), schema)?;
        if let Some(last) = self.lists.last() {
            if window.epoch <= last.window.epoch {
                return Err(RecordsError::Epoch {
                    epoch: window.epoch,
                    last: last.window.epoch,
                });
            }
        }
        let day = Date::from_days(window.not_before / 86_400).map_err(|_| ListError::Window)?;
        let list = EpochList::sign(key, schema, window, base, &self.listed(day))?;
        self.lists.push(PublishedList {
            window,
            count: list.len(),
            digest: list.digest(),
        });
        Ok(list)
    }

    /// The file's JSON.
    ///
    /// # Errors
    /// [`FileError::Encode`] (serializing strings cannot fail in practice).
    pub fn to_json(&self) -> Result<Vec<u8>, FileError> {
        let raw = RawRecords {
            format: RECORDS_FORMAT.to_owned(),
            version: VERSION,
            key_id: self.key_id.to_string(),
            schema_digest: b64::encode(&self.schema_digest),
            records: self
                .records
                .iter()
                .map(|r| RawRecord {
                    issued_at: r.issued_at,
                    subject: r.subject.clone(),
                    valid_until: r.valid_until,
                    digests: r
                        .digests
                        .iter()
                        .map(|d| b64::encode(d.as_bytes()))
                        .collect(),
                    revoked_at: r.revoked_at,
                })
                .collect(),
            lists: self
                .lists
                .iter()
                .map(|l| RawList {
                    epoch: l.window.epoch,
                    not_before: l.window.not_before,
                    not_after: l.window.not_after,
                    count: l.count,
                    digest: b64::encode(&l.digest),
                })
                .collect(),
        };
        let mut out = serde_json::to_vec_pretty(&raw).map_err(|_| FileError::Encode {
            what: RECORDS_FORMAT,
        })?;
        out.push(b'\n');
        Ok(out)
    }

    /// Decodes a records file's JSON; `path` names it in errors.
    ///
    /// # Errors
    /// [`FileError::Json`], [`FileError::Format`] or [`FileError::Field`].
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self, FileError> {
        let raw: RawRecords = serde_json::from_slice(bytes).map_err(|e| FileError::Json {
            path: path.to_owned(),
            problem: JsonProblem::of(&e),
        })?;
        if raw.format != RECORDS_FORMAT || raw.version != VERSION {
            return Err(FileError::Format {
                path: path.to_owned(),
                format: RECORDS_FORMAT,
            });
        }
        let field = |name, index| {
            move |error| FileError::Field {
                path: path.to_owned(),
                field: super::FieldName { name, index },
                error,
            }
        };
        let key_id = parse_key_id(&raw.key_id).map_err(field("key_id", None))?;
        let schema_digest = fixed::<32>(&raw.schema_digest, "schema digest")
            .map_err(field("schema_digest", None))?;
        let mut records = Vec::with_capacity(raw.records.len());
        for (i, r) in raw.records.into_iter().enumerate() {
            if let Some(s) = &r.subject {
                check_subject(s).map_err(|_| {
                    field("record", Some(i))(DecodeError::Malformed("subject label"))
                })?;
            }
            let digests = r
                .digests
                .iter()
                .map(|d| {
                    let p = CompressedRistretto(fixed::<32>(d, "credential digest")?);
                    wire::decompress(&p, "credential digest")?;
                    Ok(p)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(field("record", Some(i)))?;
            records.push(IssuanceRecord {
                issued_at: r.issued_at,
                subject: r.subject,
                valid_until: r.valid_until,
                digests,
                revoked_at: r.revoked_at,
            });
        }
        let mut lists = Vec::with_capacity(raw.lists.len());
        for (i, l) in raw.lists.into_iter().enumerate() {
            lists.push(PublishedList {
                window: EpochWindow {
                    epoch: l.epoch,
                    not_before: l.not_before,
                    not_after: l.not_after,
                },
                count: l.count,
                digest: fixed::<32>(&l.digest, "list digest").map_err(field("list", Some(i)))?,
            });
        }
        Ok(IssuanceRecords {
            key_id,
            schema_digest,
            records,
            lists,
        })
    }
}

/// Checks a subject label: 1 to [`MAX_SUBJECT_LEN`] bytes without control
/// characters.
///
/// # Errors
/// [`RecordsError::Subject`].
pub fn check_subject(s: &str) -> Result<(), RecordsError> {
    if s.is_empty() || s.len() > MAX_SUBJECT_LEN || s.chars().any(char::is_control) {
        return Err(RecordsError::Subject);
    }
    Ok(())
}

fn fixed<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], DecodeError> {
    b64::decode_str(s, what)?
        .try_into()
        .map_err(|_| DecodeError::Malformed(what))
}

fn parse_key_id(s: &str) -> Result<KeyId, DecodeError> {
    KeyId::parse_hex(s).ok_or(DecodeError::Malformed("key id"))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecords {
    format: String,
    version: u32,
    key_id: String,
    schema_digest: String,
    records: Vec<RawRecord>,
    lists: Vec<RawList>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    issued_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    valid_until: Date,
    digests: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revoked_at: Option<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    epoch: u64,
    not_before: u64,
    not_after: u64,
    count: usize,
    digest: String,
}

/// An issuance records file held open under an exclusive lock, so that
/// commands on one rater's records take turns and no record is lost. It
/// dereferences to the [`IssuanceRecords`].
#[cfg(feature = "files")]
pub struct IssuanceRecordsFile {
    path: std::path::PathBuf,
    lock: std::fs::File,
    records: IssuanceRecords,
}

#[cfg(feature = "files")]
impl fmt::Debug for IssuanceRecordsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuanceRecordsFile")
            .field("path", &self.path)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "files")]
impl IssuanceRecordsFile {
    /// How long opening waits for another command to finish with the file.
    pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

    /// Locks and loads the records at `path`.
    ///
    /// # Errors
    /// [`FileError::Locked`], [`FileError::Read`], [`FileError::TooLarge`];
    /// as [`IssuanceRecords::from_json`].
    pub fn open(path: &Path) -> Result<Self, FileError> {
        let lock = super::lock_current(path, Self::LOCK_WAIT).map_err(|e| match e {
            super::LockError::Busy => FileError::Locked(path.to_owned()),
            super::LockError::Io(e) => super::fs::read_error(path, &e),
        })?;
        super::remove_temporary_files(path).map_err(|e| super::fs::read_error(path, &e))?;
        let bytes = super::fs::read_from(&lock, path)?;
        Ok(IssuanceRecordsFile {
            path: path.to_owned(),
            records: IssuanceRecords::from_json(&bytes, path)?,
            lock,
        })
    }

    /// Opens the records at `path`, or creates empty records for `rater` and
    /// `schema` there when there is no file; checks that they are this
    /// rater's.
    ///
    /// # Errors
    /// As [`IssuanceRecordsFile::open`]; [`FileError::Write`];
    /// [`FileError::Records`] when they are another key's or schema's.
    pub fn open_or_create(
        path: &Path,
        rater: &RaterPublicKey,
        schema: &Schema,
    ) -> Result<Self, FileError> {
        let file = if path.symlink_metadata().is_ok() {
            Self::open(path)?
        } else {
            let records = IssuanceRecords::new(rater, schema);
            match super::write_atomic_file(
                path,
                &records.to_json()?,
                0o600,
                super::Replace::No,
                true,
            ) {
                Ok(lock) => IssuanceRecordsFile {
                    path: path.to_owned(),
                    lock,
                    records,
                },
                // Another command created it first.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::open(path)?,
                Err(e) => return Err(super::write_error(path, &e)),
            }
        };
        file.records
            .check_rater(rater, schema)
            .map_err(|e| FileError::Records {
                path: path.to_owned(),
                error: e,
            })?;
        Ok(file)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file crash-safely with the records as they are now,
    /// keeping the lock.
    ///
    /// # Errors
    /// [`FileError::Write`]; [`FileError::Encode`]. The file is unchanged on
    /// error.
    pub fn save(&mut self) -> Result<(), FileError> {
        let json = self.records.to_json()?;
        self.lock = super::write_atomic_file(&self.path, &json, 0o600, super::Replace::Yes, true)
            .map_err(|e| super::write_error(&self.path, &e))?;
        Ok(())
    }
}

#[cfg(feature = "files")]
impl std::ops::Deref for IssuanceRecordsFile {
    type Target = IssuanceRecords;
    fn deref(&self) -> &IssuanceRecords {
        &self.records
    }
}

#[cfg(feature = "files")]
impl std::ops::DerefMut for IssuanceRecordsFile {
    fn deref_mut(&mut self) -> &mut IssuanceRecords {
        &mut self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::LinkSecret;
    use crate::fixtures::{court_schema, date, rng, Rater};

    const DAY: u64 = 86_400;

    fn issue(court: &Rater, seed: u64, until: &str) -> Vec<IssuedCredential> {
        let link = LinkSecret::generate(&mut rng(seed));
        let (req, _) =
            link.issuance_request_with_rng(&court.public(), &court.schema, &mut rng(seed));
        court
            .key
            .issue_with_rng(
                &court.schema,
                &req,
                &[
                    ("outstanding_defaults", 0),
                    ("valid_until", date(until).days()),
                ],
                2,
                &mut rng(seed + 1),
            )
            .unwrap()
    }

    fn window(epoch: u64, day: &str) -> EpochWindow {
        let start = date(day).days() * DAY;
        EpochWindow {
            epoch,
            not_before: start,
            not_after: start + DAY,
        }
    }

    #[test]
    fn lists_hold_what_is_valid_and_not_revoked() {
        let court = Rater::new(court_schema(), 2);
        let mut r = IssuanceRecords::new(&court.public(), &court.schema);
        let mei = issue(&court, 10, "2027-12-31");
        let old = issue(&court, 20, "2027-01-31");
        let li = issue(&court, 30, "2027-12-31");
        r.add(&mei, Some("case 4711"), date("2027-12-31"), 100)
            .unwrap();
        r.add(&old, None, date("2027-01-31"), 101).unwrap();
        r.add(&li, Some("case 815"), date("2027-12-31"), 102)
            .unwrap();
        assert_eq!(r.next_epoch(), 1);

        let first = r
            .publish(&court.key, &court.schema, window(1, "2027-01-15"), 4)
            .unwrap();
        assert_eq!(first.len(), 6);
        first.verify(&court.public(), &court.schema).unwrap();
        // Expired on the window's first day: left out.
        let second = r
            .publish(&court.key, &court.schema, window(2, "2027-02-01"), 4)
            .unwrap();
        assert_eq!(second.len(), 4);
        assert!(second.position(old[0].digest().unwrap().point()).is_none());

        assert_eq!(r.revoke(Revoke::Subject("case 4711"), 200), 1);
        assert_eq!(r.revoke(Revoke::Subject("case 4711"), 300), 0, "once");
        let third = r
            .publish(&court.key, &court.schema, window(3, "2027-02-02"), 4)
            .unwrap();
        assert_eq!(third.len(), 2);
        for c in &mei {
            assert!(second.position(c.digest().unwrap().point()).is_some());
            assert!(third.position(c.digest().unwrap().point()).is_none());
        }
        assert_eq!(
            r.revoke(Revoke::Digest(li[1].digest().unwrap().point()), 400),
            1
        );
        assert_eq!(r.records()[2].revoked_at, Some(400));
        assert_eq!(
            r.publish(&court.key, &court.schema, window(4, "2027-02-03"), 4),
            Err(RecordsError::List(ListError::Empty))
        );
        assert_eq!(
            r.publish(&court.key, &court.schema, window(3, "2027-02-03"), 4),
            Err(RecordsError::Epoch { epoch: 3, last: 3 })
        );
        assert_eq!(r.lists().len(), 3);
        assert_eq!(r.lists()[2].digest, third.digest());
        assert_eq!(r.next_epoch(), 4);
    }

    #[test]
    fn records_refuse_another_rater_and_bad_labels() {
        let court = Rater::new(court_schema(), 2);
        let other = Rater::new(court_schema(), 3);
        let mut r = IssuanceRecords::new(&court.public(), &court.schema);
        assert!(matches!(
            r.add(&issue(&other, 1, "2027-12-31"), None, date("2027-12-31"), 1),
            Err(RecordsError::OtherRater { .. })
        ));
        assert!(matches!(
            r.publish(&other.key, &other.schema, window(1, "2027-01-01"), 4),
            Err(RecordsError::OtherRater { .. })
        ));
        for bad in ["", "tab\there", &"x".repeat(MAX_SUBJECT_LEN + 1)] {
            assert_eq!(
                r.add(
                    &issue(&court, 1, "2027-12-31"),
                    Some(bad),
                    date("2027-12-31"),
                    1
                ),
                Err(RecordsError::Subject)
            );
        }
        assert!(r.records().is_empty());
    }

    #[test]
    fn the_json_round_trips_and_is_checked() {
        let court = Rater::new(court_schema(), 2);
        let mut r = IssuanceRecords::new(&court.public(), &court.schema);
        r.add(
            &issue(&court, 10, "2027-12-31"),
            Some("case 1"),
            date("2027-12-31"),
            7,
        )
        .unwrap();
        r.publish(&court.key, &court.schema, window(1, "2027-01-15"), 4)
            .unwrap();
        r.revoke(Revoke::Subject("case 1"), 9);
        let json = r.to_json().unwrap();
        let path = Path::new("records.json");
        assert_eq!(IssuanceRecords::from_json(&json, path).unwrap(), r);

        let text = String::from_utf8(json).unwrap();
        let digest = b64::encode(r.records()[0].digests[0].as_bytes());
        let bad = text.replace(&digest, &b64::encode(&[0xff; 32]));
        assert!(matches!(
            IssuanceRecords::from_json(bad.as_bytes(), path),
            Err(FileError::Field {
                error: DecodeError::InvalidPoint(_),
                ..
            })
        ));
        let bad = text.replace("credence-issuance-records", "credence-wallet");
        assert!(matches!(
            IssuanceRecords::from_json(bad.as_bytes(), path),
            Err(FileError::Format { .. })
        ));
        let bad = text.replace(&r.key_id.to_string(), "zz");
        assert!(matches!(
            IssuanceRecords::from_json(bad.as_bytes(), path),
            Err(FileError::Field { .. })
        ));
    }

    #[test]
    fn the_file_is_locked_and_saved() {
        let court = Rater::new(court_schema(), 2);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("court.records.json");
        let mut f =
            IssuanceRecordsFile::open_or_create(&path, &court.public(), &court.schema).unwrap();
        f.add(
            &issue(&court, 10, "2027-12-31"),
            None,
            date("2027-12-31"),
            7,
        )
        .unwrap();
        f.save().unwrap();
        // Held: another command waits, then gives up.
        assert!(matches!(
            super::super::lock_current(&path, std::time::Duration::from_millis(50)),
            Err(super::super::LockError::Busy)
        ));
        drop(f);
        let again =
            IssuanceRecordsFile::open_or_create(&path, &court.public(), &court.schema).unwrap();
        assert_eq!(again.records().len(), 1);
        drop(again);
        let other = Rater::new(court_schema(), 3);
        assert!(matches!(
            IssuanceRecordsFile::open_or_create(&path, &other.public(), &other.schema),
            Err(FileError::Records { .. })
        ));
    }
}
