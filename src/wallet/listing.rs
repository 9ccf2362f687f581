//! What a wallet holds, for its holder to read: no secret, no attribute
//! value.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Wallet;

impl Wallet {
    /// What the wallet holds, as JSON, without a secret or an attribute
    /// value: `credentials` (by schema and key: how many unused, how many
    /// used), `pending` issuance requests (schema and key id),
    /// `min_intervals` (the protected attributes and their widths), and
    /// `disclosures` (by verifier: the date, purpose and statements of each
    /// presentation).
    pub fn listing(&self) -> Value {
        let mut groups: Vec<(String, String, usize, usize)> = Vec::new();
        for c in self.credentials() {
            let key_id = c.key_id.to_string();
            let group = match groups
                .iter_mut()
                .position(|g| g.0 == c.schema && g.1 == key_id)
            {
                Some(i) => &mut groups[i],
                None => {
                    groups.push((c.schema.clone(), key_id, 0, 0));
                    let last = groups.len() - 1;
                    &mut groups[last]
                }
            };
            if c.used {
                group.3 += 1;
            } else {
                group.2 += 1;
            }
        }
        let credentials: Vec<Value> = groups
            .into_iter()
            .map(|(schema, key_id, unused, used)| {
                json!({ "schema": schema, "key_id": key_id, "unused": unused, "used": used })
            })
            .collect();
        let pending: Vec<Value> = self
            .pending()
            .iter()
            .map(|d| json!({ "schema": d.schema().id(), "key_id": d.key_id().to_string() }))
            .collect();
        let intervals: BTreeMap<String, u64> = self
            .min_intervals()
            .iter()
            .map(|(a, w)| (a.to_string(), *w))
            .collect();
        let disclosures: BTreeMap<&String, Vec<Value>> = self
            .disclosures()
            .iter()
            .map(|(verifier, records)| {
                let rs = records
                    .iter()
                    .map(|r| {
                        json!({
                            "date": r.date.to_string(),
                            "purpose": r.purpose,
                            "learned": r.statements(),
                        })
                    })
                    .collect();
                (verifier, rs)
            })
            .collect();
        json!({
            "credentials": credentials,
            "pending": pending,
            "min_intervals": intervals,
            "disclosures": disclosures,
        })
    }
}
