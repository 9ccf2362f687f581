//! The one normalised form of a verifier id (spec §5.1): a lowercase
//! DNS-name-like string, so that ids differing only by case, invisible or
//! look-alike characters cannot name two verifiers.

use std::fmt;

/// The longest verifier id, in bytes (as for a DNS name).
pub(crate) const MAX_LEN: usize = 253;
/// The longest label (dot-separated part) of a verifier id, in bytes.
pub(crate) const MAX_LABEL_LEN: usize = 63;

/// Why a verifier id is not in its normalised form (spec §5.1): 1 to 253
/// bytes, labels of 1 to 63 characters from `a`–`z`, `0`–`9` and `-`,
/// separated by dots, no label starting or ending with `-`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierIdError {
    /// The id is empty or longer than 253 bytes.
    #[error("the verifier id must be 1 to {MAX_LEN} bytes, found {found}")]
    Length {
        /// Its length in bytes.
        found: usize,
    },
    /// The id holds a character outside `a`–`z`, `0`–`9`, `-` and `.`:
    /// an uppercase letter, or any non-ASCII character (look-alike letters,
    /// invisible or zero-width characters included).
    #[error("the verifier id has {} at byte {at}: {}", Shown(*.found), hint(*.found))]
    Character {
        /// Byte offset of the character.
        at: usize,
        /// The character.
        found: char,
    },
    /// A label is empty (two dots in a row, or a dot at either end).
    #[error("the verifier id has an empty label at byte {at}")]
    EmptyLabel {
        /// Byte offset where the label starts.
        at: usize,
    },
    /// A label is longer than 63 bytes.
    #[error("the verifier id has a label of {len} bytes at byte {at}, above {MAX_LABEL_LEN}")]
    LabelTooLong {
        /// Byte offset where the label starts.
        at: usize,
        /// Its length.
        len: usize,
    },
    /// A label starts or ends with `-`.
    #[error("the verifier id has a label starting or ending with `-` at byte {at}")]
    Hyphen {
        /// Byte offset where the label starts.
        at: usize,
    },
}

/// A character as an error message shows it: printable ASCII quoted, anything
/// else by its code point (so that invisible characters are seen).
struct Shown(char);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() {
            write!(f, "`{}`", self.0)
        } else {
            write!(f, "U+{:04X}", u32::from(self.0))
        }
    }
}

fn hint(c: char) -> &'static str {
    if c.is_ascii_uppercase() {
        "verifier ids are lowercase"
    } else if c.is_ascii() {
        "only a-z, 0-9, `-` and `.` are allowed"
    } else {
        "only ASCII a-z, 0-9, `-` and `.` are allowed (look-alike and invisible characters are refused)"
    }
}

/// Checks that `id` is a verifier id in its normalised form.
///
/// # Errors
/// A [`VerifierIdError`] naming the first thing wrong.
pub(crate) fn check(id: &str) -> Result<(), VerifierIdError> {
    if id.is_empty() || id.len() > MAX_LEN {
        return Err(VerifierIdError::Length { found: id.len() });
    }
    if let Some((at, found)) = id
        .char_indices()
        .find(|&(_, c)| !matches!(c, 'a'..='z' | '0'..='9' | '-' | '.'))
    {
        return Err(VerifierIdError::Character { at, found });
    }
    // Only ASCII is left, so byte offsets and characters agree.
    let mut at = 0usize;
    for label in id.split('.') {
        if label.is_empty() {
            return Err(VerifierIdError::EmptyLabel { at });
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(VerifierIdError::LabelTooLong {
                at,
                len: label.len(),
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(VerifierIdError::Hyphen { at });
        }
        at = at.saturating_add(label.len()).saturating_add(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_dns_names() {
        let long_label = "a".repeat(63);
        let longest = [long_label.as_str(); 4].join(".");
        assert_eq!(longest.len(), 255);
        let longest = &longest[..253];
        for id in [
            "v",
            "consulate.example",
            "bikes.example",
            "x-1.b2.example",
            "0",
            long_label.as_str(),
            longest,
        ] {
            assert_eq!(check(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn refuses_other_forms_with_a_reason() {
        use VerifierIdError as E;
        let cases: &[(&str, VerifierIdError)] = &[
            ("", E::Length { found: 0 }),
            (&"a".repeat(254), E::Length { found: 254 }),
            ("Consulate.example", E::Character { at: 0, found: 'C' }),
            // Cyrillic `о` in place of the Latin letter.
            (
                "c\u{043e}nsulate.example",
                E::Character {
                    at: 1,
                    found: '\u{043e}',
                },
            ),
            // Zero-width space, zero-width joiner, soft hyphen.
            (
                "consulate\u{200b}.example",
                E::Character {
                    at: 9,
                    found: '\u{200b}',
                },
            ),
            (
                "consulate.exa\u{200d}mple",
                E::Character {
                    at: 13,
                    found: '\u{200d}',
                },
            ),
            (
                "consu\u{ad}late.example",
                E::Character {
                    at: 5,
                    found: '\u{ad}',
                },
            ),
            // Fullwidth full stop.
            (
                "consulate\u{ff0e}example",
                E::Character {
                    at: 9,
                    found: '\u{ff0e}',
                },
            ),
            ("consulate example", E::Character { at: 9, found: ' ' }),
            ("consulate_example", E::Character { at: 9, found: '_' }),
            ("consulate..example", E::EmptyLabel { at: 10 }),
            (".example", E::EmptyLabel { at: 0 }),
            ("example.", E::EmptyLabel { at: 8 }),
            ("-bikes.example", E::Hyphen { at: 0 }),
            ("bikes.example-", E::Hyphen { at: 6 }),
            (
                &format!("{}.example", "a".repeat(64)),
                E::LabelTooLong { at: 0, len: 64 },
            ),
        ];
        for (id, want) in cases {
            assert_eq!(check(id).as_ref(), Err(want), "{id:?}");
        }
    }

    #[test]
    fn messages_show_invisible_characters_by_code_point() {
        let e = check("consulate\u{200b}.example").unwrap_err().to_string();
        assert!(e.contains("U+200B at byte 9"), "{e}");
        assert!(e.contains("invisible"), "{e}");
        let e = check("Consulate.example").unwrap_err().to_string();
        assert!(e.contains("`C`") && e.contains("lowercase"), "{e}");
    }
}
