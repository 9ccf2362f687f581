//! The invariants every fuzz target asserts, shared by the targets.
//!
//! - Binary forms: an input that decodes is the canonical encoding of what it
//!   decodes to (`encode(decode(x)) == x`), so non-canonical input never decodes.
//! - JSON forms: an input that decodes is, as a JSON value, exactly the JSON the
//!   library writes for the decoded object (only whitespace, key order and string
//!   escapes may differ).
//! - Across forms: the JSON of a decoded object decodes to an equal object, and
//!   its binary encoding decodes to an equal object.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Decodes a binary form and checks that re-encoding gives the input back.
pub fn binary<T, E>(
    data: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, E>,
    encode: impl Fn(&T) -> Vec<u8>,
) -> Option<T> {
    let decoded = decode(data).ok()?;
    assert!(
        encode(&decoded) == data,
        "an input decoded that is not the canonical encoding of its value"
    );
    Some(decoded)
}

/// Decodes a JSON form and checks that it is the JSON the library writes.
pub fn json<T: Serialize + DeserializeOwned>(data: &[u8]) -> Option<T> {
    let decoded: T = serde_json::from_slice(data).ok()?;
    let input: Value = serde_json::from_slice(data).expect("accepted input is JSON");
    let written = serde_json::to_value(&decoded).expect("a decoded value serializes");
    assert!(
        written == input,
        "accepted JSON differs from the JSON written for its value:\n{input}\n{written}"
    );
    Some(decoded)
}

/// Checks that an object's JSON decodes to an equal object.
pub fn json_round_trip<T: Serialize + DeserializeOwned + PartialEq>(value: &T) {
    let text = serde_json::to_vec(value).expect("serializes");
    let back: T = serde_json::from_slice(&text).expect("the library's own JSON decodes");
    assert!(back == *value, "JSON round trip changed the value");
}

/// Checks that an object's binary encoding decodes to an equal object.
pub fn binary_round_trip<T: PartialEq, E: std::fmt::Debug>(
    value: &T,
    decode: impl Fn(&[u8]) -> Result<T, E>,
    encode: impl Fn(&T) -> Vec<u8>,
) {
    let bytes = encode(value);
    let back = decode(&bytes).expect("the library's own encoding decodes");
    assert!(back == *value, "binary round trip changed the value");
    assert!(encode(&back) == bytes, "encoding is not deterministic");
}

/// A public object with both forms: checks whichever form `data` is in, and the
/// other form of what it decodes to.
pub fn both_forms<T, E>(
    data: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, E>,
    encode: impl Fn(&T) -> Vec<u8>,
) where
    T: Serialize + DeserializeOwned + PartialEq,
    E: std::fmt::Debug,
{
    if let Some(v) = binary(data, &decode, &encode) {
        json_round_trip(&v);
    }
    if let Some(v) = json::<T>(data) {
        binary_round_trip(&v, &decode, &encode);
        json_round_trip(&v);
    }
}

/// Lowercase or uppercase hex to bytes; `None` on anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Every proof request stored in the spec's vector files (fields named
/// `request`, hex of the binary form), for targets that verify against them.
pub fn vector_requests() -> Vec<credence::ProofRequest> {
    const FILES: &[&str] = &[
        include_str!("../../spec/vectors/consulate.json"),
        include_str!("../../spec/vectors/predicates.json"),
    ];
    fn walk(v: &Value, out: &mut Vec<credence::ProofRequest>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let is_request = k == "request" || k == "anonymous_request";
                    if let (true, Some(s)) = (is_request, v.as_str()) {
                        if let Some(r) =
                            unhex(s).and_then(|b| credence::ProofRequest::from_bytes(&b).ok())
                        {
                            out.push(r);
                        }
                    } else {
                        walk(v, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for f in FILES {
        let v: Value = serde_json::from_str(f).expect("vector files are JSON");
        walk(&v, &mut out);
    }
    out
}

/// The court's epoch list of the consulate vector, checked against the
/// court's key and schema.
pub fn vector_lists() -> credence::epoch::EpochLists {
    let v: Value = serde_json::from_str(include_str!("../../spec/vectors/consulate.json"))
        .expect("vector files are JSON");
    let field = |k: &str| unhex(v[k].as_str().expect("vector field")).expect("hex");
    let list = credence::epoch::EpochList::from_bytes(&field("court_epoch_list")).expect("list");
    let key = credence::RaterPublicKey::from_bytes(
        &field("court_public_key").try_into().expect("32 bytes"),
    )
    .expect("key");
    let schema = credence::Schema::from_bytes(&field("court_schema")).expect("schema");
    let mut lists = credence::epoch::EpochLists::new();
    lists.insert(list, &key, &schema).expect("the vector list verifies");
    lists
}
