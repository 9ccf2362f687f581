//! The service's configuration: the file, the environment over it, and the
//! checks at start.

use std::path::Path;
use std::time::Duration;

use credence::fixtures::World;
use credence::RaterDescriptor;
use credence_verifier::{open_store, App, Config, ConfigError, ListSource, StartError, StoreUrl};

/// A directory with a trust list of the bank and court raters, and a
/// descriptor file of the bank alone.
fn raters() -> tempfile::TempDir {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let bank = RaterDescriptor::new(w.bank.schema.clone(), w.bank.public());
    let court = RaterDescriptor::new(w.court.schema.clone(), w.court.public());
    std::fs::write(
        dir.path().join("trust.json"),
        serde_json::to_vec(&vec![bank.clone(), court]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bank.json"),
        serde_json::to_vec(&bank).unwrap(),
    )
    .unwrap();
    dir
}

fn toml(dir: &Path) -> String {
    format!(
        r#"
listen = "127.0.0.1:9000"
public_url = "https://verifier.example/"
store = "sqlite://{db}"
token = "0123456789abcdef-token"
verifier_id = "consulate.example"
trusted_raters = ["{trust}", "{bank}"]
lifetime_seconds = 300
batch_window_ms = 5
batch_size = 32
"#,
        db = dir.join("v.sqlite").display(),
        trust = dir.join("trust.json").display(),
        bank = dir.join("bank.json").display(),
    )
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A file's text, the environment over it, and the key it gets wrong.
type Case = (String, Vec<(String, String)>, &'static str);

fn key_of(e: ConfigError) -> String {
    match e {
        ConfigError::Invalid { key, .. } => key.to_owned(),
        ConfigError::Env { var, .. } => var,
        e => panic!("{e}"),
    }
}

#[test]
fn a_file_is_read_and_the_environment_overrides_it() {
    let dir = raters();
    let c = Config::from_toml(&toml(dir.path()), env(&[("HOME", "/root")])).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:9000");
    assert_eq!(c.public_url, "https://verifier.example");
    assert_eq!(c.store, StoreUrl::Sqlite(dir.path().join("v.sqlite")));
    assert_eq!(c.token.expose(), b"0123456789abcdef-token");
    assert_eq!(c.trusted.len(), 3);
    assert_eq!(c.lifetime, Duration::from_secs(300));
    assert_eq!(c.batch_window, Duration::from_millis(5));
    assert_eq!(c.batch_size, 32);
    assert_eq!(c.wallet_pkg, None);
    assert!(!format!("{c:?}").contains("0123456789abcdef-token"));

    let token = dir.path().join("token");
    std::fs::write(&token, "from-a-file-0123456789\n").unwrap();
    let text = toml(dir.path()).replace("token = \"0123456789abcdef-token\"\n", "");
    let c = Config::from_toml(
        &text,
        env(&[
            ("CREDENCE_VERIFIER_LISTEN", "0.0.0.0:8443"),
            ("CREDENCE_VERIFIER_BATCH_SIZE", "1"),
            ("CREDENCE_VERIFIER_TOKEN_FILE", token.to_str().unwrap()),
            (
                "CREDENCE_VERIFIER_TRUSTED_RATERS",
                dir.path().join("bank.json").to_str().unwrap(),
            ),
            ("CREDENCE_VERIFIER_CONFIG", "ignored.toml"),
            ("CREDENCE_VERIFIER_WALLET_PKG", "/srv/credence/pkg/web"),
            (
                "CREDENCE_VERIFIER_LISTS",
                "court.list,https://court.example/lists/current",
            ),
            ("CREDENCE_VERIFIER_LISTS_REFRESH_SECONDS", "60"),
        ]),
    )
    .unwrap();
    assert_eq!(
        c.lists,
        [
            ListSource::File("court.list".into()),
            ListSource::Url("https://court.example/lists/current".into())
        ]
    );
    assert_eq!(c.list_refresh, Duration::from_secs(60));
    assert_eq!(c.wallet_pkg, Some("/srv/credence/pkg/web".into()));
    assert_eq!(c.listen.to_string(), "0.0.0.0:8443");
    assert_eq!(c.batch_size, 1);
    assert_eq!(c.token.expose(), b"from-a-file-0123456789");
    assert_eq!(c.trusted.len(), 1);
}

#[test]
fn unusable_configurations_are_refused_with_the_key_at_fault() {
    let dir = raters();
    let base = toml(dir.path());
    let cases: Vec<Case> = vec![
        (
            base.replace("listen = \"127.0.0.1:9000\"", "listen = \"nowhere\""),
            vec![],
            "listen",
        ),
        (
            base.replace("https://verifier.example/", "ftp://x"),
            vec![],
            "public_url",
        ),
        (base.replace("sqlite://", "mysql://"), vec![], "store"),
        (
            base.replace("0123456789abcdef-token", "short"),
            vec![],
            "token",
        ),
        (
            base.replace("0123456789abcdef-token", "with space in the token"),
            vec![],
            "token",
        ),
        (
            base.replace("verifier_id = \"consulate.example\"\n", ""),
            vec![],
            "verifier_id",
        ),
        (
            base.replace("lifetime_seconds = 300", "lifetime_seconds = 0"),
            vec![],
            "lifetime_seconds",
        ),
        (
            base.replace("batch_size = 32", "batch_size = 0"),
            vec![],
            "batch_size",
        ),
        (
            base.replace("batch_window_ms = 5", "batch_window_ms = 5000"),
            vec![],
            "batch_window_ms",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_MAX_FAILURES", "1001")]),
            "max_failures",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_BODY_LIMIT_BYTES", "10")]),
            "body_limit_bytes",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_BATCH_SIZE", "many")]),
            "CREDENCE_VERIFIER_BATCH_SIZE",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_NO_SUCH_KEY", "1")]),
            "CREDENCE_VERIFIER_NO_SUCH_KEY",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_TRUSTED_RATERS", "/nonexistent.json")]),
            "trusted_raters",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_TRUSTED_RATERS", "")]),
            "trusted_raters",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_TOKEN_FILE", "/nonexistent")]),
            "token",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_MAX_WAIT_SECONDS", "100")]),
            "request_timeout_seconds",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_LISTS", "https://")]),
            "lists",
        ),
        (
            base.clone(),
            env(&[("CREDENCE_VERIFIER_LISTS_REFRESH_SECONDS", "0")]),
            "lists_refresh_seconds",
        ),
    ];
    for (text, env, key) in cases {
        let e = Config::from_toml(&text, env).unwrap_err();
        let message = e.to_string();
        assert!(!message.contains("0123456789abcdef-token"), "{message}");
        assert_eq!(key_of(e), key, "{message}");
    }
    // Unknown keys and wrong types in the file.
    for text in [
        format!("{base}\nlisten_address = \"x\""),
        base.replace("batch_size = 32", "batch_size = \"32\""),
    ] {
        assert!(matches!(
            Config::from_toml(&text, []),
            Err(ConfigError::Syntax(_))
        ));
    }
    // A file that is not a descriptor.
    std::fs::write(dir.path().join("bad.json"), b"{\"schema\": 1}").unwrap();
    let e = Config::from_toml(
        &base,
        env(&[(
            "CREDENCE_VERIFIER_TRUSTED_RATERS",
            dir.path().join("bad.json").to_str().unwrap(),
        )]),
    )
    .unwrap_err();
    assert_eq!(key_of(e), "trusted_raters");
    assert!(matches!(
        Config::load(Some(&dir.path().join("missing.toml")), []),
        Err(ConfigError::Read { .. })
    ));
}

#[tokio::test]
async fn the_store_and_the_verifier_id_are_checked_at_start() {
    let dir = raters();
    let c = Config::from_toml(&toml(dir.path()), []).unwrap();
    // A PostgreSQL server that cannot be reached: the error keeps the
    // password to itself.
    let postgres = StoreUrl::parse("postgres://user:secret@127.0.0.1:1/credence").unwrap();
    assert!(!format!("{postgres:?}").contains("secret"));
    let Err(e) = open_store(&postgres) else {
        panic!("a PostgreSQL store opened on port 1")
    };
    assert!(matches!(e, StartError::Store(_)), "{e}");
    assert!(!e.to_string().contains("secret"), "{e}");

    let mut bad = c.clone();
    bad.verifier_id = "Not Normalised".into();
    let store = open_store(&c.store).unwrap();
    assert!(matches!(
        App::new(bad, store.clone()),
        Err(StartError::Verifier(_))
    ));
    // A wallet package directory that does not hold the package.
    let mut no_package = c.clone();
    no_package.wallet_pkg = Some(dir.path().to_owned());
    let Err(e) = App::new(no_package, store.clone()) else {
        panic!("a service started without the wallet package it was given")
    };
    assert!(matches!(e, StartError::WalletPackage(_)), "{e}");
    assert!(e.to_string().contains("wallet_pkg"), "{e}");
    let app = App::new(c, store).unwrap();
    app.shutdown().await;
}

#[test]
fn the_example_configuration_is_valid() {
    let dir = raters();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("credence-verifier.example.toml");
    let c = Config::load(
        Some(&example),
        env(&[(
            "CREDENCE_VERIFIER_TRUSTED_RATERS",
            dir.path().join("trust.json").to_str().unwrap(),
        )]),
    )
    .unwrap();
    let defaults = Config::new("x", c.token.clone(), Vec::new(), c.store.clone());
    assert_eq!(c.lifetime, defaults.lifetime);
    assert_eq!(c.batch_size, defaults.batch_size);
    assert_eq!(c.body_limit, defaults.body_limit);
    assert_eq!(c.body_limit, 126_182);
    assert_eq!(c.store, StoreUrl::Sqlite("credence-verifier.sqlite".into()));
}
