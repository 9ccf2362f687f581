//! `credence rater …`: create a key, issue credentials.

use std::path::Path;

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use credence::epoch::EpochWindow;
use credence::files::{IssuanceRecordsFile, IssuedCredentialsFile, RaterKeyFile, Replace, Revoke};
use credence::rater::{IssuanceRequest, RaterSigningKey};
use credence::{AttributeKind, Date, RaterDescriptor, Schema};

use crate::io::{self, show, Failure, Outcome, OK};

/// `rater init`.
pub fn init(schema_path: &Path, key_path: &Path) -> Outcome {
    let schema: Schema = io::read_json(schema_path)?;
    if key_path.symlink_metadata().is_ok() {
        return Err(Failure::input(format!(
            "{} already exists; refusing to overwrite it",
            show(key_path)
        )));
    }
    let file = RaterKeyFile {
        schema,
        signing_key: RaterSigningKey::generate(&mut rand_core::OsRng),
    };
    file.create(key_path).map_err(Failure::input)?;
    io::print(&io::to_json(&RaterDescriptor::new(
        file.schema.clone(),
        file.signing_key.public_key(),
    ))?)?;
    Ok(OK)
}

/// Reads `NAME=VALUE`: a date for date attributes, else an unsigned integer.
fn value(schema: &Schema, assignment: &str) -> Result<(String, u64), Failure> {
    let (name, v) = assignment
        .split_once('=')
        .ok_or_else(|| Failure::input(format!("--set `{assignment}`: expected NAME=VALUE")))?;
    let i = schema.index_of(name).ok_or_else(|| {
        Failure::input(format!(
            "--set: schema `{}` has no attribute `{name}`",
            schema.id()
        ))
    })?;
    if i == schema.expiry_index() {
        return Err(Failure::input(format!(
            "--set: give the expiry `{name}` with --valid-until"
        )));
    }
    let n = match schema.attributes()[i].kind {
        AttributeKind::Date => Date::parse(v)
            .map_err(|e| Failure::input(format!("--set {name}: {e}")))?
            .days(),
        AttributeKind::Uint { .. } => v
            .parse::<u64>()
            .map_err(|_| Failure::input(format!("--set {name}: expected an unsigned integer")))?,
    };
    Ok((name.to_owned(), n))
}

/// The records file: the one given, or the key file's path with
/// `.records.json`.
fn records_path(key_path: &Path, records: Option<&Path>) -> PathBuf {
    records.map_or_else(
        || {
            let mut p = key_path.as_os_str().to_owned();
            p.push(".records.json");
            PathBuf::from(p)
        },
        Path::to_path_buf,
    )
}

/// Seconds since the Unix epoch, from the system clock.
fn now() -> Result<u64, Failure> {
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Failure::input("the system clock is before 1970"))?
        .as_secs())
}

/// `rater issue`.
#[allow(clippy::too_many_arguments)]
pub fn issue(
    key_path: &Path,
    request_path: &Path,
    set: &[String],
    valid_until: Date,
    batch: usize,
    out: Option<&Path>,
    records: Option<&Path>,
    subject: Option<&str>,
) -> Outcome {
    let RaterKeyFile {
        schema,
        signing_key: key,
    } = RaterKeyFile::load(key_path).map_err(Failure::input)?;

    if let Some(label) = subject {
        credence::files::check_subject(label)
            .map_err(|e| Failure::input(format!("--subject: {e}")))?;
    }
    let request: IssuanceRequest = io::read_json(request_path)?;
    let mut values = set
        .iter()
        .map(|s| value(&schema, s))
        .collect::<Result<Vec<_>, _>>()?;
    let expiry = &schema.attributes()[schema.expiry_index()].name;
    values.push((expiry.clone(), valid_until.days()));
    let named: Vec<(&str, u64)> = values.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let issued = key
        .issue(&schema, &request, &named, batch)
        .map_err(|e| Failure::input(format!("{}: {e}", show(request_path))))?;
    // Recorded before the credentials leave: a credential the rater cannot
    // list is one the subject cannot show anonymously.
    let mut records = IssuanceRecordsFile::open_or_create(
        &records_path(key_path, records),
        &key.public_key(),
        &schema,
    )
    .map_err(Failure::input)?;
    records
        .add(&issued, subject, valid_until, now()?)
        .map_err(|e| Failure::input(format!("{}: {e}", show(records.path()))))?;
    records.save().map_err(Failure::input)?;
    let file = IssuedCredentialsFile {
        credentials: issued,
    };
    match out {
        Some(path) => file.save(path, Replace::Yes).map_err(Failure::input)?,
        None => io::print(&file.to_json().map_err(Failure::input)?)?,
    }
    Ok(OK)
}

