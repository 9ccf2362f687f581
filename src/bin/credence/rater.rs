//! `credence rater …`: create a key, issue credentials.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use credence::rater::{IssuanceRequest, RaterSigningKey};
use credence::{AttributeKind, Date, RaterDescriptor, Schema};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::io::{self, show, Failure, Outcome, OK};

const KEY_FORMAT: &str = "credence-rater-key";
/// The issuance response format, read by `wallet add`.
pub const ISSUED_FORMAT: &str = "credence-issued-credentials";

/// The rater key file (secret, mode 0600): the schema and the Ed25519 secret key.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    version: u32,
    schema: Schema,
    signing_key: String,
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        self.signing_key.zeroize();
    }
}

/// Credentials with their openings, as a rater hands them to the subject
/// (secret: the openings).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedFile {
    pub format: String,
    pub version: u32,
    pub credentials: Vec<String>,
}

impl Drop for IssuedFile {
    fn drop(&mut self) {
        self.credentials.iter_mut().for_each(Zeroize::zeroize);
    }
}

/// `rater init`.
pub fn init(schema_path: &Path, key_path: &Path) -> Outcome {
    let schema: Schema = io::read_json(schema_path)?;
    if key_path.symlink_metadata().is_ok() {
        return Err(Failure::input(format!(
            "{} already exists; refusing to overwrite it",
            show(key_path)
        )));
    }
    let key = RaterSigningKey::generate(&mut rand_core::OsRng);
    let file = KeyFile {
        format: KEY_FORMAT.into(),
        version: 1,
        schema: schema.clone(),
        signing_key: URL_SAFE_NO_PAD.encode(key.to_bytes().as_slice()),
    };
    io::write_atomic(key_path, &io::to_json(&file)?, 0o600, false)?;
    io::print(&io::to_json(&RaterDescriptor::new(
        schema,
        key.public_key(),
    ))?)?;
    Ok(OK)
}

fn load_key(path: &Path) -> Result<(RaterSigningKey, Schema), Failure> {
    let file: KeyFile = io::read_secret_json(path)?;
    if file.format != KEY_FORMAT || file.version != 1 {
        return Err(Failure::input(format!(
            "{} is not a version 1 `{KEY_FORMAT}` file",
            show(path)
        )));
    }
    let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(&file.signing_key).map_err(|_| {
        Failure::input(format!("{}: the signing key is not base64url", show(path)))
    })?);
    let secret: Zeroizing<[u8; 32]> =
        Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
            Failure::input(format!("{}: the signing key is not 32 bytes", show(path)))
        })?);
    Ok((RaterSigningKey::from_bytes(&secret), file.schema.clone()))
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

/// `rater issue`.
pub fn issue(
    key_path: &Path,
    request_path: &Path,
    set: &[String],
    valid_until: Date,
    batch: usize,
    out: Option<&Path>,
) -> Outcome {
    let (key, schema) = load_key(key_path)?;
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
    let file = IssuedFile {
        format: ISSUED_FORMAT.into(),
        version: 1,
        credentials: issued
            .iter()
            .map(|c| URL_SAFE_NO_PAD.encode(&*c.to_bytes()))
            .collect(),
    };
    let json = io::to_json(&file)?;
    match out {
        Some(path) => io::write_atomic(path, &json, 0o600, true)?,
        None => io::print(&json)?,
    }
    Ok(OK)
}
