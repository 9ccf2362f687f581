//! The rater's files (spec/wallet.md §7): its key file and the issued
//! credentials it hands to a subject. Both hold secrets.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::{secret_b64, FieldName, FileError, JsonProblem};
#[cfg(feature = "files")]
use super::{write_atomic, write_error, Replace};
use crate::errors::DecodeError;
use crate::issuance::IssuedCredential;
use crate::keys::RaterSigningKey;
use crate::schema::Schema;

/// The `format` of a rater key file.
const KEY_FORMAT: &str = "credence-rater-key";
/// The `format` of an issued credentials file.
const ISSUED_FORMAT: &str = "credence-issued-credentials";
/// The only version of either file this library reads and writes.
const VERSION: u32 = 1;

/// The JSON form of a rater key file; the encoded key is zeroized on drop.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    format: String,
    version: u32,
    schema: Schema,
    signing_key: String,
}

impl Drop for RawKey {
    fn drop(&mut self) {
        self.signing_key.zeroize();
    }
}

/// The JSON form of an issued credentials file; the encodings are zeroized
/// on drop.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssued {
    format: String,
    version: u32,
    credentials: Vec<String>,
}

impl Drop for RawIssued {
    fn drop(&mut self) {
        self.credentials.iter_mut().for_each(Zeroize::zeroize);
    }
}

/// A rater key file (spec/wallet.md §7): the schema a rater issues under and
/// its Ed25519 signing key.
///
/// Secret: the key is zeroized on drop; `Debug` shows the schema id and the
/// key id only. The file is created with mode 0600 and never overwritten.
pub struct RaterKeyFile {
    /// The schema the rater issues credentials of.
    pub schema: Schema,
    /// The rater's signing key.
    pub signing_key: RaterSigningKey,
}

impl fmt::Debug for RaterKeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RaterKeyFile")
            .field("schema", &self.schema.id())
            .field("signing_key", &self.signing_key)
            .finish()
    }
}

impl RaterKeyFile {
    /// The file's JSON, zeroized when dropped.
    ///
    /// # Errors
    /// [`FileError::Encode`] if the schema cannot be serialized.
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, FileError> {
        let raw = RawKey {
            format: KEY_FORMAT.to_owned(),
            version: VERSION,
            schema: self.schema.clone(),
            signing_key: secret_b64::encode(&*self.signing_key.to_bytes()),
        };
        super::to_json(&raw).map_err(|_| FileError::Encode { what: KEY_FORMAT })
    }

    /// Decodes a key file's JSON; `path` names it in errors.
    ///
    /// # Errors
    /// [`FileError::Json`], [`FileError::Format`] or [`FileError::Field`],
    /// quoting no value from the file.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self, FileError> {
        let raw: RawKey = serde_json::from_slice(bytes).map_err(|e| FileError::Json {
            path: path.to_owned(),
            problem: JsonProblem::of(&e),
        })?;
        if raw.format != KEY_FORMAT || raw.version != VERSION {
            return Err(FileError::Format {
                path: path.to_owned(),
                format: KEY_FORMAT,
            });
        }
        let field = |error| FileError::Field {
            path: path.to_owned(),
            field: FieldName {
                name: "signing key",
                index: None,
            },
            error,
        };
        let bytes = secret_b64::decode(&raw.signing_key, "signing key").map_err(field)?;
        let secret: Zeroizing<[u8; 32]> =
            Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
                field(DecodeError::WrongLength {
                    what: "signing key",
                    expected: 32,
                    found: bytes.len(),
                })
            })?);
        Ok(RaterKeyFile {
            schema: raw.schema.clone(),
            signing_key: RaterSigningKey::from_bytes(&secret),
        })
    }

    #[cfg(feature = "files")]
    /// Reads a key file.
    ///
    /// # Errors
    /// [`FileError::Read`], [`FileError::TooLarge`]; as [`RaterKeyFile::from_json`].
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::from_json(&super::read(path)?, path)
    }

    #[cfg(feature = "files")]
    /// Writes a new key file crash-safely with mode 0600.
    ///
    /// # Errors
    /// [`FileError::Exists`] when `path` exists (nothing is written);
    /// [`FileError::Write`]; [`FileError::Encode`].
    pub fn create(&self, path: &Path) -> Result<(), FileError> {
        write_atomic(path, &self.to_json()?, 0o600, Replace::No).map_err(|e| write_error(path, &e))
    }
}

/// An issued credentials file (spec/wallet.md §7): credentials with their
/// openings, as a rater hands them to one subject.
///
/// Secret: the openings are zeroized on drop; `Debug` shows the count only.
/// The file is written with mode 0600.
pub struct IssuedCredentialsFile {
    /// The credentials, in issuance order.
    pub credentials: Vec<IssuedCredential>,
}

