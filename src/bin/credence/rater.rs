//! `credence rater …`: create a key, issue credentials.

use std::path::Path;

use credence::files::{IssuedCredentialsFile, RaterKeyFile, Replace};
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

/// `rater issue`.
pub fn issue(
    key_path: &Path,
    request_path: &Path,
    set: &[String],
    valid_until: Date,
    batch: usize,
    out: Option<&Path>,
) -> Outcome {
    let RaterKeyFile {
        schema,
        signing_key: key,
    } = RaterKeyFile::load(key_path).map_err(Failure::input)?;
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
    let file = IssuedCredentialsFile {
        credentials: issued,
    };
    match out {
        Some(path) => file.save(path, Replace::Yes).map_err(Failure::input)?,
        None => io::print(&file.to_json().map_err(Failure::input)?)?,
    }
    Ok(OK)
}