/// Opens the rater's records, which `rater issue` created.
fn existing_records(
    key_path: &Path,
    records: Option<&Path>,
    key: &RaterSigningKey,
    schema: &Schema,
) -> Result<IssuanceRecordsFile, Failure> {
    let path = records_path(key_path, records);
    if path.symlink_metadata().is_err() {
        return Err(Failure::input(format!(
            "{}: no issuance records (`rater issue` writes them)",
            show(&path)
        )));
    }
    IssuanceRecordsFile::open_or_create(&path, &key.public_key(), schema).map_err(Failure::input)
}

/// `rater publish-list`.
pub fn publish_list(
    key_path: &Path,
    records: Option<&Path>,
    epoch: Option<u64>,
    from: Option<Date>,
    days: u64,
    base: usize,
    out: &Path,
) -> Outcome {
    let RaterKeyFile {
        schema,
        signing_key: key,
    } = RaterKeyFile::load(key_path).map_err(Failure::input)?;
    let mut records = existing_records(key_path, records, &key, &schema)?;
    let records_path = records.path().to_owned();
    let from = from.map_or_else(crate::verifier::today, Ok)?;
    let not_before = from.days() * 86_400;
    let not_after = days
        .checked_mul(86_400)
        .and_then(|d| d.checked_add(not_before))
        .filter(|_| days > 0)
        .ok_or_else(|| Failure::input("--days: 1 or more, and not beyond the year 9999"))?;
    let window = EpochWindow {
        epoch: epoch.unwrap_or_else(|| records.next_epoch()),
        not_before,
        not_after,
    };
    let list = records
        .publish(&key, &schema, window, base)
        .map_err(|e| Failure::input(format!("{}: {e}", show(&records_path))))?;
    io::write_atomic(out, &list.to_bytes(), 0o644, true)?;
    records.save().map_err(Failure::input)?;
    let summary = serde_json::json!({
        "schema": schema.id(),
        "key_id": list.key_id().to_string(),
        "epoch": list.epoch(),
        "not_before": window.not_before,
        "not_after": window.not_after,
        "count": list.len(),
        "base": list.params().base(),
        "digest": URL_SAFE_NO_PAD.encode(list.digest()),
        "file": show(out),
    });
    io::print(&io::to_json(&summary)?)?;
    Ok(OK)
}

/// `rater revoke`.
pub fn revoke(
    key_path: &Path,
    records: Option<&Path>,
    subject: Option<&str>,
    digest: Option<&str>,
) -> Outcome {
    let RaterKeyFile {
        schema,
        signing_key: key,
    } = RaterKeyFile::load(key_path).map_err(Failure::input)?;
    let mut records = existing_records(key_path, records, &key, &schema)?;
    let point;
    let which = match (subject, digest) {
        (Some(s), _) => Revoke::Subject(s),
        (None, Some(d)) => {
            let bytes: [u8; 32] = URL_SAFE_NO_PAD
                .decode(d)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| Failure::input("--digest: expected 32 bytes in base64url"))?;
            point = curve25519_dalek::ristretto::CompressedRistretto(bytes);
            Revoke::Digest(&point)
        }
        (None, None) => return Err(Failure::input("give --subject or --digest")),
    };
    let count = records.revoke(which, now()?);
    if count == 0 {
        return Err(Failure::input(
            "no issuance matches that was not already revoked",
        ));
    }
    records.save().map_err(Failure::input)?;
    let summary = serde_json::json!({
        "revoked": count,
        "from_epoch": records.next_epoch(),
    });
    io::print(&io::to_json(&summary)?)?;
    Ok(OK)
}