impl fmt::Debug for IssuedCredentialsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredentialsFile")
            .field("credentials", &self.credentials.len())
            .finish()
    }
}

impl IssuedCredentialsFile {
    /// The file's JSON, zeroized when dropped.
    ///
    /// # Errors
    /// [`FileError::Encode`] (serializing strings cannot fail in practice).
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, FileError> {
        let raw = RawIssued {
            format: ISSUED_FORMAT.to_owned(),
            version: VERSION,
            credentials: self
                .credentials
                .iter()
                .map(|c| secret_b64::encode(&c.to_bytes()))
                .collect(),
        };
        super::to_json(&raw).map_err(|_| FileError::Encode {
            what: ISSUED_FORMAT,
        })
    }

    /// Decodes an issued credentials file's JSON; `path` names it in errors.
    /// The credentials are decoded, not yet checked: a wallet checks them when
    /// it accepts them (`wallet::Wallet::add`).
    ///
    /// # Errors
    /// [`FileError::Json`], [`FileError::Format`] or [`FileError::Field`]
    /// naming the credential, quoting no value from the file.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self, FileError> {
        let raw: RawIssued = serde_json::from_slice(bytes).map_err(|e| FileError::Json {
            path: path.to_owned(),
            problem: JsonProblem::of(&e),
        })?;
        if raw.format != ISSUED_FORMAT || raw.version != VERSION {
            return Err(FileError::Format {
                path: path.to_owned(),
                format: ISSUED_FORMAT,
            });
        }
        let credentials = raw
            .credentials
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let field = |error| FileError::Field {
                    path: path.to_owned(),
                    field: FieldName {
                        name: "credential",
                        index: Some(i),
                    },
                    error,
                };
                let bytes = secret_b64::decode(s, "issued credential").map_err(field)?;
                IssuedCredential::from_bytes(&bytes).map_err(field)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(IssuedCredentialsFile { credentials })
    }

    #[cfg(feature = "files")]
    /// Reads an issued credentials file.
    ///
    /// # Errors
    /// [`FileError::Read`], [`FileError::TooLarge`]; as
    /// [`IssuedCredentialsFile::from_json`].
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::from_json(&super::read(path)?, path)
    }

    #[cfg(feature = "files")]
    /// Writes the file crash-safely with mode 0600, replacing `path` when
    /// `replace` says so.
    ///
    /// # Errors
    /// [`FileError::Exists`]; [`FileError::Write`]; [`FileError::Encode`].
    pub fn save(&self, path: &Path, replace: Replace) -> Result<(), FileError> {
        write_atomic(path, &self.to_json()?, 0o600, replace).map_err(|e| write_error(path, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, AttributeKind, Category};

    /// A key file written by the tool before secrets were encoded in
    /// constant time still loads, and is written back byte for byte.
    #[test]
    fn an_existing_key_file_loads_unchanged() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        let schema = Schema::new(
            "bank",
            1,
            vec![
                Attribute {
                    name: "liquidity_eur".into(),
                    kind: AttributeKind::Uint { max: 1000 },
                    category: Category::Financial,
                },
                Attribute {
                    name: "valid_until".into(),
                    kind: AttributeKind::Date,
                    category: Category::Validity,
                },
            ],
        )
        .unwrap();
        // 0xfb.. and 0xff.. exercise the url-safe characters `-` and `_`.
        let secret: [u8; 32] = core::array::from_fn(|i| [0xfb, 0xff, 0xbf][i % 3]);
        let old = format!(
            "{{\n  \"format\": \"credence-rater-key\",\n  \"version\": 1,\n  \"schema\": {},\n  \"signing_key\": \"{}\"\n}}\n",
            serde_json::to_string_pretty(&schema)
                .unwrap()
                .replace('\n', "\n  "),
            URL_SAFE_NO_PAD.encode(secret)
        );
        assert!(old.contains('-') && old.contains('_'));
        let path = Path::new("bank.key");
        let file = RaterKeyFile::from_json(old.as_bytes(), path).unwrap();
        assert_eq!(*file.signing_key.to_bytes(), secret);
        assert_eq!(file.to_json().unwrap().as_slice(), old.as_bytes());
        let encoded = URL_SAFE_NO_PAD.encode(secret);
        let standard = old.replace(&encoded, &encoded.replace('-', "+"));
        let err = RaterKeyFile::from_json(standard.as_bytes(), path).unwrap_err();
        assert!(matches!(err, FileError::Field { .. }), "{err}");
        assert!(!format!("{file:?}").contains(&URL_SAFE_NO_PAD.encode(secret)));
    }
}
