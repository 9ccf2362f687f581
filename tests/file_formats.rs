//! Files written by version 1 of the library and tool, before secrets were
//! base64-encoded in constant time, still load, and are written back byte for
//! byte (spec/wallet.md §1, §3, §7).

use credence::files::{IssuedCredentialsFile, RaterKeyFile};
use credence::wallet::{Wallet, WalletFile};
use std::path::Path;

const WALLET: &[u8] = include_bytes!("fixtures/v1/subject.wallet");
const KEY: &[u8] = include_bytes!("fixtures/v1/bank.key");
const ISSUED: &[u8] = include_bytes!("fixtures/v1/issued.json");

#[test]
fn a_version_1_wallet_loads_and_saves_unchanged() {
    let wallet = Wallet::from_json(WALLET).unwrap();
    assert_eq!(wallet.to_json().unwrap().as_slice(), WALLET);
    assert_eq!(wallet.credentials().len(), 2);
    assert_eq!(wallet.pending().len(), 1);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("subject.wallet");
    std::fs::write(&path, WALLET).unwrap();
    let mut file = WalletFile::open(&path).unwrap();
    file.save().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), WALLET);

    // The issued credentials answer the wallet's pending request.
    let issued = IssuedCredentialsFile::from_json(ISSUED, Path::new("issued.json")).unwrap();
    let (_, added) = file.add(issued.credentials).unwrap();
    assert_eq!(added, 1);
    file.save().unwrap();
    drop(file);
    assert_eq!(Wallet::load(&path).unwrap().credentials().len(), 3);
}

#[test]
fn version_1_rater_files_load_and_save_unchanged() {
    let key = RaterKeyFile::from_json(KEY, Path::new("bank.key")).unwrap();
    assert_eq!(key.to_json().unwrap().as_slice(), KEY);
    assert_eq!(key.schema.id(), "bank");
    let issued = IssuedCredentialsFile::from_json(ISSUED, Path::new("issued.json")).unwrap();
    assert_eq!(issued.to_json().unwrap().as_slice(), ISSUED);
    assert_eq!(
        issued.credentials[0].credential().key_id(),
        key.signing_key.public_key().key_id()
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.key");
    key.create(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), KEY);
    assert!(
        key.create(&path).is_err(),
        "a key file is never overwritten"
    );
}
